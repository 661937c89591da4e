"""Imports for the monitoring: areas, the indicator catalogue and values (long and wide format).

File reading and decoding (CSV in UTF-8 with/without BOM or Windows-1252, ';' or ',', XLSX) is the
shared `services.stammdaten.importe.read_table`. Every row is checked first; the report names each bad row;
nothing is written unless every row is valid (and then everything in the caller's one transaction).
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

from sqlalchemy import insert, select, update

from beteiligung.extensions import db
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import ValidationError
from beteiligung.services.audit import record, snapshot
from beteiligung.services.stammdaten.importe import ImportReport, RowResult, read_table
from models import AREA_KINDS, Area, Body, utcnow
from models.monitoring import Direction, StatIndicator, StatValue

from . import areas_of, check, parse_count, parse_date, parse_number
from .catalogue import catalogue_for, derive_value, validate_indicator

MAX_VALUE_ROWS = 200_000
MAX_ROWS = 20_000

AREA_COLUMNS = ["Kennung", "Name", "Ebene", "Übergeordnet", "Einwohnerzahl"]
CATALOGUE_COLUMNS = ["Schlüssel", "Name", "Einheit", "Richtung", "Quelle", "Mindestfallzahl"]
CATALOGUE_OPTIONAL = {
    "Definition": "definition",
    "Zähler": "numerator_label",
    "Nenner": "denominator_label",
    "Periodizität": "periodicity",
    "Ebene": "area_kind",
    "Lizenz": "licence_note",
    "Faktor": "rate_factor",
}
LONG_COLUMNS = ["Gebiet", "Indikator", "Stichtag", "Wert", "Zähler", "Nenner"]
# Columns of the edition export that a wide-format import reads past.
WIDE_IGNORED = {
    "name",
    "einwohnerzahl",
    "index",
    "index standardisiert",
    "klasse",
    "rang",
    "dynamik",
    "dynamikklasse",
    "gesamtklasse",
    "ausgeschlossen",
    "grund",
    "ebene",
}


def _load(report: ImportReport, filename: str, data: bytes, limit: int) -> list | None:
    try:
        rows = read_table(filename, data)
    except ValidationError as exc:
        report.file_error = exc.message
        return None
    if len(rows) > limit:
        report.file_error = f"Zu viele Zeilen (höchstens {limit:,}).".replace(",", ".")
        return None
    if not any(rows):
        report.file_error = "Die Datei enthält keine Datenzeilen."
        return None
    return rows


def _is_comment(row: dict) -> bool:
    first = next(iter(row.values()), "") if row else ""
    return str(first).startswith("#")


def _missing(report: ImportReport, rows, required) -> bool:
    present = {k for r in rows if r for k in r}
    missing = [c for c in required if c not in present]
    if missing:
        report.file_error = "Es fehlen Spalten: " + ", ".join(missing) + "."
        return True
    return False


def _audit_bulk(user, body: Body, kind: str, summary: str, after: dict) -> None:
    marker = SimpleNamespace(id=body.id, audit_type=kind)
    record(user, "import", marker, None, after, summary)


# --- areas ---------------------------------------------------------------------------------------------


def import_areas(user, body: Body, filename: str, data: bytes, *, commit: bool) -> ImportReport:
    """`Kennung;Name;Ebene;Übergeordnet;Einwohnerzahl`: new areas are created, known codes updated."""
    check(user, mperm.can_manage_monitoring(user, body))
    report = ImportReport(kind="Gebiete")
    rows = _load(report, filename, data, MAX_ROWS)
    if rows is None or _missing(report, rows, ["Kennung", "Name"]):
        return report
    existing = {a.code.lower(): a for a in db.session.scalars(select(Area).where(Area.body_id == body.id))}
    in_file: dict[str, int] = {}
    prepared = []
    for line, row in enumerate(rows, start=2):
        if row is None or _is_comment(row):
            continue
        code, name = row.get("Kennung", ""), row.get("Name", "")
        result = RowResult(line=line, label=f"{code} {name}".strip()[:80] or "–")
        report.rows.append(result)
        if row.get("__extra__"):
            result.errors.append("Mehr Werte als Spalten (Trennzeichen im Text? Dann bitte in Anführungszeichen).")
        if not code:
            result.errors.append("Kennung: Bitte angeben.")
        elif len(code) > 30:
            result.errors.append("Kennung: Höchstens 30 Zeichen.")
        elif code.lower() in in_file:
            result.errors.append(f"Doppelt: die Kennung „{code}“ steht schon in Zeile {in_file[code.lower()]}.")
        else:
            in_file[code.lower()] = line
        if not name:
            result.errors.append("Name: Bitte angeben.")
        kind = row.get("Ebene") or "Sozialraum"
        if kind not in AREA_KINDS:
            result.errors.append(f"Ebene: „{kind}“ ist keine bekannte Ebene ({', '.join(AREA_KINDS)}).")
        population = None
        try:
            population = parse_count(row.get("Einwohnerzahl", ""))
            if population is not None and (population < 0 or not float(population).is_integer()):
                result.errors.append("Einwohnerzahl: Muss eine ganze Zahl ab 0 sein (keine negative Einwohnerzahl).")
        except ValueError:
            result.errors.append(f"Einwohnerzahl: „{row.get('Einwohnerzahl')}“ ist keine Zahl.")
        prepared.append(
            (
                result,
                {
                    "code": code,
                    "name": name[:200],
                    "kind": kind,
                    "population": int(population) if population is not None else None,
                    "parent": (row.get("Übergeordnet") or "").strip(),
                },
            )
        )
    for result, values in prepared:
        parent = values["parent"]
        if parent and parent.lower() not in existing and parent.lower() not in in_file:
            result.errors.append(f"Übergeordnet: „{parent}“ gibt es in {body.name} nicht.")
        if parent and parent.lower() == values["code"].lower():
            result.errors.append("Übergeordnet: Ein Gebiet kann nicht sich selbst übergeordnet sein.")
    if not report.ok or not commit:
        return report
    created = updated = 0
    by_code = dict(existing)
    for result, values in prepared:
        area = by_code.get(values["code"].lower())
        if area is None:
            area = Area(
                body_id=body.id,
                code=values["code"],
                name=values["name"],
                kind=values["kind"],
                population=values["population"],
            )
            db.session.add(area)
            by_code[values["code"].lower()] = area
            created += 1
        else:
            before = snapshot(area)
            area.name, area.kind, area.population = values["name"], values["kind"], values["population"]
            values["_before"] = before
            updated += 1
    db.session.flush()
    for result, values in prepared:
        area = by_code[values["code"].lower()]
        area.parent_id = by_code[values["parent"].lower()].id if values["parent"] else None
    db.session.flush()
    for result, values in prepared:
        area = by_code[values["code"].lower()]
        record(user, "update" if "_before" in values else "create", area, values.get("_before"), snapshot(area))
    report.written = created + updated
    return report


# --- catalogue -------------------------------------------------------------------------------------------


def parse_direction(text: str) -> str | None:
    t = (text or "").strip().lower()
    if t in ("", "higher_worse", "-", "negativ") or "schlecht" in t or "bedarf" in t:
        return Direction.HIGHER_WORSE.value
    if t in ("higher_better", "+", "positiv") or "gut" in t or "besser" in t or "günstig" in t:
        return Direction.HIGHER_BETTER.value
    return None


def import_catalogue(user, body: Body, filename: str, data: bytes, *, commit: bool) -> ImportReport:
    """`Schlüssel;Name;Einheit;Richtung;Quelle;Mindestfallzahl` (+ optional columns): upsert by key."""
    check(user, mperm.can_manage_monitoring(user, body))
    report = ImportReport(kind="Indikatoren")
    rows = _load(report, filename, data, MAX_ROWS)
    if rows is None or _missing(report, rows, ["Schlüssel", "Name"]):
        return report
    existing = {i.key: i for i in db.session.scalars(select(StatIndicator).where(StatIndicator.body_id == body.id))}
    seen: dict[str, int] = {}
    prepared = []
    for line, row in enumerate(rows, start=2):
        if row is None or _is_comment(row):
            continue
        key = (row.get("Schlüssel") or "").strip().lower()
        result = RowResult(line=line, label=f"{key} {row.get('Name', '')}".strip()[:80] or "–")
        report.rows.append(result)
        direction = parse_direction(row.get("Richtung", ""))
        if direction is None:
            result.errors.append(
                f"Richtung: „{row.get('Richtung')}“ verstehe ich nicht "
                "(„höher ist schlechter“ oder „höher ist besser“)."
            )
        values = {
            "key": key,
            "name": row.get("Name"),
            "unit": row.get("Einheit"),
            "source": row.get("Quelle"),
            "direction": direction or Direction.HIGHER_WORSE.value,
        }
        mc = row.get("Mindestfallzahl", "")
        try:
            number = parse_number(mc)
            values["min_count"] = None if number is None else (int(number) if float(number).is_integer() else -1)
        except ValueError:
            values["min_count"] = "x"
        for column, fieldname in CATALOGUE_OPTIONAL.items():
            if row.get(column):
                values[fieldname] = row[column]
        if "rate_factor" in values:
            try:
                values["rate_factor"] = parse_number(values["rate_factor"])
            except ValueError:
                values["rate_factor"] = "x"
        if key in seen:
            result.errors.append(f"Doppelt: der Schlüssel „{key}“ steht schon in Zeile {seen[key]}.")
        elif key:
            seen[key] = line
        try:
            data_ok = validate_indicator(values, body.id, existing.get(key))
        except ValidationError as exc:
            labels = {
                "key": "Schlüssel",
                "name": "Name",
                "min_count": "Mindestfallzahl",
                "direction": "Richtung",
                "rate_factor": "Faktor",
            }
            for fieldname, message in exc.errors.items():
                result.errors.append(f"{labels.get(fieldname, fieldname)}: {message}")
            data_ok = None
        prepared.append((result, data_ok))
    if not report.ok or not commit:
        return report
    for result, values in prepared:
        indicator = existing.get(values["key"])
        if indicator is None:
            indicator = StatIndicator(body_id=body.id, **values)
            db.session.add(indicator)
            db.session.flush()
            record(user, "create", indicator, None, snapshot(indicator))
        else:
            before = snapshot(indicator)
            for k, v in values.items():
                setattr(indicator, k, v)
            db.session.flush()
            record(user, "update", indicator, before, snapshot(indicator))
    report.written = len(prepared)
    return report


# --- values ------------------------------------------------------------------------------------------------


def import_values(
    user, body: Body, filename: str, data: bytes, *, commit: bool, reference_date: date | None = None
) -> ImportReport:
    """Values in long format (`Gebiet;Indikator;Stichtag;Wert[;Zähler;Nenner]`) or wide format
    (`Gebiet;Stichtag;<Schlüssel>;<Schlüssel>…`, optionally `<Schlüssel> Zähler`/`<Schlüssel> Nenner`).
    `Kennung` is accepted for `Gebiet` (so an edition export reads back). A value already stored for the
    same area, indicator and Stichtag is corrected (frozen editions keep their numbers)."""
    check(user, mperm.can_manage_monitoring(user, body))
    report = ImportReport(kind="Werte")
    rows = _load(report, filename, data, MAX_VALUE_ROWS)
    if rows is None:
        return report
    present = {k for r in rows if r for k in r}
    area_col = "Gebiet" if "Gebiet" in present else ("Kennung" if "Kennung" in present else None)
    if area_col is None:
        report.file_error = "Es fehlt die Spalte Gebiet (Kennung des Gebiets)."
        return report
    long_format = "Indikator" in present
    if long_format and _missing(report, rows, ["Stichtag"]):
        return report
    if not long_format and "Stichtag" not in present and reference_date is None:
        report.file_error = "Es fehlt die Spalte Stichtag (oder geben Sie den Stichtag für die ganze Datei an)."
        return report

    areas = {a.code.lower(): a for a in areas_of(body)}
    writable = mperm.monitoring_body_ids(user) if user is not None else None
    catalogue = catalogue_for(body)
    bodies = {b.id: b.name for b in db.session.scalars(select(Body))}

    wide_columns: dict[str, tuple[StatIndicator, str | None, str | None]] = {}
    if not long_format:
        unknown = []
        for col in sorted(present):
            low = col.lower()
            if col in (area_col, "Stichtag", "__extra__") or low in WIDE_IGNORED or low.startswith("z "):
                continue
            if low.endswith(" zähler") or low.endswith(" nenner"):
                if low.rsplit(" ", 1)[0] not in catalogue:
                    unknown.append(col)
                continue
            ind = catalogue.get(low)
            if ind is None:
                unknown.append(col)
                continue
            num = next((c for c in present if c.lower() == f"{low} zähler"), None)
            den = next((c for c in present if c.lower() == f"{low} nenner"), None)
            wide_columns[col] = (ind, num, den)
        if unknown:
            report.file_error = (
                "Unbekannte Spalten (kein Indikator-Schlüssel im Katalog): "
                + ", ".join(unknown)
                + ". Erwartet: Gebiet, Stichtag und je Indikator eine Spalte mit seinem Schlüssel."
            )
            return report
        if not wide_columns:
            report.file_error = "Die Datei enthält keine Indikator-Spalten."
            return report

    seen: dict[tuple, int] = {}
    entries: list[tuple[int, int, date, float, float | None, float | None]] = []

    def check_cell(result, area, indicator, day, value_text, num_text, den_text):
        try:
            value = parse_number(value_text)
        except ValueError:
            result.errors.append(f"Wert: „{value_text}“ ist keine Zahl.")
            return
        try:
            numerator = parse_count(num_text)
        except ValueError:
            result.errors.append(f"Zähler: „{num_text}“ ist keine Zahl.")
            return
        try:
            denominator = parse_count(den_text)
        except ValueError:
            result.errors.append(f"Nenner: „{den_text}“ ist keine Zahl.")
            return
        if denominator is not None and denominator == 0:
            result.errors.append("Nenner: Der Nenner ist 0 – daraus lässt sich kein Anteil berechnen.")
            return
        if (numerator is not None and numerator < 0) or (denominator is not None and denominator < 0):
            result.errors.append("Zähler und Nenner dürfen nicht negativ sein.")
            return
        if numerator is not None and denominator is not None and indicator.is_rate and numerator > denominator:
            result.errors.append("Zähler größer als Nenner: das ergibt keinen Anteil.")
            return
        derived = derive_value(indicator, None, numerator, denominator)
        if value is None:
            value = derived
        elif derived is not None and abs(derived - value) > max(0.05, abs(value) * 0.005):
            result.errors.append(f"Wert {value:g} passt nicht zu Zähler/Nenner (ergibt {derived:.2f}).")
            return
        if value is None:
            if value_text == "" and num_text == "" and den_text == "" and not long_format:
                return  # empty cell in wide format: no value for this indicator
            result.errors.append("Wert fehlt (oder Zähler und Nenner für einen Anteil).")
            return
        key = (area.id, indicator.id, day)
        if key in seen:
            result.errors.append(
                f"Doppelt: {indicator.key} für {area.code} zum {day:%d.%m.%Y} steht schon in Zeile {seen[key]}."
            )
            return
        seen[key] = result.line
        entries.append((area.id, indicator.id, day, value, numerator, denominator))

    for line, row in enumerate(rows, start=2):
        if row is None or _is_comment(row):
            continue
        code = row.get(area_col, "")
        label = (
            f"{code} · {row.get('Indikator', '')} · {row.get('Stichtag', '')}"
            if long_format
            else f"{code} · {row.get('Stichtag', '') or (reference_date and reference_date.strftime('%d.%m.%Y'))}"
        )
        result = RowResult(line=line, label=label[:80])
        report.rows.append(result)
        if row.get("__extra__"):
            result.errors.append("Mehr Werte als Spalten (Trennzeichen im Text? Dann bitte in Anführungszeichen).")
        area = areas.get(code.lower())
        if area is None:
            result.errors.append(
                f"Gebiet: „{code}“ gibt es in {body.name} nicht." if code else "Gebiet: Bitte die Kennung angeben."
            )
        elif writable is not None and area.body_id not in writable:
            result.errors.append(
                f"Gebiet: „{code}“ gehört zu {bodies.get(area.body_id)}; deren Werte pflegt diese Körperschaft selbst."
            )
            area = None
        day = reference_date
        if row.get("Stichtag") or long_format:
            try:
                day = parse_date(row.get("Stichtag", ""))
            except ValueError:
                result.errors.append(
                    f"Stichtag: „{row.get('Stichtag', '')}“ ist kein Datum (TT.MM.JJJJ oder JJJJ-MM-TT)."
                )
                day = None
        if long_format:
            key = (row.get("Indikator") or "").strip().lower()
            indicator = catalogue.get(key)
            if indicator is None:
                result.errors.append(f"Indikator: „{row.get('Indikator', '')}“ steht nicht im Katalog.")
            if area is not None and indicator is not None and day is not None:
                check_cell(
                    result, area, indicator, day, row.get("Wert", ""), row.get("Zähler", ""), row.get("Nenner", "")
                )
        elif area is not None and day is not None:
            for col, (indicator, num_col, den_col) in wide_columns.items():
                before = len(result.errors)
                check_cell(
                    result,
                    area,
                    indicator,
                    day,
                    row.get(col, ""),
                    row.get(num_col, "") if num_col else "",
                    row.get(den_col, "") if den_col else "",
                )
                for i in range(before, len(result.errors)):
                    result.errors[i] = f"{col}: {result.errors[i]}"
    if not report.ok or not commit:
        return report
    report.written = write_values(user, body, entries, filename)
    return report


def write_values(user, body: Body, entries, source: str = "") -> int:
    """Insert or correct values in bulk (one query to find existing rows per 500 areas)."""
    if not entries:
        return 0
    area_ids = sorted({e[0] for e in entries})
    existing: dict[tuple, tuple[int, float, float | None, float | None]] = {}
    for i in range(0, len(area_ids), 500):
        chunk = area_ids[i : i + 500]
        for vid, aid, iid, day, value, num, den in db.session.execute(
            select(
                StatValue.id,
                StatValue.area_id,
                StatValue.indicator_id,
                StatValue.reference_date,
                StatValue.value,
                StatValue.numerator,
                StatValue.denominator,
            ).where(StatValue.area_id.in_(chunk))
        ):
            existing[(aid, iid, day)] = (vid, value, num, den)
    now = utcnow()
    new_rows, changed, corrections = [], [], []
    for aid, iid, day, value, num, den in entries:
        old = existing.get((aid, iid, day))
        if old is None:
            new_rows.append(
                {
                    "area_id": aid,
                    "indicator_id": iid,
                    "reference_date": day,
                    "value": value,
                    "numerator": num,
                    "denominator": den,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        elif (old[1], old[2], old[3]) != (value, num, den):
            changed.append({"id": old[0], "value": value, "numerator": num, "denominator": den, "updated_at": now})
            if len(corrections) < 200:
                corrections.append(
                    {
                        "gebiet_id": aid,
                        "indikator_id": iid,
                        "stichtag": day.isoformat(),
                        "vorher": old[1],
                        "nachher": value,
                    }
                )
    for i in range(0, len(new_rows), 5000):
        db.session.execute(insert(StatValue), new_rows[i : i + 5000])
    if changed:
        db.session.execute(update(StatValue), changed)
    db.session.flush()
    _audit_bulk(
        user,
        body,
        "Monitoring-Werte",
        f"Werte importiert{(' aus ' + source) if source else ''}: {len(new_rows)} neu, {len(changed)} korrigiert",
        {"neu": len(new_rows), "korrigiert": len(changed), "korrekturen": corrections},
    )
    return len(new_rows) + len(changed)
