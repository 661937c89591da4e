"""Export benchmark: `flask --app beteiligung benchmark exporte [--json DATEI]`.

Every list export (survey answers CSV/XLSX, the survey report PDF, the network files, master data,
contracts, decision register, measures, monitoring results) runs in a fresh Python process of its own
(`sys.executable` with the small runner `lauf()` below): the runner creates the app with the same
configuration, logs the user in for one request context, calls the export's view with its URL exactly
as a request would, writes the answer to /dev/null and prints the peak resident memory of the process
during the export (the high-water mark VmHWM, reset after the app has started; `ru_maxrss` as well), the
RSS before the export, the bytes written and the time. A fresh process per export means
that the peak belongs to that one export (plus the app itself), not to whatever ran before. Issue 14:
the peak may grow by at most 50 MB from scale 1 to scale 10. A benchmark, not a test.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from beteiligung.extensions import db
from models.accounts import ROLE_PLANNER, RoleAssignment, User

from .benchmark import BenchmarkFehler, _de, biggest_objects, users_by_role

ZIEL_ZUWACHS_MB = 50.0
MARKER = "EXPORT-MESSUNG "
# app settings the runner takes over from the measuring app (the database, the secret, file storage)
CONFIG_KEYS = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "FILE_STORAGE", "FILE_STORAGE_PATH", "BASE_URL")


@dataclass
class Export:
    name: str
    url: str
    email: str


def _survey_and_manager():
    """The survey with most responses that a planner may manage, and that planner's e-mail."""
    from beteiligung.permissions import befragungen as perm
    from models.surveys import Survey

    planners = db.session.scalars(
        select(User)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.role == ROLE_PLANNER, User.is_enabled.is_(True))
        .order_by(User.id)
    ).all()
    for sid in biggest_objects()["survey"]:
        survey = db.session.get(Survey, sid)
        user = next((u for u in planners if perm.can_manage_survey(u, survey)), None)
        if user is not None:
            return sid, user.email
    return None, None


def plan() -> list[Export]:
    """The exports to measure, each with the URL the planner requests (the biggest survey, the latest
    monitoring edition); the Kreis-wide planner downloads all but the survey files."""
    from beteiligung.permissions import monitoring as mperm
    from models.monitoring import MonitoringEdition

    users = users_by_role()
    if ROLE_PLANNER not in users:
        raise BenchmarkFehler("Kein Konto mit der Rolle Sozialplanung – zuerst `flask --app beteiligung demo load`.")
    planner = users[ROLE_PLANNER]
    out: list[Export] = []
    sid, manager = _survey_and_manager()
    if sid is not None:
        out += [
            Export("Befragung: Antworten CSV", f"/befragungen/{sid}/export.csv", manager),
            Export("Befragung: Antworten XLSX", f"/befragungen/{sid}/export.xlsx", manager),
            Export("Befragung: Ergebnisbericht PDF", f"/befragungen/{sid}/bericht.pdf", manager),
        ]
    out += [
        Export("Netzwerk: GEXF", "/netzwerk/export.gexf", planner),
        Export("Netzwerk: GraphML", "/netzwerk/export.graphml", planner),
        Export("Netzwerk: JSON", "/netzwerk/export.json", planner),
        Export("Netzwerk: Knoten CSV", "/netzwerk/export.knoten.csv", planner),
        Export("Netzwerk: Kanten CSV", "/netzwerk/export.kanten.csv", planner),
    ]
    for key, label in (
        ("personen", "Personen"),
        ("organisationen", "Organisationen"),
        ("sozialraeume", "Sozialräume"),
        ("koerperschaften", "Körperschaften"),
    ):
        out += [
            Export(f"{label} CSV", f"/stammdaten/{key}/export.csv", planner),
            Export(f"{label} XLSX", f"/stammdaten/{key}/export.xlsx", planner),
        ]
    out += [
        Export("Kontrakte und Kennzahlen XLSX", "/kontrakte/export.xlsx", planner),
        Export("Beschlussregister CSV", "/protokolle/beschluesse.csv", planner),
        Export("Beschlussregister XLSX", "/protokolle/beschluesse.xlsx", planner),
        Export("Maßnahmen CSV", "/planung/massnahmen.csv", planner),
        Export("Maßnahmen XLSX", "/planung/massnahmen.xlsx", planner),
    ]
    planner_user = db.session.scalar(select(User).where(User.email == planner))
    edition = next(
        (
            e.id
            for e in db.session.scalars(select(MonitoringEdition).order_by(MonitoringEdition.id.desc()))
            if mperm.can_view_edition(planner_user, e)
        ),
        None,
    )
    if edition is not None:
        out += [
            Export("Sozialmonitoring CSV", f"/monitoring/ausgaben/{edition}/ergebnis.csv", planner),
            Export("Sozialmonitoring XLSX", f"/monitoring/ausgaben/{edition}/ergebnis.xlsx", planner),
        ]
    return out


