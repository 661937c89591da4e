"""Quarterly Abweichungsbericht (controlling report) for a Planungsvorhaben or a Körperschaft.

Per goal and indicator: Soll at the end of the quarter, the last Ist up to then, the deviation and
traffic light, and the forecast to the indicator's target date — computed exactly like the
indicator page (services.kontrakte.kennzahlen.evaluate, on the values known at the end of the quarter).
Measures with status and progress; deviations (yellow/red indicators, overdue measures) with the
planner's explanation; a product sheet per NKF product over five years (contract budget lines and
measure budgets).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import NotFound, ValidationError, require
from beteiligung.services.audit import record, snapshot
from beteiligung.services.kontrakte.kennzahlen import LIGHTS, evaluate, soll_at, target_value
from models import Body
from models.contracts import Contract, Goal, Indicator
from models.planung import (
    ControllingNote,
    Measure,
    PlanningProcess,
    ProcessAssignment,
    measure_contract,
    measure_goal,
    measure_indicator,
)

SCOPES = ("vorhaben", "koerperschaft")
YEARS_IN_PRODUCT_SHEET = 5


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year, 12, 31) if quarter == 4 else date(year, 3 * quarter + 1, 1) - timedelta(days=1)
    return start, end


def parse_period(year, quarter) -> tuple[int, int]:
    try:
        y, q = int(year), int(quarter)
    except (TypeError, ValueError):
        raise ValidationError({"quartal": "Bitte Jahr und Quartal angeben."}) from None
    if not (2000 <= y <= 2100 and 1 <= q <= 4):
        raise ValidationError({"quartal": "Bitte ein Quartal 1–4 eines Jahres zwischen 2000 und 2100 angeben."})
    return y, q


def get_scope(user, kind: str, scope_id: int):
    if kind == "vorhaben":
        obj = db.session.scalar(
            select(PlanningProcess).where(PlanningProcess.id == scope_id).options(joinedload(PlanningProcess.body))
        )
    elif kind == "koerperschaft":
        obj = db.session.get(Body, scope_id)
    else:
        obj = None
    if obj is None or not pperm.can_view_controlling(user, obj):
        raise NotFound()
    return obj


@dataclass
class IndicatorRow:
    indicator: Indicator
    soll: Decimal
    ist: Decimal | None
    ist_date: date | None
    deviation: Decimal | None
    light: str
    target: Decimal
    forecast: Decimal | None
    forecast_ok: bool | None
    note: str | None = None

    @property
    def light_label(self) -> str:
        return LIGHTS[self.light]


@dataclass
class MeasureRow:
    measure: Measure
    overdue: list[str]
    note: str | None = None


@dataclass
class ProductLine:
    source: str
    amounts: dict[int, Decimal]

    @property
    def total(self) -> Decimal:
        return sum(self.amounts.values(), Decimal(0))


@dataclass
class ProductSheet:
    number: str
    lines: list[ProductLine] = field(default_factory=list)
    goals: list[Goal] = field(default_factory=list)
    indicators: list[Indicator] = field(default_factory=list)

    def year_total(self, year: int) -> Decimal:
        return sum((line.amounts.get(year, Decimal(0)) for line in self.lines), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))


@dataclass
class Report:
    scope_kind: str
    scope: object
    year: int
    quarter: int
    start: date
    end: date
    goals: list[tuple[Goal | None, list[IndicatorRow]]]
    measures: list[MeasureRow]
    products: list[ProductSheet]
    years: list[int]

    @property
    def title(self) -> str:
        return f"Abweichungsbericht {self.quarter}. Quartal {self.year}: {self.scope.title if self.scope_kind == 'vorhaben' else self.scope.name}"

    @property
    def deviations(self) -> list:
        out = [("kennzahl", r) for _g, rows in self.goals for r in rows if r.light in ("gelb", "rot")]
        out += [("massnahme", m) for m in self.measures if m.overdue]
        return out


def evaluate_at(indicator: Indicator, end: date) -> IndicatorRow:
    """Soll, Ist and forecast as known at the end of the period (the indicator page's rules)."""
    known = [m for m in indicator.measurements if m.period_end <= end]
    ev = evaluate(indicator, known)
    target = target_value(indicator.baseline_value, indicator.target_mode, indicator.target_input)
    soll = soll_at(indicator.baseline_value, indicator.baseline_date, target, indicator.target_date, end)
    latest = ev.latest
    # Soll is compared with the last Ist at that Ist's date (as on the indicator page); without an Ist,
    # the Soll at the end of the period is shown.
    return IndicatorRow(
        indicator,
        latest.soll if latest else soll,
        latest.ist if latest else None,
        latest.day if latest else None,
        latest.deviation if latest else None,
        ev.light,
        ev.target,
        ev.forecast,
        ev.forecast_ok,
    )


def _scope_records(user, kind, scope):
    """Goals, indicators, measures, contracts of the scope that the user may see."""
    if kind == "vorhaben":
        rows = db.session.execute(
            select(ProcessAssignment.item_kind, ProcessAssignment.item_id).where(
                ProcessAssignment.process_id == scope.id
            )
        ).all()
        ids = {"ziel": set(), "kontrakt": set(), "massnahme": set()}
        for k, i in rows:
            if k in ids:
                ids[k].add(i)
        measure_ids = ids["massnahme"] or {0}
        measure_cond = Measure.id.in_(measure_ids)
        contract_ids = set(ids["kontrakt"])
        contract_ids |= set(
            db.session.scalars(
                select(measure_contract.c.contract_id).where(measure_contract.c.measure_id.in_(measure_ids))
            )
        )
        goal_ids = set(ids["ziel"])
        goal_ids |= set(
            db.session.scalars(select(measure_goal.c.goal_id).where(measure_goal.c.measure_id.in_(measure_ids)))
        )
        indicator_cond = or_(
            Indicator.goal_id.in_(goal_ids or {0}),
            Indicator.contract_id.in_(contract_ids or {0}),
            Indicator.id.in_(
                select(measure_indicator.c.indicator_id).where(
                    measure_indicator.c.measure_id.in_(ids["massnahme"] or {0})
                )
            ),
        )
        contract_cond = Contract.id.in_(contract_ids or {0})
    else:
        measure_cond = Measure.body_id == scope.id
        indicator_cond = Indicator.body_id == scope.id
        contract_cond = Contract.body_id == scope.id
    measures = list(
        db.session.scalars(
            select(Measure)
            .where(measure_cond, pperm.measure_filter(user))
            .options(
                joinedload(Measure.organisation),
                selectinload(Measure.milestones),
                selectinload(Measure.budget_lines),
                selectinload(Measure.goals),
                selectinload(Measure.indicators),
            )
            .order_by(Measure.title, Measure.id)
        ).unique()
    )
    indicators = list(
        db.session.scalars(
            select(Indicator)
            .outerjoin(Contract, Contract.id == Indicator.contract_id)
            .where(indicator_cond, perm.indicator_filter(user))
            .options(selectinload(Indicator.measurements), joinedload(Indicator.goal), joinedload(Indicator.contract))
            .order_by(Indicator.goal_id, Indicator.id)
        ).unique()
    )
    contracts = list(
        db.session.scalars(
            select(Contract)
            .where(contract_cond, perm.contract_filter(user))
            .options(
                selectinload(Contract.budget_lines), selectinload(Contract.goals), selectinload(Contract.indicators)
            )
            .order_by(Contract.title)
        ).unique()
    )
    return measures, indicators, contracts


def _notes(kind, scope, year, quarter) -> dict[tuple[str, int], str]:
    return {
        (n.item_kind, n.item_id): n.text
        for n in db.session.scalars(
            select(ControllingNote).where(
                ControllingNote.scope_kind == kind,
                ControllingNote.scope_id == scope.id,
                ControllingNote.year == year,
                ControllingNote.quarter == quarter,
            )
        )
    }


def build(user, kind: str, scope, year: int, quarter: int) -> Report:
    start, end = quarter_bounds(year, quarter)
    measures, indicators, contracts = _scope_records(user, kind, scope)
    notes = _notes(kind, scope, year, quarter)
    by_goal: dict[int | None, list[IndicatorRow]] = {}
    goals: dict[int, Goal] = {}
    for ind in indicators:
        row = evaluate_at(ind, end)
        row.note = notes.get(("kennzahl", ind.id))
        by_goal.setdefault(ind.goal_id, []).append(row)
        if ind.goal is not None:
            goals[ind.goal_id] = ind.goal
    goal_rows = [(goals[g], rows) for g, rows in by_goal.items() if g is not None]
    goal_rows.sort(key=lambda gr: gr[0].id)
    if None in by_goal:
        goal_rows.append((None, by_goal[None]))
    measure_rows = [MeasureRow(m, m.overdue_reasons(end), notes.get(("massnahme", m.id))) for m in measures]
    years = list(range(year - 2, year - 2 + YEARS_IN_PRODUCT_SHEET))
    return Report(
        kind,
        scope,
        year,
        quarter,
        start,
        end,
        goal_rows,
        measure_rows,
        product_sheets(contracts, measures, years),
        years,
    )


def product_sheets(contracts, measures, years) -> list[ProductSheet]:
    sheets: dict[str, ProductSheet] = {}
    for c in contracts:
        per_product: dict[str, dict[int, Decimal]] = {}
        for b in c.budget_lines:
            number = b.product_number or c.product_number
            if not number or b.year not in years:
                continue
            per_product.setdefault(number, {}).setdefault(b.year, Decimal(0))
            per_product[number][b.year] += Decimal(b.amount)
        for number, amounts in per_product.items():
            sheet = sheets.setdefault(number, ProductSheet(number))
            sheet.lines.append(ProductLine(f"Kontrakt: {c.title}", amounts))
            sheet.goals.extend(g for g in c.goals if g not in sheet.goals)
            sheet.indicators.extend(i for i in c.indicators if i not in sheet.indicators)
    for m in measures:
        per_product = {}
        for b in m.budget_lines:
            if not b.product_number or b.year not in years:
                continue
            per_product.setdefault(b.product_number, {}).setdefault(b.year, Decimal(0))
            per_product[b.product_number][b.year] += Decimal(b.amount)
        for number, amounts in per_product.items():
            sheet = sheets.setdefault(number, ProductSheet(number))
            sheet.lines.append(ProductLine(f"Maßnahme: {m.title}", amounts))
            sheet.goals.extend(g for g in m.goals if g not in sheet.goals)
            sheet.indicators.extend(i for i in m.indicators if i not in sheet.indicators)
    return [sheets[k] for k in sorted(sheets)]


def save_notes(user, kind: str, scope, year: int, quarter: int, texts: dict[tuple[str, int], str]) -> int:
    """Store the explanations of the deviations (empty text removes one). Returns how many changed."""
    require(pperm.can_explain_deviations(user, scope))
    report = build(user, kind, scope, year, quarter)
    allowed = {("kennzahl", r.indicator.id) for k, r in report.deviations if k == "kennzahl"}
    allowed |= {("massnahme", r.measure.id) for k, r in report.deviations if k == "massnahme"}
    errors = {}
    for key, text in texts.items():
        if key not in allowed:
            raise NotFound()
        if len(text or "") > 5000:
            errors[f"erl-{key[0]}-{key[1]}"] = "Die Erläuterung ist zu lang (höchstens 5.000 Zeichen)."
    if errors:
        raise ValidationError(errors)
    existing = {
        (n.item_kind, n.item_id): n
        for n in db.session.scalars(
            select(ControllingNote).where(
                ControllingNote.scope_kind == kind,
                ControllingNote.scope_id == scope.id,
                ControllingNote.year == year,
                ControllingNote.quarter == quarter,
            )
        )
    }
    changed = 0
    for key, text in texts.items():
        text = (text or "").strip()
        note = existing.get(key)
        if note is None and text:
            note = ControllingNote(
                scope_kind=kind,
                scope_id=scope.id,
                year=year,
                quarter=quarter,
                item_kind=key[0],
                item_id=key[1],
                text=text,
                author_id=getattr(user, "id", None),
            )
            db.session.add(note)
            db.session.flush()
            record(user, "create", note, None, snapshot(note), f"Erläuterung {year}/Q{quarter}")
            changed += 1
        elif note is not None and not text:
            record(user, "delete", note, snapshot(note), None, f"Erläuterung entfernt {year}/Q{quarter}")
            db.session.delete(note)
            changed += 1
        elif note is not None and note.text != text:
            before = snapshot(note)
            note.text, note.author_id = text, getattr(user, "id", None)
            record(user, "update", note, before, snapshot(note), f"Erläuterung {year}/Q{quarter}")
            changed += 1
    db.session.flush()
    return changed


# --- documents -------------------------------------------------------------------------


def pdf(report: Report, html: str) -> bytes:
    from weasyprint import HTML

    def no_fetch(url, *args, **kwargs):  # nothing from outside
        raise ValueError(f"Externe Ressource nicht erlaubt: {url}")

    return HTML(string=html, url_fetcher=no_fetch).write_pdf()


def docx(report: Report) -> bytes:
    from docx import Document
    from docx.shared import Pt

    from beteiligung.formatting import date_de
    from beteiligung.services.kontrakte.kennzahlen import compact_de, format_euro

    def num(v):
        return compact_de(Decimal(v).quantize(Decimal("0.01"))) if v is not None else "–"

    doc = Document()
    doc.styles["Normal"].font.name = "Arial"
    doc.styles["Normal"].font.size = Pt(10)
    doc.core_properties.title = report.title
    doc.core_properties.language = "de-DE"
    doc.add_heading(report.title, level=1)
    doc.add_paragraph(f"Berichtszeitraum {date_de(report.start)} – {date_de(report.end)}")
    doc.add_heading("Ziele und Kennzahlen", level=2)
    table = doc.add_table(rows=1, cols=8)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ("Ziel", "Kennzahl", "Soll", "Ist", "Abweichung", "Ampel", "Prognose zum Zieldatum", "Zielwert"),
    ):
        cell.text = text
    for goal, rows in report.goals:
        for r in rows:
            cells = table.add_row().cells
            cells[0].text = f"{goal.level}: {goal.title}" if goal else "ohne Ziel"
            cells[1].text = r.indicator.name
            cells[2].text = num(r.soll)
            cells[3].text = (
                (num(r.ist) + (f" ({date_de(r.ist_date)})" if r.ist_date else "")) if r.ist is not None else "–"
            )
            cells[4].text = (num(r.deviation) + " %") if r.deviation is not None else "–"
            cells[5].text = r.light_label
            cells[6].text = num(r.forecast) + (
                "" if r.forecast_ok is None else (" – erreicht" if r.forecast_ok else " – verfehlt")
            )
            cells[7].text = f"{num(r.target)} bis {date_de(r.indicator.target_date)}"
    doc.add_heading("Maßnahmen", level=2)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Maßnahme", "Verantwortlich", "Status", "Fortschritt")):
        cell.text = text
    for m in report.measures:
        cells = table.add_row().cells
        cells[0].text = m.measure.title + ("\n" + "; ".join(m.overdue) if m.overdue else "")
        cells[1].text = m.measure.organisation.name
        cells[2].text = m.measure.status_label
        cells[3].text = f"{m.measure.progress} %"
    doc.add_heading("Abweichungen und Erläuterungen", level=2)
    if not report.deviations:
        doc.add_paragraph("Keine Abweichungen im Berichtszeitraum.")
    for kind, r in report.deviations:
        if kind == "kennzahl":
            head = f"Kennzahl {r.indicator.name}: Ampel {r.light_label}, Abweichung {num(r.deviation)} %"
        else:
            head = f"Maßnahme {r.measure.title}: " + "; ".join(r.overdue)
        doc.add_paragraph(head, style="List Bullet")
        doc.add_paragraph(f"Erläuterung: {r.note or 'noch keine Erläuterung'}")
    doc.add_heading("Produktblätter (NKF)", level=2)
    if not report.products:
        doc.add_paragraph("Keine Mittel mit Produktnummer.")
    for sheet in report.products:
        doc.add_heading(f"Produkt {sheet.number}", level=3)
        table = doc.add_table(rows=1, cols=len(report.years) + 2)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["Mittel", *map(str, report.years), "Summe"]):
            cell.text = text
        for line in sheet.lines:
            cells = table.add_row().cells
            cells[0].text = line.source
            for i, y in enumerate(report.years, start=1):
                cells[i].text = format_euro(line.amounts[y]) if y in line.amounts else "–"
            cells[-1].text = format_euro(line.total)
        cells = table.add_row().cells
        cells[0].text = "Summe"
        for i, y in enumerate(report.years, start=1):
            cells[i].text = format_euro(sheet.year_total(y))
        cells[-1].text = format_euro(sheet.total)
        if sheet.goals:
            doc.add_paragraph("Ziele: " + "; ".join(g.title for g in sheet.goals))
        if sheet.indicators:
            doc.add_paragraph("Kennzahlen: " + "; ".join(i.name for i in sheet.indicators))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
