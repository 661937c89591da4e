"""Issue 16, parts 7 and 8: the deploy/ artefacts, exercised for real.

PostgreSQL, two gunicorn instances (deploy/gunicorn.conf.py) with different instance folders, nginx with the
shipped site configuration (deploy/nginx/, TLS with a throw-away certificate) in front of them on loopback,
aiosmtpd for mail. Scenarios: log in and work on both servers, upload on one and download on the other,
21 clients with failed logins then a correct login from another client, two mail senders in parallel.
One cluster serves the module's tests (starting it takes seconds): each test uses its own client addresses
and its own mails, and none depends on what another did before it.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest

from tests.support.components import require
from tests.support.postgres import free_port

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.postgres


class Browser:
    """A minimal HTTPS client with its own source address (127.0.0.N) and cookie jar."""

    def __init__(
        self,
        port: int,
        source_ip: str = "127.0.0.1",
        host: str = "127.0.0.1",
        tls: bool = True,
        headers: dict | None = None,
    ):
        self.port, self.source_ip, self.host, self.tls = port, source_ip, host, tls
        self.cookies: dict[str, str] = {}
        self.headers = headers or {}

    def request(self, method, path, body=None, content_type=None):
        if self.tls:
            conn = http.client.HTTPSConnection(
                self.host,
                self.port,
                timeout=30,
                source_address=(self.source_ip, 0),
                context=ssl._create_unverified_context(),
            )
        else:
            conn = http.client.HTTPConnection(self.host, self.port, timeout=30, source_address=(self.source_ip, 0))
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if content_type:
            headers["Content-Type"] = content_type
            # like a browser: Flask-WTF checks the Referer on HTTPS
            headers.setdefault("Referer", f"https://{self.host}:{self.port}{path}")
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                cookie_value = rest.split(";")[0]
                if "Expires=Thu, 01 Jan 1970" in value or cookie_value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = cookie_value
        conn.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def csrf(self, path="/anmelden") -> str:
        status, _h, html = self.request("GET", path)
        return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html.decode()).group(1)

    def post_form(self, path, fields: dict):
        return self.request("POST", path, urllib.parse.urlencode(fields), "application/x-www-form-urlencoded")

    def login(self, email, password):
        token = self.csrf()
        return self.post_form("/anmelden", {"email": email, "password": password, "csrf_token": token})


def _wait(port, path="/healthz", timeout=40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"Port {port} antwortet nicht")


def _nginx_config(tmp: Path, http_port: int, https_port: int, upstreams: list[int]) -> Path:
    """The shipped site file with loopback addresses, ports and a throw-away certificate."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(tmp / "key.pem"),
            "-out",
            str(tmp / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (ROOT / "deploy/nginx/beteiligung.conf").read_text()
    site = re.sub(
        r"    server 10\.0\.0\.11:8000[^\n]*\n    server 10\.0\.0\.12:8000[^\n]*\n",
        "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams),
        site,
    )
    site = (
        site.replace("listen 80;", f"listen 127.0.0.1:{http_port};")
        .replace("listen [::]:80;", "")
        .replace("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl;")
        .replace("listen [::]:443 ssl http2;", "")
        .replace("beteiligung.kreis.example", "localhost")
        .replace("/etc/ssl/beteiligung/fullchain.pem", str(tmp / "cert.pem"))
        .replace("/etc/ssl/beteiligung/privkey.pem", str(tmp / "key.pem"))
        .replace("/opt/beteiligung/static/", str(ROOT / "static") + "/")
        .replace("/etc/nginx/snippets/beteiligung-proxy.conf", str(ROOT / "deploy/nginx/beteiligung-proxy.conf"))
    )
    # Only for the test: which server answered.
    site = site.replace(
        "    client_max_body_size", "    add_header X-Upstream $upstream_addr always;\n    client_max_body_size"
    )
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = tmp / "nginx.conf"
    conf.write_text(f"""{user}worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log;
daemon off;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log {tmp}/nginx-access.log;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
{site}
}}
""")
    return conf


@pytest.fixture(scope="module")
def cluster(pg_server, tmp_path_factory):
    require(Path(NGINX).exists(), "nginx", ".ci/run installiert das Debian-Paket nginx.")
    from flask_migrate import upgrade

    from beteiligung import create_app
    from beteiligung.extensions import db

    tmp_path = tmp_path_factory.mktemp("cluster")
    url = pg_server.create_database(f"cluster_{uuid.uuid4().hex[:8]}")
    # also the tests' own way into the database (one app for the module: building one costs ~0.4 s CPU)
    setup_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "x",
            "TWO_FACTOR_REQUIRED_ROLES": "",
            "MAIL_FROM": "beteiligung@localhost",
        }
    )
    with setup_app.app_context():
        upgrade()  # once per release, not on every server start
        from beteiligung.reference import ensure_reference_data
        from tests.support.world import build_world

        ensure_reference_data()
        world = build_world()
        from datetime import timedelta

        from sqlalchemy import select

        from beteiligung.services.gremien import gremien as gremien_svc
        from beteiligung.services.gremien import sitzungen as sitzungen_svc
        from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
        from models import CommitteeType, utcnow

        ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialplanungskonferenz"))
        committee = gremien_svc.create_committee(
            world.planner_k, {"name": "SPK Cluster", "type_id": ctype.id, "body_id": world.kreis.id, "is_public": False}
        )
        db.session.flush()
        start = (utcnow() + timedelta(days=10)).replace(hour=13, minute=0, second=0, microsecond=0)
        meeting = sitzungen_svc.create_meetings(
            world.planner_k, committee, {"title": "SPK", "start": start, "end": start + timedelta(hours=2)}
        )[0]
        item_id = tagesordnung_svc.add_item(world.planner_k, meeting, {"title": "Vorlage", "is_public": True}).id
        db.session.commit()
        admin_email, planner_email = world.admin.email, world.planner_k.email
        db.session.remove()
        db.engine.dispose()
    ports = [free_port(), free_port()]
    procs = []
    env_base = {
        **os.environ,
        "SECRET_KEY": "gemeinsamer-schluessel-fuer-alle-server",
        "BETEILIGUNG_DATABASE_URL": url,
        "TRUSTED_PROXIES": "1",
        "SESSION_COOKIE_SECURE": "true",
        "FILE_STORAGE": "datenbank",
        "JOBS_IN_PROCESS": "false",
        "NETZWERK_SOFORT_BIS_KNOTEN": "0",  # a stale network graph is recomputed by the queue worker
        "GUNICORN_WORKERS": "1",
        "BETEILIGUNG_ENV": "production",
        "TWO_FACTOR_REQUIRED_ROLES": "",
        "BASE_URL": "https://localhost",
        "AUSWAHL_SUCHEN_JE_FENSTER": "4",  # the pickers' rate limit, counted across both servers
    }
    env_base.pop("SMTP_HOST", None)
    for i, port in enumerate(ports):
        instance = tmp_path / f"server-{i}"
        instance.mkdir()
        env = {
            **env_base,
            "BETEILIGUNG_INSTANCE": str(instance),
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_ACCESS_LOG": str(tmp_path / f"access-{i}.log"),
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "deploy/gunicorn.conf.py")],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=open(tmp_path / f"err-{i}.log", "w"),
                start_new_session=True,
            )
        )
    worker_instance = tmp_path / "worker"
    worker_instance.mkdir()
    procs.append(
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "beteiligung", "betrieb", "worker", "--pause", "1"],
            cwd=ROOT,
            env={**env_base, "BETEILIGUNG_INSTANCE": str(worker_instance)},
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "worker.log", "w"),
            start_new_session=True,
        )
    )
    http_port, https_port = free_port(), free_port()
    conf = _nginx_config(tmp_path, http_port, https_port, ports)
    check = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    procs.append(subprocess.Popen([NGINX, "-c", str(conf)], stderr=subprocess.DEVNULL, start_new_session=True))
    try:
        for port in ports:
            _wait(port)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                Browser(https_port).request("GET", "/healthz")
                break
            except OSError:
                time.sleep(0.05)
        yield {
            "url": url,
            "ports": ports,
            "https": https_port,
            "http": http_port,
            "tmp": tmp_path,
            "admin": admin_email,
            "item_id": item_id,
            "planner": planner_email,
            "env": env_base,
            "app": setup_app,
        }
    finally:
        # Each server in its own process group (gunicorn master and worker, the queue supervisor and its forked
        # workers), stopped at once: no test here looks at a graceful stop, which would cost every Python process
        # its interpreter shutdown (1–2 s of CPU each).
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for proc in procs:
            proc.wait(timeout=20)
        with setup_app.app_context():
            db.engine.dispose()


