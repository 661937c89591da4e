"""Wirkungsbeitragsanalyse: a Wirkung (the board's question) and contribution cards naming an actor of the
network (permission-filtered) and a rating; the result table ranks the actors; export lists actors and ratings."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from beteiligung.services import NotFound, ValidationError
from beteiligung.services.werkstatt import boards as svc
from models.werkstatt import BoardCard

from .conftest import switch_user

WIRKUNG = "Weniger Kinderarmut im Kreis"


def _wba(gw, db):
    board = svc.create_board(
        gw.w.planner_k,
        gw.meeting,
        {"kind": "wirkungsbeitrag", "title": "Beiträge gegen Kinderarmut", "question": WIRKUNG},
    )
    db.session.commit()
    return board


def _count(db):
    return db.session.scalar(select(func.count()).select_from(BoardCard))


def test_wirkung_needs_question(gw, db):
    with pytest.raises(ValidationError) as exc:
        svc.create_board(gw.w.planner_k, gw.meeting, {"kind": "wirkungsbeitrag", "title": "ohne Wirkung"})
    assert "Wirkung" in exc.value.errors["question"]


def test_contributions_ranked_by_actor(client, gw, db, app):
    board = _wba(gw, db)
    w = gw.w
    mod = switch_user(client, "planung@kreis.example")
    html = mod.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert WIRKUNG in html and "Die vier Schritte der Wirkungsbeitragsanalyse" in html
    for org in (w.org_a, w.org_b, w.org_k):
        assert f'<option value="{org.id}">{org.name}</option>' in html
    assert w.org_x.name not in html  # another Kreis
    # hand count: Wohlfahrt 3 + 2 = 5 / 2 = 2,5; Jobcenter 3 / 1 = 3,0; Kreissozialamt 1 / 1 = 1,0
    plan = [(w.org_a, 3, "Familienzentren"), (w.org_b, 3, "Teilhabeleistungen"), (w.org_k, 1, "Koordination")]
    for org, rating, text in plan:
        r = mod.post(
            f"/werkstatt/tafeln/{board.id}/karten", data={"organisation_id": org.id, "rating": rating, "text": text}
        )
        assert r.status_code == 303, r.get_data(as_text=True)
    guest = app.test_client()
    assert (
        guest.post(
            f"/werkstatt/tafeln/{board.id}/gast", data={"name": "Gina Gast", "code": board.guest_code}
        ).status_code
        == 303
    )
    r = guest.post(
        f"/werkstatt/tafeln/{board.id}/karten", data={"organisation_id": w.org_a.id, "rating": 2, "text": "Beratung"}
    )
    assert r.status_code == 303
    html = mod.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    rows = re.findall(
        r'<td class="kern-table__cell">(\d+)</td><th scope="row" class="kern-table__cell">([^<]+)</th>'
        r'<td class="kern-table__cell">(\d+)</td><td class="kern-table__cell">([\d,]+)</td>'
        r'<td class="kern-table__cell">(\d+)</td>',
        html,
    )
    assert rows == [
        ("1", "Jobcenter Beckum", "1", "3,0", "3"),
        ("2", "Wohlfahrt Ahlen e. V.", "2", "2,5", "5"),
        ("3", "Kreissozialamt Testhausen", "1", "1,0", "1"),
    ]
    assert "<strong>Wohlfahrt Ahlen e. V.</strong>: hoher Beitrag" in html


def test_bad_input_and_foreign_actor(client, gw, db):
    board = _wba(gw, db)
    mod = switch_user(client, "planung@kreis.example")
    r = mod.post(f"/werkstatt/tafeln/{board.id}/karten", data={"organisation_id": "", "rating": "7", "text": "x"})
    assert r.status_code == 422
    body = r.get_data(as_text=True)
    assert "Bitte den Akteur wählen" in body and "Bitte den Beitrag bewerten" in body
    # an organisation of another Kreis: 404, nothing written
    r = mod.post(
        f"/werkstatt/tafeln/{board.id}/karten", data={"organisation_id": gw.w.org_x.id, "rating": 2, "text": "x"}
    )
    assert r.status_code == 404
    r = mod.post(f"/werkstatt/tafeln/{board.id}/karten", data={"organisation_id": 999999, "rating": 2, "text": "x"})
    assert r.status_code == 404
    assert _count(db) == 0
    with pytest.raises(NotFound):
        svc.add_card(
            svc.Actor(user=gw.w.planner_k), board, {"organisation_id": gw.w.org_x.id, "rating": 1, "text": "x"}
        )


@pytest.mark.parametrize(
    "who, view, add",
    [
        ("planung@kreis.example", 200, 303),
        ("partner@wohlfahrt.example", 200, 303),
        ("planung@fremd.example", 404, 404),
        ("politik@kreis.example", 404, 404),
    ],
)
def test_wirkung_permissions(client, gw, db, who, view, add):
    board = _wba(gw, db)
    c = switch_user(client, who)
    assert c.get(f"/werkstatt/tafeln/{board.id}").status_code == view
    r = c.post(
        f"/werkstatt/tafeln/{board.id}/karten", data={"organisation_id": gw.w.org_a.id, "rating": 2, "text": "Hallo"}
    )
    assert r.status_code == add
    assert _count(db) == (1 if add == 303 else 0)


def test_wirkung_export_and_results(client, gw, db):
    import docx
    from pypdf import PdfReader

    from models.protocols import ProtocolEntry

    board = _wba(gw, db)
    actor = svc.Actor(user=gw.w.planner_k)
    card = svc.add_card(actor, board, {"organisation_id": gw.w.org_b.id, "rating": 3, "text": "Bildungspaket"})
    svc.add_card(actor, board, {"organisation_id": gw.w.org_k.id, "rating": 1, "text": "Koordination"})
    db.session.commit()
    c = switch_user(client, "planung@kreis.example")
    paragraphs = [
        p.text for p in docx.Document(io.BytesIO(c.get(f"/werkstatt/tafeln/{board.id}/export.docx").data)).paragraphs
    ]
    assert "Rangfolge der Akteure" in paragraphs
    assert any(p.startswith("1. Jobcenter Beckum (Durchschnitt 3,0, Summe 3, 1 Bewertungen") for p in paragraphs)
    assert any("Jobcenter Beckum: hoher Beitrag" in p for p in paragraphs)
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(c.get(f"/werkstatt/tafeln/{board.id}/export.pdf").data)).pages
    )
    assert "Jobcenter Beckum" in text and "Kreissozialamt Testhausen" in text
    r = c.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={"aktion": "uebernehmen", "ziel": "Erkenntnis", "karte": [f"{card.id}:{card.version}"]},
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    entry = db.session.scalar(select(ProtocolEntry))
    assert "- Jobcenter Beckum – hoher Beitrag: Bildungspaket" in entry.text


def test_method_library_links_wirkung_board(client, gw, db):
    c = switch_user(client, "planung@kreis.example")
    html = c.get("/werkstatt/methoden/wirkungsbeitragsanalyse").get_data(as_text=True)
    assert "<strong>Wirkungsbeitragsanalyse, Portfolio</strong>" in html
    assert "eine eigene Bewertungstafel gibt es noch nicht" not in html


def test_wirkung_page_query_count_constant(client, gw, db):
    from tests.support.queries import assert_constant_queries

    board = _wba(gw, db)
    actor = svc.Actor(user=gw.w.planner_k)
    orgs = [gw.w.org_a, gw.w.org_b, gw.w.org_k]
    client.login("planung@kreis.example")

    def grow(factor):
        for i in range(factor):
            svc.add_card(actor, board, {"organisation_id": orgs[i % 3].id, "rating": i % 4, "text": f"Beitrag {i}"})
        db.session.commit()

    grow(2)
    assert_constant_queries(client, db.engine, f"/werkstatt/tafeln/{board.id}", grow)
