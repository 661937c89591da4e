"""Kontrakte, Ziele, Kennzahlen und Berichte: every state change, permission-checked and audited."""

from __future__ import annotations

import calendar
import difflib
import os
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import ROLE_PARTNER, ROLE_PLANNER, RoleAssignment, TopicProposal, User, utcnow
from models.contracts import (
    BUDGET_KINDS,
    CLAUSES,
    CLOSED_STATES,
    CONTRACT_TRANSITIONS,
    DIRECTIONS,
    GOAL_FIELDS,
    GOAL_LEVELS,
    GOAL_STATES,
    IN_FORCE_STATES,
    OPEN_REPORT_STATES,
    PARTY_ROLES,
    PERIODICITIES,
    SMART,
    TARGET_MODES,
    Attachment,
    BudgetLine,
    Contract,
    ContractParty,
    ContractStatus,
    ContractVersion,
    Goal,
    GoalStatus,
    Indicator,
    Measurement,
    Report,
    ReportingDuty,
    ReportStatus,
)

from .. import Conflict, ValidationError, ensure_version, require
from ..audit import record, snapshot
from ..betrieb import storage
from ..gremien.sitzungen import propose_topic
from .kennzahlen import evaluate, format_euro, parse_decimal_de

LOCKED_MESSAGE = "Dieser Kontrakt ist unterzeichnet und damit gesperrt. Änderungen sind nur noch als Nachtrag möglich."
CLOSED_MESSAGE = "Dieser Kontrakt ist beendet; Änderungen sind nicht mehr möglich."


class Locked(Conflict):
    def __init__(self, message: str = LOCKED_MESSAGE):
        super().__init__(message)


CONTRACT_FIELDS = [
    "body_id",
    "kind_id",
    "title",
    "reference",
    "subject",
    "legal_basis",
    "product_number",
    "start_date",
    "end_date",
    "review_date",
    "committee_id",
] + [c for c, _l in CLAUSES]
VERSIONED_FIELDS = ["title", "subject", "start_date", "end_date", "review_date"] + [c for c, _l in CLAUSES]
VERSION_LABELS = {
    "title": "Titel",
    "subject": "Gegenstand",
    "start_date": "Laufzeit von",
    "end_date": "Laufzeit bis",
    "review_date": "Überprüfung am",
    **dict(CLAUSES),
}


# --- contracts --------------------------------------------------------------------


def _check_contract(values: dict, contract: Contract | None) -> dict:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = "Bitte einen Titel angeben."
    start, end, review = values.get("start_date"), values.get("end_date"), values.get("review_date")
    if start and end and end < start:
        errors["end_date"] = "Das Laufzeitende liegt vor dem Beginn."
    if start and end and (end.year - start.year) > 10:
        errors["end_date"] = "Die Laufzeit darf höchstens zehn Jahre betragen."
    if review and start and review < start:
        errors["review_date"] = "Der Überprüfungstermin liegt vor dem Laufzeitbeginn."
    return errors


def _version_data(contract: Contract) -> dict:
    data = {}
    for name in VERSIONED_FIELDS:
        value = getattr(contract, name)
        data[name] = value.isoformat() if isinstance(value, date) else (value or "")
    data["goals"] = [g.title for g in contract.goals]
    data["budget"] = [
        budget_line_text(b) for b in sorted(contract.budget_lines, key=lambda b: (b.year, b.kind, b.id or 0))
    ]
    return data


def budget_line_text(b: BudgetLine) -> str:
    """One budget line as it appears in a version (and its comparison)."""
    text = f"{b.year} {b.kind}: {format_euro(b.amount)}"
    if b.product_number:
        text += f" (Produkt {b.product_number})"
    if b.note:
        text += f" – {b.note}"
    return text


def _add_version(user, contract: Contract, comment: str | None, label: str = "Fassung") -> ContractVersion:
    number = (max((v.number for v in contract.versions), default=0)) + 1
    v = ContractVersion(
        contract=contract,
        number=number,
        label=label,
        status=contract.status,
        comment=(comment or "").strip() or None,
        data=_version_data(contract),
        author_id=getattr(user, "id", None),
    )
    db.session.add(v)
    return v


def _apply_relations(contract: Contract, values: dict) -> None:
    for rel in ("terms", "areas", "goals"):
        if rel in values:
            setattr(contract, rel, list(values[rel]))


def create_contract(user, values: dict) -> Contract:
    require(perm.can_create_contract(user, values.get("body_id")))
    errors = _check_contract(values, None)
    if errors:
        raise ValidationError(errors)
    contract = Contract(status=ContractStatus.ENTWURF, created_by_id=getattr(user, "id", None))
    for name in CONTRACT_FIELDS:
        if name in values:
            setattr(contract, name, values[name])
    _apply_relations(contract, values)
    db.session.add(contract)
    db.session.flush()
    _add_version(user, contract, values.get("comment") or "Erster Entwurf")
    record(user, "create", contract, None, snapshot(contract, ("terms", "areas", "goals")))
    db.session.flush()
    return contract