def prepare_network(email: str, echo=None) -> None:
    """The network exports read the stored, analysed graph of the user's scope (as the web pages do);
    one that was never computed is computed now (`flask network warm-cache` does the same for all)."""
    from beteiligung.services.netzwerk import graph as network_graph
    from beteiligung.uow import unit_of_work
    from models.network import NetworkGraphCache

    user = db.session.scalar(select(User).where(User.email == email))
    key = network_graph.scope_key(user)
    if db.session.scalar(select(NetworkGraphCache.id).where(NetworkGraphCache.scope_key == key)) is None:
        if echo:
            echo("Netzwerkgraph wird einmal berechnet und gespeichert (wie `flask network warm-cache`) …")
        with unit_of_work():
            network_graph.warm([user])


def _runner_env() -> dict:
    app = current_app._get_current_object()
    config = {k: app.config[k] for k in CONFIG_KEYS if isinstance(app.config.get(k), (str, int, bool))}
    config["SQLALCHEMY_DATABASE_URI"] = db.engine.url.render_as_string(hide_password=False)
    env = dict(os.environ)
    env["BETEILIGUNG_EXPORT_LAUF"] = json.dumps(config)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
    return env


def measure_one(export: Export, env: dict, timeout: float = 1800) -> dict:
    """Run one export in a fresh process; its measurement (or the error) as a dict."""
    code = "from beteiligung.services.leistung.exporte import lauf; lauf()"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", code, export.url, export.email],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    result = {"export": export.name, "url": export.url, "rolle": export.email}
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith(MARKER)), None)
    if proc.returncode != 0 or line is None:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"Exit-Code {proc.returncode}"]
        return {**result, "fehler": tail[0][:300], "prozess_s": round(time.perf_counter() - t0, 1)}
    return {**result, **json.loads(line[len(MARKER) :]), "prozess_s": round(time.perf_counter() - t0, 1)}


def run(echo=None, nur: set[str] | None = None) -> list[dict]:
    """Plan the exports on the current database and measure each in its own process."""
    exports = plan()
    if nur:
        exports = [e for e in exports if any(n.lower() in e.name.lower() for n in nur)]
        if not exports:
            raise BenchmarkFehler("Kein Export passt zu --export.")
    network = next((e for e in exports if e.url.startswith("/netzwerk/")), None)
    if network is not None:
        prepare_network(network.email, echo)
    env = _runner_env()
    db.session.remove()  # no open transaction (SQLite locks) while the runners read
    results = []
    for export in exports:
        r = measure_one(export, env)
        if echo:
            done = r.get("fehler") or f"{_de(r['spitze_mb'], 1)} MB, {_de(r['bytes'])} Bytes, {_de(r['zeit_s'], 2)} s"
            echo(f"{export.name}: {done}")
        results.append(r)
    return results


