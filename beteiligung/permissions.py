"""Every permission decision of the application, in one place.

Services call these functions before they change anything; views call them
to decide what to show; templates can ask through the `can` global.
A user's scope is computed once per request (one small query for the body
tree) and cached on flask.g.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, has_request_context
from sqlalchemy import false, or_, select, true

from beteiligung.extensions import db
from models import (
    ROLE_ADMIN, ROLE_AREA_MANAGER, ROLE_PARTNER, ROLE_PLANNER, ROLE_POLITICS,
    Area, Body, Organisation, Person, organisation_area,
)


@dataclass
class Scope:
    authenticated: bool = False
    admin: bool = False
    planner_body_ids: set[int] = field(default_factory=set)
    area_ids: set[int] = field(default_factory=set)
    area_body_ids: set[int] = field(default_factory=set)
    partner_org_ids: set[int] = field(default_factory=set)
    politics_body_ids: set[int] = field(default_factory=set)
    # Every body of the Kreis trees this user works in (read access to shared master data).
    tree_body_ids: set[int] = field(default_factory=set)

    @property
    def staff(self) -> bool:
        return self.admin or bool(self.planner_body_ids) or bool(self.area_ids)

    @property
    def planner(self) -> bool:
        return self.admin or bool(self.planner_body_ids)


def _body_tree(body_ids: set[int]) -> set[int]:
    """All bodies sharing a root (Kreis) with any of body_ids."""
    if not body_ids:
        return set()
    rows = db.session.execute(select(Body.id, Body.parent_id)).all()
    parent = {bid: pid for bid, pid in rows}

    def root(bid):
        seen = set()
        while parent.get(bid) is not None and bid not in seen:
            seen.add(bid)
            bid = parent[bid]
        return bid

    roots = {root(b) for b in body_ids if b in parent}
    return {b for b in parent if root(b) in roots}


def scope_of(user) -> Scope:
    if user is None or not getattr(user, "is_authenticated", False):
        return Scope()
    cache_key = f"_scope_{user.id}"
    if has_request_context() and hasattr(g, cache_key):
        return getattr(g, cache_key)
    s = Scope(authenticated=True)
    org_ids_for_body = set()
    for r in user.effective_roles():
        if r.role == ROLE_ADMIN:
            s.admin = True
        elif r.role == ROLE_PLANNER and r.body_id:
            s.planner_body_ids.add(r.body_id)
        elif r.role == ROLE_AREA_MANAGER:
            for a in r.areas:
                s.area_ids.add(a.id)
                s.area_body_ids.add(a.body_id)
        elif r.role == ROLE_PARTNER and r.organisation_id:
            s.partner_org_ids.add(r.organisation_id)
            if r.organisation is not None:
                org_ids_for_body.add(r.organisation.body_id)
        elif r.role == ROLE_POLITICS and r.body_id:
            s.politics_body_ids.add(r.body_id)
    s.tree_body_ids = _body_tree(
        s.planner_body_ids | s.area_body_ids | s.politics_body_ids | org_ids_for_body
    )
    if has_request_context():
        setattr(g, cache_key, s)
    return s


def _in_tree(s: Scope, body_id) -> bool:
    return s.admin or body_id in s.tree_body_ids


# --- pages and modules -------------------------------------------------------

def can_use_app(user) -> bool:
    return scope_of(user).authenticated


def can_manage_users(user) -> bool:
    return scope_of(user).planner


def can_manage_user(user, other) -> bool:
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
        (RoleAssignment.role == ROLE_PARTNER,
         select(Organisation.body_id).where(Organisation.id == RoleAssignment.organisation_id).scalar_subquery()),
        (RoleAssignment.role == ROLE_AREA_MANAGER,
         select(func.min(Area.body_id)).join(role_area, role_area.c.area_id == Area.id)
         .where(role_area.c.role_id == RoleAssignment.id).scalar_subquery()),
        else_=RoleAssignment.body_id,
    )


def deputy_candidate_filter(user):
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


def user_filter(user):
    """SQL condition: accounts this user may manage (mirrors can_manage_user)."""
    from sqlalchemy import and_, exists
    from models import RoleAssignment, User
    s = scope_of(user)
    if s.admin:
        return true()
    if not s.planner_body_ids:
        return false()
    role_body = _role_body_expr()
    outside = exists().where(RoleAssignment.user_id == User.id, or_(
        RoleAssignment.role == ROLE_ADMIN, role_body.is_(None), role_body.not_in(s.planner_body_ids)))
    has_role = exists().where(RoleAssignment.user_id == User.id)
    return and_(has_role, ~outside)


def _role_body_id(role) -> int | None:
    if role.role == ROLE_PARTNER and role.organisation is not None:
        return role.organisation.body_id
    if role.role == ROLE_AREA_MANAGER and role.areas:
        return role.areas[0].body_id
    return role.body_id


def can_grant_role(user, role: str, body_id: int | None) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    return role != ROLE_ADMIN and body_id in s.planner_body_ids


def can_see_audit(user) -> bool:
    """The change history of a record the user may see (Stammdaten detail pages)."""
    return scope_of(user).planner


def can_read_audit_log(user) -> bool:
    """The global audit log spans every Kreis and holds personal data (snapshots): admins only."""
    return scope_of(user).admin


def can_read_outbox(user) -> bool:
    return scope_of(user).admin


# --- master data -------------------------------------------------------------

def can_read_masterdata(user) -> bool:
    """Bodies, areas, organisations and taxonomies are shared within a Kreis."""
    return scope_of(user).authenticated


def can_view_body(user, body) -> bool:
    return _in_tree(scope_of(user), body.id)


def can_edit_body(user, body=None) -> bool:
    return scope_of(user).admin


def can_view_area(user, area) -> bool:
    return _in_tree(scope_of(user), area.body_id)


def can_create_area(user, body_id=None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_edit_area(user, area) -> bool:
    s = scope_of(user)
    return s.admin or area.body_id in s.planner_body_ids


def can_edit_terms(user) -> bool:
    return scope_of(user).planner


def can_view_organisation(user, org) -> bool:
    return _in_tree(scope_of(user), org.body_id)


def can_create_organisation(user, body_id=None) -> bool:
    s = scope_of(user)
    bodies = s.planner_body_ids | s.area_body_ids
    return s.admin or (body_id in bodies if body_id else bool(bodies))


def can_edit_organisation(user, org) -> bool:
    s = scope_of(user)
    if s.admin or org.body_id in s.planner_body_ids or org.id in s.partner_org_ids:
        return True
    if s.area_ids:
        return any(a.id in s.area_ids for a in org.areas)
    return False


def can_delete_organisation(user, org) -> bool:
    s = scope_of(user)
    return s.admin or org.body_id in s.planner_body_ids


def organisation_filter(user):
    """SQL condition: organisations this user may list."""
    s = scope_of(user)
    if s.admin:
        return true()
    if not s.tree_body_ids:
        return false()
    return Organisation.body_id.in_(s.tree_body_ids)


def can_read_persons(user) -> bool:
    s = scope_of(user)
    return s.staff or bool(s.partner_org_ids)


def person_filter(user):
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


def can_view_person(user, person) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    if (s.planner_body_ids or s.area_ids) and person.body_id in s.tree_body_ids:
        return True
    return person.organisation_id is not None and person.organisation_id in s.partner_org_ids


def can_create_person(user, body_id=None, organisation_id=None) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    if body_id is not None and body_id in (s.planner_body_ids | s.area_body_ids):
        return True
    if body_id is None and (s.planner_body_ids or s.area_body_ids):
        return True
    return organisation_id is not None and organisation_id in s.partner_org_ids


def can_edit_person(user, person) -> bool:
    s = scope_of(user)
    if s.admin or person.body_id in (s.planner_body_ids | s.area_body_ids):
        return True
    return person.organisation_id is not None and person.organisation_id in s.partner_org_ids


def can_erase_person(user, person) -> bool:
    """Art. 17 DSGVO: anonymise. Only the owning body's planners (or admins)."""
    s = scope_of(user)
    return s.admin or person.body_id in s.planner_body_ids


