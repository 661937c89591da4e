"""The committee picker (issue 14): `/auswahl/gremien` finds exactly the committees the user may see,
and the committee filter of Nachhalten is a picker (search box, matches as radio buttons without
JavaScript) instead of a <select> with every committee."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from beteiligung.extensions import db
from models.committees import Committee, CommitteeType, Membership


@pytest.fixture
def gremien(world):
    ctype = db.session.scalars(select(CommitteeType)).first()
    made = {
        "kreis": Committee(body=world.kreis, type=ctype, name="Pflegekonferenz Kreis", is_public=False),
        "ahlen": Committee(body=world.kommune_a, type=ctype, name="Pflegerunde Ahlen", is_public=False),
        "fremd": Committee(body=world.fremdkreis, type=ctype, name="Pflegebeirat Fremdland", is_public=False),
        "offen": Committee(body=world.fremdkreis, type=ctype, name="Pflegeforum Fremdland", is_public=True),
        "mitglied": Committee(body=world.kreis, type=ctype, name="Pflegenetz mit Wohlfahrt", is_public=False),
    }
    made["mitglied"].memberships = [Membership(person=world.person_a)]
    db.session.add_all(made.values())
    db.session.commit()
    return made


def _names(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert "no-store" in resp.headers["Cache-Control"]
    return [t["label"] for t in resp.get_json()["treffer"]]


ALL = ["Pflegekonferenz Kreis", "Pflegerunde Ahlen", "Pflegebeirat Fremdland", "Pflegeforum Fremdland"]

CASES = [
    ("admin@test.example", ALL + ["Pflegenetz mit Wohlfahrt"], []),
    (
        "planung@kreis.example",
        ["Pflegekonferenz Kreis", "Pflegerunde Ahlen", "Pflegeforum Fremdland", "Pflegenetz mit Wohlfahrt"],
        ["Pflegebeirat Fremdland"],
    ),
    ("planung@fremd.example", ["Pflegebeirat Fremdland", "Pflegeforum Fremdland"], ["Kreis", "Ahlen", "Wohlfahrt"]),
    # A partner finds the public committees and those their person is a member of – nothing else.
    (
        "partner@wohlfahrt.example",
        ["Pflegeforum Fremdland", "Pflegenetz mit Wohlfahrt"],
        ["Pflegekonferenz", "Pflegerunde", "Pflegebeirat"],
    ),
    ("partner@jobcenter.example", ["Pflegeforum Fremdland"], ["Pflegekonferenz", "Pflegerunde", "Wohlfahrt"]),
    ("politik@kreis.example", ["Pflegekonferenz Kreis", "Pflegeforum Fremdland"], ["Pflegebeirat"]),
]


@pytest.mark.parametrize("email,found,never", CASES)
def test_committee_search_finds_what_the_user_may_see(client, world, gremien, email, found, never):
    client.login(email)
    names = _names(client.get("/auswahl/gremien?q=pfleg&zweck=protokoll"))
    for name in found:
        assert name in names
    for name in never:
        assert not any(name in n for n in names), names


def test_committee_search_every_word_and_names_starting_first(client, world, gremien):
    client.login("admin@test.example")
    assert _names(client.get("/auswahl/gremien?q=fremd+pflegeb")) == ["Pflegebeirat Fremdland"]
    assert _names(client.get("/auswahl/gremien?q=land"))[:2] == ["Pflegebeirat Fremdland", "Pflegeforum Fremdland"]


def test_committee_search_bad_input(client, world, gremien):
    assert client.get("/auswahl/gremien?q=pflege").status_code in (302, 401)  # not signed in
    client.login("planung@kreis.example")
    assert client.get("/auswahl/gremien?q=pflege&zweck=netzwerk").status_code == 403
    short = client.get("/auswahl/gremien?q=p")
    assert short.status_code == 400 and short.get_json()["treffer"] == []
    assert client.get("/auswahl/gremien?q=" + "x" * 101).status_code == 400


def test_followup_committee_filter_without_javascript(client, world, gremien):
    """ "Suchen" shows the matches as radio buttons (only what the user may see); a chosen committee stays
    chosen; a guessed foreign id is neither named nor chosen, and the list stays empty."""
    client.login("planung@kreis.example")
    page = client.get("/protokolle/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="gremium"' in html and "Pflegekonferenz Kreis" not in html  # no list of all committees

    html = client.get("/protokolle/?gremium-q=pflege&gremium-suchen=1").get_data(as_text=True)
    assert 'type="radio" id="gremium-%d" name="gremium" value="%d"' % (gremien["kreis"].id, gremien["kreis"].id) in html
    assert "Pflegekonferenz Kreis" in html and "Pflegebeirat Fremdland" not in html
    assert "Treffer für „pflege“" in html

    html = client.get(f"/protokolle/?gremium={gremien['kreis'].id}").get_data(as_text=True)
    assert f'value="{gremien["kreis"].id}" checked' in html and "Pflegekonferenz Kreis" in html

    foreign = client.get(f"/protokolle/?gremium={gremien['fremd'].id}")
    html = foreign.get_data(as_text=True)
    assert foreign.status_code == 200
    assert "Pflegebeirat Fremdland" not in html
    assert 'id="gremium-leer" name="gremium" value="" checked' in html
    assert "Keine Einträge für diese Auswahl." in html

    assert client.get("/protokolle/?gremium=abc").status_code == 200  # not an id: no filter, no 500