def test_several_servers_behind_nginx(cluster):
    from tests.support.world import PASSWORD

    https = cluster["https"]

    # http → https, static files with cache headers, /metrics only from the inside network
    status, headers, _ = Browser(cluster["http"], tls=False).request("GET", "/anmelden")
    assert status == 301 and headers["location"].startswith("https://")
    status, headers, body = Browser(https).request("GET", "/static/vendor/kern/kern.min.css?v=0123456789ab")
    assert status == 200 and headers["cache-control"] == "public, max-age=31536000, immutable" and body
    status, headers, body = Browser(https).request("GET", "/static/vendor/kern/fonts/fira-sans.css")
    assert status == 200 and headers["cache-control"] == "public, max-age=86400" and body
    assert Browser(https).request("GET", "/metrics")[0] == 403

    # log in once, then work on both servers (round robin): the session is valid everywhere
    browser = Browser(https, "127.0.0.50")
    status, headers, _ = browser.login(cluster["admin"], PASSWORD)
    assert status == 302, status
    seen = set()
    for _ in range(6):
        status, headers, html = browser.request("GET", "/verwaltung/profil")
        assert status == 200 and b"Abmelden" in html
        seen.add(headers["x-upstream"])
    assert seen == {f"127.0.0.1:{p}" for p in cluster["ports"]}

    # upload through server A, download through server B (files in the database)
    planner = Browser(https, "127.0.0.51")
    assert planner.login(cluster["planner"], PASSWORD)[0] == 302
    a = Browser(cluster["ports"][0], tls=False, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.51"})
    b = Browser(cluster["ports"][1], tls=False, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.51"})
    a.cookies = b.cookies = planner.cookies
    status, _h, html = a.request("GET", "/gremien/")
    assert status == 200
    token = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', a.request("GET", "/verwaltung/profil")[2].decode()
    ).group(1)
    boundary = "grenze1234567890"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"Vorlage.pdf\"\r\n"
        f"Content-Type: application/pdf\r\n\r\n%PDF-1.4 von Server A\r\n--{boundary}--\r\n"
    ).encode()
    status, _h, _b = a.request(
        "POST", f"/gremien/top/{cluster['item_id']}/dokumente", body, f"multipart/form-data; boundary={boundary}"
    )
    assert status == 303, status
    doc_id = re.search(
        r"/gremien/dokumente/(\d+)", b.request("GET", f"/gremien/top/{cluster['item_id']}/bearbeiten")[2].decode()
    ).group(1)
    status, _h, data = b.request("GET", f"/gremien/dokumente/{doc_id}")
    assert status == 200 and data == b"%PDF-1.4 von Server A"
    assert not any((cluster["tmp"] / f"server-{i}" / "uploads").exists() for i in (0, 1))

    # the pickers' rate limit (4 searches in 30 s here) counts the searches on both servers together
    statuses = [(a if n % 2 else b).request("GET", "/auswahl/personen?q=an")[0] for n in range(5)]
    assert statuses == [200, 200, 200, 200, 429], statuses

    # 21 clients fail once each (unknown accounts); the real address counts, so another client still gets in
    for n in range(21):
        client = Browser(https, f"127.0.0.{100 + n}", headers={"X-Forwarded-For": "10.9.9.9"})
        status, _h, html = client.login(f"unbekannt{n}@example.org", "falsch")
        assert status == 401 and "Zu viele" not in html.decode(), (n, status)
    status, _h, _b = Browser(https, "127.0.0.200").login(cluster["admin"], PASSWORD)
    assert status == 302


