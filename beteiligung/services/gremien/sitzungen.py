"""Sitzungen: einzelne Sitzungen und Serien (RRULE), ändern, Status.

Every function checks permission, validates, writes in the caller's
transaction (flush, never commit) and records an audit entry; the caller's
unit of work commits (beteiligung/uow.py). Invitations, mail and calendar live in services/gremien/einladungen.py
and services/gremien/kalender.py; the agenda in tagesordnung.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from dateutil.rrule import rrulestr

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import MEETING_STATES, Committee, Meeting
from models.committees import FINAL_MEETING_STATES, REGISTRATION_FIELDS, MeetingStatus

from .. import NotFound, ValidationError, ensure_version, require
from ..audit import record, snapshot

MAX_SERIES = 60

# Allowed status changes (geplant → eingeladen → durchgeführt → protokolliert; verschoben/abgesagt with reason)
TRANSITIONS = {
    MeetingStatus.GEPLANT: {
        MeetingStatus.EINGELADEN,
        MeetingStatus.DURCHGEFUEHRT,
        MeetingStatus.VERSCHOBEN,
        MeetingStatus.ABGESAGT,
    },
    MeetingStatus.EINGELADEN: {MeetingStatus.DURCHGEFUEHRT, MeetingStatus.VERSCHOBEN, MeetingStatus.ABGESAGT},
    MeetingStatus.VERSCHOBEN: {MeetingStatus.GEPLANT, MeetingStatus.EINGELADEN, MeetingStatus.ABGESAGT},
    MeetingStatus.DURCHGEFUEHRT: {MeetingStatus.PROTOKOLLIERT},
    MeetingStatus.PROTOKOLLIERT: set(),
    MeetingStatus.ABGESAGT: set(),
}
NEEDS_REASON = {MeetingStatus.VERSCHOBEN, MeetingStatus.ABGESAGT}


# --- meetings -----------------------------------------------------------------

MEETING_FIELDS = (
    "title",
    "start",
    "end",
    "location",
    "online_url",
    "is_public",
    "goals",
    "registration_open",
    "capacity",
    "registration_fields",
)


def _check_meeting(values: dict) -> dict:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = "Bitte einen Titel angeben."
    start, end = values.get("start"), values.get("end")
    if not isinstance(start, datetime):
        errors["start"] = "Bitte Datum und Uhrzeit des Beginns angeben."
    if not isinstance(end, datetime):
        errors["end"] = "Bitte Datum und Uhrzeit des Endes angeben."
    elif isinstance(start, datetime) and end <= start:
        errors["end"] = "Das Ende der Sitzung muss nach ihrem Beginn liegen."
    elif isinstance(start, datetime) and end - start > timedelta(days=3):
        errors["end"] = "Eine Sitzung dauert höchstens drei Tage."
    url = values.get("online_url")
    if url and not url.startswith(("https://", "http://")):
        errors["online_url"] = "Der Online-Link muss mit https:// beginnen."
    elif url and any(c.isspace() or ord(c) < 32 for c in url):  # one line, e.g. for iCalendar URL:
        errors["online_url"] = "Der Online-Link darf keine Leerzeichen oder Zeilenumbrüche enthalten."
    if values.get("capacity") is not None and values["capacity"] < 1:
        errors["capacity"] = "Die Zahl der Plätze muss mindestens 1 sein."
    fields = [f for f in (values.get("registration_fields") or "").split(",") if f]
    if any(f not in REGISTRATION_FIELDS for f in fields):
        errors["registration_fields"] = "Unbekanntes Feld für die Anmeldung."
    if values.get("registration_open") and not values.get("is_public"):
        errors["registration_open"] = "Eine Anmeldung für Bürger·innen gibt es nur bei öffentlichen Sitzungen."
    return errors


def _new_meeting(c: Committee, values: dict, start, end, series_id=None, rule=None) -> Meeting:
    m = Meeting(committee=c, **{k: values.get(k) for k in MEETING_FIELDS if k not in ("start", "end")})
    m.start, m.end = start, end
    m.is_public = bool(values.get("is_public"))
    m.registration_open = bool(values.get("registration_open"))
    m.status = MeetingStatus.GEPLANT
    m.series_id, m.rrule = series_id, rule
    m.ical_uid = f"{uuid.uuid4()}@beteiligung"
    m.ical_sequence = 0
    db.session.add(m)
    return m


def series_starts(start: datetime, rule: str) -> list[datetime]:
    """Start times of a series from an RRULE (e.g. FREQ=MONTHLY;INTERVAL=2;COUNT=6), naive UTC.

    The rule is applied in Berlin local time so that 18:00 Uhr stays 18:00 Uhr across DST.
    """

    from beteiligung.formatting import BERLIN, to_berlin

    rule = (rule or "").strip()
    if rule.upper().startswith("RRULE:"):
        rule = rule[6:]
    if "COUNT=" not in rule.upper() and "UNTIL=" not in rule.upper():
        raise ValidationError({"rrule": "Die Serie braucht eine Anzahl (COUNT) oder ein Ende (UNTIL)."})
    local = to_berlin(start).replace(tzinfo=None)
    try:
        rr = rrulestr(rule, dtstart=local)
        starts = []
        for dt in rr:
            starts.append(dt)
            if len(starts) > MAX_SERIES:
                break
    except (ValueError, TypeError, OverflowError):
        raise ValidationError(
            {"rrule": "Die Wiederholungsregel ist ungültig (z. B. FREQ=MONTHLY;INTERVAL=2;COUNT=6)."}
        ) from None
    if not starts:
        raise ValidationError({"rrule": "Die Wiederholungsregel ergibt keinen Termin."})
    if len(starts) > MAX_SERIES:
        raise ValidationError({"rrule": f"Eine Serie umfasst höchstens {MAX_SERIES} Sitzungen."})
    return [dt.replace(tzinfo=BERLIN).astimezone(UTC).replace(tzinfo=None) for dt in starts]


RRULE_PRESETS = {
    "": ("einmalig", None),
    "monatlich": ("monatlich", "FREQ=MONTHLY;INTERVAL=1"),
    "zweimonatlich": ("alle zwei Monate", "FREQ=MONTHLY;INTERVAL=2"),
    "quartal": ("vierteljährlich", "FREQ=MONTHLY;INTERVAL=3"),
    "halbjahr": ("halbjährlich", "FREQ=MONTHLY;INTERVAL=6"),
    "woechentlich": ("wöchentlich", "FREQ=WEEKLY;INTERVAL=1"),
}


def create_meetings(
    user, c: Committee, values: dict, repeat: str = "", count: int | None = None, rule: str | None = None
) -> list[Meeting]:
    """One meeting, or a series (preset + count, or a free RRULE) sharing series_id."""
    require(perm.can_manage_committee(user, c))
    values = {"is_public": c.is_public, **values}
    errors = _check_meeting(values)
    if repeat and repeat not in RRULE_PRESETS:
        errors["repeat"] = "Bitte eine gültige Wiederholung wählen."
    if (repeat or rule) and not rule and (count is None or not 2 <= count <= MAX_SERIES):
        errors["count"] = f"Bitte die Anzahl der Sitzungen der Serie angeben (2 bis {MAX_SERIES})."
    if errors:
        raise ValidationError(errors)
    if not repeat and not rule:
        m = _new_meeting(c, values, values["start"], values["end"])
        record(user, "create", m, None, snapshot(m))
        return [m]
    rule = rule or f"{RRULE_PRESETS[repeat][1]};COUNT={count}"
    starts = series_starts(values["start"], rule)
    duration = values["end"] - values["start"]
    series_id = uuid.uuid4().hex
    meetings = []
    for i, s in enumerate(starts, 1):
        m = _new_meeting(
            c,
            {**values, "title": f"{values['title']}" if len(starts) == 1 else f"{values['title']} ({i}/{len(starts)})"},
            s,
            s + duration,
            series_id,
            rule,
        )
        meetings.append(m)
    db.session.flush()
    for m in meetings:
        record(user, "create", m, None, snapshot(m), f"{m.title} (Serie)")
    return meetings


def update_meeting(user, m: Meeting, values: dict, version) -> bool:
    """Change a meeting; returns True when time or place changed (an update must go out)."""
    require(perm.can_manage_meeting(user, m))
    ensure_version(m, version)
    if m.status in FINAL_MEETING_STATES:
        raise ValidationError("Eine abgesagte oder protokollierte Sitzung kann nicht mehr geändert werden.")
    merged = {**{k: getattr(m, k) for k in MEETING_FIELDS}, **values}
    errors = _check_meeting(merged)
    if errors:
        raise ValidationError(errors)
    before = snapshot(m)
    changed = any(k in values and values[k] != getattr(m, k) for k in ("start", "end", "location", "online_url"))
    for k in MEETING_FIELDS:
        if k in values:
            setattr(m, k, values[k])
    m.is_public = bool(merged.get("is_public"))
    m.registration_open = bool(merged.get("registration_open"))
    if changed:
        m.ical_sequence += 1
    record(user, "update", m, before, snapshot(m))
    return changed


def save_meeting(user, m: Meeting, values: dict, version) -> int:
    """Save a meeting from its form. When time or place changed, everybody invited gets an
    updated calendar entry (new SEQUENCE); returns how many updates went to the outbox."""
    from .einladungen import send_updates  # invitations builds on this module

    if not update_meeting(user, m, values, version):
        return 0
    return send_updates(user, m)


def set_status(user, m: Meeting, status: str, reason: str | None, version) -> Meeting:
    require(perm.can_manage_meeting(user, m))
    ensure_version(m, version)
    if status not in MEETING_STATES:
        raise ValidationError({"status": "Unbekannter Status."})
    if status not in TRANSITIONS[m.status]:
        raise ValidationError({"status": f"Von „{m.status}“ geht es nicht zu „{status}“."})
    reason = (reason or "").strip()
    if status in NEEDS_REASON and not reason:
        raise ValidationError({"reason": "Bitte einen Grund angeben."})
    before = snapshot(m)
    m.status = status
    m.status_reason = reason or None
    if status == MeetingStatus.ABGESAGT:
        m.ical_sequence += 1
    record(user, "status", m, before, snapshot(m), f"{m.title}: {status}")
    return m


def get_meeting(user, meeting_id: int) -> Meeting:
    m = db.session.get(Meeting, meeting_id)
    if m is None or not perm.can_view_meeting(user, m):
        raise NotFound()
    return m
