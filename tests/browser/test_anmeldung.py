"""Browser test of the two-factor login: an administrator enrols by QR/key and logs in with a TOTP code."""

from __future__ import annotations

import re
import time

import pyotp
import pytest

from tests.browser.helpers import check_axe, logout
from tests.support.components import require

pytestmark = pytest.mark.browser

EMAIL = "zweifaktor-admin@lindenau.example"
PASSWORD = "Browser-Test-2FA-123"
SHOTS = None  # set to a directory to keep screenshots (375 px and 1366 px) while developing


@pytest.fixture
def fresh_admin(live_server):
    """An administration account of its own (the demo admin stays password-only for other tests)."""
    from beteiligung.extensions import db
    from beteiligung.services.accounts import create_user_direct
    from models import ROLE_ADMIN

    app = live_server.app
    saved = app.config["TWO_FACTOR_REQUIRED_ROLES"]
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = "admin"
    with app.app_context():
        create_user_direct(EMAIL, "Zwei Faktor", PASSWORD, [{"role": ROLE_ADMIN}])
        db.session.commit()
        db.session.remove()
    try:
        yield EMAIL
    finally:
        app.config["TWO_FACTOR_REQUIRED_ROLES"] = saved


def _password_step(page, live_server):
    page.goto(f"{live_server.url}/anmelden")
    page.get_by_label("E-Mail").fill(EMAIL)
    page.get_by_label("Passwort", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Anmelden").click()


def _shot(page, name):
    if SHOTS:
        for width in (375, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"{SHOTS}/{name}-{width}.png", full_page=True)
        page.set_viewport_size({"width": 1280, "height": 900})


def test_admin_enrols_and_logs_in_with_totp(page, live_server, fresh_admin):
    _password_step(page, live_server)
    page.wait_for_url(re.compile(r".*/anmeldung/zwei-faktor/einrichten$"))
    assert page.get_by_role("img", name=re.compile("QR-Code")).is_visible()
    check_axe(page)
    _shot(page, "einrichten")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("Code aus der App").fill(totp.now())
    page.get_by_role("button", name="Einrichtung abschließen").click()
    page.get_by_role("heading", name="Ihre Wiederherstellungscodes").wait_for()
    assert page.locator(".recovery-codes code").count() == 10
    check_axe(page)
    _shot(page, "codes")
    page.get_by_role("link", name=re.compile("weiter")).click()
    page.wait_for_url(f"{live_server.url}/")
    logout(page)

    # next login: password, then a code from the authenticator (the next 30-second step)
    _password_step(page, live_server)
    page.wait_for_url(re.compile(r".*/anmeldung/zweiter-faktor$"))
    check_axe(page)
    page.get_by_label("Code").fill("000000" if totp.at(time.time() + 30) != "000000" else "111111")
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert page.get_by_text("Der Code ist falsch").first.is_visible()
    check_axe(page)
    _shot(page, "zweiter-faktor")
    page.get_by_label("Code").fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/anmeldung/zwei-faktor")
    assert page.get_by_text("eingeschaltet").is_visible()
    check_axe(page)
    _shot(page, "zwei-faktor")
    page.goto(f"{live_server.url}/anmeldung/sitzungen")
    assert page.get_by_text("diese Sitzung").is_visible()
    check_axe(page)
    _shot(page, "sitzungen")


@pytest.fixture
def oidc_provider(live_server):
    """A real OpenID provider (npm oidc-provider) for the live server, shown on its login page."""
    from tests.support import oidc_provider as support

    require(support.available(), "oidc-provider", "make test installiert tests/support/oidc.")
    server = support.OidcProvider([f"{live_server.url}/anmeldung/oidc/test/rueckkehr"], [f"{live_server.url}/anmelden"])
    server.start()
    app = live_server.app
    saved = app.config.get("OIDC_PROVIDERS")
    # the group maps to Politik of the demo Kreis (its code from the database)
    from sqlalchemy import select

    from beteiligung.extensions import db
    from models import Body

    with app.app_context():
        kreis = db.session.scalar(select(Body).where(Body.parent_id.is_(None)).order_by(Body.id))
        code = kreis.code
        db.session.remove()
    app.config["OIDC_PROVIDERS"] = {
        "test": server.settings(label="Kreis-Anmeldung (Keycloak)", group_roles=f"/politik-kreis=politik:{code}")
    }
    try:
        yield server
    finally:
        app.config["OIDC_PROVIDERS"] = saved
        server.stop()


def test_login_and_logout_through_an_openid_provider(page, live_server, oidc_provider):
    page.goto(f"{live_server.url}/anmelden")
    check_axe(page)
    _shot(page, "anmelden-wege")
    page.get_by_role("link", name="Anmelden mit Kreis-Anmeldung (Keycloak)").click()
    page.wait_for_url(re.compile(re.escape(oidc_provider.issuer) + r"/interaction/.*"))
    page.locator("input[name=login]").fill("kpolitik")
    page.locator("input[name=password]").fill("beliebig")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_text("Willkommen, Konrad Politik.").is_visible()
    page.goto(f"{live_server.url}/anmeldung/sitzungen")
    assert page.get_by_text("Identitätsanbieter (OpenID Connect)").is_visible()
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(re.escape(oidc_provider.issuer) + r"/session/end.*"))
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(re.compile(r".*/anmelden$"))
    page.goto(f"{live_server.url}/anmeldung/sitzungen")
    page.wait_for_url(re.compile(r".*/anmelden.*"))
