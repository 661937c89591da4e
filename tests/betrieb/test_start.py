"""Issue 16, part 1: SECRET_KEY required outside development, cookie flags, gunicorn access log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_start_without_secret_key_is_refused_outside_development(monkeypatch, tmp_path):
    from beteiligung import create_app

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("BETEILIGUNG_ENV", raising=False)
    monkeypatch.setenv("BETEILIGUNG_INSTANCE", str(tmp_path))
    with pytest.raises(RuntimeError, match="SECRET_KEY ist nicht gesetzt"):
        create_app()
    assert not (tmp_path / "secret_key").exists()


def test_production_config_never_writes_a_key(monkeypatch, tmp_path):
    from beteiligung.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("BETEILIGUNG_ENV", "production")
    assert load_config(tmp_path)["SECRET_KEY"] is None
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("SECRET_KEY", "gemeinsam-fuer-alle-server")
    assert load_config(tmp_path)["SECRET_KEY"] == "gemeinsam-fuer-alle-server"


def test_two_instances_with_the_same_key_share_the_login(app, world, database_url):
    from beteiligung import create_app

    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": app.config["SECRET_KEY"],
        "TWO_FACTOR_REQUIRED_ROLES": "",
    }
    a, b = create_app(config), create_app(config)
    client_a = a.test_client()
    r = client_a.get("/anmelden")
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', r.get_data(as_text=True)).group(1)
    r = client_a.post(
        "/anmelden", data={"email": world.admin.email, "password": "Test-Passwort-123", "csrf_token": token}
    )
    assert r.status_code == 302
    session_cookie = client_a.get_cookie("session").value
    client_b = b.test_client()
    client_b.set_cookie("session", session_cookie)
    r = client_b.get("/verwaltung/profil")
    assert r.status_code == 200, r.status_code


def _remember_cookie(response):
    cookies = [v for k, v in response.headers.items() if k.lower() == "set-cookie" and v.startswith("remember_token=")]
    assert cookies, response.headers
    return cookies[-1]


def test_remember_cookie_secure_and_14_days(app, client, world):
    app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)
    try:
        r = client.post(
            "/anmelden", data={"email": world.admin.email, "password": "Test-Passwort-123", "remember": "y"}
        )
    finally:
        app.config.update(SESSION_COOKIE_SECURE=False, REMEMBER_COOKIE_SECURE=False)
    cookie = _remember_cookie(r)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    expires = parsedate_to_datetime(cookie.split("Expires=")[1].split(";")[0])
    days = (expires - datetime.now(UTC)).total_seconds() / 86400
    assert 13.9 < days <= 14.01


def test_remember_settings_from_the_environment(monkeypatch, tmp_path):
    from beteiligung.config import load_config

    monkeypatch.setenv("SECRET_KEY", "x")
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("REMEMBER_DAYS", "3")
    config = load_config(tmp_path)
    assert config["REMEMBER_COOKIE_SECURE"] is True and config["REMEMBER_COOKIE_DURATION"].days == 3
    monkeypatch.setenv("REMEMBER_DAYS", "ein Jahr")
    with pytest.raises(ValueError, match="REMEMBER_DAYS"):
        load_config(tmp_path)


def _wait_for(url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            return urllib.request.urlopen(url, timeout=2)
        except urllib.error.HTTPError as exc:
            return exc
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} antwortet nicht")


def test_gunicorn_access_log_written_and_tokens_redacted(app, tmp_path):
    port = free_port()
    log = tmp_path / "access.log"
    env = {
        **os.environ,
        "SECRET_KEY": "gunicorn-test",
        "BETEILIGUNG_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "BETEILIGUNG_INSTANCE": str(tmp_path),
        "BETEILIGUNG_ENV": "production",
    }
    env.pop("SMTP_HOST", None)
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(log),
            "--error-logfile",
            str(tmp_path / "error.log"),
            "beteiligung:create_app()",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,  # its own process group: master and worker are stopped together
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/anmelden")
        r = _wait_for(f"http://127.0.0.1:{port}/b/umfrage/t/GEHEIMES-TOKEN-123")
        assert r.status == 404
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "/b/umfrage/t/" not in (log.read_text() if log.exists() else ""):
            time.sleep(0.05)
    finally:
        # The log lines are on disk (written and flushed per request); a graceful stop would only add the worker's
        # interpreter shutdown (1–2 s of CPU), which this test does not look at.
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=20)
    text = log.read_text()
    errors = (tmp_path / "error.log").read_text()
    assert "GET /anmelden HTTP/1.1\" 200" in text
    assert "GET /b/umfrage/t/[entfernt] HTTP/1.1\" 404" in text
    assert "GEHEIMES-TOKEN-123" not in text
    assert "format requires a mapping" not in errors and "Traceback" not in errors
