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


def can_manage_retention(user) -> bool:
    """Retention runs delete data of every Kreis (registrations, drafts, sent mail): admins only."""
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


def can_manage_committee_types(user) -> bool:
    return scope_of(user).planner


def _is_member_or_staff(user, committee) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    if committee.body_id in s.tree_body_ids and (s.planner_body_ids or s.area_ids):
        return True
    return committee.id in _member_committee_ids(user)


def can_propose_topic(user, committee) -> bool:
    """Members and staff of the Kreis fill the Themenspeicher; Politik only reads."""
    return can_view_committee(user, committee) and _is_member_or_staff(user, committee)


def can_view_topics(user, committee) -> bool:
    return can_view_committee(user, committee) and _is_member_or_staff(user, committee)


def can_view_topic_source(user, topic) -> bool:
    """Title, description and origin of a Themenspeicher entry. A contract report deviation is
    proposed automatically with the contract's figures: only who may see that report reads them
    (another partner who sits in the same committee must not)."""
    if topic.source_type == "bericht" and topic.source_id:
        from models.contracts import Report
        report = db.session.get(Report, topic.source_id)
        return report is not None and can_view_report(user, report)
    return True


def can_view_internal_items(user, meeting) -> bool:
    """Non-public TOPs: staff of the Kreis, members and Politik of the body; never the public."""
    s = scope_of(user)
    c = meeting.committee
    if _is_member_or_staff(user, c):
        return True
    return c.body_id in s.tree_body_ids and bool(s.politics_body_ids)


def can_view_invitations(user, meeting) -> bool:
    """Who was invited and what they answered: the organisers only."""
    return can_manage_meeting(user, meeting)


def can_use_calendar_feed(user) -> bool:
    return scope_of(user).authenticated


def meeting_filter(user):
    """SQL condition: meetings this user may see (those of visible committees)."""
    from models import Committee, Meeting
    s = scope_of(user)
    if s.admin:
        return true()
    return Meeting.committee_id.in_(select(Committee.id).where(committee_filter(user)))




# --- Protokoll, Beschlüsse, Nachhalten (issue 4) ----------------------------------
# Editing a protocol: managers of the committee and the meeting's roles
# (Sitzungsleitung, Moderation, Protokollführung). Reading: everybody who may see
# the meeting, except that a draft (Entwurf) is only visible to editors, and
# Politik (without staff or member rights) reads decisions and the Kurzfassung only.

def _meeting_role_names(user, meeting) -> set[str]:
    uid = getattr(user, "id", None)
    if uid is None:
        return set()
    return {r.role for r in getattr(meeting, "protocol_roles", []) if r.user_id == uid}


def _politics_only(user, committee) -> bool:
    s = scope_of(user)
    return (bool(s.politics_body_ids) and not s.staff
            and committee.id not in _member_committee_ids(user) and not committee.is_public)


def can_edit_protocol(user, meeting) -> bool:
    if not scope_of(user).authenticated or not can_view_meeting(user, meeting):
        return False
    return can_manage_meeting(user, meeting) or bool(_meeting_role_names(user, meeting))


def can_record_attendance(user, meeting) -> bool:
    return can_edit_protocol(user, meeting)


def can_assign_meeting_roles(user, meeting) -> bool:
    return can_manage_meeting(user, meeting)


def can_approve_protocol(user, meeting) -> bool:
    return can_manage_meeting(user, meeting) or "sitzungsleitung" in _meeting_role_names(user, meeting)


def can_view_protocol(user, meeting) -> bool:
    """The full protocol (attendance, all entries)."""
    if not can_view_meeting(user, meeting):
        return False
    if can_edit_protocol(user, meeting):
        return True
    if _politics_only(user, meeting.committee):
        return False
    protocol = getattr(meeting, "protocol", None)
    return protocol is not None and protocol.status != "entwurf"


def can_read_decisions(user, meeting) -> bool:
    """Decisions and the Kurzfassung (Politik included) once the protocol left the draft."""
    if not can_view_meeting(user, meeting):
        return False
    if can_edit_protocol(user, meeting):
        return True
    protocol = getattr(meeting, "protocol", None)
    return protocol is not None and protocol.status != "entwurf"


def can_object_protocol(user, meeting) -> bool:
    protocol = getattr(meeting, "protocol", None)
    return (protocol is not None and protocol.status == "zur_abstimmung"
            and can_view_protocol(user, meeting) and not _politics_only(user, meeting.committee))


