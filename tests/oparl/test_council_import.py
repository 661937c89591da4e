"""The outcome import against a council information system on loopback (tests/support/oparl_council.py)."""

from __future__ import annotations

from datetime import date

import pytest

from beteiligung.extensions import db
from beteiligung.services.oparl.council import ImportStopped, import_outcomes, map_result
from beteiligung.uow import unit_of_work
from models import AuditEntry
from models.protocols import ProtocolEntry
from tests.support.oparl_council import CouncilServer


@pytest.fixture
def council():
    server = CouncilServer().start()
    yield server
    server.stop()


def _entry(ow):
    db.session.expire_all()
    return db.session.get(ProtocolEntry, ow.beschluss.id)


def test_import_follows_pagination_and_records_idempotently(app, ow, council):
    ref = ow.paper.reference
    pages = council.load_council(
        {
            ref: ("Geändert beschlossen", "2026-11-12T17:00:00+01:00"),
            "EV/2026/0099": ("abgelehnt", "2026-11-12T17:00:00+01:00"),
        }
    )
    assert pages >= 3
    with unit_of_work():
        report = import_outcomes(council.url + "/oparl/v1/")
    assert report.pages == pages  # every page of the paper list, following links.next
    assert {f"/oparl/v1/body/1/papers?page={i}" for i in range(2, pages + 1)} <= set(council.hits)
    assert report.matched == [(ref, "geändert beschlossen", date(2026, 11, 12), True)]
    e = _entry(ow)
    assert e.political_outcome == "geändert beschlossen" and e.political_date == date(2026, 11, 12)
    assert "Geändert beschlossen" in e.political_note
    assert ow.paper.council_paper_url.endswith("/oparl/v1/paper/1")
    audits = db.session.query(AuditEntry).filter(AuditEntry.summary.like(f"%{ref}%Import%")).count()
    assert audits == 1
    # again: nothing new, nothing written twice
    with unit_of_work():
        again = import_outcomes(council.url + "/oparl/v1/")
    assert again.matched == [(ref, "geändert beschlossen", date(2026, 11, 12), False)]
    assert db.session.query(AuditEntry).filter(AuditEntry.summary.like(f"%{ref}%Import%")).count() == 1
    # our API now links the council's decision
    client = app.test_client()
    paper = client.get(f"/oparl/v1/paper/{ow.paper.id}").get_json()
    political = next(c for c in paper["consultation"] if c["authoritative"])
    assert political["agendaItem"].startswith(council.url)
    assert "Ergebnis: geändert beschlossen" in political["keyword"]


@pytest.mark.parametrize("failure", ["http500", "invalid_json", "timeout", "loop", "not_a_list", "down"])
def test_failure_midway_records_nothing_and_says_where(app, ow, council, failure):
    ref = ow.paper.reference
    pages = council.load_council({ref: ("beschlossen", "2026-11-12T17:00:00+01:00")}, filler=5)
    last = f"/oparl/v1/body/1/papers?page={pages}"  # our paper is on the last page
    url = council.url + "/oparl/v1/"
    if failure == "http500":
        council.put("/oparl/v1/body/1/papers?page=2", {"type": "Error"}, status=500)
    elif failure == "invalid_json":
        council.put("/oparl/v1/body/1/papers?page=2", b'{"data": [ {"id": ')
    elif failure == "timeout":
        status, body, _ = council.routes["/oparl/v1/body/1/papers?page=2"]
        council.put("/oparl/v1/body/1/papers?page=2", body, delay=1.5)
    elif failure == "loop":
        council.put(last, {"data": [], "links": {"next": council.url + "/oparl/v1/body/1/papers"}})
    elif failure == "not_a_list":
        council.put("/oparl/v1/body/1/papers?page=2", {"type": "Paper"})
    elif failure == "down":
        council.stop()
    before = db.session.query(AuditEntry).count()
    with pytest.raises(ImportStopped) as exc, unit_of_work():
        import_outcomes(url, timeout=0.25 if failure == "timeout" else 5)
    message = str(exc.value)
    if failure != "down":
        assert "Seite" in message and council.url in message, message
    else:
        assert "nicht erreichbar" in message
    if failure == "timeout":
        assert "antwortet nicht innerhalb von 0.25 Sekunden" in message, message
    e = _entry(ow)
    assert e.political_outcome is None and e.political_date is None
    assert db.session.query(AuditEntry).count() == before
    if failure == "down":
        council.stop = lambda: None  # already stopped; the fixture's teardown must not stop it twice


def test_cli_reports_matches_and_failures(app, ow, council):
    ref = ow.paper.reference
    council.load_council({ref: ("vertagt", "2026-11-12T17:00:00+01:00")})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["oparl", "ergebnisse-abrufen", council.url + "/oparl/v1/body/1"])
    assert result.exit_code == 0, result.output
    assert f"{ref}: vertagt am 12.11.2026 – eingetragen" in result.output
    assert "1 Vorlagen zugeordnet, 1 Entscheidungen neu eingetragen." in result.output
    assert _entry(ow).political_outcome == "vertagt"
    council.put("/oparl/v1/body/1/papers?page=2", b"kein json")
    result = runner.invoke(args=["oparl", "ergebnisse-abrufen", council.url + "/oparl/v1/body/1"])
    assert result.exit_code == 1
    assert "Import abgebrochen, nichts eingetragen" in result.output and "Vorlagen, Seite 2" in result.output
    result = runner.invoke(args=["oparl", "ergebnisse-abrufen", "ftp://example.org/x"])
    assert result.exit_code == 1 and "keine gültige Adresse" in result.output


def test_unknown_results_and_pending_papers_are_reported_not_recorded(app, ow, council):
    ref = ow.paper.reference
    council.load_council({ref: ("zur Kenntnis genommen", "2026-11-12T17:00:00+01:00")})
    with unit_of_work():
        report = import_outcomes(council.url + "/oparl/v1/body/1/papers")
    assert report.matched == [] and report.unknown_results == [(ref, "zur Kenntnis genommen")]
    assert any("nicht zuordenbar" in line for line in report.lines())
    assert _entry(ow).political_outcome is None


@pytest.mark.parametrize(
    "text, outcome",
    [
        ("Beschlossen", "beschlossen"),
        ("ungeändert beschlossen", "beschlossen"),
        ("einstimmig zugestimmt", "beschlossen"),
        ("mit Änderungen beschlossen", "geändert beschlossen"),
        ("Geändert beschlossen", "geändert beschlossen"),
        ("abgelehnt", "abgelehnt"),
        ("vertagt", "vertagt"),
        ("zurückgestellt", "vertagt"),
        ("zur Kenntnis genommen", None),
        ("", None),
    ],
)
def test_result_mapping(text, outcome):
    assert map_result(text) == outcome
