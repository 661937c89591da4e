"""iCalendar (.ics) for invitations, updates, cancellations and feeds.

Rules (RFC 5545/5546, what Outlook, Thunderbird, Apple and Google expect):
METHOD in the VCALENDAR (and the mail's Content-Type), one VEVENT with a UID
stable per meeting (Meeting.ical_uid) and SEQUENCE = Meeting.ical_sequence,
DTSTART/DTEND with TZID=Europe/Berlin and a VTIMEZONE, ORGANIZER, and for
REQUEST/CANCEL exactly the one invitee as ATTENDEE.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung.extensions import db
from beteiligung.formatting import BERLIN, clean_text, single_line
from models import Committee, Invitation, Meeting, utcnow
from models.committees import CalendarFeed, MeetingStatus

from .. import NotFound, require

PRODID = "-//beteiligung//Sozialplanung//DE"
_line, _text = single_line, clean_text  # iCalendar: single-line properties, DESCRIPTION


def _aware(dt):
    return dt.replace(tzinfo=UTC).astimezone(BERLIN)


def organizer_address(meeting: Meeting) -> vCalAddress:
    org = vCalAddress(f"mailto:{current_app.config['MAIL_FROM']}")
    org.params["CN"] = vText(
        _line(f"Sozialplanung {meeting.committee.body.name}" if meeting.committee.body else "Sozialplanung")
    )
    return org


def _description(meeting: Meeting, public_only: bool, extra: str = "") -> str:
    lines = []
    if meeting.goals:
        lines += ["Ziele der Sitzung:", meeting.goals.strip(), ""]
    items = [i for i in meeting.agenda_items if i.is_public or not public_only]
    if items:
        lines.append("Tagesordnung:")
        for n, i in enumerate(items, 1):
            # public texts number the public items themselves, so gaps do not hint at closed items
            line = f"TOP {n if public_only else i.number}: {i.title}"
            if i.duration_minutes:
                line += f" ({i.duration_minutes} Min.)"
            lines.append(line)
            if i.goal:
                lines.append(f"   Ziel: {i.goal}")
    if meeting.online_url:
        lines += ["", f"Online: {meeting.online_url}"]
    if extra:
        lines += ["", extra]
    return "\n".join(lines)


def _event(meeting: Meeting, public_only: bool = False, extra: str = "") -> Event:
    ev = Event()
    ev.add("uid", meeting.ical_uid)
    ev.add("sequence", meeting.ical_sequence)
    ev.add("dtstamp", utcnow().replace(tzinfo=UTC))
    ev.add("dtstart", _aware(meeting.start))
    ev.add("dtend", _aware(meeting.end))
    ev.add(
        "summary",
        _line(
            f"{meeting.committee.name}: {meeting.title}"
            if meeting.committee.name not in meeting.title
            else meeting.title
        ),
    )
    location = _line(meeting.location or meeting.online_url)
    if location:
        ev.add("location", location)
    url = _line(meeting.online_url).replace(" ", "%20")
    if url:
        ev.add("url", url)
    ev.add("description", _text(_description(meeting, public_only, extra)))
    ev.add("status", "CANCELLED" if meeting.status == MeetingStatus.ABGESAGT else "CONFIRMED")
    ev.add("transp", "OPAQUE")
    ev.add("organizer", organizer_address(meeting))
    return ev


def _calendar(method: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    return cal


def invitation_ics(inv: Invitation, method: str = "REQUEST", rsvp_url: str = "") -> bytes:
    """The .ics for one invitee: REQUEST (invitation or update) or CANCEL."""
    assert method in ("REQUEST", "CANCEL")
    meeting = inv.meeting
    cal = _calendar(method)
    ev = _event(meeting, public_only=False, extra=f"Antworten: {rsvp_url}" if rsvp_url else "")
    if method == "CANCEL":
        ev["status"] = "CANCELLED"
    att = vCalAddress(f"mailto:{inv.person.email}")
    att.params["CN"] = vText(_line(inv.person.full_name if hasattr(inv.person, "full_name") else str(inv.person)))
    att.params["ROLE"] = vText(inv.role or "REQ-PARTICIPANT")
    att.params["CUTYPE"] = vText("INDIVIDUAL")
    att.params["PARTSTAT"] = vText("NEEDS-ACTION")
    att.params["RSVP"] = vText("TRUE" if method == "REQUEST" else "FALSE")
    ev.add("attendee", att, encode=0)
    cal.add_component(ev)
    cal.add_missing_timezones()
    return cal.to_ical()


def publish_ics(meetings, name: str, public_only: bool) -> bytes:
    """A feed (METHOD:PUBLISH) of several meetings, without attendees."""
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", _line(name))
    cal.add("x-wr-timezone", "Europe/Berlin")
    for m in meetings:
        cal.add_component(_event(m, public_only=public_only))
    cal.add_missing_timezones()
    if not any(True for _ in cal.walk("VTIMEZONE")):
        from icalendar import Timezone

        cal.add_component(Timezone.from_tzid("Europe/Berlin"))
    return cal.to_ical()


def single_publish_ics(meeting: Meeting, public_only: bool = True, extra: str = "") -> bytes:
    cal = _calendar("PUBLISH")
    cal.add_component(_event(meeting, public_only=public_only, extra=extra))
    cal.add_missing_timezones()
    return cal.to_ical()


# --- feeds ----------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_feed(user) -> str:
    """A new personal feed; revokes the previous ones. Returns the secret token (shown once)."""
    from beteiligung import permissions as perm

    require(perm.can_use_calendar_feed(user))
    revoke_feeds(user)
    token = secrets.token_urlsafe(32)
    db.session.add(CalendarFeed(user_id=user.id, token_hash=_hash(token)))
    return token


def revoke_feeds(user) -> int:
    n = 0
    for f in db.session.scalars(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    ):
        f.revoked_at = utcnow()
        n += 1
    return n


def active_feed(user) -> CalendarFeed | None:
    return db.session.scalar(
        select(CalendarFeed).where(CalendarFeed.user_id == user.id, CalendarFeed.revoked_at.is_(None))
    )


def feed_for_token(token: str) -> CalendarFeed:
    if not token or len(token) > 100:
        raise NotFound("Dieser Kalender-Link ist ungültig oder wurde widerrufen.")
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if (
        feed is None
        or feed.revoked_at is not None
        or not hmac.compare_digest(feed.token_hash, _hash(token))
        or not feed.user.is_enabled
    ):  # a disabled account's links stop working like its login
        raise NotFound("Dieser Kalender-Link ist ungültig oder wurde widerrufen.")
    return feed


def personal_feed(feed: CalendarFeed) -> bytes:
    """Every meeting the feed owner (their person) is invited to."""
    from beteiligung.database import side_write

    user = feed.user
    table = CalendarFeed.__table__
    # bookkeeping in a side transaction: fetching the feed is a read and must not write
    side_write(lambda conn: conn.execute(table.update().where(table.c.id == feed.id).values(last_used_at=utcnow())))
    meetings = []
    if user.person_id:
        meetings = (
            db.session.scalars(
                select(Meeting)
                .join(Invitation, Invitation.meeting_id == Meeting.id)
                .where(Invitation.person_id == user.person_id)
                .options(joinedload(Meeting.committee).joinedload(Committee.body), selectinload(Meeting.agenda_items))
                .order_by(Meeting.start)
            )
            .unique()
            .all()
        )
    return publish_ics(meetings, f"Sitzungen – {user.display_name}", public_only=False)


def public_feed() -> bytes:
    meetings = (
        db.session.scalars(
            select(Meeting)
            .join(Committee)
            .where(Meeting.is_public.is_(True), Committee.is_public.is_(True))
            .options(joinedload(Meeting.committee).joinedload(Committee.body), selectinload(Meeting.agenda_items))
            .order_by(Meeting.start)
        )
        .unique()
        .all()
    )
    return publish_ics(meetings, "Öffentliche Sitzungen", public_only=True)
