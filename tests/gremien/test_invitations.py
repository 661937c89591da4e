"""Invitations end to end: real SMTP, .ics checked with icalendar AND vobject, RSVP link, updates,
cancellation, reminders, SMTP down → mail stays queued."""

from __future__ import annotations

import re

import icalendar
import vobject
from sqlalchemy import select

from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.mail import send_queued
from models import Invitation, OutboxMail, utcnow
from models.mail import STATUS_FAILED, STATUS_SENT


def _invite_all(client, gw):
    client.login("planung@kreis.example")
    url = f"/gremien/sitzungen/{gw.meeting.id}/einladen"
    r = client.post(url, data={"schritt": "pruefen"})
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Bestätigung: 2 Einladungen versenden" in html
    r = client.post(url, data={"schritt": "senden", "anzahl": "2"})
    assert r.status_code == 303, r.get_data(as_text=True)
    return r


def _calendar_part(msg, content_type="text/calendar"):
    parts = [p for p in msg.walk() if p.get_content_type() == content_type]
    assert parts, "kein text/calendar-Teil"
    return parts


def _check_ics(data: bytes, method: str, email: str, role: str):
    """The rules, checked with two independent parsers."""
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["METHOD"]) == method
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    ev = events[0]
    assert str(ev["ORGANIZER"]).lower().startswith("mailto:")
    attendees = ev.get("ATTENDEE")
    attendees = attendees if isinstance(attendees, list) else [attendees]
    assert len(attendees) == 1
    att = attendees[0]
    assert str(att).lower() == f"mailto:{email}"
    assert att.params["ROLE"] == role
    assert att.params["PARTSTAT"] == "NEEDS-ACTION"
    if method == "REQUEST":
        assert att.params["RSVP"] == "TRUE"
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert ev["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert ev.decoded("DTSTART").tzinfo is not None
    # second parser
    vcal = vobject.readOne(data.decode())
    assert vcal.method.value == method
    assert len(vcal.vevent_list) == 1
    vev = vcal.vevent
    assert len(vev.attendee_list) == 1
    assert vev.attendee.value.lower() == f"mailto:{email}"
    assert vev.attendee.params["RSVP"] == ["TRUE"] if method == "REQUEST" else True
    assert vev.organizer.value.lower().startswith("mailto:")
    assert vev.uid.value == str(ev["UID"])
    assert int(vev.sequence.value) == int(ev["SEQUENCE"])
    assert vev.dtstart.value.tzinfo is not None
    return str(ev["UID"]), int(ev["SEQUENCE"]), ev


def test_invitation_mail_ics_rsvp_roundtrip(client, gw, app, smtp_server, db):
    smtp_server.configure(app)
    _invite_all(client, gw)
    assert gw.meeting.status == "eingeladen"
    sent, failed = send_queued()
    assert (sent, failed) == (2, 0)
    by_rcpt = {rcpt[0]: msg for rcpt, msg in smtp_server.received}
    msg = by_rcpt["anke.arndt@example.org"]
    assert msg["Subject"].startswith("Einladung: SPK Herbst am ")
    # METHOD in the calendar and in the MIME Content-Type agree (inline alternative and attachment)
    parts = _calendar_part(msg)
    assert len(parts) == 2
    uids = set()
    for part in parts:
        assert part.get_param("method") == "REQUEST"
        uid, seq, ev = _check_ics(part.get_payload(decode=True), "REQUEST", "anke.arndt@example.org", "CHAIR")
        uids.add(uid)
        assert seq == 0
    assert uids == {gw.meeting.ical_uid}
    assert "Geheime Personalsache" in str(ev["DESCRIPTION"])  # invitees see the whole agenda
    # the invitation with agenda as PDF is attached
    pdfs = [p for p in msg.walk() if p.get_content_type() == "application/pdf"]
    assert [p.get_filename() for p in pdfs] == ["einladung.pdf"]
    import io

    from pypdf import PdfReader

    pdf_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdfs[0].get_payload(decode=True))).pages)
    assert "SPK Herbst" in pdf_text and "Zielgruppen 2027" in pdf_text
    other = by_rcpt["bernd.brandt@example.org"]
    _check_ics(
        _calendar_part(other)[0].get_payload(decode=True), "REQUEST", "bernd.brandt@example.org", "OPT-PARTICIPANT"
    )
    # follow the RSVP link from the mail body, without login
    body = msg.get_body(("plain",)).get_content()
    link = re.search(r"(http://localhost/oeffentlich/antwort/\S+)", body).group(1)
    path = link.replace("http://localhost", "")
    client.logout()
    r = client.get(path)
    assert r.status_code == 200 and "Nehmen Sie teil?" in r.get_data(as_text=True)
    r = client.post(path, data={"rsvp": "zugesagt", "comment": "Ich komme gern."})
    assert r.status_code == 200 and "Danke für Ihre Antwort" in r.get_data(as_text=True)
    inv = db.session.scalar(select(Invitation).where(Invitation.person_id == gw.w.person_a.id))
    db.session.refresh(inv)
    assert inv.rsvp == "zugesagt" and inv.answered_at is not None
    # only the hash of the token is stored
    token = path.rsplit("/", 1)[1]
    assert token not in (inv.token_hash or "") and len(inv.token_hash) == 64
    # the planner sees the answer on the meeting page
    client.login("planung@kreis.example")
    html = client.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    assert "Anke Arndt" in html and "Zusage" in html and "Ich komme gern." in html
    assert "Zusage: <strong>1</strong>" in html


