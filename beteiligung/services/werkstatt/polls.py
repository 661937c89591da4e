"""Terminabstimmung: candidate dates, invitees answering ja / wenn nötig / nein through a personal
token link (no account), a live tally, a deadline, reminders to non-responders, and the planner's
pick that creates (or moves) the meeting and invites through the usual iTIP invitation.

The token is derived with HMAC from SECRET_KEY, poll and person (as the RSVP links of
services.gremien.einladungen), so the invitation and every reminder carry the same link; only its SHA-256
hash is stored. Services flush, never commit (one unit of work per request or CLI run).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import anzahl, date_de, datetime_de, time_de
from beteiligung.permissions import werkstatt as wperm
from models import Committee, Meeting, Membership, Person, utcnow
from models.werkstatt import (
    DatePoll,
    DatePollAnswer,
    DatePollInvitee,
    DatePollOption,
    PollAnswerValue,
    PollStatus,
)

from .. import Conflict, NotFound, ServiceError, ValidationError, ensure_version, require
from ..audit import record, snapshot
from ..gremien.einladungen import external_url, token_hash
from ..mail import queue

MAX_OPTIONS = 20
MAX_INVITEES = 300
REMIND_EVERY = timedelta(hours=24)
# Meeting states whose date may still be found by a poll.
PLANNABLE_MEETING_STATES = ("geplant", "verschoben")


class PollClosed(ServiceError):
    """An answer after the deadline or after the date was picked (HTTP 409: the poll moved on)."""

    status = 409


def poll_token(poll_id: int, person_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"werkstatt-umfrage:{poll_id}:{person_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def answer_url(invitee: DatePollInvitee) -> str:
    return external_url("werkstatt.poll_answer", token=poll_token(invitee.poll_id, invitee.person_id))


# --- reading ------------------------------------------------------------------------


def get_poll(user, poll_id: int) -> DatePoll:
    poll = db.session.scalar(
        select(DatePoll)
        .where(DatePoll.id == poll_id)
        .options(joinedload(DatePoll.committee), selectinload(DatePoll.options))
    )
    if poll is None or not wperm.can_view_poll(user, poll):
        raise NotFound()
    return poll


def list_polls(user, limit: int = 200) -> list[DatePoll]:
    return list(
        db.session.scalars(
            select(DatePoll)
            .where(wperm.poll_filter(user))
            .options(joinedload(DatePoll.committee), selectinload(DatePoll.options), selectinload(DatePoll.invitees))
            .order_by(DatePoll.deadline.desc())
            .limit(limit)
        )
    )


def manageable_committees(user) -> list[Committee]:
    return list(
        db.session.scalars(
            select(Committee)
            .where(wperm.managed_committee_filter(user), Committee.active.is_(True))
            .order_by(Committee.name)
        )
    )


def plannable_meetings(committee: Committee) -> list[Meeting]:
    return list(
        db.session.scalars(
            select(Meeting)
            .where(
                Meeting.committee_id == committee.id,
                Meeting.status.in_(PLANNABLE_MEETING_STATES),
                Meeting.end > utcnow(),
            )
            .order_by(Meeting.start)
        )
    )


def invitees_of(poll: DatePoll) -> list[DatePollInvitee]:
    rows = list(
        db.session.scalars(
            select(DatePollInvitee)
            .where(DatePollInvitee.poll_id == poll.id)
            .options(joinedload(DatePollInvitee.person), selectinload(DatePollInvitee.answers))
        )
    )
    rows.sort(key=lambda i: (i.person.last_name, i.person.first_name))
    return rows


def tally(poll: DatePoll) -> dict:
    """Counts per option and each invitee's answers (for the table and the JSON stand).

    Ranking: most "ja", then most "wenn nötig", then the earlier date.
    """
    invitees = invitees_of(poll)
    counts = {o.id: {v.value: 0 for v in PollAnswerValue} for o in poll.options}
    grid = {}
    for inv in invitees:
        grid[inv.id] = {}
        for a in inv.answers:
            if a.option_id in counts and a.value in counts[a.option_id]:
                counts[a.option_id][a.value] += 1
                grid[inv.id][a.option_id] = a.value
    ranked = sorted(poll.options, key=lambda o: (-counts[o.id]["ja"], -counts[o.id]["wenn_noetig"], o.start))
    best = ranked[0].id if ranked and counts[ranked[0].id]["ja"] + counts[ranked[0].id]["wenn_noetig"] else None
    return {
        "invitees": invitees,
        "counts": counts,
        "grid": grid,
        "best_option_id": best,
        "answered": sum(1 for i in invitees if i.answered_at is not None),
    }


# --- creating -----------------------------------------------------------------------


def _check(values: dict, options: list[tuple[datetime, datetime]]) -> dict:
    errors = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Bitte einen Titel angeben."
    elif len(title) > 200:
        errors["title"] = "Der Titel ist zu lang (höchstens 200 Zeichen)."
    now = utcnow()
    deadline = values.get("deadline")
    if not isinstance(deadline, datetime):
        errors["deadline"] = "Bitte Datum und Uhrzeit angeben, bis wann geantwortet werden kann."
    elif deadline <= now:
        errors["deadline"] = "Die Antwortfrist muss in der Zukunft liegen."
    if not options:
        errors["options"] = "Bitte mindestens zwei Terminvorschläge angeben."
    elif len(options) < 2:
        errors["options"] = "Bitte mindestens zwei Terminvorschläge angeben – sonst gibt es nichts abzustimmen."
    elif len(options) > MAX_OPTIONS:
        errors["options"] = f"Höchstens {MAX_OPTIONS} Terminvorschläge."
    elif any(start <= now for start, _end in options):
        errors["options"] = "Alle Terminvorschläge müssen in der Zukunft liegen."
    elif len({s for s, _e in options}) != len(options):
        errors["options"] = "Jeder Termin darf nur einmal vorkommen."
    elif isinstance(deadline, datetime) and any(start <= deadline for start, _end in options):
        errors["deadline"] = "Die Antwortfrist muss vor dem ersten Terminvorschlag enden."
    return errors


def create_poll(
    user,
    committee: Committee,
    values: dict,
    options: list[tuple[datetime, datetime]],
    *,
    members: bool = True,
    person_ids=(),
    meeting: Meeting | None = None,
) -> DatePoll:
    """A poll with its options and invitees (active members with e-mail and the chosen persons);
    queues one mail per invitee with the personal answer link."""
    require(wperm.can_create_poll(user, committee))
    errors = _check(values, options)
    if meeting is not None and (meeting.committee_id != committee.id or meeting.status not in PLANNABLE_MEETING_STATES):
        errors["meeting_id"] = "Diese Sitzung gehört nicht zum Gremium oder ist nicht mehr in Planung."
    persons = _invitee_persons(user, committee, members, person_ids, errors)
    if errors:
        raise ValidationError(errors)
    poll = DatePoll(
        committee=committee,
        meeting=meeting,
        title=values["title"].strip(),
        description=(values.get("description") or "").strip() or None,
        location=(values.get("location") or "").strip() or None,
        deadline=values["deadline"],
        status=PollStatus.OFFEN.value,
        created_by_id=getattr(user, "id", None),
    )
    for start, end in sorted(options):
        poll.options.append(DatePollOption(start=start, end=end))
    db.session.add(poll)
    db.session.flush()
    now = utcnow()
    for p in persons:
        poll.invitees.append(DatePollInvitee(person=p, token_hash=token_hash(poll_token(poll.id, p.id)), sent_at=now))
    db.session.flush()
    record(
        user,
        "create",
        poll,
        None,
        snapshot(poll),
        f"Terminabstimmung „{poll.title}“: {len(options)} Termine, {len(persons)} Eingeladene",
    )
    for inv in poll.invitees:
        _send(inv, "einladung")
    return poll


def _invitee_persons(user, committee, members: bool, person_ids, errors: dict) -> list[Person]:
    day = utcnow().date()
    found: dict[int, Person] = {}
    if members:
        q = select(Membership).where(Membership.committee_id == committee.id).options(joinedload(Membership.person))
        for m in db.session.scalars(q).unique():
            if m.is_active_on(day) and m.person.email:
                found.setdefault(m.person_id, m.person)
    ids = {int(i) for i in person_ids or ()}
    if ids:
        visible = {
            p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids), perm.person_filter(user)))
        }
        if set(visible) != ids:
            errors["person_ids"] = "Diese Auswahl enthält Personen, die Sie nicht einladen können."
        missing_mail = [p.full_name for p in visible.values() if not p.email]
        if missing_mail:
            errors["person_ids"] = "Ohne E-Mail-Adresse: " + ", ".join(sorted(missing_mail)) + "."
        for p in visible.values():
            found.setdefault(p.id, p)
    if not found and "person_ids" not in errors:
        errors["person_ids"] = (
            "Niemand eingeladen: Das Gremium hat keine Mitglieder mit E-Mail-Adresse; bitte Personen auswählen."
        )
    if len(found) > MAX_INVITEES:
        errors["person_ids"] = f"Höchstens {MAX_INVITEES} Eingeladene je Abstimmung."
    return sorted(found.values(), key=lambda p: (p.last_name, p.first_name))


# --- mail ---------------------------------------------------------------------------


def _option_lines(poll: DatePoll) -> list[str]:
    return [f"  – {date_de(o.start)}, {time_de(o.start)} bis {time_de(o.end)}" for o in poll.options]


def _send(inv: DatePollInvitee, kind: str) -> None:
    poll = inv.poll
    c = poll.committee
    subject = {
        "einladung": f"Terminabstimmung: {poll.title}",
        "erinnerung": f"Erinnerung: Terminabstimmung {poll.title}",
    }[kind]
    intro = {
        "einladung": f"für „{poll.title}“ ({c.name}) suchen wir einen gemeinsamen Termin.",
        "erinnerung": f"Sie haben bei der Terminabstimmung „{poll.title}“ ({c.name}) noch nicht geantwortet.",
    }[kind]
    parts = [f"Guten Tag {inv.person.full_name},", "", intro, ""]
    if poll.description:
        parts += [poll.description, ""]
    parts += ["Zur Auswahl stehen:", *_option_lines(poll), ""]
    if poll.location:
        parts += [f"Ort: {poll.location}", ""]
    parts += [
        f"Bitte antworten Sie bis {datetime_de(poll.deadline)} über Ihren persönlichen Link "
        "(ohne Anmeldung) – je Termin ja, wenn nötig oder nein:",
        answer_url(inv),
        "",
        "Sobald der Termin feststeht, erhalten Sie die Einladung mit Kalendereintrag.",
        "",
        "Mit freundlichen Grüßen",
        f"Sozialplanung {c.body.name}",
    ]
    queue(inv.person.email, subject, "\n".join(parts), category=f"terminabstimmung-{kind}")


# --- answering (no account) -----------------------------------------------------------


def invitee_for_token(token: str) -> DatePollInvitee:
    if not token or len(token) > 100:
        raise NotFound("Dieser Abstimmungs-Link ist ungültig.")
    inv = db.session.scalar(
        select(DatePollInvitee)
        .where(DatePollInvitee.token_hash == token_hash(token))
        .options(
            joinedload(DatePollInvitee.poll).joinedload(DatePoll.committee),
            joinedload(DatePollInvitee.person),
            selectinload(DatePollInvitee.answers),
        )
    )
    if inv is None or not hmac.compare_digest(poll_token(inv.poll_id, inv.person_id), token):
        raise NotFound("Dieser Abstimmungs-Link ist ungültig. Bitte verwenden Sie den Link aus der Mail.")
    return inv


def closed_message(poll: DatePoll) -> str | None:
    """Why no answer is possible any more (None while the poll is open)."""
    if poll.status == PollStatus.ENTSCHIEDEN:
        o = poll.chosen_option
        when = f" auf den {date_de(o.start)}, {time_de(o.start)}" if o else ""
        return f"Die Abstimmung ist beendet: Der Termin wurde{when} festgelegt. Eine Antwort ist nicht mehr möglich."
    if utcnow() >= poll.deadline:
        return (
            f"Die Antwortfrist ist am {datetime_de(poll.deadline)} abgelaufen. "
            "Ihre Antwort kann nicht mehr berücksichtigt werden; bitte wenden Sie sich an die Planung."
        )
    return None


def answer(token: str, values: dict[int, str], comment: str | None = None) -> DatePollInvitee:
    """Store one invitee's answers: values maps option id → ja / wenn_noetig / nein (every option)."""
    inv = invitee_for_token(token)
    poll = inv.poll
    message = closed_message(poll)
    if message:
        raise PollClosed(message)
    allowed = {v.value for v in PollAnswerValue}
    errors = {}
    for o in poll.options:
        if values.get(o.id) not in allowed:
            errors[f"option_{o.id}"] = (
                f"Bitte für den {date_de(o.start)}, {time_de(o.start)} ja, wenn nötig oder nein wählen."
            )
    if set(values) - {o.id for o in poll.options}:
        errors["options"] = "Die Antwort enthält einen unbekannten Termin."
    if comment and len(comment) > 500:
        errors["comment"] = "Die Anmerkung ist zu lang (höchstens 500 Zeichen)."
    if errors:
        raise ValidationError(errors)
    before = {"answers": {a.option_id: a.value for a in inv.answers}}
    by_option = {a.option_id: a for a in inv.answers}
    for o in poll.options:
        if o.id in by_option:
            by_option[o.id].value = values[o.id]
        else:
            inv.answers.append(DatePollAnswer(option_id=o.id, value=values[o.id]))
    inv.comment = (comment or "").strip() or None
    inv.answered_at = utcnow()
    db.session.flush()
    record(
        None,
        "answer",
        inv,
        before,
        {"answers": {o.id: values[o.id] for o in poll.options}},
        f"{inv.person.full_name} hat bei „{poll.title}“ abgestimmt",
    )
    return inv


