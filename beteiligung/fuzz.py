"""Fuzzer: every route and form of the app, every role, generated hostile input (hypothesis).

Discovery comes from the app itself: the URL map (every rule and its methods) and the forms the
pages render (each role's crawl parses every <form> with its fields, selects and options – the
WTForms classes as the user gets them). Ids met while crawling (as the administration, so also
other bodies' objects) fill the pools for route arguments and id fields.

Each request is drawn by hypothesis: a role, a target, and for every field a value – the form's
own value, an option, huge and negative numbers, wrong types, invalid dates, long and malformed
Unicode (invalid UTF-8 bytes, NUL, CR/LF), ids of other objects – or the field is left out or
repeated. After every request:

- no 5xx,
- no request slower than MAX_SECONDS,
- a rejected request (4xx) left the database as it was (a checksum of every table; the login's
  failure counter and side-transaction caches excepted).

Used by tests/robust/test_fuzz.py (a bounded budget) and `flask --app beteiligung pruefen fuzz`
(a longer campaign on a throwaway database). Needs the test extra `hypothesis`.
"""

from __future__ import annotations

import hashlib
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, quote, urlsplit

from sqlalchemy import select

MAX_SECONDS = 5.0
# Bookkeeping that any request may write, also a rejected one: counters that must count it (failed logins, the
# pickers' searches), caches, and the login session's "last seen" (written at most once a minute, so it shows
# up when a fuzz run takes longer).
MAY_CHANGE_ON_REJECT = {
    "login_failure",
    "auswahl_suchzaehler",
    "network_analysis_cache",
    "network_graph_cache",
    "calendar_feed",
    "anmeldung_sitzung",
}
# Not fuzzed: leaving the session (each role keeps its login), static files.
SKIP_ENDPOINTS = {"static", "auth.logout"}
CRAWL_SKIP = re.compile(r"^/(abmelden|static/)|[?&]seite=[2-9]")

NASTY_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "ja",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "=HYPERLINK(\"http://x\")",
    "+1+1",
    "@SUM(A1)",
    "-2+3",
    "a\r\nBcc: x@example.org",
    "zeile1\nzeile2",
    "\u202etxt.exe",
    "Ä" * 300,
    "🙂" * 100,
    "x" * 5000,
    "https://example.org/a\r\nb",
    "javascript:alert(1)",
    "//evil.example",
    "/\\evil.example",
    "%00",
    "../../etc/passwd",
    "Straße 1\tTab",
]
NASTY_NUMBERS = [
    "0",
    "-0",
    "-1",
    "1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775808",
    "9" * 30,
    "9" * 400,
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "1,5",
    "1.234,56",
    "0x1F",
    "1_000",
    "½",
    "١٢",
    " 7 ",
    "+3",
    "3.0",
    "1e3",
]
NASTY_DATES = [
    "2026-02-30",
    "0000-01-01",
    "0001-01-01",
    "1899-12-31",
    "9999-12-31",
    "10000-01-01",
    "2026-13-01",
    "2026-06-01",
    "2026-06-01T18:30",
    "2026-06-01T25:61",
    "31.12.2026",
    "2026-06-01T18:30:00+02:00",
    "-2026-01-01",
    "2026-1-1",
]
RAW_BYTES = [b"%FF%FE", b"%ED%B3%BF", b"%C0%AF", b"a%00b", b"%0D%0A", b"%E2%80%A8", b"%F4%90%80%80"]


# --- discovery ------------------------------------------------------------------------------


@dataclass
class FieldSpec:
    name: str
    kind: str  # input type, "select", "textarea"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class Target:
    method: str  # GET or POST
    rule: str  # the URL rule (for the report)
    endpoint: str
    path: str = ""  # a concrete path (discovered); empty: built from the rule
    query: list[tuple[str, str]] = field(default_factory=list)
    fields: list[FieldSpec] = field(default_factory=list)
    arguments: dict[str, str] = field(default_factory=dict)  # rule arguments → converter

    @property
    def key(self) -> str:
        return f"{self.method} {self.rule}"


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self.links: set[str] = set()
        self._form = None
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.add(a["href"])
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").upper(), "action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        elif self._form is None:
            return
        elif tag in ("input", "button") and a.get("name"):
            kind = (a.get("type") or ("submit" if tag == "button" else "text")).lower()
            if kind in ("checkbox", "radio"):
                existing = [f for f in self._form["fields"] if f.name == a["name"]]
                if existing:
                    existing[0].options.append(a.get("value") or "on")
                    return
                self._form["fields"].append(
                    FieldSpec(
                        a["name"], kind, a.get("value") or "on", [a.get("value") or "on"], multiple=kind == "checkbox"
                    )
                )
            else:
                self._form["fields"].append(FieldSpec(a["name"], kind, a.get("value") or ""))
        elif tag == "select" and a.get("name"):
            self._select = FieldSpec(a["name"], "select", "", [], multiple="multiple" in a)
            self._form["fields"].append(self._select)
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a or not self._select.value:
                self._select.value = value
        elif tag == "textarea" and a.get("name"):
            self._textarea = FieldSpec(a["name"], "textarea", "")
            self._form["fields"].append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data


