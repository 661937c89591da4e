"""Server CPU per page on the current database (issue 14), until the project's page benchmark is merged.

    cd CHECKOUT && SECRET_KEY=x BETEILIGUNG_DATABASE_URL=sqlite:///… python /path/to/messen.py [RUNDEN]

Self-contained (imports only the checkout's `beteiligung`), so the same script measures the code
before and after a change on the same data: CPU time (time.process_time) of the test client's
request, median over RUNDEN interleaved rounds, plus SQL statements and HTML bytes.
"""

from __future__ import annotations

import json
import statistics
import sys
import time

from flask import g
from sqlalchemy import event, select

PASSWORD = "Beteiligung-2026"
ROLES = {
    "planung": "planung@kreis-lindenau.example",
    "partner": "partner@awo-lindenau.example",
    "politik": "politik@kreis-lindenau.example",
    "planung_stadt": "planung@stadt-lindenau.example",
}


def pages(db):
    from sqlalchemy import func

    from models import Committee, Meeting
    from models.contracts import Contract
    from models.protocols import Protocol

    # the committee with the longest series of meetings, its latest meeting with a protocol, the contract
    # with most indicators
    committee = db.session.scalar(
        select(Committee.id)
        .join(Meeting, Meeting.committee_id == Committee.id)
        .group_by(Committee.id)
        .order_by(func.count().desc(), Committee.id)
        .limit(1)
    )
    meeting = db.session.scalar(
        select(Meeting.id)
        .join(Protocol, Protocol.meeting_id == Meeting.id)
        .where(Meeting.committee_id == committee, Protocol.status != "entwurf")
        .order_by(Meeting.start.desc())
        .limit(1)
    )
    from models.contracts import Indicator

    contract = db.session.scalar(
        select(Contract.id)
        .join(Indicator, Indicator.contract_id == Contract.id)
        .group_by(Contract.id)
        .order_by(func.count().desc(), Contract.id)
        .limit(1)
    )
    return [
        ("Startseite", "/", "planung"),
        ("Startseite", "/", "partner"),
        ("Startseite", "/", "politik"),
        ("Gremien", "/gremien/", "planung"),
        ("Gremium", f"/gremien/{committee}", "planung"),
        ("Gremium", f"/gremien/{committee}", "planung_stadt"),
        ("Gremium", f"/gremien/{committee}", "politik"),
        ("Sitzung", f"/gremien/sitzungen/{meeting}", "planung"),
        ("Sitzung", f"/gremien/sitzungen/{meeting}", "planung_stadt"),
        ("Protokoll", f"/protokolle/sitzungen/{meeting}/", "planung"),
        ("Protokoll", f"/protokolle/sitzungen/{meeting}/", "planung_stadt"),
        ("Nachhalten", "/protokolle/", "planung"),
        ("Nachhalten", "/protokolle/", "partner"),
        ("Kontrakte", "/kontrakte/", "planung"),
        ("Kontrakt", f"/kontrakte/{contract}", "planung"),
        ("Kennzahlen", "/kontrakte/kennzahlen/", "planung"),
    ]


def main(rounds: int = 5):
    from beteiligung import create_app
    from beteiligung.extensions import db

    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SERVER_NAME": None})
    results = {}
    with app.app_context():
        targets = pages(db)
        clients = {}
        for role, email in ROLES.items():
            c = app.test_client()
            g.__dict__.clear()
            r = c.post("/anmelden", data={"email": email, "password": PASSWORD})
            assert r.status_code == 302, (role, r.status_code)
            clients[role] = c
        statements = []
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(1))
        skipped = set()
        for _round in range(rounds + 1):  # the first round warms caches and is not counted
            for name, url, role in targets:
                g.__dict__.clear()  # a real server starts each request with an empty g (see tests/conftest.py)
                statements.clear()
                t0 = time.process_time()
                r = clients[role].get(url)
                body = r.get_data()
                cpu = (time.process_time() - t0) * 1000
                if r.status_code != 200:  # this role may not see it (e.g. a committee of a Kommune)
                    skipped.add((name, url, role, r.status_code))
                    continue
                if _round:
                    res = results.setdefault((name, url, role), {"cpu": [], "bytes": len(body)})
                    res["cpu"].append(cpu)
                    res["sql"] = len(statements)
    rows = []
    for (name, url, role), res in results.items():
        rows.append(
            {
                "seite": name,
                "url": url,
                "rolle": role,
                "cpu_ms": round(statistics.median(res["cpu"]), 1),
                "html_bytes": res["bytes"],
                "sql": res["sql"],
            }
        )
    for name, url, role, status in sorted(skipped):
        print(f"übersprungen: {name} {role} {url} → {status}")
    for row in rows:
        print(
            f"{row['seite']:<12} {row['rolle']:<8} {row['cpu_ms']:>8.1f} ms {row['html_bytes']:>9} B {row['sql']:>4} SQL  {row['url']}"
        )
    return rows


if __name__ == "__main__":
    out = main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
    if len(sys.argv) > 2:
        with open(sys.argv[2], "w") as f:
            json.dump(out, f, indent=1)