def update_contract(user, contract: Contract, values: dict, version, comment: str | None = None) -> Contract:
    """Edit while Entwurf / in Verhandlung; every change becomes a Fassung with author and comment."""
    require(perm.can_manage_contract(user, contract))
    if contract.status in CLOSED_STATES:
        raise Locked(CLOSED_MESSAGE)
    if contract.locked:
        raise Locked()
    ensure_version(contract, version)
    errors = _check_contract(values, contract)
    if contract.status == ContractStatus.IN_VERHANDLUNG and not (comment or "").strip():
        errors["comment"] = "In der Verhandlung braucht jede Änderung einen Kommentar."
    if errors:
        raise ValidationError(errors)
    before = snapshot(contract, ("terms", "areas", "goals"))
    for name in CONTRACT_FIELDS:
        if name in values and name != "body_id":
            setattr(contract, name, values[name])
    _apply_relations(contract, values)
    contract.updated_at = utcnow()
    db.session.flush()
    after = snapshot(contract, ("terms", "areas", "goals"))
    if before != after:
        _add_version(user, contract, comment)
        record(user, "update", contract, before, after)
    db.session.flush()
    return contract


@dataclass
class BudgetChange:
    """One row of a Nachtrag's budget part: line_id None = new line; remove = drop the existing line.
    key names the row in error keys: budget_<key>_<field>."""

    key: str
    line_id: int | None = None
    kind: str | None = None
    year: object = None
    amount: str | None = None
    product_number: str | None = None
    note: str | None = None
    remove: bool = False


def check_budget_changes(contract: Contract, changes: list[BudgetChange]) -> tuple[list, dict]:
    """Validate all budget rows of a Nachtrag before anything is written.

    Returns (operations, errors); operations are ("add", values) / ("change", line, values) / ("remove", line).
    Rows of a new line left completely empty are ignored."""
    lines = {b.id: b for b in contract.budget_lines}
    ops, errors, years = [], {}, []
    for ch in changes:
        if ch.line_id is not None:
            line = lines.get(ch.line_id)
            if line is None:
                errors[f"budget_{ch.key}_amount"] = "Diese Budgetzeile gehört nicht zu diesem Kontrakt."
                continue
            if ch.remove:
                ops.append(("remove", line))
                continue
        elif ch.remove or not any(
            (
                str(ch.year or "").strip(),
                (ch.amount or "").strip(),
                (ch.product_number or "").strip(),
                (ch.note or "").strip(),
            )
        ):
            continue  # an unused empty row
        year, amount, row_errors = _parse_budget(ch.kind, ch.year, ch.amount)
        for field, message in row_errors.items():
            errors[f"budget_{ch.key}_{field}"] = message
        if row_errors:
            continue
        if ch.product_number and len(ch.product_number) > 40:
            errors[f"budget_{ch.key}_product_number"] = "Die Produktnummer ist zu lang (höchstens 40 Zeichen)."
            continue
        if ch.note and len(ch.note) > 300:
            errors[f"budget_{ch.key}_note"] = "Die Bemerkung ist zu lang (höchstens 300 Zeichen)."
            continue
        values = {
            "kind": ch.kind,
            "year": year,
            "amount": amount,
            "product_number": (ch.product_number or "").strip() or None,
            "note": (ch.note or "").strip() or None,
        }
        years.append((ch.key, year))
        if ch.line_id is None:
            if values["product_number"] is None:
                values["product_number"] = contract.product_number or None
            ops.append(("add", values))
        else:
            line = lines[ch.line_id]
            if any(getattr(line, k) != v for k, v in values.items()):
                ops.append(("change", line, values))
    if not errors:
        touched = {op[1].id for op in ops if op[0] != "add"}
        all_years = [b.year for b in contract.budget_lines if b.id not in touched] + [
            op[-1]["year"] for op in ops if op[0] != "remove"
        ]
        if all_years and max(all_years) - min(all_years) >= 5:
            key = years[-1][0] if years else "neu1"
            errors[f"budget_{key}_year"] = FIVE_YEARS_MESSAGE
    return ops, errors


def amend_contract(
    user, contract: Contract, values: dict, version, comment: str | None, budget: list[BudgetChange] | None = None
) -> ContractVersion:
    """Nachtrag: a signed contract changes only through an amendment, which is a new version.

    The amendment may also add, change and remove budget lines (budget); the new version records the
    budget, so the version comparison shows what the Nachtrag changed. All or nothing."""
    require(perm.can_manage_contract(user, contract))
    if contract.status not in IN_FORCE_STATES:
        raise Conflict("Ein Nachtrag ist nur zu einem unterzeichneten oder laufenden Kontrakt möglich.")
    ensure_version(contract, version)
    errors = _check_contract({**{n: getattr(contract, n) for n in CONTRACT_FIELDS}, **values}, contract)
    if not (comment or "").strip():
        errors["comment"] = "Bitte beschreiben Sie den Nachtrag (Anlass und Inhalt)."
    ops, budget_errors = check_budget_changes(contract, budget or [])
    errors.update(budget_errors)
    if errors:
        raise ValidationError(errors)
    before = snapshot(contract)
    before["budget"] = [budget_line_text(b) for b in contract.budget_lines]
    for name in VERSIONED_FIELDS:
        if name in values:
            setattr(contract, name, values[name])
    for op in ops:
        if op[0] == "add":
            contract.budget_lines.append(BudgetLine(**op[1]))
        elif op[0] == "change":
            for k, v in op[2].items():
                setattr(op[1], k, v)
        else:
            contract.budget_lines.remove(op[1])
            db.session.delete(op[1])
    contract.updated_at = utcnow()
    db.session.flush()
    n = sum(1 for v in contract.versions if v.label.startswith("Nachtrag")) + 1
    v = _add_version(user, contract, comment, label=f"Nachtrag {n}")
    after = snapshot(contract)
    after["budget"] = [budget_line_text(b) for b in contract.budget_lines]
    record(user, "amend", contract, before, after, f"Nachtrag {n}: {contract.title}")
    db.session.flush()
    return v


