"""Stellungnahmeverfahren: a planner sends a draft to chosen organisations with a deadline; their
partner representatives submit a statement (text and an optional file); reminders before the
deadline; the planner records how each statement was taken up; a final PDF with the statements."""

from __future__ import annotations

import io
import os
import secrets
from datetime import date, timedelta

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import NotFound, ValidationError, ensure_version, require
from beteiligung.services.audit import record, snapshot
from beteiligung.services.kontrakte.anhaenge import ALLOWED_UPLOADS, MAX_UPLOAD_BYTES
from models import ROLE_PARTNER, Organisation, RoleAssignment, User, utcnow
from models.planung import Consultation, ConsultationParticipant, Statement, Uptake

REMIND_DAYS_BEFORE = 3


def check_upload(filename: str, data: bytes, field: str = "file") -> tuple[str, str, str]:
    """The contracts module's upload rules (types, size, content matches the extension)."""
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    ext = os.path.splitext(name)[1].lower()
    if not name or ext not in ALLOWED_UPLOADS:
        raise ValidationError({field: "Erlaubt sind PDF, PNG, JPG, DOCX, XLSX, ODT und ODS."})
    if not data:
        raise ValidationError({field: "Die Datei ist leer."})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({field: "Die Datei ist zu groß (höchstens 10 MB)."})
    content_type, magic = ALLOWED_UPLOADS[ext]
    if not data.startswith(magic):
        raise ValidationError({field: "Der Inhalt passt nicht zur Dateiendung."})
    return name[:200], ext, content_type


def _store(data: bytes, ext: str) -> str:
    """Into the storage all servers share (database or directory, services/betrieb/storage.py)."""
    from beteiligung.services.betrieb import storage

    stored = secrets.token_hex(16) + ext
    storage.save(f"planung/{stored}", data)
    return stored


def file_data(stored_name: str) -> bytes | None:
    from beteiligung.services.betrieb import storage

    return storage.load(f"planung/{stored_name}")


def get_consultation(user, consultation_id: int) -> Consultation:
    c = db.session.scalar(
        select(Consultation)
        .where(Consultation.id == consultation_id)
        .options(
            joinedload(Consultation.body),
            selectinload(Consultation.participants).joinedload(ConsultationParticipant.organisation),
            selectinload(Consultation.statements).joinedload(Statement.organisation),
        )
    )
    if c is None or not pperm.can_view_consultation(user, c):
        raise NotFound("Dieses Stellungnahmeverfahren gibt es nicht oder Sie dürfen es nicht sehen.")
    return c


def list_consultations(user) -> list[Consultation]:
    return list(
        db.session.scalars(
            select(Consultation)
            .where(pperm.consultation_filter(user))
            .options(selectinload(Consultation.participants), selectinload(Consultation.statements))
            .order_by(Consultation.deadline.desc(), Consultation.id.desc())
        ).unique()
    )


def deadline_passed(consultation: Consultation, today: date | None = None) -> bool:
    return (today or date.today()) > consultation.deadline


def create_consultation(user, values: dict, filename: str, data: bytes, today: date | None = None) -> Consultation:
    require(pperm.can_create_consultation(user))
    today = today or date.today()
    errors = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Bitte einen Titel angeben."
    elif len(title) > 300:
        errors["title"] = "Der Titel ist zu lang (höchstens 300 Zeichen)."
    body_id = values.get("body_id")
    if not pperm.can_create_consultation(user, body_id):
        errors["body_id"] = "In dieser Körperschaft dürfen Sie keine Stellungnahmen einholen."
    deadline = values.get("deadline")
    if deadline is None:
        errors["deadline"] = "Bitte eine Frist angeben."
    elif deadline < today:
        errors["deadline"] = "Die Frist darf nicht in der Vergangenheit liegen."
    orgs = list(
        db.session.scalars(
            select(Organisation).where(
                Organisation.id.in_(values.get("organisation_ids") or [0]), perm.organisation_filter(user)
            )
        )
    )
    if not orgs:
        errors["organisation_ids"] = "Bitte mindestens eine Organisation wählen."
    description = (values.get("description") or "").strip()
    if len(description) > 20000:
        errors["description"] = "Zu lang (höchstens 20.000 Zeichen)."
    try:
        name, ext, content_type = check_upload(filename, data, "file")
    except ValidationError as exc:
        errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    c = Consultation(
        body_id=body_id,
        title=title,
        description=description or None,
        deadline=deadline,
        process_id=values.get("process_id") or None,
        draft_filename=name,
        draft_content_type=content_type,
        draft_size=len(data),
        draft_stored_name=_store(data, ext),
        created_by_id=getattr(user, "id", None),
    )
    c.participants = [ConsultationParticipant(organisation=o) for o in orgs]
    db.session.add(c)
    db.session.flush()
    record(user, "create", c, None, snapshot(c), f"Stellungnahmeverfahren angelegt: {title}")
    return c


