"""LDAP / Active Directory login (ldap3): search the entry with a service account, bind as the user,
map directory groups to platform roles, create or match the local account.

Configuration (README, "Anmeldung"): LDAP_URL (ldap:// or ldaps://), LDAP_STARTTLS, LDAP_CA_FILE,
LDAP_BIND_DN / LDAP_BIND_PASSWORD, LDAP_BASE_DN, LDAP_USER_FILTER ("(uid={login})" or
"(sAMAccountName={login})"), LDAP_ATTR_NAME / LDAP_ATTR_EMAIL, LDAP_GROUP_FILTER, LDAP_GROUP_ROLES
("<group DN>=<role>[:<scope>]; …"), LDAP_CREATE_USERS ("jit" or "match").

Roles that came from a group are marked (VerzeichnisRolle) and replaced at every login, so leaving
a group takes the role away at the next login; roles granted in the application stay untouched.
"""

from __future__ import annotations

import logging
import ssl
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select

from beteiligung.extensions import db
from models import (
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_LABELS,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    Area,
    Body,
    Organisation,
    RoleAssignment,
    User,
    utcnow,
)
from models.anmeldung import KontoQuelle, VerzeichnisRolle

from .. import ServiceError, ValidationError
from ..audit import record

log = logging.getLogger("beteiligung.anmeldung")

QUELLE = "ldap"
NOT_IN_DIRECTORY = object()  # the login is not a directory account: try the local accounts
ROLE_ALIASES = {
    "admin": ROLE_ADMIN,
    "administration": ROLE_ADMIN,
    "planner": ROLE_PLANNER,
    "sozialplanung": ROLE_PLANNER,
    "area_manager": ROLE_AREA_MANAGER,
    "sozialraummanagement": ROLE_AREA_MANAGER,
    "partner": ROLE_PARTNER,
    "politics": ROLE_POLITICS,
    "politik": ROLE_POLITICS,
}
AD_ACCOUNTDISABLE = 0x2


class DirectoryUnavailable(ValidationError):
    """The directory cannot be reached; local accounts still work."""

    status = 503

    def __init__(self):
        super().__init__(
            "Das Verzeichnis (Active Directory/LDAP) ist gerade nicht erreichbar. Bitte versuchen "
            "Sie es in einigen Minuten erneut. Lokale Administrationskonten können sich weiter anmelden."
        )


class AccountConflict(ValidationError):
    """The directory's e-mail belongs to another local account: the administration has to decide."""

    status = 409

    def __init__(self):
        super().__init__(
            "Ihr Verzeichniskonto lässt sich keinem Konto hier eindeutig zuordnen: Die E-Mail-Adresse "
            "aus dem Verzeichnis gehört bereits zu einem anderen Konto. Bitte wenden Sie sich an die "
            "Administration (Hinweis im Änderungsprotokoll)."
        )


class NoLocalAccount(ValidationError):
    status = 403

    def __init__(self):
        super().__init__(
            "Ihr Verzeichniskonto ist hier noch nicht freigeschaltet. Bitte wenden Sie sich an die Administration."
        )


def configured() -> bool:
    return bool(current_app.config.get("LDAP_URL"))


# --- group → role mapping -------------------------------------------------------------------


@dataclass(frozen=True)
class Grant:
    role: str
    body_id: int | None = None
    organisation_id: int | None = None
    area_ids: tuple[int, ...] = field(default_factory=tuple)
    group: str = field(default="", compare=False)

    def matches(self, ra: RoleAssignment) -> bool:
        return (
            ra.role == self.role
            and ra.body_id == self.body_id
            and ra.organisation_id == self.organisation_id
            and tuple(sorted(a.id for a in ra.areas)) == self.area_ids
        )


def normal_dn(dn: str) -> str:
    return ",".join(part.strip() for part in (dn or "").split(",")).lower()


def parse_group_roles(
    raw: str, require_dn: bool = True, setting: str = "LDAP_GROUP_ROLES"
) -> list[tuple[str, str, str]]:
    """'<group>=<role>[:<scope>]; …' → [(normal group, role key, scope)]. Raises ValueError with a German message.

    Directory groups are DNs; OpenID Connect groups are names (require_dn=False)."""
    result = []
    for entry in (raw or "").replace("\n", ";").split(";"):
        entry = entry.strip()
        if not entry:
            continue
        if "=" not in entry:
            raise ValueError(f"{setting}: „{entry}“ hat nicht die Form Gruppe=Rolle[:Bereich].")
        dn, _, target = entry.rpartition("=")
        role_name, _, scope = target.partition(":")
        role = ROLE_ALIASES.get(role_name.strip().lower())
        if role is None or not dn.strip() or (require_dn and "=" not in dn):
            raise ValueError(
                f"{setting}: unbekannte Rolle oder Gruppe in „{entry}“ (Rollen: {', '.join(sorted(ROLE_ALIASES))})."
            )
        result.append((normal_dn(dn), role, scope.strip()))
    return result


