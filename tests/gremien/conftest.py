"""Fixtures for Gremien und Sitzungen: committees in Kreis Testhausen and in the foreign Kreis."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from models import CommitteeType, utcnow


def future(days=10, hour=16):
    base = utcnow().replace(hour=hour, minute=0, second=0, microsecond=0)
    return base + timedelta(days=days)


@pytest.fixture
def gw(world, db, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "gw", lambda: _build_gw(world, db))


def _build_gw(world, db):
    """world + committees: SPK of the Kreis (members person_a/org_a, person_b/org_b), a public
    Sozialraumkonferenz in area_a1, a committee of the foreign Kreis; an upcoming meeting with three TOPs
    (TOP 2 not public)."""
    from beteiligung.services.gremien import gremien as gremien_svc
    from beteiligung.services.gremien import mitglieder as mitglieder_svc
    from beteiligung.services.gremien import sitzungen as sitzungen_svc
    from beteiligung.services.gremien import tagesordnung as tagesordnung_svc

    t = {ct.name: ct for ct in db.session.scalars(select(CommitteeType))}
    g = SimpleNamespace(w=world)
    g.spk = gremien_svc.create_committee(
        world.planner_k,
        {
            "name": "Sozialplanungskonferenz Testhausen",
            "type_id": t["Sozialplanungskonferenz"].id,
            "body_id": world.kreis.id,
            "is_public": False,
        },
    )
    db.session.flush()
    g.m_a = mitglieder_svc.add_membership(
        world.planner_k,
        g.spk,
        {"person_id": world.person_a.id, "has_mandate": True, "circle": "Kernkreis", "role": "Vorsitz"},
    )
    g.m_b = mitglieder_svc.add_membership(
        world.planner_k, g.spk, {"person_id": world.person_b.id, "has_mandate": False, "circle": "erweiterter Kreis"}
    )
    g.meeting = sitzungen_svc.create_meetings(
        world.planner_k,
        g.spk,
        {
            "title": "SPK Herbst",
            "start": future(10, 13),
            "end": future(10, 16),
            "location": "Kreishaus, Saal 1",
            "goals": "- Prioritäten festlegen",
        },
    )[0]
    tagesordnung_svc.add_item(
        world.planner_k,
        g.meeting,
        {"title": "Begrüßung", "goal": "Ankommen", "duration_minutes": 10, "is_public": True},
    )
    tagesordnung_svc.add_item(
        world.planner_k,
        g.meeting,
        {"title": "Geheime Personalsache", "goal": "Vertraulich", "duration_minutes": 20, "is_public": False},
    )
    tagesordnung_svc.add_item(
        world.planner_k,
        g.meeting,
        {
            "title": "Zielgruppen 2027",
            "goal": "Beschluss",
            "duration_minutes": 40,
            "presenter": "Sozialplanung",
            "is_public": True,
        },
    )
    g.srk = gremien_svc.create_committee(
        world.srm_a,
        {
            "name": "Sozialraumkonferenz Altstadt",
            "type_id": t["Sozialraumkonferenz"].id,
            "body_id": world.kommune_a.id,
            "is_public": True,
            "areas": [world.area_a1],
        },
    )
    db.session.flush()
    g.srk_meeting = sitzungen_svc.create_meetings(
        world.srm_a,
        g.srk,
        {
            "title": "SRK Altstadt",
            "start": future(5, 17),
            "end": future(5, 19),
            "location": "Bürgerhaus",
            "is_public": True,
            "registration_open": True,
            "capacity": 2,
            "registration_fields": "organisation",
        },
    )[0]
    tagesordnung_svc.add_item(world.srm_a, g.srk_meeting, {"title": "Spielplatz am Markt", "is_public": True})
    tagesordnung_svc.add_item(world.srm_a, g.srk_meeting, {"title": "Vertrauliche Fallbesprechung", "is_public": False})
    g.foreign = gremien_svc.create_committee(
        world.planner_x, {"name": "Fremde Konferenz", "type_id": t["Werkstatt"].id, "body_id": world.fremdkreis.id}
    )
    db.session.flush()
    g.foreign_meeting = sitzungen_svc.create_meetings(
        world.planner_x, g.foreign, {"title": "Fremde Sitzung", "start": future(3), "end": future(3, 18)}
    )[0]
    db.session.commit()
    return g


def switch_user(client, email):
    """A fresh client logged in as another user (returns it).

    The `app` fixture keeps one app context for the whole test, so flask.g (flask-login's
    cached user, the permission scope cache) would survive between requests; clear it.
    """
    from flask import current_app, g

    for key in list(g.__dict__):
        g.__dict__.pop(key, None)
    new = current_app.test_client()
    new.login(email)
    for key in list(g.__dict__):
        if key != "_login_user":
            g.__dict__.pop(key, None)
    return new
