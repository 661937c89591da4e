"""The JSON search behind the pickers: permissions per role × purpose × own/foreign, bad input,
the size limit and the rate limit."""

from __future__ import annotations

import pytest

from beteiligung.extensions import db
from beteiligung.services import auswahl as svc
from models import Organisation, Person


def _names(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)
    assert resp.mimetype == "application/json"
    return [t["label"] for t in resp.get_json()["treffer"]]


# (login, query, expected to be found, never found)
PERSON_CASES = [
    ("admin@test.example", "an", ["Arndt, Anke (Wohlfahrt Ahlen e. V.)", "Brandt, Bernd (Jobcenter Beckum)"], []),
    (
        "planung@kreis.example",
        "an",
        ["Arndt, Anke (Wohlfahrt Ahlen e. V.)", "Brandt, Bernd (Jobcenter Beckum)"],
        ["Xander"],
    ),
    ("planung@fremd.example", "an", ["Xander, Xaver (Fremder Träger gGmbH)"], ["Arndt", "Brandt"]),
    ("srm@ahlen.example", "an", ["Arndt, Anke (Wohlfahrt Ahlen e. V.)"], ["Xander"]),
    # A partner finds the persons of their own organisation only.
    ("partner@wohlfahrt.example", "an", ["Arndt, Anke (Wohlfahrt Ahlen e. V.)"], ["Brandt", "Xander", "Fremdorg"]),
    ("partner@jobcenter.example", "an", ["Brandt, Bernd (Jobcenter Beckum)"], ["Arndt", "Xander"]),
]


@pytest.mark.parametrize("email,q,found,never", PERSON_CASES)
@pytest.mark.parametrize("zweck", ["allgemein", "mitglied", "einladung", "protokoll"])
def test_person_search_by_role_and_purpose(client, world, email, q, found, never, zweck):
    db.session.add(Person(body=world.kommune_a, first_name="Fiona", last_name="Fremdorg", organisation=world.org_k))
    db.session.commit()
    client.login(email)
    names = _names(client.get(f"/auswahl/personen?q={q}&zweck={zweck}"))
    for name in found:
        assert name in names
    for name in never:
        assert not any(name in n for n in names), names


def test_person_search_network_needs_consent_and_hides_anonymised(client, world):
    client.login("planung@kreis.example")
    assert _names(client.get("/auswahl/personen?q=an&zweck=netzwerk")) == ["Arndt, Anke (Wohlfahrt Ahlen e. V.)"]
    from datetime import datetime

    world.person_b.anonymised_at = datetime(2026, 1, 1)
    db.session.commit()
    assert "Brandt" not in str(_names(client.get("/auswahl/personen?q=brandt")))


def test_politics_finds_no_persons_but_organisations(client, world):
    client.login("politik@kreis.example")
    assert client.get("/auswahl/personen?q=an").status_code == 403
    names = _names(client.get("/auswahl/organisationen?q=ahlen"))
    assert "Wohlfahrt Ahlen e. V." in names and "Fremder Träger gGmbH" not in names


@pytest.mark.parametrize(
    "email,found,never",
    [
        ("planung@kreis.example", ["Jobcenter Beckum", "Kreissozialamt Testhausen"], ["Fremder Träger gGmbH"]),
        ("planung@fremd.example", ["Fremder Träger gGmbH"], ["Jobcenter Beckum"]),
        ("partner@wohlfahrt.example", ["Jobcenter Beckum"], ["Fremder Träger gGmbH"]),
    ],
)
@pytest.mark.parametrize("zweck", ["allgemein", "mitglied", "protokoll", "kontrakt", "netzwerk"])
def test_organisation_search_by_role(client, world, email, found, never, zweck):
    client.login(email)
    for name in found:
        assert name in _names(client.get(f"/auswahl/organisationen?q={name[:5]}&zweck={zweck}"))
    for name in never:
        assert name not in _names(client.get(f"/auswahl/organisationen?q={name[:5]}&zweck={zweck}"))


def test_anonymous_is_sent_to_login(client, world):
    for url in ("/auswahl/personen?q=an", "/auswahl/organisationen?q=an"):
        r = client.get(url)
        assert r.status_code in (302, 401)
        if r.status_code == 302:
            assert "/anmelden" in r.headers["Location"]


def test_unknown_purpose_is_403(client, world):
    client.login("planung@kreis.example")
    assert client.get("/auswahl/personen?q=an&zweck=alles").status_code == 403
    assert client.get("/auswahl/organisationen?q=an&zweck=alles").status_code == 403


@pytest.mark.parametrize(
    "q,message",
    [
        ("", "mindestens 2 Zeichen"),
        ("a", "mindestens 2 Zeichen"),
        ("  a  ", "mindestens 2 Zeichen"),
        ("<>", "mindestens 2 Zeichen"),  # only odd characters: nothing left to search
        ("x" * 101, "zu lang"),
    ],
)
def test_bad_queries_are_400_with_german_message(client, world, q, message):
    client.login("planung@kreis.example")
    r = client.get("/auswahl/personen", query_string={"q": q})
    assert r.status_code == 400
    assert message in r.get_json()["meldung"]
    assert r.get_json()["treffer"] == []


@pytest.mark.parametrize("q", ["%", "_n", "\\", "an%' OR 1=1 --", "ä\x00rndt", "𝔄rndt", "an;drop table person"])
def test_odd_characters_never_fail(client, world, q):
    client.login("planung@kreis.example")
    r = client.get("/auswahl/personen", query_string={"q": q})
    assert r.status_code in (200, 400)
    if r.status_code == 200:
        # LIKE wildcards are escaped: "%" or "_" alone match nothing
        assert r.get_json()["anzahl"] <= 2
    assert db.session.get(Person, world.person_a.id) is not None


