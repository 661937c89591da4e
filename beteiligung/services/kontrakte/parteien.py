"""Vertragsparteien (Beteiligte, Unterschriften) und die Budgetplanung eines Kontrakts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from beteiligung.extensions import db
from models import utcnow
from models.contracts import (
    BUDGET_KINDS,
    PARTY_ROLES,
    BudgetLine,
    Contract,
    ContractParty,
)

from .. import ValidationError, ensure_version
from ..audit import record, snapshot
from .kennzahlen import format_euro
from .vertraege import FIVE_YEARS_MESSAGE, _parse_budget, _require_editable


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
