"""CSV and XLSX downloads, used by every module.

CSV: UTF-8 with BOM, ';' separated, German decimal comma, and cells that a
spreadsheet would run as a formula are prefixed with an apostrophe.
Rows come from a generator; both files are written while the view runs (spooled to disk when
large) and then streamed, so no database access happens after the request's unit of work.
"""

from __future__ import annotations

import csv
import io
import math
import re
import tempfile
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Response

from .formatting import clean_text, single_line, to_berlin

if TYPE_CHECKING:
    from openpyxl import Workbook

# openpyxl is imported where a workbook is written, not at the top (about 0.3 s CPU in every app process).
# The control characters XML 1.0 cannot carry – openpyxl's ILLEGAL_CHARACTERS_RE, which refuses them.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")

# Bytes of a download held in memory before the spool moves to an (unnamed, self-deleting) temp file.
SPOOL_MEMORY = 8 * 1024 * 1024
STREAM_BLOCK = 64 * 1024  # bytes per block of a streamed download
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "|", "%")


def guard_formula(value: str) -> str:
    if value and value.startswith(FORMULA_START):
        # Plain negative numbers stay numbers.
        if value[0] in "+-":
            try:
                float(value.replace(",", "."))
                return value
            except ValueError:
                pass
        return "'" + value
    return value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, datetime):
        return to_berlin(value).strftime("%d.%m.%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, (float, Decimal)):
        return str(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    return guard_formula(clean_text(value))


def _disposition(filename: str) -> str:
    filename = single_line(filename).replace('"', "'") or "download"
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"


def csv_lines(headers, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    yield "\ufeff"
    writer.writerow([csv_cell(str(h)) for h in headers])
    for row in rows:
        writer.writerow([csv_cell(v) for v in row])
        if buffer.tell() > 16384:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def spooled_response(filename: str, chunks, mimetype: str, content_type: str | None = None) -> Response:
    """A download of text or byte chunks, written out while the view runs (spooled to an unnamed,
    self-deleting temp file when large) and then streamed — not lazily after the view: once the
    request's unit of work has committed and its session is gone, rows that still load from the
    database (or permission checks on the expired current user) would fail mid-download. Memory
    stays at SPOOL_MEMORY however large the file; a client that stops reading leaves no file behind."""
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    for chunk in chunks:
        spool.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
    spool.seek(0)
    return Response(
        file_chunks(spool),
        mimetype=mimetype,
        headers={"Content-Disposition": _disposition(filename)},
        content_type=content_type,
    )


def streamed_response(filename: str, chunks, mimetype: str, content_type: str | None = None) -> Response:
    """A download written while it is sent: text or byte chunks, joined to blocks of STREAM_BLOCK bytes.
    Only for chunks that need neither the database nor the request (their rows were read in the view, as
    the network exports read the stored graph): no temp file, no spool in memory, however large the file.
    Exports that read the database while writing use `spooled_response`."""

    def blocks():
        parts, size = [], 0
        for chunk in chunks:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
            parts.append(data)
            size += len(data)
            if size >= STREAM_BLOCK:
                yield b"".join(parts)
                parts, size = [], 0
        if parts:
            yield b"".join(parts)

    return Response(
        blocks(), mimetype=mimetype, headers={"Content-Disposition": _disposition(filename)}, content_type=content_type
    )


def csv_response(filename: str, headers, rows) -> Response:
    return spooled_response(filename, csv_lines(headers, rows), "text/csv", "text/csv; charset=utf-8")


def xlsx_value(value):
    if isinstance(value, datetime):
        return to_berlin(value).replace(tzinfo=None)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        # no formula, and nothing XML cannot carry (openpyxl refuses control characters)
        return guard_formula(ILLEGAL_CHARACTERS_RE.sub("", clean_text(value)))
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def sheet_title(title) -> str:
    """A valid, unique-enough worksheet name: no []:*?/\\, at most 31 characters, never empty."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", single_line(title)).strip("' ")[:31].strip()
    return cleaned or "Tabelle"


def write_sheet(wb: Workbook, title: str, headers, rows) -> None:
    from openpyxl.cell import WriteOnlyCell

    ws = wb.create_sheet(title=sheet_title(title))
    ws.append([xlsx_value(str(h)) for h in headers])  # headers are stored values, too
    for row in rows:
        cells = []
        for v in row:
            v = xlsx_value(v)
            cell = WriteOnlyCell(ws, value=v)
            if isinstance(v, datetime):
                cell.number_format = "DD.MM.YYYY HH:MM"
            elif isinstance(v, date):
                cell.number_format = "DD.MM.YYYY"
            cells.append(cell)
        ws.append(cells)


def xlsx_file(sheets) -> tempfile.SpooledTemporaryFile:
    """sheets: iterable of (title, headers, rows). Returns a rewound file."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    for title, headers, rows in sheets:
        write_sheet(wb, title, headers, rows)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    wb.save(spool)
    spool.seek(0)
    return spool


def file_chunks(fh, size=65536):
    try:
        while chunk := fh.read(size):
            yield chunk
    finally:
        fh.close()


def xlsx_response(filename: str, title: str, headers, rows, extra_sheets=()) -> Response:
    spool = xlsx_file([(title, headers, rows), *extra_sheets])
    return Response(
        file_chunks(spool),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": _disposition(filename)},
    )