def change_status(user, contract: Contract, new_status: str, version, *, day: date | None = None) -> Contract:
    require(perm.can_manage_contract(user, contract))
    ensure_version(contract, version)
    allowed = CONTRACT_TRANSITIONS.get(contract.status, [])
    if new_status not in allowed:
        raise ValidationError(
            f"Der Status kann nicht von „{contract.status}“ auf „{new_status}“ wechseln. "
            + (f"Möglich ist: {', '.join(allowed)}." if allowed else "Der Kontrakt ist abgeschlossen.")
        )
    day = day or date.today()
    if new_status == ContractStatus.UNTERZEICHNET:
        missing = []
        if not contract.parties:
            missing.append("mindestens eine Vertragspartei")
        unsigned = [p.name for p in contract.parties if not (p.signatory and p.signed_on)]
        if unsigned:
            missing.append("Unterzeichnung durch " + ", ".join(unsigned))
        if not (contract.start_date and contract.end_date):
            missing.append("Laufzeit (Beginn und Ende)")
        if missing:
            raise ValidationError("Zum Unterzeichnen fehlt noch: " + "; ".join(missing) + ".")
        contract.signed_on = max(p.signed_on for p in contract.parties)
    if new_status == ContractStatus.GEKUENDIGT:
        contract.terminated_on = day
    before = {"status": contract.status}
    contract.status = new_status
    db.session.flush()
    if new_status == ContractStatus.UNTERZEICHNET:
        _add_version(user, contract, "Unterzeichnete Fassung", label="Unterzeichnet")
        for duty in contract.duties:
            generate_reports(duty)
    record(
        user, "status", contract, before, {"status": new_status}, f"{contract.title}: {before['status']} → {new_status}"
    )
    db.session.flush()
    return contract


def delete_contract(user, contract: Contract, version) -> None:
    """Only a draft can be deleted; anything negotiated or signed stays on record."""
    require(perm.can_manage_contract(user, contract))
    ensure_version(contract, version)
    if contract.status != ContractStatus.ENTWURF:
        raise Conflict(
            "Nur Entwürfe können gelöscht werden; ein verhandelter oder unterzeichneter Kontrakt bleibt erhalten."
        )
    record(
        user,
        "delete",
        contract,
        snapshot(contract, ("terms", "areas", "goals")),
        None,
        f"Entwurf gelöscht: {contract.title}",
    )
    for att in db.session.scalars(select(Attachment).where(Attachment.contract_id == contract.id)):
        storage.delete(attachment_key(att))
        db.session.delete(att)
    for ind in list(contract.indicators):
        ind.contract = None  # indicators stay as planning indicators of the body
    db.session.delete(contract)
    db.session.flush()


def _require_editable(user, contract: Contract) -> None:
    require(perm.can_manage_contract(user, contract))
    if contract.locked:
        raise Locked()


def add_party(
    user,
    contract: Contract,
    *,
    organisation_id=None,
    body_id=None,
    role="Auftragnehmer",
    signatory=None,
    signed_on=None,
) -> ContractParty:
    _require_editable(user, contract)
    errors = {}
    if bool(organisation_id) == bool(body_id):
        errors["organisation_id"] = "Bitte genau eine Organisation oder eine Körperschaft wählen."
    if role not in PARTY_ROLES:
        errors["role"] = "Ungültige Rolle."
    if signed_on and signed_on > date.today():
        errors["signed_on"] = "Das Unterzeichnungsdatum liegt in der Zukunft."
    if any(
        (p.organisation_id and p.organisation_id == organisation_id) or (p.body_id and p.body_id == body_id)
        for p in contract.parties
    ):
        errors["organisation_id"] = "Diese Partei ist bereits eingetragen."
    if errors:
        raise ValidationError(errors)
    party = ContractParty(
        contract=contract,
        organisation_id=organisation_id,
        body_id=body_id,
        role=role,
        signatory=signatory or None,
        signed_on=signed_on,
    )
    db.session.add(party)
    contract.updated_at = utcnow()
    db.session.flush()
    record(user, "add_party", contract, None, snapshot(party), f"Partei hinzugefügt: {party.name}")
    db.session.flush()
    return party


