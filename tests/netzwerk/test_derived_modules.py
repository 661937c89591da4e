"""Derived ties from the other modules: contract parties and co-attendance (merged modules)."""

from datetime import date, datetime, timedelta

from sqlalchemy import select

from beteiligung.services.netzwerk import beziehungen as net
from models import Committee, CommitteeType, Meeting
from models.contracts import Contract, ContractKind, ContractParty
from models.protocols import Attendance


def _edges(app, user, **filters):
    with app.test_request_context():
        network = net.build_network(user, net.Filters(**filters))
        return {(e["source"], e["target"], e["kind"]): e for e in network.edges if e["derived"]}


def test_contract_parties_become_a_derived_tie(app, db, world):
    kind = db.session.scalar(select(ContractKind))
    c = Contract(
        body_id=world.kommune_a.id,
        kind=kind,
        title="Pflegeberatung Altstadt",
        status="laufend",
        start_date=date(2025, 1, 1),
        end_date=date(2030, 12, 31),
    )
    db.session.add(c)
    db.session.flush()
    org_a, org_b = world.org_a.id, world.org_b.id
    db.session.add_all(
        [ContractParty(contract=c, organisation_id=org_a), ContractParty(contract=c, organisation_id=org_b)]
    )
    db.session.commit()
    a, b = sorted([f"org:{world.org_a.id}", f"org:{world.org_b.id}"])
    edges = _edges(app, world.planner_k)
    assert (a, b, "Kontrakt") in edges
    assert "Pflegeberatung Altstadt" in edges[(a, b, "Kontrakt")]["evidence"]
    # A draft is no tie yet, and the foreign Kreis never sees it.
    c.status = "Entwurf"
    db.session.commit()
    assert (a, b, "Kontrakt") not in _edges(app, world.planner_k)


def test_co_attendance_becomes_a_derived_tie(app, db, world):
    ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz"))
    committee = Committee(body=world.kommune_a, type=ctype, name="SRK Altstadt", is_public=True)
    start = datetime(2026, 3, 2, 16, 0)
    meeting = Meeting(
        committee=committee,
        title="SRK Altstadt März",
        start=start,
        end=start + timedelta(hours=2),
        ical_uid="test-coattendance@beteiligung",
    )
    ids = (world.person_a.id, world.org_a.id, world.person_b.id, world.org_b.id)
    db.session.add_all([committee, meeting])
    db.session.flush()
    db.session.add_all(
        [
            Attendance(meeting_id=meeting.id, person_id=ids[0], organisation_id=ids[1], status="anwesend"),
            Attendance(meeting_id=meeting.id, person_id=ids[2], organisation_id=ids[3], status="anwesend"),
        ]
    )
    db.session.commit()
    a, b = sorted([f"org:{world.org_a.id}", f"org:{world.org_b.id}"])
    edges = _edges(app, world.planner_a)
    assert (a, b, "informeller Kontakt") in edges
    assert "SRK Altstadt März" in edges[(a, b, "informeller Kontakt")]["evidence"]
    # Someone who was excused does not make a tie.
    db.session.scalar(select(Attendance).where(Attendance.person_id == world.person_b.id)).status = "entschuldigt"
    db.session.commit()
    assert (a, b, "informeller Kontakt") not in _edges(app, world.planner_a)
