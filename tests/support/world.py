"""A small, hand-made world for tests: two Kreise, Kommunen, areas, organisations, users per role.

Built through the services (tests/support/__init__.py, "Testdaten"): the accounts with their known password
through `create_user_direct` (the service the CLI and the demo use), all Stammdaten through
`stammdaten.pflege.create` by the admin account, as the admin would create them in the UI (audited)."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from beteiligung.extensions import db
from beteiligung.services.accounts import create_user_direct
from beteiligung.services.stammdaten import pflege
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
    Thema,
    User,
    Zielgruppe,
)

PASSWORD = "Test-Passwort-123"


def make_user(email, name, roles, person=None) -> User:
    """An active account with PASSWORD and the given roles (dicts as for accounts.add_role)."""
    return create_user_direct(email, name, PASSWORD, roles, person_id=person.id if person else None)


def acting_planner(body) -> User:
    """The user who acts for `body` when a test builds data: its planner (world has one for the Kreis,
    Stadt Ahlen-Test and the foreign Kreis), else an admin."""
    from sqlalchemy import select

    from models import RoleAssignment

    def first(role, **where):
        q = select(User).join(RoleAssignment, RoleAssignment.user_id == User.id).where(RoleAssignment.role == role)
        for key, value in where.items():
            q = q.where(getattr(RoleAssignment, key) == value)
        return db.session.scalar(q.order_by(User.id))

    return first(ROLE_PLANNER, body_id=body.id) or first(ROLE_ADMIN)


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    w.admin = make_user("admin@test.example", "Admin Test", [{"role": ROLE_ADMIN}])
    admin = w.admin

    def create(model, **values):
        return pflege.create(admin, model, values)

    w.kreis = create(Body, name="Kreis Testhausen", kind="Kreis", code="01001")
    w.kommune_a = create(Body, name="Stadt Ahlen-Test", kind="Kommune", code="0100101", parent_id=w.kreis.id)
    w.kommune_b = create(Body, name="Gemeinde Beckum-Test", kind="Kommune", code="0100102", parent_id=w.kreis.id)
    w.fremdkreis = create(Body, name="Kreis Fremdland", kind="Kreis", code="02002")
    w.fremd_kommune = create(Body, name="Stadt Fremdheim", kind="Kommune", code="0200201", parent_id=w.fremdkreis.id)

    w.area_a1 = create(
        Area, body_id=w.kommune_a.id, code="A-01", name="Altstadt", population=12000, valid_from=date(2020, 1, 1)
    )
    w.area_a2 = create(Area, body_id=w.kommune_a.id, code="A-02", name="Neustadt", population=9000)
    w.area_b1 = create(Area, body_id=w.kommune_b.id, code="B-01", name="Dorfmitte", population=6000)
    w.area_x1 = create(Area, body_id=w.fremd_kommune.id, code="X-01", name="Fremdviertel", population=8000)

    w.hf_pflege = create(Handlungsfeld, vocabulary="handlungsfeld", name="Pflege")
    w.hf_bildung = create(Handlungsfeld, vocabulary="handlungsfeld", name="Bildung")
    w.zg_senioren = create(Zielgruppe, vocabulary="zielgruppe", name="Senior·innen")
    w.thema = create(Thema, vocabulary="thema", name="Nachbarschaft")

    w.org_a = create(
        Organisation,
        body_id=w.kommune_a.id,
        name="Wohlfahrt Ahlen e. V.",
        kind="Wohlfahrtsverband",
        areas=[w.area_a1],
        terms=[w.hf_pflege, w.zg_senioren],
    )
    w.org_b = create(
        Organisation,
        body_id=w.kommune_b.id,
        name="Jobcenter Beckum",
        kind="Jobcenter",
        areas=[w.area_b1],
        terms=[w.hf_bildung],
    )
    w.org_k = create(Organisation, body_id=w.kreis.id, name="Kreissozialamt Testhausen", kind="Verwaltung/Fachbereich")
    w.org_x = create(
        Organisation, body_id=w.fremd_kommune.id, name="Fremder Träger gGmbH", kind="Freier Träger", areas=[w.area_x1]
    )

    w.person_a = create(
        Person,
        body_id=w.kommune_a.id,
        first_name="Anke",
        last_name="Arndt",
        organisation_id=w.org_a.id,
        email="anke.arndt@example.org",
        function="Geschäftsführung",
        consent_given=True,
        consent_date=date(2025, 5, 1),
        consent_purpose="Netzwerkarbeit",
    )
    w.person_b = create(
        Person,
        body_id=w.kommune_b.id,
        first_name="Bernd",
        last_name="Brandt",
        organisation_id=w.org_b.id,
        email="bernd.brandt@example.org",
    )
    w.person_x = create(
        Person,
        body_id=w.fremd_kommune.id,
        first_name="Xaver",
        last_name="Xander",
        organisation_id=w.org_x.id,
        email="xaver@example.org",
    )

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
