"""OParl world: a public Sozialraumkonferenz (public and internal TOPs, a non-public meeting),
a non-public Sozialplanungskonferenz whose Beschluss „zur Beschlussfassung“ went to the
Ausschuss für Soziales as a published Vorlage, one person with publication consent (with
contact data), one without, a draft Vorlage and a Wahlperiode."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from beteiligung.extensions import db as _db
from beteiligung.services.gremien import mitglieder
from beteiligung.services.stammdaten import pflege
from models import Organisation, utcnow
from models.oparl import LegislativeTerm
from models.protocols import Protocol, ProtocolEntry
from tests.support.sitzungen import committee
from tests.support.sitzungen import meeting as sitzung


def make_meeting(committee, start, public=True, items=(("Begrüßung", True), ("Bericht", True))):
    """A meeting with its agenda ((title, public), …), marked as invited."""
    return sitzung(committee, start, items=items, location="Bürgerhaus, Saal 1", is_public=public)


def make_entry(
    meeting,
    item,
    kind="Beschluss",
    text="Die Konferenz beschließt mehr Familienhebammen.",
    addressee=None,
    for_resolution=True,
):
    # direct: the entry of an approved protocol. The services lock an approved protocol (changes only in a new
    # edition, approved again with PDF and mails); Empfehlungen „zur Beschlussfassung“ with an addressee, which
    # the Vorlagen accept, the entry service does not record at all.
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
    from beteiligung.services.oparl import consent, papers

    w = world
    w.ausschuss = pflege.create(
        w.planner_k,
        Organisation,
        {
            "body_id": w.kreis.id,
            "name": "Ausschuss für Soziales des Kreistags",
            "kind": "Politik",
            "short_name": "ASG",
            "email": "asg@kreis.example",
            "phone": "01234 5678",
        },
    )
    w.srk = committee(
        w.kommune_a, "Sozialraumkonferenz", "Sozialraumkonferenz Altstadt", is_public=True, areas=[w.area_a1]
    )
    w.spk = committee(w.kreis, "Sozialplanungskonferenz", "Sozialplanungskonferenz Testhausen", is_public=False)
    w.m_public_a = mitglieder.add_membership(
        w.planner_a,
        w.srk,
        {"person_id": w.person_a.id, "role": "Vorsitz", "has_mandate": True, "start_date": date(2025, 1, 1)},
    )
    w.m_public_b = mitglieder.add_membership(w.planner_a, w.srk, {"person_id": w.person_b.id})
    w.m_spk_a = mitglieder.add_membership(w.planner_k, w.spk, {"person_id": w.person_a.id, "has_mandate": True})
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
    consent.set_publication_consent(w.planner_a, w.person_a.id, True, True, date(2026, 1, 1))
    w.beschluss = make_entry(w.spk_past, w.spk_past.agenda_items[0], addressee=w.ausschuss)
    w.empfehlung = make_entry(
        w.srk_past,
        w.srk_past.agenda_items[2],
        kind="Empfehlung",
        text="Die Konferenz empfiehlt eine Sprechstunde der Frühen Hilfen.",
        addressee=w.ausschuss,
    )
    # direct: no service keeps Wahlperioden (they come with the reference data of a Kreis)
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
