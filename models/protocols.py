"""Protokoll, Beschlüsse und Nachhalten.

Attendance (Anwesenheit) and per-meeting roles, the protocol of a meeting with
its typed entries (Information, Erkenntnis, Empfehlung, Beschluss, Aufgabe,
Dissens), every saved revision, objections during the approval round.
Beschluss and Aufgabe are entries with extra columns, so the Nachhalten list is
one query over one table.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin, utcnow
from .committees import AgendaItem, Meeting, TopicProposal
from .masterdata import Organisation, Person

ATTENDANCE_STATES = ["anwesend", "entschuldigt", "abwesend"]

MEETING_ROLES = {
    "sitzungsleitung": "Sitzungsleitung",
    "moderation": "Moderation",
    "protokollfuehrung": "Protokollführung",
}

PROTOCOL_STATES = {
    "entwurf": "Entwurf",
    "zur_abstimmung": "zur Abstimmung",
    "genehmigt": "genehmigt",
}

ENTRY_KINDS = ["Information", "Erkenntnis", "Empfehlung", "Beschluss", "Aufgabe", "Dissens"]
FORWARDABLE_KINDS = ("Erkenntnis", "Empfehlung")
FOLLOWUP_KINDS = ("Beschluss", "Aufgabe")
ITEM_STATES = ["offen", "in Arbeit", "erledigt"]
DECISION_MODES = {"konsens": "Konsens", "abstimmung": "Abstimmung"}
POLITICAL_OUTCOMES = ["beschlossen", "geändert beschlossen", "abgelehnt", "vertagt"]


class Attendance(TimestampMixin, db.Model):
    """Anwesenheit of one person at one meeting."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id", name="uq_attendance_meeting_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), nullable=False, index=True)
    organisation_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    deputy_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"))
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="abwesend")
    note: Mapped[Optional[str]] = mapped_column(String(300))

    meeting: Mapped[Meeting] = relationship(backref=backref("attendances", cascade="all, delete-orphan",
                                                            passive_deletes=True))
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    deputy: Mapped[Optional[Person]] = relationship(foreign_keys=[deputy_id])
    organisation: Mapped[Optional[Organisation]] = relationship()


class MeetingRole(TimestampMixin, db.Model):
    """Sitzungsleitung, Moderation or Protokollführung of one meeting."""

    __tablename__ = "meeting_role"
    __table_args__ = (UniqueConstraint("meeting_id", "role", name="uq_meeting_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    role: Mapped[str] = mapped_column(String(30), nullable=False)

    meeting: Mapped[Meeting] = relationship(backref=backref("protocol_roles", cascade="all, delete-orphan",
                                                            passive_deletes=True))
    user = relationship("User")

    @property
    def label(self) -> str:
        return MEETING_ROLES.get(self.role, self.role)


class Protocol(TimestampMixin, VersionedMixin, db.Model):
    """The protocol of one meeting and its approval state."""

    __tablename__ = "protocol"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), nullable=False, unique=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="entwurf", index=True)
    edition: Mapped[int] = mapped_column(Integer, nullable=False, default=1)  # Fassung
    objection_deadline: Mapped[Optional[date]] = mapped_column(Date)
    sent_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    approved_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approval_note: Mapped[Optional[str]] = mapped_column(String(300))

    meeting: Mapped[Meeting] = relationship(backref=backref("protocol", uselist=False, cascade="all, delete-orphan",
                                                            passive_deletes=True))
    approved_by = relationship("User")
    entries: Mapped[list["ProtocolEntry"]] = relationship(
        back_populates="protocol", order_by="ProtocolEntry.position", cascade="all, delete-orphan")
    objections: Mapped[list["ProtocolObjection"]] = relationship(
        back_populates="protocol", order_by="ProtocolObjection.created_at", cascade="all, delete-orphan")

    @property
    def locked(self) -> bool:
        return self.status == "genehmigt"

    @property
    def status_label(self) -> str:
        return PROTOCOL_STATES.get(self.status, self.status)

    def __str__(self) -> str:
        return f"Protokoll {self.meeting.title}" if self.meeting else "Protokoll"


