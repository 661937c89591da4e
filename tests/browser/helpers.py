"""Helpers for browser tests: log in, run axe-core, read links from outbox mails."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from beteiligung.demo import DEMO_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ("serious", "critical")


def login(page, live_server, email: str, *, start_page: bool = True):
    """Sign in as email without the login form, for the many tests that are not about logging in (the form
    itself: login_form, tests/browser/test_anmeldung.py, tests/anmeldung/).

    A new server-side session of its own for this browser context, opened by the app's own sign-in step after a
    correct password (views.anmeldung.sign_in: session record, audit entry, flask-login with "strong" session
    protection for this browser's user agent) in a request context of the live app; its signed session cookie
    goes into the page's context. A test that logs out or changes the account ends only its own sessions' use.
    Then the start page is opened, as after the form (start_page=False: the test opens its own first page)."""
    from flask import session
    from sqlalchemy import func, select

    from beteiligung.extensions import db
    from beteiligung.uow import unit_of_work
    from models import User
    from models.anmeldung import Anmeldeweg
    from views.anmeldung import sign_in

    app = live_server.app
    agent = page.evaluate("() => navigator.userAgent")
    with app.test_request_context(
        "/anmelden", method="POST", headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    ):
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        assert user is not None and user.is_active, email
        with unit_of_work():
            sign_in(user, False, Anmeldeweg.PASSWORT)
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(session))
        db.session.remove()
    page.context.add_cookies(
        [{"name": app.config["SESSION_COOKIE_NAME"], "value": cookie, "url": live_server.url, "httpOnly": True}]
    )
    if start_page:
        page.goto(f"{live_server.url}/")
        assert page.url == f"{live_server.url}/", page.url  # signed in: no redirect to the login form
    return page


def login_form(page, live_server, email: str, password: str = DEMO_PASSWORD):
    """Sign in through the login form and wait for the start page."""
    page.goto(f"{live_server.url}/anmelden")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_url(f"{live_server.url}/")
    page.wait_for_load_state("load")
    return page


def logout(page):
    page.get_by_role("button", name="Abmelden").click()
    page.wait_for_url(re.compile(r".*/anmelden.*"))


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise AssertionError(f"axe-core fehlt ({AXE_JS}); bitte `make install` (npm ci) ausführen.")
    return AXE_JS.read_text(encoding="utf-8")


def preload_axe(context):
    """Every page that context opens from now on has axe-core from the start (an init script: the browser gets the
    source once per context and compiles it from its cache, instead of 650 kB through page.evaluate per page)."""
    context.add_init_script(script=_axe_source())
    return context


# Every test browser is a user who has switched animations off: a link to an anchor (#tagesordnung) then jumps there
# instead of scrolling smoothly (KERN's html { scroll-behavior: smooth }; static/css/app.css honours the setting), so
# the next click need not wait for the page to hold still – Playwright retried such clicks for up to a second. The
# Chromium switch --force-prefers-reduced-motion does not help: Playwright emulates the media feature per context.
REDUCED_MOTION = "reduce"


def new_axe_context(browser, **kwargs):
    """A browser context with axe-core preloaded (bypass_csp=True as before: a page may also add it itself)."""
    options = {
        "locale": "de-DE",
        "timezone_id": "Europe/Berlin",
        "viewport": {"width": 1280, "height": 900},
        "bypass_csp": True,
        "reduced_motion": REDUCED_MOTION,
    }
    options.update(kwargs)
    return preload_axe(browser.new_context(**options))


AXE_OPTIONS = {  # WCAG 2.0/2.1 A and AA rules and best practices
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
    "resultTypes": ["violations"],
}


AXE_RUN = "async ([ctx, options]) => window.axe ? (await window.axe.run(ctx || document, options)).violations : null"


def axe_violations(page, *, context=None) -> list[dict]:
    """Run axe-core on the current page; return all violations. A page of a context without preload_axe gets the
    source first (page.evaluate runs through the DevTools protocol, so the page's CSP does not block it). A click on
    a link returns once the next page has started loading; axe waits until it has loaded, not a half-parsed page."""
    page.wait_for_load_state()
    violations = page.evaluate(AXE_RUN, [context, AXE_OPTIONS])
    if violations is None:
        page.evaluate(_axe_source() + "\n;undefined")
        violations = page.evaluate(AXE_RUN, [context, AXE_OPTIONS])
    return violations


def format_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:8]:
            lines.append(f"    {' '.join(node['target'])}: {node.get('failureSummary', '').strip()}".replace("\n", " "))
        if len(v["nodes"]) > 8:
            lines.append(f"    … und {len(v['nodes']) - 8} weitere Stellen")
    return "\n".join(lines)


def check_axe(page, *, context=None):
    """Assert that axe-core finds no violation with impact 'serious' or 'critical'."""
    violations = axe_violations(page, context=context)
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    assert not blocking, f"axe-core: {len(blocking)} schwere Verstöße auf {page.url}\n" + format_violations(blocking)
    return violations


URL_RE = re.compile(r"https?://[^\s<>\"')]+")


def mail_links(app, recipient: str) -> list[str]:
    """All URLs in the outbox mails to recipient, oldest mail first."""
    from sqlalchemy import func, select

    from beteiligung.extensions import db
    from models import OutboxMail

    with app.app_context():
        bodies = db.session.scalars(
            select(OutboxMail.body_text)
            .where(func.lower(OutboxMail.recipient) == recipient.lower())
            .order_by(OutboxMail.id)
        ).all()
        db.session.remove()
    links = []
    for body in bodies:
        links.extend(URL_RE.findall(body))
    return links


def shoot_pickers(page, shots: Path, name: str) -> None:
    """Screenshots at 375 and 1366 px into `shots`; at each width the pickers and their confirmation fit the page
    (other wide parts of a page are not theirs; pickers in a table row scroll with their table)."""
    shots.mkdir(parents=True, exist_ok=True)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"{name}-{width}.png"), full_page=True)
        overflow = page.evaluate(
            """() => Math.max(0, ...Array.from(document.querySelectorAll('.auswahl, .auswahl__liste, .auswahl-bestaetigung'))
                 .filter((el) => el.offsetParent !== null && !el.closest('table'))
                 .map((el) => el.getBoundingClientRect().right - document.documentElement.clientWidth))"""
        )
        assert overflow <= 1, f"{name} bei {width} px: Auswahl {overflow} px breiter als die Seite"
    page.set_viewport_size({"width": 1280, "height": 900})
