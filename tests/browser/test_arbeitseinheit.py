"""Browser: one form, two tabs. The form helper (views/forms.submit) answers a stale save with 409,
keeps the user's input and carries the current version; saving again applies it. A refused save
(422) writes nothing."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.helpers import check_axe, login


def _committee(live_server):
    from beteiligung.extensions import db
    from models import Body, Committee

    with live_server.app.app_context():
        c = db.session.scalar(
            select(Committee)
            .join(Body, Committee.body_id == Body.id)
            .where(Body.name == "Kreis Lindenau")
            .order_by(Committee.id)
        )
        result = (c.id, c.name, c.cadence)
        db.session.remove()
    return result


def _stored(live_server, committee_id):
    from beteiligung.extensions import db
    from models import Committee

    with live_server.app.app_context():
        c = db.session.get(Committee, committee_id)
        result = (c.name, c.cadence, c.version)
        db.session.remove()
    return result


def test_stale_save_keeps_input_and_a_second_save_applies_it(live_server, page):
    base = live_server.url
    committee_id, name, _cadence = _committee(live_server)
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    edit = f"{base}/gremien/{committee_id}/bearbeiten"

    other = page.context.new_page()  # a second tab of the same planner
    page.goto(edit)
    other.goto(edit)

    # tab 2 saves first
    other.fill("#cadence", "monatlich")
    other.click("form.form-grid button[type=submit]")
    other.wait_for_url(re.compile(rf"/gremien/{committee_id}$"))
    assert _stored(live_server, committee_id)[1] == "monatlich"

    # tab 1 still shows the old version: a refused save (empty name) first – 422, nothing written
    page.fill("#name", "")
    page.click("form.form-grid button[type=submit]")
    page.wait_for_selector("#name-error")
    assert page.locator("#name").get_attribute("aria-invalid") == "true"
    assert _stored(live_server, committee_id)[0] == name

    # then a real change on the stale version: 409, the input is kept, the conflict explained
    page.fill("#name", name + " (neu)")
    page.fill("#cadence", "vierteljährlich")
    page.click("form.form-grid button[type=submit]")
    page.wait_for_selector("#konflikt")
    assert "inzwischen von jemand anderem geändert" in page.locator("#konflikt").inner_text()
    assert page.input_value("#name") == name + " (neu)"
    assert page.input_value("#cadence") == "vierteljährlich"
    assert _stored(live_server, committee_id)[:2] == (name, "monatlich")  # nothing of the stale save
    check_axe(page)

    # saving again applies the user's input on top of the other tab's change
    page.click("form.form-grid button[type=submit]")
    page.wait_for_url(re.compile(rf"/gremien/{committee_id}$"))
    assert _stored(live_server, committee_id)[:2] == (name + " (neu)", "vierteljährlich")
    assert "Gremium wurde gespeichert." in page.content()
    other.close()
