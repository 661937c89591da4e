"""Gremien und Gremienarten: anlegen, ändern, lesen.

Every function checks permission, validates, writes in the caller's transaction (flush, never commit)
and records an audit entry; the caller's unit of work commits (beteiligung/uow.py). Memberships:
mitglieder.py; meetings: sitzungen.py; agenda: tagesordnung.py; Themenspeicher: themen.py.
"""

from __future__ import annotations

from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import Committee, CommitteeType

from .. import NotFound, ValidationError, ensure_version, require
from ..audit import record, snapshot

# --- committee types (small admin list) -----------------------------------------


def save_type(user, ctype: CommitteeType | None, values: dict) -> CommitteeType:
    require(perm.can_manage_committee_types(user))
    name = (values.get("name") or "").strip()
    if not name:
        raise ValidationError({"name": "Bitte einen Namen angeben."})
    q = select(CommitteeType.id).where(func.lower(CommitteeType.name) == name.lower())
    if ctype is not None:
        q = q.where(CommitteeType.id != ctype.id)
    if db.session.scalar(q):
        raise ValidationError({"name": "Diese Gremienart gibt es bereits."})
    before = snapshot(ctype) if ctype else None
    if ctype is None:
        ctype = CommitteeType()
        db.session.add(ctype)
    ctype.name = name
    ctype.public_default = bool(values.get("public_default"))
    ctype.description = values.get("description") or None
    record(user, "update" if before else "create", ctype, before, snapshot(ctype))
    return ctype


# --- committees ---------------------------------------------------------------


def _check_committee(values: dict) -> dict:
    errors = {}
    if not (values.get("name") or "").strip():
        errors["name"] = "Bitte einen Namen angeben."
    if not values.get("type_id") or db.session.get(CommitteeType, values["type_id"]) is None:
        errors["type_id"] = "Bitte eine Gremienart wählen."
    if values.get("quorum") is not None and values["quorum"] < 1:
        errors["quorum"] = "Die Beschlussfähigkeit muss mindestens 1 sein."
    return errors


COMMITTEE_FIELDS = ("name", "type_id", "body_id", "purpose", "is_public", "cadence", "quorum", "active")


def create_committee(user, values: dict) -> Committee:
    require(perm.can_create_committee(user, values.get("body_id")))
    errors = _check_committee(values)
    if errors:
        raise ValidationError(errors)
    c = Committee(**{k: values.get(k) for k in COMMITTEE_FIELDS if k in values})
    c.areas = list(values.get("areas") or [])
    c.terms = list(values.get("terms") or [])
    db.session.add(c)
    # A Sozialraummanager may only create committees tied to their areas
    require(
        perm.can_manage_committee(user, c), "Sie dürfen nur Gremien Ihrer Körperschaft oder Ihrer Sozialräume anlegen."
    )
    record(user, "create", c, None, snapshot(c, ("areas", "terms")))
    return c


def update_committee(user, c: Committee, values: dict, version) -> Committee:
    require(perm.can_manage_committee(user, c))
    ensure_version(c, version)
    errors = _check_committee({**{k: getattr(c, k) for k in COMMITTEE_FIELDS}, **values})
    if errors:
        raise ValidationError(errors)
    if "body_id" in values and values["body_id"] != c.body_id:
        require(perm.can_create_committee(user, values["body_id"]))
    before = snapshot(c, ("areas", "terms"))
    for k in COMMITTEE_FIELDS:
        if k in values:
            setattr(c, k, values[k])
    if "areas" in values:
        c.areas = list(values["areas"])
    if "terms" in values:
        c.terms = list(values["terms"])
    require(perm.can_manage_committee(user, c))
    record(user, "update", c, before, snapshot(c, ("areas", "terms")))
    return c


def get_committee(user, committee_id: int) -> Committee:
    c = db.session.get(Committee, committee_id)
    if c is None or not perm.can_view_committee(user, c):
        raise NotFound()
    return c
