"""Browser-test infrastructure (the contract other modules' browser tests use).

Fixtures:
- ``live_server`` (session): the real app on a free loopback port, SQLite file database,
  real migrations, demo data (``beteiligung.demo.load_demo()``). Attributes ``.url``, ``.app``, ``.settings``
  (the configuration it was made with), ``.errors`` (every 5xx answer, "status METHOD path"; a browser test fails
  on one of its own) and
  ``.pristine``: a copy of the database file taken right after the demo was loaded (the tests of a worker
  change the live database; a walk that must give the same pages on every worker reads the copy).
- ``browser`` (session): Chromium's headless shell via Playwright (Debian package chromium-headless-shell, the same
  Chromium version and Blink as the package chromium; it is what Playwright itself runs headless tests in). A new
  tab costs the full browser /usr/bin/chromium about 0.24 s CPU instead of 0.07 s, a navigation 0.08 s instead of
  0.05 s (measured on this machine), about 70 s of CPU over the browser tests. ``full_browser`` (function): the full
  /usr/bin/chromium, for the test that looks at key pages in the browser people use (test_gesehen.py).
- ``page`` (function): a fresh browser context per test (de-DE, Europe/Berlin, 1280×900), axe-core preloaded
  (helpers.preload_axe).

Browser tests are not parametrized by the ``backend`` fixture: they use their own SQLite app.
Mark them with ``pytest.mark.browser``.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import threading
from contextlib import closing
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.support.components import require

# CHROMIUM=/usr/bin/chromium runs every browser test in the full browser
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium-headless-shell")
FULL_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def _require_chromium(path: str | None = None) -> None:
    path = path or CHROMIUM
    package = "chromium-headless-shell" if path.endswith("headless-shell") else "chromium"
    require(os.path.exists(path), f"Chromium ({path})", f".ci/run installiert das Debian-Paket {package}.")


def _quiet_handler(errors: list[str]):
    from werkzeug.serving import WSGIRequestHandler

    class Quiet(WSGIRequestHandler):
        def log_request(self, code="-", size="-"):  # keep the test output readable; keep every 5xx
            status = getattr(code, "value", code)
            if isinstance(status, int) and status >= 500:
                errors.append(f"{status} {self.command} {self.path}")

    return Quiet


@pytest.fixture(scope="session")
def live_server():
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from beteiligung import create_app
    from beteiligung.demo import load_demo
    from beteiligung.extensions import db
    from tests.support.postgres import free_port

    base = Path(tempfile.mkdtemp(prefix="beteiligung-live-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = {
        "TESTING": False,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'live.sqlite'}",
        "SECRET_KEY": "live-server-test-secret",
        "BASE_URL": url,
        "SERVER_NAME": None,
        "SMTP_HOST": "",
        # Demo logins use the password only; tests/anmeldung/ switches two-factor on for its own accounts.
        "TWO_FACTOR_REQUIRED_ROLES": "",
        # cheap hashing as in tests/conftest.py: the demo's passwords are hashed once per worker and every
        # login of every browser test checks one (scrypt: ~0.1 s CPU each)
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Pages that poll the server (static/js/werkstatt_board.js, dokument.js) ask more often than in
        # production, so that a test waits for the state a fraction of a second instead of up to 3 s.
        "WERKSTATT_TAFEL_INTERVALL_MS": 400,
        "DOKUMENT_STATUS_INTERVALL_MS": 300,
    }
    app = create_app(settings)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.remove()
    with (
        closing(sqlite3.connect(base / "live.sqlite")) as src,
        closing(sqlite3.connect(base / "pristine.sqlite")) as dst,
    ):
        src.backup(dst)  # consistent copy despite WAL mode

    errors: list[str] = []
    server = make_server("127.0.0.1", port, app, threaded=True, request_handler=_quiet_handler(errors))
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(
            url=url, app=app, port=port, settings=settings, pristine=base / "pristine.sqlite", errors=errors
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(autouse=True)
def _no_server_error(request):
    """No request of a browser test answers 5xx – also not one the page makes in the background (a live refresh,
    a fetch whose failure the page shows no one)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    server = request.getfixturevalue("live_server")
    before = len(server.errors)
    yield
    assert not server.errors[before:], f"Serverfehler während des Tests: {server.errors[before:]}"


@pytest.fixture(scope="session")
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def full_browser(browser):
    """The full Chromium (/usr/bin/chromium), started for one test through the session's Playwright (one per
    process)."""
    _require_chromium(FULL_CHROMIUM)
    chromium = browser.browser_type.launch(executable_path=FULL_CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def page(browser):
    from tests.browser.helpers import REDUCED_MOTION, preload_axe

    context = browser.new_context(
        locale="de-DE",
        timezone_id="Europe/Berlin",
        viewport={"width": 1280, "height": 900},
        reduced_motion=REDUCED_MOTION,
    )
    context.set_default_timeout(15000)
    preload_axe(context)
    pg = context.new_page()
    try:
        yield pg
    finally:
        context.close()