def test_every_word_must_match_and_surnames_first(client, world):
    client.login("planung@kreis.example")
    assert _names(client.get("/auswahl/personen?q=anke arndt")) == ["Arndt, Anke (Wohlfahrt Ahlen e. V.)"]
    assert _names(client.get("/auswahl/personen?q=jobcenter")) == ["Brandt, Bernd (Jobcenter Beckum)"]
    assert _names(client.get("/auswahl/personen?q=anke brandt")) == []


def test_at_most_twenty_matches(client, world):
    for i in range(30):
        db.session.add(Person(body=world.kommune_a, first_name=f"Vorname{i}", last_name=f"Massen{i:02d}"))
        db.session.add(Organisation(body=world.kommune_a, name=f"Massenträger {i:02d}", kind="Freier Träger"))
    db.session.commit()
    client.login("planung@kreis.example")
    data = client.get("/auswahl/personen?q=massen").get_json()
    assert data["anzahl"] == 20 and data["weitere"] is True
    assert data["treffer"][0]["label"] == "Massen00, Vorname0"
    data = client.get("/auswahl/organisationen?q=massen").get_json()
    assert data["anzahl"] == 20 and data["weitere"] is True


def test_rate_limit(app, client, world):
    app.config["AUSWAHL_SUCHEN_JE_FENSTER"] = 3
    client.login("planung@kreis.example")
    for _ in range(3):
        assert client.get("/auswahl/personen?q=an").status_code == 200
    r = client.get("/auswahl/personen?q=an")
    assert r.status_code == 429
    assert "Zu viele Suchanfragen" in r.get_json()["meldung"]
    assert r.headers["Retry-After"] == str(svc.WINDOW_SECONDS)
    # another user is not affected
    client.logout()
    client.login("admin@test.example")
    assert client.get("/auswahl/personen?q=an").status_code == 200


def test_rate_limit_window_slides(app):
    key = "user:test"
    limit = app.config["AUSWAHL_SUCHEN_JE_FENSTER"]
    assert limit == 60
    assert all(svc.allow_search(key, now=100.0 + i * 0.1) for i in range(limit))
    assert not svc.allow_search(key, now=110.0)
    assert not svc.allow_search(key, now=120.2)  # a new fixed window, but the searches of 100–106 s are recent
    assert svc.allow_search(key, now=100.0 + svc.WINDOW_SECONDS + 0.05 + 10)  # 20 s later: two thirds have aged out
    assert svc.allow_search("user:other", now=110.0)


def test_rate_limit_is_counted_in_the_database_for_every_process(app):
    """The count is a row per account and window, written in a transaction of its own: another process (here: a
    connection of its own, as a second server would have) sees it, and old windows are removed."""
    from sqlalchemy import select

    from beteiligung.extensions import db
    from models.auswahl import Suchzaehler

    for i in range(5):
        assert svc.allow_search("user:7", now=1_000.0 + i)
    with db.engine.connect() as conn:
        rows = conn.execute(select(Suchzaehler.schluessel, Suchzaehler.fenster, Suchzaehler.anzahl)).all()
    assert rows == [("user:7", 1_000 // svc.WINDOW_SECONDS, 5)]
    app.config["AUSWAHL_SUCHEN_JE_FENSTER"] = 5
    assert not svc.allow_search("user:7", now=1_005.0)
    # two windows later the first search of the account starts afresh and removes the rows nobody needs
    assert svc.allow_search("user:7", now=1_000.0 + 3 * svc.WINDOW_SECONDS)
    with db.engine.connect() as conn:
        assert conn.execute(select(Suchzaehler.fenster, Suchzaehler.anzahl)).all() == [
            (1_000 // svc.WINDOW_SECONDS + 3, 1)
        ]


def test_organisation_of_a_person_record_partner_only_own(client, world):
    client.login("partner@wohlfahrt.example")
    assert _names(client.get("/auswahl/organisationen?q=jobcenter&zweck=personeneintrag")) == []
    assert _names(client.get("/auswahl/organisationen?q=wohlfahrt&zweck=personeneintrag")) == ["Wohlfahrt Ahlen e. V."]
    # the person form refuses a foreign organisation id at the field
    r = client.post(
        "/stammdaten/personen/neu",
        data={
            "body_id": world.kommune_a.id,
            "first_name": "Neu",
            "last_name": "Person",
            "organisation_id": world.org_b.id,
        },
    )
    assert r.status_code == 422 and "steht hier nicht zur Auswahl" in r.get_data(as_text=True)
    assert db.session.query(Person).filter_by(last_name="Person").count() == 0


def test_umlauts_ignore_case(client, world):
    db.session.add(Person(body=world.kommune_a, first_name="Ömer", last_name="Özdemir", organisation=world.org_a))
    db.session.add(Person(body=world.kommune_a, first_name="Jürgen", last_name="Müller", organisation=world.org_a))
    db.session.commit()
    client.login("planung@kreis.example")
    for q in ("öz", "ÖZ", "Özd", "ömer"):
        assert _names(client.get("/auswahl/personen", query_string={"q": q})) == [
            "Özdemir, Ömer (Wohlfahrt Ahlen e. V.)"
        ]
    for q in ("mül", "MÜL", "jürgen"):
        assert _names(client.get("/auswahl/personen", query_string={"q": q})) == [
            "Müller, Jürgen (Wohlfahrt Ahlen e. V.)"
        ]
