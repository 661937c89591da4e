"""Issue 16, part 5: /healthz, Prometheus metrics behind a token, request ids and JSON logs."""

from __future__ import annotations

import json
import logging

from sqlalchemy import text

from beteiligung.services.betrieb.logs import JsonFormatter, RequestIdFilter
from beteiligung.services.mail import queue
from beteiligung.uow import unit_of_work


def test_healthz_ok_without_login_and_without_secrets(app, client):
    r = client.get("/healthz")
    assert r.status_code == 200
    data = r.get_json()
    assert data == {"status": "ok", "pruefungen": {"datenbank": "ok", "migrationen": "ok", "worker": "im Webprozess"}}
    body = r.get_data(as_text=True)
    assert app.config["SECRET_KEY"] not in body and "sqlite" not in body and "postgresql" not in body


def test_healthz_checks_the_worker_when_one_is_configured(app, client, db):
    """Without a worker seen (SQLite has no queue at all) /healthz is 503; tests/betrieb/test_warteschlange.py
    covers the heartbeats of real procrastinate workers on PostgreSQL."""
    app.config["JOBS_IN_PROCESS"] = False
    try:
        r = client.get("/healthz")
        assert r.status_code == 503 and r.get_json()["pruefungen"]["worker"] == "nicht gesehen"
    finally:
        app.config["JOBS_IN_PROCESS"] = True


def test_healthz_503_when_migrations_are_behind(app, client, db):
    (current,) = db.session.execute(text("SELECT version_num FROM alembic_version")).one()
    with unit_of_work():
        db.session.execute(text("UPDATE alembic_version SET version_num = 'protokoll_02'"))
    try:
        r = client.get("/healthz")
        assert r.status_code == 503 and r.get_json()["pruefungen"]["migrationen"].startswith("nicht aktuell")
    finally:
        with unit_of_work():
            db.session.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": current})


def test_healthz_503_when_the_database_is_down(tmp_path):
    from beteiligung import create_app

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )
    r = app.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.get_json() == {"status": "fehler", "pruefungen": {"datenbank": "nicht erreichbar"}}
    assert "127.0.0.1" not in r.get_data(as_text=True)


def test_metrics_need_the_token(app, client):
    assert client.get("/metrics").status_code == 404  # off without METRICS_TOKEN
    app.config["METRICS_TOKEN"] = "geheim-fuer-prometheus"
    try:
        assert client.get("/metrics").status_code == 401
        assert client.get("/metrics", headers={"Authorization": "Bearer falsch"}).status_code == 401
        r = client.get("/metrics", headers={"Authorization": "Bearer geheim-fuer-prometheus"})
        assert r.status_code == 200 and r.mimetype == "text/plain"
    finally:
        app.config["METRICS_TOKEN"] = ""


def test_metrics_count_requests_latency_and_mails(app, client, db):
    with unit_of_work():
        queue("a@example.org", "Betreff", "Text")
        queue("b@example.org", "Betreff", "Text")
    client.get("/anmelden")
    client.get("/anmelden")
    app.config["METRICS_TOKEN"] = "t" * 20
    try:
        text_ = client.get("/metrics", headers={"Authorization": "Bearer " + "t" * 20}).get_data(as_text=True)
    finally:
        app.config["METRICS_TOKEN"] = ""
    assert 'beteiligung_outbox_mails{status="wartend"} 2' in text_
    assert 'beteiligung_outbox_mails{status="fehlgeschlagen"} 0' in text_
    line = next(
        l
        for l in text_.splitlines()
        if l.startswith('beteiligung_http_requests_total{method="GET",endpoint="auth.login",status="200"')
    )
    assert int(line.split()[-1]) >= 2
    assert 'beteiligung_http_request_duration_seconds_bucket{endpoint="auth.login"' in text_
    assert "beteiligung_worker_last_seen_seconds -1" in text_


def test_request_id_is_echoed_or_generated(client):
    r = client.get("/anmelden", headers={"X-Request-ID": "proxy-1234abcd"})
    assert r.headers["X-Request-ID"] == "proxy-1234abcd"
    r = client.get("/anmelden", headers={"X-Request-ID": "<script>"})
    assert r.headers["X-Request-ID"] != "<script>" and len(r.headers["X-Request-ID"]) == 32


def test_json_log_line_carries_the_request_id(app):
    record = logging.LogRecord("beteiligung", logging.INFO, __file__, 1, "Hallo %s", ("Welt",), None)
    with app.test_request_context("/anmelden", headers={"X-Request-ID": "abcdefgh1234"}):
        from beteiligung.services.betrieb.logs import _assign

        _assign()
        RequestIdFilter().filter(record)
        line = json.loads(JsonFormatter().format(record))
    assert line["meldung"] == "Hallo Welt" and line["request_id"] == "abcdefgh1234" and line["pfad"] == "/anmelden"


def test_pages_when_the_database_is_down_are_german_503_without_details():
    from beteiligung import create_app

    app = create_app(
        {
            "TESTING": False,
            "SECRET_KEY": "x",
            "PROPAGATE_EXCEPTIONS": False,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody:pw@127.0.0.1:1/none",
        }
    )
    client = app.test_client()
    assert client.get("/anmelden").status_code == 200  # the form itself needs no database
    r = client.post("/anmelden", data={"email": "a@example.org", "password": "x"})
    html = r.get_data(as_text=True)
    assert r.status_code == 503 and r.headers["Retry-After"] == "60"
    assert "Vorübergehend nicht erreichbar" in html and "Traceback" not in html
    assert "127.0.0.1" not in html and "psycopg" not in html and "nobody" not in html