def can_import_masterdata(user) -> bool:
    return scope_of(user).planner


def writable_body_ids(user) -> set[int] | None:
    """Bodies a user may create master data in; None means all (admin)."""
    s = scope_of(user)
    if s.admin:
        return None
    return s.planner_body_ids | s.area_body_ids


def partner_organisation_ids(user) -> set[int]:
    return set(scope_of(user).partner_org_ids)


def area_filter(user):
    s = scope_of(user)
    if s.admin:
        return true()
    return Area.body_id.in_(s.tree_body_ids) if s.tree_body_ids else false()


def body_filter(user):
    s = scope_of(user)
    if s.admin:
        return true()
    return Body.id.in_(s.tree_body_ids) if s.tree_body_ids else false()


def area_org_filter(area_ids):
    """Organisations working in one of area_ids (for Sozialraummanagement views)."""
    return Organisation.id.in_(
        select(organisation_area.c.organisation_id).where(organisation_area.c.area_id.in_(area_ids))
    )


# --- Gremien und Sitzungen (issue 3) --------------------------------------------
# Core rules (foundation): planners manage the committees of their own body, the
# Sozialraummanagement those tied to its areas; staff of the Kreis read all; a
# partner reads committees where their organisation (or their person) is a member;
# Politik reads the committees of its Kreis. Public committees are readable by every
# signed-in user (citizens use the separate public pages).

