"""Login with throttling, invitations with one-time activation links, password reset, roles."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.uow import durable
from models import (
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_LABELS,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    Area,
    LoginFailure,
    Organisation,
    RoleAssignment,
    User,
    utcnow,
)

from . import NotFound, ValidationError, ensure_version, require
from .audit import record, snapshot
from .mail import queue

MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    # scrypt in production; the test suite sets a cheap method (PASSWORD_HASH_METHOD) for speed.
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value.strip().lower()}".encode()).hexdigest()


def is_locked(email: str, client: str) -> bool:
    cfg = current_app.config
    since = utcnow() - timedelta(minutes=cfg["LOGIN_LOCK_MINUTES"])
    keys = [_key("email", email), _key("client", client)]
    n_email = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.key == keys[0], LoginFailure.at >= since)
    )
    n_client = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.key == keys[1], LoginFailure.at >= since)
    )
    return n_email >= cfg["LOGIN_MAX_FAILURES"] or n_client >= cfg["LOGIN_MAX_FAILURES"] * 4


def authenticate(email: str, password: str, client: str) -> User | None:
    """Return the user for valid credentials; record a failure otherwise.

    Raises ValidationError while the e-mail or the client is locked out.
    """
    from .anmeldung.sitzungen import dummy_password_check

    email = (email or "").strip().lower()
    # The password hash is read and checked (scrypt, ~0.4 s) outside the unit of work: on SQLite a
    # login request holds the write lock from its first query on, so the slow check comes first.
    with db.engine.connect() as conn:
        conn.execution_options(read_only=True)  # never waits for the request's own write lock
        row = conn.execute(select(User.id, User.password_hash).where(func.lower(User.email) == email)).first()
    if row is None or not row.password_hash:
        dummy_password_check(password)  # as slow as a real check: no hint which accounts exist
        checked = False
    else:
        checked = check_password_hash(row.password_hash, password or "")
    if is_locked(email, client):
        raise ValidationError(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie "
            f"{current_app.config['LOGIN_LOCK_MINUTES']} Minuten oder setzen Sie Ihr Passwort zurück."
        )
    user = db.session.get(User, row.id) if checked else None
    if user is None or not user.is_enabled or user.password_hash != row.password_hash:
        # The failure must count although the answer is 401 (whose request is rolled back).
        with durable():
            db.session.add_all([LoginFailure(key=_key("email", email)), LoginFailure(key=_key("client", client))])
            cutoff = utcnow() - timedelta(days=1)
            db.session.execute(delete(LoginFailure).where(LoginFailure.at < cutoff))
        return None
    db.session.execute(delete(LoginFailure).where(LoginFailure.key == _key("email", email)))
    user.last_login_at = utcnow()
    db.session.flush()
    return user


# --- tokens ------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"beteiligung-{purpose}")


def _fingerprint(user: User) -> str:
    # Changes as soon as a password is set, so every link works once.
    return hashlib.sha256((user.password_hash or f"new-{user.id}").encode()).hexdigest()[:16]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str, purpose: str) -> User:
    max_age = current_app.config["TOKEN_MAX_AGE_HOURS"] * 3600
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise ValidationError("Dieser Link ist abgelaufen. Bitte fordern Sie einen neuen an.") from None
    except BadSignature:
        raise ValidationError("Dieser Link ist ungültig.") from None
    user = db.session.get(User, data.get("u"))
    if user is None or _fingerprint(user) != data.get("f"):
        raise ValidationError("Dieser Link wurde bereits verwendet oder ist ungültig.")
    return user


def check_password(password: str, password2: str) -> dict:
    errors = {}
    if len(password or "") < MIN_PASSWORD_LENGTH:
        errors["password"] = f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein."
    elif password != password2:
        errors["password2"] = "Die beiden Passwörter stimmen nicht überein."
    return errors


def set_password_with_token(token: str, purpose: str, password: str, password2: str) -> User:
    user = user_for_token(token, purpose)
    errors = check_password(password, password2)
    if errors:
        raise ValidationError(errors)
    user.password_hash = hash_password(password)
    if user.activated_at is None:
        user.activated_at = utcnow()
    record(user, "password", user, None, None, "Passwort gesetzt")
    db.session.flush()
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset mail if the account exists; the caller always shows the same message."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))
    if user is None or not user.is_enabled or user.password_hash is None:
        return
    link = current_app.config["BASE_URL"] + url_for("auth.reset", token=make_token(user, "reset"))
    queue(
        user.email,
        "Passwort zurücksetzen – beteiligung",
        f"Guten Tag {user.display_name},\n\nüber diesen Link können Sie ein neues Passwort setzen "
        f"(gültig {current_app.config['TOKEN_MAX_AGE_HOURS']} Stunden, einmal verwendbar):\n\n{link}\n\n"
        "Wenn Sie das nicht angefordert haben, können Sie diese Nachricht ignorieren.\n",
        category="konto",
    )
    db.session.flush()


# --- users and roles ---------------------------------------------------------


def _role_body_id(values: dict) -> int | None:
    role = values["role"]
    if role == ROLE_PARTNER:
        org = db.session.get(Organisation, values.get("organisation_id") or 0)
        return org.body_id if org else None
    if role == ROLE_AREA_MANAGER:
        areas = values.get("areas") or []
        return areas[0].body_id if areas else None
    return values.get("body_id")


def _check_role(values: dict) -> dict:
    role = values.get("role")
    errors = {}
    if role not in ROLE_LABELS:
        errors["role"] = "Bitte eine Rolle wählen."
    elif role in (ROLE_PLANNER, ROLE_POLITICS) and not values.get("body_id"):
        errors["body_id"] = "Bitte die Körperschaft angeben."
    elif role == ROLE_PARTNER and not values.get("organisation_id"):
        errors["organisation_id"] = "Bitte die Organisation angeben."
    elif role == ROLE_AREA_MANAGER:
        areas = values.get("areas") or []
        if not areas:
            errors["areas"] = "Bitte mindestens einen Sozialraum wählen."
        elif len({a.body_id for a in areas}) > 1:
            errors["areas"] = "Alle Sozialräume müssen zur selben Körperschaft gehören."
    return errors


def invite_user(actor, email: str, display_name: str, role_values: dict, person_id: int | None = None) -> User:
    """Create an account without password and mail a one-time activation link."""
    require(perm.can_manage_users(actor))
    email = (email or "").strip().lower()
    errors = _check_role(role_values)
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        errors["email"] = "Für diese E-Mail-Adresse gibt es bereits ein Konto."
    if errors:
        raise ValidationError(errors)
    require(
        perm.can_grant_role(actor, role_values["role"], _role_body_id(role_values)),
        "Diese Rolle dürfen Sie nicht vergeben.",
    )
    user = User(email=email, display_name=display_name.strip(), person_id=person_id)
    db.session.add(user)
    db.session.flush()
    _add_role(user, role_values)
    record(actor, "create", user, None, snapshot(user), f"Konto {email} eingeladen")
    send_activation(actor, user)
    db.session.flush()
    return user


def send_activation(actor, user: User) -> None:
    require(perm.can_manage_user(actor, user))
    if user.password_hash is not None:
        raise ValidationError("Dieses Konto ist bereits aktiviert.")
    link = current_app.config["BASE_URL"] + url_for("auth.activate", token=make_token(user, "activate"))
    queue(
        user.email,
        "Ihr Zugang zu beteiligung",
        f"Guten Tag {user.display_name},\n\n{actor.display_name} hat Sie zur Plattform beteiligung "
        f"eingeladen. Über diesen Link setzen Sie Ihr Passwort (gültig "
        f"{current_app.config['TOKEN_MAX_AGE_HOURS']} Stunden, einmal verwendbar):\n\n{link}\n",
        category="konto",
    )
    db.session.flush()


def _add_role(user: User, values: dict) -> RoleAssignment:
    role = RoleAssignment(
        user=user,
        role=values["role"],
        function_title=values.get("function_title") or None,
        body_id=values.get("body_id") if values["role"] in (ROLE_PLANNER, ROLE_POLITICS, ROLE_ADMIN) else None,
        organisation_id=values.get("organisation_id") if values["role"] == ROLE_PARTNER else None,
        areas=list(values.get("areas") or []) if values["role"] == ROLE_AREA_MANAGER else [],
    )
    db.session.add(role)
    return role


def add_role(actor, user: User, values: dict) -> RoleAssignment:
    require(perm.can_manage_user(actor, user))
    errors = _check_role(values)
    if errors:
        raise ValidationError(errors)
    require(perm.can_grant_role(actor, values["role"], _role_body_id(values)), "Diese Rolle dürfen Sie nicht vergeben.")
    role = _add_role(user, values)
    db.session.flush()
    record(actor, "role", user, None, {"rolle": role.label, "bereich": role.scope_label}, "Rolle vergeben")
    db.session.flush()
    return role


def remove_role(actor, role: RoleAssignment) -> None:
    user = role.user
    require(perm.can_manage_user(actor, user))
    record(actor, "role", user, {"rolle": role.label, "bereich": role.scope_label}, None, "Rolle entzogen")
    db.session.delete(role)
    db.session.flush()


def set_deputy(actor, role: RoleAssignment, deputy: User | None, active: bool) -> None:
    """A function names its Vertretung; while active the deputy holds the function's rights."""
    require(actor.id == role.user_id or perm.can_manage_user(actor, role.user))
    if deputy is not None and deputy.id == role.user_id:
        raise ValidationError({"deputy_id": "Eine Person kann sich nicht selbst vertreten."})
    before = {"vertretung": str(role.deputy) if role.deputy else None, "aktiv": role.deputy_active}
    role.deputy = deputy
    role.deputy_active = bool(active and deputy is not None)
    record(
        actor,
        "deputy",
        role.user,
        before,
        {"vertretung": str(deputy) if deputy else None, "aktiv": role.deputy_active},
        "Vertretung geändert",
    )
    db.session.flush()


def set_enabled(actor, user: User, enabled: bool, version) -> None:
    require(perm.can_manage_user(actor, user))
    if user.id == actor.id and not enabled:
        raise ValidationError("Sie können Ihr eigenes Konto nicht sperren.")
    ensure_version(user, version)
    before = snapshot(user)
    user.is_enabled = enabled
    db.session.flush()
    record(actor, "update", user, before, snapshot(user), "Konto " + ("entsperrt" if enabled else "gesperrt"))
    db.session.flush()


def create_user_direct(email: str, display_name: str, password: str, roles: list[dict], person_id=None) -> User:
    """For the CLI and demo data: an active account with a known password."""
    user = User(
        email=email.lower(),
        display_name=display_name,
        password_hash=hash_password(password),
        activated_at=utcnow(),
        person_id=person_id,
    )
    db.session.add(user)
    db.session.flush()
    for values in roles:
        _add_role(user, values)
    return user


def get_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user


__all__ = [
    "authenticate",
    "invite_user",
    "send_activation",
    "set_password_with_token",
    "request_password_reset",
    "add_role",
    "remove_role",
    "set_deputy",
    "set_enabled",
    "create_user_direct",
    "Area",
    "ROLE_ADMIN",
]