def _partner_users(org_ids) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(
                RoleAssignment.role == ROLE_PARTNER,
                RoleAssignment.organisation_id.in_(org_ids or [0]),
                User.is_enabled.is_(True),
            )
            .distinct()
            .order_by(User.id)
        )
    )


def _url(c: Consultation) -> str:
    return f"{current_app.config.get('BASE_URL', '').rstrip('/')}/planung/stellungnahmen/{c.id}"


def send(user, c: Consultation, version) -> int:
    """Open the consultation and mail the representatives of every invited organisation (outbox)."""
    from beteiligung.services.mail import queue

    require(pperm.can_manage_consultation(user, c))
    ensure_version(c, version)
    if c.sent_at is not None:
        raise ValidationError("Die Unterlagen wurden bereits versandt.")
    if deadline_passed(c):
        raise ValidationError("Die Frist ist bereits abgelaufen; bitte ein neues Verfahren mit neuer Frist anlegen.")
    before = snapshot(c)
    c.sent_at = utcnow()
    n = 0
    for u in _partner_users([p.organisation_id for p in c.participants]):
        queue(
            u.email,
            f"Bitte um Stellungnahme: {c.title}",
            f"Guten Tag {u.display_name},\n\nder {c.body.name} bittet Ihre Organisation um eine Stellungnahme "
            f"zu „{c.title}“ bis zum {c.deadline:%d.%m.%Y}.\n\nDen Entwurf und das Formular finden Sie nach der "
            f"Anmeldung hier:\n{_url(c)}\n",
            category="planung",
        )
        n += 1
    db.session.flush()
    record(user, "send", c, before, snapshot(c), f"Stellungnahmen angefragt: {c.title} ({n} Mails)")
    return n


LATE_MESSAGE = (
    "Die Frist für Stellungnahmen ist am {deadline} abgelaufen. Eine Stellungnahme kann nicht mehr "
    "abgegeben werden; bitte wenden Sie sich direkt an die Sozialplanung."
)


def submit_statement(
    user,
    c: Consultation,
    organisation_id,
    text: str,
    filename: str | None = None,
    data: bytes | None = None,
    today: date | None = None,
) -> Statement:
    require(pperm.can_submit_statement(user, c))
    orgs = pperm.consultation_org_ids(user, c)
    try:
        organisation_id = int(organisation_id) if organisation_id else (min(orgs) if len(orgs) == 1 else None)
    except (TypeError, ValueError):
        organisation_id = None
    if organisation_id not in orgs:
        raise ValidationError({"organisation_id": "Bitte die Organisation wählen, für die Sie Stellung nehmen."})
    if deadline_passed(c, today):
        raise ValidationError({"text": LATE_MESSAGE.format(deadline=c.deadline.strftime("%d.%m.%Y"))})
    text = (text or "").strip()
    errors = {}
    if not text:
        errors["text"] = "Bitte schreiben Sie Ihre Stellungnahme."
    elif len(text) > 50000:
        errors["text"] = "Die Stellungnahme ist zu lang (höchstens 50.000 Zeichen)."
    upload = None
    if data:
        try:
            upload = check_upload(filename, data, "file")
        except ValidationError as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationError(errors)
    st = next((s for s in c.statements if s.organisation_id == organisation_id), None)
    before = snapshot(st) if st is not None else None
    if st is None:
        st = Statement(consultation=c, organisation_id=organisation_id, text=text, submitted_at=utcnow())
        db.session.add(st)
    st.text, st.submitted_at, st.submitted_by_id = text, utcnow(), getattr(user, "id", None)
    if upload is not None:
        name, ext, content_type = upload
        st.filename, st.content_type, st.size, st.stored_name = name, content_type, len(data), _store(data, ext)
    db.session.flush()
    record(user, "submit", st, before, snapshot(st), f"Stellungnahme: {c.title}")
    return st