def table(results: list[dict]) -> str:
    """Markdown table: Export | Bytes | Spitzenspeicher MB | Zeit s | RSS before the export (or the error)."""
    lines = ["| Export | Bytes | Spitzenspeicher MB | Zeit s | vorher MB |", "|---|---:|---:|---:|---:|"]
    for r in results:
        if r.get("fehler"):
            lines.append(f"| {r['export']} | Fehler: {r['fehler']} | – | – | – |")
        else:
            lines.append(
                f"| {r['export']} | {_de(r['bytes'])} | {_de(r['spitze_mb'], 1)} | {_de(r['zeit_s'], 2)} | "
                f"{_de(r['vorher_mb'], 1)} |"
            )
    return "\n".join(lines)


def compare(before: list[dict], after: list[dict]) -> str:
    """Markdown table of the peak memory per export at scale 1 (`before`) and scale 10 (`after`):
    growth in MB against the target of issue 14 (at most 50 MB)."""
    old = {r["export"]: r for r in before}
    lines = [
        "| Export | Bytes ×1 | Bytes ×10 | Spitze MB ×1 | Spitze MB ×10 | Zuwachs MB | Ziel ≤ 50 MB |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in after:
        o = old.get(r["export"])
        if r.get("fehler") or not o or o.get("fehler"):
            lines.append(f"| {r['export']} | – | – | – | – | – | nicht gemessen |")
            continue
        growth = r["spitze_mb"] - o["spitze_mb"]
        lines.append(
            f"| {r['export']} | {_de(o['bytes'])} | {_de(r['bytes'])} | {_de(o['spitze_mb'], 1)} | "
            f"{_de(r['spitze_mb'], 1)} | {_de(growth, 1)} | {'erfüllt' if growth <= ZIEL_ZUWACHS_MB else 'verfehlt'} |"
        )
    return "\n".join(lines)


# --- the runner (a fresh process per export) ---------------------------------------------------


def _status_mb(field: str) -> float:
    """VmRSS (resident now) or VmHWM (peak resident) of this process in MB, from /proc/self/status."""
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def _reset_peak() -> bool:
    """Reset the peak resident memory (VmHWM) to the current size (Linux ≥ 4.0: clear_refs 5), so that the
    peak measured afterwards is the export's, not the app start's (imports reach their peak while loading)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def lauf() -> None:
    """Runner: `python -c "...; lauf()" URL EMAIL` with BETEILIGUNG_EXPORT_LAUF (JSON app settings).
    Produces the export of URL as EMAIL through the view, into /dev/null; prints one line
    `EXPORT-MESSUNG {json}` with bytes, peak memory (ru_maxrss) and time."""
    import logging
    import resource

    from flask_login import login_user

    from beteiligung import create_app

    logging.disable(logging.CRITICAL)
    url, email = sys.argv[1], sys.argv[2]
    config = json.loads(os.environ.get("BETEILIGUNG_EXPORT_LAUF") or "{}")
    app = create_app({**config, "JOBS_IN_PROCESS": False})
    with app.test_request_context(url):
        from flask import request

        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            raise SystemExit(f"Kein Konto {email}.")
        login_user(user)
        reset = _reset_peak()
        rss_before = _status_mb("VmRSS")
        t0, c0 = time.perf_counter(), time.process_time()
        response = app.make_response(app.view_functions[request.url_rule.endpoint](**request.view_args))
        size = 0
        with open(os.devnull, "wb") as sink:
            for chunk in response.response:
                data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                size += len(data)
                sink.write(data)
        response.close()
        seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
        db.session.rollback()  # a measurement changes nothing
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux
    # the peak of the export: the high-water mark since it was reset after start-up (where the kernel allows
    # that), else the process's ru_maxrss (which then includes the start-up: imports, app)
    peak = _status_mb("VmHWM") if reset else maxrss
    result = {
        "status": response.status_code,
        "pid": os.getpid(),
        "bytes": size,
        "spitze_mb": round(peak, 1),
        "ru_maxrss_mb": round(maxrss, 1),
        "spitze_seit_start": reset,
        "vorher_mb": round(rss_before, 1),
        "zeit_s": round(seconds, 3),
        "cpu_s": round(cpu, 3),
    }
    if response.status_code != 200:
        raise SystemExit(f"HTTP {response.status_code}")
    print(MARKER + json.dumps(result), flush=True)
