"""Browser (issue 15): the Arabic survey page on a phone (375 px, mobile emulation) is mirrored and usable:
no horizontal overflow, radio buttons beside (not over) their labels, page frame in Arabic, axe-core clean."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.helpers import check_axe

pytestmark = pytest.mark.browser


def _set_languages(live_server, languages):
    from beteiligung.extensions import db
    from models.surveys import Survey

    with live_server.app.app_context():
        survey = db.session.scalar(select(Survey).where(Survey.public_key == "suedstadt-2026"))
        before = list(survey.languages)
        survey.languages = languages
        db.session.commit()
        db.session.remove()
    return before


def _overlap(a, b):
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_arabic_survey_page_on_phone(browser, live_server):
    before = _set_languages(live_server, ["de", "tr", "ar"])
    context = browser.new_context(
        locale="ar", viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/b/suedstadt-2026/ar/1")
        html = page.locator("html")
        assert html.get_attribute("lang") == "ar" and html.get_attribute("dir") == "rtl"
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.locator("main").bounding_box()["height"] > 300  # not blank
        # page frame in the survey's language
        assert page.locator(".site-brand__claim").inner_text() == "نخطط معًا للشؤون الاجتماعية"
        assert page.locator(".skip-link").inner_text() == "انتقل إلى المحتوى"
        footer = page.locator("footer").inner_text()
        assert "بيانات الناشر" in footer and "Impressum" not in footer
        assert page.get_by_role("button", name="إرسال الإجابات").is_visible()
        # every radio/checkbox sits right of its label (mirrored) without overlapping it
        checks = page.locator(".kern-form-check")
        assert checks.count() >= 5
        for i in range(checks.count()):
            box_in = checks.nth(i).locator("input").bounding_box()
            box_label = checks.nth(i).locator("label").bounding_box()
            assert not _overlap(box_in, box_label), i
            assert box_in["x"] >= box_label["x"] + box_label["width"] - 1, i
            assert box_in["x"] + box_in["width"] <= 375
        check_axe(page)
    finally:
        context.close()
        _set_languages(live_server, before)
