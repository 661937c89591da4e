"""Browser: a planner links the SPK decision to a measure and sees the link from both ends."""

from __future__ import annotations

import re

from tests.browser.helpers import check_axe, login


def test_planner_links_decision_to_measure(live_server, page):
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/planung/massnahmen/")
    check_axe(page)
    page.get_by_role("link", name="Sprechstunde Frühe Hilfen im Quartiersbüro Südstadt").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Sprechstunde Frühe Hilfen im Quartiersbüro Südstadt").is_visible()
    check_axe(page)
    page.get_by_role("link", name=re.compile("^Beschluss: Die Sozialplanungskonferenz beschließt")).click()
    page.wait_for_load_state()
    check_axe(page)
    # search without JavaScript: a GET form with a results list
    page.get_by_label("Art").select_option("massnahme")
    page.get_by_label("Suchbegriff").fill("Elterncafé")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("button", name=re.compile(r"^Verknüpfen\s*: Elterncafé Hohe Eiche$")).click()
    page.wait_for_load_state()
    assert page.get_by_text("Verknüpft: Maßnahme „Elterncafé Hohe Eiche“.").is_visible()
    assert page.get_by_role("link", name="Elterncafé Hohe Eiche").is_visible()
    check_axe(page)
    # the other end shows the decision behind the measure
    page.get_by_role("link", name="Elterncafé Hohe Eiche").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name=re.compile("^Beschluss: Die Sozialplanungskonferenz beschließt")).is_visible()
    check_axe(page)
    # the chain view of the measure, readable without JavaScript
    page.get_by_role("link", name="Wirkungskette ansehen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Wirkungskette: Maßnahme").is_visible()
    assert page.get_by_role("table", name="Wirkungskette als Tabelle").is_visible()
    check_axe(page)


def test_planning_pages_are_accessible(live_server, page):
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/planung/vorhaben/")
    check_axe(page)
    page.get_by_role("link", name="Frühe Hilfen in der Südstadt 2026–2028").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Zeitleiste des Steuerungskreislaufs").is_visible()
    check_axe(page)
    page.get_by_role("link", name=re.compile("^Abweichungsbericht")).click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name=re.compile("^Abweichungsbericht")).is_visible()
    check_axe(page)
    page.goto(f"{live_server.url}/planung/stellungnahmen/")
    check_axe(page)
    page.get_by_role("link", name="Entwurf Sozialbericht 2026").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="Wer hat geantwortet?").is_visible()
    check_axe(page)
    for path in ("/planung/massnahmen/neu", "/planung/vorhaben/neu", "/planung/stellungnahmen/neu"):
        page.goto(live_server.url + path)
        check_axe(page)
        if path == "/planung/massnahmen/neu":  # the organisation picker's search box is as wide as the title field
            title = page.get_by_role("textbox", name="Titel").bounding_box()
            picker = page.get_by_role("combobox", name="Verantwortliche Organisation").bounding_box()
            assert abs(picker["width"] - title["width"]) < 2, (picker, title)


def test_partner_answers_the_consultation(live_server, page):
    login(page, live_server, "partner@awo-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/planung/stellungnahmen/")
    page.get_by_role("link", name="Entwurf Sozialbericht 2026").click()
    page.wait_for_load_state()
    check_axe(page)
    page.get_by_role("button", name="Stellungnahme abgeben").click()
    page.wait_for_load_state()
    assert page.get_by_text("Bitte schreiben Sie Ihre Stellungnahme.").first.is_visible()
    check_axe(page)
    page.get_by_role("textbox", name="Ihre Stellungnahme").fill(
        "Die AWO unterstützt den Entwurf; Kapitel 3 bitte um Wartezeiten ergänzen."
    )
    page.get_by_role("button", name="Stellungnahme abgeben").click()
    page.wait_for_load_state()
    assert page.get_by_text("Stellungnahme abgegeben. Vielen Dank!").is_visible()
