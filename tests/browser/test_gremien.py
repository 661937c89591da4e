"""Browser: a planner creates a Sozialraumkonferenz with three TOPs, invites the committee,
and an invitee answers through the link from the invitation mail (read from the outbox)."""

from __future__ import annotations

import re

from sqlalchemy import select

from tests.browser.helpers import REDUCED_MOTION, check_axe, login


def test_sozialraumkonferenz_invitation_and_rsvp(live_server, page):
    base = live_server.url
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)

    # 1. the committee
    page.goto(f"{base}/gremien/neu")
    check_axe(page)
    page.fill("#name", "Sozialraumkonferenz Kastanienhof")
    page.select_option("#type_id", label="Sozialraumkonferenz")
    page.select_option("#body_id", label="Stadt Lindenau")
    page.check("#is_public")
    page.select_option("#areas", label="SR-07 Kastanienhof")
    page.click("form.form-grid button[type=submit]")
    page.wait_for_url(re.compile(r"/gremien/\d+$"))
    assert page.locator("h1").inner_text() == "Sozialraumkonferenz Kastanienhof"

    # 2. two members
    for index in (1, 2):
        page.click("summary:has-text('Mitglied aufnehmen')")
        # the person picker (views/auswahl): type, arrow down to the index-th match, Enter
        page.get_by_role("combobox", name="Person").fill("Al")
        page.get_by_role("combobox", name="Person").press("b")
        page.locator("[role=listbox] [role=option]").nth(index).wait_for()
        for _ in range(index + 1):
            page.keyboard.press("ArrowDown")
        page.keyboard.press("Enter")
        with page.expect_navigation():
            page.click("form[action$='/mitglieder'] button.kern-btn--primary")
            page.wait_for_load_state()
    assert page.locator("#mitglieder ~ table tbody tr, section[aria-labelledby=mitglieder] tbody tr").count() == 2
    check_axe(page)

    # 3. a meeting with three TOPs
    page.click("text=Sitzung planen")
    page.fill("#title", "Sozialraumkonferenz Kastanienhof – Auftakt")
    page.fill("#start", "2030-03-04T18:00")
    page.fill("#end", "2030-03-04T20:00")
    page.fill("#location", "Stadtteilzentrum Kastanienhof")
    page.fill("#goals", "- Bedarfe im Kastanienhof sammeln")
    page.click("form.form-grid button[type=submit]")
    page.wait_for_url(re.compile(r"/gremien/sitzungen/\d+$"))
    meeting_url = page.url
    for title, goal in (
        ("Begrüßung", "Kennenlernen"),
        ("Wohnen im Quartier", "Bedarfe sammeln"),
        ("Nächste Schritte", "Empfehlungen festhalten"),
    ):
        if not page.locator("#top-neu").get_attribute("open") is not None:
            page.click("#top-neu summary")
        page.fill("#top-title", title)
        page.fill("#top-goal", goal)
        page.fill("#top-duration_minutes", "20")
        page.click("#top-neu button[type=submit]")
        page.wait_for_url(re.compile(r"/gremien/sitzungen/\d+(#tagesordnung)?$"))
    rows = page.locator("#agenda-table tbody tr")
    assert rows.count() == 3
    assert "Wohnen im Quartier" in rows.nth(1).inner_text()
    # reorder without JS semantics: the ↑ button is a POST form
    rows.nth(2).locator("button:has-text('hoch')").click()
    page.wait_for_load_state()
    assert "Nächste Schritte" in page.locator("#agenda-table tbody tr").nth(1).inner_text()
    check_axe(page)

    # 4. invite the committee (confirmation step shows the count)
    page.click("text=Einladen")
    page.click("button:has-text('Einladungsliste prüfen')")
    page.wait_for_selector("#pruefung")
    assert "2 Einladungen versenden" in page.locator("#pruefung").inner_text()
    check_axe(page)
    page.click("button:has-text('Jetzt 2 Einladungen versenden')")
    page.wait_for_url(re.compile(r"/gremien/sitzungen/\d+(#einladungen)?$"))
    assert "Einladungen und Antworten" in page.content()

    # 5. the invitee answers through the link in the mail (read from the outbox table)
    from models import OutboxMail

    with live_server.app.app_context():
        from beteiligung.extensions import db

        mail = db.session.scalars(
            select(OutboxMail)
            .where(OutboxMail.subject.like("Einladung: Sozialraumkonferenz Kastanienhof%"))
            .order_by(OutboxMail.id)
        ).first()
        link = re.search(r"(http://\S+/oeffentlich/antwort/\S+)", mail.body_text).group(1)
        invitee = mail.recipient
    answer_page = page.context.browser.new_context(
        locale="de-DE", bypass_csp=True, reduced_motion=REDUCED_MOTION
    ).new_page()
    answer_page.goto(link)
    assert "Nehmen Sie teil?" in answer_page.content()
    check_axe(answer_page)
    answer_page.check("input[value=zugesagt]")
    answer_page.fill("#comment", "Bis dann!")
    answer_page.click("button:has-text('Antwort senden')")
    answer_page.wait_for_selector("text=Danke für Ihre Antwort")
    answer_page.context.close()

    # 6. the planner sees the answer
    page.goto(meeting_url)
    table = page.locator("section[aria-labelledby=einladungen] table").inner_text()
    assert "Zusage" in table and "Bis dann!" in table
    assert invitee
