"""Append-only audit log: who changed what, when, before/after."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beteiligung.extensions import db

from .base import utcnow


class AuditEntry(db.Model):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(20), nullable=False)  # create/update/delete/…
    entity_type: Mapped[str] = mapped_column(String(60), nullable=False)
    entity_id: Mapped[int] = mapped_column(Integer, nullable=False)
    summary: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)

    user = relationship("User", lazy="joined")

    __table_args__ = (db.Index("ix_audit_entity", "entity_type", "entity_id"),)

    def changed_fields(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


@event.listens_for(AuditEntry, "before_update")
def _audit_is_append_only(mapper, connection, target):  # pragma: no cover - guard
    raise RuntimeError("Audit-Einträge sind unveränderlich.")


@event.listens_for(AuditEntry, "before_delete")
def _audit_no_delete(mapper, connection, target):  # pragma: no cover - guard
    raise RuntimeError("Audit-Einträge sind unveränderlich.")
