"""Issue 15: the public survey pages show skip link, header and footer in the survey's language."""

from __future__ import annotations

import pytest

from tests.befragungen.conftest import make_survey

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_public_survey_frame_in_survey_language(app, world):
    s, _ = make_survey(world, languages=("de", "tr", "ar"))
    c = app.test_client()
    ar = c.get(f"/b/{s.public_key}/ar/1").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in ar
    assert "انتقل إلى المحتوى" in ar and "نخطط معًا للشؤون الاجتماعية" in ar
    assert "بيانات الناشر" in ar and "إمكانية الوصول" in ar
    assert "Zum Inhalt springen" not in ar and "Impressum<" not in ar and "Barrierefreiheit" not in ar
    tr = c.get(f"/b/{s.public_key}/tr/1").get_data(as_text=True)
    assert "İçeriğe geç" in tr and "Künye" in tr and "Impressum<" not in tr
    de = c.get(f"/b/{s.public_key}/de/1").get_data(as_text=True)
    assert "Zum Inhalt springen" in de and "Impressum</a>" in de


def test_yes_no_options_in_survey_language(app, world):
    s, qs = make_survey(world, languages=("de", "ar"))
    c = app.test_client()
    ar = c.get(f"/b/{s.public_key}/ar/1").get_data(as_text=True)
    yes_id = qs["yes"].options[0].id
    assert f'for="q{qs["yes"].id}-{yes_id}">نعم</label>' in ar
    de = c.get(f"/b/{s.public_key}/de/1").get_data(as_text=True)
    assert f'for="q{qs["yes"].id}-{yes_id}">Ja</label>' in de
