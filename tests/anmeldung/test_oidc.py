"""OpenID Connect against a real provider (npm oidc-provider, started by the tests): login with PKCE,
claims and groups → roles, logout at the provider, forged responses refused and logged."""

from __future__ import annotations

import logging
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from beteiligung.services.anmeldung import oidc
from models import ROLE_PLANNER, ROLE_POLITICS, AuditEntry, User
from models.anmeldung import Anmeldeweg, KontoQuelle, Sitzung
from tests.support.oidc_provider import CLIENT_ID

PROFILE = "/verwaltung/profil"
CALLBACK = "http://localhost/anmeldung/oidc/test/rueckkehr"


def _start(client):
    r = client.get("/anmeldung/oidc/test")
    assert r.status_code == 302, r.get_data(as_text=True)
    return r.headers["Location"]


def _callback_path(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def _login(client, provider, login):
    authorize = _start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["state"][0] and query["nonce"][0]
    back = provider.login_at_provider(authorize, login, CALLBACK)
    return client.get(_callback_path(back))


def _user(db, email):
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.email == email))


def test_login_page_shows_the_configured_ways(client, oidc_config):
    html = client.get("/anmelden").get_data(as_text=True)
    assert "Anmelden mit Test-Anbieter" in html and "/anmeldung/oidc/test" in html


def test_login_page_without_providers(client):
    assert "Anmelden mit" not in client.get("/anmelden").get_data(as_text=True)


def test_login_creates_account_with_roles_from_groups(app, client, db, world, oidc_config):
    r = _login(client, oidc_config, "kpolitik")
    assert r.status_code == 302 and r.headers["Location"] == "/", r.get_data(as_text=True)
    assert client.get(PROFILE).status_code == 200
    user = _user(db, "k.politik@idp.example")
    assert user.display_name == "Konrad Politik"
    assert [(ra.role, ra.scope_label) for ra in user.roles] == [(ROLE_POLITICS, "Kreis Testhausen")]
    link = db.session.scalar(select(KontoQuelle).where(KontoQuelle.user_id == user.id))
    assert link.quelle == "oidc:test" and link.extern_id == "kpolitik"
    sitzung = db.session.scalar(select(Sitzung).where(Sitzung.user_id == user.id))
    assert sitzung.weg == Anmeldeweg.OIDC and sitzung.provider == "test"


def test_logout_goes_to_the_provider_and_ends_the_session(app, client, db, world, oidc_config):
    _login(client, oidc_config, "kplanung")
    stolen = client.get_cookie("session").value
    r = client.post("/abmelden", data={})
    assert r.status_code == 302 and r.headers["Location"] == "/anmeldung/abmelden-beim-anbieter"
    page = client.get("/anmeldung/abmelden-beim-anbieter").get_data(as_text=True)
    import html as html_lib
    import re

    location = html_lib.unescape(re.search(r'<meta http-equiv="refresh" content="1;url=([^"]+)">', page).group(1))
    assert location.startswith(oidc_config.issuer + "/session/end")
    params = parse_qs(urlsplit(location).query)
    assert params["post_logout_redirect_uri"] == ["http://localhost/anmelden"]
    assert params["client_id"] == [CLIENT_ID] and params["id_token_hint"][0].count(".") == 2
    thief = app.test_client()
    thief.set_cookie("session", stolen)
    assert thief.get(PROFILE).status_code == 302
    # the provider accepts the logout request (shows its confirmation page)
    import requests

    assert requests.get(location, timeout=10).status_code == 200


def test_directory_email_of_a_local_account_is_refused(app, client, db, world, oidc_config):
    r = _login(client, oidc_config, "kkonflikt")
    assert r.status_code == 409 and "gehört bereits zu einem anderen Konto" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(KontoQuelle)) == 0
    assert (
        db.session.scalar(
            select(AuditEntry).where(AuditEntry.entity_id == world.planner_a.id, AuditEntry.action == "warnung")
        )
        is not None
    )


def test_unverified_email_is_refused(app, client, db, world, oidc_config):
    r = _login(client, oidc_config, "kunbestaetigt")
    assert r.status_code == 400 and _user(db, "u@idp.example") is None


def test_bad_state_is_refused_and_logged(app, client, db, world, oidc_config, caplog):
    authorize = _start(client)
    back = oidc_config.login_at_provider(authorize, "kplanung", CALLBACK)
    forged = back.replace("state=", "state=x")
    with caplog.at_level(logging.WARNING, logger="beteiligung.anmeldung"):
        r = client.get(_callback_path(forged))
    assert r.status_code == 400 and "fehlgeschlagen" in r.get_data(as_text=True)
    assert "state stimmt nicht" in caplog.text
    assert _user(db, "k.planung@idp.example") is None
    # the flow is used up: replaying the real answer does not work either
    assert client.get(_callback_path(back)).status_code == 400


