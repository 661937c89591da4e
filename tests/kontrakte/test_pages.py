"""Pages: permission matrix with guessed IDs, query-count guards, exports (XLSX, PDF), goals and indicators."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO

import pytest

from beteiligung.extensions import db
from models.contracts import BudgetLine, Contract, ContractVersion, Goal, Indicator, Measurement
from tests.support.queries import assert_constant_queries

from .conftest import login_as, make_contract


def _routes(k, att_id, version_pair=True):
    c, i, r = k.contract, k.indicator, k.reports[0]
    get = [
        f"/kontrakte/{c.id}",
        f"/kontrakte/{c.id}/fassungen",
        f"/kontrakte/{c.id}.pdf",
        f"/kontrakte/{c.id}/bearbeiten",
        f"/kontrakte/{c.id}/nachtrag",
        f"/kontrakte/kennzahlen/{i.id}",
        f"/kontrakte/kennzahlen/{i.id}/bearbeiten",
        f"/kontrakte/berichte/{r.id}",
        f"/kontrakte/anhang/{att_id}",
        f"/kontrakte/ziele/{k.goal.id}/bearbeiten",
    ]
    post = [
        f"/kontrakte/{c.id}/status",
        f"/kontrakte/{c.id}/parteien",
        f"/kontrakte/{c.id}/parteien/{k.party.id}/unterzeichnen",
        f"/kontrakte/{c.id}/parteien/{k.party.id}/entfernen",
        f"/kontrakte/{c.id}/budget",
        f"/kontrakte/{c.id}/berichtspflichten",
        f"/kontrakte/{c.id}/anhaenge",
        f"/kontrakte/{c.id}/bearbeiten",
        f"/kontrakte/{c.id}/nachtrag",
        f"/kontrakte/kennzahlen/{i.id}/messwerte",
        f"/kontrakte/kennzahlen/{i.id}/bearbeiten",
        f"/kontrakte/berichte/{r.id}",
        f"/kontrakte/berichte/{r.id}/pruefen",
        f"/kontrakte/berichte/{r.id}/anhaenge",
        f"/kontrakte/ziele/{k.goal.id}/bearbeiten",
    ]
    return get, post


def _attach(k, world):
    from beteiligung.services.kontrakte.anhaenge import save_attachment

    return save_attachment(world.planner_k, k.contract, "vertrag.pdf", b"%PDF-1.4 x").id


@pytest.mark.parametrize("email", ["partner@jobcenter.example", "planung@fremd.example"])
def test_guessed_ids_answer_404_on_every_route(client, kw, email):
    att = _attach(kw, kw.w)
    before = (
        db.session.query(Measurement).count(),
        db.session.query(BudgetLine).count(),
        db.session.query(Contract).filter_by(status="laufend").count(),
    )
    client.login(email)
    get, post = _routes(kw, att)
    for url in get:
        assert client.get(url).status_code == 404, url
    for url in post:
        assert (
            client.post(
                url,
                data={
                    "status": "gekündigt",
                    "version": 1,
                    "kind": "Personal",
                    "year": 2025,
                    "amount": "1",
                    "wert_1": "1",
                    "aktion": "einreichen",
                },
            ).status_code
            == 404
        ), url
    assert (
        db.session.query(Measurement).count(),
        db.session.query(BudgetLine).count(),
        db.session.query(Contract).filter_by(status="laufend").count(),
    ) == before
    html = client.get("/kontrakte/").get_data(as_text=True)
    assert "Zielvereinbarung Seniorenberatung" not in html
    html = client.get("/kontrakte/kennzahlen/").get_data(as_text=True)
    assert f'/kontrakte/kennzahlen/{kw.indicator.id}"' not in html
    assert "Senior·innen bleiben selbstständig" not in client.get("/kontrakte/ziele/").get_data(as_text=True)


def test_missing_ids_are_404(client, kw):
    client.login(kw.w.planner_k.email)
    for url in (
        "/kontrakte/9999",
        "/kontrakte/kennzahlen/9999",
        "/kontrakte/berichte/9999",
        "/kontrakte/anhang/9999",
        "/kontrakte/9999/fassungen",
        "/kontrakte/ziele/9999/bearbeiten",
        f"/kontrakte/{kw.contract.id}/fassungen?a=1&b=77",
    ):
        assert client.get(url).status_code == 404, url
    # a party id of another contract
    r = client.post(f"/kontrakte/{kw.contract.id}/parteien/{kw.other.party.id}/entfernen", data={"version": 1})
    assert r.status_code == 404


def test_partner_reads_own_contract_but_manages_nothing(client, kw):
    att = _attach(kw, kw.w)
    client.login(kw.w.partner_a.email)
    c = kw.contract
    assert client.get(f"/kontrakte/{c.id}").status_code == 200
    assert client.get(f"/kontrakte/anhang/{att}").status_code == 200
    assert client.get(f"/kontrakte/{c.id}.pdf").status_code == 200
    for url in (
        f"/kontrakte/{c.id}/bearbeiten",
        f"/kontrakte/{c.id}/nachtrag",
        f"/kontrakte/kennzahlen/{kw.indicator.id}/bearbeiten",
    ):
        assert client.get(url).status_code == 403, url
    assert (
        client.post(f"/kontrakte/{c.id}/status", data={"status": "gekündigt", "version": c.version}).status_code == 403
    )
    html = client.get("/kontrakte/").get_data(as_text=True)
    assert "Zielvereinbarung Seniorenberatung" in html and "Kooperation Jobcenter" not in html
    assert "Senior·innen bleiben selbstständig" in client.get("/kontrakte/ziele/").get_data(as_text=True)
    assert client.get(f"/kontrakte/ziele/{kw.goal.id}/bearbeiten").status_code == 403


def test_politik_reads_signed_contracts_only(client, world):
    signed = make_contract(world, status="laufend", title="Laufender Vertrag")
    draft = make_contract(world, status="Entwurf", title="Geheimer Entwurf")
    nego = make_contract(world, status="in Verhandlung", title="In Verhandlung XY")
    sensitive = signed.indicator
    db.session.add(
        Indicator(
            body=world.kreis,
            contract=signed.contract,
            name="Sensible Fallzahl",
            sensitive=True,
            baseline_value=Decimal(1),
            baseline_date=date(2024, 1, 1),
            target_input=Decimal(2),
            target_date=date(2025, 1, 1),
        )
    )
    db.session.commit()
    client.login(world.politik.email)
    html = client.get("/kontrakte/").get_data(as_text=True)
    assert "Laufender Vertrag" in html and "Geheimer Entwurf" not in html and "In Verhandlung XY" not in html
    assert client.get(f"/kontrakte/{draft.contract.id}").status_code == 404
    assert client.get(f"/kontrakte/{nego.contract.id}").status_code == 404
    assert client.get(f"/kontrakte/{signed.contract.id}").status_code == 200
    assert client.get(f"/kontrakte/{signed.contract.id}/fassungen").status_code == 404  # no negotiation history
    assert client.get(f"/kontrakte/berichte/{signed.reports[0].id}").status_code == 404  # no partner reports
    html = client.get("/kontrakte/kennzahlen/").get_data(as_text=True)
    assert sensitive.name in html and "Sensible Fallzahl" not in html


def test_area_manager_and_kommune_planner_read_but_not_drafts(client, world):
    draft = make_contract(world, status="Entwurf", title="Geheimer Entwurf")
    signed = make_contract(world, status="laufend", title="Laufender Vertrag")
    for email in (world.srm_a.email, world.planner_a.email):
        login_as(client, email)
        assert client.get(f"/kontrakte/{draft.contract.id}").status_code == 404
        assert client.get(f"/kontrakte/{signed.contract.id}").status_code == 200
        assert client.get(f"/kontrakte/{signed.contract.id}/bearbeiten").status_code == 403


def _grow_contracts(world):
    def grow(factor):
        for n in range(factor):
            k = make_contract(world, title=f"Vertrag {n}")
            db.session.add(BudgetLine(contract=k.contract, kind="Personal", year=2024, amount=Decimal("10")))
            db.session.add(Measurement(indicator=k.indicator, period_end=date(2024, 12, 31), value=Decimal(120)))
            k.contract.terms = [world.hf_pflege]
            k.contract.areas = [world.area_a1]
        db.session.commit()

    return grow


def _warm(client, url, grow):
    """grow() commits, which expires the logged-in user cached for the test's app context; reload it
    with one request so both measured requests start from the same state."""

    def wrapped(factor):
        grow(factor)
        client.get(url)

    return wrapped


def test_query_count_contract_list_and_indicator_overview(client, kw, db):
    client.login(kw.w.planner_k.email)
    grow = _grow_contracts(kw.w)
    for url in ("/kontrakte/", "/kontrakte/kennzahlen/", "/kontrakte/meine"):
        assert_constant_queries(client, db.engine, url, _warm(client, url, grow), factor=5)


def test_query_count_partner_views(client, kw, db):
    client.login(kw.w.partner_a.email)
    grow = _grow_contracts(kw.w)  # contracts of org_a: the partner sees them all
    for url in ("/kontrakte/", "/kontrakte/meine", "/kontrakte/kennzahlen/"):
        assert_constant_queries(client, db.engine, url, _warm(client, url, grow), factor=5)


def test_query_count_contract_page(client, kw, db):
    client.login(kw.w.planner_k.email)
    c = kw.contract
    w = kw.w

    def grow(factor):
        for n in range(factor):
            db.session.add(BudgetLine(contract=c, kind="Sachmittel", year=2024 + n % 3, amount=Decimal("5")))
            ind = Indicator(
                body=w.kreis,
                contract=c,
                name=f"K{n}",
                baseline_value=Decimal(1),
                baseline_date=date(2024, 1, 1),
                target_input=Decimal(2),
                target_date=date(2025, 1, 1),
            )
            db.session.add(ind)
            db.session.add(Measurement(indicator=ind, period_end=date(2024, 6, 30), value=Decimal(1)))
            db.session.add(Goal(body=w.kreis, title=f"Ziel {n}", level="Leitziel", field="Wirkung"))
            db.session.add(
                ContractVersion(contract=c, number=100 + n, status="Entwurf", data={}, author_id=w.planner_k.id)
            )
        db.session.flush()
        c.goals = list(db.session.query(Goal))
        db.session.commit()

    # start with one of each row kind, so the count compares "some" with "many"
    db.session.add(ContractVersion(contract=c, number=99, status="Entwurf", data={}, author_id=w.planner_a.id))
    db.session.commit()
    url = f"/kontrakte/{c.id}"
    assert_constant_queries(client, db.engine, url, _warm(client, url, grow), factor=5)


def test_list_filters(client, world):
    a = make_contract(world, title="Pflege-Vertrag", end=date.today().replace(year=date.today().year + 5))
    a.contract.terms = [world.hf_pflege]
    a.contract.areas = [world.area_a1]
    b = make_contract(
        world,
        org=world.org_b,
        title="Bildungs-Vertrag",
        start=date.today().replace(day=1),
        end=date.fromordinal(date.today().toordinal() + 30),
    )
    b.contract.terms = [world.hf_bildung]
    db.session.commit()
    client.login(world.planner_k.email)

    def titles(qs):
        html = client.get("/kontrakte/?" + qs).get_data(as_text=True)
        return {t for t in ("Pflege-Vertrag", "Bildungs-Vertrag") if t in html}

    assert titles("") == {"Pflege-Vertrag", "Bildungs-Vertrag"}
    assert titles(f"partner={world.org_b.id}") == {"Bildungs-Vertrag"}
    assert titles(f"handlungsfeld={world.hf_pflege.id}") == {"Pflege-Vertrag"}
    assert titles(f"sozialraum={world.area_a1.id}") == {"Pflege-Vertrag"}
    assert titles("status=Entwurf") == set()
    assert titles("bald_ablaufend=1") == {"Bildungs-Vertrag"}
    assert titles("q=pflege") == {"Pflege-Vertrag"}
    assert client.get("/kontrakte/?partner=abc&seite=-3&status=<x>").status_code == 200


def test_xlsx_export(client, kw):
    from openpyxl import load_workbook

    db.session.add(Measurement(indicator=kw.indicator, period_end=date(2024, 12, 31), value=Decimal("149.5")))
    db.session.commit()
    client.login(kw.w.partner_a.email)
    r = client.get("/kontrakte/export.xlsx")
    assert r.status_code == 200
    wb = load_workbook(BytesIO(r.data))
    assert wb.sheetnames == ["Kontrakte", "Kennzahlen", "Messwerte"]
    titles = [row[1] for row in wb["Kontrakte"].iter_rows(min_row=2, values_only=True)]
    assert titles == ["Zielvereinbarung Seniorenberatung"]  # the partner's own only
    assert [row[1] for row in wb["Messwerte"].iter_rows(min_row=2, values_only=True)] == ["Beratene Senior·innen"]


def test_pdf_contains_contract_goals_and_indicators(client, kw):
    from pypdf import PdfReader

    g = Goal(body=kw.w.kreis, title="Senior·innen leben selbstbestimmt", level="Leitziel", field="Wirkung")
    db.session.add(g)
    kw.contract.goals = [g]
    db.session.add(Measurement(indicator=kw.indicator, period_end=date(2024, 12, 31), value=Decimal("1234.5")))
    db.session.add(BudgetLine(contract=kw.contract, kind="Personal", year=2025, amount=Decimal("1234.50")))
    db.session.commit()
    client.login(kw.w.planner_k.email)
    r = client.get(f"/kontrakte/{kw.contract.id}.pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(r.data)).pages).split())
    for expected in (
        "Zielvereinbarung Seniorenberatung",
        "Wohlfahrt Ahlen",
        "Senior·innen leben selbstbestimmt",
        "Beratene Senior·innen",
        "1.234,5",
        "1.234,50 €",
        "Ziel A",
    ):
        assert expected in text, expected


def test_goal_hierarchy_and_smart(client, world):
    client.login(world.planner_k.email)
    base = {"body_id": world.kreis.id, "field": "Wirkung", "status": "Entwurf"}
    r = client.post("/kontrakte/ziele/neu", data={**base, "title": "Prävention ist gewährleistet", "level": "Leitziel"})
    assert r.status_code == 302
    leit = db.session.query(Goal).one()
    # a Mittlerziel needs a parent; a Leitziel cannot sit below a Handlungsziel
    r = client.post("/kontrakte/ziele/neu", data={**base, "title": "Mittel", "level": "Mittlerziel"})
    assert r.status_code == 422 and "übergeordnete Ziel" in r.get_data(as_text=True)
    r = client.post(
        "/kontrakte/ziele/neu",
        data={
            **base,
            "title": "Mittel",
            "level": "Mittlerziel",
            "parent_id": leit.id,
            "status": "beschlossen",
            "smart_specific": "y",
        },
    )
    assert r.status_code == 422 and "SMART" in r.get_data(as_text=True)
    smart = dict.fromkeys(
        ("smart_specific", "smart_measurable", "smart_accepted", "smart_realistic", "smart_timed"), "y"
    )
    r = client.post(
        "/kontrakte/ziele/neu",
        data={
            **base,
            "title": "Mehr Familien unterstützt",
            "level": "Mittlerziel",
            "parent_id": leit.id,
            "status": "beschlossen",
            **smart,
        },
    )
    assert r.status_code == 302
    mittel = db.session.query(Goal).filter_by(level="Mittlerziel").one()
    assert mittel.smart_score == 5 and mittel.source_finding_id is None
    db.session.refresh(leit)
    r = client.post(
        f"/kontrakte/ziele/{leit.id}/bearbeiten",
        data={**base, "title": "x", "level": "Leitziel", "parent_id": mittel.id, "version": leit.version},
    )
    assert r.status_code == 422
    html = client.get("/kontrakte/ziele/").get_data(as_text=True)
    assert "Mehr Familien unterstützt" in html
    login_as(client, world.planner_x.email)
    assert "Prävention" not in client.get("/kontrakte/ziele/").get_data(as_text=True)
    assert client.get(f"/kontrakte/ziele/{leit.id}/bearbeiten").status_code == 404


def test_stale_goal_edit_is_a_conflict_with_input_kept(client, world):
    client.login(world.planner_k.email)
    base = {"body_id": world.kreis.id, "field": "Wirkung", "status": "Entwurf", "level": "Leitziel"}
    assert client.post("/kontrakte/ziele/neu", data={**base, "title": "Teilhabe sichern"}).status_code == 302
    goal = db.session.query(Goal).one()
    stale = goal.version
    r = client.post(
        f"/kontrakte/ziele/{goal.id}/bearbeiten",
        data={**base, "title": "Teilhabe sichern (Fassung A)", "version": stale},
    )
    assert r.status_code == 302
    r = client.post(
        f"/kontrakte/ziele/{goal.id}/bearbeiten",
        data={**base, "title": "Teilhabe sichern (Fassung B)", "version": stale},
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 409 and "Fassung B" in html
    db.session.expire_all()
    current = db.session.get(Goal, goal.id)
    assert current.title == "Teilhabe sichern (Fassung A)"
    # the hidden field now carries the current version: saving again applies Fassung B deliberately
    version_input = re.search(r'<input[^>]*name="version"[^>]*>', html).group(0)
    assert f'value="{current.version}"' in version_input and current.version != stale


def test_indicator_form_relative_target_and_bad_input(client, kw):
    client.login(kw.w.planner_k.email)
    data = {
        "name": "Unterbringungen § 19 je 1.000 Neugeborene",
        "body_id": kw.w.kreis.id,
        "contract_id": kw.contract.id,
        "baseline_value": "12,0",
        "baseline_date": "2024-12-31",
        "target_mode": "relativ",
        "target_input": "-10",
        "target_date": "2026-12-31",
        "direction": "niedriger",
        "periodicity": "jährlich",
        "green_limit": "5",
        "yellow_limit": "10",
    }
    r = client.post("/kontrakte/kennzahlen/neu", data={**data, "baseline_value": "zwölf"})
    assert r.status_code == 422 and "deutschen Format" in r.get_data(as_text=True)
    r = client.post("/kontrakte/kennzahlen/neu", data={**data, "target_date": "2024-01-01"})
    assert r.status_code == 422
    r = client.post("/kontrakte/kennzahlen/neu", data={**data, "green_limit": "20"})
    assert r.status_code == 422 and "Gelb" in r.get_data(as_text=True)
    assert db.session.query(Indicator).count() == 3
    r = client.post("/kontrakte/kennzahlen/neu", data=data)
    assert r.status_code == 302
    ind = db.session.query(Indicator).order_by(Indicator.id.desc()).first()
    html = client.get(f"/kontrakte/kennzahlen/{ind.id}").get_data(as_text=True)
    assert "10,80" in html  # −10 % of 12,0
    # planner records an Ist value; bad ones are refused
    url = f"/kontrakte/kennzahlen/{ind.id}/messwerte"
    assert client.post(url, data={"period_end": "2025-12-31", "value": "abc"}).status_code == 422
    assert client.post(url, data={"period_end": "2099-12-31", "value": "11"}).status_code == 422
    assert client.post(url, data={"period_end": "2025-12-31", "value": "12,54"}).status_code == 303
    assert client.post(url, data={"period_end": "2025-12-31", "value": "12"}).status_code == 422  # duplicate date
    html = client.get(f"/kontrakte/kennzahlen/{ind.id}").get_data(as_text=True)
    assert "12,54" in html and "11,40" in html and "ampel--gelb" in html


def test_indicator_overview_shows_the_course_of_each_indicator(client, kw):
    """Issue 15: the overview had no chart – each row now carries a small Soll/Ist chart, labelled in words."""
    from beteiligung.services.kontrakte.ziele import add_measurement

    i = kw.indicator
    add_measurement(kw.w.planner_k, i, i.baseline_date.replace(year=i.baseline_date.year + 1), "12,5")
    db.session.commit()
    client.login(kw.w.planner_k.email)
    html = client.get("/kontrakte/kennzahlen/").get_data(as_text=True)
    charts = re.findall(r'<svg [^>]*class="indicator-sparkline"[^>]*aria-label="([^"]+)"[^>]*>(.*?)</svg>', html, re.S)
    assert charts, html
    label, body = next((lbl, b) for lbl, b in charts if i.name in lbl)
    assert "zuletzt 12,5" in label and "Soll" in label
    assert body.count("<polyline") == 1 and len(re.search(r'points="([^"]+)"', body).group(1).split()) == 2
    assert 'stroke-dasharray="4 3"' in body  # the Soll path
    assert ">Verlauf</th>" in html