def parse_page(html: str) -> tuple[list[dict], set[str]]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms, parser.links


@dataclass
class Role:
    label: str
    email: str | None
    password: str | None
    client: object = None
    csrf: str = ""


class Fuzzer:
    def __init__(self, app, roles: list[Role], *, crawl_limit: int = 120, seed: int | None = None, log=None):
        self.app = app
        self.roles = roles
        self.crawl_limit = crawl_limit
        self.seed = seed
        self.log = log or (lambda message: None)
        self.adapter = app.url_map.bind("localhost")
        self.targets: dict[str, list[Target]] = defaultdict(list)  # role label → targets
        self.pool: dict[str, set[str]] = defaultdict(set)  # argument name → seen values
        self.results: Counter = Counter()  # (method rule, status) → n
        self.failures: list[dict] = []
        self.requests = 0
        self.slowest = (0.0, "")
        self.slow_once: list[tuple[float, str]] = []  # GETs over MAX_SECONDS that were fast when repeated
        self._baseline = None
        self._marker = None
        self._marker_conn = None
        self._strategies: dict = {}  # built hypothesis strategies, see _strategy

    # -- sessions --------------------------------------------------------------------------
    def login(self, role: Role) -> None:
        role.client = self.app.test_client()
        html = role.client.get("/anmelden").get_data(as_text=True)
        role.csrf = _csrf(html)
        if role.email:
            r = role.client.post(
                "/anmelden", data={"email": role.email, "password": role.password, "csrf_token": role.csrf}
            )
            if r.status_code != 302:
                raise RuntimeError(f"Anmeldung für {role.label} fehlgeschlagen: {r.status_code}")
            page = role.client.get("/verwaltung/profil").get_data(as_text=True)
            role.csrf = _csrf(page) or role.csrf

    # -- discovery -------------------------------------------------------------------------
    def _match(self, path: str):
        try:
            return self.adapter.match(urlsplit(path).path, method="GET")
        except Exception:
            try:
                return self.adapter.match(urlsplit(path).path, method="POST")
            except Exception:
                return None

    def discover(self, roles: list[Role] | None = None) -> None:
        """Log in and crawl as each of roles (default: every role of the fuzzer)."""
        rules = {r.endpoint: r for r in self.app.url_map.iter_rules()}
        for role in self.roles if roles is None else roles:
            self.login(role)
            seen_forms: set[tuple] = set()
            start = ["/"] + [
                r.rule
                for r in self.app.url_map.iter_rules()
                if "GET" in r.methods and not r.arguments and r.endpoint not in SKIP_ENDPOINTS
            ]
            queue, seen, visited = list(dict.fromkeys(start)), set(start), 0
            while queue and visited < self.crawl_limit:
                url = queue.pop(0)
                visited += 1
                matched = self._match(url)
                if matched is None:
                    continue
                endpoint, args = matched
                if endpoint in SKIP_ENDPOINTS:
                    continue
                for name, value in args.items():
                    self.pool[name].add(str(value))
                response = role.client.get(url)
                self.targets[role.label].append(
                    Target("GET", rules[endpoint].rule, endpoint, urlsplit(url).path, parse_qsl(urlsplit(url).query))
                )
                if response.mimetype != "text/html" or response.status_code != 200:
                    response.close()
                    continue
                forms, links = parse_page(response.get_data(as_text=True))
                for form in forms:
                    action = form["action"] or url
                    m = self._match(action)
                    if m is None or m[0] in SKIP_ENDPOINTS:
                        continue
                    signature = (form["method"], m[0], tuple(sorted(f.name for f in form["fields"])))
                    if signature in seen_forms:
                        continue
                    seen_forms.add(signature)
                    for f in form["fields"]:
                        if f.kind == "select" or f.kind in ("checkbox", "radio"):
                            for o in f.options:
                                if o.isdigit():
                                    self.pool["*id"].add(o)
                    self.targets[role.label].append(
                        Target(
                            form["method"],
                            rules[m[0]].rule,
                            m[0],
                            urlsplit(action).path,
                            parse_qsl(urlsplit(action).query),
                            form["fields"],
                        )
                    )
                for link in sorted(links):
                    link = link.split("#")[0].replace("&amp;", "&")
                    parts = urlsplit(link)
                    if parts.scheme or parts.netloc or not link.startswith("/") or CRAWL_SKIP.search(link):
                        continue
                    if link not in seen:
                        seen.add(link)
                        queue.append(link)
            # every rule of the URL map is a target, also those no page of this role offers
            for rule in self.app.url_map.iter_rules():
                if rule.endpoint in SKIP_ENDPOINTS:
                    continue
                converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
                for method in ("GET", "POST"):
                    if method in rule.methods:
                        self.targets[role.label].append(Target(method, rule.rule, rule.endpoint, arguments=converters))
            self.log(f"{role.label}: {visited} Seiten besucht, {len(self.targets[role.label])} Ziele")
        for name, values in list(self.pool.items()):
            if name != "*id" and all(v.isdigit() for v in values):
                self.pool["*id"] |= values

    # -- database checksum -----------------------------------------------------------------
    def _engine(self):
        from beteiligung.extensions import db

        with self.app.app_context():  # only for the engine; requests get their own contexts
            return db.engine

    def _open_marker(self):
        engine = self._engine()
        url = engine.url
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            import sqlite3

            self._marker_conn = sqlite3.connect(url.database)
            self._marker = lambda: self._marker_conn.execute("PRAGMA data_version").fetchone()[0]
        elif url.get_backend_name() == "postgresql":

            def lsn():
                with engine.connect() as conn:
                    return conn.exec_driver_sql("SELECT pg_current_wal_insert_lsn()").scalar()

            self._marker = lsn
        else:
            self._marker = lambda: None

    def checksum(self) -> dict[str, str]:
        from beteiligung.extensions import db

        out = {}
        with self._engine().connect() as conn:
            for table in db.metadata.sorted_tables:
                digest = hashlib.sha256()
                for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                    digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
                out[table.name] = digest.hexdigest()
        return out

    def _state(self):
        marker = self._marker()
        if self._baseline is None or marker is None or marker != self._baseline[0]:
            self._baseline = (self._marker(), self.checksum())
        return self._baseline

    # -- one request -----------------------------------------------------------------------
    def _strategy(self, key, make, *args):
        """A hypothesis strategy built once per run and reused: building one (sampled_from over
        hundreds of ids or targets, one_of over a dozen) costs more than drawing from it."""
        strategy = self._strategies.get(key)
        if strategy is None:
            strategy = self._strategies[key] = make(*args)
        return strategy

    def draw_request(self, draw, st, role: Role, target: Target) -> tuple[str, bytes]:
        """Draw (with hypothesis' draw) one request for target: its path and its encoded query/body."""
        id_values = self._strategy("ids", lambda: st.sampled_from(sorted(self.pool["*id"], key=int)[:400] or ["1"]))

        def argument_strategy(name: str, conv: str):
            seen = sorted(self.pool.get(name) or [])
            choices = [st.sampled_from(seen)] if seen else []
            if conv in ("IntegerConverter", "IdConverter"):
                choices += [id_values, st.sampled_from(["0", "2147483647", "2147483648", "9" * 25])]
            else:
                choices.append(st.text(min_size=1, max_size=40))
            return st.one_of(*choices)

        def path_for(draw):
            if target.path:
                return target.path
            values = {}
            for name, conv in target.arguments.items():
                values[name] = draw(self._strategy(("arg", name, conv), argument_strategy, name, conv))
            path = target.rule
            for name, value in values.items():
                path = re.sub(r"<(?:[^:<>]+:)?" + re.escape(name) + r">", quote(str(value), safe=""), path)
            return path

        def value_strategy(kind: str, options: tuple, original: str):
            choices = [st.just(original)]
            if options:
                choices.append(st.sampled_from(options))
            if kind in ("number", "select", "hidden", "checkbox", "radio") or options:
                choices += [st.sampled_from(NASTY_NUMBERS), id_values]
            if kind in ("date", "datetime-local", "time"):
                choices.append(st.sampled_from(NASTY_DATES))
            choices += [
                st.sampled_from(NASTY_TEXT),
                st.text(max_size=30),
                st.integers(min_value=-(2**80), max_value=2**80).map(str),
            ]
            encoded = st.one_of(*choices).map(lambda s: quote(s, safe="").encode())
            return st.one_of(encoded, st.sampled_from(RAW_BYTES))

        def value_for(draw, spec: FieldSpec | None, original: str = "") -> bytes:
            """One value, already percent-encoded for the query string or form body."""
            kind = spec.kind if spec else "text"
            options = tuple(spec.options) if spec else ()
            key = ("value", kind, options, original)
            return draw(self._strategy(key, value_strategy, kind, options, original))

        modes = self._strategy(
            "modes", lambda: st.sampled_from(["keep", "keep", "fuzz", "fuzz", "fuzz", "missing", "repeat"])
        )
        junk_names = self._strategy(
            "junk",
            lambda: st.sampled_from(
                [
                    "seite",
                    "id",
                    "q",
                    "next",
                    "gremium",
                    "person",
                    "art",
                    "status",
                    "version",
                    "x" * 300,
                    "%00",
                    "ids",
                    "sprache",
                ]
            ),
        )

        def build():
            path = path_for(draw)
            pairs: list[tuple[bytes, bytes]] = []
            specs = list(target.fields)
            if target.method == "GET":
                specs = [FieldSpec(k, "text", v) for k, v in target.query] + specs
            for spec in specs:
                if spec.name == "csrf_token":
                    continue
                mode = draw(modes)
                if mode == "missing":
                    continue
                if mode == "keep":
                    values = [quote(spec.value, safe="").encode()]
                else:
                    values = [value_for(draw, spec, spec.value)]
                    if mode == "repeat" or (spec.multiple and draw(st.booleans())):
                        values.append(value_for(draw, spec, spec.value))
                pairs += [(quote(spec.name, safe="").encode(), v) for v in values]
            if not specs or draw(st.integers(0, 9)) == 0:  # unknown fields: ids, pages, junk
                for _ in range(draw(st.integers(1, 3))):
                    name = draw(junk_names)
                    pairs.append((name.encode(), value_for(draw, None)))
            if target.method == "POST" and draw(st.integers(0, 19)):
                pairs.append((b"csrf_token", quote(role.csrf, safe="").encode()))
            return path, b"&".join(k + b"=" + v for k, v in pairs)

        return build()

    def send(self, role: Role, target: Target, path: str, body: bytes) -> None:
        before = self._state()
        started = time.perf_counter()
        try:
            if target.method == "GET":
                response = role.client.get(path + ("?" + body.decode() if body else ""))
            else:
                response = role.client.open(
                    path, method="POST", data=body, content_type="application/x-www-form-urlencoded"
                )
            response.get_data()
            status = response.status_code
            location = response.headers.get("Location", "")
            response.close()
        except Exception as exc:
            status, location = 599, ""
            self._fail(role, target, path, body, status, f"{type(exc).__name__}: {exc}")
        elapsed = time.perf_counter() - started
        self.requests += 1
        self.results[(target.key, status)] += 1
        if elapsed > self.slowest[0]:
            self.slowest = (elapsed, f"{target.method} {path}")
        if 500 <= status < 599:
            self._fail(role, target, path, body, status, "Serverfehler")
        if elapsed > MAX_SECONDS and target.method == "GET" and status < 500:
            # measured again once: a cold cache (first PDF, fonts) or a busy shared machine is not
            # what this check is about; a page that is slow twice is
            self.slow_once.append((round(elapsed, 2), f"GET {path}"))
            again = time.perf_counter()
            role.client.get(path + ("?" + body.decode() if body else "")).close()
            elapsed = time.perf_counter() - again
        if elapsed > MAX_SECONDS:
            self._fail(role, target, path, body, status, f"zu langsam: {elapsed:.1f} s")
        if status >= 400:
            after = self._marker()
            if after is None or after != before[0]:
                now = self.checksum()
                changed = sorted(t for t in now if now[t] != before[1].get(t) and t not in MAY_CHANGE_ON_REJECT)
                if changed:
                    self._fail(
                        role, target, path, body, status, "abgewiesen, aber Daten geändert: " + ", ".join(changed)
                    )
                self._baseline = (after, now)
        if role.email and (location.startswith("/anmelden") or location.startswith("http://localhost/anmelden")):
            self._relogin(role)

    def _relogin(self, role: Role) -> None:
        """The role lost its session (a fuzzed form disabled, locked or re-passworded it): repair the
        account directly and log in again."""
        from beteiligung.services.accounts import hash_password
        from models import User

        try:
            self.login(role)
            return
        except RuntimeError:
            pass
        with self._engine().begin() as conn:
            table = User.__table__
            values = {"is_enabled": True, "password_hash": hash_password(role.password)}
            if "locked_until" in table.c:
                values["locked_until"] = None
            conn.execute(table.update().where(table.c.email == role.email).values(**values))
            conn.exec_driver_sql("DELETE FROM login_failure")
        self._baseline = None
        self.login(role)

    def _fail(self, role, target, path, body, status, reason):
        self.failures.append(
            {
                "role": role.label,
                "method": target.method,
                "rule": target.rule,
                "path": path,
                "body": body[:300].decode(errors="replace"),
                "status": status,
                "reason": reason,
            }
        )

    # -- a campaign ------------------------------------------------------------------------
    def run(self, count: int, roles: list[Role] | None = None) -> None:
        """count requests drawn over the targets of roles (default: every discovered role; a role
        that is only crawled still adds the ids it met to the pools)."""
        from hypothesis import HealthCheck, Phase, given, settings
        from hypothesis import strategies as st

        if not self.targets:
            self.discover()
        self._open_marker()
        pairs = [(role, t) for role in roles or self.roles for t in self.targets[role.label]]
        rng = random.Random(self.seed)
        rng.shuffle(pairs)
        targets = st.sampled_from(pairs)
        self._strategies = {}  # the id pool may have grown since the last run

        @settings(
            max_examples=count,
            deadline=None,
            database=None,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
            derandomize=self.seed is not None,
        )
        @given(st.data())
        def step(data):
            role, target = data.draw(targets, label="Ziel")
            path, body = self.draw_request(data.draw, st, role, target)
            self.send(role, target, path, body)

        step()
        if self._marker_conn is not None:
            self._marker_conn.close()

    def table(self) -> str:
        """Status codes per route, most requested first."""
        per_route: dict[str, Counter] = defaultdict(Counter)
        for (key, status), n in self.results.items():
            per_route[key][status] += n
        statuses = sorted({s for c in per_route.values() for s in c})
        width = max((len(k) for k in per_route), default=10)
        lines = [f"{'Route':<{width}}  " + "  ".join(f"{s:>5}" for s in statuses) + "  Summe"]
        for key, c in sorted(per_route.items(), key=lambda kv: (-sum(kv[1].values()), kv[0])):
            lines.append(
                f"{key:<{width}}  " + "  ".join(f"{c.get(s, 0) or '':>5}" for s in statuses) + f"  {sum(c.values()):>5}"
            )
        return "\n".join(lines)

    def summary(self) -> str:
        server_errors = sum(n for (_k, s), n in self.results.items() if s >= 500)
        return (
            f"{self.requests} Anfragen, {len(self.results and {k for k, _ in self.results})} Routen, "
            f"{server_errors} Serverfehler, {len(self.failures)} Befunde, "
            f"langsamste {self.slowest[0]:.2f} s ({self.slowest[1]}), "
            f"{len(self.slow_once)} GET nur beim ersten Mal über {MAX_SECONDS:.0f} s"
        )


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    return match.group(1) if match else ""


DEMO_ACCOUNTS = [
    "admin@lindenau.example",
    "planung@kreis-lindenau.example",
    "planung@stadt-lindenau.example",
    "sozialraum.sued@stadt-lindenau.example",
    "partner@awo-lindenau.example",
    "partner@jobcenter-lindenau.example",
    "politik@kreis-lindenau.example",
]


def demo_roles() -> list[Role]:
    """Citizens without an account and every demo login (README, Demo-Zugänge)."""
    from .demo import DEMO_PASSWORD

    return [Role("anonym", None, None)] + [
        Role(email.split(".example")[0], email, DEMO_PASSWORD) for email in DEMO_ACCOUNTS
    ]
