"""Vorlagen für politische Gremien (OParl Paper).

A Beschluss or an Empfehlung that a Gremium addressed to a political body „zur Beschlussfassung“
becomes a Vorlage: a reference number (BV/2026/0001), a title, the text, the chain behind it (where
the topic came from), a PDF (main file) and a DOCX. Published Vorlagen are public (page and API).
The political outcome is kept where it always was (ProtocolEntry.political_*), entered by hand
in the protocol or imported from the council's OParl endpoint (services.oparl.council).
Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date

from flask import render_template
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.formatting import date_de, to_berlin
from beteiligung.permissions import oparl as perm
from beteiligung.services import NotFound, ValidationError, audit, ensure_version, require
from models import TopicProposal, utcnow
from models.oparl import Paper, PaperConsultation, PaperFile, PaperState, PaperType, PoliticalOutcome
from models.protocols import ProtocolEntry

ORIGIN_DEPTH = 4


def paper_type_for(entry: ProtocolEntry) -> PaperType:
    return PaperType.BESCHLUSSVORLAGE if entry.kind == "Beschluss" else PaperType.EMPFEHLUNG


def next_reference(ptype: PaperType, year: int) -> str:
    prefix = f"{ptype.prefix}/{year}/"
    last = db.session.scalar(select(func.max(Paper.reference)).where(Paper.reference.like(prefix + "%")))
    number = int(last.rsplit("/", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _entry_label(entry: ProtocolEntry) -> str:
    m = entry.protocol.meeting
    item = entry.agenda_item
    where = f", TOP {item.number}: {item.title}" if item is not None else ""
    return f"{entry.kind} der {m.committee.name} vom {date_de(m.start)}{where}"


def origin_chain(entry: ProtocolEntry) -> list[str]:
    """Where the topic came from, oldest step first: forwarded Empfehlungen of other Gremien,
    survey findings and other Themenspeicher entries placed on the TOP, then the entry itself."""
    steps: list[str] = [_entry_label(entry)]
    item = entry.agenda_item
    seen: set[int] = {entry.id}
    for _ in range(ORIGIN_DEPTH):
        if item is None:
            break
        topics = list(
            db.session.scalars(
                select(TopicProposal).where(TopicProposal.agenda_item_id == item.id).order_by(TopicProposal.id)
            )
        )
        next_item = None
        for t in topics:
            if t.source_type == "protokolleintrag" and t.source_id and t.source_id not in seen:
                src = db.session.get(ProtocolEntry, t.source_id)
                if src is not None:
                    seen.add(src.id)
                    steps.append(_entry_label(src) + f" (weitergeleitet als „{t.title}“)")
                    next_item = src.agenda_item
                    continue
            if t.source_type == "befund":
                steps.append(f"Befund einer Befragung: {t.source_label or t.title}")
            else:
                steps.append(f"Themenspeicher: {t.title}" + (f" ({t.source_label})" if t.source_label else ""))
        item = next_item
    return list(reversed(steps))


def create_paper(user, entry: ProtocolEntry, name: str | None = None, text: str | None = None) -> Paper:
    require(perm.can_prepare_paper(user, entry))
    existing = db.session.scalar(select(Paper).where(Paper.protocol_entry_id == entry.id))
    if existing is not None:
        raise ValidationError({"entry": f"Zu diesem Eintrag gibt es bereits die Vorlage {existing.reference}."})
    ptype = paper_type_for(entry)
    today = to_berlin(utcnow()).date()
    item = entry.agenda_item
    default_name = item.title if item is not None else entry.text[:120]
    p = Paper(
        body_id=entry.protocol.meeting.committee.body_id,
        protocol_entry_id=entry.id,
        reference=next_reference(ptype, today.year),
        paper_type=ptype.value,
        name=(name or default_name).strip()[:300],
        paper_date=today,
        text=(text or entry.text).strip(),
        origin="\n".join(origin_chain(entry)),
        addressee_org_id=entry.addressee_org_id,
        state=PaperState.ENTWURF.value,
        created_by_id=getattr(user, "id", None),
    )
    _check(p)
    p.consultations = [
        PaperConsultation(
            position=1,
            agenda_item_id=entry.agenda_item_id,
            authoritative=False,
            role="Vorberatung" if entry.kind == "Empfehlung" else "Beschluss der Sozialplanung",
        ),
        PaperConsultation(position=2, agenda_item_id=None, authoritative=True, role="Entscheidung"),
    ]
    db.session.add(p)
    db.session.flush()
    audit.record(user, "create", p, None, audit.snapshot(p), f"Vorlage {p.reference} angelegt")
    return p


def _check(p: Paper) -> None:
    errors = {}
    if not (p.name or "").strip():
        errors["name"] = "Bitte einen Titel angeben."
    elif len(p.name) > 300:
        errors["name"] = "Der Titel darf höchstens 300 Zeichen lang sein."
    if not (p.text or "").strip():
        errors["text"] = "Bitte den Beschlusstext angeben."
    if errors:
        raise ValidationError(errors)


def update_paper(user, paper: Paper, name: str, text: str, version) -> Paper:
    require(perm.can_manage_paper(user, paper))
    ensure_version(paper, version)
    if paper.state != PaperState.ENTWURF:
        raise ValidationError(
            {"name": "Eine veröffentlichte Vorlage lässt sich nicht mehr ändern; ziehen Sie sie zuerst zurück."}
        )
    before = audit.snapshot(paper)
    paper.name, paper.text = (name or "").strip(), (text or "").strip()
    _check(paper)
    db.session.flush()
    audit.record(user, "update", paper, before, audit.snapshot(paper), f"Vorlage {paper.reference} geändert")
    return paper


def publish_paper(user, paper: Paper, version) -> Paper:
    """Render PDF and DOCX, store them with their checksums, make the Vorlage public."""
    require(perm.can_manage_paper(user, paper))
    ensure_version(paper, version)
    if paper.state == PaperState.VEROEFFENTLICHT:
        raise ValidationError({"state": "Die Vorlage ist bereits veröffentlicht."})
    before = audit.snapshot(paper)
    paper.files.clear()
    db.session.flush()
    text = paper_text(paper)
    base = paper.reference.replace("/", "-")
    paper.files.append(
        _file(paper, True, f"Vorlage {paper.reference}", f"{base}.pdf", "application/pdf", paper_pdf(paper), text)
    )
    paper.files.append(
        _file(
            paper,
            False,
            f"Vorlage {paper.reference} (Word)",
            f"{base}.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            paper_docx(paper),
            None,
        )
    )
    paper.state = PaperState.VEROEFFENTLICHT.value
    paper.published_at = utcnow()
    db.session.flush()
    audit.record(user, "update", paper, before, audit.snapshot(paper), f"Vorlage {paper.reference} veröffentlicht")
    return paper


def withdraw_paper(user, paper: Paper, version) -> Paper:
    require(perm.can_manage_paper(user, paper))
    ensure_version(paper, version)
    if paper.state != PaperState.VEROEFFENTLICHT:
        raise ValidationError({"state": "Die Vorlage ist nicht veröffentlicht."})
    before = audit.snapshot(paper)
    paper.state = PaperState.ENTWURF.value
    paper.published_at = None
    db.session.flush()
    audit.record(user, "update", paper, before, audit.snapshot(paper), f"Vorlage {paper.reference} zurückgezogen")
    return paper


def _file(paper, is_main, name, file_name, mime, data: bytes, text) -> PaperFile:
    return PaperFile(
        is_main=is_main,
        name=name,
        file_name=file_name,
        mime_type=mime,
        size=len(data),
        sha1=hashlib.sha1(data).hexdigest(),
        sha512=hashlib.sha512(data).hexdigest(),
        text=text,
        data=data,
    )


def paper_text(paper: Paper) -> str:
    lines = [f"{paper.paper_type} {paper.reference} vom {date_de(paper.paper_date)}", paper.name, "", paper.text]
    if paper.addressee_org is not None:
        lines += ["", f"Vorgelegt an: {paper.addressee_org.name} (zur Beschlussfassung)"]
    if paper.origin:
        lines += ["", "Wie es dazu kam:"] + [f"- {s}" for s in paper.origin.splitlines()]
    return "\n".join(lines)


def paper_pdf(paper: Paper) -> bytes:
    from weasyprint import HTML

    html = render_template("oparl/vorlage_pdf.html", p=paper, origin=(paper.origin or "").splitlines())
    return HTML(string=html).write_pdf()


def paper_docx(paper: Paper) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    doc.core_properties.title = f"{paper.paper_type} {paper.reference}"
    doc.core_properties.language = "de-DE"
    doc.add_paragraph(f"Sozialplanung {paper.body.name}")
    doc.add_heading(f"{paper.paper_type} {paper.reference}", level=1)
    doc.add_paragraph(f"Datum: {date_de(paper.paper_date)}")
    if paper.addressee_org is not None:
        doc.add_paragraph(f"An: {paper.addressee_org.name} – zur Beschlussfassung")
    doc.add_heading(paper.name, level=2)
    for para in paper.text.split("\n\n"):
        doc.add_paragraph(para.strip())
    if paper.origin:
        doc.add_heading("Wie es dazu kam", level=2)
        for step in paper.origin.splitlines():
            doc.add_paragraph(step, style="List Number")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def get_paper(user, paper_id: int) -> Paper:
    p = db.session.get(Paper, paper_id)
    if p is None or not perm.can_view_paper(user, p):
        raise NotFound("Diese Vorlage gibt es nicht.")
    return p


def get_public_file(file_id: int) -> PaperFile:
    f = db.session.get(PaperFile, file_id)
    if f is None or not perm.is_public_paper(f.paper):
        raise NotFound("Diese Datei gibt es nicht.")
    return f


def candidate_entries(user) -> list[ProtocolEntry]:
    """Entries „zur Beschlussfassung“ this user may turn into a Vorlage and that have none yet."""
    from sqlalchemy.orm import joinedload

    from models import Committee, Meeting
    from models.protocols import Protocol

    rows = (
        db.session.scalars(
            select(ProtocolEntry)
            .join(Protocol, Protocol.id == ProtocolEntry.protocol_id)
            .join(Meeting, Meeting.id == Protocol.meeting_id)
            .join(Committee, Committee.id == Meeting.committee_id)
            .where(
                ProtocolEntry.for_resolution.is_(True),
                ProtocolEntry.addressee_org_id.is_not(None),
                ProtocolEntry.kind.in_(("Beschluss", "Empfehlung")),
                ~select(Paper.id).where(Paper.protocol_entry_id == ProtocolEntry.id).exists(),
            )
            .options(
                joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee),
                joinedload(ProtocolEntry.agenda_item),
                joinedload(ProtocolEntry.addressee_org),
            )
            .order_by(ProtocolEntry.id)
        )
        .unique()
        .all()
    )
    return [e for e in rows if perm.can_prepare_paper(user, e)]


def record_outcome(user, paper: Paper, outcome: str, day: date, note: str | None, source: str) -> bool:
    """Record the political body's decision on the Vorlage's protocol entry.
    Returns False when exactly this outcome is already recorded (idempotent)."""
    if outcome not in {o.value for o in PoliticalOutcome}:
        raise ValidationError({"political_outcome": f"Unbekanntes Ergebnis: {outcome}"})
    entry = paper.protocol_entry
    if entry is None:
        raise ValidationError(
            {"political_outcome": "Die Vorlage hat keinen Beschluss mehr, an dem das Ergebnis stehen könnte."}
        )
    if entry.political_outcome == outcome and entry.political_date == day:
        return False
    before = audit.snapshot(entry)
    entry.political_outcome, entry.political_date = outcome, day
    entry.political_note = (note or "").strip()[:500] or None
    db.session.flush()
    audit.record(
        user,
        "update",
        entry,
        before,
        audit.snapshot(entry),
        f"Politische Entscheidung zu {paper.reference}: {outcome} ({source})",
    )
    return True