def _member_committee_ids(user) -> set[int]:
    from models import Membership
    s = scope_of(user)
    cache_key = f"_member_committees_{getattr(user, 'id', None)}"
    if has_request_context() and hasattr(g, cache_key):
        return getattr(g, cache_key)
    conds = []
    if s.partner_org_ids:
        conds.append(Membership.organisation_id.in_(s.partner_org_ids))
    if getattr(user, "person_id", None):
        conds.append(Membership.person_id == user.person_id)
    ids = set(db.session.scalars(select(Membership.committee_id).where(or_(*conds)))) if conds else set()
    if has_request_context():
        setattr(g, cache_key, ids)
    return ids


def can_create_committee(user, body_id=None) -> bool:
    s = scope_of(user)
    bodies = s.planner_body_ids | s.area_body_ids
    return s.admin or (body_id in bodies if body_id else bool(bodies))


def can_manage_committee(user, committee) -> bool:
    s = scope_of(user)
    if s.admin or committee.body_id in s.planner_body_ids:
        return True
    return bool(s.area_ids) and any(a.id in s.area_ids for a in committee.areas)


def can_view_committee(user, committee) -> bool:
    s = scope_of(user)
    if not s.authenticated:
        return False
    if s.admin or committee.is_public:
        return True
    if committee.body_id in s.tree_body_ids and (s.planner_body_ids or s.area_ids or s.politics_body_ids):
        return True
    return committee.id in _member_committee_ids(user)


def committee_filter(user):
    """SQL condition: committees this user may see (mirrors can_view_committee)."""
    from models import Committee
    s = scope_of(user)
    if s.admin:
        return true()
    conds = [Committee.is_public.is_(True)]
    if s.planner_body_ids or s.area_ids or s.politics_body_ids:
        conds.append(Committee.body_id.in_(s.tree_body_ids))
    member = _member_committee_ids(user)
    if member:
        conds.append(Committee.id.in_(member))
    return or_(*conds)


def can_view_meeting(user, meeting) -> bool:
    return can_view_committee(user, meeting.committee)


def can_manage_meeting(user, meeting) -> bool:
    return can_manage_committee(user, meeting.committee)




# --- Protokoll, Beschlüsse, Nachhalten (issue 4) ----------------------------------
# (functions for protocols, decisions, tasks go here)




# --- Kontrakte und Zielvereinbarungen (issue 5) -----------------------------------
# (functions for contracts, goals, indicators, reports go here)




# --- Netzwerk (issue 6) -----------------------------------------------------------
# (functions for relations, network views and exports go here)




# --- Befragungen (issue 7) --------------------------------------------------------
# (functions for surveys, results, coding, findings go here)




# Collected at import: every can_* function above, for templates (`can.can_x(user, obj)`).
PERMISSIONS = {
    name: fn for name, fn in globals().items() if name.startswith("can_") and callable(fn)
}
