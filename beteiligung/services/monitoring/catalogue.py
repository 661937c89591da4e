"""Indicator catalogue and values over time."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import NotFound, ValidationError, ensure_version
from beteiligung.services.audit import record, snapshot
from models import Area, Body
from models.monitoring import DEFAULT_MIN_COUNT, Direction, StatIndicator, StatValue

from . import check, is_suppressed, lineage_ids

FIELDS = (
    "key",
    "name",
    "unit",
    "definition",
    "source",
    "is_rate",
    "numerator_label",
    "denominator_label",
    "rate_factor",
    "direction",
    "periodicity",
    "area_kind",
    "min_count",
    "licence_note",
)
KEY_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def validate_indicator(values: dict, body_id: int, indicator: StatIndicator | None = None) -> dict:
    """Normalised values or ValidationError with German messages per field."""
    errors = {}
    key = (values.get("key") or "").strip().lower()
    if not key:
        errors["key"] = "Bitte einen Schlüssel angeben."
    elif not set(key) <= KEY_CHARS or len(key) > 60:
        errors["key"] = "Nur Kleinbuchstaben a–z, Ziffern und Unterstrich (höchstens 60 Zeichen)."
    else:
        other = db.session.scalar(
            select(StatIndicator.id).where(StatIndicator.body_id == body_id, StatIndicator.key == key)
        )
        if other is not None and (indicator is None or other != indicator.id):
            errors["key"] = f"Den Schlüssel „{key}“ gibt es in dieser Körperschaft schon."
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = "Bitte einen Namen angeben."
    direction = values.get("direction") or Direction.HIGHER_WORSE
    if direction not in {d.value for d in Direction}:
        errors["direction"] = "Bitte eine Richtung wählen."
    min_count = values.get("min_count")
    if min_count in (None, ""):
        min_count = DEFAULT_MIN_COUNT
    try:
        min_count = int(min_count)
        if min_count < 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["min_count"] = "Die Mindestfallzahl muss eine ganze Zahl ab 0 sein."
    factor = values.get("rate_factor")
    if factor in (None, ""):
        factor = 100.0
    try:
        factor = float(factor)
        if factor <= 0:
            raise ValueError
    except (TypeError, ValueError):
        errors["rate_factor"] = "Der Faktor muss eine positive Zahl sein (100 für Prozent)."
    if errors:
        raise ValidationError(errors)
    out = {f: values.get(f) for f in FIELDS}
    for f in (
        "unit",
        "definition",
        "source",
        "numerator_label",
        "denominator_label",
        "periodicity",
        "area_kind",
        "licence_note",
    ):
        out[f] = (out[f] or "").strip() or None
    out.update(
        key=key,
        name=name,
        direction=str(direction),
        min_count=min_count,
        rate_factor=factor,
        is_rate=bool(values.get("is_rate")) or bool(out["numerator_label"] and out["denominator_label"]),
    )
    return out


def create_indicator(user, body: Body, values: dict) -> StatIndicator:
    check(user, mperm.can_manage_monitoring(user, body))
    data = validate_indicator(values, body.id)
    indicator = StatIndicator(body_id=body.id, **data)
    db.session.add(indicator)
    db.session.flush()
    record(user, "create", indicator, None, snapshot(indicator))
    return indicator


def update_indicator(user, indicator: StatIndicator, values: dict, version=None) -> StatIndicator:
    check(user, mperm.can_manage_stat_indicator(user, indicator))
    if version is not None:
        ensure_version(indicator, version)
    data = validate_indicator(values, indicator.body_id, indicator)
    before = snapshot(indicator)
    for k, v in data.items():
        setattr(indicator, k, v)
    db.session.flush()
    record(user, "update", indicator, before, snapshot(indicator))
    return indicator


def get_indicator(user, indicator_id: int) -> StatIndicator:
    indicator = db.session.get(StatIndicator, indicator_id)
    if indicator is None or (user is not None and not mperm.can_view_stat_indicator(user, indicator)):
        raise NotFound()
    return indicator


def list_indicators(user, page: int | None = None, per_page: int = 50):
    q = select(StatIndicator).where(mperm.stat_indicator_filter(user)).order_by(StatIndicator.key, StatIndicator.id)
    return db.paginate(q, page=page, per_page=per_page, error_out=False) if page else list(db.session.scalars(q))


def catalogue_for(body: Body) -> dict[str, StatIndicator]:
    """Indicators usable for a body: its own and its Kreis's (own wins on equal keys)."""
    ids = lineage_ids(body)
    out: dict[str, StatIndicator] = {}
    rows = db.session.scalars(select(StatIndicator).where(StatIndicator.body_id.in_(ids)))
    rank = {bid: i for i, bid in enumerate(ids)}
    for ind in sorted(rows, key=lambda i: -rank[i.body_id]):
        out[ind.key] = ind
    return out


