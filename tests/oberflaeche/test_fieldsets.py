"""Issue 15: KERN fieldset body wrapper on survey, protocol-entry and partner-report forms."""

from __future__ import annotations

import pytest

from tests.befragungen.conftest import make_survey
from tests.support.fieldsets import assert_kern_fieldsets, kern_fieldsets

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_checker_rejects_fieldset_without_body():
    bad = '<fieldset class="kern-fieldset"><legend class="kern-label">F</legend><div class="kern-form-check"></div></fieldset>'
    good = bad.replace("</legend>", '</legend><div class="kern-fieldset__body">').replace(
        "</fieldset>", "</div></fieldset>"
    )
    assert len(kern_fieldsets(bad)) == 1
    try:
        assert_kern_fieldsets(bad)
    except AssertionError:
        pass
    else:  # pragma: no cover
        raise AssertionError("checker accepted a fieldset without body")
    assert_kern_fieldsets(good)


def test_public_survey_questions_use_fieldset_body(app, world):
    s, qs = make_survey(world)
    page = app.test_client().get(f"/b/{s.public_key}/de/1")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Wer lebt in Ihrem Haushalt?" in html
    assert_kern_fieldsets(html, minimum=1)


def test_survey_edit_form_uses_fieldset_body(app, world, client):
    s, _ = make_survey(world, status="Entwurf")
    client.login("planung@ahlen.example")
    r = client.get(f"/befragungen/{s.id}/bearbeiten")
    assert r.status_code == 200
    assert_kern_fieldsets(r.get_data(as_text=True), minimum=3)


def test_survey_status_change_is_an_action_button(app, world, client):
    s, _ = make_survey(world, status="offen")
    client.login("planung@ahlen.example")
    html = client.get(f"/befragungen/{s.id}").get_data(as_text=True)
    assert '<span class="kern-badge kern-badge--info"><span class="kern-label">Status: offen</span></span>' in html
    assert '<span class="kern-label">Befragung schließen</span></button>' in html
    assert ">Status: geschlossen<" not in html
