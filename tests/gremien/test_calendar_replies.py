"""Accept/Decline pressed in a calendar client: the iTIP REPLY mail reaches the MAIL_FROM mailbox
(a real Maildir here) and `gremien antworten-einlesen` records the answer like the answer link."""

from __future__ import annotations

import mailbox
from datetime import timedelta
from email.message import EmailMessage

from sqlalchemy import func, select

from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.mail import send_queued
from models import Invitation, OutboxMail


def _reply_ics(uid, email, partstat, name="Anke Arndt", extra="", sequence=0):
    """What Outlook/Thunderbird send: METHOD:REPLY, the same UID, the answering ATTENDEE only."""
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN",
        "VERSION:2.0",
        "METHOD:REPLY",
        "BEGIN:VEVENT",
        f"ATTENDEE;PARTSTAT={partstat};CN=\"{name}\"{extra}:mailto:{email}",
        "COMMENT:Ich komme etwas später.",
        "DTSTAMP:20261121T101500Z",
        "ORGANIZER;CN=\"Sozialplanung\":mailto:beteiligung@localhost",
        f"SEQUENCE:{sequence}",
        "SUMMARY;LANGUAGE=de-DE:Angenommen: SPK Herbst",
        f"UID:{uid}",
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
    return "\r\n".join(lines).encode()


def _mail(sender, ics=None, text="Angenommen", attach_too=False):
    msg = EmailMessage()
    msg["From"] = f"Absender <{sender}>"
    msg["To"] = "beteiligung@localhost"
    msg["Subject"] = "Angenommen: SPK Herbst"
    msg.set_content(text)
    if ics is not None:
        msg.add_alternative(ics, maintype="text", subtype="calendar", params={"method": "REPLY"})
    if attach_too:  # Outlook also attaches the reply as a file
        msg.add_attachment(ics, maintype="text", subtype="calendar", filename="antwort.ics", params={"method": "REPLY"})
    return msg


def _invite(client, gw, db):
    client.login("planung@kreis.example")
    url = f"/gremien/sitzungen/{gw.meeting.id}/einladen"
    client.post(url, data={"schritt": "pruefen"})
    assert client.post(url, data={"schritt": "senden", "anzahl": "2"}).status_code == 303


def _rsvp(db, person):
    db.session.expire_all()
    return db.session.scalar(select(Invitation).where(Invitation.person_id == person.id))


def test_accept_from_calendar_client_is_recorded(client, gw, app, smtp_server, db, tmp_path):
    smtp_server.configure(app)
    _invite(client, gw, db)
    assert send_queued() == (2, 0)
    # the REPLY is built from the REQUEST that really went out over SMTP
    sent = {rcpt[0]: msg for rcpt, msg in smtp_server.received}["anke.arndt@example.org"]
    request_ics = next(p for p in sent.walk() if p.get_content_type() == "text/calendar").get_payload(decode=True)
    import icalendar

    uid = str(icalendar.Calendar.from_ical(request_ics).walk("VEVENT")[0]["UID"])
    assert uid == gw.meeting.ical_uid

    box = mailbox.Maildir(tmp_path / "antworten")
    box.add(_mail("Anke.Arndt@example.org", _reply_ics(uid, "anke.arndt@example.org", "ACCEPTED")))
    box.add(
        _mail(
            "bernd.brandt@example.org",
            _reply_ics(uid, "bernd.brandt@example.org", "DECLINED", "Bernd"),
            attach_too=True,
        )
    )
    box.add(_mail("someone@example.org"))  # an ordinary mail to the mailbox
    runner = app.test_cli_runner()
    out = runner.invoke(args=["gremien", "antworten-einlesen", str(tmp_path / "antworten")])
    assert out.exit_code == 0, out.output
    assert "2 Antworten übernommen, 1 ignoriert, 0 abgelehnt." in out.output
    a, b = _rsvp(db, gw.w.person_a), _rsvp(db, gw.w.person_b)
    assert (a.rsvp, a.comment) == ("zugesagt", "Ich komme etwas später.") and a.answered_at is not None
    assert b.rsvp == "abgesagt"
    # every mail is marked read; a second run changes nothing
    assert all("S" in box.get_message(k).get_flags() for k in box.iterkeys())
    out = runner.invoke(args=["gremien", "antworten-einlesen", str(tmp_path / "antworten")])
    assert "0 Antworten übernommen, 0 ignoriert, 0 abgelehnt." in out.output
    # the planner sees it on the meeting page, the audit log says where it came from
    html = client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    assert "Zusage: <strong>1</strong>" in html and "Ich komme etwas später." in html
    from models import AuditEntry

    summaries = list(db.session.scalars(select(AuditEntry.summary).where(AuditEntry.action == "rsvp")))
    assert "Anke Arndt: Zusage (Antwort aus dem Kalender)" in summaries


