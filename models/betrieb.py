"""Betrieb: files in the database and documents made by the job queue (issue 16).

The queue itself (jobs, workers and their heartbeats) lives in procrastinate's tables (migration betrieb_02)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from beteiligung.extensions import db

from .base import utcnow


class StoredFile(db.Model):
    """An uploaded file kept in the database (FILE_STORAGE=datenbank): every server sees it, one dump backs it up."""

    __tablename__ = "betrieb_datei"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)


class DocumentStatus(StrEnum):
    WARTEND = "wartend"
    FERTIG = "fertig"
    FEHLGESCHLAGEN = "fehlgeschlagen"

    @property
    def label(self) -> str:
        return {"wartend": "wird erstellt", "fertig": "fertig", "fehlgeschlagen": "fehlgeschlagen"}[self.value]


class DocumentJob(db.Model):
    """A document (PDF) ordered in a request and made by a job; the file lives in the storage (storage.py)."""

    __tablename__ = "betrieb_dokument"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), nullable=False)
    params: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(String(300), nullable=False)
    filename: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=DocumentStatus.WARTEND)
    file_key: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)

    @property
    def status_enum(self) -> DocumentStatus:
        return DocumentStatus(self.status)
