"""Two-factor login with TOTP (RFC 6238, pyotp): QR enrolment, hashed recovery codes, replay and brute-force protection."""

from __future__ import annotations

import secrets
import time

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from beteiligung.extensions import db
from models import User, utcnow
from models.anmeldung import SitzungsEnde, Wiederherstellungscode, ZweiFaktor

from .. import ValidationError
from ..audit import record
from . import failures, sitzungen

ISSUER = "beteiligung"
RECOVERY_CODES = 10
STEP = 30
# Recovery codes carry 48 random bits and are used once; a lighter hash keeps checking ten of them quick.
CODE_HASH = "pbkdf2:sha256:60000"
WRONG_CODE = "Der Code ist falsch oder abgelaufen."


def required_roles() -> set[str]:
    raw = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", "admin")
    return {r.strip() for r in (raw or "").split(",") if r.strip()}


def required_for(user: User) -> bool:
    """Is a second factor mandatory for this account (one of its own roles is listed)?"""
    wanted = required_roles()
    return any(r.role in wanted for r in user.roles)


def get(user: User) -> ZweiFaktor | None:
    return db.session.scalar(select(ZweiFaktor).where(ZweiFaktor.user_id == user.id))


def is_active(user: User) -> bool:
    zf = get(user)
    return zf is not None and zf.active