def test_forged_unknown_and_late_replies_change_nothing(client, gw, db):
    _invite(client, gw, db)
    uid = gw.meeting.ical_uid
    cases = [
        (
            _mail("mallory@example.org", _reply_ics(uid, "anke.arndt@example.org", "DECLINED")),
            "abgelehnt",
            "ist nicht die antwortende Person",
        ),
        (
            _mail("anke.arndt@example.org", _reply_ics("erfunden@beteiligung", "anke.arndt@example.org", "DECLINED")),
            "abgelehnt",
            "keine Einladung von anke.arndt@example.org",
        ),
        (
            _mail("xaver@example.org", _reply_ics(uid, "xaver@example.org", "ACCEPTED")),
            "abgelehnt",
            "keine Einladung von xaver@example.org",
        ),
        (
            _mail("anke.arndt@example.org", _reply_ics(uid, "anke.arndt@example.org", "NEEDS-ACTION")),
            "ignoriert",
            "keine Zusage/Absage",
        ),
        (
            _mail("anke.arndt@example.org", b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"),
            "ignoriert",
            "METHOD ist nicht REPLY",
        ),
        (
            _mail(
                "anke.arndt@example.org",
                _reply_ics(
                    uid, "anke.arndt@example.org", "DELEGATED", extra=";DELEGATED-TO=\"mailto:unbekannt@example.org\""
                ),
            ),
            "abgelehnt",
            "nicht im System erfasst",
        ),
    ]
    for msg, outcome, text in cases:
        got, why = inv_svc.apply_calendar_reply(msg.as_bytes())
        assert got == outcome and text in why, (got, why)
        db.session.rollback()
    assert _rsvp(db, gw.w.person_a).rsvp == "offen"
    # after the meeting, a reply is too late (as the answer link)
    gw.meeting.start -= timedelta(days=30)
    gw.meeting.end -= timedelta(days=30)
    db.session.commit()
    got, why = inv_svc.apply_calendar_reply(
        _mail("anke.arndt@example.org", _reply_ics(uid, "anke.arndt@example.org", "ACCEPTED")).as_bytes()
    )
    assert got == "ignoriert" and "abgesagt oder vorbei" in why
    assert _rsvp(db, gw.w.person_a).rsvp == "offen"


def test_tentative_and_delegated_reply(client, gw, db):
    _invite(client, gw, db)
    uid = gw.meeting.ical_uid
    before = db.session.scalar(select(func.count()).select_from(OutboxMail))
    got, _ = inv_svc.apply_calendar_reply(
        _mail("bernd.brandt@example.org", _reply_ics(uid, "bernd.brandt@example.org", "TENTATIVE", "Bernd")).as_bytes()
    )
    db.session.commit()
    assert got == "übernommen" and _rsvp(db, gw.w.person_b).rsvp == "vielleicht"
    # Anke delegates to Bernd (a member of the committee): Vertretung, like the answer form
    got, why = inv_svc.apply_calendar_reply(
        _mail(
            "anke.arndt@example.org",
            _reply_ics(
                uid, "anke.arndt@example.org", "DELEGATED", extra=";DELEGATED-TO=\"mailto:bernd.brandt@example.org\""
            ),
        ).as_bytes()
    )
    db.session.commit()
    a = _rsvp(db, gw.w.person_a)
    assert got == "übernommen" and a.rsvp == "vertreten" and a.deputy_id == gw.w.person_b.id, why
    # Bernd was already invited, so no second invitation goes out
    assert db.session.scalar(select(func.count()).select_from(OutboxMail)) == before


def test_a_broken_mail_does_not_stop_the_run(client, gw, app, db, tmp_path):
    _invite(client, gw, db)
    box = mailbox.Maildir(tmp_path / "antworten")
    broken = _mail("anke.arndt@example.org")
    broken.add_alternative(b"\xff\xfe kein Kalender", maintype="text", subtype="calendar")
    box.add(broken)
    box.add(_mail("anke.arndt@example.org", _reply_ics(gw.meeting.ical_uid, "anke.arndt@example.org", "ACCEPTED")))
    out = app.test_cli_runner().invoke(args=["gremien", "antworten-einlesen", str(tmp_path / "antworten")])
    assert out.exit_code == 0 and "1 Antworten übernommen" in out.output, out.output
    assert _rsvp(db, gw.w.person_a).rsvp == "zugesagt"
    # a missing mailbox is a clear error, not a traceback
    out = app.test_cli_runner().invoke(args=["gremien", "antworten-einlesen", str(tmp_path / "fehlt")])
    assert out.exit_code == 2 and "does not exist" in out.output