def resolve_grant(role: str, scope: str) -> Grant | None:
    """The role and scope of one mapping entry; None (and a log line) if the scope does not exist here."""
    if role == ROLE_ADMIN:
        return Grant(role)
    if role in (ROLE_PLANNER, ROLE_POLITICS):
        body = db.session.scalar(select(Body).where(Body.code == scope)) if scope else None
        if body is None:
            log.error("LDAP_GROUP_ROLES: Körperschaft mit Schlüssel %r nicht gefunden", scope)
            return None
        return Grant(role, body_id=body.id)
    if role == ROLE_PARTNER:
        org = db.session.scalar(select(Organisation).where(Organisation.name == scope)) if scope else None
        if org is None:
            log.error("LDAP_GROUP_ROLES: Organisation %r nicht gefunden", scope)
            return None
        return Grant(role, organisation_id=org.id)
    body_code, _, codes = scope.partition("/")
    wanted = [c.strip() for c in codes.split(",") if c.strip()]
    areas = db.session.scalars(
        select(Area).join(Body, Area.body_id == Body.id).where(Body.code == body_code.strip(), Area.code.in_(wanted))
    ).all()
    if not wanted or len(areas) != len(wanted):
        log.error("LDAP_GROUP_ROLES: Sozialräume %r nicht (alle) gefunden", scope)
        return None
    return Grant(role, area_ids=tuple(sorted(a.id for a in areas)))


def grants_for(groups: set[str], mapping: str | None = None, require_dn: bool = True) -> list[Grant]:
    grants = []
    if mapping is None:
        mapping = current_app.config.get("LDAP_GROUP_ROLES", "")
    for dn, role, scope in parse_group_roles(
        mapping, require_dn, "LDAP_GROUP_ROLES" if require_dn else "OIDC_…_GROUP_ROLES"
    ):
        if dn in groups:
            grant = resolve_grant(role, scope)
            if grant is not None and grant not in grants:
                grants.append(Grant(grant.role, grant.body_id, grant.organisation_id, grant.area_ids, dn))
    return grants


def sync_roles(user: User, grants: list[Grant], quelle: str = QUELLE) -> None:
    """Make the account's directory roles exactly `grants`; roles granted in the application stay."""
    marked = set(
        db.session.scalars(
            select(VerzeichnisRolle.role_id)
            .join(RoleAssignment, VerzeichnisRolle.role_id == RoleAssignment.id)
            .where(RoleAssignment.user_id == user.id, VerzeichnisRolle.quelle == quelle)
        )
    )
    missing = list(grants)
    for ra in list(user.roles):
        if ra.id not in marked:
            continue
        match = next((g for g in missing if g.matches(ra)), None)
        if match is not None:
            missing.remove(match)
            continue
        record(
            None,
            "role",
            user,
            {"rolle": ra.label, "bereich": ra.scope_label},
            None,
            f"Rolle entzogen: nicht mehr in der Verzeichnisgruppe ({quelle})",
        )
        user.roles.remove(ra)
    for grant in missing:
        ra = RoleAssignment(
            user=user,
            role=grant.role,
            body_id=grant.body_id,
            organisation_id=grant.organisation_id,
            areas=[db.session.get(Area, i) for i in grant.area_ids],
        )
        db.session.add(ra)
        db.session.flush()
        db.session.add(VerzeichnisRolle(role_id=ra.id, quelle=quelle, gruppe=grant.group[:500]))
        db.session.refresh(ra, ["body", "organisation"])
        record(
            None,
            "role",
            user,
            None,
            {"rolle": ra.label, "bereich": ra.scope_label, "gruppe": grant.group},
            f"Rolle aus der Verzeichnisgruppe vergeben ({quelle})",
        )
    db.session.flush()


# --- accounts ---------------------------------------------------------------------------------


