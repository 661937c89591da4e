"""Login against a real OpenLDAP (slapd started by the tests): accounts, group → role, lifecycle, faults."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from beteiligung.services.accounts import _key
from beteiligung.services.anmeldung import ldap as ldap_service
from models import ROLE_PLANNER, ROLE_POLITICS, AuditEntry, LoginFailure, RoleAssignment, User
from models.anmeldung import Anmeldeweg, KontoQuelle, Sitzung, VerzeichnisRolle
from tests.support.ldap import USER_PW, user_dn

PROFILE = "/verwaltung/profil"
WRONG = "E-Mail-Adresse oder Passwort ist falsch."


def _login(client, login, password=USER_PW):
    r = client.post("/anmelden", data={"email": login, "password": password})
    client._csrf = None
    return r


def _user(db, email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def _roles(user):
    return sorted((r.role, r.scope_label) for r in user.roles)


def test_directory_login_creates_the_account_with_the_group_role(app, client, db, world, ldap_config):
    r = _login(client, "mmuster")
    assert r.status_code == 302, r.get_data(as_text=True)
    assert client.get(PROFILE).status_code == 200
    user = _user(db, "m.muster@verzeichnis.example")
    assert user.display_name == "Maria Muster" and user.password_hash is None
    assert _roles(user) == [(ROLE_PLANNER, "Kreis Testhausen")]
    link = db.session.scalar(select(KontoQuelle).where(KontoQuelle.user_id == user.id))
    assert link.quelle == "ldap" and link.extern_id == user_dn("mmuster")
    sitzung = db.session.scalar(select(Sitzung).where(Sitzung.user_id == user.id))
    assert sitzung.weg == Anmeldeweg.LDAP
    summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.entity_id == user.id)).all()
    assert "Konto aus dem Verzeichnis angelegt (ldap)" in summaries
    assert "Rolle aus der Verzeichnisgruppe vergeben (ldap)" in summaries
    # the second login reuses the account and keeps the one role
    client.logout()
    assert _login(client, "mmuster").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == user.email)) == 1
    assert len(_user(db, user.email).roles) == 1


def test_wrong_directory_password_same_message_and_counted(app, client, db, world, ldap_config):
    r = _login(client, "mmuster", "falsch-falsch")
    assert r.status_code == 401 and WRONG in r.get_data(as_text=True)
    assert _user(db, "m.muster@verzeichnis.example") is None
    n = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.key == _key("email", "mmuster"))
    )
    assert n == 1
    r = _login(client, "niemand-im-verzeichnis", "egal-egal")
    assert r.status_code == 401 and WRONG in r.get_data(as_text=True)


def test_directory_logins_are_throttled(app, client, db, world, ldap_config):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        assert _login(client, "aahlen", "falsch-falsch").status_code == 401
    r = _login(client, "aahlen")
    assert r.status_code == 429 and "Zu viele" in r.get_data(as_text=True)


def test_empty_password_is_never_an_anonymous_bind(app, world, ldap_config):
    assert ldap_service.check_password(user_dn("mmuster"), "") is False
    assert ldap_service.check_password(user_dn("mmuster"), USER_PW) is True


def test_group_removal_takes_the_role_at_next_login(app, client, db, world, ldap_config):
    assert _login(client, "wwechsel").status_code == 302
    user = _user(db, "w.wechsel@verzeichnis.example")
    assert [r for r, _ in _roles(user)] == [ROLE_POLITICS, ROLE_PLANNER]
    client.logout()
    ldap_config.remove_member("politik-kreis", "wwechsel")
    try:
        assert _login(client, "wwechsel").status_code == 302
        user = _user(db, "w.wechsel@verzeichnis.example")
        assert _roles(user) == [(ROLE_PLANNER, "Stadt Ahlen-Test")]
        summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.entity_id == user.id)).all()
        assert "Rolle entzogen: nicht mehr in der Verzeichnisgruppe (ldap)" in summaries
    finally:
        ldap_config.add_member("politik-kreis", "wwechsel")


def test_roles_granted_in_the_application_stay(app, client, db, world, ldap_config):
    assert _login(client, "aahlen").status_code == 302
    client.logout()
    user = _user(db, "a.ahlen@verzeichnis.example")
    db.session.add(RoleAssignment(user=user, role=ROLE_POLITICS, body_id=world.kommune_b.id))
    db.session.commit()
    assert _login(client, "aahlen").status_code == 302
    user = _user(db, "a.ahlen@verzeichnis.example")
    assert _roles(user) == [(ROLE_POLITICS, "Gemeinde Beckum-Test"), (ROLE_PLANNER, "Stadt Ahlen-Test")]
    assert db.session.scalar(select(func.count()).select_from(VerzeichnisRolle)) == 1


def test_disabled_directory_user_is_refused(app, client, db, world, ldap_config):
    r = _login(client, "ggesperrt")
    assert r.status_code == 401 and WRONG in r.get_data(as_text=True)
    assert _user(db, "g.gesperrt@verzeichnis.example") is None


def test_user_locked_in_the_directory_after_first_login(app, client, db, world, ldap_config):
    assert _login(client, "sraum").status_code == 302
    client.logout()
    ldap_config.lock("sraum")
    try:
        assert _login(client, "sraum").status_code == 401
        assert _is_logged_out(client)
    finally:
        ldap_config.unlock("sraum")


def _is_logged_out(client):
    r = client.get(PROFILE)
    return r.status_code == 302 and "/anmelden" in r.headers["Location"]


def test_deactivated_local_account_of_a_directory_user_is_refused(app, client, db, world, ldap_config):
    assert _login(client, "ppolitik").status_code == 302
    client.logout()
    user = _user(db, "p.politik@verzeichnis.example")
    user.is_enabled = False
    db.session.commit()
    assert _login(client, "ppolitik").status_code == 401
    assert _is_logged_out(client)


def test_directory_down_gives_a_clear_message_and_local_admin_still_works(
    app, client, db, world, ldap_config, monkeypatch
):
    from tests.support.postgres import free_port

    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    monkeypatch.setitem(app.config, "LDAP_TIMEOUT", 1)
    r = _login(client, "mmuster")
    assert r.status_code == 503
    assert "Verzeichnis (Active Directory/LDAP) ist gerade nicht erreichbar" in r.get_data(as_text=True)
    assert _user(db, "m.muster@verzeichnis.example") is None
    client.login(world.admin.email)  # a local account with its own password
    assert client.get(PROFILE).status_code == 200


def test_directory_email_of_another_local_account_is_refused(app, client, db, world, ldap_config):
    r = _login(client, "kkonflikt")
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "gehört bereits zu einem anderen Konto" in html
    assert _is_logged_out(client)
    assert db.session.scalar(select(func.count()).select_from(KontoQuelle)) == 0
    planner = _user(db, world.planner_a.email)
    assert planner.display_name == "Planer Ahlen" and len(planner.roles) == 1
    warning = db.session.scalar(
        select(AuditEntry).where(AuditEntry.entity_id == planner.id, AuditEntry.action == "warnung")
    )
    assert warning is not None and "kkonflikt" in warning.summary


def test_match_only_mode(app, client, db, world, ldap_config, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_CREATE_USERS", "match")
    r = _login(client, "oohne")
    assert r.status_code == 403 and "noch nicht freigeschaltet" in r.get_data(as_text=True)
    assert _user(db, "o.ohne@verzeichnis.example") is None
    # the administration creates the account (invitation, no password yet): now it is matched
    db.session.add(User(email="o.ohne@verzeichnis.example", display_name="Olga O."))
    db.session.commit()
    assert _login(client, "oohne").status_code == 302
    user = _user(db, "o.ohne@verzeichnis.example")
    assert user.display_name == "Olga Ohnegruppe" and user.roles == []
    assert db.session.scalar(select(KontoQuelle.extern_id).where(KontoQuelle.user_id == user.id)) == user_dn("oohne")


def test_directory_user_session_ends_like_any_other(app, client, db, world, ldap_config):
    assert _login(client, "ppartner").status_code == 302
    stolen = client.get_cookie("session").value
    client.logout()
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert _is_logged_out(thief)


def test_group_role_mapping_is_checked(app):
    with pytest.raises(ValueError, match="LDAP_GROUP_ROLES"):
        ldap_service.parse_group_roles("cn=x,dc=y=chef")
    with pytest.raises(ValueError, match="LDAP_GROUP_ROLES"):
        ldap_service.parse_group_roles("ohne-gleichheitszeichen")
    parsed = ldap_service.parse_group_roles(
        "CN=Sozialplanung, OU=Gruppen,DC=kreis=planner:03241\ncn=admins,dc=kreis=admin"
    )
    assert parsed == [
        ("cn=sozialplanung,ou=gruppen,dc=kreis", ROLE_PLANNER, "03241"),
        ("cn=admins,dc=kreis", "admin", ""),
    ]


def test_login_page_without_directory_unchanged(app, client, world):
    assert not app.config.get("LDAP_URL")
    client.login(world.planner_a.email)
    assert client.get(PROFILE).status_code == 200


def test_locking_the_directory_entry_ends_the_session_at_the_next_request(
    app, client, db, world, ldap_config, monkeypatch
):
    assert _login(client, "sraum").status_code == 302
    monkeypatch.setitem(app.config, "LDAP_RECHECK_SECONDS", 0)
    assert client.get(PROFILE).status_code == 200  # checked: still fine
    ldap_config.lock("sraum")
    try:
        assert _is_logged_out(client)
        user = _user(db, "s.raum@verzeichnis.example")
        sitzung = db.session.scalar(select(Sitzung).where(Sitzung.user_id == user.id))
        assert sitzung.end_reason == "gesperrt"
    finally:
        ldap_config.unlock("sraum")


def test_directory_down_does_not_end_running_sessions(app, client, db, world, ldap_config, monkeypatch):
    from tests.support.postgres import free_port

    assert _login(client, "sraum").status_code == 302
    monkeypatch.setitem(app.config, "LDAP_RECHECK_SECONDS", 0)
    monkeypatch.setitem(app.config, "LDAP_URL", f"ldap://127.0.0.1:{free_port()}")
    assert client.get(PROFILE).status_code == 200


def test_starttls_with_the_directory_ca(app, client, db, world, ldap_config, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_STARTTLS", True)
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", ldap_config.ca_file)
    assert _login(client, "ppolitik").status_code == 302
    assert client.get(PROFILE).status_code == 200


def test_ldaps_with_the_directory_ca(app, client, db, world, ldap_config, monkeypatch):
    monkeypatch.setitem(app.config, "LDAP_URL", ldap_config.ldaps_url)
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", ldap_config.ca_file)
    assert _login(client, "ppolitik").status_code == 302


def test_certificate_not_trusted_is_refused(app, client, db, world, ldap_config, monkeypatch):
    """Without the directory's CA the certificate is not trusted: no login over an unverified connection."""
    monkeypatch.setitem(app.config, "LDAP_URL", ldap_config.ldaps_url)
    monkeypatch.setitem(app.config, "LDAP_CA_FILE", "")
    r = _login(client, "ppolitik")
    assert r.status_code == 503 and _user(db, "p.politik@verzeichnis.example") is None
    monkeypatch.setitem(app.config, "LDAP_URL", ldap_config.url)
    monkeypatch.setitem(app.config, "LDAP_STARTTLS", True)
    assert _login(client, "ppolitik").status_code == 503


def test_directory_user_with_two_factor(app, client, db, world, ldap_config, monkeypatch):
    """Admins from the directory enrol too; switching it off needs the directory password."""
    import re as re_mod

    import pyotp

    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", "admin")
    r = _login(client, "aadmin")
    assert r.headers["Location"].endswith("/anmeldung/zwei-faktor/einrichten")
    html = client.get("/anmeldung/zwei-faktor/einrichten").get_data(as_text=True)
    secret = re_mod.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    totp = pyotp.TOTP(secret)
    r = client.post("/anmeldung/zwei-faktor/einrichten", data={"code": totp.now()})
    assert r.status_code == 200 and len(re_mod.findall(r"<code>", r.get_data(as_text=True))) == 10
    next_code = totp.at(time.time() + 30)
    r = client.post("/anmeldung/zwei-faktor/ausschalten", data={"password": "falsch", "code": next_code})
    assert r.status_code == 401
    r = client.post("/anmeldung/zwei-faktor/ausschalten", data={"password": USER_PW, "code": next_code})
    assert r.status_code == 303
