"""Browser, keyboard only: the committee filter of Nachhalten is a picker (ARIA combobox over
/auswahl/gremien) – type, arrow down, Enter, Tab to "Filtern", Enter; axe-core clean with the listbox
open and on the filtered list; screenshots at 375 and 1366 px (NACHHALTEN_SHOTS, default /tmp/nachhalten-shots)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import func, select

from tests.auswahl.support import pick_in_browser
from tests.browser.helpers import check_axe, login, shoot_pickers

SHOTS = Path(os.environ.get("NACHHALTEN_SHOTS", "/tmp/nachhalten-shots"))
PLANNER = "planung@kreis-lindenau.example"


def _committee_with_open_items(app):
    """The committee with most open tasks and decisions the Kreis planner sees in Nachhalten."""
    from beteiligung.extensions import db
    from beteiligung.services.protokolle import eintraege as svc
    from models import Committee, Meeting, User
    from models.protocols import NOT_DONE, Protocol, ProtocolEntry

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PLANNER))
        ids = svc.followup_ids(user, status=NOT_DONE).order_by(None).subquery()
        cid, name = db.session.execute(
            select(Committee.id, Committee.name)
            .join(Meeting, Meeting.committee_id == Committee.id)
            .join(Protocol, Protocol.meeting_id == Meeting.id)
            .join(ProtocolEntry, ProtocolEntry.protocol_id == Protocol.id)
            .where(ProtocolEntry.id.in_(select(ids.c.id)))
            .group_by(Committee.id, Committee.name)
            .order_by(func.count().desc(), Committee.id)
            .limit(1)
        ).one()
        db.session.remove()
    return cid, name


def test_followup_committee_filter_keyboard_only(live_server, page):
    committee_id, name = _committee_with_open_items(live_server.app)
    login(page, live_server, PLANNER, start_page=False)
    page.goto(f"{live_server.url}/protokolle/")
    assert page.locator("select#f-gremium").count() == 0  # no list of every committee any more
    check_axe(page)
    # the filter fields' inputs line up in one row at desktop width (no „– optional“ in a filter widens a label)
    page.set_viewport_size({"width": 1366, "height": 900})
    filters = page.locator("form.filter-form .filter-grid")
    assert filters.locator(".kern-label__optional").first.is_hidden()
    tops = {
        round(box["y"])
        for box in (el.bounding_box() for el in filters.locator("select, input[type=text], input[role=combobox]").all())
        if box
    }
    assert len(tops) == 1, tops
    combobox = page.get_by_role("combobox", name="Gremium")
    assert combobox.get_attribute("aria-autocomplete") == "list"
    combobox.focus()
    page.keyboard.type(name[:5], delay=20)
    listbox = page.locator("#" + combobox.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    check_axe(page)  # with the listbox open
    shoot_pickers(page, SHOTS, "nachhalten-gremium-liste-offen")
    page.keyboard.press("Escape")
    assert listbox.is_hidden()
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    pick_in_browser(page, combobox, name, name[:5])
    chosen = page.locator("[data-auswahl-name=gremium] .auswahl__option input:checked")
    assert chosen.get_attribute("value") == str(committee_id)
    # submit with the keyboard: focus the filter button, Enter
    page.get_by_role("button", name="Filtern").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
        page.wait_for_load_state()
    assert re.search(rf"[?&]gremium={committee_id}(&|$)", page.url)
    rows = page.locator("table.kern-table tbody tr")
    assert rows.count() >= 1
    for i in range(rows.count()):
        assert rows.nth(i).locator("td").nth(2).inner_text().startswith(name + ",")
    # the chosen committee is shown by name and stays chosen
    assert page.locator("[data-auswahl-name=gremium] .auswahl__option input:checked").get_attribute("value") == str(
        committee_id
    )
    check_axe(page)
    shoot_pickers(page, SHOTS, "nachhalten-gefiltert")