class ProtocolEntry(TimestampMixin, VersionedMixin, db.Model):
    """One typed entry of a protocol, under a TOP (agenda_item) or general (None)."""

    __tablename__ = "protocol_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id", ondelete="CASCADE"), nullable=False, index=True)
    agenda_item_id: Mapped[Optional[int]] = mapped_column(ForeignKey("agenda_item.id", ondelete="SET NULL"), index=True)
    position: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    # Beschluss
    decision_mode: Mapped[Optional[str]] = mapped_column(String(20))
    votes_yes: Mapped[Optional[int]] = mapped_column(Integer)
    votes_no: Mapped[Optional[int]] = mapped_column(Integer)
    votes_abstain: Mapped[Optional[int]] = mapped_column(Integer)
    binding: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    addressee_org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    for_resolution: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)  # zur Beschlussfassung
    political_date: Mapped[Optional[date]] = mapped_column(Date)
    political_outcome: Mapped[Optional[str]] = mapped_column(String(40))
    political_note: Mapped[Optional[str]] = mapped_column(String(500))
    # Aufgabe (owner) – Beschluss uses the same follow-up columns
    owner_person_id: Mapped[Optional[int]] = mapped_column(ForeignKey("person.id"), index=True)
    owner_org_id: Mapped[Optional[int]] = mapped_column(ForeignKey("organisation.id"), index=True)
    due_date: Mapped[Optional[date]] = mapped_column(Date, index=True)
    status: Mapped[Optional[str]] = mapped_column(String(20), index=True)  # offen / in Arbeit / erledigt
    status_changed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    closed_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    closed_note: Mapped[Optional[str]] = mapped_column(Text)
    closed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    reminded_before_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    reminded_after_at: Mapped[Optional[datetime]] = mapped_column(DateTime)
    # Bottom-up: the Themenspeicher entry this Erkenntnis/Empfehlung was forwarded to
    forwarded_topic_id: Mapped[Optional[int]] = mapped_column(ForeignKey("topic_proposal.id", ondelete="SET NULL"))
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    protocol: Mapped[Protocol] = relationship(back_populates="entries")
    agenda_item: Mapped[Optional[AgendaItem]] = relationship()
    addressee_org: Mapped[Optional[Organisation]] = relationship(foreign_keys=[addressee_org_id])
    owner_person: Mapped[Optional[Person]] = relationship(foreign_keys=[owner_person_id])
    owner_org: Mapped[Optional[Organisation]] = relationship(foreign_keys=[owner_org_id])
    forwarded_topic: Mapped[Optional[TopicProposal]] = relationship()
    closed_by = relationship("User", foreign_keys=[closed_by_id])

    @property
    def is_followup(self) -> bool:
        return self.kind in FOLLOWUP_KINDS

    @property
    def awaits_forwarding(self) -> bool:
        """An Erkenntnis or Empfehlung not yet passed on to another committee's Themenspeicher."""
        return self.kind in FORWARDABLE_KINDS and self.forwarded_topic_id is None

    @property
    def is_open(self) -> bool:
        return self.is_followup and self.status != "erledigt"

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or utcnow().date()
        return self.is_open and self.due_date is not None and self.due_date < today

    @property
    def owner_label(self) -> str:
        parts = []
        if self.owner_person is not None:
            parts.append(f"{self.owner_person.first_name} {self.owner_person.last_name}")
        if self.owner_org is not None:
            parts.append(self.owner_org.short_name or self.owner_org.name)
        return ", ".join(parts)

    @property
    def votes_label(self) -> str:
        if self.decision_mode == "abstimmung":
            return f"ja {self.votes_yes or 0}, nein {self.votes_no or 0}, Enthaltung {self.votes_abstain or 0}"
        if self.decision_mode == "konsens":
            return "im Konsens"
        return ""

    def __str__(self) -> str:
        text = self.text.strip().splitlines()[0] if self.text.strip() else ""
        return f"{self.kind}: {text[:80]}"


class ProtocolRevision(db.Model):
    """Every save of a protocol entry (or a state change), with its author."""

    __tablename__ = "protocol_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id", ondelete="CASCADE"), nullable=False, index=True)
    entry_id: Mapped[Optional[int]] = mapped_column(Integer, index=True)  # kept after the entry is deleted
    edition: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    data: Mapped[Optional[dict]] = mapped_column(JSON)

    author = relationship("User")


class ProtocolObjection(db.Model):
    """Einwand against a protocol while it is zur Abstimmung."""

    __tablename__ = "protocol_objection"

    id: Mapped[int] = mapped_column(primary_key=True)
    protocol_id: Mapped[int] = mapped_column(ForeignKey("protocol.id", ondelete="CASCADE"), nullable=False, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    resolution: Mapped[Optional[str]] = mapped_column(String(500))

    protocol: Mapped[Protocol] = relationship(back_populates="objections")
    user = relationship("User")
