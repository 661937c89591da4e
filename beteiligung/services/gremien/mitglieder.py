"""Mitgliedschaften in Gremien (Kernkreis, erweiterter Kreis, Vertretung, Mandat)."""

from __future__ import annotations

from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import Committee, Membership, Person

from .. import ValidationError, require
from ..audit import record, snapshot

CIRCLES = ["Kernkreis", "erweiterter Kreis"]


# --- memberships --------------------------------------------------------------

MEMBERSHIP_FIELDS = (
    "person_id",
    "organisation_id",
    "deputy_id",
    "role",
    "has_mandate",
    "circle",
    "start_date",
    "end_date",
)


def _check_membership(c: Committee, values: dict, membership=None) -> dict:
    errors = {}
    person = db.session.get(Person, values.get("person_id") or 0)
    if person is None:
        errors["person_id"] = "Bitte eine Person wählen."
    if values.get("deputy_id") is not None:
        if db.session.get(Person, values["deputy_id"]) is None:
            errors["deputy_id"] = "Die Vertretung ist nicht im System erfasst."
        elif values["deputy_id"] == values.get("person_id"):
            errors["deputy_id"] = "Eine Person kann sich nicht selbst vertreten."
    if values.get("circle") not in CIRCLES:
        errors["circle"] = "Bitte Kernkreis oder erweiterten Kreis wählen."
    s, e = values.get("start_date"), values.get("end_date")
    if s and e and e < s:
        errors["end_date"] = "Das Ende der Mitgliedschaft liegt vor ihrem Beginn."
    if person is not None and not errors:
        q = select(Membership.id).where(
            Membership.committee_id == c.id, Membership.person_id == person.id, Membership.end_date.is_(None)
        )
        if membership is not None:
            q = q.where(Membership.id != membership.id)
        if not values.get("end_date") and db.session.scalar(q):
            errors["person_id"] = "Diese Person ist bereits Mitglied dieses Gremiums."
    return errors


def add_membership(user, c: Committee, values: dict) -> Membership:
    require(perm.can_manage_committee(user, c))
    values = {"circle": "Kernkreis", **values}
    errors = _check_membership(c, values)
    if errors:
        raise ValidationError(errors)
    fields = {k: values.get(k) for k in MEMBERSHIP_FIELDS}
    if fields.get("organisation_id") is None:
        fields["organisation_id"] = db.session.get(Person, fields["person_id"]).organisation_id
    m = Membership(committee=c, **fields)
    m.has_mandate = bool(values.get("has_mandate"))
    db.session.add(m)
    record(user, "create", m, None, snapshot(m), f"Mitgliedschaft in {c.name}")
    return m


def update_membership(user, m: Membership, values: dict) -> Membership:
    require(perm.can_manage_committee(user, m.committee))
    merged = {**{k: getattr(m, k) for k in MEMBERSHIP_FIELDS}, **values}
    errors = _check_membership(m.committee, merged, m)
    if errors:
        raise ValidationError(errors)
    before = snapshot(m)
    for k in MEMBERSHIP_FIELDS:
        if k in values:
            setattr(m, k, values[k])
    m.has_mandate = bool(merged.get("has_mandate"))
    record(user, "update", m, before, snapshot(m), f"Mitgliedschaft in {m.committee.name}")
    return m


def remove_membership(user, m: Membership) -> None:
    require(perm.can_manage_committee(user, m.committee))
    record(user, "delete", m, snapshot(m), None, f"Mitgliedschaft in {m.committee.name}")
    db.session.delete(m)
