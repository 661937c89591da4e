"""Browser: the public meeting list pages through the upcoming meetings (15 per page, "weitere Sitzungen"),
keyboard only, axe-core clean, at phone and desktop width (issue 14)."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from tests.browser.helpers import check_axe

pytestmark = pytest.mark.browser


def _public_committee(app, n: int) -> int:
    """A public committee of its own with n upcoming public meetings (removed again after the test)."""
    from beteiligung.extensions import db
    from beteiligung.uow import unit_of_work
    from models import Body, Committee, CommitteeType, Meeting, utcnow

    with app.app_context(), unit_of_work():
        kreis = db.session.scalar(select(Body).where(Body.kind == "Kreis"))
        ctype = db.session.scalar(select(CommitteeType).order_by(CommitteeType.id))
        c = Committee(body=kreis, type=ctype, name="Blätterkonferenz", is_public=True)
        db.session.add(c)
        start = utcnow().replace(microsecond=0) + timedelta(days=400)  # after every demo meeting
        for i in range(n):
            day = start + timedelta(days=i)
            db.session.add(
                Meeting(
                    committee=c,
                    title=f"Blätterabend {i:02d}",
                    start=day,
                    end=day + timedelta(hours=2),
                    is_public=True,
                    status="eingeladen",
                    ical_uid=f"{uuid.uuid4()}@test",
                )
            )
        db.session.flush()
        return c.id


def _remove(app, committee_id: int) -> None:
    from beteiligung.extensions import db
    from beteiligung.uow import unit_of_work
    from models import Committee, Meeting

    with app.app_context(), unit_of_work():
        db.session.execute(delete(Meeting).where(Meeting.committee_id == committee_id))
        db.session.execute(delete(Committee).where(Committee.id == committee_id))


def test_public_meetings_page_with_the_keyboard(live_server, page):
    committee_id = _public_committee(live_server.app, 30)
    try:
        page.goto(f"{live_server.url}/oeffentlich/sitzungen/")
        nav = page.locator('nav[aria-label="Weitere Sitzungen"]')
        items = page.locator("main ul.kern-list:not(.kern-list--horizontal) > li")
        assert items.count() == 15
        check_axe(page)
        pages_seen = 1
        while nav.locator("a[rel=next]").count():
            link = nav.locator("a[rel=next]")
            link.focus()
            page.keyboard.press("Enter")
            pages_seen += 1
            page.wait_for_url(re.compile(rf"seite={pages_seen}$"))
        # the last page ends with the committee's last meeting and has a way back
        assert "Blätterabend 29" in page.locator("main").inner_text()
        assert nav.locator("a[rel=prev]").count() == 1
        check_axe(page)
        for width in (375, 1366):
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=f"/tmp/oeffentliche-sitzungen-{width}.png", full_page=True)
    finally:
        _remove(live_server.app, committee_id)
