"""Methodenbibliothek: the handbook's card format, linked to the board types."""

from __future__ import annotations

from beteiligung.services.werkstatt.methods import BY_KEY, METHODS, methods_for_board
from models.werkstatt import BoardKind


def test_library_pages(client, world):
    client.login("partner@wohlfahrt.example")
    r = client.get("/werkstatt/methoden/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    for m in METHODS:
        assert m.name in html
    r = client.get("/werkstatt/methoden/swot")
    html = r.get_data(as_text=True)
    for label in ("Anwendungsbereich", "Ziele", "Akteure", "Beschreibung", "Ergebnis", "Good Practice", "Literatur"):
        assert f">{label}</dt>" in html
    assert "Erpinghofsiedlung" in html and "SWOT-Analyse, Punktabfrage" in html
    html = client.get("/werkstatt/methoden/zukunftskonferenz").get_data(as_text=True)
    assert html.count("<li>") >= 5 and "verbindlichen Terminen" in html
    assert client.get("/werkstatt/methoden/gibt-es-nicht").status_code == 404


def test_every_board_type_has_a_method_and_cards_are_complete():
    for kind in BoardKind:
        assert methods_for_board(kind.value), kind
    for m in METHODS:
        assert m.anwendungsbereich and m.ziele and m.akteure and m.beschreibung and m.ergebnis and m.when and m.source
    assert len(BY_KEY["wirkungsbeitragsanalyse"].steps) == 4
