"""Query-count guard: list and detail pages keep their SQL statement count with 10× the data."""

from __future__ import annotations

import itertools

import pytest

from models import (
    ROLE_AREA_MANAGER,
    ROLE_PARTNER,
    ROLE_PLANNER,
    Area,
    AuditEntry,
    Body,
    Handlungsfeld,
    Organisation,
    Person,
    Zielgruppe,
)
from tests.support.queries import assert_constant_queries
from tests.support.world import make_user

_seq = itertools.count()


def add_orgs(db, world, n):
    areas = [world.area_a1, world.area_a2, world.area_b1]
    for _ in range(n):
        i = next(_seq)
        hf = Handlungsfeld(name=f"Feld {i}", vocabulary="handlungsfeld")
        zg = Zielgruppe(name=f"Gruppe {i}", vocabulary="zielgruppe")
        parent = Organisation(body=world.kommune_b, name=f"Dach {i}", kind="Wohlfahrtsverband")
        org = Organisation(
            body=world.kommune_a if i % 2 else world.kreis,
            name=f"Träger {i:04d}",
            kind="Freier Träger",
            parent=parent,
            areas=areas[: 1 + i % 3],
            terms=[hf, zg, world.hf_pflege],
        )
        db.session.add_all([hf, zg, parent, org])
        db.session.add(Person(body=org.body, first_name="P", last_name=f"Person {i}", organisation=org))
    db.session.commit()


def add_persons(db, world, n):
    for _ in range(n):
        i = next(_seq)
        org = Organisation(body=world.kommune_a, name=f"Org {i}", kind="Sonstige")
        db.session.add(
            Person(
                body=world.kommune_a,
                first_name="Vera",
                last_name=f"Viel {i:04d}",
                organisation=org,
                consent_given=True,
                consent_date=world.person_a.consent_date,
                consent_purpose="x",
            )
        )
    db.session.commit()


def add_areas(db, world, n):
    for _ in range(n):
        i = next(_seq)
        body = Body(name=f"Gemeinde {i}", kind="Kommune", code=f"09{i:06d}", parent=world.kreis)
        parent = Area(body=body, code=f"P-{i}", name=f"Bezirk {i}", kind="Stadtbezirk")
        db.session.add_all([body, parent, Area(body=body, code=f"Q-{i}", name=f"Quartier {i}", parent=parent)])
    db.session.commit()


def add_org_detail_data(db, world, n):
    for _ in range(n):
        i = next(_seq)
        db.session.add(Person(body=world.kommune_a, first_name="Q", last_name=f"Kontakt {i}", organisation=world.org_a))
        area = Area(body=world.kommune_a, code=f"D-{i}", name=f"Gebiet {i}")
        world.org_a.areas.append(area)
        world.org_a.terms.append(Handlungsfeld(name=f"Detailfeld {i}", vocabulary="handlungsfeld"))
    db.session.commit()


def add_body_detail_data(db, world, n):
    for _ in range(n):
        i = next(_seq)
        child = Body(name=f"Ortsgemeinde {i}", kind="Kommune", code=f"08{i:06d}", parent=world.kreis)
        db.session.add_all([child, Area(body=world.kreis, code=f"K-{i}", name=f"Kreisgebiet {i}")])
    db.session.commit()


def add_users(db, world, n):
    for _ in range(n):
        i = next(_seq)
        org = Organisation(body=world.kommune_a, name=f"Partnerorg {i}", kind="Sonstige")
        area = Area(body=world.kommune_a, code=f"U-{i}", name=f"Nutzgebiet {i}")
        db.session.add_all([org, area])
        db.session.flush()
        make_user(
            f"partner{i}@example.org", f"Aaa {i:04d} Partner", [{"role": ROLE_PARTNER, "organisation_id": org.id}]
        )
        make_user(f"srm{i}@example.org", f"Aaa {i:04d} SRM", [{"role": ROLE_AREA_MANAGER, "areas": [area]}])
        make_user(
            f"planer{i}@example.org", f"Aaa {i:04d} Planer", [{"role": ROLE_PLANNER, "body_id": world.kommune_a.id}]
        )
    db.session.commit()


def add_audit(db, world, n):
    users = [world.admin, world.planner_a, world.planner_k, world.partner_a, None]
    for _ in range(n):
        i = next(_seq)
        user = users[i % len(users)]
        db.session.add(
            AuditEntry(
                user_id=user.id if user else None,
                action="update",
                entity_type="Organisation",
                entity_id=world.org_a.id,
                summary=f"Änderung {i}",
                before={"name": "alt", "city": None},
                after={"name": f"neu {i}", "city": "Ahlen"},
            )
        )
    db.session.commit()


CASES = {
    # name: (user, url(world), grow(db, world, n), base amount)
    "organisation list": ("planner_a", lambda w: "/stammdaten/organisationen/", add_orgs, 4),
    "organisation list filtered": (
        "planner_a",
        lambda w: f"/stammdaten/organisationen/?sozialraum={w.area_a1.id}&q=tr",
        add_orgs,
        4,
    ),
    "organisation export": ("planner_a", lambda w: "/stammdaten/organisationen/export.csv", add_orgs, 4),
    "person list": ("planner_a", lambda w: "/stammdaten/personen/", add_persons, 3),
    "person list (partner)": ("partner_a", lambda w: "/stammdaten/personen/", add_persons, 3),
    "area list": ("planner_k", lambda w: "/stammdaten/sozialraeume/", add_areas, 3),
    "body list": ("planner_k", lambda w: "/stammdaten/koerperschaften/", add_areas, 3),
    "organisation detail": ("planner_a", lambda w: f"/stammdaten/organisationen/{w.org_a.id}", add_org_detail_data, 2),
    "organisation form": (
        "planner_a",
        lambda w: f"/stammdaten/organisationen/{w.org_a.id}/bearbeiten",
        add_org_detail_data,
        2,
    ),
    "body detail": ("planner_k", lambda w: f"/stammdaten/koerperschaften/{w.kreis.id}", add_body_detail_data, 2),
    "users list (admin)": ("admin", lambda w: "/verwaltung/benutzer/", add_users, 3),
    "users list (planner)": ("planner_a", lambda w: "/verwaltung/benutzer/", add_users, 3),
    "audit list": ("admin", lambda w: "/verwaltung/protokoll/", add_audit, 5),
    "record history": ("planner_a", lambda w: f"/stammdaten/organisationen/{w.org_a.id}/verlauf", add_audit, 5),
}


@pytest.mark.parametrize("name", list(CASES))
def test_constant_query_count(client, db, world, name):
    who, url, grow, base = CASES[name]
    grow(db, world, base)
    client.login(getattr(world, who).email)
    client.get("/")  # consume the welcome message
    count = assert_constant_queries(client, db.engine, url(world), lambda factor: grow(db, world, base * (factor - 1)))
    assert count < 30, f"{name}: {count} Anweisungen"
