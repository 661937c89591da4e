"""Befragungen: Freigabe für den Kreis (consent of the owning Kommune, data sovereignty).

Kommune A (Stadt Ahlen-Test) belongs to Kreis Testhausen. Without consent the Kreis sees
nothing (404, as before); with consent planners and Politik of the Kreis read results
(suppressed) and findings, but never edit, code or export raw answers.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.befragungen import befragung as svc
from beteiligung.services.befragungen import kodierung as coding_svc
from models import AuditEntry
from models.surveys import Survey
from tests.support.queries import assert_constant_queries
from tests.support.uow import refused

from .conftest import answer, make_survey

KREIS = "planung@kreis.example"
KOMMUNE = "planung@ahlen.example"
FREMD = "planung@fremd.example"
POLITIK = "politik@kreis.example"
PARTNER = "partner@wohlfahrt.example"

READ_URLS = ("{id}", "{id}/ergebnisse", "{id}/befunde", "{id}/codebuch", "{id}/bericht.pdf")


def _share(world, survey, shared=True):
    db.session.refresh(survey)
    return svc.set_kreis_sharing(world.planner_a, survey, shared, survey.version, today=date(2026, 11, 21))


def _audit_entries(survey):
    return db.session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.entity_type == "Befragung", AuditEntry.entity_id == survey.id, AuditEntry.summary.like("%Kreis%")
        )
        .order_by(AuditEntry.id)
    ).all()


@pytest.fixture
def shared_data(world, survey):
    """Three answers in Altstadt (below the threshold of 5) and one finding."""
    s, qs = survey
    for i in range(3):
        answer(s, qs, world.area_a1, 0, text=f"Geheimer Wunsch {i}")
    coding_svc.save_finding(
        world.planner_a, s, {"title": "Treffpunkt fehlt in der Altstadt", "text": "Mehrfach genannt."}
    )
    return s, qs


# --- without consent: nothing for the Kreis ---------------------------------------------


@pytest.mark.parametrize("email", [KREIS, FREMD])
def test_kreis_sees_nothing_without_consent(app, world, shared_data, client, email):
    s, qs = shared_data
    assert s.shared_with_kreis is False and s.shared_at is None
    client.login(email)
    listing = client.get("/befragungen/")
    assert listing.status_code == 200
    assert "Leben im Quartier" not in listing.get_data(as_text=True)
    for url in READ_URLS:
        assert client.get("/befragungen/" + url.format(id=s.id)).status_code == 404, url
    assert client.get("/befragungen/987654/ergebnisse").status_code == 404


def test_politik_has_no_survey_module_without_consent(app, world, shared_data, client):
    s, qs = shared_data
    client.login(POLITIK)
    assert client.get("/befragungen/").status_code == 403
    assert client.get(f"/befragungen/{s.id}/ergebnisse").status_code == 403
    # and the navigation does not offer what would be refused
    assert 'href="/befragungen/"' not in client.get("/").get_data(as_text=True)


def test_navigation_offers_surveys_only_to_those_who_may_use_them(app, world, client):
    client.login(world.partner_a.email)
    assert client.get("/befragungen/").status_code == 403
    assert 'href="/befragungen/"' not in client.get("/").get_data(as_text=True)
    client.logout()
    client.login(world.planner_a.email)
    assert 'href="/befragungen/"' in client.get("/").get_data(as_text=True)


# --- with consent: Kreis reads results and findings, nothing more -------------------------


def test_kreis_planner_reads_results_and_findings_with_consent(app, world, shared_data, client):
    s, qs = shared_data
    _share(world, s)
    client.login(KREIS)
    listing = client.get("/befragungen/").get_data(as_text=True)
    assert "Leben im Quartier" in listing
    for url in READ_URLS:
        assert client.get("/befragungen/" + url.format(id=s.id)).status_code == 200, url
    detail = client.get(f"/befragungen/{s.id}").get_data(as_text=True)
    assert "freigegeben am 21.11.2026" in detail
    assert "Freigabe für den Kreis zurücknehmen" not in detail  # only the owner decides
    assert "/codieren" not in detail and "/bearbeiten" not in detail
    results = client.get(f"/befragungen/{s.id}/ergebnisse").get_data(as_text=True)
    assert "geheim (unter 5)" in results  # three answers: suppressed as always
    assert "Geheimer Wunsch" not in results
    assert "export.csv" not in results and "export.xlsx" not in results
    findings = client.get(f"/befragungen/{s.id}/befunde").get_data(as_text=True)
    assert "Treffpunkt fehlt in der Altstadt" in findings
    assert "/befunde/neu" not in findings


def test_kreis_cannot_edit_code_or_export_even_with_consent(app, world, shared_data, client):
    s, qs = shared_data
    _share(world, s)
    finding_id = coding_svc.findings_of(s)[0].id
    client.login(KREIS)
    forbidden_get = (
        f"/befragungen/{s.id}/bearbeiten",
        f"/befragungen/{s.id}/export.csv",
        f"/befragungen/{s.id}/export.xlsx",
        f"/befragungen/{s.id}/codieren",
        f"/befragungen/{s.id}/befunde/neu",
        f"/befragungen/{s.id}/befunde/{finding_id}",
        f"/befragungen/{s.id}/frage/neu",
    )
    for url in forbidden_get:
        assert client.get(url).status_code == 403, url
    version = db.session.get(Survey, s.id).version
    assert (
        client.post(f"/befragungen/{s.id}/status", data={"status": "geschlossen", "version": version}).status_code
        == 403
    )
    assert client.post(f"/befragungen/{s.id}/codebuch", data={"name": "Kreiscode"}).status_code == 403
    assert client.post(f"/befragungen/{s.id}/einladungen", data={"count": "3"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Survey, s.id).status == "offen"
    # the service layer refuses as well
    with refused(PermissionDenied):
        svc.update_survey(world.planner_k, db.session.get(Survey, s.id), {"title": "Übernommen"}, version)
    db.session.rollback()
    with refused(PermissionDenied):
        coding_svc.code_answer(world.planner_k, db.session.get(Survey, s.id), 1, [], 1)
    db.session.rollback()


def test_politik_of_the_kreis_reads_with_consent(app, world, shared_data, client):
    s, qs = shared_data
    _share(world, s)
    client.login(POLITIK)
    assert "Leben im Quartier" in client.get("/befragungen/").get_data(as_text=True)
    assert client.get(f"/befragungen/{s.id}/ergebnisse").status_code == 200
    assert client.get(f"/befragungen/{s.id}/befunde").status_code == 200
    assert client.get(f"/befragungen/{s.id}/export.csv").status_code == 403
    assert client.get(f"/befragungen/{s.id}/codieren").status_code == 403


def test_foreign_kreis_never_sees_a_shared_survey(app, world, shared_data, client):
    s, qs = shared_data
    _share(world, s)
    client.login(FREMD)
    assert "Leben im Quartier" not in client.get("/befragungen/").get_data(as_text=True)
    for url in READ_URLS:
        assert client.get("/befragungen/" + url.format(id=s.id)).status_code == 404, url
    assert client.get(f"/befragungen/{s.id}/export.csv").status_code == 404


def test_withdrawing_consent_hides_it_again(app, world, shared_data, client):
    s, qs = shared_data
    _share(world, s)
    _share(world, s, shared=False)
    s = db.session.get(Survey, s.id)
    assert s.shared_with_kreis is False and s.shared_at is None
    client.login(KREIS)
    assert client.get(f"/befragungen/{s.id}/ergebnisse").status_code == 404
    assert "Leben im Quartier" not in client.get("/befragungen/").get_data(as_text=True)


# --- the consent switch -----------------------------------------------------------------


def test_owner_switches_consent_with_flash_and_audit(app, world, survey, client):
    s, qs = survey
    client.login(KOMMUNE)
    detail = client.get(f"/befragungen/{s.id}").get_data(as_text=True)
    assert "Ergebnisse für den Kreis freigeben" in detail and "nicht freigegeben" in detail
    form = detail[detail.index(f'action="/befragungen/{s.id}/freigabe"') :]
    form = form[: form.index("</form>")]
    assert 'name="csrf_token"' in form and 'name="version"' in form
    r = client.post(
        f"/befragungen/{s.id}/freigabe", data={"freigabe": "ja", "version": s.version}, follow_redirects=True
    )
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert "jetzt für den Kreis freigegeben" in page
    assert "Freigabe für den Kreis zurücknehmen" in page
    db.session.expire_all()
    s = db.session.get(Survey, s.id)
    assert s.shared_with_kreis is True and s.shared_at is not None
    entries = _audit_entries(s)
    assert len(entries) == 1
    assert entries[0].user_id == world.planner_a.id
    assert entries[0].before["shared_with_kreis"] is False and entries[0].after["shared_with_kreis"] is True

    r = client.post(
        f"/befragungen/{s.id}/freigabe", data={"freigabe": "nein", "version": s.version}, follow_redirects=True
    )
    assert "Die Freigabe für den Kreis ist zurückgenommen." in r.get_data(as_text=True)
    db.session.expire_all()
    s = db.session.get(Survey, s.id)
    assert s.shared_with_kreis is False and s.shared_at is None
    assert [e.after["shared_with_kreis"] for e in _audit_entries(s)] == [True, False]


@pytest.mark.parametrize(
    "email, shared_before, expected",
    [
        (KREIS, False, (404,)),
        (KREIS, True, (403,)),  # can read, but the decision is the Kommune's
        (POLITIK, True, (403,)),
        (FREMD, True, (404,)),
        (PARTNER, False, (403, 404)),  # partners have no access to the module at all
        ("srm@ahlen.example", False, (403,)),
    ],
)
def test_only_the_owning_kommune_switches_consent(app, world, survey, client, email, shared_before, expected):
    s, qs = survey
    if shared_before:
        _share(world, s)
    s = db.session.get(Survey, s.id)
    audit_before = len(_audit_entries(s))
    client.login(email)
    r = client.post(
        f"/befragungen/{s.id}/freigabe", data={"freigabe": "nein" if shared_before else "ja", "version": s.version}
    )
    assert r.status_code in expected
    db.session.expire_all()
    s = db.session.get(Survey, s.id)
    assert s.shared_with_kreis is shared_before
    assert len(_audit_entries(s)) == audit_before
    with refused(PermissionDenied):
        svc.set_kreis_sharing(
            getattr(
                world,
                {
                    KREIS: "planner_k",
                    POLITIK: "politik",
                    FREMD: "planner_x",
                    PARTNER: "partner_a",
                    "srm@ahlen.example": "srm_a",
                }[email],
            ),
            s,
            not shared_before,
            s.version,
        )
    db.session.rollback()


def test_consent_switch_bad_input_stale_version_and_kreis_owned(app, world, survey, client):
    s, qs = survey
    client.login(KOMMUNE)
    assert (
        client.post(f"/befragungen/{s.id}/freigabe", data={"freigabe": "vielleicht", "version": s.version}).status_code
        == 400
    )
    assert (
        client.post(f"/befragungen/{s.id}/freigabe", data={"freigabe": "ja", "version": s.version - 1}).status_code
        == 409
    )
    assert client.post("/befragungen/987654/freigabe", data={"freigabe": "ja", "version": 1}).status_code == 404
    db.session.expire_all()
    s = db.session.get(Survey, s.id)
    with refused(Conflict):
        svc.set_kreis_sharing(world.planner_a, s, True, s.version - 1)
    db.session.rollback()
    assert db.session.get(Survey, s.id).shared_with_kreis is False
    assert _audit_entries(s) == []
    # a Kreis-owned survey has no Kreis above it to share with
    kreis_survey = make_survey(world)[0]
    kreis_survey.body_id = world.kreis.id
    db.session.commit()
    with refused(ValidationError) as exc:
        svc.set_kreis_sharing(world.planner_k, kreis_survey, True, kreis_survey.version)
    assert "keiner kreisangehörigen" in exc.value.message
    db.session.rollback()
    assert db.session.get(Survey, kreis_survey.id).shared_with_kreis is False


# --- query count --------------------------------------------------------------------------


def test_kreis_survey_list_query_count_constant(app, world, survey, client):
    s, qs = survey
    _share(world, s)
    client.login(KREIS)

    def grow(factor):
        for i in range(factor):
            extra = make_survey(world, status="Entwurf")[0]
            extra.shared_with_kreis = i % 2 == 0
        db.session.commit()

    count = assert_constant_queries(client, db.engine, "/befragungen/", grow)
    assert count > 0
    shown = db.session.scalar(select(func.count()).select_from(Survey).where(Survey.shared_with_kreis.is_(True)))
    assert shown == 6