# --- reminders ------------------------------------------------------------------------


def remind(user, poll: DatePoll) -> int:
    """Erinnerung to invitees without an answer (at most once in 24 hours); 0 once the poll is closed."""
    if user is not None:
        require(wperm.can_manage_poll(user, poll))
    if not poll.is_open:
        return 0
    now = utcnow()
    n = 0
    for inv in invitees_of(poll):
        if inv.answered_at is not None or (inv.reminded_at and now - inv.reminded_at < REMIND_EVERY):
            continue
        _send(inv, "erinnerung")
        inv.reminded_at = now
        n += 1
    if n:
        record(
            user,
            "remind",
            poll,
            None,
            {"count": n},
            f"Terminabstimmung „{poll.title}“: {anzahl(n, 'Erinnerung', 'Erinnerungen')}",
        )
    return n


def remind_due() -> int:
    """For `flask werkstatt erinnern`: every open poll before its deadline."""
    polls = db.session.scalars(
        select(DatePoll)
        .where(DatePoll.status == PollStatus.OFFEN.value, DatePoll.deadline > utcnow())
        .options(joinedload(DatePoll.committee))
    )
    return sum(remind(None, p) for p in polls)


# --- deciding -------------------------------------------------------------------------


def decide(user, poll: DatePoll, option_id, version) -> Meeting:
    """Pick a date: the planned meeting is moved to it (or a new meeting is created), then the poll's
    invitees are invited with the usual invitation (.ics, answer link); those already invited to a
    moved meeting get the update."""
    from ..gremien import einladungen as inv_svc
    from ..gremien import sitzungen as committee_svc

    require(wperm.can_manage_poll(user, poll))
    ensure_version(poll, version)
    if poll.status != PollStatus.OFFEN:
        raise ValidationError("Für diese Abstimmung wurde der Termin bereits festgelegt.")
    try:
        option = next(o for o in poll.options if o.id == int(option_id))
    except (StopIteration, TypeError, ValueError):
        raise ValidationError({"option_id": "Bitte einen der vorgeschlagenen Termine wählen."}) from None
    if option.start <= utcnow():
        raise ValidationError({"option_id": "Dieser Termin liegt in der Vergangenheit; bitte einen anderen wählen."})
    before = snapshot(poll)
    meeting = poll.meeting
    if meeting is not None and meeting.status in PLANNABLE_MEETING_STATES + ("eingeladen",):
        changed = committee_svc.update_meeting(
            user,
            meeting,
            {"start": option.start, "end": option.end, **({"location": poll.location} if poll.location else {})},
            meeting.version,
        )
        if changed and meeting.status == "eingeladen":
            inv_svc.send_updates(user, meeting)
    else:
        meeting = committee_svc.create_meetings(
            user,
            poll.committee,
            {
                "title": poll.title,
                "start": option.start,
                "end": option.end,
                "location": poll.location,
                "goals": poll.description,
            },
        )[0]
        db.session.flush()
        poll.meeting = meeting
    person_ids = [i.person_id for i in poll.invitees]
    to_invite, _without, _already = inv_svc.candidates(meeting, person_ids=person_ids)
    rows = [r for r in to_invite if r[0].id in set(person_ids)]
    if rows:
        inv_svc.invite(user, meeting, rows, len(rows))
    poll.status = PollStatus.ENTSCHIEDEN.value
    poll.chosen_option_id = option.id
    try:
        db.session.flush()
    except StaleDataError:  # somebody picked a date at the same moment: the database decides
        raise Conflict(
            "Inzwischen hat jemand anderes einen Termin festgelegt. Bitte laden Sie die Seite neu."
        ) from None
    record(
        user,
        "decide",
        poll,
        before,
        snapshot(poll),
        f"Terminabstimmung „{poll.title}“: Termin {date_de(option.start)}, {time_de(option.start)} festgelegt",
    )
    return meeting