def test_update_raises_sequence_and_cancel_keeps_uid(client, gw, app, smtp_server, db):
    smtp_server.configure(app)
    _invite_all(client, gw)
    m = gw.meeting
    r = client.post(
        f"/gremien/sitzungen/{m.id}/bearbeiten",
        data={
            "version": m.version,
            "title": m.title,
            "start": "2030-03-05T17:00",
            "end": "2030-03-05T19:00",
            "location": "Rathaus, großer Saal",
        },
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    db.session.refresh(m)
    assert m.ical_sequence == 1
    r = client.post(f"/gremien/sitzungen/{m.id}/absagen", data={"a-version": m.version, "a-reason": "Krankheit"})
    assert r.status_code == 303
    db.session.refresh(m)
    assert m.status == "abgesagt" and m.status_reason == "Krankheit"
    send_queued()
    mails = [msg for rcpt, msg in smtp_server.received if rcpt == ["anke.arndt@example.org"]]
    assert [mm["Subject"].split(":")[0] for mm in mails] == ["Einladung", "Geändert", "Abgesagt"]
    seqs, uids = [], set()
    for mm, method in zip(mails, ["REQUEST", "REQUEST", "CANCEL"]):
        part = _calendar_part(mm)[0]
        assert part.get_param("method") == method
        uid, seq, ev = _check_ics(part.get_payload(decode=True), method, "anke.arndt@example.org", "CHAIR")
        uids.add(uid)
        seqs.append(seq)
    assert uids == {m.ical_uid}
    assert seqs[0] < seqs[1] < seqs[2]
    # new time (Berlin) is in the update
    upd = icalendar.Calendar.from_ical(_calendar_part(mails[1])[0].get_payload(decode=True))
    assert upd.walk("VEVENT")[0].decoded("DTSTART").strftime("%d.%m.%Y %H:%M") == "05.03.2030 17:00"
    # the update carries the new invitation PDF, the cancellation none
    import io

    from pypdf import PdfReader

    pdf = next(p for p in mails[1].walk() if p.get_content_type() == "application/pdf").get_payload(decode=True)
    assert "Rathaus, großer Saal" in "".join(pg.extract_text() for pg in PdfReader(io.BytesIO(pdf)).pages)
    assert not [p for p in mails[2].walk() if p.get_content_type() == "application/pdf"]
    # RSVP after cancellation: German 400 page
    token = inv_svc.rsvp_token(m.id, gw.w.person_a.id)
    r = client.get(f"/oeffentlich/antwort/{token}")
    assert r.status_code == 400 and "abgesagt" in r.get_data(as_text=True)


def test_smtp_down_mail_stays_queued_and_goes_out_later(client, gw, app, smtp_server, db):
    smtp_server.configure(app)
    _invite_all(client, gw)
    smtp_server.stop()
    sent, failed = send_queued()
    assert sent == 0 and failed == 2
    statuses = {m.status for m in db.session.scalars(select(OutboxMail))}
    assert statuses == {STATUS_FAILED}
    smtp_server.start()
    smtp_server.configure(app)
    sent, failed = send_queued()
    assert (sent, failed) == (2, 0)
    assert {m.status for m in db.session.scalars(select(OutboxMail))} == {STATUS_SENT}
    assert len(smtp_server.messages) == 2


def test_forged_and_bad_rsvp(client, gw, db):
    _invite_all(client, gw)
    client.logout()
    r = client.get("/oeffentlich/antwort/gefaelscht123")
    assert r.status_code == 404 and "ungültig" in r.get_data(as_text=True)
    token = inv_svc.rsvp_token(gw.meeting.id, gw.w.person_a.id)
    r = client.post(f"/oeffentlich/antwort/{token}", data={"rsvp": "vertreten", "deputy_id": "999999"})
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "nicht im System erfasst" in html
    r = client.post(f"/oeffentlich/antwort/{token}", data={"rsvp": "vertreten"})
    assert r.status_code == 422 and "Person, die Sie vertritt" in r.get_data(as_text=True)
    r = client.post(f"/oeffentlich/antwort/{token}", data={"rsvp": "egal"})
    assert r.status_code == 422
    inv = db.session.scalar(select(Invitation).where(Invitation.person_id == gw.w.person_a.id))
    assert inv.rsvp == "offen" and inv.deputy_id is None
    # a deputy who exists: a colleague of the same organisation
    from models import Person

    colleague = Person(
        body=gw.w.kommune_a, first_name="Carla", last_name="Conrad", organisation=gw.w.org_a, email="carla@example.org"
    )
    db.session.add(colleague)
    db.session.commit()
    r = client.post(f"/oeffentlich/antwort/{token}", data={"rsvp": "vertreten", "deputy_id": str(colleague.id)})
    assert r.status_code == 200
    db.session.refresh(inv)
    assert inv.rsvp == "vertreten" and inv.deputy_id == colleague.id
    # the deputy receives an own invitation with calendar entry
    sub = db.session.scalar(select(Invitation).where(Invitation.person_id == colleague.id))
    assert sub is not None and sub.rsvp == "offen" and sub.role == "CHAIR"
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "carla@example.org"))
    assert mail.subject.startswith("Einladung: SPK Herbst")


