"""Page benchmark: `flask --app beteiligung benchmark seiten [--runden N] [--json DATEI]`.

Logs in one user per role through the real login form (Flask test client with a real session cookie and
CSRF token) and requests every key page, interleaved: round after round, each round visiting every page
once (after one unmeasured warm-up round that fills caches such as the network analysis). Per request it
measures the server CPU time (`time.thread_time()` around the request, which the test client runs in this
thread: unlike `process_time()` it leaves out background threads, such as the network analysis a request
may start, which would otherwise inflate every page measured while it runs), the wall time, the SQL statements, the rows fetched and the bytes of the answer. The pages' objects are the
biggest ones in the database: the committee with most meetings, the meeting with most protocol entries,
the contract with most indicators, the survey with most responses.
"""

from __future__ import annotations

import re
import statistics
import time
from dataclasses import dataclass, field
from datetime import date

from flask import current_app, g
from flask.testing import FlaskClient
from sqlalchemy import func, select

from beteiligung.extensions import db
from models.accounts import (
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_LABELS,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    RoleAssignment,
    User,
)
from models.committees import Meeting
from models.contracts import Contract, Indicator
from models.masterdata import Body
from models.protocols import Protocol, ProtocolEntry
from models.surveys import Survey, SurveyResponse

from .messung import kosten

ROLES = (ROLE_PLANNER, ROLE_ADMIN, ROLE_AREA_MANAGER, ROLE_PARTNER, ROLE_POLITICS)
PUBLIC = "öffentlich"

# Page names, in the order of the table (the start page once per role).
SEITEN = (
    "Startseite",
    "Gremienliste",
    "Gremium",
    "Sitzung",
    "Protokoll",
    "Nachhalten",
    "Kontraktliste",
    "Kontrakt",
    "Kennzahlen",
    "Netzwerkkarte",
    "Netzwerk-JSON",
    "Abdeckung",
    "Befragungsergebnisse",
    "Befragung (öffentlich)",
    "Befragung absenden",
    "Öffentliche Sitzungen",
)


class BenchmarkFehler(Exception):
    """The database lacks what the benchmark needs (users, objects) or a login failed."""


@dataclass
class Seite:
    seite: str
    url: str
    rolle: str
    method: str = "GET"
    expect: int = 200
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)
    sql: list[int] = field(default_factory=list)
    zeilen: list[int] = field(default_factory=list)
    html_bytes: list[int] = field(default_factory=list)
    fehler: list[str] = field(default_factory=list)

    def ergebnis(self) -> dict:
        def pct(values, p):
            if not values:
                return 0.0
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]

        return {
            "seite": self.seite,
            "url": self.url,
            "rolle": self.rolle,
            "methode": self.method,
            "runden": len(self.cpu),
            "cpu_ms": round(statistics.median(self.cpu), 1) if self.cpu else 0.0,
            "cpu_max_ms": round(max(self.cpu), 1) if self.cpu else 0.0,
            "p50_ms": round(pct(self.wall, 50), 1),
            "p95_ms": round(pct(self.wall, 95), 1),
            "html_bytes": max(self.html_bytes) if self.html_bytes else 0,
            "sql": max(self.sql) if self.sql else 0,
            "zeilen": max(self.zeilen) if self.zeilen else 0,
            "fehler": sorted(set(self.fehler)),
        }


class _Client(FlaskClient):
    """Each request starts like on a real server: empty `g`, a fresh database session."""

    def open(self, *args, **kwargs):
        g.__dict__.clear()
        db.session.remove()
        return super().open(*args, **kwargs)


def _csrf(html: str) -> str | None:
    m = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return m.group(1) if m else None


