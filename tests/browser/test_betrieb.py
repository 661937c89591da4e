"""Browser: operator pages (Impressum, Datenschutz, Barrierefreiheit) reachable from the footer, axe-core clean."""

from __future__ import annotations

import pytest

from tests.browser.helpers import check_axe, new_axe_context

pytestmark = pytest.mark.browser


def test_operator_pages_from_the_footer(browser, live_server):
    live_server.app.config.update(
        BETREIBER_NAME="Kreis Lindenau – Der Landrat", BETREIBER_ANSCHRIFT="Am Markt 1|31234 Lindenau"
    )
    context = new_axe_context(browser)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/anmelden")
        page.get_by_role("contentinfo").get_by_role("link", name="Impressum").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Impressum"
        assert page.get_by_text("Kreis Lindenau – Der Landrat").count() == 1
        check_axe(page)
        page.get_by_role("contentinfo").get_by_role("link", name="Datenschutz").click()
        page.wait_for_load_state()
        assert page.get_by_role("heading", level=1).inner_text() == "Datenschutzerklärung"
        assert page.get_by_role("table", name="Aufbewahrungsfristen dieser Installation").count() == 1
        check_axe(page)
        page.get_by_role("contentinfo").get_by_role("link", name="Barrierefreiheit").click()
        assert page.get_by_role("heading", level=1).inner_text() == "Erklärung zur Barrierefreiheit"
        check_axe(page)
    finally:
        context.close()
        live_server.app.config.update(BETREIBER_NAME="", BETREIBER_ANSCHRIFT="")
