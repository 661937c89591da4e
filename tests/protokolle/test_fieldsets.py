"""Issue 15: the protocol entry form groups its fields in KERN fieldsets with the body wrapper."""

import pytest

from beteiligung.services.protokolle import eintraege as svc
from tests.support.fieldsets import assert_kern_fieldsets

from .test_services import decision_data

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_entry_form_fieldsets_have_body(client, pw):
    e = svc.create_entry(pw.planner_k, pw.spk_past, decision_data())
    client.login("planung@kreis.example")
    r = client.get(f"/protokolle/eintraege/{e.id}/bearbeiten")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Nur bei Beschluss" in html
    assert_kern_fieldsets(html, minimum=2)
