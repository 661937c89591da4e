"""Minimal browser fixtures (live server with demo data, Playwright page in Chromium).

Written against the browser contract of HELPERS.md; the grundtests branch provides the
full version, which replaces this file when merged.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class LiveServer:
    def __init__(self, app, url):
        self.app, self.url = app, url


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    from flask_migrate import upgrade

    from beteiligung import create_app
    from beteiligung.demo import load_demo
    db_file = tmp_path_factory.mktemp("live") / "live.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "SECRET_KEY": "browser-test-secret",
                      "SMTP_HOST": "", "WTF_CSRF_TIME_LIMIT": None})
    with app.app_context():
        upgrade()
        load_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield LiveServer(app, app.config["BASE_URL"])
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def _browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_browser):
    context = _browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", bypass_csp=True)
    pg = context.new_page()
    pg.set_default_timeout(15000)
    yield pg
    context.close()
