from __future__ import annotations

from datetime import date

import pytest

from beteiligung.extensions import db as _db
from beteiligung.services.befragungen import befragung as svc

# status → the planner's status changes from Entwurf (befragung.TRANSITIONS)
_STATUS_PATH = {
    "Entwurf": [],
    "geprüft": ["geprüft"],
    "offen": ["geprüft", "offen"],
    "geschlossen": ["geprüft", "offen", "geschlossen"],
    "ausgewertet": ["geprüft", "offen", "geschlossen", "ausgewertet"],
}


def make_survey(w, status="offen", threshold=None, languages=("de", "tr")):
    """A survey of Stadt Ahlen-Test as its planner (planner_a) builds it: seven questions, then taken
    through the status changes up to `status`."""
    from sqlalchemy import select

    from beteiligung.services.stammdaten import pflege
    from models import Zielgruppe

    zg2 = _db.session.scalar(select(Zielgruppe).where(Zielgruppe.name == "Familien"))
    if zg2 is None:
        zg2 = pflege.create(w.planner_a, Zielgruppe, {"vocabulary": "zielgruppe", "name": "Familien"})
    data = {
        "body_id": w.kommune_a.id,
        "title": "Leben im Quartier",
        "purpose": "Bedarfe erheben",
        "decided_by": "Sozialraumkonferenz",
        "privacy_notice": "Anonym.",
        "questions_checked": True,
        "languages": list(languages),
        "threshold": threshold,
        "area_ids": [w.area_a1.id, w.area_a2.id],
        "zielgruppe_ids": [w.zg_senioren.id, zg2.id],
        "results_public": True,
    }
    survey = svc.create_survey(w.planner_a, data)
    q_area = svc.save_question(
        w.planner_a, survey, {"kind": "sozialraum", "text": "In welchem Sozialraum wohnen Sie?", "required": True}
    )
    q_group = svc.save_question(
        w.planner_a,
        survey,
        {
            "kind": "einfach",
            "text": "Wer lebt in Ihrem Haushalt?",
            "options": "Nur Ältere\nFamilie mit Kindern\nAndere",
        },
    )
    svc.set_option_zielgruppe(w.planner_a, survey, q_group.options[0].id, w.zg_senioren.id)
    svc.set_option_zielgruppe(w.planner_a, survey, q_group.options[1].id, zg2.id)
    q_yes = svc.save_question(w.planner_a, survey, {"kind": "janein", "text": "Nutzen Sie den Treffpunkt?"})
    q_scale = svc.save_question(
        w.planner_a,
        survey,
        {
            "kind": "skala",
            "text": "Wie zufrieden sind Sie mit dem Angebot?",
            "scale_points": 5,
            "condition_option_id": q_yes.options[0].id,
        },
    )
    q_multi = svc.save_question(
        w.planner_a,
        survey,
        {"kind": "mehrfach", "text": "Was fehlt?", "allow_other": True, "options": "Spielplatz\nBank\nArzt"},
    )
    q_num = svc.save_question(
        w.planner_a, survey, {"kind": "zahl", "text": "Wie viele Personen?", "min_value": 1, "max_value": 20}
    )
    q_text = svc.save_question(
        w.planner_a, survey, {"kind": "freitext", "text": "Was wünschen Sie sich?", "max_length": 200}
    )
    svc.update_survey(w.planner_a, survey, data, survey.version)  # new questions: the wording check again
    for step in _STATUS_PATH[status]:
        svc.change_status(w.planner_a, survey, step, survey.version)
    _db.session.commit()
    return survey, dict(area=q_area, group=q_group, yes=q_yes, scale=q_scale, multi=q_multi, num=q_num, text=q_text)


@pytest.fixture
def survey(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "survey", lambda: _build_survey(world))


def _build_survey(world):
    return make_survey(world)


def answer(survey, qs, area, group_idx=None, yes=True, text=None, key=None, multi=(0,)):
    values = {str(qs["area"].id): {"area": area.id}}
    if group_idx is not None:
        values[str(qs["group"].id)] = {"options": [qs["group"].options[group_idx].id]}
    values[str(qs["yes"].id)] = {"options": [qs["yes"].options[0 if yes else 1].id]}
    values[str(qs["scale"].id)] = {"options": [qs["scale"].options[3].id]}
    values[str(qs["multi"].id)] = {"options": [qs["multi"].options[i].id for i in multi]}
    values[str(qs["num"].id)] = {"number": 3}
    if text:
        values[str(qs["text"].id)] = {"text": text}
    import secrets

    return svc.submit_response(survey, values, key or secrets.token_urlsafe(18), "de", today=date(2026, 11, 20))