def users_by_role() -> dict[str, str]:
    """E-mail of one enabled user per role: the Kreis-wide one where there is a choice (sees the most)."""
    out = {}
    for role in ROLES:
        rows = db.session.execute(
            select(User, Body.kind)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .outerjoin(Body, Body.id == RoleAssignment.body_id)
            .where(RoleAssignment.role == role, User.is_enabled.is_(True), User.password_hash.is_not(None))
            .order_by(User.id)
        ).all()
        if rows:
            out[role] = next((u for u, kind in rows if kind == "Kreis"), rows[0][0]).email
    return out


def login(app, email: str, password: str) -> FlaskClient:
    client = _Client(app, app.response_class, use_cookies=True)
    page = client.get("/anmelden")
    token = _csrf(page.get_data(as_text=True))
    r = client.post("/anmelden", data={"email": email, "password": password, "csrf_token": token or ""})
    if r.status_code != 302:
        raise BenchmarkFehler(f"Anmeldung als {email} fehlgeschlagen ({r.status_code}).")
    follow = client.get(r.headers["Location"])
    if "/anmelden" in (r.headers.get("Location") or "") or follow.status_code >= 400:
        raise BenchmarkFehler(f"Anmeldung als {email} nicht abgeschlossen (Zwei-Faktor?).")
    return client


CANDIDATES = 25


def biggest_objects() -> dict[str, list]:
    """Candidate ids of the objects each key page shows, biggest first."""
    s = db.session

    def ids(query) -> list:
        return [row[0] for row in s.execute(query.limit(CANDIDATES))]

    today = date.today()
    return {
        "committee": ids(
            select(Meeting.committee_id)
            .group_by(Meeting.committee_id)
            .order_by(func.count().desc(), Meeting.committee_id)
        ),
        "meeting": ids(
            select(Protocol.meeting_id)
            .join(ProtocolEntry, ProtocolEntry.protocol_id == Protocol.id)
            .group_by(Protocol.meeting_id)
            .order_by(func.count().desc(), Protocol.meeting_id)
        ),
        "contract": ids(
            select(Contract.id)
            .outerjoin(Indicator, Indicator.contract_id == Contract.id)
            .group_by(Contract.id)
            .order_by(func.count(Indicator.id).desc(), Contract.id)
        ),
        "survey": ids(
            select(SurveyResponse.survey_id)
            .group_by(SurveyResponse.survey_id)
            .order_by(func.count().desc(), SurveyResponse.survey_id)
        ),
        "public_key": ids(
            select(Survey.public_key)
            .outerjoin(SurveyResponse, SurveyResponse.survey_id == Survey.id)
            .where(Survey.status == "offen", Survey.access == "offen")
            .where((Survey.starts_on.is_(None)) | (Survey.starts_on <= today))
            .where((Survey.ends_on.is_(None)) | (Survey.ends_on >= today))
            .group_by(Survey.id, Survey.public_key)
            .order_by(func.count(SurveyResponse.id).desc(), Survey.id)
        ),
    }


# page name, role ("planner" or public), URL pattern, method, expected status; {id} is the object's id
PAGES = [
    ("Gremienliste", "/gremien/", None),
    ("Gremium", "/gremien/{id}", "committee"),
    ("Sitzung", "/gremien/sitzungen/{id}", "meeting"),
    ("Protokoll", "/protokolle/sitzungen/{id}/", "meeting"),
    ("Nachhalten", "/protokolle/", None),
    ("Kontraktliste", "/kontrakte/", None),
    ("Kontrakt", "/kontrakte/{id}", "contract"),
    ("Kennzahlen", "/kontrakte/kennzahlen/", None),
    ("Netzwerkkarte", "/netzwerk/", None),
    ("Netzwerk-JSON", "/netzwerk/daten.json", None),
    ("Abdeckung", "/netzwerk/abdeckung", None),
    ("Befragungsergebnisse", "/befragungen/{id}/ergebnisse", "survey"),
]


