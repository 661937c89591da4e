"""Audit log writer and the snapshot of a record's fields."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from beteiligung.extensions import db
from models import AuditEntry

SKIP = {"created_at", "updated_at", "version", "password_hash"}


def _jsonable(value):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def snapshot(obj, relations: tuple[str, ...] = ()) -> dict:
    """Column values of obj (and ids of the named to-many relationships) as JSON data."""
    mapper = sa_inspect(obj).mapper
    data = {}
    for col in mapper.column_attrs:
        if col.key in SKIP:
            continue
        data[col.key] = _jsonable(getattr(obj, col.key))
    for rel in relations:
        data[rel] = sorted(str(item) for item in getattr(obj, rel))
    return data


def record(user, action: str, obj, before: dict | None, after: dict | None, summary: str = "") -> AuditEntry:
    """Append an audit entry in the current transaction (flushes to get obj.id)."""
    if obj.id is None:
        db.session.flush()
    entry = AuditEntry(
        user_id=getattr(user, "id", None),
        action=action,
        entity_type=type(obj).__name__ if not hasattr(obj, "audit_type") else obj.audit_type,
        entity_id=obj.id,
        summary=(summary or str(obj))[:300],
        before=before,
        after=after,
    )
    db.session.add(entry)
    return entry


def history(entity_type: str, entity_id: int, limit: int = 200) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == entity_id)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
