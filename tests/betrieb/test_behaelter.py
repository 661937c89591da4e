"""Issue 16: the image of deploy/Containerfile and deploy/compose.yaml, built and run for real with podman
(`make test-behaelter`, in CI after `make test`; not part of `make test`: building the image takes minutes).

The image is built from the Debian base (tests/support/behaelter.py makes it locally with debootstrap, since no
image registry is reachable here).
- By hand, against a PostgreSQL on loopback (`--network host`): the migrations run once from the image, an admin
  account is created with the image's CLI, the app container (gunicorn) and the worker container
  (`betrieb worker`) start; /healthz is 200 with the worker seen, the built front-end assets are served, and a
  login through the app reaches the start page.
- The compose file with podman-compose (PostgreSQL from a Debian-built stand-in image, tests/support/
  behaelter_postgres): db, migrate, web and worker come up, /healthz is 200 with the worker seen, login works."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
import uuid

import pytest
import requests

from tests.support.behaelter import IMAGE, POSTGRES_IMAGE, ROOT, Podman
from tests.support.postgres import free_port

pytestmark = pytest.mark.behaelter

PASSWORD = "Behaelter-Test-Passwort-1"
ADMIN = "admin@kreis.example"
HEALTHY = {"status": "ok", "pruefungen": {"datenbank": "ok", "migrationen": "ok", "worker": "ok"}}


@pytest.fixture(scope="module")
def podman(tmp_path_factory):
    podman = Podman(tmp_path_factory.mktemp("podman"))
    started = time.monotonic()
    podman.ensure_base_image()
    podman.build()
    yield podman
    podman.timings["gesamt"] = round(time.monotonic() - started, 1)
    print("\nZeiten (s):", podman.timings)


def _wait_healthy(base: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            r = requests.get(f"{base}/healthz", timeout=5)
            last = (r.status_code, r.text)
            if r.status_code == 200:
                return r.json()
        except requests.RequestException as exc:
            last = exc
        time.sleep(1)
    raise AssertionError(f"/healthz nicht 200: {last}")


def _log_in(base: str) -> requests.Response:
    session = requests.Session()
    page = session.get(f"{base}/anmelden", timeout=10)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    return session.post(
        f"{base}/anmelden", data={"csrf_token": token, "email": ADMIN, "password": PASSWORD}, timeout=10
    )


def test_image_runs_app_and_worker_against_postgresql(podman, pg_server):
    database = pg_server.create_database(f"behaelter_{uuid.uuid4().hex[:8]}")
    url = database.replace("postgresql+psycopg://", "postgresql://")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "SECRET_KEY": uuid.uuid4().hex,
        "BETEILIGUNG_DATABASE_URL": url,
        "JOBS_IN_PROCESS": "false",
        "FILE_STORAGE": "datenbank",
        "BASE_URL": base,
        # the account below logs in with its password only (an admin would otherwise have to set up 2FA first)
        "TWO_FACTOR_REQUIRED_ROLES": "",
    }
    run = ["run", "--network", "host", *[arg for k, v in env.items() for arg in ("-e", f"{k}={v}")]]
    suffix = uuid.uuid4().hex[:8]
    web, worker = f"beteiligung-web-{suffix}", f"beteiligung-worker-{suffix}"
    try:
        # migrations once per release, from the image (compose: the "migrate" service)
        podman.timed("migrate", *run, "--rm", IMAGE, "flask", "--app", "beteiligung", "db", "upgrade")
        admin = ["flask", "--app", "beteiligung", "users", "create-admin", ADMIN]
        result = podman(*run, "--rm", "-e", f"BETEILIGUNG_ADMIN_PASSWORD={PASSWORD}", IMAGE, *admin)
        assert "angelegt" in result.stdout

        podman(*run, "-d", "--name", web, "-e", f"GUNICORN_BIND=127.0.0.1:{port}", "-e", "GUNICORN_WORKERS=2", IMAGE)
        podman(*run, "-d", "--name", worker, IMAGE, "flask", "--app", "beteiligung", "betrieb", "worker")
        started = time.monotonic()
        assert _wait_healthy(base, 120) == HEALTHY
        podman.timings["bis-gesund"] = round(time.monotonic() - started, 1)

        # the image contains the front-end assets built in its first stage
        css = requests.get(f"{base}/static/vendor/kern/kern.min.css", timeout=10)
        assert css.status_code == 200 and len(css.content) > 10_000

        r = _log_in(base)
        assert r.status_code == 200 and r.url == f"{base}/", (r.status_code, r.url)
        assert "Abmelden" in r.text

        # one worker process per queue inside the worker container (a mail never waits behind an analysis)
        top = podman("top", worker, "pid", "ppid", "comm").stdout
        assert "wq-beteiligung" in top and "wq-analyse" in top, top
        logs = podman("logs", web)
        assert "Traceback" not in logs.stdout + logs.stderr, logs.stderr[-3000:]
        # a stop ends gunicorn and every worker process in time (SIGTERM, no SIGKILL after the grace period)
        started = time.monotonic()
        podman("stop", "-t", "30", web, worker)
        assert time.monotonic() - started < 30
        exits = podman("inspect", "--format", "{{.State.ExitCode}}", web, worker).stdout.split()
        assert exits == ["0", "0"], exits
    finally:
        podman("rm", "-f", "-t", "5", web, worker, check=False)


def test_compose_file_brings_up_db_migrate_web_worker(podman, tmp_path):
    podman.build_postgres()
    folder = tmp_path / "deploy"
    folder.mkdir()
    shutil.copy(ROOT / "deploy/compose.yaml", folder / "compose.yaml")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    (folder / ".env").write_text(f"SECRET_KEY={uuid.uuid4().hex}\nBASE_URL={base}\nTWO_FACTOR_REQUIRED_ROLES=\n")
    env = {
        **podman.env,
        "POSTGRES_IMAGE": POSTGRES_IMAGE,
        "BETEILIGUNG_IMAGE": IMAGE,
        "BETEILIGUNG_PORT": str(port),
        "POSTGRES_PASSWORD": uuid.uuid4().hex,
    }
    project = f"behaelter{uuid.uuid4().hex[:8]}"
    compose = [sys.executable, "-m", "podman_compose", "-p", project, "-f", str(folder / "compose.yaml")]

    def call(*args, timeout=300):
        result = subprocess.run([*compose, *args], env=env, capture_output=True, text=True, timeout=timeout)
        assert result.returncode == 0, (args, result.stdout[-3000:], result.stderr[-3000:])
        return result

    try:
        started = time.monotonic()
        call("up", "-d", "--no-build")
        assert _wait_healthy(base, 180) == HEALTHY
        podman.timings["compose-bis-gesund"] = round(time.monotonic() - started, 1)
        # the migrate service ran once and ended successfully
        state = podman("inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", f"{project}_migrate_1")
        assert state.stdout.split() == ["exited", "0"], state.stdout

        admin = ["exec", f"{project}_web_1", "flask", "--app", "beteiligung", "users", "create-admin", ADMIN]
        assert "angelegt" in podman(*admin, "--password", PASSWORD).stdout
        r = _log_in(base)
        assert r.status_code == 200 and r.url == f"{base}/" and "Abmelden" in r.text, (r.status_code, r.url)
    finally:
        subprocess.run([*compose, "down", "-v"], env=env, capture_output=True, timeout=300)
    assert podman("ps", "-a", "--filter", f"name={project}", "--format", "{{.Names}}").stdout.strip() == ""
