"""Betrieb: heartbeats of the queue workers (health check "worker seen recently")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from beteiligung.extensions import db

from .base import utcnow


class WorkerHeartbeat(db.Model):
    __tablename__ = "betrieb_worker"

    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
