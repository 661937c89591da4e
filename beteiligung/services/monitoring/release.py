"""Datenhoheit: a Kommune releases its statistics (values) to its Kreis, or withdraws the release."""

from __future__ import annotations

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import ValidationError
from beteiligung.services.audit import record, snapshot
from models import Body
from models.monitoring import MonitoringRelease

from . import check


def release_of(body: Body) -> MonitoringRelease | None:
    return db.session.scalar(select(MonitoringRelease).where(MonitoringRelease.body_id == body.id))


def set_values_released(user, body: Body, released: bool, note: str | None = None) -> bool:
    """Switch the release; returns True if something changed. Audited either way it changes."""
    if body.parent_id is None:
        raise ValidationError("Diese Körperschaft gehört zu keinem Kreis; eine Freigabe ist nicht nötig.")
    check(user, mperm.can_release_values(user, body))
    current = release_of(body)
    if released and current is None:
        current = MonitoringRelease(body_id=body.id, released_by_id=getattr(user, "id", None), note=note)
        db.session.add(current)
        db.session.flush()
        record(
            user, "create", current, None, snapshot(current), f"{body.name}: Monitoring-Werte für den Kreis freigegeben"
        )
        return True
    if not released and current is not None:
        before = snapshot(current)
        record(user, "delete", current, before, None, f"{body.name}: Freigabe der Monitoring-Werte zurückgenommen")
        db.session.delete(current)
        db.session.flush()
        return True
    return False
