"""Issue 15: plain language – audit log labels and values, network measures."""

from __future__ import annotations

import pytest

from beteiligung.audit_labels import action_label, entity_label, field_label, value_label
from beteiligung.extensions import db
from beteiligung.services.audit import record
from models import AuditEntry

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_audit_labels_and_values():
    assert entity_label("TopicProposal") == "Themenvorschlag"
    assert action_label("login") == "angemeldet" and action_label("status") == "Status geändert"
    assert entity_label("Meeting") == "Sitzung"
    assert field_label("shared_with_kreis") == "für den Kreis freigegeben"
    assert field_label("neues_feld_id") == "Neues feld"  # unknown keys: no underscores, no _id
    assert value_label(False) == "Nein" and value_label(True) == "Ja"
    assert value_label(None) == "–"
    assert value_label("2026-11-21") == "21.11.2026"
    assert value_label("2026-11-21T17:30:00") == "21.11.2026, 18:30 Uhr"  # stored UTC, shown in Berlin time
    assert value_label(1234) == "1.234"
    assert value_label(2.5) == "2,50"
    assert value_label(["A", True]) == "A, Ja"


def test_audit_page_shows_german_labels(app, world, client):
    record(
        world.admin,
        "update",
        world.area_a1,
        {"shared_with_kreis": False, "start_date": "2026-01-05"},
        {"shared_with_kreis": True, "start_date": "2026-02-01"},
        "Testeintrag",
    )
    db.session.add(
        AuditEntry(action="create", entity_type="TopicProposal", entity_id=1, summary="Neues Thema", after={"x": 1})
    )
    db.session.commit()
    client.login("admin@test.example")
    html = client.get("/verwaltung/protokoll/").get_data(as_text=True)
    assert "für den Kreis freigegeben</strong>: Nein → Ja" in html
    assert "05.01.2026 → 01.02.2026" in html
    assert "angelegt: Themenvorschlag „Neues Thema“" in html
    assert "shared_with_kreis" not in html and "TopicProposal" not in html and "False" not in html


def test_every_audited_werkstatt_card_field_has_a_german_label():
    """A board card's audit entry reads German: no field falls back to its technical name."""
    from sqlalchemy import inspect

    from beteiligung.audit_labels import FIELD_LABELS
    from models.werkstatt import BoardCard

    columns = [c.key for c in inspect(BoardCard).column_attrs]
    assert [c for c in columns if c not in FIELD_LABELS] == []