def test_two_senders_on_two_servers_deliver_each_mail_once(cluster, smtp_server):
    from beteiligung.extensions import db
    from beteiligung.services.mail import queue
    from beteiligung.uow import unit_of_work

    app = cluster["app"]
    tag = uuid.uuid4().hex[:8]  # this test's mails (the cluster is shared: others may have queued mail too)
    with app.app_context():
        with unit_of_work():
            for i in range(30):
                queue(f"empfaenger{i}@example.org", f"Nachricht {tag} {i}", "Text")
        db.session.remove()
    env = {**cluster["env"], "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_server.port), "SMTP_SECURITY": "none"}
    senders = [
        subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "beteiligung", "betrieb", "job", "postausgang"],
            cwd=ROOT,
            env={**env, "BETEILIGUNG_INSTANCE": str(cluster["tmp"] / f"server-{i}")},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in (0, 1)
    ]
    outputs = [p.communicate(timeout=120) for p in senders]
    assert all(p.returncode == 0 for p in senders), outputs
    subjects = sorted(m["Subject"] for m in smtp_server.messages if tag in m["Subject"])
    assert subjects == sorted(f"Nachricht {tag} {i}" for i in range(30))


def _graph_row(app, email):
    """The stored network graph of this user's scope (data_version, computed_at) and the current data version.
    (Other scopes may be stored too: the worker's hourly job pre-computes every scope.)"""
    from sqlalchemy import select

    from beteiligung.extensions import db
    from beteiligung.services.netzwerk.graph import scope_key
    from models import User
    from models.network import NetworkDataVersion, NetworkGraphCache

    with app.app_context():
        key = scope_key(db.session.scalar(select(User).where(User.email == email)))
        t = NetworkGraphCache
        rows = db.session.execute(select(t.data_version, t.computed_at).where(t.scope_key == key)).all()
        version = db.session.scalar(select(NetworkDataVersion.version))
        db.session.remove()
    assert len(rows) <= 1
    return (rows[0] if rows else None), version


