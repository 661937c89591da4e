"""'Done when': a planner sets up a Zielvereinbarung with a Wohlfahrtsverband through the pages,
the Verband's representative reports, the planner sees Soll and Ist, and the deviation lands in the
Themenspeicher of the committee that holds the Zielvereinbarungsgespräch."""

from datetime import date

from beteiligung.extensions import db
from models import Committee, CommitteeType, TopicProposal
from models.contracts import Contract, ContractKind, Report

from .conftest import login_as


def test_planner_sets_up_partner_reports_deviation_reaches_committee(client, world):
    ctype = db.session.query(CommitteeType).filter_by(name="Sozialplanungskonferenz").one()
    spk = Committee(body=world.kreis, type=ctype, name="Sozialplanungskonferenz Testhausen")
    db.session.add(spk)
    db.session.commit()
    kind = db.session.query(ContractKind).filter_by(name="Zielvereinbarung").one()
    client.login(world.planner_k.email)
    r = client.post(
        "/kontrakte/neu",
        data={
            "title": "Zielvereinbarung Pflegeberatung",
            "kind_id": kind.id,
            "body_id": world.kreis.id,
            "start_date": "2024-01-01",
            "end_date": "2025-12-31",
            "committee_id": spk.id,
            "clause_goal": "Mehr Beratungen",
            "clause_review": "Jährlicher Bericht",
            "terms": [world.hf_pflege.id],
        },
    )
    assert r.status_code == 302
    c = db.session.query(Contract).one()
    cid = c.id
    assert (
        client.post(
            f"/kontrakte/{cid}/parteien", data={"organisation_id": world.org_a.id, "role": "Auftragnehmer"}
        ).status_code
        == 303
    )
    r = client.post(
        "/kontrakte/kennzahlen/neu",
        data={
            "name": "Beratungen je Jahr",
            "body_id": world.kreis.id,
            "contract_id": cid,
            "unit": "Beratungen",
            "baseline_value": "1.000",
            "baseline_date": "2023-12-31",
            "target_mode": "relativ",
            "target_input": "20",
            "target_date": "2025-12-31",
            "direction": "hoeher",
            "periodicity": "jährlich",
            "green_limit": "5",
            "yellow_limit": "10",
            "plausible_min": "0",
            "plausible_max": "100.000",
        },
    )
    assert r.status_code == 302
    party = db.session.get(Contract, cid).parties[0]
    r = client.post(
        f"/kontrakte/{cid}/berichtspflichten",
        data={
            "party_id": party.id,
            "title": "Jahresbericht Pflegeberatung",
            "periodicity": "jährlich",
            "due_days": "60",
        },
    )
    assert r.status_code == 303
    c = db.session.get(Contract, cid)
    db.session.refresh(c)
    assert (
        client.post(f"/kontrakte/{cid}/status", data={"status": "in Verhandlung", "version": c.version}).status_code
        == 303
    )
    db.session.refresh(c)
    assert (
        client.post(
            f"/kontrakte/{cid}/parteien/{party.id}/unterzeichnen",
            data={"signatory": "Anke Arndt", "signed_on": "2023-12-20", "version": c.version},
        ).status_code
        == 303
    )
    db.session.refresh(c)
    assert (
        client.post(f"/kontrakte/{cid}/status", data={"status": "unterzeichnet", "version": c.version}).status_code
        == 303
    )
    db.session.refresh(c)
    assert client.post(f"/kontrakte/{cid}/status", data={"status": "laufend", "version": c.version}).status_code == 303
    reports = db.session.query(Report).filter_by(contract_id=cid).order_by(Report.period_start).all()
    assert [(r.period_start, r.period_end, r.due_date) for r in reports] == [
        (date(2024, 1, 1), date(2024, 12, 31), date(2025, 3, 1)),
        (date(2025, 1, 1), date(2025, 12, 31), date(2026, 3, 1)),
    ]

    # the Verband's representative reports: 2024 on track, 2025 far below Soll (1.200)
    login_as(client, world.partner_a.email)
    assert "Jahresbericht Pflegeberatung" in client.get("/kontrakte/meine").get_data(as_text=True)
    ind_id = c.indicators[0].id
    for rep, value in ((reports[0], "1.095"), (reports[1], "1.020,5")):
        db.session.refresh(rep)
        r = client.post(
            f"/kontrakte/berichte/{rep.id}",
            data={f"wert_{ind_id}": value, "narrative": "Sachbericht", "aktion": "einreichen", "version": rep.version},
        )
        assert r.status_code == 303
    # the planner sees Soll and Ist
    login_as(client, world.planner_k.email)
    html = client.get(f"/kontrakte/{cid}").get_data(as_text=True)
    assert "1.200,00" in html and "1.020,5" in html and "ampel--rot" in html
    # the deviation of 2025 (Soll 1.200, Ist 1.020,5 → 15 %) is waiting in the SPK's Themenspeicher
    topic = db.session.query(TopicProposal).one()
    assert topic.committee_id == spk.id and topic.source_type == "bericht" and topic.source_id == reports[1].id
    assert "Beratungen je Jahr" in topic.description and "Abweichung 15" in topic.description
