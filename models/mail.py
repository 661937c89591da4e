"""Outbox: every mail is stored first, then delivered over SMTP (and retried)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from beteiligung.extensions import db

from .base import utcnow

STATUS_QUEUED = "wartend"
STATUS_SENT = "versendet"
STATUS_FAILED = "fehlgeschlagen"


class OutboxMail(db.Model):
    __tablename__ = "outbox_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, nullable=False)
    recipient: Mapped[str] = mapped_column(String(254), nullable=False, index=True)
    subject: Mapped[str] = mapped_column(String(300), nullable=False)
    body_text: Mapped[str] = mapped_column(Text, nullable=False)
    # The complete MIME message (with attachments such as .ics), ready to send.
    message: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=STATUS_QUEUED, index=True)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    category: Mapped[str] = mapped_column(String(40), nullable=False, default="system")
    # Exactly once with several senders (services/mail.py send_queued): a sender claims rows with a token;
    # a claim older than CLAIM_TIMEOUT (crashed sender) expires. next_try_at is the back-off after a failure.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime)
    next_try_at: Mapped[datetime | None] = mapped_column(DateTime)
