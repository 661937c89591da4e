"""Browser: a planner links the SPK decision to a measure and sees the link from both ends."""
from __future__ import annotations

import re

from tests.browser.helpers import check_axe, login


def test_planner_links_decision_to_measure(live_server, page):
    login(page, live_server, "planung@kreis-lindenau.example")
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
