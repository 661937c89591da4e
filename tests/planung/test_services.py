"""Services of the Planung module: measures, links with cycle check, chain, deviations."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from beteiligung.services import Conflict, NotFound, PermissionDenied, ValidationError
from beteiligung.services import planung as svc
from beteiligung.services.planung import abweichungen, kette, links
from beteiligung.uow import unit_of_work
from models import AuditEntry, TopicProposal
from models.planung import Measure, MeasureStatus, ProgressMode

from .conftest import make_measure


def _values(w, **kw):
    base = {
        "title": "Quartiersbüro-Sprechstunde",
        "body_id": w.kreis.id,
        "organisation_id": w.org_a.id,
        "description": "Wöchentlich",
        "start_date": date(2026, 1, 1),
        "end_date": date(2026, 12, 31),
        "progress": "10",
        "progress_mode": "eingabe",
        "area_ids": [w.area_a1.id],
        "goal_ids": [],
        "contract_ids": [],
        "indicator_ids": [],
        "target_group_ids": [w.zg_senioren.id],
        "handlungsfeld_id": w.hf_pflege.id,
        "staff_fte": "1,5",
    }
    base.update(kw)
    return base


def test_create_measure_with_audit(world, db):
    m = svc.save_measure(world.planner_k, None, _values(world))
    db.session.commit()
    assert m.status == MeasureStatus.GEPLANT and m.progress == 10 and m.staff_fte == Decimal("1.5")
    assert [a.id for a in m.areas] == [world.area_a1.id] and m.handlungsfeld.name == "Pflege"
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.entity_type == "Maßnahme", AuditEntry.entity_id == m.id)
        )
        == 1
    )


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("end_date", date(2025, 1, 1), "Das Ende darf nicht vor dem Beginn liegen."),
        ("progress", "101", "Der Fortschritt muss zwischen 0 und 100 % liegen."),
        ("progress", "viel", "Bitte den Fortschritt als ganze Zahl von 0 bis 100 angeben."),
        ("title", "", "Bitte einen Titel angeben."),
        ("organisation_id", None, "Bitte die verantwortliche Organisation wählen."),
    ],
)
def test_bad_input_writes_nothing(world, db, field, value, message):
    with pytest.raises(ValidationError) as exc:
        svc.save_measure(world.planner_k, None, _values(world, **{field: value}))
    assert exc.value.errors[field] == message
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Measure)) == 0


def test_foreign_organisation_is_refused(world, db):
    with pytest.raises(ValidationError) as exc:
        svc.save_measure(world.planner_k, None, _values(world, organisation_id=world.org_x.id))
    assert "organisation_id" in exc.value.errors


def test_status_transitions(chain, db):
    m = chain.other_measure
    assert m.status == "in Umsetzung"
    with pytest.raises(ValidationError) as exc:
        svc.change_status(chain.planner_k, m, "geplant", None, m.version)
    assert "kann nicht" in exc.value.errors["status"]
    with pytest.raises(ValidationError) as exc:
        svc.change_status(chain.planner_k, m, "eingestellt", "", m.version)
    assert exc.value.errors["reason"].startswith("Bitte begründen")
    svc.change_status(chain.planner_k, m, "eingestellt", "Träger hat abgesagt", m.version)
    db.session.commit()
    assert m.status == MeasureStatus.EINGESTELLT and m.status_reason == "Träger hat abgesagt"
    with pytest.raises(PermissionDenied):
        svc.change_status(chain.partner_b, m, "abgeschlossen", None, m.version)


def test_concurrent_edit_conflicts(chain, db):
    m = chain.measure
    stale = m.version
    svc.save_measure(chain.planner_k, m, _values(chain, title="Neu 1"), stale)
    db.session.commit()
    with pytest.raises(Conflict):
        svc.save_measure(chain.planner_k, m, _values(chain, title="Neu 2"), stale)


def test_partner_reports_progress_and_milestones(chain, db):
    m = chain.measure
    svc.report_progress(chain.partner_a, m, "55", "Sprechstunde läuft", m.version)
    db.session.commit()
    assert m.progress == 55 and m.status_note == "Sprechstunde läuft"
    with pytest.raises(ValidationError):
        svc.report_progress(chain.partner_a, m, "120", "", m.version)
    with pytest.raises(PermissionDenied):
        svc.report_progress(chain.partner_b, m, "10", "", m.version)
    # derived from milestones
    m.progress_mode = ProgressMode.MEILENSTEINE
    a = svc.add_milestone(chain.partner_a, m, "Raum gefunden", date(2026, 2, 1))
    svc.add_milestone(chain.partner_a, m, "Erste Sprechstunde", date(2026, 3, 1))
    svc.add_milestone(chain.partner_a, m, "Evaluation", date(2026, 9, 1))
    svc.set_milestone_done(chain.partner_a, a, True)
    db.session.commit()
    assert m.progress == 33
    with pytest.raises(ValidationError):
        svc.add_milestone(chain.partner_a, m, "", None)


def test_partner_cannot_see_foreign_measure(chain):
    with pytest.raises(NotFound):
        svc.get_measure(chain.partner_b, chain.measure.id)
    with pytest.raises(NotFound):
        svc.get_measure(chain.planner_k, chain.foreign_measure.id)
    assert svc.get_measure(chain.partner_a, chain.measure.id) is chain.measure
    assert svc.get_measure(chain.politik, chain.measure.id) is chain.measure


def test_budget_lines(chain, db):
    m = chain.measure
    svc.add_budget(chain.planner_k, m, "2026", "48.000,00", "06.363.01")
    svc.add_budget(chain.planner_k, m, "2026", "2.000", None)
    db.session.commit()
    assert svc.budget_by_year(m) == [(2026, Decimal("50000.00"))]
    with pytest.raises(ValidationError) as exc:
        svc.add_budget(chain.planner_k, m, "20x6", "zehn")
    assert set(exc.value.errors) == {"year", "amount"}


def test_chain_runs_from_finding_to_report(chain, db):
    c = kette.chain_for(chain.admin, "massnahme", chain.measure.id)
    kinds = [n.kind for n in c.nodes]
    assert (
        kinds.index("befund")
        < kinds.index("eintrag")
        < kinds.index("massnahme")
        < kinds.index("kontrakt")
        < kinds.index("kennzahl")
    )
    assert {n.obj.kind for n in c.of_kind("eintrag")} == {"Empfehlung", "Beschluss"}
    # the same chain from the finding's end
    down = kette.chain_for(chain.admin, "befund", chain.finding.id)
    assert chain.measure in [n.obj for n in down.of_kind("massnahme")]
    assert c.monitoring == []  # Sozialmonitoring (issue 12) is not on this branch


def test_chain_hides_what_the_user_may_not_see(chain):
    c = kette.chain_for(chain.partner_a, "massnahme", chain.measure.id)
    kinds = {n.kind for n in c.nodes}
    assert "befund" not in kinds and c.hidden > 0  # the Kommune's survey is not the partner's
    assert "kontrakt" in kinds  # a party sees its contract
    with pytest.raises(NotFound):
        kette.chain_for(chain.partner_b, "massnahme", chain.measure.id)


def test_link_decision_both_ways_and_refuse_cycle(chain, db):
    goal_measure = make_measure(chain, title="Familienbüro")
    db.session.commit()
    links.link(chain.planner_k, chain.beschluss, "massnahme", goal_measure.id)
    db.session.commit()
    assert goal_measure in links.links_of(chain.planner_k, chain.beschluss)["massnahme"]
    assert chain.beschluss in links.decisions_behind(chain.planner_k, "massnahme", goal_measure.id)
    with pytest.raises(ValidationError):  # twice
        links.link(chain.planner_k, chain.beschluss, "massnahme", goal_measure.id)
    db.session.rollback()
    # a deviation of the measure comes back as a TOP; its decision must not commission the same measure
    from beteiligung.services.gremien.themen import propose_topic
    from models import utcnow
    from models.protocols import ProtocolEntry

    from .conftest import make_meeting

    topic = propose_topic(None, chain.spk, "Maßnahme im Verzug", "", "massnahme", goal_measure.id, "Maßnahme")
    meeting = make_meeting(chain.spk, utcnow())
    db.session.flush()
    topic.agenda_item = meeting.agenda_items[0]
    from models.protocols import Protocol

    p = Protocol(meeting=meeting, status="genehmigt")
    db.session.add(p)
    db.session.flush()
    late = ProtocolEntry(
        protocol=p, agenda_item=meeting.agenda_items[0], kind="Beschluss", text="Nachsteuern", position=1
    )
    db.session.add(late)
    db.session.commit()
    with pytest.raises(ValidationError) as exc:
        links.link(chain.planner_k, late, "massnahme", goal_measure.id)
    assert "Kreis in der Wirkungskette" in exc.value.errors["ziel_id"]
    db.session.rollback()
    links.link(chain.planner_k, late, "kontrakt", chain.contract.id)  # no cycle: fine
    db.session.commit()


def test_link_permissions(chain):
    with pytest.raises(PermissionDenied):
        links.link(chain.partner_a, chain.beschluss, "massnahme", chain.other_measure.id)
    with pytest.raises(PermissionDenied):  # Kommune planner may not link a Kreis measure
        links.link(chain.planner_a, chain.beschluss, "massnahme", chain.other_measure.id)
    with pytest.raises(NotFound):
        links.link(chain.planner_k, chain.beschluss, "massnahme", chain.foreign_measure.id)


def _submit_red(chain, db):
    from beteiligung.services.kontrakte import berichte

    report = chain.reports[0]
    berichte.save_report(
        chain.partner_a,
        report,
        {chain.indicator.id: "10"},
        "Weniger als geplant.",
        report.version,
        submit=True,
        today=report.due_date,
    )
    db.session.commit()
    return report


def test_red_indicator_reaches_both_committees(chain, db):
    report = _submit_red(chain, db)
    topics = db.session.scalars(
        select(TopicProposal).where(TopicProposal.source_type == "bericht", TopicProposal.source_id == report.id)
    ).all()
    assert {t.committee_id for t in topics} == {chain.zvg.id, chain.srk.id}
    srk_topic = next(t for t in topics if t.committee_id == chain.srk.id)
    assert f"/planung/kette/bericht/{report.id}" in srk_topic.description
    for t in topics:  # the chain of each topic leads back to the finding
        c = kette.chain_for(chain.admin, "thema", t.id)
        assert chain.finding in [n.obj for n in c.of_kind("befund")]
    # submitting again (after a return) adds no duplicate
    from models.contracts import Report

    report.status = "zurückgegeben"
    db.session.commit()
    from beteiligung.services.kontrakte import berichte

    berichte.save_report(
        chain.partner_a,
        db.session.get(Report, report.id),
        {chain.indicator.id: "9"},
        "Neu",
        report.version,
        submit=True,
        today=report.due_date,
    )
    db.session.commit()
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(TopicProposal)
            .where(TopicProposal.source_type == "bericht", TopicProposal.source_id == report.id)
        )
        == 2
    )


def test_overdue_measure_is_proposed_once(chain, app, db):
    m = chain.measure
    m.end_date = date.today() - timedelta(days=1)
    db.session.commit()
    with app.test_request_context(), unit_of_work():
        created = abweichungen.propose_overdue()
    assert {t.committee_id for t in created} == {chain.zvg.id, chain.srk.id}
    with app.test_request_context(), unit_of_work():
        assert abweichungen.propose_overdue() == []
    assert (
        db.session.scalar(
            select(func.count()).select_from(TopicProposal).where(TopicProposal.source_type == "massnahme")
        )
        == 2
    )
