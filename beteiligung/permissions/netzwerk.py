"""Netzwerkkarte."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from beteiligung.extensions import db
from models import Person
from models.network import Visibility

from .core import scope_of
from .stammdaten import can_read_persons

if TYPE_CHECKING:
    from collections.abc import Iterable

    from models.network import PartnerStatus, Relation

    from .core import Actor

# --- Netzwerk (issue 6) -----------------------------------------------------------
# Who sees what in the Netzwerkkarte:
# - staff (Sozialplanung, Sozialraummanagement) of a Kreis tree see every relation of the tree;
# - a partner sees relations "öffentlich im Kreis" and those "nur beteiligte Organisationen"
#   where their organisation (or a person of it) is one end; never "nur Sozialplanung";
# - Politik sees organisations and relations "öffentlich im Kreis", no persons.
# Persons appear only with consent and not anonymised; relations touching a hidden person are hidden.


def can_view_network(user: Actor) -> bool:
    s = scope_of(user)
    return s.admin or bool(s.tree_body_ids)


def can_manage_network(user: Actor) -> bool:
    """Type in relations, keep the partner pipeline, import stakeholder lists."""
    return scope_of(user).staff


def can_import_network(user: Actor) -> bool:
    return scope_of(user).staff


def can_view_pipeline(user: Actor) -> bool:
    return scope_of(user).staff


def can_edit_relation_kinds(user: Actor) -> bool:
    return scope_of(user).planner


def network_writable_body_ids(user: Actor) -> set[int] | None:
    """Bodies a user may own relations/pipeline entries in; None means all (admin)."""
    s = scope_of(user)
    if s.admin:
        return None
    return s.planner_body_ids | s.area_body_ids


def can_create_relation(user: Actor, body_id: int | None = None) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    bodies = s.planner_body_ids | s.area_body_ids
    return body_id in bodies if body_id is not None else bool(bodies)


def can_edit_relation(user: Actor, relation: Relation) -> bool:
    s = scope_of(user)
    return s.admin or relation.body_id in (s.planner_body_ids | s.area_body_ids)


def can_manage_partner_status(user: Actor, entry: PartnerStatus) -> bool:
    s = scope_of(user)
    return s.admin or entry.body_id in (s.planner_body_ids | s.area_body_ids)


def _partner_person_ids_select(org_ids: Iterable[int]):
    return select(Person.id).where(Person.organisation_id.in_(org_ids))


def relation_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on Relation: the visibility rules above (consent is checked on the nodes)."""
    from models.network import Relation

    s = scope_of(user)
    if s.admin:
        return true()
    if not s.tree_body_ids:
        return false()
    in_tree = Relation.body_id.in_(s.tree_body_ids)
    if s.staff:
        return in_tree
    conds = [Relation.visibility == Visibility.KREIS]
    if s.partner_org_ids:
        orgs = s.partner_org_ids
        persons = _partner_person_ids_select(orgs)
        conds.append(
            (Relation.visibility == Visibility.BETEILIGTE)
            & or_(
                Relation.source_org_id.in_(orgs),
                Relation.target_org_id.in_(orgs),
                Relation.source_person_id.in_(persons),
                Relation.target_person_id.in_(persons),
            )
        )
    return in_tree & or_(*conds)


def network_person_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on Person: persons that may appear as network nodes for this user."""
    s = scope_of(user)
    base = Person.consent_given.is_(True) & Person.anonymised_at.is_(None)
    if s.admin:
        return base
    if s.staff or s.partner_org_ids:
        return base & Person.body_id.in_(s.tree_body_ids) if s.tree_body_ids else false()
    return false()


def can_view_relation(user: Actor, relation: Relation) -> bool:
    """Mirrors relation_filter plus consent of the persons at either end."""
    s = scope_of(user)
    for person in (relation.source_person, relation.target_person):
        if person is not None and (not person.consent_given or person.anonymised_at is not None):
            return False
    if (relation.source_person or relation.target_person) and not (s.admin or s.staff or s.partner_org_ids):
        return False
    if s.admin:
        return True
    if relation.body_id not in s.tree_body_ids:
        return False
    if s.staff:
        return True
    if relation.visibility == Visibility.KREIS:
        return True
    if relation.visibility == Visibility.BETEILIGTE and s.partner_org_ids:
        ends = {relation.source_org_id, relation.target_org_id}
        for person in (relation.source_person, relation.target_person):
            if person is not None:
                ends.add(person.organisation_id)
        return bool(ends & s.partner_org_ids)
    return False


def can_view_contact_directory(user: Actor) -> bool:
    return can_read_persons(user)


def can_view_partner_status(user: Actor, entry: PartnerStatus) -> bool:
    """An entry of the partner pipeline: staff of its Kreis."""
    s = scope_of(user)
    return can_view_pipeline(user) and (s.admin or entry.body_id in s.tree_body_ids)


def pipeline_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on PartnerStatus: the pipeline entries this user may see (mirrors can_view_partner_status)."""
    from models.network import PartnerStatus

    s = scope_of(user)
    if s.admin:
        return true()
    return PartnerStatus.body_id.in_(s.tree_body_ids) if s.staff and s.tree_body_ids else false()


def can_open_person_node(user: Actor, organisation_id: int | None) -> bool:
    """May a person node of the network (of this organisation) link to the person's page?"""
    s = scope_of(user)
    return s.admin or s.staff or (organisation_id is not None and organisation_id in s.partner_org_ids)


def network_scope_signature(user: Actor) -> dict:
    """What of the user's scope decides what the network shows (part of the analysis cache key)."""
    s = scope_of(user)
    return {
        "admin": s.admin,
        "staff": s.staff,
        "tree": sorted(s.tree_body_ids),
        "partner": sorted(s.partner_org_ids),
        "politics": sorted(s.politics_body_ids),
    }


def network_cache_signature(user: Actor) -> dict:
    """Everything of a user's scope that the network's read filters depend on (organisation_filter,
    network_person_filter, relation_filter and, for the derived ties, committee_filter,
    contract_filter, attendance_filter): users with the same signature see exactly the same network,
    so the analysed network is cached once per signature (services/netzwerk/graph.py) — shared by all
    planners of a Kreis, by the users of one partner organisation, … and never shown to anyone else."""
    from models.protocols import MeetingRole

    from .gremien import _member_committee_ids
    from .kontrakte import _party_contract_ids

    s = scope_of(user)
    if s.admin:
        return {"admin": True}
    pid = getattr(user, "person_id", None)
    roles = (
        sorted(db.session.scalars(select(MeetingRole.meeting_id).where(MeetingRole.person_id == pid))) if pid else []
    )
    return {
        "tree": sorted(s.tree_body_ids),
        "planner": sorted(s.planner_body_ids),
        "areas": sorted(s.area_ids),
        "partner": sorted(s.partner_org_ids),
        "politics": sorted(s.politics_body_ids),
        "committees": sorted(_member_committee_ids(user)),
        "contracts": sorted(_party_contract_ids(user)),
        "meeting_roles": roles,
    }
