"""Planungsvorhaben: mandate, phases of the Steuerungskreislauf, assignments per phase, permissions."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from beteiligung.services import NotFound, PermissionDenied, ValidationError
from beteiligung.services.planung import vorhaben as svc
from models.planung import PHASE_ORDER, PlanningProcess, ProcessAssignment
from tests.support.queries import assert_constant_queries

from .conftest import make_measure


def _values(w, **kw):
    base = {
        "title": "Frühe Hilfen Altstadt",
        "body_id": w.kreis.id,
        "mandate_by": "Kreistag",
        "mandate_date": date(2026, 3, 1),
        "mandate_reference": "V/2026/0815",
        "scope": "Zugang verbessern",
        "area_ids": [w.area_a1.id],
        "handlungsfeld_ids": [w.hf_pflege.id],
        "zielgruppe_ids": [w.zg_senioren.id],
    }
    base.update(kw)
    return base


@pytest.fixture
def process(chain, db):
    p = svc.save_process(chain.planner_k, None, _values(chain))
    db.session.commit()
    return p


def test_create_builds_the_six_phases(process, chain):
    assert [ph.kind for ph in process.phases] == [k.value for k in PHASE_ORDER]
    assert [ph.label for ph in process.phases][0] == "Auftragsklärung"
    assert process.handlungsfelder[0].name == "Pflege" and process.zielgruppen[0].name == "Senior·innen"


def test_bad_input(chain, db, process):
    with pytest.raises(ValidationError) as exc:
        svc.save_process(chain.planner_k, None, _values(chain, mandate_by="", title=""))
    assert set(exc.value.errors) == {"title", "mandate_by"}
    phase = process.phases[1]
    with pytest.raises(ValidationError) as exc:
        svc.update_phase(
            chain.planner_k, phase, {"status": "laufend", "start_date": date(2026, 5, 1), "end_date": date(2026, 4, 1)}
        )
    assert exc.value.errors["end_date"] == "Das Ende darf nicht vor dem Beginn liegen."
    with pytest.raises(PermissionDenied):
        svc.save_process(chain.partner_a, None, _values(chain))


def test_assign_per_phase(chain, db, process):
    massnahmen = next(ph for ph in process.phases if ph.kind == "massnahmen")
    svc.assign(chain.planner_k, process, massnahmen.id, "massnahme", chain.measure.id)
    svc.assign(chain.planner_k, process, process.phases[3].id, "eintrag", chain.beschluss.id)
    svc.assign(chain.planner_k, process, process.phases[1].id, "sitzung", chain.srk_meeting.id)
    svc.assign(chain.planner_k, process, massnahmen.id, "kontrakt", chain.contract.id)
    db.session.commit()
    items = svc.items_per_phase(chain.planner_k, process)
    assert [k for _a, k, _o in items[massnahmen.id]] == ["massnahme", "kontrakt"]
    with pytest.raises(ValidationError):
        svc.assign(chain.planner_k, process, massnahmen.id, "massnahme", chain.measure.id)
    with pytest.raises(NotFound):
        svc.assign(chain.planner_k, process, massnahmen.id, "massnahme", chain.foreign_measure.id)
    with pytest.raises(ValidationError):
        svc.assign(chain.planner_k, process, 999999, "massnahme", chain.other_measure.id)
    # the register filters by process
    from beteiligung.services import planung as msvc

    rows = db.session.scalars(msvc.measure_query(chain.planner_k, msvc.MeasureFilters(process_id=process.id))).all()
    assert rows == [chain.measure]


@pytest.mark.parametrize(
    "who,list_code,detail_code",
    [
        ("planner_k", 200, 200),
        ("srm_a", 200, 200),
        ("politik", 200, 200),
        ("planner_a", 200, 200),
        ("partner_a", 403, 404),
        ("planner_x", 200, 404),
    ],
)
def test_pages_by_role(chain, process, as_user, who, list_code, detail_code):
    c = as_user(getattr(chain, who))
    assert c.get("/planung/vorhaben/").status_code == list_code
    assert c.get(f"/planung/vorhaben/{process.id}").status_code == detail_code


def test_page_flow(chain, process, as_user, db):
    c = as_user(chain.planner_k)
    html = c.get(f"/planung/vorhaben/{process.id}?art=massnahme&suche=Sprechstunde").get_data(as_text=True)
    assert "Auftragsklärung" in html and "Evaluation und Controlling" in html and "V/2026/0815" in html
    phase = process.phases[4]
    r = c.post(
        f"/planung/vorhaben/{process.id}/zuordnen",
        data={"art": "massnahme", "item_id": str(chain.measure.id), "phase_id": str(phase.id)},
    )
    assert r.status_code == 302
    html = c.get(f"/planung/vorhaben/{process.id}").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen" in html
    r = c.post(
        f"/planung/vorhaben/{process.id}/phasen/{phase.id}",
        data={
            f"phase{phase.id}-status": "laufend",
            f"phase{phase.id}-start_date": "2026-06-01",
            f"phase{phase.id}-end_date": "2026-01-01",
        },
    )
    assert r.status_code == 422 and "Das Ende darf nicht vor dem Beginn liegen." in r.get_data(as_text=True)
    r = c.post(
        f"/planung/vorhaben/{process.id}/phasen/{phase.id}",
        data={f"phase{phase.id}-status": "laufend", f"phase{phase.id}-start_date": "2026-06-01"},
    )
    assert r.status_code == 302
    html = as_user(chain.politik).get(f"/planung/vorhaben/{process.id}").get_data(as_text=True)
    assert "Sprechstunde Frühe Hilfen" in html and "Zuordnen" not in html
    assert (
        as_user(chain.politik)
        .post(
            f"/planung/vorhaben/{process.id}/zuordnen",
            data={"art": "massnahme", "item_id": str(chain.other_measure.id), "phase_id": str(phase.id)},
        )
        .status_code
        == 403
    )
    assert db.session.scalar(select(func.count()).select_from(ProcessAssignment)) == 1


def test_create_page_bad_input(chain, as_user, db):
    c = as_user(chain.planner_k)
    r = c.post("/planung/vorhaben/neu", data={"title": "X", "body_id": str(chain.kreis.id)})
    assert r.status_code == 422 and "Bitte angeben, wer den Auftrag erteilt hat" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PlanningProcess)) == 0
    r = c.post("/planung/vorhaben/neu", data={"title": "X", "body_id": str(chain.kreis.id), "mandate_by": "Kreistag"})
    assert r.status_code == 302


def test_process_page_query_count(chain, process, as_user, db):
    c = as_user(chain.planner_k)
    svc.assign(chain.planner_k, process, process.phases[4].id, "massnahme", chain.measure.id)
    db.session.commit()

    def grow(factor):
        for i in range(factor * 2):
            m = make_measure(chain, title=f"Zusatz {i}")
            db.session.add(
                ProcessAssignment(
                    process_id=process.id, phase_id=process.phases[4].id, item_kind="massnahme", item_id=m.id
                )
            )
        db.session.commit()

    assert_constant_queries(c, db.engine, f"/planung/vorhaben/{process.id}", grow)


def test_process_page_links_to_the_controlling_report(chain, process, as_user):
    html = as_user(chain.politik).get(f"/planung/vorhaben/{process.id}").get_data(as_text=True)
    assert f"/planung/controlling/vorhaben/{process.id}" in html


def _edition(body, title, status="draft"):
    from models.monitoring import MonitoringEdition

    e = MonitoringEdition(
        body_id=body.id,
        title=title,
        definition={"name": title},
        reference_date=date(2025, 12, 31),
        status=status,
        method_text="z-Standardisierung",
        statistics={},
    )
    from beteiligung.extensions import db

    db.session.add(e)
    db.session.flush()
    return e


def test_a_monitoring_edition_belongs_to_the_bestandsaufnahme(chain, db, process, as_user):
    """Sozialmonitoring editions are assigned to a phase like meetings and measures; whoever may not
    see the edition does not see it in the process either."""
    own = _edition(chain.kreis, "Sozialindex Kreis 2025", status="published")
    draft = _edition(chain.kreis, "Sozialindex Kreis Entwurf")
    kommune = _edition(chain.kommune_a, "Sozialindex Stadt (nicht freigegeben)")
    bestand = process.phases[1]
    svc.assign(chain.planner_k, process, bestand.id, "ausgabe", own.id)
    svc.assign(chain.planner_k, process, bestand.id, "ausgabe", draft.id)
    with pytest.raises(NotFound):  # the Kommune has not released it to the Kreis
        svc.assign(chain.planner_k, process, bestand.id, "ausgabe", kommune.id)
    db.session.commit()
    assert [o.title for _a, _k, o in svc.items_per_phase(chain.planner_k, process)[bestand.id]] == [
        "Sozialindex Kreis 2025",
        "Sozialindex Kreis Entwurf",
    ]
    assert [o.title for _a, _k, o in svc.items_per_phase(chain.politik, process)[bestand.id]] == [
        "Sozialindex Kreis 2025"
    ]  # Politik reads published editions only
    assert [o.title for o in svc.search_items(chain.planner_k, "ausgabe", "Sozialindex")] == [
        "Sozialindex Kreis 2025",
        "Sozialindex Kreis Entwurf",
    ]
    html = as_user(chain.planner_k).get(f"/planung/vorhaben/{process.id}").get_data(as_text=True)
    assert "Monitoring-Ausgabe:" in html and f"/monitoring/ausgaben/{own.id}" in html
