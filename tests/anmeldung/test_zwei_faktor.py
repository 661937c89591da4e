"""Two-factor login (TOTP): mandatory enrolment for Administration, codes, recovery codes, throttling, disabling."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pyotp
import pytest
from sqlalchemy import func, select

from beteiligung.services.accounts import _key
from beteiligung.services.anmeldung import totp
from models import AuditEntry, LoginFailure, User
from models.anmeldung import Sitzung, Wiederherstellungscode, ZweiFaktor
from tests.support.world import PASSWORD

PROFILE = "/verwaltung/profil"


@pytest.fixture
def clock(app, monkeypatch):
    """TOTP time under test control (30-second steps), two-factor mandatory for Administration."""
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", "admin")
    now = SimpleNamespace(t=float(int(time.time()) // 30 * 30 + 5))
    monkeypatch.setattr(totp, "time", SimpleNamespace(time=lambda: now.t))

    def tick(steps=1):
        now.t += 30 * steps

    now.tick = tick
    return now


def _code(secret, clock):
    return pyotp.TOTP(secret).at(clock.t)


def _password(client, email, password=PASSWORD, **extra):
    r = client.post("/anmelden", data={"email": email, "password": password, **extra})
    client._csrf = None
    return r


def _enrol(client, db, user_id, clock):
    r = client.get("/anmeldung/zwei-faktor/einrichten")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert 'src="data:image/svg+xml' in html and "QR-Code" in html
    # The page shows the secret to type in; nothing is stored before a code confirms it.
    assert db.session.scalar(select(ZweiFaktor.secret).where(ZweiFaktor.user_id == user_id)) is None
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    assert client.get("/anmeldung/zwei-faktor/einrichten").get_data(as_text=True).count(secret[:4]) >= 1
    r = client.post("/anmeldung/zwei-faktor/einrichten", data={"code": _code(secret, clock)})
    assert r.status_code == 200, r.get_data(as_text=True)
    codes = re.findall(r"<code>([0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4})</code>", r.get_data(as_text=True))
    assert len(codes) == totp.RECOVERY_CODES
    return secret, codes


def _is_login_redirect(r):
    return r.status_code == 302 and "/anmelden" in r.headers["Location"]


def test_admin_must_enrol_before_the_login_completes(app, client, db, world, clock):
    r = _password(client, world.admin.email)
    assert r.status_code == 302 and r.headers["Location"].endswith("/anmeldung/zwei-faktor/einrichten")
    assert _is_login_redirect(client.get(PROFILE))  # not signed in yet
    secret, codes = _enrol(client, db, world.admin.id, clock)
    assert client.get(PROFILE).status_code == 200
    zf = db.session.scalar(select(ZweiFaktor).where(ZweiFaktor.user_id == world.admin.id))
    assert zf.active and zf.secret == secret
    stored = db.session.scalars(
        select(Wiederherstellungscode.code_hash).where(Wiederherstellungscode.user_id == world.admin.id)
    ).all()
    assert len(stored) == 10 and not any(c.replace("-", "") in h for c in codes for h in stored)
    summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.entity_id == world.admin.id)).all()
    assert "Zwei-Faktor-Anmeldung eingerichtet" in summaries


def test_enrolment_with_a_wrong_code_keeps_it_off(app, client, db, world, clock):
    _password(client, world.admin.email)
    client.get("/anmeldung/zwei-faktor/einrichten")
    r = client.post("/anmeldung/zwei-faktor/einrichten", data={"code": "000000"})
    assert r.status_code == 401 and "Der Code ist falsch" in r.get_data(as_text=True)
    r = client.post("/anmeldung/zwei-faktor/einrichten", data={"code": ""})
    assert r.status_code == 422
    assert not totp.is_active(db.session.get(User, world.admin.id))
    assert _is_login_redirect(client.get(PROFILE))


def test_login_asks_for_the_code_and_refuses_a_reused_one(app, client, db, world, clock):
    _password(client, world.admin.email)
    secret, _ = _enrol(client, db, world.admin.id, clock)
    client.logout()
    clock.tick()
    r = _password(client, world.admin.email)
    assert r.status_code == 302 and r.headers["Location"].endswith("/anmeldung/zweiter-faktor")
    assert _is_login_redirect(client.get(PROFILE))
    code = _code(secret, clock)
    r = client.post("/anmeldung/zweiter-faktor", data={"code": code})
    assert r.status_code == 302 and client.get(PROFILE).status_code == 200
    client.logout()
    # the same code again, within its window: refused
    _password(client, world.admin.email)
    r = client.post("/anmeldung/zweiter-faktor", data={"code": code})
    assert r.status_code == 401 and "schon verwendet" in r.get_data(as_text=True)
    assert _is_login_redirect(client.get(PROFILE))
    clock.tick()
    r = client.post("/anmeldung/zweiter-faktor", data={"code": _code(secret, clock)})
    assert r.status_code == 302 and client.get(PROFILE).status_code == 200


def test_wrong_codes_are_throttled_like_the_password(app, client, db, world, clock):
    _password(client, world.admin.email)
    secret, _ = _enrol(client, db, world.admin.id, clock)
    client.logout()
    clock.tick()
    _password(client, world.admin.email)
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        r = client.post(
            "/anmeldung/zweiter-faktor", data={"code": "123456" if _code(secret, clock) != "123456" else "654321"}
        )
        assert r.status_code == 401
    # the failed attempts survived the rollback of their 401 responses
    n = db.session.scalar(
        select(func.count()).select_from(LoginFailure).where(LoginFailure.key == _key("2fa", world.admin.email))
    )
    assert n == app.config["LOGIN_MAX_FAILURES"]
    # a correct password does not reset the count of guessed codes
    client2 = app.test_client()
    assert _password(client2, world.admin.email).status_code == 302
    r = client2.post("/anmeldung/zweiter-faktor", data={"code": _code(secret, clock)})
    assert r.status_code == 429 and "Zu viele" in r.get_data(as_text=True)
    assert _is_login_redirect(client2.get(PROFILE))


def test_recovery_code_works_once(app, client, db, world, clock):
    _password(client, world.admin.email)
    _, codes = _enrol(client, db, world.admin.id, clock)
    client.logout()
    _password(client, world.admin.email)
    r = client.post("/anmeldung/zweiter-faktor", data={"code": codes[3].upper()})
    assert r.status_code == 302 and client.get(PROFILE).status_code == 200
    assert totp.remaining_codes(db.session.get(User, world.admin.id)) == 9
    client.logout()
    _password(client, world.admin.email)
    r = client.post("/anmeldung/zweiter-faktor", data={"code": codes[3]})
    assert r.status_code == 401


def test_second_factor_page_without_password_step(client, world, clock):
    assert _is_login_redirect(client.get("/anmeldung/zweiter-faktor"))
    assert _is_login_redirect(client.post("/anmeldung/zweiter-faktor", data={"code": "123456"}))
    assert _is_login_redirect(client.get("/anmeldung/zwei-faktor/einrichten"))


def test_pending_login_expires(app, client, db, world, clock):
    _password(client, world.admin.email)
    _enrol(client, db, world.admin.id, clock)
    client.logout()
    _password(client, world.admin.email)
    with client.session_transaction() as sess:
        sess["anmeldung_offen"] = {**sess["anmeldung_offen"], "bis": int(time.time()) - 1}
    assert _is_login_redirect(client.get("/anmeldung/zweiter-faktor"))


def test_voluntary_enrolment_for_a_partner(app, client, db, world, clock):
    client.login(world.partner_a.email)  # not required for partners: no second step
    r = client.get("/anmeldung/zwei-faktor")
    assert r.status_code == 200 and "ausgeschaltet" in r.get_data(as_text=True)
    secret, _ = _enrol(client, db, world.partner_a.id, clock)
    client.logout()
    clock.tick()
    r = _password(client, world.partner_a.email)
    assert r.headers["Location"].endswith("/anmeldung/zweiter-faktor")
    assert client.post("/anmeldung/zweiter-faktor", data={"code": _code(secret, clock)}).status_code == 302
    assert "eingeschaltet" in client.get("/anmeldung/zwei-faktor").get_data(as_text=True)


def test_disable_needs_password_and_code_and_ends_all_sessions(app, client, db, world, clock):
    client.login(world.partner_a.email)
    secret, _ = _enrol(client, db, world.partner_a.id, clock)
    other = app.test_client()
    clock.tick()
    _password(other, world.partner_a.email)
    assert other.post("/anmeldung/zweiter-faktor", data={"code": _code(secret, clock)}).status_code == 302
    clock.tick()
    r = client.post("/anmeldung/zwei-faktor/ausschalten", data={"password": "falsch", "code": _code(secret, clock)})
    assert r.status_code == 401 and "Das Passwort ist falsch" in r.get_data(as_text=True)
    r = client.post("/anmeldung/zwei-faktor/ausschalten", data={"password": PASSWORD, "code": "000000"})
    assert r.status_code == 401
    r = client.post("/anmeldung/zwei-faktor/ausschalten", data={"password": PASSWORD})
    assert r.status_code == 422
    user = db.session.get(User, world.partner_a.id)
    assert totp.is_active(user)
    r = client.post("/anmeldung/zwei-faktor/ausschalten", data={"password": PASSWORD, "code": _code(secret, clock)})
    assert r.status_code == 303
    db.session.expire_all()
    assert not totp.is_active(user)
    assert db.session.scalar(select(func.count()).select_from(Wiederherstellungscode)) == 0
    assert _is_login_redirect(client.get(PROFILE)) and _is_login_redirect(other.get(PROFILE))
    assert db.session.scalar(select(func.count()).select_from(Sitzung).where(Sitzung.ended_at.is_(None))) == 0
    summaries = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.entity_id == world.partner_a.id)).all()
    assert "Zwei-Faktor-Anmeldung ausgeschaltet" in summaries


def test_new_recovery_codes_replace_the_old(app, client, db, world, clock):
    client.login(world.partner_a.email)
    secret, old = _enrol(client, db, world.partner_a.id, clock)
    clock.tick()
    r = client.post("/anmeldung/zwei-faktor/neue-codes", data={"neu-code": _code(secret, clock)})
    assert r.status_code == 200
    new = re.findall(r"<code>([0-9a-f-]{14})</code>", r.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    r = client.post("/anmeldung/zwei-faktor/neue-codes", data={"neu-code": "999999"})
    assert r.status_code == 401
    client.logout()
    _password(client, world.partner_a.email)
    assert client.post("/anmeldung/zweiter-faktor", data={"code": old[0]}).status_code == 401
    assert client.post("/anmeldung/zweiter-faktor", data={"code": new[0]}).status_code == 302


def test_cli_resets_a_lost_second_factor(app, client, db, world, clock):
    _password(client, world.admin.email)
    _enrol(client, db, world.admin.id, clock)
    result = app.test_cli_runner().invoke(args=["anmeldung", "zwei-faktor-zuruecksetzen", world.admin.email])
    assert result.exit_code == 0, result.output
    assert _is_login_redirect(client.get(PROFILE))
    r = _password(client, world.admin.email)
    assert r.headers["Location"].endswith("/anmeldung/zwei-faktor/einrichten")  # enrols again
    result = app.test_cli_runner().invoke(args=["anmeldung", "zwei-faktor-zuruecksetzen", "gibt@es.nicht"])
    assert result.exit_code != 0 and "Kein Konto" in result.output


def test_required_roles_are_configurable(app, client, world, clock, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", "admin, sozialplanung")
    r = _password(client, world.planner_a.email)
    assert r.headers["Location"].endswith("/anmeldung/zwei-faktor/einrichten")
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED_ROLES", "")
    r = _password(app.test_client(), world.admin.email)
    assert r.headers["Location"] == "/"