def test_expired_token_after_meeting(client, gw, db):
    _invite_all(client, gw)
    from datetime import timedelta

    gw.meeting.start = utcnow() - timedelta(days=2)
    gw.meeting.end = utcnow() - timedelta(days=2) + timedelta(hours=2)
    db.session.commit()
    client.logout()
    token = inv_svc.rsvp_token(gw.meeting.id, gw.w.person_b.id)
    r = client.get(f"/oeffentlich/antwort/{token}")
    assert r.status_code == 400 and "abgelaufen" in r.get_data(as_text=True)


def test_confirmation_count_must_match(client, gw, db):
    client.login("planung@kreis.example")
    r = client.post(f"/gremien/sitzungen/{gw.meeting.id}/einladen", data={"schritt": "senden", "anzahl": "5"})
    assert r.status_code == 409
    assert db.session.scalar(select(Invitation.id)) is None
    assert db.session.scalar(select(OutboxMail.id)) is None
    # filter: only the Kernkreis
    r = client.post(f"/gremien/sitzungen/{gw.meeting.id}/einladen", data={"schritt": "pruefen", "circles": "Kernkreis"})
    assert "Bestätigung: 1 Einladung versenden" in r.get_data(as_text=True)


def test_reminders_go_only_to_non_responders(client, gw, app, db):
    _invite_all(client, gw)
    inv_svc.answer(inv_svc.rsvp_token(gw.meeting.id, gw.w.person_a.id), "abgesagt")
    db.session.commit()
    n = inv_svc.remind(None, gw.meeting)
    db.session.commit()
    assert n == 1
    reminders = db.session.scalars(select(OutboxMail).where(OutboxMail.category == "sitzung-erinnerung")).all()
    assert [m.recipient for m in reminders] == ["bernd.brandt@example.org"]
    assert inv_svc.remind(None, gw.meeting) == 0  # not twice within 24 hours
    result = app.test_cli_runner().invoke(args=["gremien", "remind", "--days", "30"])
    assert result.exit_code == 0 and "0 Erinnerungen" in result.output


def test_invite_list_filters_roles_and_organisations(client, gw, db):
    client.login("planung@kreis.example")
    url = f"/gremien/sitzungen/{gw.meeting.id}/einladen"
    html = client.post(url, data={"schritt": "pruefen", "organisation_ids": str(gw.w.org_b.id)}).get_data(as_text=True)
    assert "Bestätigung: 1 Einladung versenden" in html and "bernd.brandt@example.org" in html
    # a platform role adds the persons of its users: the Sozialraummanagement (with a person record)
    from models import Person

    srm_person = Person(body=gw.w.kommune_a, first_name="Sina", last_name="Sommer", email="sina@example.org")
    db.session.add(srm_person)
    gw.w.srm_a.person = srm_person
    db.session.commit()
    html = client.post(url, data={"schritt": "pruefen", "roles": "sozialraummanagement"}).get_data(as_text=True)
    assert "Bestätigung: 3 Einladungen versenden" in html and "sina@example.org" in html
    html = client.post(url, data={"schritt": "pruefen", "roles": "partner"}).get_data(as_text=True)
    assert "Bestätigung: 2 Einladungen versenden" in html  # partners are members already
    html = client.post(url, data={"schritt": "pruefen", "mandate_only": "y"}).get_data(as_text=True)
    assert "Bestätigung: 1 Einladung versenden" in html and "anke.arndt@example.org" in html
    html = client.post(url, data={"schritt": "pruefen", "area_ids": str(gw.w.area_b1.id)}).get_data(as_text=True)
    assert "Bestätigung: 1 Einladung versenden" in html and "bernd.brandt@example.org" in html
    r = client.post(url, data={"schritt": "pruefen", "roles": "erfunden"})
    assert r.status_code == 422


def test_invited_member_sees_own_answer_link(client, gw, db):
    _invite_all(client, gw)
    from .conftest import switch_user

    partner = switch_user(client, "partner@wohlfahrt.example")
    html = partner.get(f"/gremien/sitzungen/{gw.meeting.id}").get_data(as_text=True)
    assert "Sie sind eingeladen" in html and "noch offen" in html
    link = re.search(r'href="(/oeffentlich/antwort/[^"]+)"', html).group(1)
    assert partner.post(link, data={"rsvp": "vielleicht"}).status_code == 200
    inv = db.session.scalar(select(Invitation).where(Invitation.person_id == gw.w.person_a.id))
    db.session.refresh(inv)
    assert inv.rsvp == "vielleicht"
