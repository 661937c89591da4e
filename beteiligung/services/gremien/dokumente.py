"""Invitation with agenda as PDF (WeasyPrint) and DOCX (python-docx, editable in Word)."""

from __future__ import annotations

import io

from flask import render_template

from beteiligung.formatting import date_de, time_de
from models import Meeting


def _items(meeting: Meeting, internal: bool):
    return [i for i in meeting.agenda_items if internal or i.is_public]


def invitation_pdf(meeting: Meeting, internal: bool) -> bytes:
    from weasyprint import HTML

    html = render_template("gremien/einladung_pdf.html", m=meeting, items=_items(meeting, internal))
    return HTML(string=html).write_pdf()


def invitation_docx(meeting: Meeting, internal: bool) -> bytes:
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    c = meeting.committee
    doc.core_properties.title = f"Einladung {meeting.title}"
    doc.core_properties.language = "de-DE"
    doc.add_paragraph(f"Sozialplanung {c.body.name}")
    doc.add_heading(f"Einladung: {meeting.title}", level=1)
    doc.add_paragraph(f"Gremium: {c.name} ({c.type.name})")
    doc.add_paragraph(f"Termin: {date_de(meeting.start)}, {time_de(meeting.start)} bis {time_de(meeting.end)}")
    if meeting.location:
        doc.add_paragraph(f"Ort: {meeting.location}")
    if meeting.online_url:
        doc.add_paragraph(f"Online: {meeting.online_url}")
    for label, v in meeting.role_holders:
        doc.add_paragraph(f"{label}: {v}")
    if meeting.goals:
        doc.add_heading("Ziele der Sitzung", level=2)
        for line in meeting.goals.strip().splitlines():
            if line.strip():
                doc.add_paragraph(line.strip().lstrip("-* "), style="List Bullet" if line.strip()[:1] in "-*" else None)
    doc.add_heading("Tagesordnung", level=2)
    items = _items(meeting, internal)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    hdr = table.rows[0].cells
    for cell, text in zip(hdr, ("TOP", "Thema und Ziel", "Einbringung", "Dauer")):
        cell.text = text
    for i in items:
        row = table.add_row().cells
        row[0].text = str(i.number)
        row[1].text = (
            i.title + (f"\nZiel: {i.goal}" if i.goal else "") + ("" if i.is_public else "\n(nicht öffentlich)")
        )
        row[2].text = i.presenter or ""
        row[3].text = f"{i.duration_minutes} Min." if i.duration_minutes else ""
    if not items:
        doc.add_paragraph("Die Tagesordnung folgt.")
    doc.add_paragraph("")
    doc.add_paragraph(
        "Bitte geben Sie uns über den Link in Ihrer Einladungs-E-Mail Bescheid, ob Sie teilnehmen "
        "oder wer Sie vertritt."
    )
    doc.add_paragraph("Mit freundlichen Grüßen")
    doc.add_paragraph(f"Sozialplanung {c.body.name}")
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
