"""Minimal browser fixtures (contract from HELPERS.md): `live_server` (demo data in an SQLite file,
served by werkzeug in a thread) and `page` (Playwright, Chromium at /usr/bin/chromium).
The grundtests helper provides the full version; this one is only used until that is merged."""
from __future__ import annotations

import os
import tempfile
import threading
from types import SimpleNamespace

import pytest

CHROMIUM = os.environ.get("BETEILIGUNG_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def live_server():
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from beteiligung import create_app
    from beteiligung.demo import load_demo
    from beteiligung.extensions import db

    path = os.path.join(tempfile.mkdtemp(prefix="beteiligung-browser-"), "live.sqlite")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "browser-test",
                      "SMTP_HOST": "", "BASE_URL": "http://127.0.0.1"})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(10)


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    pg = context.new_page()
    pg.set_default_timeout(20000)
    yield pg
    context.close()