def can_update_followup(user, entry) -> bool:
    """Status of a task/decision: editors of its meeting, or the owner (person or organisation) once
    the owner may read the entry: the protocol has left the draft, and a non-public TOP's entry only
    for those who may see non-public TOPs (the same rule as Nachhalten and the protocol page)."""
    meeting = entry.protocol.meeting
    if not can_view_meeting(user, meeting):
        return False
    if can_edit_protocol(user, meeting):
        return True
    if entry.protocol.status == "entwurf":
        return False
    item = entry.agenda_item
    if item is not None and not item.is_public and not can_view_internal_items(user, meeting):
        return False
    s = scope_of(user)
    if entry.owner_org_id is not None and entry.owner_org_id in s.partner_org_ids:
        return True
    pid = getattr(user, "person_id", None)
    return pid is not None and entry.owner_person_id == pid


def can_forward_entry(user, entry, target_committee=None) -> bool:
    if not can_edit_protocol(user, entry.protocol.meeting):
        return False
    return target_committee is None or can_view_committee(user, target_committee)


def can_record_political_resolution(user, entry) -> bool:
    return can_manage_meeting(user, entry.protocol.meeting)


def can_view_committee_health(user, committee) -> bool:
    s = scope_of(user)
    return can_view_committee(user, committee) and (s.staff or can_manage_committee(user, committee))


def followup_filter(user):
    """SQL condition on ProtocolEntry joined with Protocol, Meeting, Committee: rows for the Nachhalten list."""
    from models import Committee
    from sqlalchemy import and_
    from models.protocols import MeetingRole, Protocol
    s = scope_of(user)
    if s.admin:
        return true()
    visible = committee_filter(user)
    manageable = []
    if s.planner_body_ids:
        manageable.append(Committee.body_id.in_(s.planner_body_ids))
    if s.area_ids:
        from models.committees import committee_area
        manageable.append(Committee.id.in_(
            select(committee_area.c.committee_id).where(committee_area.c.area_id.in_(s.area_ids))))
    uid = getattr(user, "id", None)
    from models import Meeting
    role_meetings = select(MeetingRole.meeting_id).where(MeetingRole.user_id == uid)
    draft_ok = or_(Protocol.status != "entwurf", Meeting.id.in_(role_meetings), *manageable)
    # Entries of non-public TOPs: only for who may see non-public TOPs (mirrors can_view_internal_items).
    from models import AgendaItem
    from models.protocols import ProtocolEntry
    internal = [ProtocolEntry.agenda_item_id.is_(None),
                ProtocolEntry.agenda_item_id.in_(select(AgendaItem.id).where(AgendaItem.is_public.is_(True)))]
    if s.tree_body_ids and (s.planner_body_ids or s.area_ids or s.politics_body_ids):
        internal.append(Committee.body_id.in_(s.tree_body_ids))
    member = _member_committee_ids(user)
    if member:
        internal.append(Committee.id.in_(member))
    return and_(visible, draft_ok, or_(*internal))




# --- Kontrakte und Zielvereinbarungen (issue 5) -----------------------------------
# Rules:
# - Planners of the owning body (and admins) manage a contract, its goals, indicators,
#   reporting duties, and review reports.
# - A party sees the contract: partner users of a party organisation, planners of a
#   party body (e.g. the Kommune in a Kreis–Kommune Zielvereinbarung). Parties report.
# - Other staff of the same Kreis (planners, Sozialraummanagement) read contracts once
#   they are in negotiation or later; drafts stay with the owning body.
# - Politik of the Kreis reads signed contracts (unterzeichnet and later) and the
#   indicator overview without sensitive indicators; it never sees drafts or reports' files.
# - Everybody else (a foreign Kreis, other partners) sees nothing; routes answer 404.

_CONTRACT_PUBLISHED = ("unterzeichnet", "laufend", "ausgelaufen", "gekündigt")


def _party_contract_ids(user) -> set[int]:
    from models.contracts import ContractParty
    s = scope_of(user)
    cache_key = f"_party_contracts_{getattr(user, 'id', None)}"
    if has_request_context() and hasattr(g, cache_key):
        return getattr(g, cache_key)
    conds = []
    if s.partner_org_ids:
        conds.append(ContractParty.organisation_id.in_(s.partner_org_ids))
    if s.planner_body_ids:
        conds.append(ContractParty.body_id.in_(s.planner_body_ids))
    ids = set(db.session.scalars(select(ContractParty.contract_id).where(or_(*conds)))) if conds else set()
    if has_request_context():
        setattr(g, cache_key, ids)
    return ids


