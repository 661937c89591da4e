"""Core of the permissions package: a user's Scope (roles resolved to body, area and
organisation ids) and the body tree. Only modules of this package use it; everybody else
asks the named rules (`can_*`) and read filters (`*_filter`) of the feature modules.

A user's scope is computed once per request (one small query for the body tree) and
cached on flask.g.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeVar, Union

from flask import g, has_request_context
from sqlalchemy import select

from beteiligung.extensions import db
from models import ROLE_ADMIN, ROLE_AREA_MANAGER, ROLE_PARTNER, ROLE_PLANNER, ROLE_POLITICS, Body

if TYPE_CHECKING:
    from flask_login import AnonymousUserMixin

    from models import User

# Who asks: a signed-in account, the anonymous user of flask-login, or nobody (jobs, CLI, public pages).
Actor = Union["User", "AnonymousUserMixin", None]
T = TypeVar("T")


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


def scope_of(user: Actor) -> Scope:
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
    s.tree_body_ids = _body_tree(s.planner_body_ids | s.area_body_ids | s.politics_body_ids | org_ids_for_body)
    if has_request_context():
        setattr(g, cache_key, s)
    return s


def _in_tree(s: Scope, body_id: int | None) -> bool:
    return s.admin or body_id in s.tree_body_ids


def request_cached(key: str, compute: Callable[[], T]) -> T:
    """Compute a per-user value once per request (cached on flask.g); outside a request always fresh."""
    if has_request_context() and hasattr(g, key):
        return getattr(g, key)
    value = compute()
    if has_request_context():
        setattr(g, key, value)
    return value
