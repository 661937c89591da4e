"""Minimal browser fixtures (live_server, page) per the contract in HELPERS.md.

Placeholder until the `grundtests` branch's tests/browser/conftest.py is merged (that one wins).
"""
from __future__ import annotations

import os
import tempfile
import threading

import pytest
from werkzeug.serving import make_server

from tests.support.postgres import free_port

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class LiveServer:
    def __init__(self, app, url):
        self.app, self.url = app, url


@pytest.fixture(scope="session")
def live_server():
    from flask_migrate import upgrade

    from beteiligung import create_app
    from beteiligung.demo import load_demo
    path = os.path.join(tempfile.mkdtemp(prefix="beteiligung-browser-"), "live.sqlite")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "SECRET_KEY": "browser-test-key",
                      "BASE_URL": url, "SMTP_HOST": "", "TESTING": False})
    with app.app_context():
        upgrade()
        load_demo()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveServer(app, url)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)  # axe injection
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