def can_use_contracts(user) -> bool:
    s = scope_of(user)
    return s.staff or bool(s.partner_org_ids) or bool(s.politics_body_ids)


def can_create_contract(user, body_id=None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_manage_contract(user, contract) -> bool:
    s = scope_of(user)
    return s.admin or contract.body_id in s.planner_body_ids


def contract_manage_filter(user):
    """SQL condition: contracts this user manages (mirrors can_manage_contract)."""
    from models.contracts import Contract
    s = scope_of(user)
    if s.admin:
        return true()
    return Contract.body_id.in_(s.planner_body_ids) if s.planner_body_ids else false()


def can_view_contract(user, contract) -> bool:
    s = scope_of(user)
    if not s.authenticated or contract is None:
        return False
    if can_manage_contract(user, contract) or contract.id in _party_contract_ids(user):
        return True
    if contract.body_id in s.tree_body_ids:
        if (s.planner_body_ids or s.area_ids) and contract.status != "Entwurf":
            return True
        if s.politics_body_ids and contract.status in _CONTRACT_PUBLISHED:
            return True
    return False


def contract_filter(user):
    """SQL condition: contracts this user may see (mirrors can_view_contract)."""
    from models.contracts import Contract
    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids:
        conds.append(Contract.body_id.in_(s.planner_body_ids))
    party = _party_contract_ids(user)
    if party:
        conds.append(Contract.id.in_(party))
    if (s.planner_body_ids or s.area_ids) and s.tree_body_ids:
        conds.append(Contract.body_id.in_(s.tree_body_ids) & (Contract.status != "Entwurf"))
    if s.politics_body_ids and s.tree_body_ids:
        conds.append(Contract.body_id.in_(s.tree_body_ids) & Contract.status.in_(_CONTRACT_PUBLISHED))
    return or_(*conds) if conds else false()


def can_see_contract_drafts(user, contract) -> bool:
    """Negotiation history (versions) and attachments: managers and parties."""
    return can_manage_contract(user, contract) or contract.id in _party_contract_ids(user)


def can_report_for(user, party) -> bool:
    """May this user enter and submit reports for the given contract party?"""
    s = scope_of(user)
    if party is None:
        return False
    if party.organisation_id is not None and party.organisation_id in s.partner_org_ids:
        return True
    return party.body_id is not None and party.body_id in s.planner_body_ids


def can_view_report(user, report) -> bool:
    return can_manage_contract(user, report.contract) or can_report_for(user, report.duty.party)


def can_submit_report(user, report) -> bool:
    return can_report_for(user, report.duty.party) or can_manage_contract(user, report.contract)


def can_review_report(user, report) -> bool:
    return can_manage_contract(user, report.contract)


def can_delete_attachment(user, att) -> bool:
    """Report annexes: whoever may submit the report; contract files: whoever manages the contract.
    (Whether the state still allows it — editable report, unlocked contract — is the service's 409.)"""
    if att.report is not None:
        return can_submit_report(user, att.report)
    return can_manage_contract(user, att.contract)


def can_create_goal(user, body_id=None) -> bool:
    return can_create_contract(user, body_id)


def can_manage_goal(user, goal) -> bool:
    s = scope_of(user)
    return s.admin or goal.body_id in s.planner_body_ids


def can_view_goal(user, goal) -> bool:
    s = scope_of(user)
    if can_manage_goal(user, goal):
        return True
    if goal.body_id in s.tree_body_ids:
        if s.planner_body_ids or s.area_ids:
            return True
        if s.politics_body_ids and goal.status == "beschlossen":
            return True
    party = _party_contract_ids(user)
    return bool(party) and any(c.id in party for c in goal.contracts)


def goal_filter(user):
    from models.contracts import Goal
    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if (s.planner_body_ids or s.area_ids) and s.tree_body_ids:
        conds.append(Goal.body_id.in_(s.tree_body_ids))
    elif s.politics_body_ids and s.tree_body_ids:
        conds.append(Goal.body_id.in_(s.tree_body_ids) & (Goal.status == "beschlossen"))
    party = _party_contract_ids(user)
    if party:
        from models.contracts import contract_goal
        conds.append(Goal.id.in_(select(contract_goal.c.goal_id).where(contract_goal.c.contract_id.in_(party))))
    return or_(*conds) if conds else false()


def can_manage_indicator(user, indicator) -> bool:
    s = scope_of(user)
    return s.admin or indicator.body_id in s.planner_body_ids


def can_view_indicator(user, indicator) -> bool:
    s = scope_of(user)
    if can_manage_indicator(user, indicator):
        return True
    if indicator.contract is not None and indicator.contract_id in _party_contract_ids(user):
        return True
    if indicator.body_id not in s.tree_body_ids:
        return False
    if s.planner_body_ids or s.area_ids:
        return indicator.contract is None or indicator.contract.status != "Entwurf"
    if s.politics_body_ids and not indicator.sensitive:
        return indicator.contract is None or indicator.contract.status in _CONTRACT_PUBLISHED
    return False


def indicator_filter(user):
    """SQL condition for Indicator (joined with an outer join to Contract)."""
    from models.contracts import Contract, Indicator
    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids:
        conds.append(Indicator.body_id.in_(s.planner_body_ids))
    party = _party_contract_ids(user)
    if party:
        conds.append(Indicator.contract_id.in_(party))
    if (s.planner_body_ids or s.area_ids) and s.tree_body_ids:
        conds.append(Indicator.body_id.in_(s.tree_body_ids) & (
            Indicator.contract_id.is_(None) | Indicator.contract_id.in_(
                select(Contract.id).where(Contract.status != "Entwurf"))))
    if s.politics_body_ids and s.tree_body_ids:
        conds.append(Indicator.body_id.in_(s.tree_body_ids) & Indicator.sensitive.is_(False) & (
            Indicator.contract_id.is_(None) | Indicator.contract_id.in_(
                select(Contract.id).where(Contract.status.in_(_CONTRACT_PUBLISHED)))))
    return or_(*conds) if conds else false()




# --- Netzwerk (issue 6) -----------------------------------------------------------
# Who sees what in the Netzwerkkarte:
# - staff (Sozialplanung, Sozialraummanagement) of a Kreis tree see every relation of the tree;
# - a partner sees relations "öffentlich im Kreis" and those "nur beteiligte Organisationen"
#   where their organisation (or a person of it) is one end; never "nur Sozialplanung";
# - Politik sees organisations and relations "öffentlich im Kreis", no persons.
# Persons appear only with consent and not anonymised; relations touching a hidden person are hidden.

def can_view_network(user) -> bool:
    s = scope_of(user)
    return s.admin or bool(s.tree_body_ids)


def can_manage_network(user) -> bool:
    """Type in relations, keep the partner pipeline, import stakeholder lists."""
    return scope_of(user).staff


def can_import_network(user) -> bool:
    return scope_of(user).staff


def can_view_pipeline(user) -> bool:
    return scope_of(user).staff


def can_edit_relation_kinds(user) -> bool:
    return scope_of(user).planner


def network_writable_body_ids(user) -> set[int] | None:
    """Bodies a user may own relations/pipeline entries in; None means all (admin)."""
    s = scope_of(user)
    if s.admin:
        return None
    return s.planner_body_ids | s.area_body_ids


def can_create_relation(user, body_id=None) -> bool:
    s = scope_of(user)
    if s.admin:
        return True
    bodies = s.planner_body_ids | s.area_body_ids
    return body_id in bodies if body_id is not None else bool(bodies)


def can_edit_relation(user, relation) -> bool:
    s = scope_of(user)
    return s.admin or relation.body_id in (s.planner_body_ids | s.area_body_ids)


def can_manage_partner_status(user, entry) -> bool:
    s = scope_of(user)
    return s.admin or entry.body_id in (s.planner_body_ids | s.area_body_ids)


def _partner_person_ids_select(org_ids):
    return select(Person.id).where(Person.organisation_id.in_(org_ids))


def relation_filter(user):
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
    conds = [Relation.visibility == "kreis"]
    if s.partner_org_ids:
        orgs = s.partner_org_ids
        persons = _partner_person_ids_select(orgs)
        conds.append((Relation.visibility == "beteiligte") & or_(
            Relation.source_org_id.in_(orgs), Relation.target_org_id.in_(orgs),
            Relation.source_person_id.in_(persons), Relation.target_person_id.in_(persons)))
    return in_tree & or_(*conds)


def network_person_filter(user):
    """SQL condition on Person: persons that may appear as network nodes for this user."""
    s = scope_of(user)
    base = Person.consent_given.is_(True) & Person.anonymised_at.is_(None)
    if s.admin:
        return base
    if s.staff or s.partner_org_ids:
        return base & Person.body_id.in_(s.tree_body_ids) if s.tree_body_ids else false()
    return false()


def can_view_relation(user, relation) -> bool:
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
    if relation.visibility == "kreis":
        return True
    if relation.visibility == "beteiligte" and s.partner_org_ids:
        ends = {relation.source_org_id, relation.target_org_id}
        for person in (relation.source_person, relation.target_person):
            if person is not None:
                ends.add(person.organisation_id)
        return bool(ends & s.partner_org_ids)
    return False


def can_view_contact_directory(user) -> bool:
    return can_read_persons(user)




# --- Befragungen (issue 7) --------------------------------------------------------
# The owning Körperschaft (usually the Kommune) runs its surveys: its planners manage
# them. Sozialraummanagement of one of the survey's areas reads results and codes.
# Data sovereignty of the Kommune: nobody else sees internal data — unless the owning
# Kommune consents (`shared_with_kreis`). Then planners, Sozialraummanagement and Politik
# of the parent Kreis may READ the survey, its (suppressed) results and its findings;
# they never edit, code or export raw answers. Without consent they get 404 as before.
# Citizens and everybody else use the public pages.

def can_create_survey(user, body_id=None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_manage_survey(user, survey) -> bool:
    s = scope_of(user)
    return s.admin or survey.body_id in s.planner_body_ids


def can_share_survey(user, survey) -> bool:
    """Switching the Kreis consent on/off is the owning Körperschaft's decision."""
    return can_manage_survey(user, survey)


def _kreis_reader_body_ids(s: Scope) -> set[int]:
    """Bodies in which the user plans, manages a Sozialraum or sits in Politik."""
    return s.planner_body_ids | s.area_body_ids | s.politics_body_ids


def _survey_internal(s: Scope, survey) -> bool:
    if s.admin or survey.body_id in s.planner_body_ids:
        return True
    return bool(s.area_ids) and any(a.id in s.area_ids for a in survey.areas)


def _survey_shared_to(s: Scope, survey) -> bool:
    if not survey.shared_with_kreis:
        return False
    readers = _kreis_reader_body_ids(s)
    return bool(readers) and survey.body.parent_id is not None and survey.body.parent_id in readers


def can_view_survey(user, survey) -> bool:
    """Read the survey, its results (suppressed) and findings."""
    s = scope_of(user)
    return _survey_internal(s, survey) or _survey_shared_to(s, survey)


def can_view_survey_results(user, survey) -> bool:
    return can_view_survey(user, survey)


def can_code_survey(user, survey) -> bool:
    """Coding free texts means reading raw answers: never for Kreis readers via consent."""
    return _survey_internal(scope_of(user), survey)


def _has_shared_surveys(s: Scope) -> bool:
    from models.surveys import Survey
    parents = _kreis_reader_body_ids(s)
    if not parents:
        return False
    return db.session.scalar(select(Survey.id).where(
        Survey.shared_with_kreis.is_(True),
        Survey.body_id.in_(select(Body.id).where(Body.parent_id.in_(parents)))).limit(1)) is not None


def can_use_surveys(user) -> bool:
    s = scope_of(user)
    if s.admin or bool(s.planner_body_ids) or bool(s.area_ids):
        return True
    # Politik only reads surveys a Kommune has released to its Kreis.
    if not s.politics_body_ids:
        return False
    cache_key = f"_shared_surveys_{user.id}"
    if has_request_context() and hasattr(g, cache_key):
        return getattr(g, cache_key)
    result = _has_shared_surveys(s)
    if has_request_context():
        setattr(g, cache_key, result)
    return result


def survey_filter(user):
    """SQL condition: surveys this user may list (mirrors can_view_survey)."""
    from models.surveys import Survey, survey_area
    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids:
        conds.append(Survey.body_id.in_(s.planner_body_ids))
    if s.area_ids:
        conds.append(Survey.id.in_(select(survey_area.c.survey_id).where(survey_area.c.area_id.in_(s.area_ids))))
    readers = _kreis_reader_body_ids(s)
    if readers:
        conds.append(Survey.shared_with_kreis.is_(True)
                     & Survey.body_id.in_(select(Body.id).where(Body.parent_id.in_(readers))))
    return or_(*conds) if conds else false()


# Collected at import: every can_* function above and of the feature modules listed in
# FEATURES (beteiligung/permissions/<key>.py), for templates (`can.can_x(user, obj)`).
PERMISSIONS = {
    name: fn for name, fn in globals().items() if name.startswith("can_") and callable(fn)
}

FEATURES: list[str] = ["werkstatt"]


def _collect_features() -> None:
    import importlib
    for key in FEATURES:
        module = importlib.import_module(f"{__name__}.{key}")
        PERMISSIONS.update({
            name: fn for name, fn in vars(module).items() if name.startswith("can_") and callable(fn)
        })


_collect_features()
