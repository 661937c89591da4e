"""Sessions that end when they should: replayed cookies and remember tokens, the session list, headers."""

from __future__ import annotations

from sqlalchemy import func, select

from beteiligung.services import accounts
from models import AuditEntry, LoginFailure, User
from models.anmeldung import Sitzung, SitzungsEnde
from tests.support.queries import assert_constant_queries
from tests.support.world import PASSWORD

PROFILE = "/verwaltung/profil"


def _cookie(client, name):
    cookie = client.get_cookie(name)
    assert cookie is not None, f"Cookie {name} fehlt"
    return cookie.value


def _replay(app, **cookies):
    """A new browser that only has the copied cookies."""
    thief = app.test_client()
    for name, value in cookies.items():
        thief.set_cookie(name, value)
    return thief


def _is_login_redirect(response):
    return response.status_code == 302 and "/anmelden" in response.headers["Location"]


def _login_remember(client, email):
    r = client.post("/anmelden", data={"email": email, "password": PASSWORD, "remember": "y"})
    client._csrf = None
    assert r.status_code == 302
    return r


def test_copied_session_cookie_dies_with_logout(app, client, world):
    client.login(world.planner_a.email)
    stolen = _cookie(client, "session")
    assert _replay(app, session=stolen).get(PROFILE).status_code == 200  # works while logged in
    client.logout()
    assert _is_login_redirect(_replay(app, session=stolen).get(PROFILE))
    assert _is_login_redirect(client.get(PROFILE))


def test_copied_remember_token_dies_with_logout(app, client, db, world):
    _login_remember(client, world.planner_a.email)
    token = _cookie(client, "remember_token")
    assert _replay(app, remember_token=token).get(PROFILE).status_code == 200
    client.logout()
    assert _is_login_redirect(_replay(app, remember_token=token).get(PROFILE))
    rows = db.session.scalars(select(Sitzung).where(Sitzung.user_id == world.planner_a.id)).all()
    assert rows and all(r.end_reason == SitzungsEnde.ABGEMELDET for r in rows)


def test_logout_ends_every_session_of_the_account(app, client, world):
    client.login(world.planner_a.email)
    phone = app.test_client()
    _login_remember(phone, world.planner_a.email)
    phone_token = _cookie(phone, "remember_token")
    client.logout()
    assert _is_login_redirect(phone.get(PROFILE))
    assert _is_login_redirect(_replay(app, remember_token=phone_token).get(PROFILE))


def test_password_reset_ends_sessions_and_remember_tokens(app, client, db, world):
    _login_remember(client, world.planner_a.email)
    session_cookie, token = _cookie(client, "session"), _cookie(client, "remember_token")
    reset_link = accounts.make_token(db.session.get(User, world.planner_a.id), "reset")
    other = app.test_client()
    r = other.post(
        f"/passwort/neu/{reset_link}", data={"password": "Ganz-neues-Passwort-1", "password2": "Ganz-neues-Passwort-1"}
    )
    assert r.status_code == 302
    assert _is_login_redirect(client.get(PROFILE))
    assert _is_login_redirect(_replay(app, session=session_cookie).get(PROFILE))
    assert _is_login_redirect(_replay(app, remember_token=token).get(PROFILE))
    reasons = db.session.scalars(select(Sitzung.end_reason).where(Sitzung.user_id == world.planner_a.id)).all()
    assert reasons == [SitzungsEnde.PASSWORT]
    client.login(world.planner_a.email, "Ganz-neues-Passwort-1")
    assert client.get(PROFILE).status_code == 200


def test_deactivation_ends_sessions_for_good(app, client, db, world):
    victim = app.test_client()
    _login_remember(victim, world.partner_a.email)
    session_cookie, token = _cookie(victim, "session"), _cookie(victim, "remember_token")
    client.login(world.admin.email)
    user = db.session.get(User, world.partner_a.id)
    r = client.post(f"/verwaltung/benutzer/{user.id}/sperren", data={"enable": "0", "version": str(user.version)})
    assert r.status_code == 303
    assert _is_login_redirect(victim.get(PROFILE))
    # re-enabling the account does not bring the old cookies back
    db.session.expire_all()
    user = db.session.get(User, world.partner_a.id)
    assert not user.is_enabled
    r = client.post(f"/verwaltung/benutzer/{user.id}/sperren", data={"enable": "1", "version": str(user.version)})
    assert r.status_code == 303
    assert _is_login_redirect(_replay(app, session=session_cookie).get(PROFILE))
    assert _is_login_redirect(_replay(app, remember_token=token).get(PROFILE))


def test_cookie_with_bare_user_id_is_refused(app, world):
    """A session cookie in the old format (only the user id) does not sign anybody in."""
    thief = app.test_client()
    with thief.session_transaction() as sess:
        sess["_user_id"] = str(world.admin.id)
        sess["_fresh"] = True
    assert _is_login_redirect(thief.get(PROFILE))


def test_forged_token_for_another_user_is_refused(app, client, db, world):
    client.login(world.planner_a.email)
    token = _session_user_id(client).partition(".")[2]
    thief = app.test_client()
    with thief.session_transaction() as sess:
        sess["_user_id"] = f"{world.admin.id}.{token}"
        sess["_fresh"] = True
    assert _is_login_redirect(thief.get(PROFILE))


