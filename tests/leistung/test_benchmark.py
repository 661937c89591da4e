"""`flask benchmark seiten`: measures every key page on the small test world and writes the JSON."""

from __future__ import annotations

import json

from sqlalchemy import func, select, text

from beteiligung.services.leistung.benchmark import SEITEN
from beteiligung.services.leistung.messung import kosten
from models.surveys import SurveyResponse
from tests.support.world import PASSWORD

KEYS = {"seite", "url", "rolle", "cpu_ms", "p50_ms", "p95_ms", "html_bytes", "sql", "zeilen"}


def test_benchmark_writes_every_key_page(app, db, world, tmp_path):
    runner = app.test_cli_runner()
    grown = runner.invoke(args=["demo", "skalieren", "--faktor", "0.03", "--seed", "3"])
    assert grown.exit_code == 0, grown.output
    responses = db.session.scalar(select(func.count()).select_from(SurveyResponse))
    out = tmp_path / "bench.json"
    result = runner.invoke(args=["benchmark", "seiten", "--runden", "2", "--json", str(out), "--passwort", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "| Seite | Rolle | CPU ms |" in result.output and "Nachhalten" in result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["seite"] for r in rows} == set(SEITEN)
    # the start page once per role, the other pages as Sozialplanung, the citizen pages without login
    assert sorted(r["rolle"] for r in rows if r["seite"] == "Startseite") == sorted(
        ["Sozialplanung", "Administration", "Sozialraummanagement", "Partner", "Politik"]
    )
    assert {r["rolle"] for r in rows if r["seite"].startswith("Befragung (") or r["seite"] == "Befragung absenden"} == {
        "öffentlich"
    }
    for r in rows:
        assert set(r) >= KEYS, r
        assert r["fehler"] == [], r
        assert r["runden"] == 2
        assert r["url"].startswith("/")
        for key in ("cpu_ms", "p50_ms", "p95_ms", "html_bytes"):
            assert r[key] > 0, (r["seite"], key)
        assert r["p95_ms"] >= r["p50_ms"]
        if r["seite"] != "Befragung absenden":  # a redirect after saving
            assert r["sql"] > 0 and r["zeilen"] > 0, r
    # the comparison table (scale 1 against scale 10) checks the targets of issue 14
    table = runner.invoke(args=["benchmark", "vergleich", str(out), str(out)])
    assert table.exit_code == 0, table.output
    lines = [line for line in table.output.splitlines() if line.startswith("| ")][1:]
    assert len(lines) == len(rows)
    assert all("| 1,0 × |" in line for line in lines)
    for line, r in zip(lines, rows, strict=True):
        assert line.startswith(f"| {r['seite']} | {r['rolle']} |")
        assert line.endswith("| erfüllt |") == (r["cpu_ms"] <= 50 and r["html_bytes"] <= 300 * 1024)
    # the submission really saved: warm-up round + two measured rounds
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == responses + 3


def test_benchmark_without_accounts_says_what_is_missing(app, db):
    result = app.test_cli_runner().invoke(args=["benchmark", "seiten", "--runden", "1"])
    assert result.exit_code != 0 and "demo load" in result.output


def test_cost_counts_statements_and_rows(app, db, world):
    with kosten(db.engine) as k:
        rows = db.session.execute(text("SELECT id FROM area")).all()
        db.session.execute(text("SELECT id FROM area")).first()
        list(db.session.execute(text("SELECT id FROM area")).partitions(2))
    assert len(rows) >= 3
    assert k.sql == 3
    assert k.rows == 2 * len(rows) + 1
