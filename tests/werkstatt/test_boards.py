"""Methoden-Tafeln: SWOT, Punktabfrage, Portfolio; guests with the code (refused once the meeting is
finished); moderator merge with a version check; dots against a hand count and the allowance;
results into the protocol and the Themenspeicher; permissions for member, moderator, guest,
outsider and a partner of another organisation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.werkstatt import boards as svc
from models import TopicProposal
from models.protocols import ProtocolEntry
from models.werkstatt import Board, BoardCard, BoardDot, BoardGuest

from .conftest import switch_user


def _board(gw, db, kind="swot", **extra):
    values = {
        "kind": kind,
        "title": f"Tafel {kind}",
        "dots_per_participant": 3,
        "x_label": "Dringlichkeit",
        "y_label": "Wirkung",
        **extra,
    }
    board = svc.create_board(gw.w.planner_k, gw.meeting, values)
    db.session.commit()
    return board


def _csrf_free(client):
    return client


def test_swot_board_member_adds_cards_and_page_shows_quadrants(client, gw, db):
    board = _board(gw, db)
    c = switch_user(client, "partner@wohlfahrt.example")  # member organisation of the SPK
    r = c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "staerken", "text": "Viele Ehrenamtliche"})
    assert r.status_code == 303, r.get_data(as_text=True)
    r = c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "risiken", "text": "Fachkräftemangel"})
    assert r.status_code == 303
    html = c.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    for label in ("Stärken (1)", "Schwächen (0)", "Chancen (0)", "Risiken (1)"):
        assert label in html
    assert "Viele Ehrenamtliche" in html and "Partnerin Wohlfahrt" in html
    stand = c.get(f"/werkstatt/tafeln/{board.id}/stand.json").get_json()
    assert "Fachkräftemangel" in stand["html"] and len(stand["stamp"]) == 16
    # bad input: no quadrant, empty text → 422, nothing written
    r = c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "", "text": ""})
    assert r.status_code == 422
    assert "Bitte schreiben Sie etwas auf die Karte." in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BoardCard)) == 2


def test_guest_with_code_and_finished_meeting(client, gw, db, app):
    board = _board(gw, db)
    guest = app.test_client()
    r = guest.get(f"/werkstatt/tafeln/{board.id}")
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/werkstatt/tafeln/{board.id}/gast")
    r = guest.post(f"/werkstatt/tafeln/{board.id}/gast", data={"name": "Gisela Gast", "code": "FALSCH"})
    assert r.status_code == 422 and "Dieser Code passt nicht" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BoardGuest)) == 0
    r = guest.post(f"/werkstatt/tafeln/{board.id}/gast", data={"name": "Gisela Gast", "code": board.guest_code.lower()})
    assert r.status_code == 303
    r = guest.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "chancen", "text": "Neues Quartierszentrum"})
    assert r.status_code == 303
    card = db.session.scalar(select(BoardCard))
    assert card.author_name == "Gisela Gast (Gast)" and card.author_user_id is None
    # a guest may not arrange (moderator only)
    r = guest.post(f"/werkstatt/karten/{card.id}/anordnen", data={"cluster": "x", "version": card.version})
    assert r.status_code == 403
    # another board of the same meeting: the guest session does not reach it
    other = _board(gw, db, title="Andere")
    assert guest.post(f"/werkstatt/tafeln/{other.id}/karten", data={"field": "chancen", "text": "x"}).status_code == 403
    # the meeting is over: joining and adding are refused
    gw.meeting.status = "durchgeführt"
    db.session.commit()
    late = app.test_client()
    r = late.post(f"/werkstatt/tafeln/{board.id}/gast", data={"name": "Spät", "code": board.guest_code})
    assert r.status_code == 403 and "Sitzung ist beendet" in r.get_data(as_text=True)
    r = guest.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "chancen", "text": "Noch eine"})
    assert r.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(BoardCard)) == 1
    with pytest.raises(PermissionDenied):
        svc.join_as_guest(board, board.guest_code, "Spät")


def test_dot_voting_counts_allowance_and_ranking(client, gw, db, app):
    board = _board(gw, db, kind="punktabfrage", dots_per_participant=3)
    moderator = svc.Actor(user=gw.w.planner_k)
    cards = [svc.add_card(moderator, board, {"text": t}) for t in ("Spielplatz", "Jugendtreff", "Seniorencafé")]
    db.session.commit()
    member = switch_user(client, "partner@wohlfahrt.example")
    guests = []
    for name in ("Gast Eins", "Gast Zwei"):
        g = app.test_client()
        assert (
            g.post(f"/werkstatt/tafeln/{board.id}/gast", data={"name": name, "code": board.guest_code}).status_code
            == 303
        )
        guests.append(g)
    # hand count: Spielplatz 2 (member) + 1 (Gast Eins) + 0 = 3; Jugendtreff 1 (member) + 2 (Gast Eins) + 1 (Gast Zwei) = 4;
    # Seniorencafé 0 + 0 + 2 (Gast Zwei) = 2
    plan = [(member, [0, 0, 1]), (guests[0], [0, 1, 1]), (guests[1], [1, 2, 2])]
    for c, picks in plan:
        for i in picks:
            r = c.post(f"/werkstatt/karten/{cards[i].id}/punkt", data={})
            assert r.status_code == 303, r.get_data(as_text=True)
    # a fourth dot is refused: German message, 422, nothing written
    r = member.post(f"/werkstatt/karten/{cards[2].id}/punkt", data={})
    assert r.status_code == 422 and "Sie haben alle 3 Punkte vergeben" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(BoardDot)) == 9
    db.session.expire_all()
    board = db.session.get(Board, board.id)
    assert [(c.text, n) for c, n in svc.ranking(board)] == [("Jugendtreff", 4), ("Spielplatz", 3), ("Seniorencafé", 2)]
    html = member.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert "Ihre Punkte: 3 von 3 vergeben." in html
    ranking = re.findall(
        r'<th scope="row" class="kern-table__cell">([^<]+)</th><td class="kern-table__cell">(\d+)</td>', html
    )
    assert ranking == [("Jugendtreff", "4"), ("Spielplatz", "3"), ("Seniorencafé", "2")]
    # take one back, then it can be placed again
    assert member.post(f"/werkstatt/karten/{cards[0].id}/punkt-zurueck", data={}).status_code == 303
    assert member.post(f"/werkstatt/karten/{cards[2].id}/punkt", data={}).status_code == 303
    assert member.post(f"/werkstatt/karten/{cards[1].id}/punkt-zurueck", data={}).status_code == 303  # own dot there
    assert (
        guests[0].post(f"/werkstatt/karten/{cards[2].id}/punkt-zurueck", data={}).status_code == 422
    )  # none of theirs


def test_concurrent_merge_conflict_nothing_lost(client, gw, db):
    board = _board(gw, db)
    actor = svc.Actor(user=gw.w.planner_k)
    a = svc.add_card(actor, board, {"field": "schwaechen", "text": "Wenig Busverbindungen"})
    b = svc.add_card(actor, board, {"field": "schwaechen", "text": "ÖPNV abends schlecht"})
    c3 = svc.add_card(actor, board, {"field": "schwaechen", "text": "Kein Nachtbus"})
    db.session.commit()
    seen = {a.id: a.version, b.id: b.version, c3.id: c3.version}
    first = switch_user(client, "planung@kreis.example")
    r = first.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={"aktion": "zusammenfuehren", "karte": [f"{a.id}:{seen[a.id]}", f"{b.id}:{seen[b.id]}"]},
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    # the second moderator still sees the old versions and merges b and c3
    second = switch_user(client, "admin@test.example")
    r = second.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={"aktion": "zusammenfuehren", "karte": [f"{b.id}:{seen[b.id]}", f"{c3.id}:{seen[c3.id]}"]},
    )
    assert r.status_code == 409
    assert "zusammengeführt" in r.get_data(as_text=True)
    db.session.expire_all()
    rows = {x.id: x for x in db.session.scalars(select(BoardCard))}
    assert len(rows) == 3  # nothing deleted
    assert rows[a.id].text == "Wenig Busverbindungen / ÖPNV abends schlecht"
    assert rows[b.id].merged_into_id == a.id and rows[c3.id].merged_into_id is None
    # stale version of a card that was only edited → conflict as well
    with pytest.raises(Conflict):
        svc.merge_cards(gw.w.planner_k, db.session.get(Board, board.id), {a.id: seen[a.id], c3.id: seen[c3.id]})


def test_results_into_protocol_and_themenspeicher(client, gw, db):
    board = _board(gw, db, kind="punktabfrage", dots_per_participant=2)
    actor = svc.Actor(user=gw.w.planner_k)
    top = svc.add_card(actor, board, {"text": "Familienzentrum ausbauen"})
    low = svc.add_card(actor, board, {"text": "Bänke im Park"})
    svc.give_dot(actor, top)
    svc.give_dot(actor, top)
    db.session.commit()
    c = switch_user(client, "planung@kreis.example")
    r = c.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={"aktion": "uebernehmen", "ziel": "Empfehlung", "karte": [f"{low.id}:1", f"{top.id}:1"]},
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    entry = db.session.scalar(select(ProtocolEntry))
    assert entry.kind == "Empfehlung"
    assert entry.text.splitlines() == [
        "Ergebnis Punktabfrage „Tafel punktabfrage“:",
        "- Familienzentrum ausbauen (2 Punkte)",
        "- Bänke im Park (0 Punkte)",
    ]
    r = c.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={
            "aktion": "uebernehmen",
            "ziel": "Aufgabe",
            "einzeln": "1",
            "owner_org_id": gw.w.org_a.id,
            "karte": [f"{top.id}:1"],
        },
    )
    assert r.status_code == 303
    task = db.session.scalar(select(ProtocolEntry).where(ProtocolEntry.kind == "Aufgabe"))
    assert task.owner_org_id == gw.w.org_a.id and task.text.startswith("Familienzentrum ausbauen (2 Punkte")
    # an Aufgabe without owner: German message, nothing written
    r = c.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={"aktion": "uebernehmen", "ziel": "Aufgabe", "karte": [f"{low.id}:1"]},
    )
    assert r.status_code == 422 and "wer die Aufgabe übernimmt" in r.get_data(as_text=True)
    r = c.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={"aktion": "uebernehmen", "ziel": "Themenspeicher", "einzeln": "1", "karte": [f"{low.id}:1"]},
    )
    assert r.status_code == 303
    topic = db.session.scalar(select(TopicProposal))
    assert topic.title == "Bänke im Park" and topic.committee_id == gw.spk.id
    assert db.session.scalar(select(func.count()).select_from(ProtocolEntry)) == 2


def test_portfolio_board_svg_and_bad_values(client, gw, db):
    board = _board(gw, db, kind="portfolio")
    c = switch_user(client, "planung@kreis.example")
    assert (
        c.post(
            f"/werkstatt/tafeln/{board.id}/karten", data={"text": "Schulsozialarbeit", "x": "80", "y": "90"}
        ).status_code
        == 303
    )
    r = c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"text": "Zu weit", "x": "150", "y": "x"})
    assert r.status_code == 422 and "0 bis 100" in r.get_data(as_text=True)
    html = c.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert "<svg" in html and 'cx="336.0"' in html and "Schulsozialarbeit" in html
    with pytest.raises(ValidationError):
        svc.create_board(gw.w.planner_k, gw.meeting, {"kind": "portfolio", "title": "ohne Achsen"})


@pytest.mark.parametrize(
    "who, view, add, arrange",
    [
        ("planung@kreis.example", 200, 303, 303),  # organiser = moderator
        ("partner@wohlfahrt.example", 200, 303, 403),  # member organisation
        ("partner@jobcenter.example", 200, 303, 403),  # member organisation (erweiterter Kreis)
        ("planung@fremd.example", 404, 404, 404),  # outsider (other Kreis)
        ("srm@ahlen.example", 404, 404, 404),  # staff, but not in this meeting
        ("politik@kreis.example", 404, 404, 404),  # reads the committee, not in the meeting
    ],
)
def test_board_permissions(client, gw, db, who, view, add, arrange):
    board = _board(gw, db)
    card = svc.add_card(svc.Actor(user=gw.w.planner_k), board, {"field": "staerken", "text": "Start"})
    db.session.commit()
    c = switch_user(client, who)
    assert c.get(f"/werkstatt/tafeln/{board.id}").status_code == view
    assert c.get(f"/werkstatt/tafeln/{board.id}/stand.json").status_code == view
    assert (
        c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "staerken", "text": "Hallo"}).status_code == add
    )
    r = c.post(
        f"/werkstatt/karten/{card.id}/anordnen",
        data={"field": "chancen", "cluster": "Mobilität", "version": card.version},
    )
    assert r.status_code == arrange
    assert c.get(f"/werkstatt/sitzungen/{gw.meeting.id}/tafeln").status_code == (200 if view == 200 else 404)


def test_partner_of_other_organisation_not_member(client, gw, db):
    """The SRK Altstadt has no member organisations: the Jobcenter partner is not in its meeting."""
    board = svc.create_board(gw.w.srm_a, gw.srk_meeting, {"kind": "swot", "title": "SRK SWOT"})
    db.session.commit()
    c = switch_user(client, "partner@jobcenter.example")
    assert c.get(f"/werkstatt/tafeln/{board.id}").status_code == 404
    assert c.post(f"/werkstatt/tafeln/{board.id}/karten", data={"field": "staerken", "text": "x"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(BoardCard)) == 0


def test_board_page_query_count_constant(client, gw, db):
    from tests.support.queries import assert_constant_queries

    board = _board(gw, db, kind="punktabfrage", dots_per_participant=20)
    actor = svc.Actor(user=gw.w.planner_k)
    client.login("planung@kreis.example")

    def grow(factor):
        for i in range(factor):
            card = svc.add_card(actor, board, {"text": f"Karte {i}"})
            svc.give_dot(actor, card)
        db.session.commit()

    grow(2)
    assert_constant_queries(client, db.engine, f"/werkstatt/tafeln/{board.id}", grow)


def test_board_export_pdf_and_docx(client, gw, db):
    import io

    import docx
    from pypdf import PdfReader

    board = _board(gw, db)
    actor = svc.Actor(user=gw.w.planner_k)
    svc.add_card(actor, board, {"field": "staerken", "text": "Starke Vereine"})
    svc.add_card(actor, board, {"field": "risiken", "text": "Fachkräftemangel"})
    db.session.commit()
    c = switch_user(client, "planung@kreis.example")
    r = c.get(f"/werkstatt/tafeln/{board.id}/export.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    assert "Starke Vereine" in text and "Stärken (1)" in text and "Risiken (1)" in text
    r = c.get(f"/werkstatt/tafeln/{board.id}/export.docx")
    assert r.status_code == 200
    paragraphs = [p.text for p in docx.Document(io.BytesIO(r.data)).paragraphs]
    assert "Stärken" in paragraphs and any(p.startswith("Fachkräftemangel") for p in paragraphs)
    assert c.get(f"/werkstatt/tafeln/{board.id}/export.xls").status_code == 404
    outsider = switch_user(client, "planung@fremd.example")
    assert outsider.get(f"/werkstatt/tafeln/{board.id}/export.pdf").status_code == 404


def test_ties_share_a_place():
    rows = [("a", 5), ("b", 5), ("c", 4), ("d", 0), ("e", 0)]
    assert [p for p, _c, _n in svc.places(rows)] == [1, 1, 3, 4, 4]


def test_simultaneous_merge_database_decides(client, gw, db):
    """Both moderators passed the version check at the same moment: the second UPDATE finds a newer
    version in the database → Conflict, nothing merged twice."""
    from sqlalchemy import text

    board = _board(gw, db)
    actor = svc.Actor(user=gw.w.planner_k)
    a = svc.add_card(actor, board, {"field": "chancen", "text": "A"})
    b = svc.add_card(actor, board, {"field": "chancen", "text": "B"})
    db.session.commit()
    seen = {a.id: a.version, b.id: b.version}
    board = svc.load_board(board.id)
    with db.engine.begin() as conn:  # the other moderator's merge, committed meanwhile
        conn.execute(
            text("UPDATE werkstatt_card SET version = version + 1, text = 'A / X' WHERE id = :id"), {"id": a.id}
        )
    with pytest.raises(Conflict):
        svc.merge_cards(gw.w.planner_k, board, seen)
    db.session.rollback()
    rows = {c.id: c for c in db.session.scalars(select(BoardCard))}
    assert rows[a.id].text == "A / X" and rows[b.id].merged_into_id is None


def test_open_space_marketplace(client, gw, db, app):
    board = _board(gw, db, kind="open_space", title="Marktplatz Kinderarmut")
    member = switch_user(client, "partner@wohlfahrt.example")
    assert member.post(f"/werkstatt/tafeln/{board.id}/karten", data={"text": "Ferien ohne Kosten"}).status_code == 303
    guest = app.test_client()
    assert (
        guest.post(f"/werkstatt/tafeln/{board.id}/gast", data={"name": "Gast", "code": board.guest_code}).status_code
        == 303
    )
    assert guest.post(f"/werkstatt/tafeln/{board.id}/karten", data={"text": "Sprachcafé"}).status_code == 303
    ferien, sprache = db.session.scalars(select(BoardCard).order_by(BoardCard.id)).all()
    moderator = switch_user(client, "planung@kreis.example")
    r = moderator.post(
        f"/werkstatt/karten/{ferien.id}/anordnen",
        data={"room": "Raum A", "slot": "10:00–11:00 Uhr", "version": ferien.version},
    )
    assert r.status_code == 303
    # the same room at the same time is refused
    r = moderator.post(
        f"/werkstatt/karten/{sprache.id}/anordnen",
        data={"room": "Raum A", "slot": "10:00–11:00 Uhr", "version": sprache.version},
    )
    assert r.status_code == 422 and "schon belegt" in r.get_data(as_text=True)
    r = moderator.post(
        f"/werkstatt/karten/{sprache.id}/anordnen",
        data={"room": "Raum B", "slot": "10:00–11:00 Uhr", "version": sprache.version},
    )
    assert r.status_code == 303
    # documentation: the guest documents their own session, not the other one
    db.session.expire_all()
    sprache = db.session.get(BoardCard, sprache.id)
    seen = sprache.version  # the moderator's form was loaded now
    r = guest.post(
        f"/werkstatt/karten/{sprache.id}/dokumentation",
        data={"documentation": "Jeden Dienstag im Familienzentrum", "version": seen},
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    r = guest.post(f"/werkstatt/karten/{ferien.id}/dokumentation", data={"documentation": "x", "version": 2})
    assert r.status_code == 403
    # stale documentation → 409 with the text kept
    r = moderator.post(
        f"/werkstatt/karten/{sprache.id}/dokumentation", data={"documentation": "Mein neuer Text", "version": seen}
    )
    assert r.status_code == 409 and "Mein neuer Text" in r.get_data(as_text=True)
    html = moderator.get(f"/werkstatt/tafeln/{board.id}").get_data(as_text=True)
    assert "Marktplatz: Sessions nach Zeit und Raum" in html and "(dokumentiert)" in html
    # the live refresh of the board (static/js/werkstatt_board.js) shows the same documentation forms; it answered
    # 500 where a card may be documented (the form's kept values were missing in stand.json)
    for who in (moderator, guest):
        stand = who.get(f"/werkstatt/tafeln/{board.id}/stand.json")
        assert stand.status_code == 200, stand.get_data(as_text=True)[:300]
        assert "Dokumentation speichern" in stand.get_json()["html"]
    # compiled into the protocol
    db.session.expire_all()
    r = moderator.post(
        f"/werkstatt/tafeln/{board.id}/auswahl",
        data={
            "aktion": "uebernehmen",
            "ziel": "Erkenntnis",
            "karte": [f"{c.id}:{c.version}" for c in db.session.scalars(select(BoardCard))],
        },
    )
    assert r.status_code == 303
    entry = db.session.scalar(select(ProtocolEntry))
    assert "Sprachcafé (10:00–11:00 Uhr, Raum B)" in entry.text and "Jeden Dienstag im Familienzentrum" in entry.text
    r = moderator.get(f"/werkstatt/tafeln/{board.id}/export.pdf")
    assert r.status_code == 200
