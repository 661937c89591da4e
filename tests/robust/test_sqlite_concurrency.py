"""SQLite, the embedded default, under concurrent use: a real threaded server on a file database.

30 parallel logins of one account and parallel committee creation all succeed (writers queue on
the busy timeout thanks to BEGIN IMMEDIATE, beteiligung/database.py); a write that still cannot
get the lock answers a German 503 and writes nothing.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar

import pytest
from sqlalchemy import func, select

from tests.support.world import PASSWORD

PARALLEL = 30


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One user's browser: cookies, the CSRF token of the last page, no redirects followed."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()), _NoRedirect)
        self.csrf = ""

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrf_token": self.csrf}, doseq=True).encode()
        try:
            with self.opener.open(self.base + path, data=body, timeout=120) as response:
                status, html = response.status, response.read().decode()
        except urllib.error.HTTPError as exc:
            status, html = exc.code, exc.read().decode(errors="replace")
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
        if match:
            self.csrf = match.group(1)
        return status, html


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from beteiligung.extensions import db
    from tests.conftest import _make_app
    from tests.support.world import build_world

    path = tmp_path_factory.mktemp("sqlite-concurrency") / "beteiligung.sqlite"
    app = _make_app(f"sqlite:///{path}")
    app.config.update(PROPAGATE_EXCEPTIONS=False, LOGIN_MAX_FAILURES=1000)
    with app.app_context():
        upgrade()
        world = build_world()
        ids = {"kreis": world.kreis.id}
        db.session.remove()
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    # short poll interval: shutdown() waits for the serve loop's next look at its flag (0.5 s by default)
    thread = threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{srv.server_port}", path, ids
    srv.shutdown()
    with app.app_context():
        db.engine.dispose()


def _parallel(n, work):
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    return results


def _login(browser: Browser, email: str) -> int:
    browser.request("/anmelden")
    return browser.request("/anmelden", {"email": email, "password": PASSWORD})[0]


def test_thirty_parallel_logins_of_one_account(server):
    _app, base, _path, _ids = server
    browsers = [Browser(base) for _ in range(PARALLEL)]
    for b in browsers:
        b.request("/anmelden")
    started = time.perf_counter()
    statuses = _parallel(
        PARALLEL,
        lambda i: browsers[i].request("/anmelden", {"email": "planung@kreis.example", "password": PASSWORD})[0],
    )
    assert statuses == [302] * PARALLEL, statuses
    assert time.perf_counter() - started < 120
    # every one of them is really logged in
    assert {b.request("/gremien/")[0] for b in browsers[:3]} == {200}


def test_parallel_committee_creation_all_succeed(server):
    app, base, _path, ids = server
    from beteiligung.extensions import db
    from models import Committee, CommitteeType

    with app.app_context():
        type_id = db.session.scalar(select(CommitteeType.id).order_by(CommitteeType.id))
        db.session.remove()
    n = 12
    browsers = [Browser(base) for _ in range(n)]
    for b in browsers:
        assert _login(b, "planung@kreis.example") == 302
        assert b.request("/gremien/neu")[0] == 200
    statuses = _parallel(
        n,
        lambda i: browsers[i].request(
            "/gremien/neu", {"name": f"Parallel-AG {i}", "type_id": type_id, "body_id": ids["kreis"], "active": "y"}
        )[0],
    )
    assert statuses == [302] * n, statuses
    with app.app_context():
        made = db.session.scalar(
            select(func.count()).select_from(Committee).where(Committee.name.like("Parallel-AG %"))
        )
        db.session.remove()
    assert made == n


def test_lock_not_available_gives_german_503_and_writes_nothing(server, monkeypatch):
    app, base, path, ids = server
    from beteiligung import database
    from beteiligung.extensions import db
    from models import Committee, CommitteeType

    with app.app_context():
        type_id = db.session.scalar(select(CommitteeType.id).order_by(CommitteeType.id))
        db.session.remove()
        db.engine.dispose()  # new connections pick up the short timeout
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 100)
    browser = Browser(base)
    assert _login(browser, "planung@kreis.example") == 302
    browser.request("/gremien/neu")
    blocker = sqlite3.connect(str(path), isolation_level=None, timeout=30)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        status, html = browser.request(
            "/gremien/neu", {"name": "Gesperrt-AG", "type_id": type_id, "body_id": ids["kreis"], "active": "y"}
        )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert status == 503
    assert "Bitte erneut versuchen" in html and "nichts gespeichert" in html
    with app.app_context():
        assert (
            db.session.scalar(select(func.count()).select_from(Committee).where(Committee.name == "Gesperrt-AG")) == 0
        )
        db.session.remove()
        db.engine.dispose()
    monkeypatch.undo()
    browser.request("/gremien/neu")
    status, _ = browser.request(
        "/gremien/neu", {"name": "Gesperrt-AG", "type_id": type_id, "body_id": ids["kreis"], "active": "y"}
    )
    assert status == 302  # once the lock is free the same input goes through
