"""Shared column helpers and mixins for all models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Integer
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from beteiligung.extensions import db


def utcnow() -> datetime:
    """Naive UTC timestamp; templates convert to Europe/Berlin for display."""
    return datetime.now(UTC).replace(tzinfo=None)


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow, nullable=False)


class VersionedMixin:
    """Optimistic locking: every UPDATE checks and raises the version counter.

    Forms carry the version they were rendered with; services compare it
    (services.ensure_version) so a stale edit becomes a visible conflict.
    """

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.version}


Model = db.Model
