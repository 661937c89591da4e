"""Browser: the planner sees the map, filters it, finds the Pflege gap and exports for Gephi."""

from __future__ import annotations

import re

from tests.browser.helpers import check_axe, login


def test_planner_filters_the_network_map(live_server, page):
    problems = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/netzwerk/")
    page.wait_for_selector("#netzwerk-karte[data-loaded]")
    total = int(page.locator("#zahl-knoten").inner_text().replace(".", ""))
    # a readable first view: the most central nodes only (issue 15), more on request
    first = int(page.get_attribute("#netzwerk-karte", "data-first"))
    assert int(page.get_attribute("#netzwerk-karte", "data-loaded")) == min(total, first) < total
    assert page.locator("#netzwerk-legende li").count() > 3
    assert re.search(r"\d+ von \d+ Knoten", page.locator("#netzwerk-status").inner_text())
    assert "Stand der Analyse" in page.locator("#netzwerk-stand").inner_text()
    check_axe(page)
    # "Weitere Knoten laden" until every node is on the map; then the button goes away
    more = page.locator("#netzwerk-mehr")
    step = int(page.get_attribute("#netzwerk-karte", "data-page"))
    while more.is_visible():
        loaded = int(page.get_attribute("#netzwerk-karte", "data-loaded"))
        more.click()
        page.wait_for_selector(f"#netzwerk-karte[data-loaded='{min(total, loaded + step)}']", timeout=20000)
    assert int(page.get_attribute("#netzwerk-karte", "data-loaded")) == total
    assert not more.is_visible()

    # filter: only the Jobcenter type (GET form, also works without JS)
    page.select_option("#f-art", "Jobcenter")
    page.click("#netzwerk-filter button[type=submit]")
    page.wait_for_url(re.compile(r"art=Jobcenter"))
    page.wait_for_selector("#netzwerk-karte[data-loaded]")
    table = page.locator("#knoten tbody")
    assert "Jobcenter Kreis Lindenau" in table.inner_text()
    assert "AWO Kreisverband" not in table.inner_text()
    filtered = int(page.locator("#zahl-knoten").inner_text().replace(".", ""))
    assert filtered < total
    assert int(page.get_attribute("#netzwerk-karte", "data-loaded")) == filtered

    # ego network of the Jobcenter, with its own small map
    page.click("#knoten a:has-text('Ego-Netz') >> nth=0")
    page.wait_for_selector("#netzwerk-karte[data-loaded]")
    assert "Ego-Netzwerk: Jobcenter Kreis Lindenau" in page.locator("h1").inner_text()
    assert int(page.get_attribute("#netzwerk-karte", "data-loaded")) >= 2
    check_axe(page)

    # relation kind filter: Kontrakt edges only
    page.goto(f"{live_server.url}/netzwerk/kanten")
    page.select_option("#f-beziehung", "Kontrakt")
    page.click("#netzwerk-filter button[type=submit]")
    page.wait_for_load_state()
    rows = page.locator("#kanten tbody tr")
    assert rows.count() >= 2
    assert all("Kontrakt" in rows.nth(i).inner_text() for i in range(rows.count()))

    # the coverage matrix names the gap
    page.goto(f"{live_server.url}/netzwerk/abdeckung")
    gaps = page.locator(".coverage-gap-list")
    if gaps.get_attribute("open") is None:
        gaps.locator("summary").click()
    assert "SR-07 Kastanienhof: kein Partner für Pflege" in page.locator(".coverage-gaps").inner_text()
    # the matrix comes first; Südstadt has its partner for Kinder, Jugend und Familie (the AWO's Familienhebammen)
    box_matrix, box_gaps = page.locator("#abdeckung").bounding_box(), gaps.bounding_box()
    assert box_matrix["y"] < box_gaps["y"]
    page.select_option("#handlungsfeld", label="Kinder, Jugend und Familie")
    page.get_by_role("button", name="Anzeigen").click()
    row = page.locator("#abdeckung tbody tr", has_text="SR-05 Südstadt")
    assert row.locator("td a").inner_text().split()[0].isdigit()
    row.locator("td a").click()
    assert "AWO" in page.locator("main").inner_text()
    check_axe(page)

    # export for Gephi
    page.goto(f"{live_server.url}/netzwerk/")
    with page.expect_download() as info:
        page.click("text=GEXF (Gephi)")
    assert info.value.suggested_filename.endswith(".gexf")
    assert not [p for p in problems if "Content Security Policy" in p or "Uncaught" in p], problems


def test_partner_map_hides_planning_only_relations(live_server, page):
    login(page, live_server, "partner@awo-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/netzwerk/kanten?beziehung=Konflikt")
    assert "Keine Beziehungen" in page.locator("main").inner_text()  # the conflict is "nur Sozialplanung"
    page.goto(f"{live_server.url}/netzwerk/kanten?beziehung=Kontrakt")
    assert "Neustart" not in page.locator("main").inner_text()  # Jobcenter–Neustart: only the parties
