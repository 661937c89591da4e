"""Betrieb: heartbeats of the queue workers (health check "worker seen recently")."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from beteiligung.extensions import db

from .base import utcnow


class WorkerHeartbeat(db.Model):
    __tablename__ = "betrieb_worker"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class StoredFile(db.Model):
    """An uploaded file kept in the database (FILE_STORAGE=datenbank): every server sees it, one dump backs it up."""

    __tablename__ = "betrieb_datei"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
