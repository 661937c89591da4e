"""Stored Ampel (issue 14): the traffic light of every indicator and of each of its measurements is kept
in the database, so that lists, counts and the Ampel filter read one column instead of evaluating every
indicator with all its measurements on each request.

The rule stays in one place (services/kontrakte/kennzahlen.evaluate). After every flush that adds, changes or
removes a measurement, or changes an indicator (baseline, target, limits …), the lights of the affected
indicators are recomputed from the flushed rows and written with plain UPDATEs (no version bump: the
stored light is derived data, not an edit) — whoever writes (report, planner, import, demo, test), the
stored light equals the computed one. Migration seiten_01 back-fills existing rows with the same function.
"""

from __future__ import annotations

from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from models.contracts import Indicator, Measurement

from .kennzahlen import evaluate

_INDICATOR = Indicator.__table__
_MEASUREMENT = Measurement.__table__
_INDICATOR_COLUMNS = (
    "id",
    "baseline_value",
    "baseline_date",
    "target_mode",
    "target_input",
    "target_date",
    "direction",
    "green_limit",
    "yellow_limit",
    "light",
)


def lights_for(indicator, measurements) -> tuple[str, dict[int, str]]:
    """(indicator light, {measurement id: light}) by the one rule in indicators.evaluate; works on ORM
    objects and on plain rows alike (attributes as on Indicator/Measurement)."""
    ordered = sorted(measurements, key=lambda m: m.period_end)  # the order evaluate() uses (stable)
    ev = evaluate(indicator, ordered)
    return ev.light, {m.id: row.light for m, row in zip(ordered, ev.rows, strict=True)}


def refresh(connection, indicator_ids, session: Session | None = None) -> int:
    """Recompute and store the lights of these indicators (by id) on `connection`; returns how many
    values changed. With `session`, loaded objects get the new values as their committed state."""
    changed = 0
    for iid in sorted(set(indicator_ids)):
        ind = connection.execute(
            select(*(_INDICATOR.c[name] for name in _INDICATOR_COLUMNS)).where(_INDICATOR.c.id == iid)
        ).first()
        if ind is None:  # deleted
            continue
        ms = connection.execute(
            select(
                _MEASUREMENT.c.id,
                _MEASUREMENT.c.period_end,
                _MEASUREMENT.c.value,
                _MEASUREMENT.c.report_id,
                _MEASUREMENT.c.light,
            ).where(_MEASUREMENT.c.indicator_id == iid)
        ).all()
        light, per_measurement = lights_for(ind, ms)
        if ind.light != light:
            connection.execute(update(_INDICATOR).where(_INDICATOR.c.id == iid).values(light=light))
            changed += 1
        _sync(session, Indicator, iid, light)
        for m in ms:
            value = per_measurement[m.id]
            if m.light != value:
                connection.execute(update(_MEASUREMENT).where(_MEASUREMENT.c.id == m.id).values(light=value))
                changed += 1
            _sync(session, Measurement, m.id, value)
    return changed


def _sync(session, cls, pk, light):
    if session is None:
        return
    obj = session.identity_map.get(identity_key(cls, pk))
    if obj is not None:
        set_committed_value(obj, "light", light)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context):
    ids = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Measurement | Indicator):
            # the loaded state only: never load (an expired attribute of a deleted row) during a flush
            state = inspect(obj).dict
            iid = state.get("indicator_id") if isinstance(obj, Measurement) else state.get("id")
            if iid is not None:
                ids.add(iid)
    if ids:
        refresh(session.connection(), ids, session)
