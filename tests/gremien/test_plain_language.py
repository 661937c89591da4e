"""Issue 15: the meeting page speaks plainly about the calendar invitation."""

import pytest

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_meeting_page_without_calendar_jargon(client, gw):
    client.login("planung@kreis.example")
    html = client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    assert "SEQUENCE" not in html and "Kalenderversion" not in html
    assert "Kalendereinladung" in html
