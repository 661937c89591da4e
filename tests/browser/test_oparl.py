"""Browser and real HTTP against the demo: the OParl API of the demo is walked from its entry
point over the network like an OParl client would (every object validated against the official
schemas, no dead link, nothing non-public), a citizen finds it from the public pages, a planner
sees the Vorlage for the Ausschuss."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from tests.browser.helpers import check_axe, login
from tests.oparl.crawl import crawl

pytestmark = pytest.mark.browser


def _http(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_demo_api_walk_over_http(live_server):
    from beteiligung.extensions import db
    from beteiligung.permissions import oparl as pub
    from models import AgendaItem, Committee, Meeting, Person
    from models.oparl import Paper

    api = live_server.url + "/oparl/v1"
    res = crawl(_http, api + "/", api)
    assert len(res.objects) > 20
    types = {o["type"].rsplit("/", 1)[1] for o in res.objects.values()}
    assert {
        "System",
        "Body",
        "Organization",
        "Person",
        "Membership",
        "Meeting",
        "AgendaItem",
        "Paper",
        "Consultation",
        "File",
        "Location",
        "LegislativeTerm",
    } <= types
    with live_server.app.app_context():
        public_meetings = {m.id for m in db.session.query(Meeting).join(Committee).filter(pub.meeting_public_filter())}
        all_meetings = {m.id for m in db.session.query(Meeting)}
        hidden_items = {i.id for i in db.session.query(AgendaItem) if not pub.is_public_agenda_item(i)}
        published = {p.id for p in db.session.query(Paper) if p.is_published}
        consent = pub.public_consent_ids()
        persons = {p.id for p in db.session.query(Person)}
    served = lambda kind: {int(o["id"].rsplit("/", 1)[1]) for o in res.of_type(kind)}  # noqa: E731
    assert served("Meeting") == public_meetings and public_meetings < all_meetings
    assert not served("AgendaItem") & hidden_items
    assert served("Paper") == published and published
    assert served("Person") == consent and consent < persons


def test_citizen_finds_open_data_and_the_paper(live_server, page):
    page.goto(f"{live_server.url}/oeffentlich/sitzungen/")
    page.get_by_role("link", name="offene Daten im Standard OParl").click()
    page.get_by_role("heading", name="Offene Daten: Gremien, Sitzungen und Vorlagen im Standard OParl").wait_for()
    check_axe(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/oparl-offene-daten-{width}.png", full_page=True)
    with live_server.app.app_context():
        from beteiligung.extensions import db
        from models.oparl import Paper

        paper_id = db.session.query(Paper).first().id
    page.goto(f"{live_server.url}/oparl/v1/vorlagen/{paper_id}")
    page.get_by_role("heading", name="Wie es dazu kam").wait_for()
    check_axe(page)
    page.screenshot(path="/tmp/oparl-vorlage-1366.png", full_page=True)


def test_planner_sees_the_vorlagen_list(live_server, page):
    login(page, live_server, "planung@kreis-lindenau.example")
    page.get_by_role("link", name="Vorlagen").first.click()
    page.get_by_role("heading", name="Vorlagen für die Politik").wait_for()
    check_axe(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=f"/tmp/oparl-vorlagen-{width}.png", full_page=True)
    page.get_by_role("link", name="BV/").first.click()
    page.get_by_role("button", name="Zurückziehen").wait_for()
    check_axe(page)
