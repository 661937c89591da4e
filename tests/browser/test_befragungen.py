"""Browser: a resident answers the demo survey on a phone (375×740) in Turkish and German;
axe-core finds no serious or critical violation on the answering pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tests.browser.helpers import check_axe, login

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def _responses(live_server):
    from beteiligung.extensions import db
    from models.surveys import Survey, SurveyResponse

    with live_server.app.app_context():
        survey = db.session.scalar(select(Survey).where(Survey.public_key == "suedstadt-2026"))
        n = db.session.scalar(
            select(func.count()).select_from(SurveyResponse).where(SurveyResponse.survey_id == survey.id)
        )
        db.session.remove()
    return n


def test_answer_on_phone_in_turkish_and_german(page, live_server):
    page.set_viewport_size(PHONE)
    before = _responses(live_server)

    page.goto(f"{live_server.url}/b/suedstadt-2026")
    check_axe(page)
    page.get_by_role("link", name=re.compile("Türkçe")).click()
    assert page.locator("html").get_attribute("lang") == "tr"
    assert page.get_by_role("heading", level=1).inner_text().startswith("Südstadt ve Hohe Eiche")
    check_axe(page)
    page.get_by_label("Hangi mahallede oturuyorsunuz?").select_option(label="Südstadt")
    page.get_by_label("Çocuklu aile").check()
    page.get_by_label("Evet").check()
    page.get_by_label("Bank ve gölge").check()
    page.get_by_label("Mahallenizde ne değişmeli?").fill("Daha fazla gölge ve bank.")
    page.get_by_role("button", name="Yanıtları gönder").click()
    page.wait_for_url(re.compile(r".*/danke$"))
    assert "Katılımınız için teşekkür ederiz" in page.content()
    check_axe(page)

    # German, first without the required answer: the error is announced next to the question
    page.goto(f"{live_server.url}/b/suedstadt-2026/de/1")
    assert page.locator("html").get_attribute("lang") == "de"
    check_axe(page)
    page.get_by_role("button", name="Antworten absenden").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").first.is_visible()
    assert "Bitte beantworten Sie diese Frage" in page.content()
    check_axe(page)
    page.get_by_label("Oder Straße eingeben").fill("Eichenallee 7")
    page.get_by_role("button", name="Sozialraum suchen").click()
    assert page.get_by_label("In welchem Viertel wohnen Sie?").input_value() != ""
    page.get_by_label("Ich bin 65 Jahre oder älter").check()
    page.get_by_label("Nein").check()
    page.get_by_role("button", name="Antworten absenden").click()
    page.wait_for_url(re.compile(r".*/danke$"))
    assert "Vielen Dank" in page.content()
    assert _responses(live_server) == before + 2

    # the public page tells what became of the input
    page.goto(f"{live_server.url}/b/suedstadt-2026/ergebnisse")
    assert "Was aus Ihren Hinweisen wurde" in page.content() and "Sozialraumkonferenz Südstadt" in page.content()
    check_axe(page)


def test_staff_results_page_is_accessible(page, live_server):
    # (the shared page header belongs to the Grundgerüst; this test checks the module's content)
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/befragungen/")
    page.get_by_role("link", name=re.compile("Wie lebt es sich")).click()
    page.get_by_role("link", name="Ergebnisse", exact=True).wait_for()  # the survey's page, not the list
    page.wait_for_load_state("load")
    check_axe(page, context="#inhalt")
    page.get_by_role("link", name="Ergebnisse", exact=True).click()
    page.wait_for_url(re.compile(r".*/ergebnisse"))  # the click only starts the navigation; read the new page
    page.wait_for_load_state("load")
    assert "geheim (unter 5)" in page.content() or "Teilnehmende in dieser Auswahl" in page.content()
    check_axe(page, context="#inhalt")
    page.goto(page.url.replace("/ergebnisse", "/codieren"))
    check_axe(page, context="#inhalt")
