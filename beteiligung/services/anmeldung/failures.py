"""Failed second-factor and directory attempts (and refusals the administration must see), in the LoginFailure throttle shared with the password.

A failed attempt ends in a 4xx response, whose unit of work is rolled back; so the attempts of a
request are written after the request in a transaction of their own (teardown), like a log line.
Outside a request (CLI, tests of the service) they go into the current transaction.

Second-factor failures have their own key per account ("2fa"), which a correct password does not
clear – otherwise knowing the password would reset the count of guessed codes. The client key is
the one the password throttle uses.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, g, has_request_context
from sqlalchemy import delete, func, insert, select

from beteiligung.extensions import db
from models import AuditEntry, LoginFailure, utcnow

from ..accounts import _key, is_locked


def keys(email: str, client: str) -> list[str]:
    return [_key("2fa", email), _key("client", client)]


def locked(email: str, client: str) -> bool:
    if is_locked(email, client):
        return True
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    n = db.session.scalar(
        select(func.count())
        .select_from(LoginFailure)
        .where(LoginFailure.key == _key("2fa", email), LoginFailure.at >= since)
    )
    return n >= current_app.config["LOGIN_MAX_FAILURES"]


def note(email: str, client: str) -> None:
    note_keys(keys(email, client))


def note_keys(key_list: list[str]) -> None:
    rows = [{"key": k, "at": utcnow()} for k in key_list]
    if has_request_context():
        g.setdefault("anmeldung_failures", []).extend(rows)
    else:
        db.session.execute(insert(LoginFailure), rows)


def note_audit(user, summary: str) -> None:
    """An entry in the audit log of `user`'s account that stays even though the request is refused
    (e.g. a directory login whose e-mail belongs to this account): the administration sees it there."""
    row = {
        "at": utcnow(),
        "user_id": None,
        "action": "warnung",
        "entity_type": "User",
        "entity_id": user.id,
        "summary": summary[:300],
        "before": None,
        "after": None,
    }
    if has_request_context():
        g.setdefault("anmeldung_audit", []).append(row)
    else:
        db.session.execute(insert(AuditEntry), [row])


def clear(email: str) -> None:
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _key("2fa", email)))


def write_pending(exc=None) -> None:
    """teardown_request: store the failed attempts of this request in their own transaction."""
    rows, audit = g.pop("anmeldung_failures", None), g.pop("anmeldung_audit", None)
    if rows or audit:
        with db.engine.begin() as conn:
            if rows:
                conn.execute(insert(LoginFailure), rows)
            if audit:
                conn.execute(insert(AuditEntry), audit)