def new_secret() -> str:
    """A fresh secret for enrolment. Nothing is stored until a code from the app confirms it (the
    enrolment page is a GET and must not write); the view keeps it in the signed session."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_data_uri(user: User, secret: str) -> str:
    return segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=2)


def _normal(code: str | None) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def _check_lock(user: User, client: str) -> None:
    if failures.locked(user.email, client):
        raise ValidationError(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie "
            f"{current_app.config['LOGIN_LOCK_MINUTES']} Minuten."
        )


def _fail(user: User, client: str, message: str = WRONG_CODE) -> ValidationError:
    failures.note(user.email, client)
    return ValidationError({"code": message})


def _match_totp(zf: ZweiFaktor, code: str) -> int | None:
    """The time step the code belongs to (now ± one step), or None."""
    totp = pyotp.TOTP(zf.secret)
    now_step = int(time.time()) // STEP
    for step in (now_step, now_step - 1, now_step + 1):
        if secrets.compare_digest(totp.at(step * STEP), code):
            return step
    return None


def _accept_totp(zf: ZweiFaktor, code: str) -> str | None:
    """Check a 6-digit code; returns None if accepted, else the error message."""
    step = _match_totp(zf, code)
    if step is None:
        return WRONG_CODE
    if step <= zf.last_step:
        return "Dieser Code wurde schon verwendet. Bitte warten Sie auf den nächsten Code."
    zf.last_step = step
    return None


def confirm(user: User, secret: str, code: str, client: str) -> list[str]:
    """Finish enrolment of `secret` with a code from the app; returns the recovery codes (shown once)."""
    _check_lock(user, client)
    if not secret:
        raise ValidationError("Bitte beginnen Sie die Einrichtung erneut.")
    zf = get(user)
    if zf is not None and zf.active:
        raise ValidationError("Die Zwei-Faktor-Anmeldung ist bereits eingerichtet.")
    if zf is None:
        zf = ZweiFaktor(user_id=user.id, secret=secret, last_step=0)
    else:  # an unfinished enrolment of an older version: start over with this secret
        zf.secret, zf.last_step = secret, 0
    code = _normal(code)
    error = _accept_totp(zf, code) if len(code) == 6 and code.isdigit() else WRONG_CODE
    if error:
        raise _fail(user, client, error)
    zf.confirmed_at = utcnow()
    db.session.add(zf)
    db.session.flush()
    codes = _new_codes(user)
    failures.clear(user.email)
    record(user, "update", user, {"zwei_faktor": False}, {"zwei_faktor": True}, "Zwei-Faktor-Anmeldung eingerichtet")
    return codes


def _new_codes(user: User) -> list[str]:
    db.session.execute(delete(Wiederherstellungscode).where(Wiederherstellungscode.user_id == user.id))
    codes = [f"{secrets.token_hex(2)}-{secrets.token_hex(2)}-{secrets.token_hex(2)}" for _ in range(RECOVERY_CODES)]
    for code in codes:
        db.session.add(
            Wiederherstellungscode(user_id=user.id, code_hash=generate_password_hash(_normal(code), method=CODE_HASH))
        )
    db.session.flush()
    return codes


def verify(user: User, code: str, client: str) -> str:
    """Second step of a login: a current TOTP code or an unused recovery code. Returns "totp" or "code"."""
    _check_lock(user, client)
    zf = get(user)
    if zf is None or not zf.active:
        raise ValidationError("Für dieses Konto ist keine Zwei-Faktor-Anmeldung eingerichtet.")
    code = _normal(code)
    if len(code) == 6 and code.isdigit():
        error = _accept_totp(zf, code)
        if error:
            raise _fail(user, client, error)
        failures.clear(user.email)
        return "totp"
    if len(code) == 12:
        for row in db.session.scalars(
            select(Wiederherstellungscode).where(
                Wiederherstellungscode.user_id == user.id, Wiederherstellungscode.used_at.is_(None)
            )
        ):
            if check_password_hash(row.code_hash, code):
                row.used_at = utcnow()
                db.session.flush()
                failures.clear(user.email)
                record(
                    user,
                    "update",
                    user,
                    None,
                    {"wiederherstellungscodes_uebrig": remaining_codes(user)},
                    "Anmeldung mit Wiederherstellungscode",
                )
                return "code"
    raise _fail(user, client)


def remaining_codes(user: User) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Wiederherstellungscode)
        .where(Wiederherstellungscode.user_id == user.id, Wiederherstellungscode.used_at.is_(None))
    )


def _password_ok(user: User, password: str) -> bool:
    """The local password, or for a directory account the directory password."""
    if user.password_hash:
        return check_password_hash(user.password_hash, password or "")
    from models.anmeldung import KontoQuelle

    from . import ldap

    dn = db.session.scalar(
        select(KontoQuelle.extern_id).where(KontoQuelle.user_id == user.id, KontoQuelle.quelle == ldap.QUELLE)
    )
    return bool(dn and ldap.configured() and ldap.check_password(dn, password))


def _check_password(user: User, password: str, client: str) -> None:
    if not _password_ok(user, password):
        failures.note(user.email, client)
        raise ValidationError({"password": "Das Passwort ist falsch."})


def disable(user: User, password: str, code: str, client: str) -> None:
    """Switch two-factor off: needs the password and a current code; ends every session of the account."""
    _check_lock(user, client)
    _check_password(user, password, client)
    verify(user, code, client)
    db.session.execute(delete(Wiederherstellungscode).where(Wiederherstellungscode.user_id == user.id))
    db.session.execute(delete(ZweiFaktor).where(ZweiFaktor.user_id == user.id))
    sitzungen.end_all(user, SitzungsEnde.ZWEI_FAKTOR)
    record(user, "update", user, {"zwei_faktor": True}, {"zwei_faktor": False}, "Zwei-Faktor-Anmeldung ausgeschaltet")


def regenerate_codes(user: User, code: str, client: str) -> list[str]:
    _check_lock(user, client)
    verify(user, code, client)
    codes = _new_codes(user)
    record(user, "update", user, None, {"wiederherstellungscodes": RECOVERY_CODES}, "Neue Wiederherstellungscodes")
    return codes


def reset(actor: User | None, user: User) -> None:
    """Administration (CLI): remove a lost second factor; the account enrols again at its next login."""
    db.session.execute(delete(Wiederherstellungscode).where(Wiederherstellungscode.user_id == user.id))
    db.session.execute(delete(ZweiFaktor).where(ZweiFaktor.user_id == user.id))
    sitzungen.end_all(user, SitzungsEnde.ZWEI_FAKTOR)
    record(
        actor,
        "update",
        user,
        {"zwei_faktor": True},
        {"zwei_faktor": False},
        "Zwei-Faktor-Anmeldung zurückgesetzt (Administration)",
    )


__all__ = ["new_secret", "confirm", "verify", "disable", "regenerate_codes", "reset", "required_for", "is_active"]