def _session_user_id(client) -> str:
    with client.session_transaction() as sess:
        return sess["_user_id"]


def test_session_list_and_ending_another_session(app, client, db, world):
    client.login(world.planner_a.email)
    laptop = app.test_client()
    laptop.login(world.planner_a.email)
    page = client.get("/anmeldung/sitzungen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "diese Sitzung" in html and html.count("Beenden</span>") == 1
    assert page.headers["Cache-Control"] == "no-store"
    other = db.session.scalars(
        select(Sitzung).where(Sitzung.user_id == world.planner_a.id).order_by(Sitzung.id.desc())
    ).first()  # the laptop's, opened second
    r = client.post(f"/anmeldung/sitzungen/{other.id}/beenden", data={})
    assert r.status_code == 303
    assert _is_login_redirect(laptop.get(PROFILE))
    assert client.get(PROFILE).status_code == 200
    audit = db.session.scalars(select(AuditEntry.summary).where(AuditEntry.entity_id == world.planner_a.id)).all()
    assert "Sitzung beendet" in audit


def test_end_all_other_sessions(app, client, db, world):
    client.login(world.planner_a.email)
    devices = [app.test_client() for _ in range(2)]
    for d in devices:
        d.login(world.planner_a.email)
    assert client.post("/anmeldung/sitzungen/andere-beenden", data={}).status_code == 303
    assert all(_is_login_redirect(d.get(PROFILE)) for d in devices)
    assert client.get(PROFILE).status_code == 200


def test_foreign_session_cannot_be_ended(app, client, db, world):
    victim = app.test_client()
    victim.login(world.planner_k.email)
    foreign = db.session.scalar(select(Sitzung).where(Sitzung.user_id == world.planner_k.id))
    client.login(world.planner_a.email)
    assert client.post(f"/anmeldung/sitzungen/{foreign.id}/beenden", data={}).status_code == 404
    assert client.post("/anmeldung/sitzungen/999999/beenden", data={}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Sitzung, foreign.id).ended_at is None
    assert victim.get(PROFILE).status_code == 200


def test_session_pages_need_login(client):
    for url in ("/anmeldung/sitzungen", "/anmeldung/zwei-faktor"):
        assert _is_login_redirect(client.get(url))
    r = client.post("/anmeldung/sitzungen/andere-beenden", data={})
    assert _is_login_redirect(r)


def test_session_list_constant_queries(app, client, db, world):
    client.login(world.planner_a.email)

    def grow(factor):
        for _ in range(factor):
            c = app.test_client()
            c.login(world.planner_a.email)

    assert_constant_queries(client, db.engine, "/anmeldung/sitzungen", grow)


def test_no_store_on_pages_and_exports_not_on_static(client, world):
    client.login(world.planner_a.email)
    for url in (PROFILE, "/stammdaten/organisationen/export.csv", "/stammdaten/personen/export.xlsx", "/anmelden"):
        r = client.get(url)
        assert r.status_code in (200, 302), url
        assert r.headers["Cache-Control"] == "no-store", url
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/anmelden").headers
    r = client.get("/anmelden", base_url="https://localhost")
    assert r.headers["Strict-Transport-Security"].startswith("max-age=")


def test_hsts_behind_trusted_proxy(app, client):
    from beteiligung import create_app
    from tests.conftest import _make_app  # noqa: F401  (same settings as the test app)

    proxied = create_app(
        {
            **{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")},
            "TESTING": True,
            "TRUSTED_PROXIES": 1,
            "BASE_URL": "https://localhost",
        }
    )
    r = proxied.test_client().get("/anmelden", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" in r.headers
    assert "Strict-Transport-Security" not in client.get("/anmelden", headers={"X-Forwarded-Proto": "https"}).headers


def test_unknown_email_is_checked_against_a_dummy_hash(app, db, world, monkeypatch):
    from beteiligung.services.anmeldung import sitzungen

    assert sitzungen._dummy_hash().startswith(accounts.hash_password("x").split("$")[0].split(":")[0])
    calls = []
    real = sitzungen.dummy_password_check
    monkeypatch.setattr(sitzungen, "dummy_password_check", lambda pw: calls.append(pw) or real(pw))
    assert accounts.authenticate("niemand@nirgends.example", "geraten", "test") is None
    assert calls == ["geraten"]
    calls.clear()
    assert accounts.authenticate(world.planner_a.email, "falsch", "test") is None
    assert calls == []  # a known account is checked against its own hash


def test_zeitmessung_cli_prints_both_timings_and_cleans_up(app, db):
    users_before = db.session.scalar(select(func.count()).select_from(User))
    result = app.test_cli_runner().invoke(args=["anmeldung", "zeitmessung", "--runden", "1"])
    assert result.exit_code == 0, result.output
    assert "Bekannte E-Mail-Adresse" in result.output and "Unbekannte E-Mail-Adresse" in result.output
    assert "Abweichung" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert db.session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_cli_ends_sessions(app, client, world):
    client.login(world.planner_a.email)
    result = app.test_cli_runner().invoke(args=["anmeldung", "sitzungen-beenden", world.planner_a.email])
    assert result.exit_code == 0, result.output
    assert _is_login_redirect(client.get(PROFILE))
