"""Minimal browser fixtures (live_server, page) following the contract in HELPERS.md.

The `grundtests` helper provides the full versions; these exist only so the
Kontrakte browser test runs in this branch. Keep theirs when merging.
"""
from __future__ import annotations

import socket
import tempfile
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def live_server():
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from beteiligung import create_app
    from beteiligung.demo import load_demo
    from beteiligung.extensions import db

    folder = Path(tempfile.mkdtemp(prefix="beteiligung-browser-"))
    port = _free_port()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'browser.sqlite'}",
                      "SECRET_KEY": "browser-test-secret", "BASE_URL": f"http://127.0.0.1:{port}",
                      "UPLOAD_FOLDER": str(folder / "uploads"), "SMTP_HOST": ""})
    with app.app_context():
        upgrade()
        load_demo()
        db.session.remove()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{port}", app=app)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(locale="de-DE", timezone_id="Europe/Berlin")
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