def link_account(quelle: str, extern_id: str, email: str, name: str, create: bool | None = None) -> User | None:
    """The local account for a directory or provider entry: linked before, matched by e-mail, or created."""
    email = (email or "").strip().lower()
    link = db.session.scalar(
        select(KontoQuelle).where(KontoQuelle.quelle == quelle, KontoQuelle.extern_id == extern_id)
    )
    by_email = db.session.scalar(select(User).where(func.lower(User.email) == email)) if email else None
    if link is not None:
        user = link.user
        if by_email is not None and by_email.id != user.id:
            _conflict(quelle, extern_id, email, by_email)
        link.last_sync_at = utcnow()
    else:
        if not email:
            log.warning("Anmeldung %s: Eintrag %s hat keine E-Mail-Adresse", quelle, extern_id)
            raise NoLocalAccount()
        if by_email is not None:
            other = db.session.scalar(select(KontoQuelle).where(KontoQuelle.user_id == by_email.id))
            if other is not None or by_email.password_hash is not None:
                # already another entry's account, or a local account with its own password:
                # taking it over would hand a local account to whoever controls the directory entry.
                _conflict(quelle, extern_id, email, by_email)
            user = by_email
            if user.activated_at is None:
                user.activated_at = utcnow()
            record(
                None,
                "update",
                user,
                None,
                {"quelle": quelle, "eintrag": extern_id},
                f"Konto mit dem Verzeichnis verknüpft ({quelle})",
            )
        elif not (create if create is not None else current_app.config.get("LDAP_CREATE_USERS", "jit") == "jit"):
            log.warning("Anmeldung %s: kein Konto für %s (%s), nur Zuordnung eingestellt", quelle, extern_id, email)
            raise NoLocalAccount()
        else:
            user = User(email=email, display_name=(name or email)[:200], activated_at=utcnow())
            db.session.add(user)
            db.session.flush()
            record(
                None,
                "create",
                user,
                None,
                {"email": email, "quelle": quelle},
                f"Konto aus dem Verzeichnis angelegt ({quelle})",
            )
        db.session.add(KontoQuelle(user_id=user.id, quelle=quelle, extern_id=extern_id))
    if not user.is_enabled:
        return None
    changes = {}
    if name and user.display_name != name[:200]:
        changes["display_name"] = name[:200]
    if email and user.email != email:
        changes["email"] = email
    for key, value in changes.items():
        setattr(user, key, value)
    if changes:
        record(None, "update", user, None, changes, f"Konto aus dem Verzeichnis aktualisiert ({quelle})")
    db.session.flush()
    return user


def _conflict(quelle, extern_id, email, other: User):
    log.warning("Anmeldung %s: E-Mail %s von %s gehört zu Konto %s – abgelehnt", quelle, email, extern_id, other.id)
    from .failures import note_audit

    note_audit(
        other,
        f"Anmeldung aus dem Verzeichnis abgelehnt: {extern_id} meldet die E-Mail-Adresse {email}, "
        "die zu diesem Konto gehört. Bitte Verzeichnis oder Konto berichtigen.",
    )
    raise AccountConflict()


# --- the directory ---------------------------------------------------------------------------


def _server():
    import ldap3

    cfg = current_app.config
    url = cfg["LDAP_URL"]
    tls = None
    if url.lower().startswith("ldaps://") or cfg.get("LDAP_STARTTLS"):
        tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=cfg.get("LDAP_CA_FILE") or None)
    return ldap3.Server(url, get_info=ldap3.NONE, connect_timeout=cfg.get("LDAP_TIMEOUT", 5), tls=tls)


def _connect(server, user=None, password=None):
    """An open connection (bound if user is given); raises DirectoryUnavailable when the server is down."""
    import ldap3
    from ldap3.core.exceptions import LDAPException

    cfg = current_app.config
    conn = ldap3.Connection(
        server,
        user=user,
        password=password,
        receive_timeout=cfg.get("LDAP_TIMEOUT", 5),
        raise_exceptions=False,
        auto_bind=ldap3.AUTO_BIND_NONE,
    )
    try:
        conn.open()
        if conn.closed:
            raise DirectoryUnavailable()
        if cfg.get("LDAP_STARTTLS") and not cfg["LDAP_URL"].lower().startswith("ldaps://"):
            if not conn.start_tls():
                raise DirectoryUnavailable()
        return conn, conn.bind() if user is not None else True
    except LDAPException as exc:
        log.error("LDAP nicht erreichbar: %s", exc)
        raise DirectoryUnavailable() from None


def _first(entry: dict, name: str) -> str:
    value = entry.get(name)
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip()


def _disabled(attrs: dict) -> bool:
    if attrs.get("pwdAccountLockedTime"):
        return True
    uac = _first(attrs, "userAccountControl")
    return uac.isdigit() and int(uac) & AD_ACCOUNTDISABLE != 0


