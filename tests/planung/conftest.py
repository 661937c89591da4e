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
from models import TopicProposal, utcnow
from models.protocols import Protocol, ProtocolEntry
from models.surveys import Finding, Survey
from tests.kontrakte.conftest import login_as, make_contract
from tests.support.sitzungen import committee
from tests.support.sitzungen import meeting as sitzung
from tests.support.world import acting_planner


def make_meeting(committee, start, items=("Begrüßung", "Frühe Hilfen")):
    """A held and minuted meeting with its agenda."""
    return sitzung(committee, start, items=items, location="Rathaus", status="protokolliert")


def make_measure(w, title="Sprechstunde Frühe Hilfen", org=None, body=None, **kw):
    """A measure as the planner of its body creates it (save_measure), then set to its status."""
    from beteiligung.services import planung

    body = body or w.kreis
    user = acting_planner(body)
    status = kw.pop("status", "in Umsetzung")
    values = {
        "title": title,
        "body_id": body.id,
        "organisation_id": (org or w.org_a).id,
        "progress": kw.pop("progress", 40),
        "area_ids": [a.id for a in kw.pop("areas", [])],
        **kw,
    }
    m = planung.save_measure(user, None, values)
    if status != m.status:
        planung.change_status(user, m, status, None, m.version)
    db.session.flush()
    return m


@pytest.fixture
def chain(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "chain", lambda: _build_chain(world), into=world)


def _build_chain(world):
    from beteiligung.services.planung import links

    w = world
    w.srk = committee(
        w.kommune_a, "Sozialraumkonferenz", "Sozialraumkonferenz Altstadt", areas=[w.area_a1], is_public=True
    )
    w.spk = committee(w.kreis, "Sozialplanungskonferenz", "Sozialplanungskonferenz Testhausen")
    w.zvg = committee(w.kreis, "Steuerungsgruppe", "Zielvereinbarungsgespräche")
    now = utcnow().replace(microsecond=0)
    w.srk_meeting = make_meeting(w.srk, now - timedelta(days=60))
    w.spk_meeting = make_meeting(w.spk, now - timedelta(days=30))
    db.session.flush()
    # direct from here to the Beschluss: a survey finding (it comes from coding the answers of a finished
    # survey), topics on TOPs that already exist and entries of approved protocols (approval renders the PDF
    # and mails everyone; the services lock an approved protocol) are states of long workflows these tests
    # start from, not what they are about
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
    # through the services again: contract, measures and the link of the Beschluss to the measure
    k = make_contract(
        w, committee=w.zvg, title="Familienhebammen Altstadt", start=date(2024, 1, 1), end=date(2025, 12, 31)
    )
    w.contract, w.indicator, w.reports, w.party = k.contract, k.indicator, k.reports, k.party
    w.measure = make_measure(
        w,
        start_date=date(2024, 1, 1),
        end_date=date(2030, 12, 31),
        areas=[w.area_a1],
        is_public=True,
        contract_ids=[w.contract.id],
        indicator_ids=[w.indicator.id],
    )
    links.link(w.planner_k, w.beschluss, "massnahme", w.measure.id)
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