def sign_party(user, party: ContractParty, signatory: str, signed_on: date | None, version) -> ContractParty:
    contract = party.contract
    _require_editable(user, contract)
    ensure_version(contract, version)
    errors = {}
    if not (signatory or "").strip():
        errors["signatory"] = "Bitte angeben, wer unterzeichnet."
    if not signed_on:
        errors["signed_on"] = "Bitte das Datum der Unterzeichnung angeben."
    elif signed_on > date.today():
        errors["signed_on"] = "Das Unterzeichnungsdatum liegt in der Zukunft."
    if errors:
        raise ValidationError(errors)
    party.signatory, party.signed_on = signatory.strip(), signed_on
    contract.updated_at = utcnow()
    db.session.flush()
    record(user, "sign", contract, None, snapshot(party), f"Unterzeichnung: {party.name}")
    db.session.flush()
    return party


def remove_party(user, party: ContractParty, version) -> None:
    contract = party.contract
    _require_editable(user, contract)
    ensure_version(contract, version)
    if any(d.party_id == party.id for d in contract.duties):
        raise ValidationError("Die Partei hat eine Berichtspflicht; bitte zuerst die Berichtspflicht entfernen.")
    record(user, "remove_party", contract, snapshot(party), None, f"Partei entfernt: {party.name}")
    contract.parties.remove(party)
    contract.updated_at = utcnow()
    db.session.flush()


FIVE_YEARS_MESSAGE = "Die Budgetplanung umfasst höchstens fünf aufeinanderfolgende Jahre."


def _parse_budget(kind, year, amount_text) -> tuple[int | None, Decimal | None, dict]:
    """Check one budget line's input; returns (year, amount, errors by field kind/year/amount)."""
    errors = {}
    if kind not in BUDGET_KINDS:
        errors["kind"] = "Bitte Personal, Sachmittel oder Zuschuss wählen."
    try:
        year = int(year)
        if not 2000 <= year <= 2100:
            raise ValueError
    except (TypeError, ValueError):
        errors["year"] = "Bitte ein Haushaltsjahr zwischen 2000 und 2100 angeben."
        year = None
    try:
        amount = parse_decimal_de(amount_text)
        if amount < 0:
            errors["amount"] = "Der Betrag darf nicht negativ sein."
        elif amount.as_tuple().exponent < -2:
            errors["amount"] = "Bitte höchstens zwei Nachkommastellen (Cent) angeben."
    except ValueError as exc:
        errors["amount"] = str(exc)
        amount = None
    return year, amount, errors


def add_budget_line(
    user, contract: Contract, kind: str, year, amount_text, product_number=None, note=None
) -> BudgetLine:
    _require_editable(user, contract)
    year, amount, errors = _parse_budget(kind, year, amount_text)
    if year is not None and not errors.get("year"):
        years = {b.year for b in contract.budget_lines} | {year}
        if max(years) - min(years) >= 5:
            errors["year"] = FIVE_YEARS_MESSAGE
    if errors:
        raise ValidationError(errors)
    line = BudgetLine(
        contract=contract,
        kind=kind,
        year=year,
        amount=amount,
        product_number=(product_number or contract.product_number or None),
        note=note or None,
    )
    db.session.add(line)
    contract.updated_at = utcnow()
    db.session.flush()
    record(user, "add_budget", contract, None, snapshot(line), f"Budget {year} {kind}: {format_euro(amount)}")
    db.session.flush()
    return line


def remove_budget_line(user, line: BudgetLine) -> None:
    contract = line.contract
    _require_editable(user, contract)
    record(user, "remove_budget", contract, snapshot(line), None, f"Budgetzeile entfernt ({line.year})")
    db.session.delete(line)
    contract.updated_at = utcnow()
    db.session.flush()


def budget_totals(lines) -> dict:
    """{"years": [2025, …], "rows": {kind: {year: Decimal}}, "per_year": {year: Decimal}, "total": Decimal}."""
    years = sorted({b.year for b in lines})
    rows = {k: {y: Decimal("0.00") for y in years} for k in BUDGET_KINDS if any(b.kind == k for b in lines)}
    per_year = {y: Decimal("0.00") for y in years}
    for b in lines:
        rows[b.kind][b.year] += b.amount
        per_year[b.year] += b.amount
    return {"years": years, "rows": rows, "per_year": per_year, "total": sum(per_year.values(), Decimal("0.00"))}


# --- versions ---------------------------------------------------------------------


@dataclass
class DiffLine:
    tag: str  # equal / replace / delete / insert
    left: str
    right: str


