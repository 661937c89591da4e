"""Zukunftskonferenz: five phases of the handbook as a guided sequence. Only the current phase takes new cards,
earlier phases stay readable; the moderator moves on (version-checked); export lists the cards per phase."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.werkstatt import boards as svc
from models.werkstatt import ZUKUNFT_PHASES, Board, BoardCard

from .conftest import switch_user


def _zk(gw, db):
    board = svc.create_board(gw.w.planner_k, gw.meeting, {"kind": "zukunftskonferenz", "title": "Zukunft Nord"})
    db.session.commit()
    return board


def _count(db):
    return db.session.scalar(select(func.count()).select_from(BoardCard))


def test_phases_in_order_only_current_phase_takes_cards(client, gw, db, app):
    board = _zk(gw, db)
    assert board.current_phase == "vergangenheit" and board.phase_number == 1
    member = switch_user(client, "partner@wohlfahrt.example")
    r = member.post(
        f"/werkstatt/tafeln/{board.id}/karten", data={"field": "vergangenheit", "text": "1998: Kita-Ausbau"}
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    html = member.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert "Laufende Phase: <strong>Reflektion der Vergangenheit</strong> (Phase 1 von 5)" in html
    assert "1. Reflektion der Vergangenheit (1) – laufende Phase" in html
    assert "Weiter zur Phase" not in html  # participants do not switch phases
    # a participant may not switch the phase
    assert member.post(f"/werkstatt/tafeln/{board.id}/phase", data={"version": board.version}).status_code == 403
    # a card for a later phase is refused (German 422, nothing written)
    r = member.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "massnahmen", "text": "zu früh"})
    assert r.status_code == 422 and "nimmt keine neuen Karten an" in r.get_data(as_text=True)
    # the moderator moves on
    mod = switch_user(client, "planung@kreis.example")
    html = mod.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert "Weiter zur Phase „Analyse der Gegenwart“" in html
    assert mod.post(f"/werkstatt/tafeln/{board.id}/phase", data={"version": board.version}).status_code == 303
    db.session.expire_all()
    board = db.session.get(Board, board.id)
    assert board.current_phase == "gegenwart"
    # a stale version (second moderator clicks on the old page) → 409, phase unchanged
    r = mod.post(f"/werkstatt/tafeln/{board.id}/phase", data={"version": board.version - 1})
    assert r.status_code == 409
    db.session.expire_all()
    assert db.session.get(Board, board.id).current_phase == "gegenwart"
    # a guest writes into the current phase; the closed first phase refuses
    guest = app.test_client()
    assert (
        guest.post(
            f"/werkstatt/tafeln/{board.id}/gast", data={"name": "Gerd Gast", "code": board.guest_code}
        ).status_code
        == 303
    )
    r = guest.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "vergangenheit", "text": "nachgereicht"})
    assert r.status_code == 422
    assert "Die Phase „Reflektion der Vergangenheit“ nimmt keine neuen Karten an" in r.get_data(as_text=True)
    r = guest.post(f"/werkstatt/tafeln/{board.id}/karten", data={"text": "Demografischer Wandel"})
    assert r.status_code == 303
    html = guest.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert "1998: Kita-Ausbau" in html and "Demografischer Wandel" in html  # earlier phase stays readable
    assert _count(db) == 2
    cards = {c.text: c.field for c in db.session.scalars(select(BoardCard))}
    assert cards == {"1998: Kita-Ausbau": "vergangenheit", "Demografischer Wandel": "gegenwart"}


def test_advance_through_all_phases_and_services(gw, db):
    board = _zk(gw, db)
    seen = []
    for _ in range(len(ZUKUNFT_PHASES) - 1):
        seen.append(board.current_phase)
        svc.advance_phase(gw.w.planner_k, board, board.version)
        db.session.commit()
    assert seen + [board.current_phase] == [k for k, _l in ZUKUNFT_PHASES]
    assert board.next_phase is None
    with pytest.raises(ValidationError):
        svc.advance_phase(gw.w.planner_k, board, board.version)
    with pytest.raises(Conflict):
        svc.advance_phase(gw.w.planner_k, board, board.version + 5)
    # other board types have no phases
    swot = svc.create_board(gw.w.planner_k, gw.meeting, {"kind": "swot", "title": "S"})
    assert swot.current_phase is None
    with pytest.raises(ValidationError):
        svc.advance_phase(gw.w.planner_k, swot, swot.version)
    # a member may add cards but not move phases
    with pytest.raises(PermissionDenied):
        svc.advance_phase(gw.w.partner_a, board, board.version)
    # a closed board takes no phase change and no cards
    svc.close_board(gw.w.planner_k, board, board.version)
    with pytest.raises(ValidationError):
        svc.add_card(svc.Actor(user=gw.w.planner_k), board, {"text": "x"})


@pytest.mark.parametrize(
    "who, view, add",
    [
        ("planung@kreis.example", 200, 303),
        ("partner@wohlfahrt.example", 200, 303),
        ("planung@fremd.example", 404, 404),
        ("politik@kreis.example", 404, 404),
    ],
)
def test_zukunft_permissions(client, gw, db, who, view, add):
    board = _zk(gw, db)
    c = switch_user(client, who)
    assert c.get(f"/werkstatt/tafeln/{board.id}").status_code == view
    assert c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"text": "Hallo"}).status_code == add
    assert c.post(f"/werkstatt/tafeln/{board.id}/phase", data={"version": board.version}).status_code == (
        303 if who == "planung@kreis.example" else 404 if view == 404 else 403
    )


def test_zukunft_export_lists_cards_per_phase(client, gw, db):
    import docx
    from pypdf import PdfReader

    board = _zk(gw, db)
    actor = svc.Actor(user=gw.w.planner_k)
    svc.add_card(actor, board, {"text": "Zechenschließung 1990"})
    svc.advance_phase(gw.w.planner_k, board, board.version)
    svc.advance_phase(gw.w.planner_k, board, board.version)
    svc.add_card(actor, board, {"text": "Ein Quartier für alle Generationen"})
    db.session.commit()
    c = switch_user(client, "planung@kreis.example")
    paragraphs = [
        p.text for p in docx.Document(io.BytesIO(c.get(f"/werkstatt/tafeln/{board.id}/export.docx").data)).paragraphs
    ]
    for n, (_key, label) in enumerate(ZUKUNFT_PHASES, 1):
        assert f"Phase {n}: {label}" in paragraphs
    i1 = paragraphs.index("Phase 1: Reflektion der Vergangenheit")
    i3 = paragraphs.index("Phase 3: Entwicklung von Zukunftsentwürfen")
    assert paragraphs[i1 + 1].startswith("Zechenschließung 1990")
    assert paragraphs[i3 + 1].startswith("Ein Quartier für alle Generationen")
    r = c.get(f"/werkstatt/tafeln/{board.id}/export.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Planung konkreter Maßnahmen" in text and "Zechenschließung 1990" in text


def test_method_library_links_zukunft_board(client, gw, db):
    c = switch_user(client, "planung@kreis.example")
    html = c.get("/werkstatt/methoden/zukunftskonferenz").get_data(as_text=True)
    assert "Zukunftskonferenz" in html and "geführte Phasenfolge gibt es noch nicht" not in html
    assert "<strong>Zukunftskonferenz, SWOT-Analyse, Punktabfrage</strong>" in html
