"""Stammdaten: bodies, areas, organisations, persons, taxonomies."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from models import Area, Body, Organisation, Person, organisation_area

from .core import _in_tree, scope_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    from models import Area, Body, Organisation, Person

    from .core import Actor

# --- master data -------------------------------------------------------------


def can_read_masterdata(user: Actor) -> bool:
    """Bodies, areas, organisations and taxonomies are shared within a Kreis."""
    return scope_of(user).authenticated


def can_view_body(user: Actor, body: Body) -> bool:
    return _in_tree(scope_of(user), body.id)


def can_edit_body(user: Actor, body: Body = None) -> bool:
    return scope_of(user).admin


def can_view_area(user: Actor, area: Area) -> bool:
    return _in_tree(scope_of(user), area.body_id)


def can_create_area(user: Actor, body_id: int | None = None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_edit_area(user: Actor, area: Area) -> bool:
    s = scope_of(user)
    return s.admin or area.body_id in s.planner_body_ids


def can_edit_terms(user: Actor) -> bool:
    return scope_of(user).planner


def can_view_organisation(user: Actor, org: Organisation) -> bool:
    return _in_tree(scope_of(user), org.body_id)


def can_create_organisation(user: Actor, body_id: int | None = None) -> bool:
    s = scope_of(user)
    bodies = s.planner_body_ids | s.area_body_ids
    return s.admin or (body_id in bodies if body_id else bool(bodies))


def can_edit_organisation(user: Actor, org: Organisation) -> bool:
    s = scope_of(user)
    if s.admin or org.body_id in s.planner_body_ids or org.id in s.partner_org_ids:
        return True
    if s.area_ids:
        return any(a.id in s.area_ids for a in org.areas)
    return False


def can_delete_organisation(user: Actor, org: Organisation) -> bool:
    s = scope_of(user)
    return s.admin or org.body_id in s.planner_body_ids


def organisation_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: organisations this user may list."""
    s = scope_of(user)
    if s.admin:
        return true()
    if not s.tree_body_ids:
        return false()
    return Organisation.body_id.in_(s.tree_body_ids)


def can_read_persons(user: Actor) -> bool:
    s = scope_of(user)
    return s.staff or bool(s.partner_org_ids)


def person_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: persons (contact data) this user may list.

    Staff of the Kreis tree see all persons of their tree; a partner sees the
    persons of their own organisation; Politik sees no contact data.
    """
    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids or s.area_ids:
        conds.append(Person.body_id.in_(s.tree_body_ids))
    if s.partner_org_ids:
        conds.append(Person.organisation_id.in_(s.partner_org_ids))
    return or_(*conds) if conds else false()


def can_view_person(user: Actor, person: Person) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    if (s.planner_body_ids or s.area_ids) and person.body_id in s.tree_body_ids:
        return True
    return person.organisation_id is not None and person.organisation_id in s.partner_org_ids


def can_create_person(user: Actor, body_id: int | None = None, organisation_id: int | None = None) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    if body_id is not None and body_id in (s.planner_body_ids | s.area_body_ids):
        return True
    if body_id is None and (s.planner_body_ids or s.area_body_ids):
        return True
    return organisation_id is not None and organisation_id in s.partner_org_ids


def can_edit_person(user: Actor, person: Person) -> bool:
    s = scope_of(user)
    if s.admin or person.body_id in (s.planner_body_ids | s.area_body_ids):
        return True
    return person.organisation_id is not None and person.organisation_id in s.partner_org_ids


def can_erase_person(user: Actor, person: Person) -> bool:
    """Art. 17 DSGVO: anonymise. Only the owning body's planners (or admins)."""
    s = scope_of(user)
    return s.admin or person.body_id in s.planner_body_ids


def can_import_masterdata(user: Actor) -> bool:
    return scope_of(user).planner


def writable_body_ids(user: Actor) -> set[int] | None:
    """Bodies a user may create master data in; None means all (admin)."""
    s = scope_of(user)
    if s.admin:
        return None
    return s.planner_body_ids | s.area_body_ids


def partner_organisation_ids(user: Actor) -> set[int]:
    return set(scope_of(user).partner_org_ids)


def area_filter(user: Actor) -> ColumnElement[bool]:
    s = scope_of(user)
    if s.admin:
        return true()
    return Area.body_id.in_(s.tree_body_ids) if s.tree_body_ids else false()


def body_filter(user: Actor) -> ColumnElement[bool]:
    s = scope_of(user)
    if s.admin:
        return true()
    return Body.id.in_(s.tree_body_ids) if s.tree_body_ids else false()


def area_org_filter(area_ids: Iterable[int]) -> ColumnElement[bool]:
    """Organisations working in one of area_ids (for Sozialraummanagement views)."""
    return Organisation.id.in_(
        select(organisation_area.c.organisation_id).where(organisation_area.c.area_id.in_(area_ids))
    )
