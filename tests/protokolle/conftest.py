"""Fixtures: a Sozialraumkonferenz and a Sozialplanungskonferenz with a series of meetings."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from beteiligung.extensions import db as _db
from models import AgendaItem, Committee, CommitteeType, Invitation, Meeting, Membership, Person, utcnow


def make_meeting(committee, start, title=None, items=("Begrüßung", "Bericht", "Verschiedenes")):
    m = Meeting(
        committee=committee,
        title=title or f"{committee.name} {start:%d.%m.%Y}",
        start=start,
        end=start + timedelta(hours=2),
        location="Rathaus, Saal 1",
        status="eingeladen",
        ical_uid=f"{uuid.uuid4()}@test",
    )
    _db.session.add(m)
    for i, t in enumerate(items, start=1):
        m.agenda_items.append(AgendaItem(position=i, number=str(i), title=t))
    return m


@pytest.fixture
def pw(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "pw", lambda: _build_pw(world), into=world)


def _build_pw(world):
    """Protocol world: committees of Kreis Testhausen (and one of the foreign Kreis)."""
    w = world
    types = {t.name: t for t in _db.session.query(CommitteeType).all()}
    w.spk = Committee(
        body=w.kreis, type=types["Sozialplanungskonferenz"], name="Sozialplanungskonferenz Testhausen", quorum=2
    )
    w.srk = Committee(
        body=w.kommune_a, type=types["Sozialraumkonferenz"], name="Sozialraumkonferenz Altstadt", areas=[w.area_a1]
    )
    w.foreign = Committee(body=w.fremdkreis, type=types["Steuerungsgruppe"], name="Steuerungsgruppe Fremdland")
    _db.session.add_all([w.spk, w.srk, w.foreign])
    w.person_k = Person(
        body=w.kreis, first_name="Karla", last_name="Kreis", organisation=w.org_k, email="karla.kreis@example.org"
    )
    _db.session.add(w.person_k)
    for p, org in ((w.person_a, w.org_a), (w.person_b, w.org_b), (w.person_k, w.org_k)):
        w.spk.memberships.append(Membership(person=p, organisation=org, has_mandate=True))
    w.srk.memberships.append(Membership(person=w.person_a, organisation=w.org_a))
    now = utcnow().replace(microsecond=0)
    w.spk_past = make_meeting(w.spk, now - timedelta(days=60), items=("Begrüßung", "Kinderarmut", "Verschiedenes"))
    w.spk_mid = make_meeting(w.spk, now - timedelta(days=10))
    w.spk_next = make_meeting(w.spk, now + timedelta(days=30))
    w.srk_past = make_meeting(w.srk, now - timedelta(days=20), items=("Aus dem Quartier", "Frühe Hilfen"))
    w.foreign_meeting = make_meeting(w.foreign, now - timedelta(days=5))
    for p in (w.person_a, w.person_b, w.person_k):
        _db.session.add(
            Invitation(
                meeting=w.spk_past, person=p, organisation=p.organisation, token_hash=uuid.uuid4().hex, rsvp="zugesagt"
            )
        )
    _db.session.commit()
    return w
