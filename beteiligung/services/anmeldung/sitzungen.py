"""Server-side sessions: every login is a record; ending it ends the session cookie and the remember token.

The browser session (flask-login's ``_user_id``) and the "Angemeldet bleiben" cookie carry
``"<user id>.<random token>"``; only the SHA-256 of the token is stored. The user loader accepts a
request only while the record is open and the account is active. Logging out, setting a new
password, deactivating the account and switching two-factor off end every session of the account.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import timedelta
from functools import lru_cache

from flask import g, request
from sqlalchemy import event, or_, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session, joinedload
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.security import check_password_hash

from beteiligung.extensions import db
from beteiligung.permissions.anmeldung import can_end_session
from models import RoleAssignment, User, utcnow
from models.anmeldung import Anmeldeweg, Sitzung, SitzungsEnde

from .. import NotFound
from ..audit import record

TOUCH_EVERY = timedelta(minutes=1)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _browser_label() -> str:
    agent = request.user_agent.string if request else ""
    for name in ("Edg", "Firefox", "Chrome", "Safari"):
        if name in agent:
            label = {"Edg": "Edge"}.get(name, name)
            break
    else:
        label = "Unbekannter Browser"
    for os_name in ("Windows", "Android", "iPhone", "iPad", "Mac OS", "Linux"):
        if os_name in agent:
            return f"{label} auf {os_name.replace('Mac OS', 'macOS')}"
    return label


def start(user: User, weg: Anmeldeweg = Anmeldeweg.PASSWORT, provider: str | None = None) -> str:
    """Open a session record; returns the id string for flask-login's session and remember cookie."""
    token = secrets.token_urlsafe(32)
    sitzung = Sitzung(
        user=user, token_hash=_hash(token), weg=weg.value, browser=_browser_label()[:200], provider=provider
    )
    db.session.add(sitzung)
    user.last_login_at = utcnow()
    db.session.flush()
    record(user, "login", user, None, {"weg": weg.value, "sitzung": sitzung.id}, f"Anmeldung ({weg.label})")
    g.anmeldung_sitzung = sitzung
    return f"{user.id}.{token}"


def load_user(id_string: str) -> User | None:
    """flask-login user loader: the account of an open session record, or nobody."""
    uid, _, token = (id_string or "").partition(".")
    if not uid.isdigit() or not token:
        return None
    # every request of a signed-in user comes here: the account with its functions in three statements (the session
    # with the account; its own functions and those it deputises, one query; their areas), not four
    user_loaded = joinedload(Sitzung.user)
    sitzung = db.session.scalar(
        select(Sitzung)
        .where(Sitzung.token_hash == _hash(token))
        .options(user_loaded.lazyload(User.roles), user_loaded.lazyload(User.deputy_for))
    )
    if sitzung is None or sitzung.user_id != int(uid) or sitzung.ended_at is not None:
        return None
    _load_functions(sitzung.user)
    if not sitzung.user.is_active:
        return None
    now = utcnow()
    if sitzung.weg == Anmeldeweg.LDAP.value and not _directory_still_valid(sitzung, now):
        return None
    if now - sitzung.last_seen_at >= TOUCH_EVERY:
        _bookkeeping(sitzung, last_seen_at=now)
    g.anmeldung_sitzung = sitzung
    return sitzung.user


def _load_functions(user: User) -> None:
    """user.roles and user.deputy_for from one query (both are role assignments: held, or deputised)."""
    state = sa_inspect(user)
    if "roles" not in state.unloaded and "deputy_for" not in state.unloaded:
        return
    functions = db.session.scalars(
        select(RoleAssignment)
        .where(or_(RoleAssignment.user_id == user.id, RoleAssignment.deputy_id == user.id))
        .order_by(RoleAssignment.id)
    ).all()
    set_committed_value(user, "roles", [f for f in functions if f.user_id == user.id])
    set_committed_value(user, "deputy_for", [f for f in functions if f.deputy_id == user.id])


def _directory_still_valid(sitzung: Sitzung, now) -> bool:
    """A directory session asks the directory again every LDAP_RECHECK_SECONDS: an entry that was
    locked or removed ends the session at the next request. A directory that is down ends nothing."""
    from flask import current_app

    from . import ldap

    every = timedelta(seconds=current_app.config.get("LDAP_RECHECK_SECONDS", 60))
    if not ldap.configured() or now - (sitzung.checked_at or sitzung.created_at) < every:
        return True
    if ldap.still_valid(sitzung.user) is False:
        _bookkeeping(
            sitzung,
            audit="Sitzung beendet: Eintrag im Verzeichnis gesperrt oder entfernt",
            checked_at=now,
            ended_at=now,
            end_reason=SitzungsEnde.GESPERRT.value,
        )
        return False
    _bookkeeping(sitzung, checked_at=now)
    return True


def _bookkeeping(sitzung: Sitzung, audit: str | None = None, **values) -> None:
    """Session bookkeeping (last seen, directory check, end) happens while any page loads – also
    on read requests, which never write through the request's unit of work. It goes through a
    transaction of its own (beteiligung.database.side_write); the object is updated in memory too."""
    from beteiligung.database import READ_METHODS, side_write
    from models import AuditEntry

    if request and request.method not in READ_METHODS:  # a writing request carries it itself
        for key, value in values.items():
            setattr(sitzung, key, value)
        if audit:
            record(None, "update", sitzung.user, None, {"sitzung": sitzung.id}, audit)
        return
    for key, value in values.items():  # as if loaded: the request's session has nothing to write
        set_committed_value(sitzung, key, value)
    table, audit_table = Sitzung.__table__, AuditEntry.__table__
    user_id, sitzung_id = sitzung.user_id, sitzung.id

    def work(conn):
        conn.execute(table.update().where(table.c.id == sitzung_id).values(**values))
        if audit:
            conn.execute(
                audit_table.insert().values(
                    at=utcnow(),
                    user_id=None,
                    action="update",
                    entity_type="User",
                    entity_id=user_id,
                    summary=audit,
                    before=None,
                    after={"sitzung": sitzung_id},
                )
            )

    side_write(work)


