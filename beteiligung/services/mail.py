"""Mail goes through the outbox table; `outbox send` delivers it over SMTP."""

from __future__ import annotations

import secrets
import smtplib
import ssl
from datetime import timedelta
from email import message_from_string, policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app
from sqlalchemy import and_, func, or_, select, update

from beteiligung.extensions import db
from beteiligung.formatting import single_line
from beteiligung.uow import unit_of_work
from models import OutboxMail, utcnow
from models.mail import STATUS_FAILED, STATUS_QUEUED, STATUS_SENT

MAX_ATTEMPTS = 10
CLAIM_TIMEOUT = timedelta(minutes=10)
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=6)


def queue(
    recipient: str,
    subject: str,
    body_text: str,
    *,
    attachments=(),
    category: str = "system",
    html: str | None = None,
    calendar: tuple[str, bytes] | None = None,
) -> OutboxMail:
    """Build the MIME message and store it in the outbox (part of the caller's transaction).

    attachments: iterable of (filename, maintype, subtype, bytes, extra_params) where
    extra_params is a dict added to the Content-Type (e.g. {"method": "REQUEST"}).
    calendar: optional (METHOD, ics bytes) added as an inline text/calendar alternative part.
    """
    msg = EmailMessage()
    msg["From"] = current_app.config["MAIL_FROM"]
    recipient, subject = single_line(recipient), single_line(subject)  # a header is one line
    msg["To"] = recipient
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain="beteiligung.local")
    msg.set_content(body_text)
    if html:
        msg.add_alternative(html, subtype="html")
    if calendar:
        # Inline text/calendar alternative (method, ics bytes): calendar clients show Accept/Decline.
        method, ics = calendar
        msg.add_alternative(ics, maintype="text", subtype="calendar", params={"method": method, "charset": "utf-8"})
    for filename, maintype, subtype, data, params in attachments:
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename, params=params or {})
    mail = OutboxMail(
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        message=msg.as_string(policy=policy.SMTP),
        category=category,
    )
    db.session.add(mail)
    db.session.flush()
    return mail


def smtp_configured() -> bool:
    return bool(current_app.config.get("SMTP_HOST"))


def _connect():
    cfg = current_app.config
    host, port, timeout = cfg["SMTP_HOST"], cfg["SMTP_PORT"], cfg["SMTP_TIMEOUT"]
    security = cfg["SMTP_SECURITY"]
    if security == "ssl":
        server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(host, port, timeout=timeout)
        if security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if cfg.get("SMTP_USER"):
        server.login(cfg["SMTP_USER"], cfg["SMTP_PASSWORD"])
    return server


def backoff(attempts: int) -> timedelta:
    """Wait before the next try after `attempts` failed tries: 1, 2, 4, ... minutes, at most 6 hours."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def claim_timeout() -> timedelta:
    """How long a claim protects its mails; after that a crashed sender's mails are retried (OUTBOX_CLAIM_SECONDS)."""
    seconds = current_app.config.get("OUTBOX_CLAIM_SECONDS")
    return timedelta(seconds=int(seconds)) if seconds else CLAIM_TIMEOUT


def _due(now, respect_backoff: bool):
    c = OutboxMail.__table__.c
    conditions = [
        c.status.in_([STATUS_QUEUED, STATUS_FAILED]),
        c.attempts < MAX_ATTEMPTS,
        or_(c.claimed_at.is_(None), c.claimed_at < now - claim_timeout()),
    ]
    if respect_backoff:
        conditions.append(or_(c.next_try_at.is_(None), c.next_try_at <= now))
    return and_(*conditions)


def claim_batch(limit: int, now, respect_backoff: bool) -> tuple[str, list]:
    """Reserve up to `limit` due mails for this sender (flushes; the caller commits the claim before sending).

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so parallel senders take disjoint rows without waiting.
    SQLite: one conditional UPDATE (SQLite serialises writers, the WHERE is evaluated under the write lock).
    Returns the claim token and rows (id, recipient, message, attempts)."""
    table = OutboxMail.__table__
    c = table.c
    token = secrets.token_hex(16)
    due = _due(now, respect_backoff)
    claim = {"claim_token": token, "claimed_at": now, "attempts": c.attempts + 1}
    if db.session.get_bind().dialect.name == "postgresql":
        ids = list(
            db.session.scalars(select(c.id).where(due).order_by(c.id).limit(limit).with_for_update(skip_locked=True))
        )
        if ids:
            db.session.execute(update(table).where(c.id.in_(ids)).values(**claim))
    else:
        db.session.execute(
            update(table).where(c.id.in_(select(c.id).where(due).order_by(c.id).limit(limit)), due).values(**claim)
        )
    rows = db.session.execute(
        select(c.id, c.recipient, c.message, c.attempts).where(c.claim_token == token).order_by(c.id)
    ).all()
    return token, rows


def _finish(token: str, row, error: str | None, now) -> None:
    """Record the result of one claimed mail and release the claim (only if it is still ours)."""
    c = OutboxMail.__table__.c
    if error is None:
        values = {"status": STATUS_SENT, "sent_at": now, "last_error": None, "next_try_at": None}
    else:
        values = {"status": STATUS_FAILED, "last_error": error[:500], "next_try_at": now + backoff(row.attempts)}
    db.session.execute(
        update(OutboxMail.__table__)
        .where(c.id == row.id, c.claim_token == token)
        .values(claim_token=None, claimed_at=None, **values)
    )


def send_queued(limit: int = 500, *, respect_backoff: bool = False) -> tuple[int, int]:
    """Deliver waiting mail exactly once, also with several senders in parallel. Returns (sent, failed).

    A job, not a service: it commits the claim before talking to SMTP and each result right after
    (every step in its own unit of work). Failures stay queued with a back-off (next_try_at); the manual
    run (`outbox send`) retries them at once, the periodic job (respect_backoff=True) waits.
    A sender killed after claiming leaves a claim that expires after CLAIM_TIMEOUT; then the mail is retried."""
    if not smtp_configured():
        return 0, 0
    with unit_of_work():
        token, rows = claim_batch(limit, utcnow(), respect_backoff)
    if not rows:
        return 0, 0
    sent = failed = 0
    try:
        server = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        with unit_of_work():
            for row in rows:
                _finish(token, row, f"Verbindung fehlgeschlagen: {exc}", utcnow())
        return 0, len(rows)
    try:
        for row in rows:
            error = None
            try:
                msg = message_from_string(row.message, policy=policy.SMTP)
                server.send_message(msg, from_addr=current_app.config["MAIL_FROM"], to_addrs=[row.recipient])
                sent += 1
            except (OSError, smtplib.SMTPException) as exc:
                error = str(exc) or type(exc).__name__
                failed += 1
            with unit_of_work():
                _finish(token, row, error, utcnow())
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed


def counts() -> dict[str, int]:
    """Mails per status (metrics, health)."""
    c = OutboxMail.__table__.c
    return {status: n for status, n in db.session.execute(select(c.status, func.count()).group_by(c.status))}
