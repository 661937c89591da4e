"""Einladungen: invite list, mails with a personal .ics, RSVP by token link, reminders,
updates and cancellations; public registrations for öffentliche Sitzungen.

The RSVP token is derived with HMAC from SECRET_KEY, meeting and person, so the same
link works in the invitation, every update and every reminder; only its SHA-256 hash
is stored (Invitation.token_hash). A database dump alone cannot answer for anybody.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import anzahl, date_de, time_de
from beteiligung.uow import durable
from models import Invitation, Meeting, Membership, Organisation, Person, utcnow
from models.committees import (
    HELD_MEETING_STATES,
    INVITABLE_MEETING_STATES,
    REGISTRATION_FIELDS,
    RSVP_ANSWERS,
    UPCOMING_MEETING_STATES,
    MeetingRegistration,
    MeetingStatus,
    RsvpStatus,
)

from .. import Conflict, NotFound, ServiceError, ValidationError, require
from ..audit import record, snapshot
from ..mail import queue
from .kalender import invitation_ics, single_publish_ics

RSVP_STATES = RSVP_ANSWERS
RSVP_LABELS = {k.value: k.label for k in RsvpStatus}


class TokenExpired(ServiceError):
    status = 400


def rsvp_token(meeting_id: int, person_id: int) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    digest = hmac.new(key, f"rsvp:{meeting_id}:{person_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def rsvp_url(inv: Invitation) -> str:
    token = rsvp_token(inv.meeting_id, inv.person_id)
    return external_url("oeffentlich.rsvp", token=token)


def external_url(endpoint: str, **values) -> str:
    """Absolute link for mails and feeds: BASE_URL + path (works without a request, e.g. in the CLI)."""
    base = current_app.config.get("BASE_URL", "").rstrip("/")
    path = current_app.url_map.bind("localhost").build(endpoint, values)
    return base + path


# --- invite list ---------------------------------------------------------------


def candidates(
    meeting: Meeting,
    *,
    circles=None,
    mandate_only=False,
    organisation_ids=None,
    area_ids=None,
    term_ids=None,
    person_ids=None,
    roles=None,
):
    """(person, organisation_id, role) for active members matching the filters, plus extra persons
    and the persons of users holding one of `roles` (platform roles, e.g. Sozialraummanagement,
    Politik) within the committee's Kreis.

    Returns (to_invite, without_email, already_invited).
    """
    c = meeting.committee
    day = meeting.start.date()
    q = (
        select(Membership)
        .where(Membership.committee_id == c.id)
        .options(
            joinedload(Membership.person),
            joinedload(Membership.organisation).selectinload(Organisation.areas),
            joinedload(Membership.organisation).selectinload(Organisation.terms),
        )
    )
    members = [m for m in db.session.scalars(q).unique() if m.is_active_on(day)]
    if circles:
        members = [m for m in members if m.circle in circles]
    if mandate_only:
        members = [m for m in members if m.has_mandate]
    if organisation_ids:
        members = [m for m in members if m.organisation_id in set(organisation_ids)]
    if area_ids:
        members = [m for m in members if m.organisation and {a.id for a in m.organisation.areas} & set(area_ids)]
    if term_ids:
        members = [m for m in members if m.organisation and {t.id for t in m.organisation.terms} & set(term_ids)]
    rows = {}
    for m in members:
        role = (
            "CHAIR"
            if (m.role or "").lower().startswith("vorsitz")
            else ("REQ-PARTICIPANT" if m.circle == "Kernkreis" else "OPT-PARTICIPANT")
        )
        rows.setdefault(m.person_id, (m.person, m.organisation_id, role))
    if person_ids:
        for p in db.session.scalars(select(Person).where(Person.id.in_(person_ids))):
            rows.setdefault(p.id, (p, p.organisation_id, "OPT-PARTICIPANT"))
    if roles:
        from beteiligung.permissions import _body_tree
        from models import RoleAssignment, User

        tree = _body_tree({c.body_id})
        q = (
            select(Person)
            .join(User, User.person_id == Person.id)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role.in_(roles), Person.body_id.in_(tree), User.is_enabled.is_(True))
        )
        for p in db.session.scalars(q).unique():
            rows.setdefault(p.id, (p, p.organisation_id, "OPT-PARTICIPANT"))
    invited = set(db.session.scalars(select(Invitation.person_id).where(Invitation.meeting_id == meeting.id)))
    to_invite, without_email, already = [], [], []
    for pid, row in sorted(rows.items(), key=lambda kv: (kv[1][0].last_name, kv[1][0].first_name)):
        if pid in invited:
            already.append(row)
        elif not row[0].email:
            without_email.append(row)
        else:
            to_invite.append(row)
    return to_invite, without_email, already


# --- mail texts -------------------------------------------------------------------


def _when(m: Meeting) -> str:
    return f"{date_de(m.start)}, {time_de(m.start)} bis {time_de(m.end)}"


def _agenda_text(m: Meeting) -> str:
    lines = []
    if m.goals:
        lines += ["Ziele der Sitzung:", m.goals.strip(), ""]
    lines.append("Tagesordnung:")
    if not m.agenda_items:
        lines.append("  (folgt)")
    for i in m.agenda_items:
        extra = []
        if i.duration_minutes:
            extra.append(f"{i.duration_minutes} Min.")
        if i.presenter:
            extra.append(i.presenter)
        if not i.is_public:
            extra.append("nicht öffentlich")
        lines.append(f"  TOP {i.number}: {i.title}" + (f" ({', '.join(extra)})" if extra else ""))
        if i.goal:
            lines.append(f"      Ziel: {i.goal}")
    return "\n".join(lines)


def _body(inv: Invitation, kind: str) -> tuple[str, str]:
    m = inv.meeting
    intro = {
        "einladung": f"hiermit laden wir Sie zur Sitzung „{m.title}“ des Gremiums {m.committee.name} ein.",
        "aktualisierung": f"die Sitzung „{m.title}“ des Gremiums {m.committee.name} wurde geändert. Bitte beachten Sie Zeit und Ort.",
        "tagesordnung": f"die Tagesordnung der Sitzung „{m.title}“ des Gremiums {m.committee.name} wurde geändert. Die aktuelle Fassung steht unten und in der beigefügten Einladung.",
        "erinnerung": f"wir erinnern an die Einladung zur Sitzung „{m.title}“ – bitte geben Sie uns Bescheid, ob Sie teilnehmen.",
        "absage": f"die Sitzung „{m.title}“ des Gremiums {m.committee.name} ist abgesagt.",
    }[kind]
    subject = {
        "einladung": f"Einladung: {m.title} am {date_de(m.start)}",
        "aktualisierung": f"Geändert: {m.title} am {date_de(m.start)}",
        "tagesordnung": f"Neue Tagesordnung: {m.title} am {date_de(m.start)}",
        "erinnerung": f"Erinnerung: {m.title} am {date_de(m.start)}",
        "absage": f"Abgesagt: {m.title} am {date_de(m.start)}",
    }[kind]
    parts = [f"Guten Tag {inv.person.full_name},", "", intro, "", f"Termin: {_when(m)}"]
    if m.location:
        parts.append(f"Ort: {m.location}")
    if m.online_url:
        parts.append(f"Online: {m.online_url}")
    if kind == "absage":
        if m.status_reason:
            parts += ["", f"Grund: {m.status_reason}"]
    else:
        roles = m.role_holders
        if roles:
            parts += [""] + [f"{label}: {v}" for label, v in roles]
        parts += [
            "",
            _agenda_text(m),
            "",
            "Bitte antworten Sie über diesen persönlichen Link (ohne Anmeldung) – Zusage, Absage, "
            "Vielleicht oder Vertretung:",
            rsvp_url(inv),
            "",
            "Der Termin ist als Kalendereintrag (einladung.ics) beigefügt; Ihr Kalenderprogramm zeigt "
            "dazu die Schaltflächen Annehmen/Ablehnen. Die Einladung mit Tagesordnung liegt als "
            "einladung.pdf bei.",
        ]
    parts += ["", "Mit freundlichen Grüßen", f"Sozialplanung {m.committee.body.name}"]
    return subject, "\n".join(parts)


def _invitation_pdf(meeting: Meeting) -> bytes:
    """The invitation with agenda as PDF, as invitees see it (all TOPs, like the .ics)."""
    from .dokumente import invitation_pdf

    return invitation_pdf(meeting, internal=True)


def _send(inv: Invitation, kind: str, pdf: bytes | None = None) -> None:
    """One mail: text, the personal .ics (inline and attached) and, for invitations and updates, the
    invitation PDF (pass pdf when sending to many: it is rendered once per meeting, not per invitee)."""
    method = "CANCEL" if kind == "absage" else "REQUEST"
    ics = invitation_ics(inv, method, "" if kind == "absage" else rsvp_url(inv))
    subject, body = _body(inv, kind)
    attachments = [
        (
            "einladung.ics" if method == "REQUEST" else "absage.ics",
            "text",
            "calendar",
            ics,
            {"method": method, "charset": "utf-8"},
        )
    ]
    if kind in ("einladung", "aktualisierung", "tagesordnung"):
        attachments.append(("einladung.pdf", "application", "pdf", pdf or _invitation_pdf(inv.meeting), {}))
    queue(inv.person.email, subject, body, category=f"sitzung-{kind}", attachments=attachments, calendar=(method, ics))
    inv.sent_sequence = inv.meeting.ical_sequence


def _load(meeting_id: int):
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.meeting_id == meeting_id)
            .options(joinedload(Invitation.person), joinedload(Invitation.deputy))
        ).unique()
    )


# --- actions --------------------------------------------------------------------------


def invite(user, meeting: Meeting, rows, confirmed_count: int | None) -> list[Invitation]:
    """Create invitations for rows (from candidates) and queue one mail each.

    confirmed_count must equal len(rows): the planner confirmed exactly this list.
    """
    require(perm.can_manage_meeting(user, meeting))
    if meeting.status not in INVITABLE_MEETING_STATES:
        raise ValidationError("Zu dieser Sitzung kann nicht (mehr) eingeladen werden.")
    if meeting.end < utcnow():
        raise ValidationError("Die Sitzung liegt in der Vergangenheit.")
    if not rows:
        raise ValidationError("Die Auswahl enthält niemanden, der noch eingeladen werden kann.")
    if confirmed_count is None or confirmed_count != len(rows):
        raise Conflict("Die Einladungsliste hat sich geändert. Bitte prüfen Sie die Zahl erneut und bestätigen Sie.")
    created = []
    now = utcnow()
    for person, org_id, role in rows:
        inv = Invitation(
            meeting=meeting,
            person=person,
            organisation_id=org_id,
            role=role,
            token_hash=token_hash(rsvp_token(meeting.id, person.id)),
            rsvp="offen",
            sent_at=now,
        )
        db.session.add(inv)
        created.append(inv)
    db.session.flush()
    pdf = _invitation_pdf(meeting)
    for inv in created:
        _send(inv, "einladung", pdf)
    if meeting.status in (MeetingStatus.GEPLANT, MeetingStatus.VERSCHOBEN):
        before = snapshot(meeting)
        meeting.status = MeetingStatus.EINGELADEN
        record(user, "status", meeting, before, snapshot(meeting), f"{meeting.title}: eingeladen")
    record(
        user,
        "invite",
        meeting,
        None,
        {"persons": [i.person_id for i in created]},
        f"{meeting.title}: {anzahl(len(created), 'Einladung', 'Einladungen')} versandt",
    )
    return created


def send_updates(user, meeting: Meeting, kind: str = "aktualisierung") -> int:
    """After a change of time or place (kind "aktualisierung") or of the agenda (kind "tagesordnung"):
    METHOD:REQUEST with the raised SEQUENCE and the current agenda to everyone invited."""
    require(perm.can_manage_meeting(user, meeting))
    n = 0
    pdf = None
    for inv in _load(meeting.id):
        if inv.sent_at is not None and inv.rsvp != RsvpStatus.ABGESAGT:
            pdf = pdf or _invitation_pdf(meeting)
            _send(inv, kind, pdf)
            n += 1
    if n:
        record(
            user,
            "update-sent",
            meeting,
            None,
            {"sequence": meeting.ical_sequence},
            f"{meeting.title}: {n} Aktualisierungen versandt",
        )
    return n


def cancel(user, meeting: Meeting, reason: str, version) -> int:
    """Absage: status abgesagt (with reason) and METHOD:CANCEL with the same UID to everyone invited."""
    from .sitzungen import set_status

    set_status(user, meeting, MeetingStatus.ABGESAGT, reason, version)
    n = 0
    for inv in _load(meeting.id):
        if inv.sent_at is not None:
            _send(inv, "absage")
            n += 1
    return n


def remind(user, meeting: Meeting, min_hours_between: int = 24) -> int:
    """Erinnerung to invitees who have not answered (at most once per min_hours_between)."""
    if user is not None:
        require(perm.can_manage_meeting(user, meeting))
    if meeting.status != MeetingStatus.EINGELADEN or meeting.start < utcnow():
        return 0
    now = utcnow()
    n = 0
    for inv in _load(meeting.id):
        if inv.rsvp != "offen" or inv.sent_at is None:
            continue
        if inv.reminded_at and now - inv.reminded_at < timedelta(hours=min_hours_between):
            continue
        _send(inv, "erinnerung")
        inv.reminded_at = now
        n += 1
    if n:
        record(
            user, "remind", meeting, None, {"count": n}, f"{meeting.title}: {anzahl(n, 'Erinnerung', 'Erinnerungen')}"
        )
    return n


def remind_due(days_ahead: int = 7) -> int:
    """For the CLI: remind non-responders of every invited meeting within days_ahead days."""
    now = utcnow()
    meetings = db.session.scalars(
        select(Meeting).where(
            Meeting.status == MeetingStatus.EINGELADEN,
            Meeting.start > now,
            Meeting.start <= now + timedelta(days=days_ahead),
        )
    )
    return sum(remind(None, m) for m in meetings)


def invitation_for_token(token: str) -> Invitation:
    if not token or len(token) > 100:
        raise NotFound("Dieser Antwort-Link ist ungültig.")
    inv = db.session.scalar(
        select(Invitation)
        .where(Invitation.token_hash == token_hash(token))
        .options(joinedload(Invitation.meeting).joinedload(Meeting.committee))
    )
    if inv is None or not hmac.compare_digest(rsvp_token(inv.meeting_id, inv.person_id), token):
        raise NotFound("Dieser Antwort-Link ist ungültig. Bitte verwenden Sie den Link aus der neuesten Einladung.")
    m = inv.meeting
    if m.status == MeetingStatus.ABGESAGT:
        raise TokenExpired("Diese Sitzung wurde abgesagt; eine Antwort ist nicht mehr nötig.")
    if m.end < utcnow() or m.status in HELD_MEETING_STATES:
        raise TokenExpired("Diese Sitzung hat bereits stattgefunden; der Antwort-Link ist abgelaufen.")
    return inv


def may_still_answer(inv: Invitation) -> bool:
    """The invitation went out and the meeting is still ahead and not cancelled: the invitee may
    answer (the meeting page then offers the personal answer link)."""
    m = inv.meeting
    return inv.sent_at is not None and m.status in ("geplant", "eingeladen", "verschoben") and m.end >= utcnow()


def answer(token: str, rsvp: str, deputy_id=None, comment: str | None = None) -> Invitation:
    inv = invitation_for_token(token)
    errors = {}
    if rsvp not in RSVP_STATES:
        errors["rsvp"] = "Bitte wählen Sie Zusage, Absage, Vielleicht oder Vertretung."
    deputy = None
    if rsvp == "vertreten":
        if not deputy_id:
            errors["deputy_id"] = "Bitte nennen Sie die Person, die Sie vertritt."
        else:
            deputy = db.session.get(Person, deputy_id)
            if deputy is None or deputy.id == inv.person_id or deputy not in deputy_choices(inv):
                errors["deputy_id"] = (
                    "Diese Vertretung ist nicht im System erfasst. Bitte wählen Sie eine Person aus der Liste."
                )
    if comment and len(comment) > 500:
        errors["comment"] = "Die Anmerkung ist zu lang (höchstens 500 Zeichen)."
    if errors:
        raise ValidationError(errors)
    return _record_answer(inv, rsvp, deputy, comment)


def _record_answer(inv: Invitation, rsvp: str, deputy: Person | None, comment: str | None, via: str = "") -> Invitation:
    """Store an answer (from the token link or a calendar reply); a named deputy gets an own invitation."""
    before = snapshot(inv)
    inv.rsvp = rsvp
    inv.deputy = deputy
    inv.comment = comment or None
    inv.answered_at = utcnow()
    record(None, "rsvp", inv, before, snapshot(inv), f"{inv.person.full_name}: {RSVP_STATES[rsvp]}{via}")
    if deputy is not None and deputy.email:
        # The deputy gets their own invitation with calendar entry and answer link.
        exists = db.session.scalar(
            select(Invitation.id).where(Invitation.meeting_id == inv.meeting_id, Invitation.person_id == deputy.id)
        )
        if not exists:
            sub = Invitation(
                meeting=inv.meeting,
                person=deputy,
                organisation_id=inv.organisation_id,
                role=inv.role,
                token_hash=token_hash(rsvp_token(inv.meeting_id, deputy.id)),
                rsvp="offen",
                sent_at=utcnow(),
                comment=f"Vertretung für {inv.person.full_name}",
            )
            db.session.add(sub)
            db.session.flush()
            _send(sub, "einladung")
    return inv


# --- answers from calendar clients (iTIP REPLY, RFC 5546) ----------------------------

PARTSTAT_TO_RSVP = {"ACCEPTED": "zugesagt", "DECLINED": "abgesagt", "TENTATIVE": "vielleicht", "DELEGATED": "vertreten"}


def _address(value) -> str:
    return str(value or "").strip().removeprefix("mailto:").removeprefix("MAILTO:").strip().lower()


def _calendar_parts(msg) -> list[bytes]:
    return [part.get_payload(decode=True) or b"" for part in msg.walk() if part.get_content_type() == "text/calendar"]


def apply_calendar_reply(raw: bytes) -> tuple[str, str]:
    """One incoming mail. Returns (outcome, text): outcome "übernommen", "ignoriert" or "abgelehnt".

    A reply counts only if its METHOD is REPLY, its UID is a meeting's (random, known only to the
    invitees), its single ATTENDEE is invited to that meeting and is also the mail's sender, and the
    meeting still lies ahead — the same limits as the answer link.
    """
    from email import message_from_bytes, policy
    from email.utils import parseaddr

    from icalendar import Calendar

    msg = message_from_bytes(raw, policy=policy.default)
    sender = parseaddr(str(msg.get("From", "")))[1].lower()
    parts = _calendar_parts(msg)
    if not parts:
        return "ignoriert", "keine Kalenderantwort (kein text/calendar)"
    for data in parts:  # the inline part and the attachment usually carry the same REPLY: the first counts
        try:
            cal = Calendar.from_ical(data)
        except ValueError:
            return "abgelehnt", "Kalenderdaten nicht lesbar"
        if str(cal.get("method", "")).upper() != "REPLY":
            continue
        for ev in cal.walk("VEVENT")[:1]:  # one meeting per invitation, one VEVENT per reply
            uid = str(ev.get("uid", ""))
            attendees = ev.get("attendee")
            attendees = attendees if isinstance(attendees, list) else [attendees] if attendees else []
            if len(attendees) != 1:
                return "abgelehnt", "eine Antwort muss genau eine teilnehmende Person nennen"
            att = attendees[0]
            email = _address(att)
            if not sender or sender != email:
                return "abgelehnt", f"Absender {sender or '–'} ist nicht die antwortende Person {email or '–'}"
            rsvp = PARTSTAT_TO_RSVP.get(str(att.params.get("PARTSTAT", "")).upper())
            if rsvp is None:
                return "ignoriert", f"keine Zusage/Absage ({att.params.get('PARTSTAT', '–')})"
            inv = db.session.scalar(
                select(Invitation)
                .join(Meeting, Meeting.id == Invitation.meeting_id)
                .join(Person, Person.id == Invitation.person_id)
                .where(Meeting.ical_uid == uid, func.lower(Person.email) == email)
                .options(joinedload(Invitation.meeting).joinedload(Meeting.committee), joinedload(Invitation.person))
            )
            if inv is None:
                return "abgelehnt", f"keine Einladung von {email} zu diesem Termin"
            m = inv.meeting
            if m.status == MeetingStatus.ABGESAGT or m.end < utcnow() or m.status in HELD_MEETING_STATES:
                return "ignoriert", f"„{m.title}“ ist abgesagt oder vorbei"
            deputy = None
            if rsvp == "vertreten":
                delegate = _address(att.params.get("DELEGATED-TO"))
                deputy = next((p for p in deputy_choices(inv) if (p.email or "").lower() == delegate), None)
                if deputy is None:
                    return "abgelehnt", (
                        f"Vertretung {delegate or '–'} ist nicht im System erfasst; "
                        "bitte über den Antwort-Link eine Person aus der Liste wählen"
                    )
            comment = str(ev.get("comment", "")).strip()[:500] or None
            _record_answer(inv, rsvp, deputy, comment, " (Antwort aus dem Kalender)")
            return "übernommen", f"{inv.person.full_name}: {RSVP_STATES[rsvp]} – {m.title}"
    return "ignoriert", "keine Kalenderantwort (METHOD ist nicht REPLY)"


def read_calendar_replies(maildir_path: str) -> dict[str, list[str]]:
    """Read unread mails of a Maildir (the MAIL_FROM mailbox), apply calendar replies, mark them read.

    Each mail is its own transaction: one bad mail does not stop the others, and a mail is marked
    read only after its answer is committed, so nothing is lost if the run breaks off.
    """
    import mailbox

    box = mailbox.Maildir(maildir_path, create=False)
    result: dict[str, list[str]] = {"übernommen": [], "ignoriert": [], "abgelehnt": []}
    for key in list(box.iterkeys()):
        message = box.get_message(key)
        if "S" in message.get_flags():
            continue
        try:
            with durable():  # this mail's answer is committed before the mail is marked read
                outcome, text = apply_calendar_reply(message.as_bytes())
        except Exception as exc:  # a broken mail must not stop the run; it stays unread for a look
            result["abgelehnt"].append(f"{key}: nicht verarbeitet ({type(exc).__name__})")
            continue
        result[outcome].append(text)
        message.set_subdir("cur")
        message.add_flag("S")
        box[key] = message
    return result


def deputy_choices(inv: Invitation) -> list[Person]:
    """Who may be named as deputy: persons of the invitee's organisation and the committee's members
    (the planning office adds anybody else as a person first)."""
    from sqlalchemy import or_

    org_ids = {inv.organisation_id, inv.person.organisation_id} - {None}
    members = select(Membership.person_id).where(Membership.committee_id == inv.meeting.committee_id)
    conds = [Person.id.in_(members)]
    if org_ids:
        conds.append(Person.organisation_id.in_(org_ids))
    q = (
        select(Person)
        .where(Person.id != inv.person_id, or_(*conds))
        .order_by(Person.last_name, Person.first_name)
        .limit(300)
    )
    return list(db.session.scalars(q))


def summary(meeting: Meeting) -> dict:
    """Answers per RSVP state, counted in SQL (a long invitation list is not loaded for the numbers)."""
    counts = dict.fromkeys(RSVP_LABELS, 0)
    counts.update(
        db.session.execute(
            select(Invitation.rsvp, func.count()).where(Invitation.meeting_id == meeting.id).group_by(Invitation.rsvp)
        ).all()
    )
    return counts


def invitations_page_ids(meeting: Meeting):
    """The invitations of a meeting as a SELECT of ids in list order (by name), for a page-first list."""
    return (
        select(Invitation.id)
        .join(Person, Person.id == Invitation.person_id)
        .where(Invitation.meeting_id == meeting.id)
        .order_by(Person.last_name, Person.first_name, Invitation.id)
    )


def load_invitations(ids):
    return (
        select(Invitation)
        .where(Invitation.id.in_(ids))
        .options(joinedload(Invitation.person), joinedload(Invitation.deputy), joinedload(Invitation.organisation))
    )


def meeting_invitations(meeting: Meeting) -> list[Invitation]:
    if not hasattr(meeting, "_invitations_cache"):
        meeting._invitations_cache = list(
            db.session.scalars(
                select(Invitation)
                .where(Invitation.meeting_id == meeting.id)
                .options(
                    joinedload(Invitation.person), joinedload(Invitation.deputy), joinedload(Invitation.organisation)
                )
            ).unique()
        )
        meeting._invitations_cache.sort(key=lambda i: (i.person.last_name, i.person.first_name))
    return meeting._invitations_cache


# --- public registration -----------------------------------------------------------


def registration_count(meeting: Meeting) -> int:
    from sqlalchemy import func

    return (
        db.session.scalar(
            select(func.count()).select_from(MeetingRegistration).where(MeetingRegistration.meeting_id == meeting.id)
        )
        or 0
    )


def register_public(meeting: Meeting, values: dict) -> MeetingRegistration:
    if not (meeting.is_public and meeting.committee.is_public and meeting.registration_open):
        raise NotFound()
    if meeting.status not in UPCOMING_MEETING_STATES or meeting.start < utcnow():
        raise ValidationError("Für diese Sitzung ist keine Anmeldung mehr möglich.")
    errors = {}
    name = (values.get("name") or "").strip()
    email = (values.get("email") or "").strip()
    if not name:
        errors["name"] = "Bitte geben Sie Ihren Namen an."
    if not email or "@" not in email or len(email) > 254:
        errors["email"] = "Bitte geben Sie eine gültige E-Mail-Adresse an."
    if errors:
        raise ValidationError(errors)
    if db.session.scalar(
        select(MeetingRegistration.id).where(
            MeetingRegistration.meeting_id == meeting.id, MeetingRegistration.email == email.lower()
        )
    ):
        raise ValidationError({"email": "Mit dieser E-Mail-Adresse ist bereits eine Anmeldung eingegangen."})
    # lock-free capacity check inside the transaction; a row lock on PostgreSQL keeps it exact
    db.session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    if meeting.capacity is not None and registration_count(meeting) >= meeting.capacity:
        raise ValidationError("Leider sind alle Plätze vergeben.")
    allowed = [f for f in (meeting.registration_fields or "").split(",") if f in REGISTRATION_FIELDS]
    reg = MeetingRegistration(
        meeting_id=meeting.id, name=name, email=email.lower(), **{f: (values.get(f) or None) for f in allowed}
    )
    db.session.add(reg)
    ics = single_publish_ics(meeting, public_only=True, extra="Sie sind angemeldet.")
    lines = [
        f"Guten Tag {name},",
        "",
        f"vielen Dank für Ihre Anmeldung zur öffentlichen Sitzung „{meeting.title}“.",
        "",
        f"Termin: {_when(meeting)}",
    ]
    if meeting.location:
        lines.append(f"Ort: {meeting.location}")
    items = [i for i in meeting.agenda_items if i.is_public]
    if items:
        lines += ["", "Tagesordnung:"] + [f"  TOP {n}: {i.title}" for n, i in enumerate(items, 1)]
    lines += [
        "",
        "Den Termin finden Sie im Anhang (termin.ics) für Ihren Kalender.",
        "",
        "Mit freundlichen Grüßen",
        f"Sozialraummanagement / Sozialplanung {meeting.committee.body.name}",
    ]
    queue(
        email,
        f"Anmeldung bestätigt: {meeting.title} am {date_de(meeting.start)}",
        "\n".join(lines),
        attachments=[("termin.ics", "text", "calendar", ics, {"method": "PUBLISH", "charset": "utf-8"})],
        category="sitzung-anmeldung",
    )
    return reg


def purge_registrations(days_after: int | None = None) -> int:
    """DSGVO: delete citizens' registrations of meetings that ended more than days_after days ago
    (default: RETENTION_REGISTRATION_DAYS, see services.retention)."""
    from ..retention import purge

    return purge("anmeldungen", days_after)
