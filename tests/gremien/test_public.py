"""Public meeting page, registration, public and personal calendar feeds."""

from __future__ import annotations

import icalendar
import vobject
from sqlalchemy import func, select

from beteiligung.services.gremien import einladungen as inv_svc
from models import OutboxMail
from models.committees import CalendarFeed, MeetingRegistration

from .conftest import switch_user


def test_public_page_shows_public_tops_only(client, gw):
    r = client.get(f"/oeffentlich/sitzungen/{gw.srk_meeting.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Spielplatz am Markt" in html and "Vertrauliche Fallbesprechung" not in html
    assert "Anmeldung" in html and "Noch 2 von 2 Plätzen frei." in html
    # non-public committees' meetings have no public page
    assert client.get(f"/oeffentlich/sitzungen/{gw.meeting.id}").status_code == 404
    assert client.get("/oeffentlich/sitzungen/999999").status_code == 404
    listing = client.get("/oeffentlich/sitzungen/").get_data(as_text=True)
    assert "SRK Altstadt" in listing and "SPK Herbst" not in listing


def test_public_feed_has_no_non_public_items(client, gw):
    r = client.get("/oeffentlich/kalender/oeffentlich.ics")
    assert r.status_code == 200 and r.mimetype == "text/calendar"
    cal = icalendar.Calendar.from_ical(r.data)
    assert str(cal["METHOD"]) == "PUBLISH"
    events = list(cal.walk("VEVENT"))
    assert [str(e["SUMMARY"]) for e in events] == ["Sozialraumkonferenz Altstadt: SRK Altstadt"]
    text = r.data.decode().replace("\r\n ", "")  # unfold lines
    assert "Spielplatz am Markt" in str(events[0]["DESCRIPTION"])
    assert "Vertrauliche" not in text and "Geheime" not in text and "SPK Herbst" not in text
    assert not events[0].get("ATTENDEE")
    vcal = vobject.readOne(text)
    assert vcal.method.value == "PUBLISH" and vcal.vevent.uid.value == gw.srk_meeting.ical_uid


def test_registration_capacity_optional_fields_and_confirmation(client, gw, db):
    url = f"/oeffentlich/sitzungen/{gw.srk_meeting.id}"
    r = client.post(url, data={"name": "", "email": "kein-at"})
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Bitte geben Sie Ihren Namen an." in html and "gültige E-Mail-Adresse" in html
    assert db.session.scalar(select(func.count()).select_from(MeetingRegistration)) == 0
    r = client.post(
        url,
        data={
            "name": "Mia Muster",
            "email": "mia@example.org",
            "organisation": "Elternverein",
            "remarks": "nicht abgefragt",
        },
    )
    assert r.status_code == 303
    reg = db.session.scalar(select(MeetingRegistration))
    assert reg.organisation == "Elternverein" and reg.remarks is None
    r = client.post(url, data={"name": "Mia Muster", "email": "MIA@example.org"})
    assert r.status_code == 422 and "bereits eine Anmeldung" in r.get_data(as_text=True)
    assert client.post(url, data={"name": "Ben", "email": "ben@example.org"}).status_code == 303
    r = client.post(url, data={"name": "Cem", "email": "cem@example.org"})
    assert r.status_code == 422 and "alle Plätze vergeben" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(MeetingRegistration)) == 2
    mail = db.session.scalar(select(OutboxMail).where(OutboxMail.recipient == "mia@example.org"))
    assert "Anmeldung bestätigt" in mail.subject
    assert "text/calendar" in mail.message and 'method="PUBLISH"' in mail.message


def test_personal_feed_token_and_revocation(client, gw, db):
    client.login("planung@kreis.example")
    client.post(f"/gremien/sitzungen/{gw.meeting.id}/einladen", data={"schritt": "senden", "anzahl": "2"})
    client = switch_user(client, "partner@wohlfahrt.example")  # user with person_a, invited
    r = client.post("/gremien/kalender", data={"aktion": "neu"})
    html = r.get_data(as_text=True)
    import re

    url = re.search(r'value="(http://localhost/oeffentlich/kalender/[^"]+\.ics)"', html).group(1)
    token = url.rsplit("/", 1)[1][:-4]
    feed = db.session.scalar(select(CalendarFeed))
    assert token not in feed.token_hash and len(feed.token_hash) == 64
    client.logout()
    r = client.get(url.replace("http://localhost", ""))
    assert r.status_code == 200, r.data
    cal = icalendar.Calendar.from_ical(r.data)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert [str(e["UID"]) for e in cal.walk("VEVENT")] == [gw.meeting.ical_uid]
    # the member's own feed has the full agenda
    assert "Geheime Personalsache" in str(cal.walk("VEVENT")[0]["DESCRIPTION"])
    client = switch_user(client, "partner@wohlfahrt.example")
    client.post("/gremien/kalender", data={"aktion": "widerrufen"})
    client.logout()
    r = client.get(url.replace("http://localhost", ""))
    assert r.status_code == 404 and "widerrufen" in r.get_data(as_text=True)
    assert client.get("/oeffentlich/kalender/erfunden.ics").status_code == 404


def test_rsvp_page_needs_no_login_and_token_hash_only(gw, db, client):
    client.login("planung@kreis.example")
    client.post(f"/gremien/sitzungen/{gw.meeting.id}/einladen", data={"schritt": "senden", "anzahl": "2"})
    token = inv_svc.rsvp_token(gw.meeting.id, gw.w.person_b.id)
    from models import Invitation

    assert db.session.scalar(select(func.count()).select_from(Invitation).where(Invitation.token_hash == token)) == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(Invitation).where(Invitation.token_hash == inv_svc.token_hash(token))
        )
        == 1
    )


def test_registrations_are_purged_after_the_meeting(client, gw, db, app):
    from datetime import timedelta

    from models import utcnow

    url = f"/oeffentlich/sitzungen/{gw.srk_meeting.id}"
    assert client.post(url, data={"name": "Mia", "email": "mia@example.org"}).status_code == 303
    runner = app.test_cli_runner()
    result = runner.invoke(args=["gremien", "purge-registrations", "--days", "30"])
    assert result.exit_code == 0 and "0 Anmeldungen gelöscht" in result.output
    gw.srk_meeting.start = utcnow() - timedelta(days=40)
    gw.srk_meeting.end = utcnow() - timedelta(days=40) + timedelta(hours=2)
    db.session.commit()
    result = runner.invoke(args=["gremien", "purge-registrations", "--days", "30"])
    assert "1 Anmeldungen gelöscht" in result.output
    assert db.session.scalar(select(func.count()).select_from(MeetingRegistration)) == 0
