"""Protokolle als PDF und DOCX (Kontext für die Druckvorlagen, Kurzfassung, Einzelheiten je Eintrag)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from beteiligung.extensions import db
from beteiligung.formatting import anzahl, to_berlin
from models import (
    AgendaItem,
    Meeting,
    TopicProposal,
    utcnow,
)
from models.protocols import (
    FOLLOWUP_KINDS,
    Attendance,
    EntryKind,
    ProtocolEntry,
)

from .. import ValidationError
from .anwesenheit import attendance_summary, quorum_state
from .eintraege import _person_name, agenda_label, get_protocol

# --- outputs ----------------------------------------------------------------------


def protocol_context(meeting: Meeting, internal: bool = True) -> dict:
    """internal=False (readers who may not see non-public TOPs): entries of non-public TOPs and
    those TOPs themselves are left out."""
    protocol = get_protocol(meeting)
    entries = []
    if protocol is not None:
        entries = (
            db.session.scalars(
                select(ProtocolEntry)
                .where(ProtocolEntry.protocol_id == protocol.id)
                .options(
                    joinedload(ProtocolEntry.owner_person),
                    joinedload(ProtocolEntry.owner_org),
                    joinedload(ProtocolEntry.addressee_org),
                    joinedload(ProtocolEntry.agenda_item),
                    joinedload(ProtocolEntry.forwarded_topic)
                    .joinedload(TopicProposal.agenda_item)
                    .joinedload(AgendaItem.meeting)
                    .joinedload(Meeting.committee),
                    joinedload(ProtocolEntry.forwarded_topic).joinedload(TopicProposal.committee),
                )
                .order_by(ProtocolEntry.position)
            )
            .unique()
            .all()
        )
    items = list(meeting.agenda_items)
    if not internal:
        items = [i for i in items if i.is_public]
        entries = [e for e in entries if e.agenda_item is None or e.agenda_item.is_public]
    by_item = defaultdict(list)
    for e in entries:
        by_item[e.agenda_item_id].append(e)
    sections = [(None, by_item.get(None, []))] if by_item.get(None) else []
    sections += [(item, by_item.get(item.id, [])) for item in items]
    attendance = db.session.scalars(
        select(Attendance)
        .where(Attendance.meeting_id == meeting.id)
        .options(joinedload(Attendance.person), joinedload(Attendance.organisation), joinedload(Attendance.deputy))
    ).all()
    attendance = sorted(attendance, key=lambda a: (a.person.last_name, a.person.first_name))
    summary = attendance_summary([meeting.id])[meeting.id]
    roles = {r.role: r for r in meeting.protocol_roles}
    return {
        "meeting": meeting,
        "protocol": protocol,
        "entries": entries,
        "sections": sections,
        "attendance": attendance,
        "summary": summary,
        "quorum": quorum_state(meeting, summary),
        "roles": roles,
        "decisions": [e for e in entries if e.kind == EntryKind.BESCHLUSS],
        # a Sozialraumkonferenz decides nothing; it recommends (the Kurzfassung lists both)
        "recommendations": [e for e in entries if e.kind == EntryKind.EMPFEHLUNG],
        "tasks": [e for e in entries if e.kind == EntryKind.AUFGABE],
        "agenda_label": agenda_label,
        "person_name": _person_name,
        "generated": utcnow(),
    }


def protocol_pdf(meeting: Meeting, short: bool = False, internal: bool = True) -> bytes:
    from flask import render_template
    from weasyprint import HTML

    html = render_template(
        "protokolle/print_short.html" if short else "protokolle/print.html", **protocol_context(meeting, internal)
    )
    from ..betrieb.pdf import pdf_options

    return HTML(string=html).write_pdf(**pdf_options())


def protocol_docx(meeting: Meeting, internal: bool = True) -> bytes:
    import io

    from docx import Document

    ctx = protocol_context(meeting, internal)
    protocol = ctx["protocol"]
    doc = Document()
    doc.add_heading(f"Ergebnisprotokoll: {meeting.title}", level=0)
    doc.add_paragraph(
        f"{meeting.committee.name} · {to_berlin(meeting.start).strftime('%d.%m.%Y, %H:%M Uhr')}"
        + (f" · {meeting.location}" if meeting.location else "")
    )
    if protocol is not None:
        doc.add_paragraph(f"Status: {protocol.status_label} (Fassung {protocol.edition})")
    for role, r in ctx["roles"].items():
        doc.add_paragraph(f"{r.label}: {r.holder}")
    doc.add_heading("Anwesenheit", level=1)
    s = ctx["summary"]
    doc.add_paragraph(f"anwesend {s['anwesend']}, entschuldigt {s['entschuldigt']}, abwesend {s['abwesend']}")
    if ctx["quorum"]:
        q = ctx["quorum"]
        doc.add_paragraph(
            f"Beschlussfähigkeit: {anzahl(q['present'], 'Mitglied', 'Mitglieder')} anwesend, {q['needed']} nötig – "
            + ("beschlussfähig" if q["reached"] else "nicht beschlussfähig")
        )
    if ctx["attendance"]:
        table = doc.add_table(rows=1, cols=4)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["Name", "Organisation", "Status", "Vertretung"]):
            cell.text = text
        for a in ctx["attendance"]:
            cells = table.add_row().cells
            cells[0].text = _person_name(a.person)
            cells[1].text = a.organisation.name if a.organisation else ""
            cells[2].text = a.status
            cells[3].text = _person_name(a.deputy)
    for item, entries in ctx["sections"]:
        doc.add_heading(f"{agenda_label(item)}: {item.title}" if item else "Allgemein", level=1)
        if not entries:
            doc.add_paragraph("Keine Einträge.")
        for e in entries:
            p = doc.add_paragraph()
            p.add_run(f"{e.kind}: ").bold = True
            p.add_run(e.text)
            details = _entry_details(e)
            if details:
                doc.add_paragraph(details)
    doc.add_heading("Beschlüsse", level=1)
    for e in ctx["decisions"]:
        doc.add_paragraph(f"{agenda_label(e.agenda_item)}: {e.text} – {_entry_details(e)}", style="List Bullet")
    if not ctx["decisions"]:
        doc.add_paragraph("Keine Beschlüsse.")
    doc.add_heading("Aufgaben", level=1)
    for e in ctx["tasks"]:
        doc.add_paragraph(f"{e.text} – {_entry_details(e)}", style="List Bullet")
    if not ctx["tasks"]:
        doc.add_paragraph("Keine Aufgaben.")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _entry_details(e: ProtocolEntry) -> str:
    parts = []
    if e.kind == EntryKind.BESCHLUSS:
        parts.append(e.votes_label)
        parts.append("verbindlich" if e.binding else "nicht verbindlich")
        if e.addressee_org is not None:
            parts.append(f"Adressat: {e.addressee_org.name}" + (" (zur Beschlussfassung)" if e.for_resolution else ""))
        if e.political_outcome:
            parts.append(f"politische Entscheidung am {e.political_date.strftime('%d.%m.%Y')}: {e.political_outcome}")
    if e.kind in FOLLOWUP_KINDS:
        if e.owner_label:
            parts.append(f"verantwortlich: {e.owner_label}")
        if e.due_date:
            parts.append(f"fällig am {e.due_date.strftime('%d.%m.%Y')}")
        if e.status:
            parts.append(f"Stand: {e.status}")
    return ", ".join(p for p in parts if p)


def entry_details(e: ProtocolEntry) -> str:
    return _entry_details(e)


def parse_date(value) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(str(value).strip(), fmt).date()
        except ValueError:
            continue
    raise ValidationError("Ungültiges Datum.")
