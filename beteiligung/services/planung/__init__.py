"""Planung: Maßnahmenregister (this module), links of decisions (links.py), the Wirkungskette
(kette.py) and deviations that travel back up the chain (abweichungen.py).

Services check permission, validate everything before they write, flush and audit; the
request (or `unit_of_work()` in the CLI) commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import NotFound, ValidationError, ensure_version, require
from beteiligung.services.audit import record, snapshot
from beteiligung.services.kontrakte.kennzahlen import parse_decimal_de
from models import Area, Organisation, Term
from models.contracts import Contract, Goal, Indicator
from models.planung import (
    MEASURE_TRANSITIONS,
    Measure,
    MeasureBudget,
    MeasureStatus,
    Milestone,
    ProgressMode,
)

AUDIT_RELATIONS = ("areas", "target_groups", "goals", "contracts", "indicators")
MAX_TEXT = 20000


# --- reading -------------------------------------------------------------------------


def get_measure(user, measure_id: int) -> Measure:
    m = db.session.scalar(
        select(Measure)
        .where(Measure.id == measure_id)
        .options(
            joinedload(Measure.organisation),
            joinedload(Measure.body),
            joinedload(Measure.handlungsfeld),
            selectinload(Measure.areas),
            selectinload(Measure.target_groups),
            selectinload(Measure.goals),
            selectinload(Measure.contracts),
            selectinload(Measure.indicators).selectinload(Indicator.measurements),
            selectinload(Measure.milestones),
            selectinload(Measure.budget_lines),
        )
    )
    if m is None or not pperm.can_view_measure(user, m):
        raise NotFound("Diese Maßnahme gibt es nicht oder Sie dürfen sie nicht sehen.")
    return m


@dataclass
class MeasureFilters:
    status: str | None = None
    organisation_id: int | None = None
    area_id: int | None = None
    handlungsfeld_id: int | None = None
    process_id: int | None = None
    text: str | None = None


def measure_query(user, f: MeasureFilters):
    q = select(Measure).where(pperm.measure_filter(user))
    if f.status:
        q = q.where(Measure.status == f.status)
    if f.organisation_id:
        q = q.where(Measure.organisation_id == f.organisation_id)
    if f.handlungsfeld_id:
        q = q.where(Measure.handlungsfeld_id == f.handlungsfeld_id)
    if f.area_id:
        from models.planung import measure_area

        q = q.where(Measure.id.in_(select(measure_area.c.measure_id).where(measure_area.c.area_id == f.area_id)))
    if f.process_id:
        from models.planung import ProcessAssignment

        q = q.where(
            Measure.id.in_(
                select(ProcessAssignment.item_id).where(
                    ProcessAssignment.process_id == f.process_id, ProcessAssignment.item_kind == "massnahme"
                )
            )
        )
    if f.text:
        q = q.where(Measure.title.ilike(f"%{f.text}%"))
    return q


def list_options():
    return (joinedload(Measure.organisation), joinedload(Measure.handlungsfeld), selectinload(Measure.areas))


def count_measures(user, f: MeasureFilters) -> int:
    return db.session.scalar(select(func.count()).select_from(measure_query(user, f).subquery()))


# --- validation ----------------------------------------------------------------------


def _visible_ids(model, flt, ids) -> list:
    ids = [i for i in (ids or []) if i]
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(ids), flt)))


def _check(user, values: dict, measure: Measure | None) -> tuple[dict, dict]:
    errors, clean = {}, {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Bitte einen Titel angeben."
    elif len(title) > 300:
        errors["title"] = "Der Titel ist zu lang (höchstens 300 Zeichen)."
    clean["title"] = title
    desc = (values.get("description") or "").strip()
    if len(desc) > MAX_TEXT:
        errors["description"] = "Die Beschreibung ist zu lang (höchstens 20.000 Zeichen)."
    clean["description"] = desc or None

    body_id = values.get("body_id") if measure is None else measure.body_id
    if measure is None and not pperm.can_create_measure(user, body_id):
        errors["body_id"] = "In dieser Körperschaft dürfen Sie keine Maßnahmen anlegen."
    clean["body_id"] = body_id

    org = None
    if values.get("organisation_id"):
        org = db.session.scalar(
            select(Organisation).where(Organisation.id == values["organisation_id"], perm.organisation_filter(user))
        )
    if org is None:
        errors["organisation_id"] = "Bitte die verantwortliche Organisation wählen."
    clean["organisation"] = org

    hf = None
    if values.get("handlungsfeld_id"):
        hf = db.session.get(Term, values["handlungsfeld_id"])
        if hf is None or hf.vocabulary != "handlungsfeld":
            errors["handlungsfeld_id"] = "Unbekanntes Handlungsfeld."
    clean["handlungsfeld"] = hf
    clean["target_groups"] = list(
        db.session.scalars(
            select(Term).where(Term.id.in_(values.get("target_group_ids") or [0]), Term.vocabulary == "zielgruppe")
        )
    )
    clean["areas"] = _visible_ids(Area, perm.area_filter(user), values.get("area_ids"))

    start, end = values.get("start_date"), values.get("end_date")
    if start and end and end < start:
        errors["end_date"] = "Das Ende darf nicht vor dem Beginn liegen."
    clean["start_date"], clean["end_date"] = start, end

    fte = values.get("staff_fte")
    if isinstance(fte, str):
        fte = fte.strip()
        if fte:
            try:
                fte = parse_decimal_de(fte)
            except ValueError as exc:
                errors["staff_fte"] = str(exc)
                fte = None
        else:
            fte = None
    if fte is not None and not (Decimal(0) <= Decimal(fte) < Decimal(10000)):
        errors["staff_fte"] = "Bitte einen Stellenumfang zwischen 0 und 9.999 VZÄ angeben."
    clean["staff_fte"] = fte

    mode = values.get("progress_mode") or ProgressMode.EINGABE
    if mode not in {m.value for m in ProgressMode}:
        errors["progress_mode"] = "Unbekannte Art des Fortschritts."
    clean["progress_mode"] = mode
    progress = _check_progress(values.get("progress"), errors)
    clean["progress"] = progress
    clean["is_public"] = bool(values.get("is_public"))

    clean["goals"] = _visible_ids(Goal, perm.goal_filter(user), values.get("goal_ids"))
    clean["contracts"] = _visible_ids(Contract, perm.contract_filter(user), values.get("contract_ids"))
    ind_ids = [i for i in (values.get("indicator_ids") or []) if i]
    indicators = []
    if ind_ids:
        indicators = list(
            db.session.scalars(
                select(Indicator)
                .outerjoin(Contract, Contract.id == Indicator.contract_id)
                .where(Indicator.id.in_(ind_ids), perm.indicator_filter(user))
            )
        )
    clean["indicators"] = indicators
    return errors, clean


def _check_progress(raw, errors) -> int | None:
    if raw in (None, ""):
        return None
    try:
        value = int(str(raw).strip().rstrip("%").strip())
    except ValueError:
        errors["progress"] = "Bitte den Fortschritt als ganze Zahl von 0 bis 100 angeben."
        return None
    if not 0 <= value <= 100:
        errors["progress"] = "Der Fortschritt muss zwischen 0 und 100 % liegen."
        return None
    return value


def derived_progress(measure: Measure) -> int:
    total = len(measure.milestones)
    if not total:
        return 0
    return round(100 * sum(1 for m in measure.milestones if m.done) / total)


def _apply_progress(measure: Measure) -> None:
    if measure.progress_mode == ProgressMode.MEILENSTEINE:
        measure.progress = derived_progress(measure)


# --- writing -------------------------------------------------------------------------


def save_measure(user, measure: Measure | None, values: dict, version=None) -> Measure:
    """Create or update a measure (planners of the owning body)."""
    if measure is not None:
        require(pperm.can_manage_measure(user, measure))
        ensure_version(measure, version)
    else:
        require(pperm.can_create_measure(user))
    errors, clean = _check(user, values, measure)
    if errors:
        raise ValidationError(errors)
    if measure is None:
        measure = Measure(
            body_id=clean["body_id"], status=MeasureStatus.GEPLANT, created_by_id=getattr(user, "id", None)
        )
        db.session.add(measure)
        before = None
    else:
        before = snapshot(measure, AUDIT_RELATIONS)
    for key in ("title", "description", "start_date", "end_date", "staff_fte", "progress_mode", "is_public"):
        setattr(measure, key, clean[key])
    measure.organisation = clean["organisation"]
    measure.handlungsfeld = clean["handlungsfeld"]
    measure.areas, measure.target_groups = clean["areas"], clean["target_groups"]
    measure.goals, measure.contracts, measure.indicators = clean["goals"], clean["contracts"], clean["indicators"]
    if clean["progress"] is not None:
        measure.progress = clean["progress"]
    elif measure.progress is None:
        measure.progress = 0
    _apply_progress(measure)
    db.session.flush()
    record(
        user,
        "create" if before is None else "update",
        measure,
        before,
        snapshot(measure, AUDIT_RELATIONS),
        f"Maßnahme {'angelegt' if before is None else 'geändert'}: {measure.title}",
    )
    return measure


def change_status(user, measure: Measure, new_status: str, reason: str | None, version) -> Measure:
    require(pperm.can_manage_measure(user, measure))
    ensure_version(measure, version)
    try:
        target = MeasureStatus(new_status)
    except ValueError:
        raise ValidationError({"status": "Unbekannter Status."}) from None
    current = MeasureStatus(measure.status)
    if target not in MEASURE_TRANSITIONS[current]:
        raise ValidationError({"status": f"Von „{current.label}“ kann nicht zu „{target.label}“ gewechselt werden."})
    reason = (reason or "").strip()
    if target == MeasureStatus.EINGESTELLT and not reason:
        raise ValidationError({"reason": "Bitte begründen Sie, warum die Maßnahme eingestellt wird."})
    if len(reason) > MAX_TEXT:
        raise ValidationError({"reason": "Die Begründung ist zu lang."})
    before = snapshot(measure)
    measure.status = target
    if target == MeasureStatus.EINGESTELLT:
        measure.status_reason = reason
    if target == MeasureStatus.ABGESCHLOSSEN and measure.progress_mode == ProgressMode.EINGABE:
        measure.progress = 100
    db.session.flush()
    record(user, "status", measure, before, snapshot(measure), f"Maßnahme {target.label}: {measure.title}")
    return measure


def report_progress(user, measure: Measure, progress, status_note: str | None, version) -> Measure:
    """Sachstand of the responsible organisation (or the planner): progress and a status note."""
    require(pperm.can_report_measure(user, measure))
    ensure_version(measure, version)
    errors = {}
    value = _check_progress(progress, errors)
    note = (status_note or "").strip()
    if len(note) > MAX_TEXT:
        errors["status_note"] = "Der Sachstand ist zu lang (höchstens 20.000 Zeichen)."
    if measure.progress_mode == ProgressMode.MEILENSTEINE and value is not None and value != measure.progress:
        errors["progress"] = "Der Fortschritt wird aus den Meilensteinen berechnet; bitte dort abhaken."
    if not measure.is_open:
        errors["progress"] = f"Die Maßnahme ist {measure.status_label}; der Sachstand ist abgeschlossen."
    if errors:
        raise ValidationError(errors)
    before = snapshot(measure)
    if value is not None and measure.progress_mode == ProgressMode.EINGABE:
        measure.progress = value
    measure.status_note = note or None
    db.session.flush()
    record(user, "update", measure, before, snapshot(measure), f"Sachstand Maßnahme: {measure.title}")
    return measure


def add_milestone(user, measure: Measure, title: str, due_date: date | None) -> Milestone:
    require(pperm.can_report_measure(user, measure))
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["ms_title"] = "Bitte den Meilenstein benennen."
    elif len(title) > 300:
        errors["ms_title"] = "Der Titel ist zu lang (höchstens 300 Zeichen)."
    if due_date is None:
        errors["ms_due"] = "Bitte ein Fälligkeitsdatum angeben."
    if errors:
        raise ValidationError(errors)
    ms = Milestone(measure=measure, title=title, due_date=due_date)
    db.session.add(ms)
    _apply_progress(measure)
    db.session.flush()
    record(user, "create", ms, None, snapshot(ms), f"Meilenstein „{title}“ – {measure.title}")
    _touch(measure)
    return ms


def set_milestone_done(user, milestone: Milestone, done: bool) -> Milestone:
    measure = milestone.measure
    require(pperm.can_report_measure(user, measure))
    before = snapshot(milestone)
    milestone.done = done
    milestone.done_on = date.today() if done else None
    _apply_progress(measure)
    db.session.flush()
    record(
        user,
        "update",
        milestone,
        before,
        snapshot(milestone),
        f"Meilenstein {'erreicht' if done else 'wieder offen'}: {milestone.title}",
    )
    _touch(measure)
    return milestone


def delete_milestone(user, milestone: Milestone) -> None:
    measure = milestone.measure
    require(pperm.can_report_measure(user, measure))
    record(user, "delete", milestone, snapshot(milestone), None, f"Meilenstein gelöscht: {milestone.title}")
    measure.milestones.remove(milestone)
    db.session.flush()
    _apply_progress(measure)
    _touch(measure)


def _touch(measure: Measure) -> None:
    """A change below the measure raises its version, so an open edit form sees the conflict."""
    from models import utcnow

    measure.updated_at = utcnow()
    db.session.flush()


def add_budget(user, measure: Measure, year, amount_text, product_number=None) -> MeasureBudget:
    require(pperm.can_manage_measure(user, measure))
    errors = {}
    try:
        year = int(str(year).strip())
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = "Bitte ein Haushaltsjahr zwischen 2000 und 2100 angeben."
        year = None
    try:
        amount = parse_decimal_de(amount_text)
        if amount < 0:
            errors["amount"] = "Der Betrag darf nicht negativ sein."
    except ValueError as exc:
        errors["amount"] = str(exc)
        amount = None
    product_number = (product_number or "").strip() or None
    if product_number and len(product_number) > 40:
        errors["product_number"] = "Die Produktnummer ist zu lang (höchstens 40 Zeichen)."
    if errors:
        raise ValidationError(errors)
    line = MeasureBudget(measure=measure, year=year, amount=amount, product_number=product_number)
    db.session.add(line)
    db.session.flush()
    record(user, "create", line, None, snapshot(line), f"Mittel {year} – {measure.title}")
    _touch(measure)
    return line


def remove_budget(user, line: MeasureBudget) -> None:
    measure = line.measure
    require(pperm.can_manage_measure(user, measure))
    record(user, "delete", line, snapshot(line), None, f"Mittel {line.year} entfernt – {measure.title}")
    measure.budget_lines.remove(line)
    db.session.flush()
    _touch(measure)


def budget_by_year(measure: Measure) -> list[tuple[int, Decimal]]:
    totals: dict[int, Decimal] = {}
    for b in measure.budget_lines:
        totals[b.year] = totals.get(b.year, Decimal(0)) + Decimal(b.amount)
    return sorted(totals.items())


# --- export --------------------------------------------------------------------------

EXPORT_HEADERS = [
    "Nr.",
    "Titel",
    "Verantwortlich",
    "Status",
    "Fortschritt (%)",
    "Beginn",
    "Ende",
    "Handlungsfeld",
    "Sozialräume",
    "VZÄ",
    "Mittel gesamt (€)",
]


def export_rows(user, f: MeasureFilters, chunk: int = 200):
    """Rows for CSV/XLSX, fetched in chunks (a streamed download never loads everything)."""
    last = 0
    while True:
        batch = list(
            db.session.scalars(
                measure_query(user, f)
                .where(Measure.id > last)
                .order_by(Measure.id)
                .limit(chunk)
                .options(*list_options(), selectinload(Measure.budget_lines))
            )
        )
        if not batch:
            return
        for m in batch:
            yield [
                m.id,
                m.title,
                m.organisation.name,
                m.status_label,
                m.progress,
                m.start_date,
                m.end_date,
                m.handlungsfeld.name if m.handlungsfeld else "",
                ", ".join(a.name for a in m.areas),
                m.staff_fte,
                sum((Decimal(b.amount) for b in m.budget_lines), Decimal(0)),
            ]
        last = batch[-1].id


from . import oeffentlich  # noqa: F401, E402  (registers the public follow-up lines)
