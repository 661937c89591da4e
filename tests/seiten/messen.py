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
}


def pages(db):
    from models import Committee, Meeting
    from models.contracts import Contract
    from models.protocols import Protocol

    committee = db.session.scalar(select(Committee.id).order_by(Committee.id).limit(1))
    meeting = db.session.scalar(
        select(Meeting.id)
        .join(Protocol, Protocol.meeting_id == Meeting.id)
        .where(Meeting.committee_id == committee)
        .order_by(Meeting.start.desc())
        .limit(1)
    )
    contract = db.session.scalar(select(Contract.id).order_by(Contract.id).limit(1))
    return [
        ("Startseite", "/", "planung"),
        ("Startseite", "/", "partner"),
        ("Startseite", "/", "politik"),
        ("Gremien", "/gremien/", "planung"),
        ("Gremium", f"/gremien/{committee}", "planung"),
        ("Gremium", f"/gremien/{committee}", "politik"),
        ("Sitzung", f"/gremien/sitzungen/{meeting}", "planung"),
        ("Protokoll", f"/protokolle/sitzungen/{meeting}/", "planung"),
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
        for _round in range(rounds + 1):  # the first round warms caches and is not counted
            for name, url, role in targets:
                g.__dict__.clear()  # a real server starts each request with an empty g (see tests/conftest.py)
                statements.clear()
                t0 = time.process_time()
                r = clients[role].get(url)
                body = r.get_data()
                cpu = (time.process_time() - t0) * 1000
                assert r.status_code == 200, (url, role, r.status_code)
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
