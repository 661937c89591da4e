"""OParl world: a public Sozialraumkonferenz (public and internal TOPs, a non-public meeting),
a non-public Sozialplanungskonferenz whose Beschluss „zur Beschlussfassung“ went to the
Ausschuss für Soziales as a published Vorlage, one person with publication consent (with
contact data), one without, a draft Vorlage and a Wahlperiode."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from beteiligung.extensions import db as _db
from models import AgendaItem, Committee, CommitteeType, Meeting, Membership, Organisation, utcnow
from models.oparl import LegislativeTerm, PublicationConsent
from models.protocols import Protocol, ProtocolEntry


def make_meeting(committee, start, public=True, items=(("Begrüßung", True), ("Bericht", True))):
    m = Meeting(
        committee=committee,
        title=f"{committee.name} {start:%d.%m.%Y}",
        start=start,
        end=start + timedelta(hours=2),
        location="Bürgerhaus, Saal 1",
        status="eingeladen",
        is_public=public,
        ical_uid=f"{uuid.uuid4()}@test",
    )
    _db.session.add(m)
    for i, (title, pub) in enumerate(items, start=1):
        m.agenda_items.append(AgendaItem(position=i, number=str(i), title=title, is_public=pub))
    return m


def make_entry(
    meeting,
    item,
    kind="Beschluss",
    text="Die Konferenz beschließt mehr Familienhebammen.",
    addressee=None,
    for_resolution=True,
):
    protocol = meeting.protocol if getattr(meeting, "protocol", None) else Protocol(meeting=meeting, status="genehmigt")
    _db.session.add(protocol)
    e = ProtocolEntry(
        protocol=protocol,
        position=len(protocol.entries) + 1,
        kind=kind,
        text=text,
        agenda_item=item,
        addressee_org=addressee,
        for_resolution=for_resolution,
        status="offen" if kind == "Beschluss" else None,
    )
    _db.session.add(e)
    _db.session.flush()
    return e


@pytest.fixture
def ow(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "ow", lambda: _build_ow(world), into=world)


def _build_ow(world):
    from beteiligung.services.oparl import papers

    w = world
    types = {t.name: t for t in _db.session.query(CommitteeType).all()}
    w.ausschuss = Organisation(
        body=w.kreis,
        name="Ausschuss für Soziales des Kreistags",
        kind="Politik",
        short_name="ASG",
        email="asg@kreis.example",
        phone="01234 5678",
    )
    _db.session.add(w.ausschuss)
    w.srk = Committee(
        body=w.kommune_a,
        type=types["Sozialraumkonferenz"],
        name="Sozialraumkonferenz Altstadt",
        is_public=True,
        areas=[w.area_a1],
    )
    w.spk = Committee(
        body=w.kreis, type=types["Sozialplanungskonferenz"], name="Sozialplanungskonferenz Testhausen", is_public=False
    )
    _db.session.add_all([w.srk, w.spk])
    w.m_public_a = Membership(
        person=w.person_a, organisation=w.org_a, role="Vorsitz", has_mandate=True, start_date=date(2025, 1, 1)
    )
    w.m_public_b = Membership(person=w.person_b, organisation=w.org_b)
    w.srk.memberships.extend([w.m_public_a, w.m_public_b])
    w.m_spk_a = Membership(person=w.person_a, organisation=w.org_a, has_mandate=True)
    w.spk.memberships.append(w.m_spk_a)
    now = utcnow().replace(microsecond=0)
    w.srk_past = make_meeting(
        w.srk,
        now - timedelta(days=20),
        items=(("Aus dem Quartier", True), ("Personalsache Quartiersbüro", False), ("Frühe Hilfen", True)),
    )
    w.srk_next = make_meeting(w.srk, now + timedelta(days=20))
    w.srk_internal = make_meeting(w.srk, now - timedelta(days=40), public=False)
    w.spk_past = make_meeting(w.spk, now - timedelta(days=10), public=True, items=(("Frühe Hilfen Altstadt", True),))
    _db.session.flush()
    w.internal_item = w.srk_past.agenda_items[1]
    _db.session.add(PublicationConsent(person_id=w.person_a.id, given_on=date(2026, 1, 1), contact=True))
    w.beschluss = make_entry(w.spk_past, w.spk_past.agenda_items[0], addressee=w.ausschuss)
    w.empfehlung = make_entry(
        w.srk_past,
        w.srk_past.agenda_items[2],
        kind="Empfehlung",
        text="Die Konferenz empfiehlt eine Sprechstunde der Frühen Hilfen.",
        addressee=w.ausschuss,
    )
    _db.session.add(
        LegislativeTerm(
            body_id=w.kreis.id, name="Wahlperiode 2025–2030", start_date=date(2025, 11, 1), end_date=date(2030, 10, 31)
        )
    )
    w.paper = papers.create_paper(w.planner_k, w.beschluss)
    papers.publish_paper(w.planner_k, w.paper, w.paper.version)
    w.draft = papers.create_paper(w.planner_a, w.empfehlung)
    _db.session.commit()
    return w
