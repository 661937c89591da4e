"""Issue 15: the partner report form's value fieldset uses the KERN body wrapper."""

import pytest

from tests.support.fieldsets import assert_kern_fieldsets

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_partner_report_fieldset_has_body(client, kw):
    client.login(kw.w.partner_a.email)
    r = client.get(f"/kontrakte/berichte/{kw.reports[0].id}")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "Ist-Werte zum Stichtag" in html
    assert_kern_fieldsets(html, minimum=1)
