"""Anhänge an Kontrakten und Berichten: Hochladen, Löschen, Herunterladen."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import current_app

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models.contracts import (
    CLOSED_STATES,
    Attachment,
    Contract,
    Report,
)

from .. import Conflict, ValidationError, require
from ..audit import record
from ..betrieb import storage
from .berichte import report_closed_reason
from .vertraege import CLOSED_MESSAGE, Locked

# --- attachments ------------------------------------------------------------------

ALLOWED_UPLOADS = {
    ".pdf": ("application/pdf", b"%PDF-"),
    ".png": ("image/png", b"\x89PNG"),
    ".jpg": ("image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", b"PK\x03\x04"),
    ".odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", b"PK\x03\x04"),
}
MAX_UPLOAD_BYTES = 10 * 1024 * 1024


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "kontrakte"
    path.mkdir(parents=True, exist_ok=True)
    return path


def save_attachment(
    user,
    contract: Contract,
    filename: str,
    data: bytes,
    *,
    report: Report | None = None,
    description: str | None = None,
) -> Attachment:
    if report is not None:
        require(perm.can_submit_report(user, report))
        reason = report_closed_reason(report)
        if reason:
            raise Conflict(reason)
    else:
        require(perm.can_manage_contract(user, contract))
        if contract.status in CLOSED_STATES:
            raise Locked(CLOSED_MESSAGE)
    name = os.path.basename((filename or "").replace("\\", "/")).strip()
    ext = os.path.splitext(name)[1].lower()
    if not name or ext not in ALLOWED_UPLOADS:
        raise ValidationError({"file": "Erlaubt sind PDF, PNG, JPG, DOCX, XLSX, ODT und ODS."})
    if not data:
        raise ValidationError({"file": "Die Datei ist leer."})
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": "Die Datei ist zu groß (höchstens 10 MB)."})
    content_type, magic = ALLOWED_UPLOADS[ext]
    if not data.startswith(magic):
        raise ValidationError({"file": "Der Inhalt passt nicht zur Dateiendung."})
    stored = secrets.token_hex(16) + ext
    storage.save(f"kontrakte/{stored}", data)
    att = Attachment(
        contract=contract,
        report=report,
        filename=name[:200],
        stored_name=stored,
        content_type=content_type,
        size=len(data),
        description=description or None,
        uploaded_by_id=getattr(user, "id", None),
    )
    db.session.add(att)
    db.session.flush()
    record(
        user,
        "upload",
        contract,
        None,
        {"datei": att.filename, "bericht": report.id if report else None},
        f"Anhang: {att.filename}",
    )
    db.session.flush()  # a failure here or later in the request removes the stored file too (storage.py)
    return att


ATTACHMENT_KEPT_MESSAGE = (
    "Dieser Kontrakt ist unterzeichnet; seine Anhänge (z. B. das unterzeichnete PDF) "
    "bleiben erhalten und können nicht gelöscht werden."
)


def delete_attachment(user, att: Attachment) -> None:
    """Delete an attachment: contract files only while the contract is not signed (locked), report annexes
    only while the report is still editable. The file is removed after the commit."""
    require(perm.can_delete_attachment(user, att))
    contract = att.contract
    if att.report is not None:
        reason = report_closed_reason(att.report)
        if reason:
            raise Conflict(reason)
    elif contract.locked:
        raise Conflict(ATTACHMENT_KEPT_MESSAGE)
    stored = att.stored_name
    record(
        user,
        "delete_attachment",
        contract,
        {"datei": att.filename, "bericht": att.report_id, "groesse": att.size},
        None,
        f"Anhang gelöscht: {att.filename}",
    )
    db.session.delete(att)
    db.session.flush()
    storage.delete(f"kontrakte/{stored}")


def can_download(user, att: Attachment) -> bool:
    if att.report is not None:
        return perm.can_view_report(user, att.report)
    return perm.can_see_contract_drafts(user, att.contract)


def attachment_path(att: Attachment) -> Path:
    """Path in the directory backend (FILE_STORAGE=verzeichnis); attachment_data() works with both."""
    return upload_dir() / att.stored_name


def attachment_key(att: Attachment) -> str:
    return f"kontrakte/{att.stored_name}"


def attachment_data(att: Attachment) -> bytes | None:
    return storage.load(attachment_key(att))
