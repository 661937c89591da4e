"""The start page collects the work of every module for the signed-in user."""

import re
from datetime import date, datetime, timedelta

from sqlalchemy import select

from models import Committee, CommitteeType, Meeting, Membership
from models.protocols import Protocol, ProtocolEntry
from tests.support.queries import assert_constant_queries


def _committee_with_meeting(db, world, n=1, start=None):
    ctype = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialplanungskonferenz"))
    c = Committee(body=world.kommune_a, type=ctype, name=f"SPK Ahlen {n}")
    db.session.add(c)
    db.session.flush()
    db.session.add(Membership(committee_id=c.id, person_id=world.person_a.id, organisation_id=world.org_a.id))
    start = start or datetime(2030, 5, 4, 14, 0)
    m = Meeting(
        committee=c, title=f"Sitzung {n}", start=start, end=start + timedelta(hours=2), ical_uid=f"dash-{n}@test"
    )
    db.session.add(m)
    db.session.flush()
    return c, m


def test_start_page_shows_meetings_tasks_for_the_right_people(app, db, world, client):
    c, upcoming = _committee_with_meeting(db, world)
    past_start = datetime(2026, 1, 10, 14, 0)
    past = Meeting(
        committee=c,
        title="Vergangene Sitzung",
        start=past_start,
        end=past_start + timedelta(hours=2),
        ical_uid="dash-past@test",
    )
    db.session.add(past)
    db.session.flush()
    p = Protocol(meeting_id=past.id, status="genehmigt")
    db.session.add(p)
    db.session.flush()
    # one task overdue, one due later
    for position, (text, due) in enumerate(
        (("Raumkonzept vorlegen", date(2026, 2, 1)), ("Elternabend auswerten", date(2031, 2, 1))), start=1
    ):
        db.session.add(
            ProtocolEntry(
                protocol_id=p.id,
                position=position,
                kind="Aufgabe",
                text=text,
                status="offen",
                owner_org_id=world.org_a.id,
                due_date=due,
            )
        )
    db.session.commit()

    client.login(world.partner_a.email)  # member through org_a
    html = client.get("/").get_data(as_text=True)
    assert "Sitzung 1" in html and "Vergangene Sitzung" not in html
    assert "Raumkonzept vorlegen" in html and "davon <strong>1 überfällig</strong>" in html
    # the overdue item itself is marked, the one due later is not
    items = {li.split("</a>")[0].rsplit(">", 1)[-1]: li for li in re.findall(r"<li>(.*?)</li>", html, re.S)}
    assert "überfällig" in items["Aufgabe: Raumkonzept vorlegen"]
    assert "überfällig" not in items["Aufgabe: Elternabend auswerten"]
    client.logout()

    client.login(world.partner_b.email)  # not a member: sees neither
    html = client.get("/").get_data(as_text=True)
    assert "Sitzung 1" not in html and "Raumkonzept vorlegen" not in html
    client.logout()

    client.login(world.planner_x.email)  # foreign Kreis
    html = client.get("/").get_data(as_text=True)
    assert "Sitzung 1" not in html and "Raumkonzept vorlegen" not in html


def test_start_page_query_count_is_constant(app, db, world, client):
    _committee_with_meeting(db, world)
    db.session.commit()
    client.login(world.planner_a.email)
    counter = {"n": 1}

    def grow(factor):
        for _ in range(factor):
            counter["n"] += 1
            _committee_with_meeting(db, world, counter["n"])
        db.session.commit()

    from beteiligung.extensions import db as _db

    assert_constant_queries(client, _db.engine, "/", grow)


def test_start_page_marks_the_partners_overdue_reports(app, demo_data, client):
    from beteiligung.demo import DEMO_PASSWORD
    from beteiligung.services.protokolle.eintraege import today

    client.login("partner@awo-lindenau.example", DEMO_PASSWORD)
    html = client.get("/").get_data(as_text=True)
    section = html[html.index('id="h-berichte"') :]
    reports = re.findall(r"<li>(.*?)</li>", section[: section.index("</section>")], re.S)
    assert reports
    overdue = 0
    for li in reports:
        day, month, year = re.search(r"fällig (\d\d)\.(\d\d)\.(\d{4})", li).groups()
        late = date(int(year), int(month), int(day)) < today()
        assert ("überfällig" in li) is late, li
        overdue += late
    assert overdue  # the demo's AWO report of the first half-year is late