def derive_value(indicator: StatIndicator, value, numerator, denominator):
    """Rate from numerator/denominator (× factor) when the value itself is missing."""
    if value is None and indicator.is_rate and numerator is not None and denominator:
        return numerator / denominator * (indicator.rate_factor or 100.0)
    return value


# --- values over time --------------------------------------------------------------------------------


def reference_dates(user, indicator: StatIndicator) -> list[date]:
    q = (
        select(StatValue.reference_date)
        .join(Area, Area.id == StatValue.area_id)
        .where(StatValue.indicator_id == indicator.id, mperm.value_area_filter(user))
        .distinct()
        .order_by(StatValue.reference_date)
    )
    return list(db.session.scalars(q))


def indicator_table(user, indicator: StatIndicator, dates: list[date]) -> list[dict]:
    """Rows per visible area: {area, cells: {date: shown value or None}, suppressed: {date: bool}}.

    One query for all values; the suppression rule is applied here, before anything is rendered.
    """
    if not dates:
        return []
    q = (
        select(StatValue, Area)
        .join(Area, Area.id == StatValue.area_id)
        .where(
            StatValue.indicator_id == indicator.id, StatValue.reference_date.in_(dates), mperm.value_area_filter(user)
        )
        .order_by(Area.code)
    )
    rows: dict[int, dict] = {}
    for value, area in db.session.execute(q):
        row = rows.setdefault(area.id, {"area": area, "cells": {}, "suppressed": {}})
        hidden = is_suppressed(indicator.min_count, value.numerator)
        row["suppressed"][value.reference_date] = hidden
        row["cells"][value.reference_date] = None if hidden else value.value
    for row in rows.values():
        first, last = dates[0], dates[-1]
        a, b = row["cells"].get(first), row["cells"].get(last)
        row["change"] = (b - a) if (a is not None and b is not None and first != last) else None
    return list(rows.values())


def change_between(user, indicator: StatIndicator, area: Area, first: date, second: date):
    """Change of an area's (shown) value between two reference dates, or None."""
    if user is not None and not mperm.can_view_values_of(user, area.body_id):
        raise NotFound()
    vals = {
        v.reference_date: v
        for v in db.session.scalars(
            select(StatValue).where(
                StatValue.indicator_id == indicator.id,
                StatValue.area_id == area.id,
                StatValue.reference_date.in_([first, second]),
            )
        )
    }
    a, b = vals.get(first), vals.get(second)
    if a is None or b is None:
        return None
    if is_suppressed(indicator.min_count, a.numerator) or is_suppressed(indicator.min_count, b.numerator):
        return None
    return b.value - a.value


def value_counts(user) -> dict[int, int]:
    """Number of visible values per indicator (one grouped query)."""
    q = (
        select(StatValue.indicator_id, func.count())
        .join(Area, Area.id == StatValue.area_id)
        .where(mperm.value_area_filter(user))
        .group_by(StatValue.indicator_id)
    )
    return dict(db.session.execute(q).all())