def compare_versions(a: ContractVersion, b: ContractVersion) -> list[tuple[str, list[DiffLine], bool]]:
    """Per clause: (label, side-by-side lines, changed?) using difflib on lines."""
    result = []
    for name in VERSIONED_FIELDS + ["goals", "budget"]:
        if name == "budget" and "budget" not in a.data and "budget" not in b.data:
            continue  # versions stored before budgets were versioned
        left = a.data.get(name) or ""
        right = b.data.get(name) or ""
        if name in ("goals", "budget"):
            left, right = "\n".join(left or []), "\n".join(right or [])
        left_lines, right_lines = str(left).splitlines(), str(right).splitlines()
        lines = []
        matcher = difflib.SequenceMatcher(a=left_lines, b=right_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines += [DiffLine("equal", l, r) for l, r in zip(left_lines[i1:i2], right_lines[j1:j2])]
            else:
                ls, rs = left_lines[i1:i2], right_lines[j1:j2]
                for k in range(max(len(ls), len(rs))):
                    l = ls[k] if k < len(ls) else ""
                    r = rs[k] if k < len(rs) else ""
                    lines.append(DiffLine("replace" if l and r else ("delete" if l else "insert"), l, r))
        label = {"goals": "Verknüpfte Ziele", "budget": "Budget"}.get(name) or VERSION_LABELS.get(name, name)
        result.append((label, lines, left != right))
    return result


# --- reporting duties and reports ------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """Consecutive reporting periods of `months` from start; the last one ends at `end`."""
    result, cursor = [], start
    while cursor <= end:
        nxt = _add_months(cursor, months)
        result.append((cursor, min(nxt - timedelta(days=1), end)))
        cursor = nxt
    return result


def generate_reports(duty: ReportingDuty) -> list[Report]:
    """Create the missing Report rows for every period of the contract term (idempotent)."""
    contract = duty.contract
    if not (contract.start_date and contract.end_date):
        return []
    existing = {r.period_start for r in duty.reports}
    created = []
    for start, end in periods(contract.start_date, contract.end_date, PERIODICITIES[duty.periodicity]):
        if start in existing:
            continue
        report = Report(
            duty=duty,
            contract=contract,
            period_start=start,
            period_end=end,
            due_date=end + timedelta(days=duty.due_days),
            status="offen",
        )
        db.session.add(report)
        created.append(report)
    return created


def add_duty(user, contract: Contract, party_id, title: str, periodicity: str, due_days) -> ReportingDuty:
    require(perm.can_manage_contract(user, contract))
    if contract.status in CLOSED_STATES:
        raise Locked(CLOSED_MESSAGE)
    errors = {}
    party = next((p for p in contract.parties if p.id == party_id), None)
    if party is None:
        errors["party_id"] = "Bitte eine Vertragspartei wählen."
    if not (title or "").strip():
        errors["title"] = "Bitte angeben, worüber berichtet wird."
    if periodicity not in PERIODICITIES:
        errors["periodicity"] = "Ungültiger Rhythmus."
    try:
        due_days = int(due_days)
        if not 0 <= due_days <= 365:
            raise ValueError
    except (TypeError, ValueError):
        errors["due_days"] = "Bitte eine Frist zwischen 0 und 365 Tagen angeben."
    if errors:
        raise ValidationError(errors)
    duty = ReportingDuty(
        contract=contract, party=party, title=title.strip(), periodicity=periodicity, due_days=due_days
    )
    db.session.add(duty)
    db.session.flush()
    if contract.status in IN_FORCE_STATES:
        generate_reports(duty)
    record(user, "add_duty", contract, None, snapshot(duty), f"Berichtspflicht: {duty.title}")
    db.session.flush()
    return duty


def report_closed_reason(report: Report, today: date | None = None) -> str | None:
    """Why a report can no longer be edited, or None."""
    today = today or date.today()
    if report.status == ReportStatus.EINGEREICHT:
        return "Dieser Bericht ist bereits eingereicht und wird geprüft."
    if report.status == ReportStatus.ANGENOMMEN:
        return "Dieser Berichtszeitraum ist abgeschlossen; der Bericht wurde angenommen."
    if report.contract.status in CLOSED_STATES:
        return "Der Kontrakt ist beendet; für ihn werden keine Berichte mehr angenommen."
    if report.contract.status not in IN_FORCE_STATES:
        return "Berichte sind erst nach der Unterzeichnung möglich."
    if report.period_end > today:
        return f"Der Berichtszeitraum endet erst am {report.period_end:%d.%m.%Y}; bitte danach berichten."
    return None


def _check_value(indicator: Indicator, text: str) -> tuple[Decimal | None, str | None]:
    if text is None or not str(text).strip():
        return None, None
    try:
        value = parse_decimal_de(text)
    except ValueError as exc:
        return None, str(exc)
    if indicator.plausible_min is not None and value < indicator.plausible_min:
        return None, (
            f"Der Wert ist unplausibel: er liegt unter dem Mindestwert {_fmt(indicator.plausible_min)}. Bitte prüfen."
        )
    if indicator.plausible_max is not None and value > indicator.plausible_max:
        return None, (
            f"Der Wert ist unplausibel: er liegt über dem Höchstwert {_fmt(indicator.plausible_max)}. Bitte prüfen."
        )
    if indicator.plausible_min is None and value < 0 and Decimal(indicator.baseline_value) >= 0:
        return None, "Der Wert ist unplausibel: negative Werte sind für diese Kennzahl nicht vorgesehen."
    return value, None


def _fmt(v) -> str:
    from .kennzahlen import compact_de

    return compact_de(v)


def save_report(
    user, report: Report, values: dict, narrative: str | None, version, *, submit: bool, today: date | None = None
) -> Report:
    """Store the partner's values (German decimals) and narrative; optionally submit.

    values: {indicator_id: text}. Every value is checked before anything is written.
    """
    require(perm.can_submit_report(user, report))
    reason = report_closed_reason(report, today)
    if reason:
        raise Conflict(reason)
    ensure_version(report, version)
    indicators = report.contract.indicators
    errors, parsed = {}, {}
    for ind in indicators:
        value, error = _check_value(ind, values.get(ind.id))
        if error:
            errors[f"wert_{ind.id}"] = error
        elif value is not None:
            parsed[ind.id] = value
    if submit:
        for ind in indicators:
            if ind.id not in parsed and f"wert_{ind.id}" not in errors:
                errors[f"wert_{ind.id}"] = "Bitte einen Wert eingeben (Pflicht beim Einreichen)."
        if not (narrative or "").strip():
            errors["narrative"] = "Bitte einen kurzen Sachbericht schreiben."
    if narrative and len(narrative) > 20000:
        errors["narrative"] = "Der Sachbericht ist zu lang (höchstens 20.000 Zeichen)."
    if errors:
        raise ValidationError(errors)
    before = snapshot(report)
    existing = {
        m.indicator_id: m
        for m in db.session.scalars(
            select(Measurement).where(
                Measurement.indicator_id.in_([i.id for i in indicators] or [0]),
                Measurement.period_end == report.period_end,
            )
        )
    }
    for ind in indicators:
        if ind.id not in parsed:
            continue
        m = existing.get(ind.id)
        if m is not None and m.report_id not in (None, report.id):
            raise ValidationError(
                {f"wert_{ind.id}": "Für diesen Stichtag liegt bereits ein Wert aus einem anderen Bericht vor."}
            )
        if m is None:
            m = Measurement(indicator=ind, period_end=report.period_end)
            db.session.add(m)
        m.value, m.report_id, m.created_by_id = parsed[ind.id], report.id, getattr(user, "id", None)
    report.narrative = (narrative or "").strip() or None
    report.updated_at = utcnow()
    if submit:
        report.status = ReportStatus.EINGEREICHT
        report.submitted_at = utcnow()
        report.submitted_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        user,
        "submit" if submit else "update",
        report,
        before,
        snapshot(report),
        f"Bericht {'eingereicht' if submit else 'gespeichert'}: {report.contract.title}",
    )
    if submit:
        db.session.expire(report, ["measurements"])
        _check_deviation(user, report)
    db.session.flush()
    return report


