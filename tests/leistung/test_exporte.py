"""`flask benchmark exporte`: every list export in a fresh process, with bytes, peak memory and time."""

from __future__ import annotations

import json

from beteiligung.services.leistung import exporte

# every list export of the application (the monitoring results join when an edition exists)
EXPECTED = {
    "Befragung: Antworten CSV",
    "Befragung: Antworten XLSX",
    "Befragung: Ergebnisbericht PDF",
    "Netzwerk: GEXF",
    "Netzwerk: GraphML",
    "Netzwerk: JSON",
    "Netzwerk: Knoten CSV",
    "Netzwerk: Kanten CSV",
    "Personen CSV",
    "Personen XLSX",
    "Organisationen CSV",
    "Organisationen XLSX",
    "Sozialräume CSV",
    "Sozialräume XLSX",
    "Körperschaften CSV",
    "Körperschaften XLSX",
    "Kontrakte und Kennzahlen XLSX",
    "Beschlussregister CSV",
    "Beschlussregister XLSX",
    "Maßnahmen CSV",
    "Maßnahmen XLSX",
}


def test_benchmark_exporte_measures_every_export_in_its_own_process(app, db, world, tmp_path):
    runner = app.test_cli_runner()
    grown = runner.invoke(args=["demo", "skalieren", "--faktor", "0.02", "--seed", "5"])
    assert grown.exit_code == 0, grown.output
    # the benchmark's plan holds every export; three of them (survey, network, master data) are run here,
    # each in its own process (a process per export costs an app start, about two seconds of CPU)
    assert {e.name for e in exporte.plan()} >= EXPECTED
    out = tmp_path / "exporte.json"
    picked = ["Personen CSV", "Netzwerk: GraphML", "Befragung: Antworten CSV"]
    result = runner.invoke(
        args=["benchmark", "exporte", "--json", str(out), *[arg for name in picked for arg in ("--export", name)]]
    )
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert sorted(r["export"] for r in rows) == sorted(picked)
    table = [line for line in result.output.splitlines() if line.startswith("| ")]
    assert table[0] == "| Export | Bytes | Spitzenspeicher MB | Zeit s | vorher MB |"
    assert len(table) == len(rows) + 1
    pids = set()
    for line, r in zip(table[1:], rows, strict=True):
        assert line.startswith(f"| {r['export']} | "), line
        assert "fehler" not in r, r
        assert r["status"] == 200 and r["bytes"] > 0, r
        # resident memory of a whole app process, measured during the export (not the parent's)
        assert 30 < r["vorher_mb"] <= r["spitze_mb"] + 0.5 < 2000, r
        assert r["zeit_s"] >= 0 and r["prozess_s"] >= r["zeit_s"], r
        pids.add(r["pid"])
    assert len(pids) == len(rows)  # a fresh process per export
    # the file sizes are those of the downloads through the web
    by_name = {r["export"]: r for r in rows}
    for name in ("Personen CSV", "Netzwerk: GraphML", "Befragung: Antworten CSV"):
        client = app.test_client()
        client.login(by_name[name]["rolle"])
        assert len(client.get(by_name[name]["url"]).data) == by_name[name]["bytes"], name
    # the comparison table for the README: growth against the target
    table = runner.invoke(args=["benchmark", "exporte-vergleich", str(out), str(out)])
    assert table.exit_code == 0, table.output
    lines = [line for line in table.output.splitlines() if line.startswith("| ")][1:]
    assert [line.split(" | ")[0][2:] for line in lines] == [r["export"] for r in rows]
    assert all(line.endswith("| 0,0 | erfüllt |") for line in lines)


def test_compare_flags_growth_over_50_mb():
    before = [{"export": "A", "bytes": 10, "spitze_mb": 170.0}, {"export": "B", "bytes": 10, "spitze_mb": 170.0}]
    after = [{"export": "A", "bytes": 100, "spitze_mb": 219.9}, {"export": "B", "bytes": 100, "spitze_mb": 230.5}]
    lines = exporte.compare(before, after).splitlines()
    assert lines[2] == "| A | 10 | 100 | 170,0 | 219,9 | 49,9 | erfüllt |"
    assert lines[3] == "| B | 10 | 100 | 170,0 | 230,5 | 60,5 | verfehlt |"


def test_benchmark_exporte_without_accounts_says_what_is_missing(app, db):
    result = app.test_cli_runner().invoke(args=["benchmark", "exporte"])
    assert result.exit_code != 0 and "demo load" in result.output
