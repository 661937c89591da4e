"""Fixtures: a Sozialraumkonferenz and a Sozialplanungskonferenz with a series of meetings, built through the
Gremien services by the planners of world (tests/support/__init__.py, "Testdaten")."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from beteiligung.extensions import db as _db
from beteiligung.services.gremien import mitglieder
from beteiligung.services.stammdaten import pflege
from models import Invitation, Person, utcnow
from tests.support.sitzungen import committee
from tests.support.sitzungen import meeting as sitzung


def make_meeting(committee, start, title=None, items=("Begrüßung", "Bericht", "Verschiedenes")):
    """A meeting with its agenda, marked as invited."""
    return sitzung(committee, start, items=items, title=title, location="Rathaus, Saal 1")


@pytest.fixture
def pw(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "pw", lambda: _build_pw(world), into=world)


def _build_pw(world):
    """Protocol world: committees of Kreis Testhausen (and one of the foreign Kreis)."""
    w = world
    w.spk = committee(w.kreis, "Sozialplanungskonferenz", "Sozialplanungskonferenz Testhausen", quorum=2)
    w.srk = committee(w.kommune_a, "Sozialraumkonferenz", "Sozialraumkonferenz Altstadt", areas=[w.area_a1])
    w.foreign = committee(w.fremdkreis, "Steuerungsgruppe", "Steuerungsgruppe Fremdland")
    w.person_k = pflege.create(
        w.planner_k,
        Person,
        {
            "body_id": w.kreis.id,
            "first_name": "Karla",
            "last_name": "Kreis",
            "organisation_id": w.org_k.id,
            "email": "karla.kreis@example.org",
        },
    )
    for p in (w.person_a, w.person_b, w.person_k):
        mitglieder.add_membership(w.planner_k, w.spk, {"person_id": p.id, "has_mandate": True})
    mitglieder.add_membership(w.planner_a, w.srk, {"person_id": w.person_a.id})
    now = utcnow().replace(microsecond=0)
    w.spk_past = make_meeting(w.spk, now - timedelta(days=60), items=("Begrüßung", "Kinderarmut", "Verschiedenes"))
    w.spk_mid = make_meeting(w.spk, now - timedelta(days=10))
    w.spk_next = make_meeting(w.spk, now + timedelta(days=30))
    w.srk_past = make_meeting(w.srk, now - timedelta(days=20), items=("Aus dem Quartier", "Frühe Hilfen"))
    w.foreign_meeting = make_meeting(w.foreign, now - timedelta(days=5))
    for p in (w.person_a, w.person_b, w.person_k):
        # direct: the service invites only to upcoming meetings (and mails each); these answered long ago
        _db.session.add(
            Invitation(
                meeting=w.spk_past, person=p, organisation=p.organisation, token_hash=uuid.uuid4().hex, rsvp="zugesagt"
            )
        )
    _db.session.commit()
    return w
