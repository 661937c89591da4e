"""Mail goes through the outbox table; `outbox send` delivers it over SMTP."""
from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from email import message_from_string, policy

from flask import current_app
from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.uow import durable
from beteiligung.formatting import single_line
from models import OutboxMail, utcnow
from models.mail import STATUS_FAILED, STATUS_QUEUED, STATUS_SENT

MAX_ATTEMPTS = 10


def queue(recipient: str, subject: str, body_text: str, *, attachments=(), category: str = "system",
          html: str | None = None, calendar: tuple[str, bytes] | None = None) -> OutboxMail:
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
        recipient=recipient, subject=subject, body_text=body_text,
        message=msg.as_string(policy=policy.SMTP), category=category,
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


def send_queued(limit: int = 500) -> tuple[int, int]:
    """Deliver waiting mail; failures stay queued for the next run. Returns (sent, failed)."""
    if not smtp_configured():
        return 0, 0
    mails = list(db.session.scalars(
        select(OutboxMail)
        .where(OutboxMail.status.in_([STATUS_QUEUED, STATUS_FAILED]), OutboxMail.attempts < MAX_ATTEMPTS)
        .order_by(OutboxMail.id).limit(limit)
    ))
    if not mails:
        return 0, 0
    sent = failed = 0
    try:
        server = _connect()
    except (OSError, smtplib.SMTPException) as exc:
        for mail in mails:
            mail.attempts += 1
            mail.status = STATUS_FAILED
            mail.last_error = f"Verbindung fehlgeschlagen: {exc}"[:500]
        db.session.flush()
        return 0, len(mails)
    try:
        for mail in mails:
            # each mail's new state is committed before the next one is sent: a run that breaks
            # off never sends a mail twice
            with durable():
                mail.attempts += 1
                try:
                    msg = message_from_string(mail.message, policy=policy.SMTP)
                    server.send_message(msg, from_addr=current_app.config["MAIL_FROM"], to_addrs=[mail.recipient])
                    mail.status, mail.sent_at, mail.last_error = STATUS_SENT, utcnow(), None
                    sent += 1
                except (OSError, smtplib.SMTPException) as exc:
                    mail.status, mail.last_error = STATUS_FAILED, str(exc)[:500]
                    failed += 1
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return sent, failed
