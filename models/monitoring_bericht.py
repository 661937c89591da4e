"""Sozialbericht: the planner's text blocks for a report from a Monitoring-Ausgabe, and the
Handlungsfelder an indicator belongs to (for the Fokusbericht of one Handlungsfeld)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import TimestampMixin, VersionedMixin
from .masterdata import Term
from .monitoring import MonitoringEdition, StatIndicator

# An indicator can inform several Handlungsfelder (Kinderarmut: Familie and Existenzsicherung).
stat_indicator_handlungsfeld = Table(
    "stat_indicator_handlungsfeld",
    db.metadata,
    Column("indicator_id", ForeignKey("stat_indicator.id", ondelete="CASCADE"), primary_key=True),
    Column("term_id", ForeignKey("term.id", ondelete="CASCADE"), primary_key=True),
)

StatIndicator.handlungsfelder = relationship(
    Term, secondary=stat_indicator_handlungsfeld, order_by=Term.name, viewonly=False
)


class Sozialbericht(TimestampMixin, VersionedMixin, db.Model):
    """Text blocks (Markdown) of the Sozialbericht generated from one edition."""

    audit_type = "Sozialbericht"
    __tablename__ = "sozialbericht"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(
        ForeignKey("monitoring_edition.id", ondelete="CASCADE"), nullable=False, unique=True
    )
    title: Mapped[str] = mapped_column(String(250), nullable=False)
    einleitung: Mapped[str | None] = mapped_column(Text)
    befunde: Mapped[str | None] = mapped_column(Text)
    ausblick: Mapped[str | None] = mapped_column(Text)

    edition: Mapped[MonitoringEdition] = relationship()

    def __str__(self) -> str:
        return self.title
