"""Ziele und Kennzahlen eines Kontrakts: anlegen, ändern, Messwerte erfassen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import utcnow
from models.contracts import (
    DIRECTIONS,
    GOAL_FIELDS,
    GOAL_LEVELS,
    GOAL_STATES,
    PERIODICITIES,
    SMART,
    TARGET_MODES,
    Contract,
    Goal,
    GoalStatus,
    Indicator,
    Measurement,
)

from .. import ValidationError, ensure_version, require
from ..audit import record, snapshot
from .berichte import _check_value

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
