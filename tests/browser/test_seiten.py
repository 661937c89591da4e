"""Browser: a committee with long lists pages them (members, meetings) independently, keyboard only,
axe-core clean (issue 14)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from sqlalchemy import select

from tests.browser.helpers import check_axe, login


def _long_committee(app) -> int:
    """A committee of its own (other browser tests keep the demo's committees as they are)."""
    from beteiligung.extensions import db
    from beteiligung.uow import unit_of_work
    from models import Body, Committee, CommitteeType, Meeting, Membership, Person, utcnow

    with app.app_context(), unit_of_work():
        kreis = db.session.scalar(select(Body).where(Body.kind == "Kreis"))
        ctype = db.session.scalar(select(CommitteeType).order_by(CommitteeType.id))
        c = Committee(body=kreis, type=ctype, name="Blättergremium", is_public=False)
        db.session.add(c)
        for person in db.session.scalars(select(Person).order_by(Person.id).limit(60)):
            c.memberships.append(Membership(person=person, organisation=person.organisation))
        now = utcnow().replace(microsecond=0)
        for i in range(25):
            start = now - timedelta(days=30 * (i + 1))
            db.session.add(
                Meeting(
                    committee=c,
                    title=f"Blättersitzung {i:02d}",
                    start=start,
                    end=start + timedelta(hours=2),
                    ical_uid=f"{uuid.uuid4()}@test",
                )
            )
        db.session.flush()
        return c.id


def test_committee_lists_page_with_the_keyboard(live_server, page):
    committee_id = _long_committee(live_server.app)
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/gremien/{committee_id}")
    members = page.locator('nav[aria-label="Seiten der Mitglieder"]')
    meetings = page.locator('nav[aria-label="Seiten der Sitzungen"]')
    assert "Seite 1 von 2 · 60 Einträge" in members.inner_text()
    assert "Seite 1 von 2 · 25 Einträge" in meetings.inner_text()
    check_axe(page)
    # keyboard: focus the members' "next page" link and follow it with Enter
    link = members.locator("a[rel=next]")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"mitglieder=2#mitglieder$"))
    assert "Seite 2 von 2" in page.locator('nav[aria-label="Seiten der Mitglieder"]').inner_text()
    # the meetings stay on their first page
    assert "Seite 1 von 2" in page.locator('nav[aria-label="Seiten der Sitzungen"]').inner_text()
    rows = page.locator("section[aria-labelledby=mitglieder] tbody tr")
    assert rows.count() == 10
    check_axe(page)
