"""Issue 16: the image of deploy/Containerfile, built and run for real with podman (`make test-behaelter`, in CI
after `make test`; not part of `make test`: building the image takes minutes).

The image is built from the Debian base (tests/support/behaelter.py makes it locally with debootstrap, since no
image registry is reachable here). Against a PostgreSQL on loopback (`--network host`): the migrations run once
from the image, an admin account is created with the image's CLI, then the app container (gunicorn) and the worker
container (`betrieb worker`) start; /healthz must be 200 with the worker seen, the built front-end assets are
served, and a login through the app reaches the start page."""

from __future__ import annotations

import re
import time
import uuid

import pytest
import requests

from tests.support.behaelter import IMAGE, Podman
from tests.support.postgres import free_port

pytestmark = pytest.mark.behaelter

PASSWORD = "Behaelter-Test-Passwort-1"


def _wait_healthy(url: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            r = requests.get(url, timeout=5)
            last = (r.status_code, r.text)
            if r.status_code == 200:
                return r.json()
        except requests.RequestException as exc:
            last = exc
        time.sleep(1)
    raise AssertionError(f"/healthz nicht 200: {last}")


def test_image_builds_and_runs_app_and_worker(pg_server, tmp_path):
    podman = Podman(tmp_path)
    started = time.monotonic()
    podman.ensure_base_image()
    podman.build()

    database = pg_server.create_database(f"behaelter_{uuid.uuid4().hex[:8]}")
    url = database.replace("postgresql+psycopg://", "postgresql://")
    port = free_port()
    env = {
        "SECRET_KEY": uuid.uuid4().hex,
        "BETEILIGUNG_DATABASE_URL": url,
        "JOBS_IN_PROCESS": "false",
        "FILE_STORAGE": "datenbank",
        "BASE_URL": f"http://127.0.0.1:{port}",
        # the account below logs in with its password only (an admin would otherwise have to set up 2FA first)
        "TWO_FACTOR_REQUIRED_ROLES": "",
    }
    env_args = [arg for key, value in env.items() for arg in ("-e", f"{key}={value}")]
    run = ["run", "--network", "host", *env_args]
    suffix = uuid.uuid4().hex[:8]
    web, worker = f"beteiligung-web-{suffix}", f"beteiligung-worker-{suffix}"
    try:
        # migrations once per release, from the image (compose: the "migrate" service)
        podman.timed("migrate", *run, "--rm", IMAGE, "flask", "--app", "beteiligung", "db", "upgrade")
        result = podman(
            *run,
            "--rm",
            "-e",
            f"BETEILIGUNG_ADMIN_PASSWORD={PASSWORD}",
            IMAGE,
            "flask",
            "--app",
            "beteiligung",
            "users",
            "create-admin",
            "admin@kreis.example",
        )
        assert "angelegt" in result.stdout

        podman(*run, "-d", "--name", web, "-e", f"GUNICORN_BIND=127.0.0.1:{port}", "-e", "GUNICORN_WORKERS=2", IMAGE)
        podman(*run, "-d", "--name", worker, IMAGE, "flask", "--app", "beteiligung", "betrieb", "worker")
        health = _wait_healthy(f"http://127.0.0.1:{port}/healthz", 120)
        assert health == {"status": "ok", "pruefungen": {"datenbank": "ok", "migrationen": "ok", "worker": "ok"}}

        # the image contains the front-end assets built in its first stage
        css = requests.get(f"http://127.0.0.1:{port}/static/vendor/kern/kern.min.css", timeout=10)
        assert css.status_code == 200 and len(css.content) > 10_000

        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{port}/anmelden", timeout=10)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        r = session.post(
            f"http://127.0.0.1:{port}/anmelden",
            data={"csrf_token": token, "email": "admin@kreis.example", "password": PASSWORD},
            timeout=10,
        )
        assert r.status_code == 200 and r.url == f"http://127.0.0.1:{port}/", (r.status_code, r.url)
        assert "Abmelden" in r.text and "Start" in r.text

        # one worker process per queue inside the worker container (mail never waits behind an analysis)
        top = podman("top", worker, "args").stdout
        assert "--warteschlange beteiligung" in top and "--warteschlange analyse" in top, top
        logs = podman("logs", web).stdout + podman("logs", web).stderr
        assert "Traceback" not in logs, logs[-3000:]
    finally:
        for name in (web, worker):
            podman("rm", "-f", "-t", "5", name, check=False)
    podman.timings["gesamt"] = round(time.monotonic() - started, 1)
    print("Zeiten (s):", podman.timings)
