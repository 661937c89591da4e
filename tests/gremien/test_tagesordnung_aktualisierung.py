"""Issue 15: a TOP added, changed or removed after the invitations went out reaches everyone invited as a
calendar update (iTIP METHOD:REQUEST, same UID, SEQUENCE raised) with the new agenda; before the invitations
nothing is sent."""

from __future__ import annotations

import email
import email.policy

import icalendar
from sqlalchemy import select

from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
from models import AgendaItem, Meeting, OutboxMail
from tests.gremien.test_invitations import _invite_all


def _agenda_mails(db):
    return db.session.scalars(
        select(OutboxMail).where(OutboxMail.category == "sitzung-tagesordnung").order_by(OutboxMail.id)
    ).all()


def _event(mail: OutboxMail):
    msg = email.message_from_string(mail.message, policy=email.policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    return cal, next(c for c in cal.walk("VEVENT"))


def test_agenda_change_before_invitations_sends_nothing(gw, db):
    m = gw.meeting
    tagesordnung_svc.add_item(gw.w.planner_k, m, {"title": "Noch ein Punkt", "is_public": True})
    db.session.flush()
    assert m.ical_sequence == 0
    assert _agenda_mails(db) == []


def test_added_top_after_invitations_sends_itip_update(client, gw, db):
    _invite_all(client, gw)
    m = gw.meeting
    uid = m.ical_uid
    r = client.post(
        f"/gremien/sitzungen/{m.id}/top",
        data={"top-title": "Spielplatzplanung Nord", "top-is_public": "y", "top-duration_minutes": "20"},
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    flashed = client.get(f"/gremien/sitzungen/{m.id}").get_data(as_text=True)
    assert "als Kalender-Aktualisierung an 2 Eingeladene" in flashed
    db.session.expire_all()
    m = db.session.get(Meeting, m.id)
    assert m.ical_sequence == 1
    mails = _agenda_mails(db)
    assert sorted(mail.recipient for mail in mails) == ["anke.arndt@example.org", "bernd.brandt@example.org"]
    for mail in mails:
        assert mail.subject.startswith("Neue Tagesordnung: SPK Herbst")
        assert "Tagesordnung der Sitzung „SPK Herbst“" in mail.body_text
        assert "TOP 4: Spielplatzplanung Nord" in mail.body_text
        cal, event = _event(mail)
        assert str(cal["METHOD"]) == "REQUEST"
        assert str(event["UID"]) == uid and int(event["SEQUENCE"]) == 1
    # a change of a TOP raises the sequence again; an unchanged save does not
    item = db.session.scalar(select(AgendaItem).where(AgendaItem.title == "Spielplatzplanung Nord"))
    tagesordnung_svc.update_item(gw.w.planner_k, item, {"title": "Spielplatzplanung Nord und Süd"}, item.version)
    db.session.flush()
    assert m.ical_sequence == 2 and len(_agenda_mails(db)) == 4
    tagesordnung_svc.update_item(gw.w.planner_k, item, {"title": "Spielplatzplanung Nord und Süd"}, item.version)
    db.session.flush()
    assert m.ical_sequence == 2 and len(_agenda_mails(db)) == 4
    tagesordnung_svc.delete_item(gw.w.planner_k, item)
    db.session.flush()
    assert m.ical_sequence == 3 and len(_agenda_mails(db)) == 6
    assert "Spielplatzplanung" not in _agenda_mails(db)[-1].body_text
    assert int(_event(_agenda_mails(db)[-1])[1]["SEQUENCE"]) == 3
