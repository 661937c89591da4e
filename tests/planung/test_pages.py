"""Pages of the Planung module: roles × actions × own/foreign records, bad input, exports, public page."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from models import TopicProposal
from models.planung import Measure, decision_measure
from tests.support.queries import assert_constant_queries

from .conftest import make_measure


def _form(w, **kw):
    data = {
        "title": "Familiencafé",
        "body_id": str(w.kreis.id),
        "organisation_id": str(w.org_a.id),
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
        "progress_mode": "eingabe",
        "progress": "0",
        "staff_fte": "0,5",
    }
    data.update(kw)
    return data


@pytest.mark.parametrize(
    "who,status,sees_own,sees_other",
    [
        ("planner_k", 200, True, True),
        ("srm_a", 200, True, True),
        ("politik", 200, True, True),
        ("partner_a", 200, True, False),
        ("partner_b", 200, False, True),
        ("planner_x", 200, False, False),
    ],
)
def test_list_by_role(chain, as_user, who, status, sees_own, sees_other):
    c = as_user(getattr(chain, who))
    r = c.get("/planung/massnahmen/")
    html = r.get_data(as_text=True)
    assert r.status_code == status
    assert ("Sprechstunde Frühe Hilfen" in html) is sees_own
    assert ("Bewerbungstraining" in html) is sees_other
    assert ("Fremde Maßnahme" in html) is (who == "planner_x")  # each Kreis sees only its own


def test_anonymous_is_sent_to_login(chain, client):
    assert client.get("/planung/massnahmen/").status_code == 302
    assert client.get(f"/planung/kette/massnahme/{chain.measure.id}").status_code == 302


def test_list_filters(chain, as_user):
    c = as_user(chain.planner_k)
    html = c.get(f"/planung/massnahmen/?organisation={chain.org_b.id}").get_data(as_text=True)
    assert "Bewerbungstraining" in html and "Sprechstunde Frühe Hilfen" not in html
    html = c.get(f"/planung/massnahmen/?sozialraum={chain.area_a1.id}&status=in+Umsetzung").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen" in html and "Bewerbungstraining" not in html
    assert c.get("/planung/massnahmen/?status=unsinn&seite=999999999").status_code == 200


@pytest.mark.parametrize(
    "who,code",
    [("planner_k", 200), ("partner_a", 200), ("politik", 200), ("srm_a", 200), ("partner_b", 404), ("planner_x", 404)],
)
def test_detail_by_role(chain, as_user, who, code):
    assert as_user(getattr(chain, who)).get(f"/planung/massnahmen/{chain.measure.id}").status_code == code


def test_detail_shows_decision_contract_indicator(chain, as_user):
    html = as_user(chain.planner_k).get(f"/planung/massnahmen/{chain.measure.id}").get_data(as_text=True)
    assert "Die SPK beschließt 20 Wochenstunden" in html
    assert "Familienhebammen Altstadt" in html and "Beratene Senior·innen" in html


def test_create_and_bad_input(chain, as_user, db):
    c = as_user(chain.planner_k)
    assert c.get("/planung/massnahmen/neu").status_code == 200
    before = db.session.scalar(select(func.count()).select_from(Measure))
    r = c.post("/planung/massnahmen/neu", data=_form(chain, end_date="2026-01-01"))
    assert r.status_code == 422
    assert "Das Ende darf nicht vor dem Beginn liegen." in r.get_data(as_text=True)
    assert 'value="Familiencafé"' in r.get_data(as_text=True)
    r = c.post("/planung/massnahmen/neu", data=_form(chain, progress="150"))
    assert r.status_code == 422 and "zwischen 0 und 100" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Measure)) == before
    r = c.post("/planung/massnahmen/neu", data=_form(chain))
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Measure)) == before + 1


@pytest.mark.parametrize(
    "who,code", [("partner_a", 403), ("politik", 403), ("srm_a", 403), ("planner_a", 422)]
)  # a Kommune's planner: the Kreis is no valid choice
def test_create_forbidden(chain, as_user, who, code):
    c = as_user(getattr(chain, who))
    assert c.post("/planung/massnahmen/neu", data=_form(chain)).status_code == code


def test_edit_conflict_keeps_input(chain, as_user, db):
    c = as_user(chain.planner_k)
    m = chain.measure
    stale = m.version
    assert (
        c.post(
            f"/planung/massnahmen/{m.id}/bearbeiten", data=_form(chain, title="Erste Fassung", version=str(stale))
        ).status_code
        == 302
    )
    r = c.post(f"/planung/massnahmen/{m.id}/bearbeiten", data=_form(chain, title="Zweite Fassung", version=str(stale)))
    html = r.get_data(as_text=True)
    assert r.status_code == 409
    assert 'value="Zweite Fassung"' in html and "Erste Fassung" in html  # both versions
    db.session.expire_all()
    assert db.session.get(Measure, m.id).title == "Erste Fassung"


def test_partner_updates_own_measure_only(chain, as_user, db):
    c = as_user(chain.partner_a)
    m = chain.measure
    r = c.post(
        f"/planung/massnahmen/{m.id}/sachstand",
        data={"version": str(m.version), "progress": "60", "status_note": "Läuft gut"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Measure, m.id).progress == 60
    r = c.post(
        f"/planung/massnahmen/{m.id}/sachstand",
        data={"version": str(db.session.get(Measure, m.id).version), "progress": "101"},
    )
    assert r.status_code == 422 and "zwischen 0 und 100" in r.get_data(as_text=True)
    r = c.post(f"/planung/massnahmen/{m.id}/meilensteine", data={"ms_title": "Start", "ms_due": "2026-05-01"})
    assert r.status_code == 302
    # status and budget are the planner's
    assert (
        c.post(f"/planung/massnahmen/{m.id}/status", data={"version": "1", "status": "abgeschlossen"}).status_code
        == 403
    )
    assert c.post(f"/planung/massnahmen/{m.id}/mittel", data={"year": "2026", "amount": "1"}).status_code == 403
    # another organisation's measure does not exist for this partner
    other = chain.other_measure
    r = c.post(f"/planung/massnahmen/{other.id}/sachstand", data={"version": str(other.version), "progress": "90"})
    assert r.status_code == 404
    db.session.expire_all()
    assert db.session.get(Measure, other.id).progress == 10


def test_status_change_and_reason(chain, as_user, db):
    c = as_user(chain.planner_k)
    m = chain.measure
    r = c.post(f"/planung/massnahmen/{m.id}/status", data={"version": str(m.version), "status": "eingestellt"})
    assert r.status_code == 422 and "Bitte begründen" in r.get_data(as_text=True)
    r = c.post(f"/planung/massnahmen/{m.id}/status", data={"version": str(m.version), "status": "abgeschlossen"})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Measure, m.id).status == "abgeschlossen"


def test_decision_page_links_and_unlinks(chain, as_user, db):
    c = as_user(chain.planner_k)
    new = make_measure(chain, title="Familienbüro Neustadt")
    db.session.commit()
    url = f"/planung/beschluesse/{chain.beschluss.id}"
    html = c.get(url + "?art=massnahme&suche=Familienbüro").get_data(as_text=True)
    assert "Familienbüro Neustadt" in html and "Bewerbungstraining" not in html
    r = c.post(url + "/verknuepfen", data={"art": "massnahme", "ziel_id": str(new.id)})
    assert r.status_code == 302
    html = c.get(f"/planung/massnahmen/{new.id}").get_data(as_text=True)
    assert "Die SPK beschließt 20 Wochenstunden" in html  # the other end shows it
    r = c.post(url + "/verknuepfen", data={"art": "massnahme", "ziel_id": str(new.id)})
    assert r.status_code == 422 and "bereits" in r.get_data(as_text=True)
    assert (
        c.post(url + "/verknuepfen", data={"art": "massnahme", "ziel_id": str(chain.foreign_measure.id)}).status_code
        == 404
    )
    assert c.post(url + "/verknuepfen", data={"art": "quatsch", "ziel_id": "1"}).status_code == 422
    assert c.post(url + "/verknuepfen", data={"art": "massnahme", "ziel_id": "abc"}).status_code == 404
    r = c.post(url + "/loesen", data={"art": "massnahme", "ziel_id": str(new.id)})
    assert r.status_code == 302
    assert (
        db.session.scalar(
            select(func.count()).select_from(decision_measure).where(decision_measure.c.measure_id == new.id)
        )
        == 0
    )


@pytest.mark.parametrize(
    "who,get_code,post_code",
    [
        ("politik", 200, 403),
        ("srm_a", 200, 403),
        ("planner_a", 200, 403),
        ("partner_a", 404, 404),  # not a member of the Sozialplanungskonferenz
        ("planner_x", 404, 404),
    ],
)
def test_decision_page_by_role(chain, as_user, who, get_code, post_code):
    c = as_user(getattr(chain, who))
    url = f"/planung/beschluesse/{chain.beschluss.id}"
    assert c.get(url).status_code == get_code
    assert (
        c.post(url + "/verknuepfen", data={"art": "massnahme", "ziel_id": str(chain.other_measure.id)}).status_code
        == post_code
    )


def test_chain_page_and_pdf(chain, as_user):
    c = as_user(chain.admin)
    html = c.get(f"/planung/kette/eintrag/{chain.beschluss.id}").get_data(as_text=True)
    for text in (
        "Junge Familien erreichen die Frühen Hilfen nicht",
        "Mehr Familienhebammen für die Altstadt",
        "Sprechstunde Frühe Hilfen",
        "Familienhebammen Altstadt",
        "Beratene Senior·innen",
    ):
        assert text in html
    assert html.index("Junge Familien") < html.index("Sprechstunde Frühe Hilfen") < html.index("Beratene Senior")
    r = c.get(f"/planung/kette/massnahme/{chain.measure.id}.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    assert c.get("/planung/kette/unsinn/1").status_code == 404
    assert c.get("/planung/kette/massnahme/999999").status_code == 404


@pytest.mark.parametrize(
    "who,code", [("planner_k", 200), ("partner_a", 200), ("politik", 200), ("partner_b", 404), ("planner_x", 404)]
)
def test_chain_by_role(chain, as_user, who, code):
    assert as_user(getattr(chain, who)).get(f"/planung/kette/massnahme/{chain.measure.id}").status_code == code


def test_exports(chain, as_user):
    c = as_user(chain.partner_a)
    r = c.get("/planung/massnahmen.csv")
    text = r.get_data().decode("utf-8")
    assert (
        text.startswith("\ufeffNr.;Titel") and "Sprechstunde Frühe Hilfen" in text and "Bewerbungstraining" not in text
    )
    r = as_user(chain.planner_k).get("/planung/massnahmen.xlsx")
    assert r.status_code == 200 and r.get_data()[:2] == b"PK"


def test_formula_guard_in_csv(chain, as_user, db):
    make_measure(chain, title="=HYPERLINK(\"x\")")
    db.session.commit()
    text = as_user(chain.planner_k).get("/planung/massnahmen.csv").get_data().decode("utf-8")
    assert "'=HYPERLINK" in text


def test_public_page_shows_public_measures(chain, client, db):
    chain.survey.results_public = True
    chain.survey.status = "ausgewertet"
    db.session.commit()
    html = client.get(f"/b/{chain.survey.public_key}/ergebnisse").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen" in html and "40 % umgesetzt" in html
    chain.measure.is_public = False
    db.session.commit()
    html = client.get(f"/b/{chain.survey.public_key}/ergebnisse").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen" not in html


def test_public_page_hides_measure_behind_unapproved_protocol(chain, client, db):
    chain.survey.results_public = True
    chain.survey.status = "ausgewertet"
    chain.beschluss.protocol.status = "entwurf"
    db.session.commit()
    html = client.get(f"/b/{chain.survey.public_key}/ergebnisse").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen" not in html


def test_cli_abweichungen_is_idempotent(chain, app, db):
    chain.measure.end_date = date.today() - timedelta(days=3)
    db.session.commit()
    runner = app.test_cli_runner()
    out = runner.invoke(args=["planung", "abweichungen"]).output
    assert "2 Thema/Themen vorgeschlagen." in out
    out = runner.invoke(args=["planung", "abweichungen"]).output
    assert "0 Thema/Themen vorgeschlagen." in out
    assert (
        db.session.scalar(
            select(func.count()).select_from(TopicProposal).where(TopicProposal.source_type == "massnahme")
        )
        == 2
    )
    assert "Bitte das Datum" in runner.invoke(args=["planung", "abweichungen", "--stichtag", "gestern"]).output


# --- query counts ---------------------------------------------------------------------------


def _grow(chain, db):
    def grow(factor):
        for i in range(factor * 3):
            m = make_measure(chain, title=f"Zusatz {i}", areas=[chain.area_a1])
            m.contracts = [chain.contract]
            m.goals = []
            db.session.execute(decision_measure.insert().values(entry_id=chain.beschluss.id, measure_id=m.id))
        db.session.commit()

    return grow


@pytest.mark.parametrize(
    "path",
    [
        "/planung/massnahmen/",
        "/planung/massnahmen.csv",
        "/planung/kette/eintrag/{beschluss}",
        "/planung/beschluesse/{beschluss}",
        "/planung/massnahmen/{measure}",
    ],
)
def test_query_counts_constant(chain, as_user, db, path):
    c = as_user(chain.planner_k)
    url = path.format(beschluss=chain.beschluss.id, measure=chain.measure.id)
    assert_constant_queries(c, db.engine, url, _grow(chain, db))


def test_contract_page_shows_the_decisions_behind_it(chain, as_user, db):
    from beteiligung.services.planung import links

    links.link(chain.planner_k, chain.beschluss, "kontrakt", chain.contract.id)
    db.session.commit()
    html = as_user(chain.planner_k).get(f"/kontrakte/{chain.contract.id}").get_data(as_text=True)
    assert "Beschlüsse dahinter" in html and "Die SPK beschließt 20 Wochenstunden" in html
    assert f"/planung/kette/kontrakt/{chain.contract.id}" in html
    html = as_user(chain.partner_a).get(f"/kontrakte/{chain.contract.id}").get_data(as_text=True)
    assert "Die SPK beschließt" not in html  # the partner is no member of the SPK


# --- map of measures per Sozialraum ------------------------------------------------------------


def _square(x: float) -> str:
    import json

    ring = [[x, 51.0], [x + 0.01, 51.0], [x + 0.01, 51.01], [x, 51.01], [x, 51.0]]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def _with_geometries(chain, db):
    from models.monitoring import AreaGeometry

    for i, area in enumerate([chain.area_a1, chain.area_a2, chain.area_b1, chain.area_x1]):
        db.session.add(
            AreaGeometry(
                area_id=area.id,
                geojson=_square(7.0 + i / 50),
                source_crs="EPSG:4326",
                minx=7.0 + i / 50,
                miny=51.0,
                maxx=7.01 + i / 50,
                maxy=51.01,
            )
        )
    chain.other_measure.areas = [chain.area_a1, chain.area_b1]
    db.session.commit()


@pytest.mark.parametrize("who,altstadt,dorfmitte", [("planner_k", 2, 1), ("partner_a", 1, 0), ("partner_b", 1, 1)])
def test_measures_map_counts_what_the_user_may_see(chain, as_user, db, who, altstadt, dorfmitte):
    _with_geometries(chain, db)
    r = as_user(getattr(chain, who)).get("/planung/massnahmen/karte")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    label = {0: "0 Maßnahmen", 1: "1 Maßnahme", 2: "2 Maßnahmen"}
    row = html.split(">Altstadt<", 1)[1].split("</tr>", 1)[0]
    assert label[altstadt] in row
    row = html.split(">Dorfmitte<", 1)[1].split("</tr>", 1)[0]
    assert label[dorfmitte] in row
    # the map: one linked path per area of the user's Kreis, each leading to the filtered list
    assert html.count("<path") >= 3 and "Fremdviertel" not in html and "Fremde Maßnahme" not in html
    assert f"/planung/massnahmen/?sozialraum={chain.area_a1.id}" in html


def test_measures_map_keeps_the_list_filters(chain, as_user, db):
    _with_geometries(chain, db)
    c = as_user(chain.planner_k)
    html = c.get(f"/planung/massnahmen/karte?organisation={chain.org_b.id}").get_data(as_text=True)
    row = html.split(">Altstadt<", 1)[1].split("</tr>", 1)[0]
    assert "1 Maßnahme" in row  # only the Bewerbungstraining of org_b
    # each area of the map leads to the list with the same filter and that area
    assert f"/planung/massnahmen/?sozialraum={chain.area_a1.id}&amp;organisation={chain.org_b.id}" in html
    assert "/planung/massnahmen/karte" in c.get("/planung/massnahmen/").get_data(as_text=True)


def test_measures_map_query_count_constant(chain, as_user, db):
    _with_geometries(chain, db)
    c = as_user(chain.planner_k)
    assert_constant_queries(c, db.engine, "/planung/massnahmen/karte", _grow(chain, db))