def plan(users: dict[str, str], objects: dict[str, list], opens) -> list[Seite]:
    """The pages to measure; `opens(role_label, url)` tells whether the role may open a candidate
    (the biggest object the planner may see is taken)."""
    planner = ROLE_LABELS[ROLE_PLANNER]
    pages = [Seite("Startseite", "/", ROLE_LABELS[role]) for role in ROLES if role in users]
    chosen: dict[str, int | None] = {}
    for name, pattern, kind in PAGES:
        if kind is None:
            pages.append(Seite(name, pattern, planner))
            continue
        if kind not in chosen:
            chosen[kind] = next((i for i in objects[kind] if opens(planner, pattern.format(id=i))), None)
        if chosen[kind] is not None:
            pages.append(Seite(name, pattern.format(id=chosen[kind]), planner))
    key = next((k for k in objects["public_key"] if opens(PUBLIC, f"/b/{k}/de/1")), None)
    if key:
        url = f"/b/{key}/de/1"
        pages.append(Seite("Befragung (öffentlich)", url, PUBLIC))
        pages.append(Seite("Befragung absenden", url, PUBLIC, method="POST", expect=302))
    pages.append(Seite("Öffentliche Sitzungen", "/oeffentlich/sitzungen/", PUBLIC))
    return pages


def _answers(html: str) -> dict:
    """A valid submission of the form's first page: the first choice of every radio group and select."""
    data = {"aktion": "absenden"}
    for name, value in re.findall(r'<input[^>]*type="radio"[^>]*name="(q\d+)"[^>]*value="([^"]+)"', html):
        data.setdefault(name, value)
    for name, body in re.findall(r'<select[^>]*name="(q\d+)"[^>]*>(.*?)</select>', html, re.S):
        m = re.search(r'<option[^>]*value="([^"]+)"', body)
        if m:
            data.setdefault(name, m.group(1))
    for key in ("sk", "csrf_token"):
        m = re.search(rf'name="{key}"[^>]*value="([^"]+)"', html)
        if m:
            data[key] = m.group(1)
    return data


def run(runden: int = 5, password: str | None = None, echo=None, nur: set[str] | None = None) -> list[dict]:
    """Measure every key page (or the pages named in `nur`) `runden` times after a warm-up round;
    returns one dict per page."""
    from beteiligung.demo import DEMO_PASSWORD

    app = current_app._get_current_object()
    password = password or DEMO_PASSWORD
    users = users_by_role()
    if ROLE_PLANNER not in users:
        raise BenchmarkFehler("Kein Konto mit der Rolle Sozialplanung – zuerst `flask --app beteiligung demo load`.")
    objects = biggest_objects()
    label_to_role = {ROLE_LABELS[r]: r for r in users}
    # The benchmark measures pages, not the second factor: accounts log in with their password only.
    saved = app.config.get("TWO_FACTOR_REQUIRED_ROLES")
    app.config["TWO_FACTOR_REQUIRED_ROLES"] = ""
    try:
        clients = {label: login(app, users[role], password) for label, role in label_to_role.items()}
    finally:
        app.config["TWO_FACTOR_REQUIRED_ROLES"] = saved
    clients[PUBLIC] = _Client(app, app.response_class, use_cookies=True)

    def opens(label: str, url: str) -> bool:
        r = clients[label].get(url)
        r.close()
        return r.status_code == 200

    pages = plan(users, objects, opens)
    if nur:
        unknown = set(nur) - set(SEITEN)
        if unknown:
            raise BenchmarkFehler(f"Unbekannte Seite: {', '.join(sorted(unknown))}. Seiten: {', '.join(SEITEN)}.")
        pages = [p for p in pages if p.seite in nur]
    engine = db.engine
    form_html: dict[str, str] = {}

    def request(page: Seite, measure: bool) -> None:
        client = clients[page.rolle]
        data = None
        if page.method == "POST":
            html = form_html.get(page.url)
            if html is None:
                html = client.get(page.url).get_data(as_text=True)
            data = _answers(html)
            form_html.pop(page.url, None)
        g.__dict__.clear()
        db.session.remove()
        with kosten(engine) as k:
            c0, w0 = time.thread_time(), time.perf_counter()
            r = client.open(page.url, method=page.method, data=data)
            body = r.get_data()
            r.close()
            c1, w1 = time.thread_time(), time.perf_counter()
        if page.method == "GET" and page.url.startswith("/b/"):
            form_html[page.url] = body.decode("utf-8", "replace")
        if r.status_code != page.expect:
            page.fehler.append(f"HTTP {r.status_code}")
        if measure:
            page.cpu.append((c1 - c0) * 1000)
            page.wall.append((w1 - w0) * 1000)
            page.sql.append(k.sql)
            page.zeilen.append(k.rows)
            page.html_bytes.append(len(body))

    for page in pages:  # warm-up: caches, compiled templates, the network analysis
        request(page, measure=False)
    for page in pages:
        page.fehler.clear()
    for n in range(runden):
        for page in pages:
            request(page, measure=True)
        if echo:
            echo(f"Runde {n + 1} von {runden} gemessen.")
    db.session.remove()
    return [p.ergebnis() for p in pages]