def current() -> Sitzung | None:
    return g.get("anmeldung_sitzung")


def end_all(user: User, reason: SitzungsEnde, except_current: bool = False) -> int:
    """End every open session of the account (optionally all but the current one)."""
    stmt = update(Sitzung).where(Sitzung.user_id == user.id, Sitzung.ended_at.is_(None))
    mine = current()
    if except_current and mine is not None:
        stmt = stmt.where(Sitzung.id != mine.id)
    n = db.session.execute(
        stmt.values(ended_at=utcnow(), end_reason=reason.value), execution_options={"synchronize_session": False}
    ).rowcount
    if mine is not None and not except_current and mine.user_id == user.id:
        db.session.expire(mine, ["ended_at", "end_reason"])
    return n


def logout(user: User) -> None:
    """Abmelden ends every session and remember token of the account."""
    n = end_all(user, SitzungsEnde.ABGEMELDET)
    record(user, "logout", user, None, {"sitzungen": n}, "Abgemeldet (alle Sitzungen beendet)")


def open_sessions(user: User) -> list[Sitzung]:
    return list(
        db.session.scalars(
            select(Sitzung)
            .where(Sitzung.user_id == user.id, Sitzung.ended_at.is_(None))
            .order_by(Sitzung.last_seen_at.desc(), Sitzung.id.desc())
        )
    )


def end_one(user: User, sitzung_id: int) -> Sitzung:
    """A user ends one of their own sessions; another account's session is not found."""
    sitzung = db.session.get(Sitzung, sitzung_id)
    if not can_end_session(user, sitzung) or sitzung.ended_at is not None:
        raise NotFound("Diese Sitzung gibt es nicht (mehr).")
    sitzung.ended_at = utcnow()
    sitzung.end_reason = SitzungsEnde.BEENDET.value
    db.session.flush()
    record(user, "update", user, None, {"sitzung": sitzung.id, "browser": sitzung.browser}, "Sitzung beendet")
    return sitzung


def end_others(user: User) -> int:
    n = end_all(user, SitzungsEnde.BEENDET, except_current=True)
    record(user, "update", user, None, {"sitzungen": n}, "Alle anderen Sitzungen beendet")
    return n


# --- account changes end every session --------------------------------------------------


def _end_on_account_change(sess: Session, flush_context, instances) -> None:
    """A new password or a deactivated account ends every session, whichever code path changed it."""
    for obj in list(sess.dirty):
        if not isinstance(obj, User) or obj.id is None:
            continue
        state = sa_inspect(obj)
        reason = None
        if state.attrs.password_hash.history.deleted:
            reason = SitzungsEnde.PASSWORT
        enabled = state.attrs.is_enabled.history
        if enabled.deleted and not obj.is_enabled:
            reason = SitzungsEnde.GESPERRT
        if reason is not None:
            sess.connection().execute(
                update(Sitzung)
                .where(Sitzung.user_id == obj.id, Sitzung.ended_at.is_(None))
                .values(ended_at=utcnow(), end_reason=reason.value)
            )


event.listen(Session, "before_flush", _end_on_account_change)


# --- equal time for known and unknown accounts --------------------------------------------


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    from ..accounts import hash_password

    return hash_password(secrets.token_hex(16))


def dummy_password_check(password: str | None) -> None:
    """Spend as long as a real password check: compare with a hash made by the configured method."""
    check_password_hash(_dummy_hash(), password or "")


def measure_login_timing(rounds: int = 20) -> dict:
    """Median time of a failed login for an existing and for an unknown e-mail (CLI `anmeldung zeitmessung`).

    Works on a temporary account and removes it and its failure records afterwards.
    """
    from flask import current_app

    from beteiligung.uow import discard, unit_of_work
    from models import LoginFailure

    from ..accounts import _key, authenticate, hash_password

    suffix = secrets.token_hex(6)
    known = f"zeitmessung-{suffix}@zeitmessung.invalid"
    unknown = f"unbekannt-{suffix}@zeitmessung.invalid"
    client = f"zeitmessung-{suffix}"
    user = User(
        email=known,
        display_name="Zeitmessung",
        password_hash=hash_password(secrets.token_hex(16)),
        activated_at=utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    saved = current_app.config["LOGIN_MAX_FAILURES"]
    current_app.config["LOGIN_MAX_FAILURES"] = 10**9
    times = {"bekannt": [], "unbekannt": []}
    try:
        authenticate(unknown, "warmlaufen", client)  # computes the dummy hash once
        for _ in range(rounds):
            for label, email in (("bekannt", known), ("unbekannt", unknown)):
                t0 = time.perf_counter()
                authenticate(email, "falsches-passwort", client)
                times[label].append(time.perf_counter() - t0)
    finally:
        current_app.config["LOGIN_MAX_FAILURES"] = saved
        discard()
        with unit_of_work():  # in case authenticate() committed on its way
            db.session.execute(
                LoginFailure.__table__.delete().where(
                    LoginFailure.key.in_([_key("email", known), _key("email", unknown), _key("client", client)])
                )
            )
            db.session.execute(User.__table__.delete().where(User.email == known))

    def median(values):
        values = sorted(values)
        return values[len(values) // 2]

    result = {k: median(v) for k, v in times.items()}
    result["abweichung"] = abs(result["bekannt"] - result["unbekannt"]) / max(result["bekannt"], 1e-9)
    return result
