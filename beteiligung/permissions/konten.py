"""Accounts and administration: users, roles, deputies, audit log, outbox, retention."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from models import ROLE_ADMIN, ROLE_AREA_MANAGER, ROLE_PARTNER, Area, Body, Organisation

from .core import scope_of

if TYPE_CHECKING:
    from models import RoleAssignment, User

    from .core import Actor


def can_use_app(user: Actor) -> bool:
    return scope_of(user).authenticated


def can_manage_users(user: Actor) -> bool:
    return scope_of(user).planner


def can_manage_user(user: Actor, other: User | None) -> bool:
    """Admins manage everyone; planners manage non-admin users of their own body."""
    s = scope_of(user)
    if s.admin:
        return True
    if not s.planner_body_ids or other is None:
        return False
    for r in other.roles:
        if r.role == ROLE_ADMIN:
            return False
    # An account without any role belongs to no body: only admins manage it (otherwise every
    # planner of every Kreis could see and lock it).
    return bool(other.roles) and all(_role_body_id(r) in s.planner_body_ids for r in other.roles)


def _role_body_expr():
    """SQL twin of _role_body_id(): the body a role assignment belongs to."""
    from sqlalchemy import case, func

    from models import RoleAssignment
    from models.accounts import role_area

    return case(
        (
            RoleAssignment.role == ROLE_PARTNER,
            select(Organisation.body_id).where(Organisation.id == RoleAssignment.organisation_id).scalar_subquery(),
        ),
        (
            RoleAssignment.role == ROLE_AREA_MANAGER,
            select(func.min(Area.body_id))
            .join(role_area, role_area.c.area_id == Area.id)
            .where(role_area.c.role_id == RoleAssignment.id)
            .scalar_subquery(),
        ),
        else_=RoleAssignment.body_id,
    )


def deputy_candidate_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: accounts a user may name as deputy (and so see by name): active accounts
    with a role in the user's Kreis; admins choose from everybody."""
    from sqlalchemy import exists

    from models import RoleAssignment, User

    s = scope_of(user)
    base = User.is_enabled.is_(True)
    if s.admin:
        return base
    if not s.tree_body_ids:
        return false()
    return base & exists().where(RoleAssignment.user_id == User.id, _role_body_expr().in_(s.tree_body_ids))


def user_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: accounts this user may manage (mirrors can_manage_user)."""
    from sqlalchemy import and_, exists

    from models import RoleAssignment, User

    s = scope_of(user)
    if s.admin:
        return true()
    if not s.planner_body_ids:
        return false()
    role_body = _role_body_expr()
    outside = exists().where(
        RoleAssignment.user_id == User.id,
        or_(RoleAssignment.role == ROLE_ADMIN, role_body.is_(None), role_body.not_in(s.planner_body_ids)),
    )
    has_role = exists().where(RoleAssignment.user_id == User.id)
    return and_(has_role, ~outside)


def _role_body_id(role: RoleAssignment) -> int | None:
    if role.role == ROLE_PARTNER and role.organisation is not None:
        return role.organisation.body_id
    if role.role == ROLE_AREA_MANAGER and role.areas:
        return role.areas[0].body_id
    return role.body_id


def can_grant_role(user: Actor, role: str, body_id: int | None) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    return role != ROLE_ADMIN and body_id in s.planner_body_ids


def can_see_audit(user: Actor) -> bool:
    """The change history of a record the user may see (Stammdaten detail pages)."""
    return scope_of(user).planner


def can_read_audit_log(user: Actor) -> bool:
    """The global audit log spans every Kreis and holds personal data (snapshots): admins only."""
    return scope_of(user).admin


def can_read_outbox(user: Actor) -> bool:
    return scope_of(user).admin


def can_manage_retention(user: Actor) -> bool:
    """Retention runs delete data of every Kreis (registrations, drafts, sent mail): admins only."""
    return scope_of(user).admin


def is_admin(user: Actor) -> bool:
    return scope_of(user).admin


def is_staff(user: Actor) -> bool:
    """Administration, Sozialplanung or Sozialraummanagement (not partners, not Politik)."""
    return scope_of(user).staff


def is_planner(user: Actor) -> bool:
    """Administration or Sozialplanung of some body."""
    return scope_of(user).planner


def planner_body_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on Body: the bodies in which the user plans (creates contracts, goals, indicators,
    surveys; grants roles); admins all."""
    s = scope_of(user)
    if s.admin:
        return true()
    return Body.id.in_(s.planner_body_ids) if s.planner_body_ids else false()