def _de(value: float, digits: int = 0) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def table(results: list[dict]) -> str:
    """German plain-text table (also used for the README, as Markdown)."""
    head = ["Seite", "Rolle", "CPU ms", "p50 ms", "p95 ms", "SQL", "Zeilen", "HTML KB"]
    rows = [
        [
            r["seite"],
            r["rolle"],
            _de(r["cpu_ms"], 1),
            _de(r["p50_ms"], 1),
            _de(r["p95_ms"], 1),
            _de(r["sql"]),
            _de(r["zeilen"]),
            _de(r["html_bytes"] / 1024, 1),
        ]
        + ([", ".join(r["fehler"])] if r["fehler"] else [])
        for r in results
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * 6) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# Targets of issue 14 at scale 10 (server CPU per request, HTML per page, growth against scale 1).
ZIEL_CPU_MS = 50.0
ZIEL_HTML_BYTES = 300 * 1024
ZIEL_FAKTOR = 1.5


def compare(before: list[dict], after: list[dict]) -> str:
    """Markdown table: each page at scale 1 (`before`) and scale 10 (`after`) against the targets."""
    old = {(r["seite"], r["rolle"]): r for r in before}
    head = [
        "Seite",
        "Rolle",
        "CPU ms ×1",
        "CPU ms ×10",
        "Faktor",
        "p95 ms ×10",
        "SQL ×10",
        "Zeilen ×1",
        "Zeilen ×10",
        "HTML KB ×10",
        "Ziele",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join(["---"] * 2 + ["---:"] * 8 + ["---"]) + "|"]
    for r in after:
        o = old.get((r["seite"], r["rolle"]))
        factor = r["cpu_ms"] / o["cpu_ms"] if o and o["cpu_ms"] else None
        misses = []
        if r["cpu_ms"] > ZIEL_CPU_MS:
            misses.append("CPU")
        if factor is not None and factor > ZIEL_FAKTOR:
            misses.append("Faktor")
        if r["html_bytes"] > ZIEL_HTML_BYTES:
            misses.append("HTML")
        lines.append(
            "| "
            + " | ".join(
                [
                    r["seite"],
                    r["rolle"],
                    _de(o["cpu_ms"], 1) if o else "–",
                    _de(r["cpu_ms"], 1),
                    (_de(factor, 1) + " ×") if factor is not None else "–",
                    _de(r["p95_ms"], 0),
                    _de(r["sql"]),
                    _de(o["zeilen"]) if o else "–",
                    _de(r["zeilen"]),
                    _de(r["html_bytes"] / 1024, 1),
                    "erfüllt" if not misses else "verfehlt: " + ", ".join(misses),
                ]
            )
            + " |"
        )
    return "\n".join(lines)