def review_report(user, report: Report, accept: bool, comment: str | None, version) -> Report:
    require(perm.can_review_report(user, report))
    ensure_version(report, version)
    if report.status != ReportStatus.EINGEREICHT:
        raise Conflict("Nur eingereichte Berichte können geprüft werden.")
    if not accept and not (comment or "").strip():
        raise ValidationError({"comment": "Bitte begründen Sie die Rückgabe, damit der Partner nachbessern kann."})
    before = snapshot(report)
    report.status = ReportStatus.ANGENOMMEN if accept else ReportStatus.ZURUECKGEGEBEN
    report.review_comment = (comment or "").strip() or None
    report.reviewed_at = utcnow()
    report.reviewed_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        user,
        "review",
        report,
        before,
        snapshot(report),
        f"Bericht {'angenommen' if accept else 'zurückgegeben'}: {report.contract.title}",
    )
    if not accept:
        for u in _reporter_users(report):
            from ..mail import queue

            queue(
                u.email,
                f"Bericht zurückgegeben: {report.contract.title}",
                f"Guten Tag {u.display_name},\n\nIhr Bericht „{report}“ wurde zur Überarbeitung zurückgegeben.\n\n"
                f"Kommentar: {report.review_comment}\n\nBitte melden Sie sich an und reichen Sie ihn erneut ein:\n"
                f"{current_app.config['BASE_URL']}/kontrakte/berichte/{report.id}\n",
                category="kontrakte",
            )
    db.session.flush()
    return report


def _check_deviation(user, report: Report) -> TopicProposal | None:
    """A red light on a reported value proposes a TOP for the contract's committee (once per report)."""
    contract = report.contract
    red = []
    for ind in contract.indicators:
        ev = evaluate(ind)
        row = next((r for r in ev.rows if r.day == report.period_end), None)
        if row is not None and row.light == "rot":
            red.append((ind, row))
    if not red or contract.committee is None:
        return None
    lines = [
        f"- {ind.name}: Ist {_fmt(row.ist)} {ind.unit or ''}, Soll {_fmt(row.soll.quantize(Decimal('0.01')))} "
        f"(Abweichung {_fmt(row.deviation.quantize(Decimal('0.1')))} %)"
        for ind, row in red
    ]
    description = (
        f"Im Bericht für {report.period_start:%d.%m.%Y}–{report.period_end:%d.%m.%Y} zum Kontrakt "
        f"„{contract.title}“ weichen Kennzahlen über die Toleranz hinaus vom Soll ab:\n\n"
        + "\n".join(lines)
        + "\n\nVorschlag: im nächsten Zielvereinbarungsgespräch gegensteuern."
    )
    label = f"Bericht {report.period_end:%d.%m.%Y} – {contract.title}"
    existing = db.session.get(TopicProposal, report.topic_proposal_id) if report.topic_proposal_id else None
    from ..planung.abweichungen import report_deviation  # … and back to where the need was raised

    if existing is not None:
        existing.description = description
        report_deviation(report, description)
        return existing
    # Proposed by the system on the partner's behalf (the partner need not be a member of the committee).
    topic = propose_topic(
        None,
        contract.committee,
        f"Abweichung vom Soll: {contract.title}"[:300],
        description,
        "bericht",
        report.id,
        label,
    )
    db.session.flush()
    report.topic_proposal_id = topic.id
    report_deviation(report, description)
    return topic


