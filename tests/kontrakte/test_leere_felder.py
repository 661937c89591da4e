"""Issue 15: an empty report names the field in its message (once per field), so the error summary says which
value is missing."""

from __future__ import annotations

import re

from beteiligung.extensions import db
from models.contracts import Measurement


def test_empty_report_fields_are_named(client, kw):
    report = kw.reports[0]
    ind = report.contract.indicators[0]
    client.login(kw.w.partner_a.email)
    r = client.post(
        f"/kontrakte/berichte/{report.id}",
        data={f"wert_{ind.id}": "", "narrative": "", "aktion": "einreichen", "version": report.version},
    )
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    summary = page[page.index('id="formfehler"') : page.index("</ul>", page.index('id="formfehler"'))]
    message = f"{ind.name}: Bitte einen Wert eingeben (Pflicht beim Einreichen)."
    assert f'<a class="kern-link" href="#wert_{ind.id}">{message}</a>' in summary
    assert "<li>Sachbericht: Bitte einen kurzen Sachbericht schreiben.</li>" in summary
    # every message names its field once
    for item in re.findall(r"<li>(.*?)</li>", summary):
        text = re.sub(r"<[^>]+>", "", item)
        assert text.count(":") == 1 and not text.startswith("Bitte"), text
    assert db.session.query(Measurement).count() == 0
