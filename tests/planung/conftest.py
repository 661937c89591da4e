"""Fixtures: one whole Wirkungskette in the test Kreis.

Survey finding (Stadt Ahlen) → Themenspeicher of the Sozialraumkonferenz Altstadt → TOP →
Empfehlung → forwarded to the Sozialplanungskonferenz → TOP → Beschluss → measure of org_a
(partner_a) → contract with org_a (committee: Zielvereinbarungsgespräche) → indicator.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest

from beteiligung.extensions import db
from models import AgendaItem, Committee, CommitteeType, Meeting, TopicProposal, utcnow
from models.planung import Measure, decision_measure
from models.protocols import Protocol, ProtocolEntry
from models.surveys import Finding, Survey
from tests.kontrakte.conftest import login_as, make_contract


def make_meeting(committee, start, items=("Begrüßung", "Frühe Hilfen")):
    m = Meeting(
        committee=committee,
        title=f"{committee.name} {start:%d.%m.%Y}",
        start=start,
        end=start + timedelta(hours=2),
        location="Rathaus",
        status="protokolliert",
        ical_uid=f"{uuid.uuid4()}@test",
    )
    db.session.add(m)
    for i, t in enumerate(items, start=1):
        m.agenda_items.append(AgendaItem(position=i, number=str(i), title=t))
    return m


def make_measure(w, title="Sprechstunde Frühe Hilfen", org=None, body=None, **kw):
    m = Measure(
        body=body or w.kreis,
        organisation=org or w.org_a,
        title=title,
        status=kw.pop("status", "in Umsetzung"),
        progress=kw.pop("progress", 40),
        **kw,
    )
    db.session.add(m)
    db.session.flush()
    return m


@pytest.fixture
def chain(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "chain", lambda: _build_chain(world), into=world)


def _build_chain(world):
    w = world
    types = {t.name: t for t in db.session.query(CommitteeType).all()}
    w.srk = Committee(
        body=w.kommune_a,
        type=types["Sozialraumkonferenz"],
        name="Sozialraumkonferenz Altstadt",
        areas=[w.area_a1],
        is_public=True,
    )
    w.spk = Committee(body=w.kreis, type=types["Sozialplanungskonferenz"], name="Sozialplanungskonferenz Testhausen")
    w.zvg = Committee(body=w.kreis, type=types["Steuerungsgruppe"], name="Zielvereinbarungsgespräche")
    db.session.add_all([w.srk, w.spk, w.zvg])
    now = utcnow().replace(microsecond=0)
    w.srk_meeting = make_meeting(w.srk, now - timedelta(days=60))
    w.spk_meeting = make_meeting(w.spk, now - timedelta(days=30))
    db.session.flush()
    w.survey = Survey(body=w.kommune_a, public_key=uuid.uuid4().hex[:16], title="Befragung Altstadt", status="beendet")
    db.session.add(w.survey)
    db.session.flush()
    w.finding = Finding(survey_id=w.survey.id, title="Junge Familien erreichen die Frühen Hilfen nicht", is_public=True)
    db.session.add(w.finding)
    db.session.flush()
    top1 = w.srk_meeting.agenda_items[1]
    w.topic_befund = TopicProposal(
        committee=w.srk,
        title=w.finding.title,
        source_type="befund",
        source_id=w.finding.id,
        status="eingeplant",
        agenda_item=top1,
    )
    p1 = Protocol(meeting=w.srk_meeting, status="genehmigt")
    db.session.add_all([w.topic_befund, p1])
    db.session.flush()
    w.empfehlung = ProtocolEntry(
        protocol=p1, agenda_item=top1, position=1, kind="Empfehlung", text="Mehr Familienhebammen für die Altstadt"
    )
    db.session.add(w.empfehlung)
    top2 = w.spk_meeting.agenda_items[1]
    w.topic_fwd = TopicProposal(
        committee=w.spk,
        title="Mehr Familienhebammen",
        source_type="protokolleintrag",
        status="eingeplant",
        agenda_item=top2,
    )
    db.session.add(w.topic_fwd)
    db.session.flush()
    w.topic_fwd.source_id = w.empfehlung.id
    w.empfehlung.forwarded_topic_id = w.topic_fwd.id
    p2 = Protocol(meeting=w.spk_meeting, status="genehmigt")
    db.session.add(p2)
    db.session.flush()
    w.beschluss = ProtocolEntry(
        protocol=p2,
        agenda_item=top2,
        position=1,
        kind="Beschluss",
        binding=True,
        decision_mode="konsens",
        status="in Arbeit",
        text="Die SPK beschließt 20 Wochenstunden Familienhebammen für die Altstadt.",
    )
    db.session.add(w.beschluss)
    db.session.flush()
    k = make_contract(
        w, committee=w.zvg, title="Familienhebammen Altstadt", start=date(2024, 1, 1), end=date(2025, 12, 31)
    )
    w.contract, w.indicator, w.reports, w.party = k.contract, k.indicator, k.reports, k.party
    w.measure = make_measure(
        w, start_date=date(2024, 1, 1), end_date=date(2030, 12, 31), areas=[w.area_a1], is_public=True
    )
    w.measure.contracts = [w.contract]
    w.measure.indicators = [w.indicator]
    db.session.execute(decision_measure.insert().values(entry_id=w.beschluss.id, measure_id=w.measure.id))
    w.other_measure = make_measure(w, title="Bewerbungstraining", org=w.org_b, progress=10)
    w.foreign_measure = make_measure(w, title="Fremde Maßnahme", org=w.org_x, body=w.fremdkreis)
    db.session.commit()
    return w


@pytest.fixture
def as_user(client):
    def _login(user_or_email):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        login_as(client, email)
        return client

    return _login


def decimal(v):
    return Decimal(str(v))