def _reporter_users(report: Report) -> list[User]:
    party = report.duty.party
    if party.organisation_id:
        cond = (RoleAssignment.role == ROLE_PARTNER) & (RoleAssignment.organisation_id == party.organisation_id)
    else:
        cond = (RoleAssignment.role == ROLE_PLANNER) & (RoleAssignment.body_id == party.body_id)
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(cond, User.is_enabled.is_(True))
            .distinct()
        )
    )


def overdue_reports_query(today: date | None = None) -> Select:
    today = today or date.today()
    return (
        select(Report)
        .join(Contract, Report.contract_id == Contract.id)
        .where(Report.status.in_(OPEN_REPORT_STATES), Report.due_date < today, Contract.status.in_(IN_FORCE_STATES))
        .options(
            selectinload(Report.duty).selectinload(ReportingDuty.party).selectinload(ContractParty.organisation),
            selectinload(Report.contract),
        )
        .order_by(Report.due_date)
    )


def send_reminders(today: date | None = None, interval_days: int = 7) -> int:
    """Queue a reminder for every overdue report (again after interval_days). Returns mails queued."""
    from ..mail import queue

    today = today or date.today()
    count = 0
    for report in db.session.scalars(overdue_reports_query(today)):
        if report.reminded_at and (today - report.reminded_at.date()).days < interval_days:
            continue
        for u in _reporter_users(report):
            queue(
                u.email,
                f"Erinnerung: Bericht überfällig – {report.contract.title}",
                f"Guten Tag {u.display_name},\n\nder Bericht „{report.duty.title}“ für den Zeitraum "
                f"{report.period_start:%d.%m.%Y} bis {report.period_end:%d.%m.%Y} zum Kontrakt "
                f"„{report.contract.title}“ war am {report.due_date:%d.%m.%Y} fällig.\n\n"
                f"Bitte reichen Sie ihn hier ein:\n{current_app.config['BASE_URL']}/kontrakte/berichte/{report.id}\n\n"
                "Vielen Dank!\nIhre Sozialplanung",
                category="kontrakte",
            )
            count += 1
        report.reminded_at = utcnow() if today == date.today() else datetime.combine(today, time(8))
    db.session.flush()
    return count


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
    try:
        db.session.flush()
    except Exception:
        storage.discard(f"kontrakte/{stored}")
        raise
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


# --- goals -------------------------------------------------------------------------

GOAL_FIELDS_EDITABLE = [
    "body_id",
    "parent_id",
    "level",
    "field",
    "title",
    "description",
    "status",
    "target_group_id",
    "area_id",
    "due_date",
    "smart_hint",
    "source_finding_id",
] + [a for a, _l in SMART]


def _check_goal(values: dict, goal: Goal | None) -> dict:
    errors = {}
    if not (values.get("title") or "").strip():
        errors["title"] = "Bitte einen Titel angeben."
    if values.get("level") not in GOAL_LEVELS:
        errors["level"] = "Ungültige Zielebene."
    if values.get("field") not in GOAL_FIELDS:
        errors["field"] = "Ungültiges Zielfeld."
    if values.get("status") not in GOAL_STATES:
        errors["status"] = "Ungültiger Status."
    if values.get("source_finding_id"):
        from models.surveys import Finding

        if db.session.get(Finding, values["source_finding_id"]) is None:
            errors["source_finding_id"] = "Diesen Befund gibt es nicht."
    parent_id = values.get("parent_id")
    if parent_id:
        parent = db.session.get(Goal, parent_id)
        if parent is None:
            errors["parent_id"] = "Übergeordnetes Ziel nicht gefunden."
        else:
            if values.get("level") in GOAL_LEVELS and GOAL_LEVELS.index(parent.level) >= GOAL_LEVELS.index(
                values["level"]
            ):
                errors["parent_id"] = (
                    f"Ein {values.get('level')} muss unter einer höheren Ebene stehen "
                    f"(nicht unter einem {parent.level})."
                )
            node = parent
            while node is not None and goal is not None:
                if node.id == goal.id:
                    errors["parent_id"] = "Ein Ziel kann nicht unter sich selbst stehen."
                    break
                node = node.parent
    elif values.get("level") not in (None, "Leitziel") and values.get("level") in GOAL_LEVELS:
        errors["parent_id"] = "Bitte das übergeordnete Ziel wählen (nur ein Leitziel steht oben)."
    if values.get("status") == GoalStatus.BESCHLOSSEN:
        missing = [label for attr, label in SMART if not values.get(attr)]
        if missing and values.get("level") != "Leitziel":
            errors["status"] = "Beschlossen werden nur SMARTe Ziele; es fehlt: " + ", ".join(missing) + "."
    return errors


