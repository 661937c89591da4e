"""Browser: the survey results page at phone and desktop width — KERN tables that scroll inside
their own frame, the plain-language note on the conditional question, axe-core clean."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import check_axe, login

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [375, 1366])
def test_results_page_at_phone_and_desktop_width(page, live_server, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/befragungen/")
    page.get_by_role("link", name=re.compile("Wie lebt es sich")).click()
    page.get_by_role("link", name="Ergebnisse", exact=True).click()
    page.wait_for_load_state()
    # the scale question is asked only after "Ja": its table counts those asked, and says so
    caption = page.locator("caption", has_text="Wie zufrieden sind Sie mit diesen Angeboten?")
    assert "nur wem die Frage gestellt wurde" in caption.inner_text()
    note = page.get_by_text(re.compile("Diese Frage wurde nur Teilnehmenden gestellt, die bei"))
    assert note.is_visible()
    assert page.locator("table.kern-table").count() >= 5
    assert page.locator(".kern-table-responsive table.kern-table").count() == page.locator("table.kern-table").count()
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # the bar charts' labels and values are read at the page's size, on the phone too (they were SVG text that
    # shrank with the chart: 10 px at 375 px); every bar fits beside its label
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('.survey-chart__label, .survey-chart__value')]
                 .map((e) => parseFloat(getComputedStyle(e).fontSize))"""
    )
    body = page.evaluate("parseFloat(getComputedStyle(document.querySelector('main p')).fontSize)")
    assert len(sizes) > 10 and min(sizes) >= min(body, 16), (min(sizes), body)
    bars = page.evaluate(
        "[...document.querySelectorAll('.survey-chart__bar')].map((e) => e.getBoundingClientRect().width)"
    )
    assert bars and min(bars) >= 60, bars
    check_axe(page, context="#inhalt")
    page.get_by_label("Vergleichen nach").select_option("sozialraum")
    page.get_by_role("button", name="Anzeigen").click()
    page.wait_for_url(re.compile(r".*vergleich=sozialraum.*"))
    assert page.locator("caption", has_text="Vergleich nach Sozialraum").count() >= 5
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    check_axe(page, context="#inhalt")
