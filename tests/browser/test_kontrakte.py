"""Browser: the AWO partner submits the due report; the planner sees Soll and Ist."""

from __future__ import annotations

import re

from tests.browser.helpers import check_axe, login


def test_partner_submits_report(live_server, page):
    login(page, live_server, "partner@awo-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/kontrakte/meine")
    check_axe(page)
    due = (
        page.get_by_role("region", name="Fällige Berichte")
        if False
        else page.locator("section", has=page.get_by_role("heading", name="Fällige Berichte"))
    )
    due.get_by_role("link", name="Halbjahresbericht Familienhebammen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("Bericht: Halbjahresbericht")).is_visible()
    check_axe(page)
    # bad input first: a German message next to the field, nothing stored
    page.get_by_label(re.compile("Unterbringungen nach § 19")).fill("elf Komma zwei")
    page.get_by_label(re.compile("Begleitete Familien")).fill("57")
    page.get_by_label("Sachbericht").fill("Die Begleitung läuft stabil; zwei Stellen waren zeitweise vakant.")
    page.get_by_role("button", name="Bericht einreichen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bitte eine Zahl im deutschen Format eingeben").first.is_visible()
    assert page.get_by_label("Sachbericht").input_value().startswith("Die Begleitung")  # kept
    check_axe(page)
    page.get_by_label(re.compile("Unterbringungen nach § 19")).fill("11,1")
    page.get_by_role("button", name="Bericht einreichen").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bericht eingereicht. Vielen Dank!").is_visible()
    assert page.get_by_text("eingereicht", exact=True).first.is_visible()

    # the planner sees the values as Soll and Ist
    page.context.clear_cookies()
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/kontrakte/kennzahlen/")
    check_axe(page)
    page.get_by_role("link", name="Unterbringungen nach § 19 SGB VIII je 1.000 Neugeborene").click()
    page.wait_for_load_state()
    table = page.get_by_role("table", name=re.compile("Ist- und Soll-Werte"))
    assert table.get_by_role("cell", name="11,1", exact=True).is_visible()
    assert page.locator("svg.indicator-chart").is_visible()
    check_axe(page)


def test_planner_pages_are_accessible(live_server, page):
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    for path in ("/kontrakte/", "/kontrakte/ziele/", "/kontrakte/neu", "/kontrakte/kennzahlen/neu"):
        page.goto(live_server.url + path)
        check_axe(page)
    page.goto(live_server.url + "/kontrakte/")
    page.get_by_role("link", name="Kooperationsvereinbarung Übergang Schule–Beruf").click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("link", name=re.compile("Fassungen und Vergleich")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Vergleich: Fassung 1 und Fassung 2").is_visible()
    check_axe(page)
    page.goto(live_server.url + "/kontrakte/")
    page.get_by_role("link", name=re.compile("^Rückführung stationär")).click()
    page.wait_for_load_state()
    check_axe(page)
    # the PDF link answers with a PDF
    with page.expect_download() as info:
        page.get_by_role("link", name="Als PDF").click()
    assert info.value.suggested_filename.endswith(".pdf")