def save_goal(user, goal: Goal | None, values: dict, version=None) -> Goal:
    if goal is None:
        require(perm.can_create_goal(user, values.get("body_id")))
    else:
        require(perm.can_manage_goal(user, goal))
        ensure_version(goal, version)
    errors = _check_goal(values, goal)
    if errors:
        raise ValidationError(errors)
    before = snapshot(goal) if goal is not None else None
    if goal is None:
        goal = Goal()
        db.session.add(goal)
    for name in GOAL_FIELDS_EDITABLE:
        if name in values and not (name == "body_id" and goal.id):
            setattr(goal, name, values[name])
    goal.updated_at = utcnow()
    db.session.flush()
    record(user, "update" if before else "create", goal, before, snapshot(goal))
    db.session.flush()
    return goal


# --- indicators ----------------------------------------------------------------------

INDICATOR_FIELDS = [
    "body_id",
    "contract_id",
    "goal_id",
    "name",
    "definition",
    "base_population",
    "unit",
    "baseline_value",
    "baseline_date",
    "target_mode",
    "target_input",
    "target_date",
    "direction",
    "data_source",
    "periodicity",
    "area_id",
    "sensitive",
    "green_limit",
    "yellow_limit",
    "plausible_min",
    "plausible_max",
]


def _check_indicator(values: dict) -> dict:
    errors = {}
    if not (values.get("name") or "").strip():
        errors["name"] = "Bitte einen Namen angeben."
    if values.get("target_mode") not in TARGET_MODES:
        errors["target_mode"] = "Ungültige Zielart."
    if values.get("direction") not in DIRECTIONS:
        errors["direction"] = "Bitte die Richtung wählen."
    if values.get("periodicity") not in PERIODICITIES:
        errors["periodicity"] = "Ungültiger Rhythmus."
    b, t = values.get("baseline_date"), values.get("target_date")
    if b and t and t <= b:
        errors["target_date"] = "Das Zieldatum muss nach dem Stichtag des Ausgangswerts liegen."
    g, y = values.get("green_limit"), values.get("yellow_limit")
    if g is not None and y is not None and (g < 0 or y < g):
        errors["yellow_limit"] = "Die Grenze für Gelb muss mindestens so groß sein wie die für Grün."
    if (
        values.get("target_mode") == "relativ"
        and values.get("target_input") is not None
        and values["target_input"] <= -100
    ):
        errors["target_input"] = "Eine relative Änderung von −100 % oder weniger ist nicht möglich."
    lo, hi = values.get("plausible_min"), values.get("plausible_max")
    if lo is not None and hi is not None and hi < lo:
        errors["plausible_max"] = "Der Höchstwert liegt unter dem Mindestwert."
    return errors


def save_indicator(user, indicator: Indicator | None, values: dict, version=None) -> Indicator:
    contract = db.session.get(Contract, values["contract_id"]) if values.get("contract_id") else None
    if contract is not None:
        require(perm.can_manage_contract(user, contract))
        values["body_id"] = contract.body_id
    if indicator is None:
        require(perm.can_create_contract(user, values.get("body_id")))
    else:
        require(perm.can_manage_indicator(user, indicator))
        ensure_version(indicator, version)
    errors = _check_indicator(values)
    if errors:
        raise ValidationError(errors)
    before = snapshot(indicator) if indicator is not None else None
    if indicator is None:
        indicator = Indicator()
        db.session.add(indicator)
    for name in INDICATOR_FIELDS:
        if name in values and not (name == "body_id" and indicator.id and contract is None):
            setattr(indicator, name, values[name])
    indicator.updated_at = utcnow()
    db.session.flush()
    record(user, "update" if before else "create", indicator, before, snapshot(indicator))
    db.session.flush()
    return indicator


def add_measurement(user, indicator: Indicator, period_end: date | None, value_text: str, note=None) -> Measurement:
    """The planner records an Ist value (e.g. from the statistics office)."""
    require(perm.can_manage_indicator(user, indicator))
    errors = {}
    value, error = _check_value(indicator, value_text)
    if error:
        errors["value"] = error
    elif value is None:
        errors["value"] = "Bitte einen Wert eingeben."
    if not period_end:
        errors["period_end"] = "Bitte den Stichtag angeben."
    elif period_end > date.today():
        errors["period_end"] = "Der Stichtag liegt in der Zukunft."
    elif period_end < indicator.baseline_date:
        errors["period_end"] = "Der Stichtag liegt vor dem Ausgangswert."
    elif any(m.period_end == period_end for m in indicator.measurements):
        errors["period_end"] = "Für diesen Stichtag gibt es bereits einen Wert."
    if errors:
        raise ValidationError(errors)
    m = Measurement(
        indicator=indicator,
        period_end=period_end,
        value=value,
        note=note or None,
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(m)
    db.session.flush()
    record(
        user,
        "measure",
        indicator,
        None,
        {"stichtag": period_end.isoformat(), "wert": str(value)},
        f"Ist-Wert {indicator.name}",
    )
    db.session.flush()
    return m


def soll_for(indicator: Indicator, day: date) -> Decimal:
    """Soll value of an indicator at a date (linear path from baseline to target)."""
    from .kennzahlen import soll_at, target_value

    target = target_value(indicator.baseline_value, indicator.target_mode, indicator.target_input)
    return soll_at(indicator.baseline_value, indicator.baseline_date, target, indicator.target_date, day)
