"""CSV/XLSX import of Stammdaten with a per-row report; all rows or none are written.

Each row is validated with the same form class the edit page uses, so the
rules (and German messages) are the same in the browser and in a file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import Area, Body, Organisation, Person, Term

from .. import ValidationError, require
from . import pflege as svc

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024


@dataclass
class RowResult:
    line: int
    label: str
    errors: list[str] = field(default_factory=list)


@dataclass
class ImportReport:
    kind: str
    rows: list[RowResult] = field(default_factory=list)
    written: int = 0
    file_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.file_error is None and all(not r.errors for r in self.rows) and bool(self.rows)

    @property
    def error_count(self) -> int:
        return sum(1 for r in self.rows if r.errors)


def read_table(filename: str, data: bytes) -> list[dict]:
    """Rows of a CSV (UTF-8 or Windows-1252, ';' or ',') or XLSX file as dicts of stripped strings."""
    if len(data) > MAX_BYTES:
        raise ValidationError("Die Datei ist zu groß (höchstens 5 MB).")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        try:
            from openpyxl import load_workbook  # here: openpyxl costs about 0.3 s CPU in every app process

            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception:
            raise ValidationError("Die Datei ist keine lesbare XLSX-Datei.") from None
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        try:
            header = [str(h or "").strip() for h in next(it)]
        except StopIteration:
            raise ValidationError("Die Datei ist leer.") from None
        rows = []
        for values in it:
            if values is None or all(v in (None, "") for v in values):
                rows.append(None)
                continue
            rows.append({header[i]: _cell_text(v) for i, v in enumerate(values) if i < len(header) and header[i]})
        return rows
    if not name.endswith(".csv"):
        raise ValidationError("Bitte eine CSV- oder XLSX-Datei hochladen.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError(
            "Die Zeichenkodierung der Datei ist unbekannt (bitte als UTF-8 oder Windows-1252 speichern)."
        )
    if "\x00" in text:
        raise ValidationError("Die Datei enthält Binärdaten und ist keine CSV-Datei.")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise ValidationError("Die Datei ist leer.") from None
    rows = []
    for values in reader:
        if not any(v.strip() for v in values):
            rows.append(None)
            continue
        row = {header[i]: v.strip() for i, v in enumerate(values) if i < len(header) and header[i]}
        if len(values) > len(header):
            row["__extra__"] = "1"
        rows.append(row)
    return rows


def load_rows(report: ImportReport, filename: str, data: bytes, required) -> list | None:
    """Read an import file; on a problem with the file as a whole set report.file_error and return None."""
    try:
        rows = read_table(filename, data)
    except ValidationError as exc:
        report.file_error = exc.message
        return None
    if len(rows) > MAX_ROWS:
        report.file_error = f"Zu viele Zeilen (höchstens {MAX_ROWS})."
        return None
    if not any(rows):
        report.file_error = "Die Datei enthält keine Datenzeilen."
        return None
    present = {k for r in rows if r for k in r}
    missing = [c for c in required if c not in present]
    if missing:
        report.file_error = "Es fehlen Spalten: " + ", ".join(missing) + "."
        return None
    return rows


def _cell_text(value) -> str:
    from datetime import date, datetime

    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _de_date(text: str) -> str:
    """Accept 21.11.2026 as well as 2026-11-21 (what the form's DateField parses)."""
    parts = text.split(".")
    if len(parts) == 3 and all(p.isdigit() for p in parts):
        d, m, y = parts
        return f"{y.zfill(4)}-{m.zfill(2)}-{d.zfill(2)}"
    return text


# Column headings (German, as in the export) -> form field; resolvers turn names into ids.
SPECS = {
    "organisationen": {
        "label": "Organisationen",
        "columns": {
            "Name": "name",
            "Kurzname": "short_name",
            "Art": "kind",
            "Straße": "street",
            "PLZ": "postcode",
            "Ort": "city",
            "E-Mail": "email",
            "Telefon": "phone",
            "Website": "website",
            "Beschreibung": "description",
        },
        "required": ["Name", "Art"],
    },
    "personen": {
        "label": "Personen",
        "columns": {
            "Vorname": "first_name",
            "Nachname": "last_name",
            "Funktion": "function",
            "E-Mail": "email",
            "Telefon": "phone",
            "Einwilligung am": "consent_date",
            "Zweck": "consent_purpose",
        },
        "required": ["Vorname", "Nachname"],
    },
    "sozialraeume": {
        "label": "Sozialräume",
        "columns": {
            "Kennung": "code",
            "Name": "name",
            "Ebene": "kind",
            "Einwohnerzahl": "population",
            "Gültig ab": "valid_from",
            "Gültig bis": "valid_to",
        },
        "required": ["Kennung", "Name"],
        "defaults": {"kind": "Sozialraum"},
    },
}


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


def run_import(user, kind: str, body: Body, filename: str, data: bytes, *, commit: bool) -> ImportReport:
    """Validate every row; if all are valid and commit is set, write them in one transaction."""
    from views.stammdaten.forms import AreaForm, OrganisationForm, PersonForm

    require(perm.can_import_masterdata(user))
    allowed = perm.writable_body_ids(user)
    require(allowed is None or body.id in allowed, "In diese Körperschaft dürfen Sie nicht importieren.")
    spec = SPECS.get(kind)
    if spec is None:
        raise ValidationError("Unbekannte Importart.")
    report = ImportReport(kind=spec["label"])
    rows = load_rows(report, filename, data, spec["required"])
    if rows is None:
        return report

    areas = {a.code.lower(): a for a in db.session.scalars(select(Area).where(Area.body_id == body.id))}
    terms = {(t.vocabulary, t.name.lower()): t for t in db.session.scalars(select(Term))}
    orgs = {o.name.lower(): o for o in db.session.scalars(select(Organisation).where(Organisation.body_id == body.id))}
    seen_keys: dict[str, int] = {}
    prepared = []
    for index, row in enumerate(rows, start=2):
        if row is None:
            continue
        label = (
            row.get("Name")
            or " ".join(filter(None, [row.get("Vorname"), row.get("Nachname")]))
            or row.get("Kennung")
            or "–"
        )
        result = RowResult(line=index, label=label[:80])
        report.rows.append(result)
        if row.get("__extra__"):
            result.errors.append(
                "Mehr Werte als Spalten (Trennzeichen im Text? Dann bitte in Anführungszeichen setzen)."
            )
        formdata = MultiDict()
        for heading, fieldname in spec["columns"].items():
            value = row.get(heading, "")
            if fieldname in ("valid_from", "valid_to", "consent_date"):
                value = _de_date(value)
            if not value and fieldname in spec.get("defaults", {}):
                value = spec["defaults"][fieldname]
            formdata[fieldname] = value
        formdata["body_id"] = str(body.id)
        values: dict = {}
        if kind == "organisationen":
            form = OrganisationForm(formdata=formdata, meta={"csrf": False})
            form.body_id.choices = [(body.id, body.name)]
            form.parent_id.choices = [(None, "")]
            form.areas.choices, form.terms.choices = [], []
            linked_areas, linked_terms = [], []
            for code in _split(row.get("Sozialräume", "")):
                if code.lower() in areas:
                    linked_areas.append(areas[code.lower()])
                else:
                    result.errors.append(f"Sozialräume: „{code}“ gibt es in {body.name} nicht.")
            for column, vocabulary in (("Handlungsfelder", "handlungsfeld"), ("Zielgruppen", "zielgruppe")):
                for name in _split(row.get(column, "")):
                    term = terms.get((vocabulary, name.lower()))
                    if term is None:
                        result.errors.append(f"{column}: „{name}“ ist nicht in der Liste.")
                    else:
                        linked_terms.append(term)
            values = {"areas": linked_areas, "terms": linked_terms, "active": True}
            key = (row.get("Name") or "").lower()
        elif kind == "personen":
            form = PersonForm(formdata=formdata, meta={"csrf": False})
            form.body_id.choices = [(body.id, body.name)]
            form.organisation_id.choices = [(None, "")] + [(o.id, o.name) for o in orgs.values()]
            org_name = (row.get("Organisation") or "").strip()
            if org_name:
                org = orgs.get(org_name.lower())
                if org is None:
                    result.errors.append(f"Organisation: „{org_name}“ gibt es in {body.name} nicht.")
                else:
                    values["organisation_id"] = org.id
            consent = (row.get("Einwilligung") or "").strip().lower()
            values["consent_given"] = consent in ("ja", "j", "x", "1", "true")
            key = None
        else:
            form = AreaForm(formdata=formdata, meta={"csrf": False})
            form.body_id.choices = [(body.id, body.name)]
            form.parent_id.choices = [(None, "")]
            parent_code = (row.get("Übergeordnet") or "").strip()
            if parent_code:
                parent = areas.get(parent_code.lower())
                if parent is None:
                    result.errors.append(f"Übergeordnet: „{parent_code}“ gibt es nicht.")
                else:
                    values["parent_id"] = parent.id
            key = (row.get("Kennung") or "").lower()
        if not form.validate():
            for name, messages in form.errors.items():
                heading = next((h for h, f in spec["columns"].items() if f == name), name)
                for message in messages:
                    result.errors.append(f"{heading}: {message}")
        if key:
            if key in seen_keys:
                result.errors.append(f"Doppelt: derselbe Eintrag steht schon in Zeile {seen_keys[key]}.")
            seen_keys[key] = index
        for f in form:
            if f.name not in values and f.name not in (
                "csrf_token",
                "version",
                "areas",
                "terms",
                "parent_id",
                "organisation_id",
                "consent_given",
            ):
                values[f.name] = f.data
        prepared.append((result, values))

    model = {"organisationen": Organisation, "personen": Person, "sozialraeume": Area}[kind]
    # Domain rules (duplicates in the database) through the service, inside a savepoint-free dry run.
    for result, values in prepared:
        if result.errors:
            continue
        errors = svc._kind(model).check(values, None)
        for name, message in errors.items():
            result.errors.append(message)
    if not report.ok or not commit:
        return report  # the checks above wrote nothing
    for result, values in prepared:
        svc.create(user, model, values)
    db.session.flush()
    report.written = len(prepared)
    return report
