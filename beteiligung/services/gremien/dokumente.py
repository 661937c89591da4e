"""Sitzungsdokumente: the invitation with agenda as PDF (WeasyPrint) and DOCX (python-docx, editable in
Word), and the documents uploaded to TOPs (checked by extension and content, kept in the storage)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from flask import render_template

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import date_de, time_de
from models import AgendaItem, Meeting

from .. import ValidationError, require
from ..audit import record, snapshot
from .tagesordnung import _editable_agenda

if TYPE_CHECKING:
    from models.committees import AgendaDocument


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
