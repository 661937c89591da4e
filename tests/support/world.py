"""A small, hand-made world for tests: two Kreise, Kommunen, areas, organisations, users per role."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from types import SimpleNamespace

from beteiligung.extensions import db
from models import (
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    Area,
    Body,
    Handlungsfeld,
    Organisation,
    Person,
    RoleAssignment,
    Thema,
    User,
    Zielgruppe,
)

PASSWORD = "Test-Passwort-123"


@lru_cache(maxsize=1)
def password_hash() -> str:
    from beteiligung.services.accounts import hash_password

    return hash_password(PASSWORD)


def make_user(email, name, roles, person=None) -> User:
    user = User(email=email, display_name=name, password_hash=password_hash(), person=person)
    db.session.add(user)
    for values in roles:
        areas = values.pop("areas", [])
        db.session.add(RoleAssignment(user=user, areas=areas, **values))
    return user


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.kreis = Body(name="Kreis Testhausen", kind="Kreis", code="01001")
    w.kommune_a = Body(name="Stadt Ahlen-Test", kind="Kommune", code="0100101", parent=w.kreis)
    w.kommune_b = Body(name="Gemeinde Beckum-Test", kind="Kommune", code="0100102", parent=w.kreis)
    w.fremdkreis = Body(name="Kreis Fremdland", kind="Kreis", code="02002")
    w.fremd_kommune = Body(name="Stadt Fremdheim", kind="Kommune", code="0200201", parent=w.fremdkreis)
    db.session.add_all([w.kreis, w.kommune_a, w.kommune_b, w.fremdkreis, w.fremd_kommune])

    w.area_a1 = Area(body=w.kommune_a, code="A-01", name="Altstadt", population=12000, valid_from=date(2020, 1, 1))
    w.area_a2 = Area(body=w.kommune_a, code="A-02", name="Neustadt", population=9000)
    w.area_b1 = Area(body=w.kommune_b, code="B-01", name="Dorfmitte", population=6000)
    w.area_x1 = Area(body=w.fremd_kommune, code="X-01", name="Fremdviertel", population=8000)
    db.session.add_all([w.area_a1, w.area_a2, w.area_b1, w.area_x1])

    w.hf_pflege = Handlungsfeld(name="Pflege")
    w.hf_bildung = Handlungsfeld(name="Bildung")
    w.zg_senioren = Zielgruppe(name="Senior·innen")
    w.thema = Thema(name="Nachbarschaft")
    db.session.add_all([w.hf_pflege, w.hf_bildung, w.zg_senioren, w.thema])

    w.org_a = Organisation(
        body=w.kommune_a,
        name="Wohlfahrt Ahlen e. V.",
        kind="Wohlfahrtsverband",
        areas=[w.area_a1],
        terms=[w.hf_pflege, w.zg_senioren],
    )
    w.org_b = Organisation(
        body=w.kommune_b, name="Jobcenter Beckum", kind="Jobcenter", areas=[w.area_b1], terms=[w.hf_bildung]
    )
    w.org_k = Organisation(body=w.kreis, name="Kreissozialamt Testhausen", kind="Verwaltung/Fachbereich")
    w.org_x = Organisation(body=w.fremd_kommune, name="Fremder Träger gGmbH", kind="Freier Träger", areas=[w.area_x1])
    db.session.add_all([w.org_a, w.org_b, w.org_k, w.org_x])

    w.person_a = Person(
        body=w.kommune_a,
        first_name="Anke",
        last_name="Arndt",
        organisation=w.org_a,
        email="anke.arndt@example.org",
        function="Geschäftsführung",
        consent_given=True,
        consent_date=date(2025, 5, 1),
        consent_purpose="Netzwerkarbeit",
    )
    w.person_b = Person(
        body=w.kommune_b, first_name="Bernd", last_name="Brandt", organisation=w.org_b, email="bernd.brandt@example.org"
    )
    w.person_x = Person(
        body=w.fremd_kommune, first_name="Xaver", last_name="Xander", organisation=w.org_x, email="xaver@example.org"
    )
    db.session.add_all([w.person_a, w.person_b, w.person_x])
    db.session.flush()

    w.admin = make_user("admin@test.example", "Admin Test", [{"role": ROLE_ADMIN}])
    w.planner_k = make_user("planung@kreis.example", "Planerin Kreis", [{"role": ROLE_PLANNER, "body_id": w.kreis.id}])
    w.planner_a = make_user(
        "planung@ahlen.example", "Planer Ahlen", [{"role": ROLE_PLANNER, "body_id": w.kommune_a.id}]
    )
    w.planner_x = make_user(
        "planung@fremd.example", "Planer Fremd", [{"role": ROLE_PLANNER, "body_id": w.fremdkreis.id}]
    )
    w.srm_a = make_user("srm@ahlen.example", "Sozialraum Ahlen", [{"role": ROLE_AREA_MANAGER, "areas": [w.area_a1]}])
    w.partner_a = make_user(
        "partner@wohlfahrt.example",
        "Partnerin Wohlfahrt",
        [{"role": ROLE_PARTNER, "organisation_id": w.org_a.id}],
        person=w.person_a,
    )
    w.partner_b = make_user(
        "partner@jobcenter.example",
        "Partner Jobcenter",
        [{"role": ROLE_PARTNER, "organisation_id": w.org_b.id}],
        person=w.person_b,
    )
    w.politik = make_user("politik@kreis.example", "Politik Kreis", [{"role": ROLE_POLITICS, "body_id": w.kreis.id}])
    db.session.commit()
    return w
