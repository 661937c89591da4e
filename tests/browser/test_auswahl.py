"""Browser, keyboard only: the person picker (ARIA combobox) in the member form and in the
invitation form – type, arrow down, Enter, submit; axe-core clean with the listbox open;
screenshots at 375 and 1366 px (written to AUSWAHL_SHOTS, default /tmp/auswahl-shots)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import select

from tests.browser.helpers import check_axe, login, shoot_pickers

SHOTS = Path(os.environ.get("AUSWAHL_SHOTS", "/tmp/auswahl-shots"))
PLANNER = "planung@stadt-lindenau.example"


def _scene(app):
    """A committee the Kommune planner manages, a person of the Kommune who is not a member yet,
    and an upcoming meeting of that committee."""
    from beteiligung import permissions as perm
    from beteiligung.extensions import db
    from models import Committee, Meeting, Membership, Person, User, utcnow

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == PLANNER))
        committees = db.session.scalars(select(Committee).order_by(Committee.id)).all()
        c = next(c for c in committees if perm.can_manage_committee(user, c) and c.active)
        members = set(db.session.scalars(select(Membership.person_id).where(Membership.committee_id == c.id)))
        persons = db.session.scalars(
            select(Person)
            .where(perm.person_filter(user), Person.anonymised_at.is_(None), Person.email.isnot(None))
            .order_by(Person.last_name)
        ).all()
        candidates = [p for p in persons if p.id not in members and len(p.last_name) >= 4]
        meeting = db.session.scalar(
            select(Meeting).where(Meeting.committee_id == c.id, Meeting.start > utcnow()).order_by(Meeting.start)
        )
        result = {
            "committee_id": c.id,
            "person": (candidates[0].last_name, candidates[0].first_name),
            "guests": [(p.last_name, p.first_name) for p in candidates[1:3]],
            "meeting_id": meeting.id if meeting else None,
        }
        db.session.remove()
    return result


def _pick_with_keyboard(page, combobox, text):
    """Type into the combobox, arrow down through the listbox to `text`, Enter."""
    combobox.focus()
    page.keyboard.type(text[:6], delay=30)
    listbox = page.locator("#" + combobox.get_attribute("aria-controls"))
    listbox.locator("[role=option]").first.wait_for()
    assert combobox.get_attribute("aria-expanded") == "true"
    for _ in range(listbox.locator("[role=option]").count()):
        page.keyboard.press("ArrowDown")
        active = combobox.get_attribute("aria-activedescendant")
        assert active and page.locator(f"#{active}").get_attribute("aria-selected") == "true"
        if text in page.locator(f"#{active}").inner_text():
            break
    else:
        raise AssertionError(f"{text} nicht in den Vorschlägen")
    return listbox


def test_member_and_invitation_pickers_keyboard_only(live_server, page):
    scene = _scene(live_server.app)
    base = live_server.url
    login(page, live_server, PLANNER, start_page=False)
    page.goto(f"{base}/gremien/{scene['committee_id']}")
    summary = page.locator("summary", has_text="Mitglied aufnehmen")
    summary.focus()
    page.keyboard.press("Enter")
    combobox = page.get_by_role("combobox", name="Person")
    assert combobox.get_attribute("aria-autocomplete") == "list"
    last, first = scene["person"]
    listbox = _pick_with_keyboard(page, combobox, f"{last}, {first}")
    # axe-core with the listbox open
    check_axe(page)
    status = page.locator(".auswahl [role=status]").first
    assert "Treffer" in status.inner_text()
    shoot_pickers(page, SHOTS, "mitglied-liste-offen")
    page.keyboard.press("Enter")
    assert listbox.is_hidden()
    assert combobox.get_attribute("aria-expanded") == "false"
    chosen = page.locator("#mitglied-neu .auswahl__option input:checked").first
    assert f"{last}, {first}" in page.locator(f"label[for='{chosen.get_attribute('id')}']").inner_text()
    assert "gewählt" in status.inner_text()
    # Escape closes an open listbox without choosing
    page.keyboard.type("zz")
    page.keyboard.press("Escape")
    # submit with the keyboard: Tab to the button, Enter
    page.locator("#mitglied-neu button.kern-btn--primary").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "Mitglied wurde aufgenommen" in page.content()
    assert f"{first} {last}" in page.locator("section[aria-labelledby=mitglieder] tbody").inner_text()
    # the edit form shows the chosen person by name
    page.locator("section[aria-labelledby=mitglieder] a", has_text="bearbeiten").last.click()
    page.wait_for_url(re.compile(r"/mitgliedschaft/\d+/bearbeiten$"))
    check_axe(page)
    shoot_pickers(page, SHOTS, "mitglied-bearbeiten")

    if scene["meeting_id"] is None:
        return
    page.goto(f"{base}/gremien/sitzungen/{scene['meeting_id']}/einladen")
    check_axe(page)
    guests = page.get_by_role("combobox", name="Weitere Personen (Gäste)")
    for last, first in scene["guests"]:
        _pick_with_keyboard(page, guests, f"{last}, {first}")
        check_axe(page)
        if (last, first) == scene["guests"][0]:
            shoot_pickers(page, SHOTS, "einladen-liste-offen")
        page.keyboard.press("Enter")
    checked = page.locator("#einladen .auswahl__option input:checked")
    assert checked.count() == len(scene["guests"])
    page.get_by_role("button", name="Einladungsliste prüfen").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#pruefung")
    # the confirmation and its button come first, not 1,700 px below
    button = page.get_by_role("button", name=re.compile(r"Jetzt \d+ Einladungen versenden"))
    assert button.bounding_box()["y"] < 900
    text = page.locator("#pruefung").locator("xpath=..").inner_text()
    for last, first in scene["guests"]:
        assert f"{first} {last}" in text
    check_axe(page)
    shoot_pickers(page, SHOTS, "einladen-bestaetigung")


def test_attendance_row_picker_keyboard_only(live_server, page):
    """The deputy picker in a row of the attendance list: type, arrow down, Enter; axe-core clean."""
    from beteiligung import permissions as perm
    from beteiligung.extensions import db
    from models import Meeting, User, utcnow
    from tests.auswahl.support import pick_in_browser

    with live_server.app.app_context():
        user = db.session.scalar(select(User).where(User.email == PLANNER))
        meetings = db.session.scalars(select(Meeting).where(Meeting.start < utcnow()).order_by(Meeting.start.desc()))
        meeting_id = next(m.id for m in meetings if perm.can_record_attendance(user, m))
        db.session.remove()
    login(page, live_server, PLANNER, start_page=False)
    page.goto(f"{live_server.url}/protokolle/sitzungen/{meeting_id}/anwesenheit")
    check_axe(page)
    combobox = page.get_by_role("combobox", name=re.compile("^Vertretung für")).first
    combobox.focus()
    page.keyboard.type("Alb", delay=20)
    page.locator("#" + combobox.get_attribute("aria-controls") + " [role=option]").first.wait_for()
    page.keyboard.press("ArrowDown")
    check_axe(page)
    shoot_pickers(page, SHOTS, "anwesenheit-liste-offen")
    page.keyboard.press("Escape")
    add = page.get_by_role("combobox", name=re.compile("Weitere anwesende Person"))
    pick_in_browser(page, add, "Albers", "Albers")
    assert page.locator("[data-auswahl-name=add_person_id] .auswahl__option input:checked").count() == 1


def test_take_over_members_from_an_organisation(live_server, page):
    """Mitglieder übernehmen: organisation by keyboard, preview, confirm; axe-core clean."""
    scene = _scene(live_server.app)
    login(page, live_server, PLANNER, start_page=False)
    page.goto(f"{live_server.url}/gremien/{scene['committee_id']}")
    page.get_by_role("link", name=re.compile("Mehrere Mitglieder übernehmen")).click()
    page.wait_for_url(re.compile(r"/auswahl/gremien/\d+/mitglieder$"))
    check_axe(page)
    from tests.auswahl.support import pick_in_browser

    pick_in_browser(page, page.get_by_role("combobox", name="Organisation"), "Tafel Lindenau", "Tafel")
    page.get_by_role("button", name="Vorschau zeigen").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    heading = page.locator("#vorschau")
    assert "aus Tafel Lindenau" in heading.inner_text()
    check_axe(page)
    shoot_pickers(page, SHOTS, "mitglieder-uebernehmen-vorschau")
    confirm = page.get_by_role("button", name=re.compile("Ausgewählte als Mitglieder aufnehmen"))
    if confirm.count():
        with page.expect_navigation():
            confirm.click()
        assert re.search(r"aufgenommen|übersprungen", page.content())
