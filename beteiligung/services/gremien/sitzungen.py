"""Gremien, Sitzungen, Tagesordnung und Themenspeicher.

Every function checks permission, validates, writes in the caller's
transaction (flush, never commit) and records an audit entry; the caller's
unit of work commits (beteiligung/uow.py). Invitations, mail and calendar live in services/gremien/einladungen.py
and services/gremien/kalender.py.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from dateutil.rrule import rrulestr
from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import (
    MEETING_STATES,
    TOPIC_STATES,
    AgendaItem,
    Committee,
    CommitteeType,
    Invitation,
    Meeting,
    Membership,
    Person,
    TopicProposal,
)
from models.committees import FINAL_MEETING_STATES, REGISTRATION_FIELDS, MeetingStatus, TopicStatus

from .. import NotFound, ValidationError, ensure_version, require
from ..audit import record, snapshot

if TYPE_CHECKING:
    from models.committees import AgendaDocument

MAX_SERIES = 60
# A meeting lasts at most three days: lists of upcoming meetings can then seek the start index from
# "now minus three days" instead of reading every past meeting (views/oeffentlich).
MAX_MEETING_DURATION = timedelta(days=3)
CIRCLES = ["Kernkreis", "erweiterter Kreis"]
TOPIC_SOURCES = {
    "mitglied": "Vorschlag aus dem Gremium",
    "protokolleintrag": "Protokoll",
    "bericht": "Kontraktbericht",
    "befund": "Befragung",
    "massnahme": "Maßnahme",
    "sonstiges": "Sonstiges",
}

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


# --- committee types (small admin list) -----------------------------------------


def save_type(user, ctype: CommitteeType | None, values: dict) -> CommitteeType:
    require(perm.can_manage_committee_types(user))
    name = (values.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": "Bitte einen Namen angeben."})
    q = select(CommitteeType.id).where(func.lower(CommitteeType.name) == name.lower())
    if ctype is not None:
        q = q.where(CommitteeType.id != ctype.id)
    if db.session.scalar(q):
        raise ValidationError({"name": "Diese Gremienart gibt es bereits."})
    before = snapshot(ctype) if ctype else None
    if ctype is None:
        ctype = CommitteeType()
        db.session.add(ctype)
    ctype.name = name
    ctype.public_default = bool(values.get("public_default"))
    ctype.description = values.get("description") or None
    record(user, "update" if before else "create", ctype, before, snapshot(ctype))
    return ctype


# --- committees ---------------------------------------------------------------


def _check_committee(values: dict) -> dict:
    errors = {}
    if not (values.get("name") or "").strip():
        errors["name"] = "Bitte einen Namen angeben."
    if not values.get("type_id") or db.session.get(CommitteeType, values["type_id"]) is None:
        errors["type_id"] = "Bitte eine Gremienart wählen."
    if values.get("quorum") is not None and values["quorum"] < 1:
        errors["quorum"] = "Die Beschlussfähigkeit muss mindestens 1 sein."
    return errors


COMMITTEE_FIELDS = ("name", "type_id", "body_id", "purpose", "is_public", "cadence", "quorum", "active")


def create_committee(user, values: dict) -> Committee:
    require(perm.can_create_committee(user, values.get("body_id")))
    errors = _check_committee(values)
    if errors:
        raise ValidationError(errors)
    c = Committee(**{k: values.get(k) for k in COMMITTEE_FIELDS if k in values})
    c.areas = list(values.get("areas") or [])
    c.terms = list(values.get("terms") or [])
    db.session.add(c)
    # A Sozialraummanager may only create committees tied to their areas
    require(
        perm.can_manage_committee(user, c), "Sie dürfen nur Gremien Ihrer Körperschaft oder Ihrer Sozialräume anlegen."
    )
    record(user, "create", c, None, snapshot(c, ("areas", "terms")))
    return c


def update_committee(user, c: Committee, values: dict, version) -> Committee:
    require(perm.can_manage_committee(user, c))
    ensure_version(c, version)
    errors = _check_committee({**{k: getattr(c, k) for k in COMMITTEE_FIELDS}, **values})
    if errors:
        raise ValidationError(errors)
    if "body_id" in values and values["body_id"] != c.body_id:
        require(perm.can_create_committee(user, values["body_id"]))
    before = snapshot(c, ("areas", "terms"))
    for k in COMMITTEE_FIELDS:
        if k in values:
            setattr(c, k, values[k])
    if "areas" in values:
        c.areas = list(values["areas"])
    if "terms" in values:
        c.terms = list(values["terms"])
    require(perm.can_manage_committee(user, c))
    record(user, "update", c, before, snapshot(c, ("areas", "terms")))
    return c


# --- memberships --------------------------------------------------------------

MEMBERSHIP_FIELDS = (
    "person_id",
    "organisation_id",
    "deputy_id",
    "role",
    "has_mandate",
    "circle",
    "start_date",
    "end_date",
)


def _check_membership(c: Committee, values: dict, membership=None) -> dict:
    errors = {}
    person = db.session.get(Person, values.get("person_id") or 0)
    if person is None:
        errors["person_id"] = "Bitte eine Person wählen."
    if values.get("deputy_id") is not None:
        if db.session.get(Person, values["deputy_id"]) is None:
            errors["deputy_id"] = "Die Vertretung ist nicht im System erfasst."
        elif values["deputy_id"] == values.get("person_id"):
            errors["deputy_id"] = "Eine Person kann sich nicht selbst vertreten."
    if values.get("circle") not in CIRCLES:
        errors["circle"] = "Bitte Kernkreis oder erweiterten Kreis wählen."
    s, e = values.get("start_date"), values.get("end_date")
    if s and e and e < s:
        errors["end_date"] = "Das Ende der Mitgliedschaft liegt vor ihrem Beginn."
    if person is not None and not errors:
        q = select(Membership.id).where(
            Membership.committee_id == c.id, Membership.person_id == person.id, Membership.end_date.is_(None)
        )
        if membership is not None:
            q = q.where(Membership.id != membership.id)
        if not values.get("end_date") and db.session.scalar(q):
            errors["person_id"] = "Diese Person ist bereits Mitglied dieses Gremiums."
    return errors


def add_membership(user, c: Committee, values: dict) -> Membership:
    require(perm.can_manage_committee(user, c))
    values = {"circle": "Kernkreis", **values}
    errors = _check_membership(c, values)
    if errors:
        raise ValidationError(errors)
    fields = {k: values.get(k) for k in MEMBERSHIP_FIELDS}
    if fields.get("organisation_id") is None:
        fields["organisation_id"] = db.session.get(Person, fields["person_id"]).organisation_id
    m = Membership(committee=c, **fields)
    m.has_mandate = bool(values.get("has_mandate"))
    db.session.add(m)
    record(user, "create", m, None, snapshot(m), f"Mitgliedschaft in {c.name}")
    return m


def update_membership(user, m: Membership, values: dict) -> Membership:
    require(perm.can_manage_committee(user, m.committee))
    merged = {**{k: getattr(m, k) for k in MEMBERSHIP_FIELDS}, **values}
    errors = _check_membership(m.committee, merged, m)
    if errors:
        raise ValidationError(errors)
    before = snapshot(m)
    for k in MEMBERSHIP_FIELDS:
        if k in values:
            setattr(m, k, values[k])
    m.has_mandate = bool(merged.get("has_mandate"))
    record(user, "update", m, before, snapshot(m), f"Mitgliedschaft in {m.committee.name}")
    return m


def remove_membership(user, m: Membership) -> None:
    require(perm.can_manage_committee(user, m.committee))
    record(user, "delete", m, snapshot(m), None, f"Mitgliedschaft in {m.committee.name}")
    db.session.delete(m)


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
    elif isinstance(start, datetime) and end - start > MAX_MEETING_DURATION:
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


# --- agenda -------------------------------------------------------------------

ITEM_FIELDS = ("title", "goal", "duration_minutes", "presenter", "is_public", "description")


def _check_item(values: dict) -> dict:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = "Bitte einen Titel für den Tagesordnungspunkt angeben."
    d = values.get("duration_minutes")
    if d is not None and not 1 <= d <= 600:
        errors["duration_minutes"] = "Die Dauer muss zwischen 1 und 600 Minuten liegen."
    return errors


def renumber(m: Meeting) -> None:
    for i, item in enumerate(sorted(m.agenda_items, key=lambda x: (x.position, x.id or 0)), 1):
        if item.position != i:
            item.position = i
        if item.number != str(i):
            item.number = str(i)


def agenda_changed(user, m: Meeting) -> int:
    """After invitations went out, a changed agenda goes to everyone invited as a calendar update
    (METHOD:REQUEST, SEQUENCE raised by one, the new agenda in text and PDF). Returns how many mails."""
    from .einladungen import send_updates  # invitations builds on this module

    sent = db.session.scalar(
        select(func.count())
        .select_from(Invitation)
        .where(Invitation.meeting_id == m.id, Invitation.sent_at.is_not(None))
    )
    if not sent:
        return 0
    db.session.flush()
    db.session.refresh(m, ["agenda_items"])
    m.ical_sequence += 1
    return send_updates(user, m, "tagesordnung")


def _editable_agenda(m: Meeting):
    if m.status in FINAL_MEETING_STATES:
        raise ValidationError("Die Tagesordnung einer abgesagten oder protokollierten Sitzung ist abgeschlossen.")


def add_item(user, m: Meeting, values: dict) -> AgendaItem:
    require(perm.can_manage_meeting(user, m))
    _editable_agenda(m)
    errors = _check_item(values)
    if errors:
        raise ValidationError(errors)
    item = AgendaItem(meeting=m, **{k: values.get(k) for k in ITEM_FIELDS})
    db.session.add(item)
    item.is_public = bool(values.get("is_public", True))
    item.terms = list(values.get("terms") or [])
    item.position = max([i.position for i in m.agenda_items if i is not item] or [0]) + 1
    if item not in m.agenda_items:
        m.agenda_items.append(item)
    renumber(m)
    record(user, "create", item, None, snapshot(item), f"TOP {item.number}: {item.title}")
    item.updates_sent = agenda_changed(user, m)
    return item


def update_item(user, item: AgendaItem, values: dict, version) -> AgendaItem:
    require(perm.can_manage_meeting(user, item.meeting))
    _editable_agenda(item.meeting)
    ensure_version(item, version)
    errors = _check_item({**{k: getattr(item, k) for k in ITEM_FIELDS}, **values})
    if errors:
        raise ValidationError(errors)
    before = snapshot(item, ("terms",))
    for k in ITEM_FIELDS:
        if k in values:
            setattr(item, k, values[k])
    if "terms" in values:
        item.terms = list(values["terms"])
    after = snapshot(item, ("terms",))
    record(user, "update", item, before, after, f"TOP {item.number}: {item.title}")
    item.updates_sent = agenda_changed(user, item.meeting) if after != before else 0
    return item


def delete_item(user, item: AgendaItem) -> None:
    require(perm.can_manage_meeting(user, item.meeting))
    m = item.meeting
    _editable_agenda(m)
    for t in list(item.topics):
        t.agenda_item = None
        t.status = "offen"
    record(user, "delete", item, snapshot(item), None, f"TOP {item.number}: {item.title}")
    keys = [document_key(d) for d in item.documents]
    m.agenda_items.remove(item)
    db.session.delete(item)
    db.session.flush()
    renumber(m)
    agenda_changed(user, m)
    from ..betrieb import storage

    for key in keys:
        storage.delete(key)


def move_item(user, item: AgendaItem, direction: str) -> None:
    """Move a TOP one place up or down (the no-JS way)."""
    require(perm.can_manage_meeting(user, item.meeting))
    _editable_agenda(item.meeting)
    items = sorted(item.meeting.agenda_items, key=lambda x: (x.position, x.id))
    i = items.index(item)
    j = i - 1 if direction == "hoch" else i + 1 if direction == "runter" else None
    if j is None:
        raise ValidationError("Unbekannte Richtung.")
    if 0 <= j < len(items):
        items[i], items[j] = items[j], items[i]
        _apply_order(items)
        record(
            user,
            "reorder",
            item.meeting,
            None,
            {"order": [x.id for x in items]},
            f"{item.meeting.title}: Tagesordnung umsortiert",
        )


def reorder(user, m: Meeting, ids: list[int]) -> None:
    """Set the full order at once (the JavaScript way)."""
    require(perm.can_manage_meeting(user, m))
    _editable_agenda(m)
    by_id = {i.id: i for i in m.agenda_items}
    if sorted(ids) != sorted(by_id):
        raise ValidationError("Die neue Reihenfolge passt nicht zur Tagesordnung; bitte Seite neu laden.")
    _apply_order([by_id[i] for i in ids])
    record(user, "reorder", m, None, {"order": ids}, f"{m.title}: Tagesordnung umsortiert")


def _apply_order(items):
    for pos, it in enumerate(items, 1):
        if it.position != pos:
            it.position = pos
        if it.number != str(pos):
            it.number = str(pos)


# --- Themenspeicher -----------------------------------------------------------


def propose_topic(
    user_or_none,
    committee: Committee,
    title: str,
    description: str | None,
    source_type: str,
    source_id: int | None,
    source_label: str | None,
) -> TopicProposal:
    """Put a topic into the committee's Themenspeicher.

    Called by members (user given, permission: may view the committee) and by other
    modules (protocols, contracts, surveys) with user None after their own checks.
    """
    if user_or_none is not None:
        require(perm.can_propose_topic(user_or_none, committee))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Bitte einen Titel für das Thema angeben."})
    if len(title) > 300:
        raise ValidationError({"title": "Der Titel ist zu lang (höchstens 300 Zeichen)."})
    if source_type not in TOPIC_SOURCES:
        raise ValidationError({"source_type": "Unbekannte Herkunft des Themas."})
    topic = TopicProposal(
        committee=committee,
        title=title,
        description=(description or None),
        source_type=source_type,
        source_id=source_id,
        source_label=(source_label or None) and source_label[:300],
        proposed_by_id=getattr(user_or_none, "id", None),
        status="offen",
    )
    db.session.add(topic)
    record(user_or_none, "create", topic, None, snapshot(topic), f"Themenspeicher {committee.name}: {title}")
    return topic


def schedule_topic(user, topic: TopicProposal, meeting: Meeting) -> AgendaItem:
    """Move a topic onto the agenda of a meeting of the same committee (creates a TOP)."""
    require(perm.can_manage_committee(user, topic.committee))
    if meeting.committee_id != topic.committee_id:
        raise NotFound()
    if topic.status != "offen":
        raise ValidationError("Dieses Thema ist nicht mehr offen.")
    # A contract report's deviation carries a partner's figures: its TOP starts non-public.
    item = add_item(
        user,
        meeting,
        {"title": topic.title, "description": topic.description, "is_public": topic.source_type != "bericht"},
    )
    before = snapshot(topic)
    topic.agenda_item = item
    topic.status = TopicStatus.EINGEPLANT
    record(user, "update", topic, before, snapshot(topic), f"Thema eingeplant: {topic.title}")
    return item


def set_topic_status(user, topic: TopicProposal, status: str) -> None:
    require(perm.can_manage_committee(user, topic.committee))
    if status not in TOPIC_STATES:
        raise ValidationError("Unbekannter Status.")
    before = snapshot(topic)
    topic.status = status
    if status == "offen":
        topic.agenda_item = None
    record(user, "update", topic, before, snapshot(topic), f"Thema {status}: {topic.title}")


def get_committee(user, committee_id: int) -> Committee:
    c = db.session.get(Committee, committee_id)
    if c is None or not perm.can_view_committee(user, c):
        raise NotFound()
    return c


def get_meeting(user, meeting_id: int) -> Meeting:
    m = db.session.get(Meeting, meeting_id)
    if m is None or not perm.can_view_meeting(user, m):
        raise NotFound()
    return m


# --- documents on TOPs ----------------------------------------------------------

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
ZIP = b"PK\x03\x04"
ALLOWED_DOCUMENTS = {
    # extension: (content type, accepted magic prefixes or None for text)
    "pdf": ("application/pdf", (b"%PDF",)),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", (ZIP,)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (ZIP,)),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", (ZIP,)),
    "odt": ("application/vnd.oasis.opendocument.text", (ZIP,)),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", (ZIP,)),
    "png": ("image/png", (b"\x89PNG",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "txt": ("text/plain", None),
    "csv": ("text/csv", None),
}


def _upload_dir():
    import os

    from flask import current_app

    path = os.path.join(current_app.config["UPLOAD_FOLDER"], "tagesordnung")
    os.makedirs(path, exist_ok=True)
    return path


def document_path(doc) -> str:
    import os

    return os.path.join(_upload_dir(), doc.stored_name)


def document_key(doc) -> str:
    """Key of the file in the storage (services/betrieb/storage.py)."""
    return f"tagesordnung/{doc.stored_name}"


def document_data(doc) -> bytes | None:
    from ..betrieb import storage

    return storage.load(document_key(doc))


def add_document(user, item: AgendaItem, filename: str, data: bytes) -> AgendaDocument:
    """Attach a file to a TOP: type by extension AND content, at most 10 MB; stored outside static/."""
    import os
    import secrets as _secrets

    from models.committees import AgendaDocument

    require(perm.can_manage_meeting(user, item.meeting))
    _editable_agenda(item.meeting)
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    if not name:
        raise ValidationError({"datei": "Bitte eine Datei auswählen."})
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if ext not in ALLOWED_DOCUMENTS:
        raise ValidationError(
            {"datei": "Dieser Dateityp ist nicht erlaubt (erlaubt: " + ", ".join(sorted(ALLOWED_DOCUMENTS)) + ")."}
        )
    if not data:
        raise ValidationError({"datei": "Die Datei ist leer."})
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ValidationError({"datei": "Die Datei ist zu groß (höchstens 10 MB)."})
    ctype, magic = ALLOWED_DOCUMENTS[ext]
    if magic is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError({"datei": "Die Textdatei ist nicht UTF-8-kodiert."}) from None
    elif not data.startswith(magic):
        raise ValidationError({"datei": "Der Inhalt passt nicht zur Dateiendung."})
    doc = AgendaDocument(
        agenda_item_id=item.id,
        filename=name[:255],
        stored_name=_secrets.token_hex(24),
        content_type=ctype,
        size=len(data),
        uploaded_by_id=getattr(user, "id", None),
    )
    db.session.add(doc)
    db.session.flush()
    from ..betrieb import storage

    storage.save(document_key(doc), data)
    record(user, "create", doc, None, snapshot(doc), f"Dokument zu TOP {item.number}: {name}")
    return doc


def delete_document(user, doc) -> None:
    require(perm.can_manage_meeting(user, doc.agenda_item.meeting))
    from ..betrieb import storage

    key = document_key(doc)
    record(user, "delete", doc, snapshot(doc), None, f"Dokument {doc.filename}")
    db.session.delete(doc)
    db.session.flush()
    storage.delete(key)
