"""Kontrakte: anlegen, ändern, Nachträge, Status, löschen – permission-checked and audited.

Parties and budget: parteien.py; versions: versionen.py; reports: berichte.py; attachments:
anhaenge.py; goals and indicators: ziele.py; evaluating indicators (Ampel, formats): kennzahlen.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import utcnow
from models.contracts import (
    BUDGET_KINDS,
    CLAUSES,
    CLOSED_STATES,
    CONTRACT_TRANSITIONS,
    IN_FORCE_STATES,
    Attachment,
    BudgetLine,
    Contract,
    ContractStatus,
    ContractVersion,
)

from .. import Conflict, ValidationError, ensure_version, require
from ..audit import record, snapshot
from ..betrieb import storage
from .kennzahlen import format_euro, parse_decimal_de

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
        from .berichte import generate_reports  # berichte builds on this module

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
    from .anhaenge import attachment_key  # anhaenge builds on this module

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
