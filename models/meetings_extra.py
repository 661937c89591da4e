"""Gremien und Sitzungen, additions: calendar feed tokens and public registrations.

Columns added to the core tables (meeting, invitation) live in models/committees.py.
"""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin

# Optional fields a public registration form can ask for (key → German label).
REGISTRATION_FIELDS = {
    "organisation": "Organisation / Initiative",
    "phone": "Telefon",
    "accessibility": "Unterstützungsbedarf (z. B. Gebärdensprache, barrierefreier Zugang)",
    "remarks": "Anmerkungen oder Themenwünsche",
}


class CalendarFeed(TimestampMixin, db.Model):
    """A personal iCal feed; only the hash of the secret URL token is stored."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    last_used_at: Mapped[Optional[datetime]] = mapped_column(DateTime)

    user = relationship("User")


class MeetingRegistration(TimestampMixin, db.Model):
    """A citizen's registration for a public meeting (no account)."""

    __tablename__ = "meeting_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    organisation: Mapped[Optional[str]] = mapped_column(String(200))
    phone: Mapped[Optional[str]] = mapped_column(String(60))
    accessibility: Mapped[Optional[str]] = mapped_column(Text)
    remarks: Mapped[Optional[str]] = mapped_column(Text)

    meeting = relationship("Meeting")


class AgendaDocument(TimestampMixin, db.Model):
    """A document attached to a TOP (Vorlage, Präsentation …), stored outside the web root
    (UPLOAD_FOLDER/tagesordnung/<stored_name>); size and type are limited by the service."""

    __tablename__ = "agenda_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), nullable=False,
                                                index=True)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)
    stored_name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    content_type: Mapped[str] = mapped_column(String(120), nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    agenda_item = relationship("AgendaItem", backref=backref("documents", order_by="AgendaDocument.id",
                                                             cascade="all, delete-orphan"))