def test_network_analysis_is_computed_once_for_both_servers(cluster):
    """Server A analyses the network, server B shows the stored analysis; after a change the queue
    worker (not a web server) recomputes it once, and both servers show that one result."""
    from beteiligung.extensions import db
    from beteiligung.services.netzwerk.beziehungen import bump_data_version
    from beteiligung.uow import unit_of_work
    from tests.support.world import PASSWORD

    planner = Browser(cluster["https"], "127.0.0.61")
    assert planner.login(cluster["planner"], PASSWORD)[0] == 302
    a, b = (
        Browser(port, tls=False, headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "127.0.0.61"})
        for port in cluster["ports"]
    )
    a.cookies = b.cookies = planner.cookies

    def stand(browser, *, stale=False):
        status, _h, html = browser.request("GET", "/netzwerk/")
        assert status == 200, status
        if stale:  # the answer that finds the data changed says so (a later one may already show the new result)
            assert "wird gerade neu berechnet" in html.decode()
        return re.search(r"Stand der Analyse: ([^<]+?)\.", html.decode()).group(1)

    first = stand(a)
    row, version = _graph_row(cluster["app"], cluster["planner"])
    assert row is not None and row.data_version == version
    assert stand(b) == first
    assert _graph_row(cluster["app"], cluster["planner"])[0] == row  # B read it, nothing was computed again

    with cluster["app"].app_context():
        with unit_of_work():
            bump_data_version()  # as any change of a relation or organisation does
        db.session.remove()
    assert stand(b, stale=True) == first  # stale: B shows the stored analysis and asks the worker
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        row_now, version_now = _graph_row(cluster["app"], cluster["planner"])
        if row_now.data_version == version_now:
            break
        time.sleep(0.1)
    assert row_now.data_version == version_now, (row_now, version_now)
    assert row_now.computed_at > row.computed_at
    assert stand(a) == stand(b)  # both servers show the worker's one result (to the minute)
