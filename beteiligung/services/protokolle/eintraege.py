"""Protokoll, Beschlüsse und Nachhalten: protocol entries with revisions and optimistic
locking, the approval round (Entwurf → zur Abstimmung → genehmigt), follow-up of tasks and
decisions (the Nachhalten list), forwarding to the Themenspeicher and reminders.

Meeting roles and attendance: anwesenheit.py; committee health figures: auswertung.py; PDF and
DOCX: ausgaben.py.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from flask import current_app, url_for
from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, load_only
from sqlalchemy.orm.exc import StaleDataError

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import to_berlin
from models import (
    AgendaItem,
    Area,
    Committee,
    Invitation,
    Meeting,
    Organisation,
    Person,
    TopicProposal,
    utcnow,
)
from models.committees import MeetingStatus
from models.protocols import (
    DECISION_MODES,
    ENTRY_KINDS,
    FOLLOWUP_KINDS,
    FORWARDABLE_KINDS,
    ITEM_STATES,
    NOT_DONE,
    POLITICAL_OUTCOMES,
    Attendance,
    DecisionMode,
    EntryKind,
    Protocol,
    ProtocolEntry,
    ProtocolObjection,
    ProtocolRevision,
    ProtocolStatus,
    RevisionAction,
    TaskStatus,
    open_states_condition,
)

from .. import Conflict, NotFound, ValidationError, audit, ensure_version, mail, require
from ..gremien.themen import propose_topic


class Locked(Conflict):
    """The protocol is approved; changes need a new Fassung."""

    def __init__(self):
        super().__init__(
            "Das Protokoll ist genehmigt und damit gesperrt. Änderungen sind nur in einer neuen "
            "Fassung möglich (Schaltfläche „Neue Fassung anlegen“)."
        )


@contextmanager
def _stale_guard():
    """Two saves that passed the version check at the same moment: the database decides, the loser gets a Conflict."""
    try:
        yield
    except (StaleDataError, IntegrityError):
        raise Conflict() from None


def today() -> date:
    return to_berlin(utcnow()).date()


def _person_name(p: Person | None) -> str:
    return f"{p.first_name} {p.last_name}" if p is not None else ""


def meeting_label(meeting: Meeting) -> str:
    return f"{meeting.committee.name}, {to_berlin(meeting.start).strftime('%d.%m.%Y')}"


def agenda_label(item: AgendaItem | None) -> str:
    if item is None:
        return "Allgemein"
    return f"TOP {item.number or item.position}"


# --- protocol ------------------------------------------------------------------


def get_protocol(meeting: Meeting) -> Protocol | None:
    return db.session.scalar(select(Protocol).where(Protocol.meeting_id == meeting.id))


def ensure_protocol(meeting: Meeting) -> Protocol:
    protocol = get_protocol(meeting)
    if protocol is None:
        protocol = Protocol(meeting=meeting, status=ProtocolStatus.ENTWURF, edition=1)
        db.session.add(protocol)
        db.session.flush()
    return protocol


def _revision(user, protocol: Protocol, action: RevisionAction, entry: ProtocolEntry | None = None, data=None) -> None:
    if entry is not None and data is None:
        data = audit.snapshot(entry)
    db.session.add(
        ProtocolRevision(
            protocol_id=protocol.id,
            entry_id=entry.id if entry is not None else None,
            edition=protocol.edition,
            action=action,
            author_id=getattr(user, "id", None),
            data=data,
        )
    )


def _require_unlocked(protocol: Protocol) -> None:
    if protocol.locked:
        raise Locked()


# --- entries -------------------------------------------------------------------

ENTRY_FIELDS = (
    "agenda_item_id",
    "kind",
    "text",
    "decision_mode",
    "votes_yes",
    "votes_no",
    "votes_abstain",
    "binding",
    "addressee_org_id",
    "for_resolution",
    "owner_person_id",
    "owner_org_id",
    "due_date",
)


def _validate_entry(meeting: Meeting, data: dict, entry: ProtocolEntry | None) -> dict:
    errors = {}
    clean = {k: data.get(k) for k in ENTRY_FIELDS}
    kind = clean["kind"]
    if kind not in ENTRY_KINDS:
        errors["kind"] = "Bitte eine Art des Eintrags wählen."
    text = (clean["text"] or "").strip()
    if not text:
        errors["text"] = "Bitte den Inhalt des Eintrags angeben."
    elif len(text) > 20000:
        errors["text"] = "Der Text ist zu lang (höchstens 20.000 Zeichen)."
    clean["text"] = text
    if clean["agenda_item_id"] is not None:
        item = db.session.get(AgendaItem, clean["agenda_item_id"])
        if item is None or item.meeting_id != meeting.id:
            errors["agenda_item_id"] = "Dieser TOP gehört nicht zu dieser Sitzung."
    for key in ("addressee_org_id", "owner_org_id"):
        if clean[key] is not None and db.session.get(Organisation, clean[key]) is None:
            errors[key] = "Diese Organisation gibt es nicht."
    if clean["owner_person_id"] is not None and db.session.get(Person, clean["owner_person_id"]) is None:
        errors["owner_person_id"] = "Diese Person gibt es nicht."
    if kind == EntryKind.BESCHLUSS:
        if clean["decision_mode"] not in DECISION_MODES:
            errors["decision_mode"] = "Bitte angeben, wie der Beschluss zustande kam (Konsens oder Abstimmung)."
        elif clean["decision_mode"] == DecisionMode.ABSTIMMUNG:
            for key in ("votes_yes", "votes_no", "votes_abstain"):
                value = clean[key]
                if value is not None and (not isinstance(value, int) or value < 0 or value > 10000):
                    errors[key] = "Bitte eine Zahl ab 0 eingeben."
            if not errors and not any(clean[k] for k in ("votes_yes", "votes_no", "votes_abstain")):
                errors["votes_yes"] = "Bei einer Abstimmung bitte die Stimmen (ja/nein/Enthaltung) angeben."
        if clean["for_resolution"] and clean["addressee_org_id"] is None:
            errors["addressee_org_id"] = "Bitte das politische Gremium angeben, das beschließen soll."
    else:
        clean.update(
            decision_mode=None,
            votes_yes=None,
            votes_no=None,
            votes_abstain=None,
            binding=False,
            addressee_org_id=None,
            for_resolution=False,
        )
    if kind in FOLLOWUP_KINDS:
        due = clean["due_date"]
        changed = entry is None or entry.due_date != due
        if due is not None and changed and due < today():
            errors["due_date"] = "Das Fälligkeitsdatum darf nicht in der Vergangenheit liegen."
        if kind == EntryKind.AUFGABE and clean["owner_person_id"] is None and clean["owner_org_id"] is None:
            errors["owner_org_id"] = "Bitte angeben, wer die Aufgabe übernimmt (Person oder Organisation)."
    else:
        clean.update(owner_person_id=None, owner_org_id=None, due_date=None)
    if kind == EntryKind.BESCHLUSS and clean["decision_mode"] != DecisionMode.ABSTIMMUNG:
        clean.update(votes_yes=None, votes_no=None, votes_abstain=None)
    clean["binding"] = bool(clean["binding"])
    clean["for_resolution"] = bool(clean["for_resolution"])
    if errors:
        raise ValidationError(errors)
    return clean


def create_entry(user, meeting: Meeting, data: dict) -> ProtocolEntry:
    require(perm.can_edit_protocol(user, meeting))
    protocol = ensure_protocol(meeting)
    _require_unlocked(protocol)
    clean = _validate_entry(meeting, data, None)
    position = (
        db.session.scalar(
            select(func.coalesce(func.max(ProtocolEntry.position), 0)).where(ProtocolEntry.protocol_id == protocol.id)
        )
        + 1
    )
    entry = ProtocolEntry(protocol_id=protocol.id, position=position, author_id=getattr(user, "id", None), **clean)
    if entry.kind in FOLLOWUP_KINDS:
        entry.status = "offen"
        entry.status_changed_at = utcnow()
    db.session.add(entry)
    db.session.flush()
    _revision(user, protocol, RevisionAction.EINTRAG_NEU, entry)
    db.session.flush()
    return entry


def update_entry(user, entry: ProtocolEntry, data: dict, version) -> ProtocolEntry:
    with _stale_guard():
        meeting = entry.protocol.meeting
        require(perm.can_edit_protocol(user, meeting))
        _require_unlocked(entry.protocol)
        ensure_version(entry, version)
        clean = _validate_entry(meeting, data, entry)
        for key, value in clean.items():
            setattr(entry, key, value)
        if entry.kind in FOLLOWUP_KINDS and entry.status is None:
            entry.status, entry.status_changed_at = "offen", utcnow()
        elif entry.kind not in FOLLOWUP_KINDS:
            entry.status = None
        db.session.flush()
        _revision(user, entry.protocol, RevisionAction.EINTRAG_GEAENDERT, entry)
        db.session.flush()
        return entry


def delete_entry(user, entry: ProtocolEntry, version) -> None:
    with _stale_guard():
        protocol = entry.protocol
        require(perm.can_edit_protocol(user, protocol.meeting))
        _require_unlocked(protocol)
        ensure_version(entry, version)
        _revision(user, protocol, RevisionAction.EINTRAG_GELOESCHT, entry)
        db.session.delete(entry)
        db.session.flush()


def set_followup_status(user, entry: ProtocolEntry, status: str, note: str, version) -> ProtocolEntry:
    """Nachhalten: offen → in Arbeit → erledigt (erledigt needs a note). Allowed on approved protocols."""
    with _stale_guard():
        require(perm.can_update_followup(user, entry))
        if entry.kind not in FOLLOWUP_KINDS:
            raise ValidationError({"status": "Nur Aufgaben und Beschlüsse haben einen Bearbeitungsstand."})
        ensure_version(entry, version)
        note = (note or "").strip()
        if status not in ITEM_STATES:
            raise ValidationError({"status": "Bitte offen, in Arbeit oder erledigt wählen."})
        if status == TaskStatus.ERLEDIGT and not note:
            raise ValidationError({"note": "Bitte beim Abschließen kurz festhalten, was erreicht wurde."})
        if len(note) > 5000:
            raise ValidationError({"note": "Die Notiz ist zu lang (höchstens 5.000 Zeichen)."})
        before = audit.snapshot(entry)
        entry.status = status
        entry.status_changed_at = utcnow()
        if status == TaskStatus.ERLEDIGT:
            entry.closed_at, entry.closed_note, entry.closed_by_id = utcnow(), note, getattr(user, "id", None)
        else:
            entry.closed_at = entry.closed_by_id = None
            if note:
                entry.closed_note = note
        db.session.flush()
        _revision(user, entry.protocol, RevisionAction.STAND, entry)
        audit.record(user, "update", entry, before, audit.snapshot(entry), f"{entry.kind} {status}: {str(entry)[:200]}")
        db.session.flush()
        return entry


def record_political_resolution(
    user, entry: ProtocolEntry, day: date | None, outcome: str, note: str, version
) -> ProtocolEntry:
    with _stale_guard():
        require(perm.can_record_political_resolution(user, entry))
        if entry.kind != EntryKind.BESCHLUSS or not entry.for_resolution:
            raise ValidationError(
                {"political_outcome": "Nur Beschlüsse „zur Beschlussfassung“ erhalten eine politische Entscheidung."}
            )
        ensure_version(entry, version)
        errors = {}
        if day is None:
            errors["political_date"] = "Bitte das Datum der Entscheidung angeben."
        elif day > today():
            errors["political_date"] = "Das Datum der Entscheidung darf nicht in der Zukunft liegen."
        if outcome not in POLITICAL_OUTCOMES:
            errors["political_outcome"] = "Bitte das Ergebnis wählen."
        if errors:
            raise ValidationError(errors)
        before = audit.snapshot(entry)
        entry.political_date, entry.political_outcome, entry.political_note = (
            day,
            outcome,
            (note or "").strip()[:500] or None,
        )
        db.session.flush()
        _revision(user, entry.protocol, RevisionAction.POLITISCHE_ENTSCHEIDUNG, entry)
        audit.record(user, "update", entry, before, audit.snapshot(entry), f"Politische Entscheidung: {outcome}")
        db.session.flush()
        return entry

    # --- approval ------------------------------------------------------------------


def participant_emails(meeting: Meeting) -> list[str]:
    emails = set()
    persons = db.session.scalars(
        select(Person).where(
            or_(
                Person.id.in_(select(Attendance.person_id).where(Attendance.meeting_id == meeting.id)),
                Person.id.in_(select(Attendance.deputy_id).where(Attendance.meeting_id == meeting.id)),
                Person.id.in_(select(Invitation.person_id).where(Invitation.meeting_id == meeting.id)),
            ),
            Person.anonymised_at.is_(None),
        )
    ).all()
    emails.update(p.email for p in persons if p.email)
    emails.update(
        r.person.email
        for r in meeting.protocol_roles
        if r.person is not None and r.person.email and r.person.anonymised_at is None
    )
    return sorted(emails)


def _protocol_url(meeting: Meeting) -> str:
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    try:
        return base + url_for("protokolle.protocol", meeting_id=meeting.id, _external=False)
    except RuntimeError:
        return f"{base}/protokolle/sitzungen/{meeting.id}/"


def send_for_approval(user, meeting: Meeting, deadline: date | None, version) -> int:
    with _stale_guard():
        require(perm.can_edit_protocol(user, meeting))
        protocol = ensure_protocol(meeting)
        _require_unlocked(protocol)
        ensure_version(protocol, version)
        if protocol.status != ProtocolStatus.ENTWURF:
            raise Conflict("Das Protokoll ist bereits zur Abstimmung versandt.")
        if deadline is None:
            raise ValidationError({"objection_deadline": "Bitte eine Einspruchsfrist angeben."})
        if deadline < today():
            raise ValidationError({"objection_deadline": "Die Einspruchsfrist darf nicht in der Vergangenheit liegen."})
        if not protocol.entries:
            raise ValidationError({"objection_deadline": "Das Protokoll hat noch keine Einträge."})
        protocol.status, protocol.objection_deadline, protocol.sent_at = (
            ProtocolStatus.ZUR_ABSTIMMUNG,
            deadline,
            utcnow(),
        )
        recipients = participant_emails(meeting)
        label = meeting_label(meeting)
        body = (
            f"Guten Tag,\n\nder Protokollentwurf der Sitzung „{meeting.title}“ ({label}) liegt zur Abstimmung vor.\n"
            f"Einwände können bis zum {deadline.strftime('%d.%m.%Y')} erhoben werden:\n{_protocol_url(meeting)}\n\n"
            "Ohne Einwände wird das Protokoll in der nächsten Sitzung genehmigt.\n"
        )
        from . import ausgaben  # ausgaben builds on this module

        pdf = ausgaben.protocol_pdf(meeting)
        for email in recipients:
            mail.queue(
                email,
                f"Protokollentwurf zur Abstimmung: {meeting.title}",
                body,
                category="protokoll",
                attachments=[(f"Protokollentwurf-{meeting.id}.pdf", "application", "pdf", pdf, {})],
            )
        _revision(
            user,
            protocol,
            RevisionAction.ZUR_ABSTIMMUNG,
            data={"frist": deadline.isoformat(), "empfaenger": len(recipients)},
        )
        audit.record(
            user,
            "update",
            protocol,
            None,
            {"status": ProtocolStatus.ZUR_ABSTIMMUNG},
            f"Protokoll zur Abstimmung: {meeting.title}",
        )
        db.session.flush()
        return len(recipients)


def add_objection(user, meeting: Meeting, text: str) -> ProtocolObjection:
    require(perm.can_view_protocol(user, meeting))
    protocol = get_protocol(meeting)
    if protocol is None or protocol.status != ProtocolStatus.ZUR_ABSTIMMUNG:
        raise Conflict("Zu diesem Protokoll können derzeit keine Einwände erhoben werden.")
    require(perm.can_object_protocol(user, meeting))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": "Bitte den Einwand beschreiben."})
    if len(text) > 5000:
        raise ValidationError({"text": "Der Einwand ist zu lang (höchstens 5.000 Zeichen)."})
    if protocol.objection_deadline is not None and today() > protocol.objection_deadline:
        raise ValidationError(
            {"text": f"Die Einspruchsfrist ist am {protocol.objection_deadline.strftime('%d.%m.%Y')} abgelaufen."}
        )
    objection = ProtocolObjection(protocol_id=protocol.id, user_id=getattr(user, "id", None), text=text)
    db.session.add(objection)
    db.session.flush()
    _revision(user, protocol, RevisionAction.EINWAND, data={"text": text})
    db.session.flush()
    return objection


def approve(user, meeting: Meeting, note: str, version) -> Protocol:
    with _stale_guard():
        require(perm.can_approve_protocol(user, meeting))
        protocol = get_protocol(meeting)
        if protocol is None:
            raise NotFound("Zu dieser Sitzung gibt es noch kein Protokoll.")
        ensure_version(protocol, version)
        if protocol.status != ProtocolStatus.ZUR_ABSTIMMUNG:
            raise Conflict("Nur ein Protokoll „zur Abstimmung“ kann genehmigt werden.")
        protocol.status, protocol.approved_at, protocol.approved_by_id = (
            ProtocolStatus.GENEHMIGT,
            utcnow(),
            getattr(user, "id", None),
        )
        protocol.approval_note = (note or "").strip()[:300] or None
        meeting.status = MeetingStatus.PROTOKOLLIERT
        db.session.flush()
        from . import ausgaben  # ausgaben builds on this module

        pdf = ausgaben.protocol_pdf(meeting)
        body = (
            f"Guten Tag,\n\ndas Protokoll der Sitzung „{meeting.title}“ ({meeting_label(meeting)}) wurde genehmigt "
            f"(Fassung {protocol.edition}). Sie finden es im Anhang und unter\n{_protocol_url(meeting)}\n"
        )
        recipients = participant_emails(meeting)
        for email in recipients:
            mail.queue(
                email,
                f"Genehmigtes Protokoll: {meeting.title}",
                body,
                category="protokoll",
                attachments=[(f"Protokoll-{meeting.id}-Fassung-{protocol.edition}.pdf", "application", "pdf", pdf, {})],
            )
        _revision(
            user,
            protocol,
            RevisionAction.GENEHMIGT,
            data={"note": protocol.approval_note, "empfaenger": len(recipients)},
        )
        audit.record(
            user,
            "update",
            protocol,
            None,
            {"status": ProtocolStatus.GENEHMIGT},
            f"Protokoll genehmigt: {meeting.title}",
        )
        db.session.flush()
        return protocol


def new_edition(user, meeting: Meeting, version) -> Protocol:
    with _stale_guard():
        require(perm.can_approve_protocol(user, meeting))
        protocol = get_protocol(meeting)
        if protocol is None:
            raise NotFound("Zu dieser Sitzung gibt es noch kein Protokoll.")
        ensure_version(protocol, version)
        if protocol.status != ProtocolStatus.GENEHMIGT:
            raise Conflict("Eine neue Fassung ist nur bei einem genehmigten Protokoll nötig.")
        protocol.status, protocol.edition = ProtocolStatus.ENTWURF, protocol.edition + 1
        protocol.objection_deadline = protocol.sent_at = protocol.approved_at = None
        _revision(user, protocol, RevisionAction.NEUE_FASSUNG)
        audit.record(user, "update", protocol, None, {"fassung": protocol.edition}, f"Neue Fassung: {meeting.title}")
        db.session.flush()
        return protocol

    # --- open items (carry-forward) and bottom-up ------------------------------------


def _followup_options():
    return (
        joinedload(ProtocolEntry.owner_person),
        joinedload(ProtocolEntry.owner_org),
        joinedload(ProtocolEntry.agenda_item),
        joinedload(ProtocolEntry.protocol)
        .joinedload(Protocol.meeting)
        .joinedload(Meeting.committee)
        .selectinload(Committee.areas),
        joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).selectinload(Meeting.protocol_roles),
    )


def _open_items_ids(meeting: Meeting, user=None) -> Select:
    q = (
        select(ProtocolEntry.id)
        .join(Protocol, ProtocolEntry.protocol_id == Protocol.id)
        .join(Meeting, Protocol.meeting_id == Meeting.id)
        .where(
            Meeting.committee_id == meeting.committee_id,
            Meeting.start < meeting.start,
            ProtocolEntry.kind.in_(FOLLOWUP_KINDS),
            or_(ProtocolEntry.status != TaskStatus.ERLEDIGT, ProtocolEntry.closed_at > meeting.start),
        )
    )
    if user is not None:
        # The SQL twin of can_read_entry (it needs the committee joined).
        q = q.join(Committee, Meeting.committee_id == Committee.id).where(perm.followup_filter(user))
    return q


def _load_entries(ids: list[int]) -> list[ProtocolEntry]:
    """The entries with these ids, in this order, with what lists of open items show."""
    rows = {
        e.id: e
        for e in db.session.scalars(
            select(ProtocolEntry).where(ProtocolEntry.id.in_(ids)).options(*_followup_options())
        ).unique()
    }
    return [rows[i] for i in ids if i in rows]


def open_items(meeting: Meeting, user=None, limit: int | None = None) -> list[ProtocolEntry]:
    """Offene Punkte: tasks/decisions of earlier meetings of the same committee still open at this meeting.
    With `user`, only those this user may read (followup_filter); with `limit`, the first ones only:
    the ids are sorted and cut in SQL, then only those entries are loaded."""
    q = _open_items_ids(meeting, user).order_by(
        ProtocolEntry.due_date.is_(None),
        ProtocolEntry.due_date,
        Meeting.start,
        ProtocolEntry.position,
        ProtocolEntry.id,
    )
    if limit is not None:
        q = q.limit(limit)
    return _load_entries(list(db.session.scalars(q)))


def open_items_count(meeting: Meeting, user=None) -> int:
    return db.session.scalar(select(func.count()).select_from(_open_items_ids(meeting, user).subquery())) or 0


def previous_protocol_for_approval(meeting: Meeting) -> Protocol | None:
    """The protocol of an earlier meeting of the same committee still waiting for approval (TOP „Genehmigung“)."""
    return db.session.scalar(
        select(Protocol)
        .join(Meeting, Protocol.meeting_id == Meeting.id)
        .where(
            Meeting.committee_id == meeting.committee_id,
            Meeting.start < meeting.start,
            Protocol.status == ProtocolStatus.ZUR_ABSTIMMUNG,
        )
        .options(joinedload(Protocol.meeting))
        .order_by(Meeting.start.desc())
        .limit(1)
    )


SHORT_TITLE_MAX = 80


def short_title(text: str, limit: int = SHORT_TITLE_MAX) -> str:
    """A short title for a forwarded topic: the first sentence of the text's first line, at most `limit`
    characters (cut at a word, with "…")."""
    lines = [line for line in (text or "").replace("*", "").replace("#", "").splitlines() if line.strip()]
    plain = " ".join(lines[0].split()) if lines else ""
    match = re.search(r"[.!?](\s|$)", plain)
    first = plain[: match.start() + 1] if match else plain
    if first.endswith(".") and not first.endswith(".."):
        first = first[:-1]
    if len(first) <= limit:
        return first
    cut = first[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:–- ")
    return (cut or first[: limit - 1]) + "…"


def forward_entry(user, entry: ProtocolEntry, committee: Committee, title: str | None = None) -> TopicProposal:
    """Erkenntnis/Empfehlung → Themenspeicher of another committee (e.g. the Sozialplanungskonferenz).

    The topic gets a short title (given, or the first sentence of the entry) and the whole text as description."""
    with _stale_guard():
        require(perm.can_forward_entry(user, entry))
        if committee is None or not perm.can_view_committee(user, committee):
            raise NotFound("Dieses Gremium gibt es nicht.")
        if entry.kind not in FORWARDABLE_KINDS:
            raise ValidationError({"committee_id": "Nur Erkenntnisse und Empfehlungen können weitergeleitet werden."})
        if entry.forwarded_topic_id is not None:
            raise Conflict("Dieser Eintrag wurde bereits in einen Themenspeicher weitergeleitet.")
        meeting = entry.protocol.meeting
        if committee.id == meeting.committee_id:
            raise ValidationError({"committee_id": "Bitte ein anderes Gremium wählen."})
        title = " ".join((title or "").split()) or short_title(entry.text)
        if len(title) > 280:
            raise ValidationError({"title": "Kurztitel: höchstens 280 Zeichen."})
        label = f"{entry.kind} aus: {meeting_label(meeting)}, {agenda_label(entry.agenda_item)}"
        topic = propose_topic(user, committee, title, entry.text, "protokolleintrag", entry.id, label[:300])
        db.session.flush()
        entry.forwarded_topic = topic
        _revision(
            user,
            entry.protocol,
            RevisionAction.WEITERGELEITET,
            entry,
            data={"gremium": committee.name, "thema": topic.id},
        )
        db.session.flush()
        return topic


def forward_outcomes(entries: list[ProtocolEntry]) -> dict[int, list[ProtocolEntry]]:
    """For forwarded entries: decisions recorded on the agenda item their topic was placed on (one query)."""
    item_ids = {
        e.forwarded_topic.agenda_item_id
        for e in entries
        if e.forwarded_topic is not None and e.forwarded_topic.agenda_item_id
    }
    if not item_ids:
        return {}
    out = defaultdict(list)
    for d in db.session.scalars(
        select(ProtocolEntry)
        .where(ProtocolEntry.agenda_item_id.in_(item_ids), ProtocolEntry.kind == EntryKind.BESCHLUSS)
        .order_by(ProtocolEntry.position)
    ):
        out[d.agenda_item_id].append(d)
    return out


def incoming_topics(meeting: Meeting) -> dict[int, list[tuple[TopicProposal, ProtocolEntry | None]]]:
    """Per agenda item of this meeting: forwarded topics placed on it with their source entry."""
    topics = db.session.scalars(
        select(TopicProposal)
        .join(AgendaItem, TopicProposal.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.meeting_id == meeting.id, TopicProposal.source_type == "protokolleintrag")
    ).all()
    source_ids = {t.source_id for t in topics if t.source_id}
    sources = (
        {
            e.id: e
            for e in db.session.scalars(
                select(ProtocolEntry)
                .where(ProtocolEntry.id.in_(source_ids))
                .options(joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee))
            )
        }
        if source_ids
        else {}
    )
    out = defaultdict(list)
    for t in topics:
        out[t.agenda_item_id].append((t, sources.get(t.source_id)))
    return out


# --- Nachhalten list -----------------------------------------------------------


FOLLOWUP_ORDER = (ProtocolEntry.due_date.is_(None), ProtocolEntry.due_date, Meeting.start.desc(), ProtocolEntry.id)


def followup_ids(
    user, *, owner_person_id=None, organisation_id=None, committee_id=None, status=None, kind=None, overdue=False
) -> Select:
    """The Nachhalten list as a SELECT of entry ids, filtered and in list order (page-first: cut one
    page of ids in SQL, then load those entries with `load_entries`)."""
    q = (
        select(ProtocolEntry.id)
        .join(Protocol, ProtocolEntry.protocol_id == Protocol.id)
        .join(Meeting, Protocol.meeting_id == Meeting.id)
        .join(Committee, Meeting.committee_id == Committee.id)
        .where(ProtocolEntry.kind.in_(FOLLOWUP_KINDS), perm.followup_filter(user))
    )
    if owner_person_id:
        q = q.where(ProtocolEntry.owner_person_id == owner_person_id)
    if organisation_id:
        q = q.where(
            or_(ProtocolEntry.owner_org_id == organisation_id, ProtocolEntry.addressee_org_id == organisation_id)
        )
    if committee_id:
        q = q.where(Meeting.committee_id == committee_id)
    # "not done" as the list of open states (not `!= erledigt`), written literally into the SQL: the partial
    # index ix_protocol_entry_open_due holds only the open follow-ups, in list order (due date, undated last),
    # so the first page is read from its start instead of sorting every open item (issue 14).
    open_only = status == NOT_DONE or overdue
    if open_only:
        q = q.where(open_states_condition())
    if status in ITEM_STATES:  # also together with "überfällig" (done and overdue: nothing)
        q = q.where(ProtocolEntry.status == status)
    if kind in FOLLOWUP_KINDS:
        q = q.where(ProtocolEntry.kind == kind)
    if overdue:
        q = q.where(ProtocolEntry.due_date < today())
    if open_only:
        # SQLite without statistics (no ANALYZE) prefers any index with an equality over the one that
        # gives the order, and then sorts every open item for a page of 5 or 25; PostgreSQL decides by its
        # statistics and ignores this hint.
        q = q.with_hint(ProtocolEntry, "INDEXED BY ix_protocol_entry_open_due", "sqlite")
    return q.order_by(*FOLLOWUP_ORDER)


def load_entries(ids: list[int]) -> list[ProtocolEntry]:
    """Entries by id, in the given order, with what the open-item lists show (one page of them)."""
    return _load_entries(ids)


def load_entries_query(ids: list[int]) -> Select:
    """The SELECT behind load_entries (for views/seiten.sql_page, which restores the order)."""
    return select(ProtocolEntry).where(ProtocolEntry.id.in_(ids)).options(*_followup_options())


def load_followup_page_query(ids: list[int]) -> Select:
    """The entries of one Nachhalten page with what the list shows and its permission checks read, and
    nothing else (issue 14: a page of 25 loaded every column of the entry, its meeting, committee, type
    of committee, owner person and organisation; the cost per row made the page 1.7 × slower at 10 ×)."""
    from models.protocols import MeetingRole

    entry, protocol, meeting = ProtocolEntry, Protocol, Meeting
    to_meeting = joinedload(entry.protocol).load_only(protocol.status, protocol.meeting_id).joinedload(protocol.meeting)
    return (
        select(entry)
        .where(entry.id.in_(ids))
        .options(
            load_only(
                entry.protocol_id,
                entry.agenda_item_id,
                entry.kind,
                entry.text,
                entry.owner_person_id,
                entry.owner_org_id,
                entry.addressee_org_id,
                entry.due_date,
                entry.status,
            ),
            joinedload(entry.owner_person).load_only(Person.first_name, Person.last_name),
            joinedload(entry.owner_org).load_only(Organisation.name, Organisation.short_name),
            joinedload(entry.agenda_item).load_only(AgendaItem.is_public),
            to_meeting.load_only(meeting.committee_id, meeting.start),
            to_meeting.joinedload(meeting.committee)
            .load_only(Committee.name, Committee.body_id, Committee.is_public)
            .lazyload(Committee.type),
            to_meeting.joinedload(meeting.committee).selectinload(Committee.areas).load_only(Area.id),
            to_meeting.selectinload(meeting.protocol_roles).load_only(MeetingRole.role, MeetingRole.person_id),
        )
    )


def followup_query(user, **filters) -> Select:
    """The Nachhalten list as entities (for small uses; pages go through followup_ids)."""
    ids = followup_ids(user, **filters)
    return (
        select(ProtocolEntry)
        .join(Protocol, ProtocolEntry.protocol_id == Protocol.id)
        .join(Meeting, Protocol.meeting_id == Meeting.id)
        .where(ProtocolEntry.id.in_(ids.order_by(None)))
        .options(*_followup_options())
        .order_by(*FOLLOWUP_ORDER)
    )


def decision_register_rows(user) -> Iterator[list]:
    q = (
        select(ProtocolEntry)
        .join(Protocol, ProtocolEntry.protocol_id == Protocol.id)
        .join(Meeting, Protocol.meeting_id == Meeting.id)
        .join(Committee, Meeting.committee_id == Committee.id)
        .where(ProtocolEntry.kind == EntryKind.BESCHLUSS, perm.followup_filter(user))
        .options(*_followup_options(), joinedload(ProtocolEntry.addressee_org))
        .order_by(Meeting.start, ProtocolEntry.position)
    )
    for e in db.session.scalars(q.execution_options(yield_per=200)):
        m = e.protocol.meeting
        yield [
            m.committee.name,
            to_berlin(m.start).date(),
            m.title,
            agenda_label(e.agenda_item),
            e.text,
            DECISION_MODES.get(e.decision_mode or "", ""),
            e.votes_yes,
            e.votes_no,
            e.votes_abstain,
            e.binding,
            e.addressee_org.name if e.addressee_org else "",
            e.for_resolution,
            e.political_date,
            e.political_outcome or "",
            e.owner_label,
            e.due_date,
            e.status or "",
            e.protocol.status_label,
        ]


DECISION_REGISTER_HEADERS = [
    "Gremium",
    "Sitzung am",
    "Sitzung",
    "TOP",
    "Beschluss",
    "Zustandekommen",
    "Ja",
    "Nein",
    "Enthaltung",
    "verbindlich",
    "Adressat",
    "zur Beschlussfassung",
    "politische Entscheidung am",
    "politisches Ergebnis",
    "Verantwortlich",
    "fällig am",
    "Stand",
    "Protokollstatus",
]


# --- reminders ------------------------------------------------------------------


def send_reminders(days_before: int | None = None, on_day: date | None = None) -> tuple[int, int]:
    """Mails to owners before the due date and once after it passed. Returns (before, after).

    Entries of draft protocols wait: until the protocol leaves the draft the owner cannot see them."""
    days_before = days_before if days_before is not None else current_app.config.get("PROTOKOLL_REMIND_DAYS", 7)
    day = on_day or today()
    entries = (
        db.session.scalars(
            select(ProtocolEntry)
            .where(
                ProtocolEntry.kind.in_(FOLLOWUP_KINDS),
                ProtocolEntry.status != TaskStatus.ERLEDIGT,
                ProtocolEntry.due_date.is_not(None),
                ProtocolEntry.protocol_id.in_(select(Protocol.id).where(Protocol.status != ProtocolStatus.ENTWURF)),
                or_(
                    and_(
                        ProtocolEntry.reminded_before_at.is_(None),
                        ProtocolEntry.due_date <= day + timedelta(days=days_before),
                        ProtocolEntry.due_date >= day,
                    ),
                    and_(ProtocolEntry.reminded_after_at.is_(None), ProtocolEntry.due_date < day),
                ),
            )
            .options(*_followup_options())
        )
        .unique()
        .all()
    )
    before = after = 0
    for e in entries:
        recipients = set()
        if e.owner_person is not None and e.owner_person.email and e.owner_person.anonymised_at is None:
            recipients.add(e.owner_person.email)
        elif e.owner_org is not None and e.owner_org.email:
            recipients.add(e.owner_org.email)
        meeting = e.protocol.meeting
        overdue = e.due_date < day
        subject = (
            f"Überfällig seit {e.due_date.strftime('%d.%m.%Y')}: {e.kind} aus {meeting.committee.name}"
            if overdue
            else f"Erinnerung: {e.kind} fällig am {e.due_date.strftime('%d.%m.%Y')}"
        )
        body = (
            f"Guten Tag,\n\n{'die folgende Vereinbarung ist überfällig' if overdue else 'bitte denken Sie an die folgende Vereinbarung'}"
            f" aus der Sitzung „{meeting.title}“ ({meeting_label(meeting)}):\n\n{e.text}\n\n"
            f"Verantwortlich: {e.owner_label or 'nicht benannt'}\nFällig am: {e.due_date.strftime('%d.%m.%Y')}\n"
            f"Stand: {e.status}\n\nZum Nachhalten: {_protocol_url(meeting)}#eintrag-{e.id}\n"
        )
        for email in sorted(recipients):
            mail.queue(email, subject, body, category="erinnerung")
        if overdue:
            e.reminded_after_at = utcnow()
            after += 1
        else:
            e.reminded_before_at = utcnow()
            before += 1
    db.session.flush()
    return before, after
