"""Protokolle: Sitzungsrollen (Leitung, Moderation, Protokollführung) und Anwesenheit mit Beschlussfähigkeit."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import to_berlin
from models import (
    Invitation,
    Meeting,
    Membership,
    Organisation,
    Person,
    utcnow,
)
from models.committees import UPCOMING_MEETING_STATES, MeetingStatus, RsvpStatus
from models.protocols import (
    ATTENDANCE_STATES,
    MEETING_ROLES,
    Attendance,
    AttendanceStatus,
    MeetingRole,
    RevisionAction,
)

from .. import Conflict, ValidationError, audit, require
from .eintraege import _revision, _stale_guard, ensure_protocol, today

# --- meeting roles -------------------------------------------------------------


def set_meeting_roles(
    user, meeting: Meeting, persons: dict[str, int | None], names: dict[str, str | None] | None = None
) -> None:
    """Set Sitzungsleitung, Moderation and Protokollführung. A role is held by a person (`persons`: role →
    person id; an account linked to that person edits the protocol) or, for holders without a person
    record, by a name (`names`). Roles missing from both dicts stay as they are; None clears."""
    require(perm.can_assign_meeting_roles(user, meeting))
    names = names or {}
    errors = {}
    holders: dict[str, tuple[int | None, str | None]] = {}
    for role in {*persons, *names}:
        person_id, name = persons.get(role), (names.get(role) or "").strip() or None
        if role not in MEETING_ROLES:
            errors[role] = "Unbekannte Rolle."
            continue
        if person_id is not None:
            person = db.session.get(Person, person_id)
            if person is None or person.anonymised_at is not None or not perm.can_view_person(user, person):
                errors[role] = "Diese Person gibt es nicht."
            elif name:
                errors[role] = "Bitte entweder eine Person wählen oder einen Namen eintragen."
        if name is not None and len(name) > 200:
            errors[role] = "Bitte höchstens 200 Zeichen."
        holders[role] = (person_id, name)
    if errors:
        raise ValidationError(errors)
    existing = {r.role: r for r in meeting.protocol_roles}
    for role in MEETING_ROLES:
        if role not in holders:
            continue
        person_id, name = holders[role]
        current = existing.get(role)
        if person_id is None and name is None:
            if current is not None:
                meeting.protocol_roles.remove(current)
                db.session.delete(current)
        elif current is None:
            meeting.protocol_roles.append(MeetingRole(role=role, person_id=person_id, name=name))
        else:
            current.person_id, current.name = person_id, name
    audit.record(
        user,
        "update",
        meeting,
        None,
        {"rollen": {r: {"person_id": p, "name": n} for r, (p, n) in sorted(holders.items())}},
        f"Sitzungsrollen: {meeting.title}",
    )
    db.session.flush()


# --- attendance ----------------------------------------------------------------


def attendance_rows(meeting: Meeting) -> list[dict]:
    """One row per expected or recorded person: recorded attendance, invitees, active members."""
    rows: dict[int, dict] = {}
    recorded = db.session.scalars(
        select(Attendance)
        .where(Attendance.meeting_id == meeting.id)
        .options(
            joinedload(Attendance.person).joinedload(Person.organisation),
            joinedload(Attendance.organisation),
            joinedload(Attendance.deputy),
        )
    ).all()
    for a in recorded:
        rows[a.person_id] = {
            "person": a.person,
            "organisation_id": a.organisation_id,
            "organisation": a.organisation,
            "deputy_id": a.deputy_id,
            "standing_deputy_id": None,
            "status": a.status,
            "note": a.note or "",
            "recorded": True,
        }
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.meeting_id == meeting.id)
        .options(joinedload(Invitation.person).joinedload(Person.organisation), joinedload(Invitation.organisation))
    ).all()
    for inv in invitations:
        if inv.person_id in rows:
            continue
        status = AttendanceStatus.ENTSCHULDIGT if inv.rsvp == RsvpStatus.ABGESAGT else AttendanceStatus.ABWESEND
        rows[inv.person_id] = {
            "person": inv.person,
            "organisation_id": inv.organisation_id or inv.person.organisation_id,
            "organisation": inv.organisation or inv.person.organisation,
            # a deputy only stands in for an absent member: not pre-filled, offered as a hint
            "deputy_id": None,
            "standing_deputy_id": inv.deputy_id,
            "status": status,
            "note": "",
            "recorded": False,
        }
    day = to_berlin(meeting.start).date()
    members = db.session.scalars(
        select(Membership)
        .where(Membership.committee_id == meeting.committee_id)
        .options(joinedload(Membership.person).joinedload(Person.organisation), joinedload(Membership.organisation))
    ).all()
    for m in members:
        if m.person_id in rows or not m.is_active_on(day):
            continue
        rows[m.person_id] = {
            "person": m.person,
            "organisation_id": m.organisation_id or m.person.organisation_id,
            "organisation": m.organisation or m.person.organisation,
            "deputy_id": None,
            "standing_deputy_id": m.deputy_id,
            "status": "abwesend",
            "note": "",
            "recorded": False,
        }
    return sorted(rows.values(), key=lambda r: (r["person"].last_name, r["person"].first_name))


class AttendanceConflict(Conflict):
    """Somebody saved the attendance list since this form was loaded."""

    def __init__(self):
        super().__init__(
            "Die Anwesenheit wurde inzwischen von jemand anderem gespeichert. Ihre Eingaben sind unten "
            "erhalten; wo die gespeicherte Fassung abweicht, steht sie in der Zeile. Bitte prüfen Sie und "
            "speichern Sie erneut."
        )


def save_attendance(user, meeting: Meeting, rows: list[dict], expected_version: int | None = None) -> int:
    """rows: dicts with person_id, status, organisation_id, deputy_id, note. One transaction.

    expected_version is the meeting's attendance_version the form was rendered with; the save raises
    the counter only if it still has that value (one conditional UPDATE, atomic on SQLite and
    PostgreSQL), otherwise AttendanceConflict. Callers without a form (demo, tasks) pass None.
    """
    with _stale_guard():
        require(perm.can_record_attendance(user, meeting))
        errors = {}
        person_ids = {r["person_id"] for r in rows} | {r.get("deputy_id") for r in rows if r.get("deputy_id")}
        org_ids = {r.get("organisation_id") for r in rows if r.get("organisation_id")}
        persons = (
            {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids)))} if person_ids else {}
        )
        orgs = (
            {o.id: o for o in db.session.scalars(select(Organisation).where(Organisation.id.in_(org_ids)))}
            if org_ids
            else {}
        )
        for i, r in enumerate(rows):
            if r.get("status") not in ATTENDANCE_STATES:
                errors[f"status_{r['person_id']}"] = "Bitte anwesend, entschuldigt oder abwesend wählen."
            if r["person_id"] not in persons:
                errors[f"person_{i}"] = "Diese Person gibt es nicht."
            if r.get("deputy_id") and r["deputy_id"] not in persons:
                errors[f"deputy_{r['person_id']}"] = "Diese Vertretung gibt es nicht."
            if r.get("deputy_id") and r["deputy_id"] == r["person_id"]:
                errors[f"deputy_{r['person_id']}"] = "Eine Person kann sich nicht selbst vertreten."
            if r.get("deputy_id") and r.get("status") == AttendanceStatus.ANWESEND:
                errors[f"deputy_{r['person_id']}"] = (
                    "Vertretung durch: Wer anwesend ist, wird nicht vertreten. Bitte die Vertretung leeren "
                    "oder den Status auf entschuldigt oder abwesend setzen."
                )
            if r.get("organisation_id") and r["organisation_id"] not in orgs:
                errors[f"organisation_{r['person_id']}"] = "Diese Organisation gibt es nicht."
            if len(r.get("note") or "") > 300:
                errors[f"note_{r['person_id']}"] = "Höchstens 300 Zeichen."
        if errors:
            raise ValidationError(errors)
        bump = (
            update(Meeting.__table__)
            .where(Meeting.__table__.c.id == meeting.id)
            .values(attendance_version=Meeting.__table__.c.attendance_version + 1)
        )
        if expected_version is not None:
            bump = bump.where(Meeting.__table__.c.attendance_version == expected_version)
        if db.session.execute(bump).rowcount != 1:
            raise AttendanceConflict()
        db.session.expire(meeting, ["attendance_version"])
        existing = {
            a.person_id: a for a in db.session.scalars(select(Attendance).where(Attendance.meeting_id == meeting.id))
        }
        for r in rows:
            a = existing.get(r["person_id"])
            if a is None:
                a = Attendance(meeting_id=meeting.id, person_id=r["person_id"])
                db.session.add(a)
            a.status = r["status"]
            a.organisation_id = r.get("organisation_id")
            a.deputy_id = r.get("deputy_id")
            a.note = r.get("note") or None
        protocol = ensure_protocol(meeting)
        _revision(
            user,
            protocol,
            RevisionAction.ANWESENHEIT,
            data={
                "zeilen": [{k: r.get(k) for k in ("person_id", "status", "organisation_id", "deputy_id")} for r in rows]
            },
        )
        if meeting.status in UPCOMING_MEETING_STATES and meeting.start <= utcnow():
            meeting.status = MeetingStatus.DURCHGEFUEHRT
        db.session.flush()
        return len(rows)


def attendance_summary(meeting_ids: list[int]) -> dict[int, dict]:
    """Counts per meeting in one query: {meeting_id: {anwesend, entschuldigt, abwesend, vertreten}}."""
    out = {mid: {"anwesend": 0, "entschuldigt": 0, "abwesend": 0, "vertreten": 0} for mid in meeting_ids}
    if not meeting_ids:
        return out
    rows = db.session.execute(
        select(Attendance.meeting_id, Attendance.status, func.count(), func.count(Attendance.deputy_id))
        .where(Attendance.meeting_id.in_(meeting_ids))
        .group_by(Attendance.meeting_id, Attendance.status)
    ).all()
    for mid, status, n, deputies in rows:
        out[mid][status] = n
        if status != AttendanceStatus.ANWESEND:  # only an absent member is represented by a deputy
            out[mid]["vertreten"] += deputies
    return out


def quorum_state(meeting: Meeting, summary: dict) -> dict | None:
    quorum = meeting.committee.quorum
    if not quorum:
        return None
    present = summary.get("anwesend", 0)
    return {"needed": quorum, "present": present, "reached": present >= quorum}


def early_warning(meeting: Meeting, what: str) -> str | None:
    """A warning (not a block) when something is recorded before the meeting took place."""
    day = to_berlin(meeting.start).date()
    if day <= today():
        return None
    return (
        f"Die Sitzung findet erst am {day:%d.%m.%Y} statt. {what} schon vorher? "
        "Bitte bestätigen Sie, dass Sie trotzdem speichern wollen."
    )


def decision_warning(meeting: Meeting) -> str | None:
    """A warning (not a block) for a decision when nobody is recorded as present or the quorum is not met."""
    summary = attendance_summary([meeting.id])[meeting.id]
    if summary["anwesend"] == 0:
        return (
            "Für diese Sitzung ist niemand als anwesend erfasst. Ein Beschluss braucht Anwesende – bitte "
            "zuerst die Anwesenheit erfassen oder bestätigen, dass Sie den Beschluss trotzdem speichern wollen."
        )
    quorum = quorum_state(meeting, summary)
    if quorum and not quorum["reached"]:
        return (
            f"Das Gremium ist nicht beschlussfähig: {quorum['present']} anwesend, {quorum['needed']} nötig. "
            "Bitte bestätigen Sie, dass Sie den Beschluss trotzdem speichern wollen."
        )
    return None