def lookup(login: str) -> dict | None:
    """The directory entry for a login: {"dn", "name", "email", "groups", "disabled"}; None if there is none."""
    from ldap3 import SUBTREE
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.conv import escape_filter_chars

    cfg = current_app.config
    server = _server()
    conn, bound = _connect(server, cfg.get("LDAP_BIND_DN") or None, cfg.get("LDAP_BIND_PASSWORD") or None)
    try:
        if not bound:
            log.error("LDAP: Dienstkonto %s konnte sich nicht anmelden (%s)", cfg.get("LDAP_BIND_DN"), conn.result)
            raise DirectoryUnavailable()
        name_attr, mail_attr = cfg["LDAP_ATTR_NAME"], cfg["LDAP_ATTR_EMAIL"]
        flt = cfg["LDAP_USER_FILTER"].replace("{login}", escape_filter_chars(login))
        ok = conn.search(
            cfg["LDAP_BASE_DN"],
            flt,
            SUBTREE,
            size_limit=2,
            attributes=[name_attr, mail_attr, "memberOf", "pwdAccountLockedTime", "userAccountControl"],
        )
        if not ok and conn.result.get("result") not in (0, 4, 32):
            log.error("LDAP-Suche fehlgeschlagen: %s", conn.result)
            raise DirectoryUnavailable()
        entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
        if len(entries) != 1:
            if len(entries) > 1:
                log.warning("LDAP: Anmeldename %r ist nicht eindeutig", login)
            return None
        entry = entries[0]
        attrs = entry["attributes"]
        dn = entry["dn"]
        groups = {normal_dn(g) for g in attrs.get("memberOf") or []}
        group_filter = cfg.get("LDAP_GROUP_FILTER") or "(|(member={dn})(uniqueMember={dn}))"
        if conn.search(
            cfg["LDAP_BASE_DN"], group_filter.replace("{dn}", escape_filter_chars(dn)), SUBTREE, attributes=[]
        ):
            groups |= {normal_dn(e["dn"]) for e in conn.response if e.get("type") == "searchResEntry"}
        return {
            "dn": dn,
            "name": _first(attrs, name_attr),
            "email": _first(attrs, mail_attr).lower(),
            "groups": groups,
            "disabled": _disabled(attrs),
        }
    except LDAPException as exc:
        log.error("LDAP nicht erreichbar: %s", exc)
        raise DirectoryUnavailable() from None
    finally:
        conn.unbind()


def still_valid(user: User) -> bool | None:
    """Is the account's directory entry still there and not locked? None if the directory cannot say."""
    from ldap3 import BASE
    from ldap3.core.exceptions import LDAPException

    dn = db.session.scalar(
        select(KontoQuelle.extern_id).where(KontoQuelle.user_id == user.id, KontoQuelle.quelle == QUELLE)
    )
    if dn is None:
        return None
    cfg = current_app.config
    try:
        conn, bound = _connect(_server(), cfg.get("LDAP_BIND_DN") or None, cfg.get("LDAP_BIND_PASSWORD") or None)
    except DirectoryUnavailable:
        return None
    try:
        if not bound:
            return None
        conn.search(dn, "(objectClass=*)", BASE, attributes=["pwdAccountLockedTime", "userAccountControl"])
        if conn.result.get("result") == 32:  # noSuchObject: removed from the directory
            return False
        entries = [e for e in conn.response or [] if e.get("type") == "searchResEntry"]
        if not entries:
            return None
        return not _disabled(entries[0]["attributes"])
    except LDAPException as exc:
        log.error("LDAP nicht erreichbar: %s", exc)
        return None
    finally:
        conn.unbind()


def check_password(dn: str, password: str) -> bool:
    if not password:  # an empty password would be an unauthenticated bind, which "succeeds"
        return False
    conn, bound = _connect(_server(), dn, password)
    conn.unbind()
    return bool(bound)


def _local_only(login: str) -> bool:
    """A local account with its own password and no directory link (e.g. the local administration)."""
    user = db.session.scalar(select(User).where(func.lower(User.email) == login.strip().lower()))
    if user is None or user.password_hash is None:
        return False
    return db.session.scalar(select(KontoQuelle.id).where(KontoQuelle.user_id == user.id)) is None


def authenticate(login: str, password: str, client: str):
    """The account for directory credentials, None if they are wrong, NOT_IN_DIRECTORY for local logins."""
    from ..accounts import _key, is_locked
    from . import failures

    login = (login or "").strip()
    if not login or _local_only(login):
        return NOT_IN_DIRECTORY
    if is_locked(login.lower(), client):
        raise ValidationError(
            "Zu viele fehlgeschlagene Anmeldeversuche. Bitte warten Sie "
            f"{current_app.config['LOGIN_LOCK_MINUTES']} Minuten."
        )
    entry = lookup(login)
    if entry is None:
        return NOT_IN_DIRECTORY
    if entry["disabled"] or not check_password(entry["dn"], password):
        if entry["disabled"]:
            log.info("LDAP: gesperrter Verzeichniseintrag %s abgewiesen", entry["dn"])
        failures.note_keys([_key("email", login.lower()), _key("client", client)])
        return None
    user = link_account(QUELLE, entry["dn"], entry["email"], entry["name"])
    if user is None:  # the local account is deactivated
        failures.note_keys([_key("email", login.lower()), _key("client", client)])
        return None
    sync_roles(user, grants_for(entry["groups"]))
    return user


__all__ = [
    "authenticate",
    "configured",
    "lookup",
    "DirectoryUnavailable",
    "AccountConflict",
    "ServiceError",
    "ROLE_LABELS",
]