def test_callback_without_a_started_login_is_refused(client, world, oidc_config, caplog):
    with caplog.at_level(logging.WARNING, logger="beteiligung.anmeldung"):
        r = client.get("/anmeldung/oidc/test/rueckkehr?code=abc&state=def")
    assert r.status_code == 400 and "keine laufende Anmeldung" in caplog.text
    assert client.get("/anmeldung/oidc/gibtsnicht").status_code == 404


def _claims(**overrides):
    now = int(time.time())
    claims = {
        "iss": None,
        "sub": "kplanung",
        "aud": CLIENT_ID,
        "iat": now,
        "exp": now + 300,
        "email": "k.planung@idp.example",
        "email_verified": True,
        "name": "Kira Planung",
        "groups": ["/sozialplanung-kreis"],
    }
    claims.update(overrides)
    return claims


@pytest.mark.parametrize(
    "case,overrides,reason",
    [
        ("nonce", {"nonce": "falsche-nonce"}, "ID-Token ungültig"),
        ("audience", {"aud": "ein-anderer-client"}, "ID-Token ungültig"),
        ("expired", {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "ID-Token ungültig"),
        ("issuer", {"iss": "http://127.0.0.1:1"}, "ID-Token ungültig"),
    ],
)
def test_forged_id_tokens_are_refused_and_logged(
    app, client, db, world, oidc_config, monkeypatch, caplog, case, overrides, reason
):
    authorize = _start(client)
    nonce = parse_qs(urlsplit(authorize).query)["nonce"][0]
    back = oidc_config.login_at_provider(authorize, "kplanung", CALLBACK)
    claims = _claims(iss=oidc_config.issuer, nonce=nonce)
    claims.update(overrides)
    forged = oidc_config.forge_id_token(claims)
    real_fetch = oidc.fetch_token

    def fetch_and_swap(*args, **kwargs):
        token = real_fetch(*args, **kwargs)  # the real code exchange with the provider
        return {**token, "id_token": forged}

    monkeypatch.setattr(oidc, "fetch_token", fetch_and_swap)
    with caplog.at_level(logging.WARNING, logger="beteiligung.anmeldung"):
        r = client.get(_callback_path(back))
    assert r.status_code == 400, case
    assert reason in caplog.text
    assert _user(db, "k.planung@idp.example") is None
    assert client.get(PROFILE).status_code == 302


def test_token_with_a_foreign_signature_is_refused(app, client, db, world, oidc_config, monkeypatch, caplog):
    from joserfc import jwt
    from joserfc.jwk import RSAKey

    authorize = _start(client)
    nonce = parse_qs(urlsplit(authorize).query)["nonce"][0]
    back = oidc_config.login_at_provider(authorize, "kplanung", CALLBACK)
    other_key = RSAKey.generate_key(2048, parameters={"kid": "test-schluessel"})
    forged = jwt.encode(
        {"alg": "RS256", "kid": "test-schluessel"}, _claims(iss=oidc_config.issuer, nonce=nonce), other_key
    )
    real_fetch = oidc.fetch_token
    monkeypatch.setattr(oidc, "fetch_token", lambda *a, **k: {**real_fetch(*a, **k), "id_token": forged})
    with caplog.at_level(logging.WARNING, logger="beteiligung.anmeldung"):
        r = client.get(_callback_path(back))
    assert r.status_code == 400 and "ID-Token ungültig" in caplog.text


def test_provider_down_gives_a_clear_message(app, client, oidc_server, monkeypatch):
    from tests.support.postgres import free_port

    monkeypatch.setitem(
        app.config,
        "OIDC_PROVIDERS",
        {"test": oidc_server.settings(issuer=f"http://127.0.0.1:{free_port()}", timeout=1)},
    )
    oidc._METADATA.clear()
    r = client.get("/anmeldung/oidc/test")
    assert r.status_code == 503 and "nicht erreichbar" in r.get_data(as_text=True)


def test_group_roles_follow_the_provider_at_next_login(app, client, db, world, oidc_config, monkeypatch):
    _login(client, oidc_config, "kplanung")
    user = _user(db, "k.planung@idp.example")
    assert [ra.role for ra in user.roles] == [ROLE_PLANNER]
    client.post("/abmelden", data={})
    client._csrf = None
    # the administrator maps the group to nothing any more: the role goes at the next login
    monkeypatch.setitem(app.config["OIDC_PROVIDERS"]["test"], "group_roles", "/politik-kreis=politik:01001")
    assert _login(client, oidc_config, "kplanung").status_code == 302
    assert _user(db, "k.planung@idp.example").roles == []
