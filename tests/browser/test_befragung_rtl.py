"""Browser (issue 15): the Arabic survey page on a phone (375 px, mobile emulation) is mirrored and usable:
no horizontal overflow, radio buttons beside (not over) their labels, page frame in Arabic, axe-core clean."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.helpers import REDUCED_MOTION, check_axe

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
        locale="ar",
        viewport={"width": 375, "height": 740},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
        reduced_motion=REDUCED_MOTION,
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
        # the demo survey itself is translated: questions and options in Arabic, no German left in the questions
        main = page.locator("main").inner_text()
        for text in (
            "في أي حي تسكن؟",
            "من يعيش في منزلك؟",
            "عائلة لديها أطفال",
            "مقاعد وظل",
            "ما الذي يجب أن يتغير في حيّك؟",
        ):
            assert text in main, text
        for german in ("Wer lebt in Ihrem Haushalt?", "Familie mit Kindern", "Bänke und Schatten", "Treffpunkte"):
            assert german not in main, german
        assert page.locator("h1").inner_text().startswith("كيف هي الحياة")
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


def test_enter_in_a_text_field_does_not_run_the_street_lookup(browser, live_server):
    """Enter submits with the page's main action (here: send), never with the street lookup's button."""
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 740}, reduced_motion=REDUCED_MOTION)
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/b/suedstadt-2026/de/1")
        first = page.locator("form button[type=submit]").first
        assert first.get_attribute("value") in ("weiter", "absenden")
        field = page.locator("input[name$='_sonstiges']").first  # "Andere, und zwar:" – a one-line text field
        field.fill("Ein Bolzplatz")
        with page.expect_navigation():
            field.press("Enter")
        body = page.locator("main").inner_text()
        assert "Straße nicht gefunden" not in body
        # the required area question was not answered: the form says so (the survey was really submitted)
        assert page.locator(".kern-alert--danger").count() == 1
    finally:
        context.close()