def set_uptake(user, st: Statement, uptake: str, note: str | None, version) -> Statement:
    require(pperm.can_manage_consultation(user, st.consultation))
    ensure_version(st, version)
    if uptake not in {u.value for u in Uptake}:
        raise ValidationError({"uptake": "Bitte wählen, wie die Stellungnahme berücksichtigt wurde."})
    note = (note or "").strip()
    if len(note) > 20000:
        raise ValidationError({"uptake_note": "Zu lang (höchstens 20.000 Zeichen)."})
    before = snapshot(st)
    st.uptake, st.uptake_note = uptake, note or None
    db.session.flush()
    record(user, "update", st, before, snapshot(st), f"Stellungnahme bewertet: {Uptake(uptake).label}")
    return st


def remind(today: date | None = None, days_before: int = REMIND_DAYS_BEFORE) -> int:
    """Remind invited organisations without a statement, once, in the last days before the deadline."""
    from beteiligung.services.mail import queue

    today = today or date.today()
    consultations = db.session.scalars(
        select(Consultation)
        .where(
            Consultation.sent_at.is_not(None),
            Consultation.deadline >= today,
            Consultation.deadline <= today + timedelta(days=days_before),
        )
        .options(selectinload(Consultation.participants), selectinload(Consultation.statements))
    )
    n = 0
    for c in consultations:
        answered = {s.organisation_id for s in c.statements}
        for p in c.participants:
            if p.organisation_id in answered or p.reminded_at is not None:
                continue
            for u in _partner_users([p.organisation_id]):
                queue(
                    u.email,
                    f"Erinnerung: Stellungnahme zu „{c.title}“ bis {c.deadline:%d.%m.%Y}",
                    f"Guten Tag {u.display_name},\n\ndie Frist für Ihre Stellungnahme zu „{c.title}“ endet am "
                    f"{c.deadline:%d.%m.%Y}. Danach können keine Stellungnahmen mehr abgegeben werden.\n\n{_url(c)}\n",
                    category="planung",
                )
                n += 1
            p.reminded_at = utcnow()
    db.session.flush()
    return n


def final_pdf(user, c: Consultation) -> bytes:
    """The draft (if it is a PDF) followed by every statement and its PDF annex, in one document."""
    require(pperm.can_manage_consultation(user, c))
    from pypdf import PdfReader, PdfWriter
    from weasyprint import HTML

    def no_fetch(url, *args, **kwargs):
        raise ValueError(f"Externe Ressource nicht erlaubt: {url}")

    statements = sorted(c.statements, key=lambda s: s.organisation.name)
    html = render_template(
        "planung/consultation_pdf.html",
        c=c,
        statements=statements,
        answered={s.organisation_id for s in statements},
        Uptake=Uptake,
        today=date.today(),
    )
    writer = PdfWriter()
    parts = []
    if c.draft_content_type == "application/pdf":
        parts.append(file_data(c.draft_stored_name) or b"")
    parts.append(HTML(string=html, url_fetcher=no_fetch).write_pdf())
    parts += [
        file_data(s.stored_name) or b"" for s in statements if s.stored_name and s.content_type == "application/pdf"
    ]
    for blob in parts:
        try:
            writer.append(PdfReader(io.BytesIO(blob)))
        except Exception:  # a damaged annex must not break the document; it is listed by name anyway
            continue
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def overview(c: Consultation) -> list[tuple[ConsultationParticipant, Statement | None]]:
    by_org = {s.organisation_id: s for s in c.statements}
    return [(p, by_org.get(p.organisation_id)) for p in sorted(c.participants, key=lambda p: p.organisation.name)]
