"""Kontrakte und Zielvereinbarungen: contracts, reports, goals, indicators."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from beteiligung.extensions import db
from models.contracts import PUBLISHED_STATES, ContractStatus, GoalStatus

from .core import request_cached, scope_of

if TYPE_CHECKING:
    from models.contracts import Attachment, Contract, ContractParty, Goal, Indicator, Report

    from .core import Actor

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


def _party_contract_ids(user: Actor) -> set[int]:
    from models.contracts import ContractParty

    s = scope_of(user)

    def compute() -> set[int]:
        if not (s.partner_org_ids or s.planner_body_ids):
            return set()
        return set(db.session.scalars(select(ContractParty.contract_id).where(own_report_party_filter(user))))

    return request_cached(f"_party_contracts_{getattr(user, 'id', None)}", compute)


def can_use_contracts(user: Actor) -> bool:
    s = scope_of(user)
    return s.staff or bool(s.partner_org_ids) or bool(s.politics_body_ids)


def can_create_contract(user: Actor, body_id: int | None = None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_manage_contract(user: Actor, contract: Contract) -> bool:
    s = scope_of(user)
    return s.admin or contract.body_id in s.planner_body_ids


def contract_manage_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: contracts this user manages (mirrors can_manage_contract)."""
    from models.contracts import Contract

    s = scope_of(user)
    if s.admin:
        return true()
    return Contract.body_id.in_(s.planner_body_ids) if s.planner_body_ids else false()


def can_view_contract(user: Actor, contract: Contract) -> bool:
    s = scope_of(user)
    if not s.authenticated or contract is None:
        return False
    if can_manage_contract(user, contract) or contract.id in _party_contract_ids(user):
        return True
    if contract.body_id in s.tree_body_ids:
        if (s.planner_body_ids or s.area_ids) and contract.status != ContractStatus.ENTWURF:
            return True
        if s.politics_body_ids and contract.status in PUBLISHED_STATES:
            return True
    return False


def contract_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition: contracts this user may see (mirrors can_view_contract)."""
    from models.contracts import Contract

    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids:
        conds.append(Contract.body_id.in_(s.planner_body_ids))
    if s.partner_org_ids or s.planner_body_ids:
        # contracts the user is a party of, as a subquery: the list of their ids grows with the data (issue 14)
        from models.contracts import ContractParty

        conds.append(Contract.id.in_(select(ContractParty.contract_id).where(own_report_party_filter(user))))
    if (s.planner_body_ids or s.area_ids) and s.tree_body_ids:
        conds.append(Contract.body_id.in_(s.tree_body_ids) & (Contract.status != ContractStatus.ENTWURF))
    if s.politics_body_ids and s.tree_body_ids:
        conds.append(Contract.body_id.in_(s.tree_body_ids) & Contract.status.in_(PUBLISHED_STATES))
    return or_(*conds) if conds else false()


def can_see_contract_drafts(user: Actor, contract: Contract) -> bool:
    """Negotiation history (versions) and attachments: managers and parties."""
    return can_manage_contract(user, contract) or contract.id in _party_contract_ids(user)


def can_report_for(user: Actor, party: ContractParty | None) -> bool:
    """May this user enter and submit reports for the given contract party?"""
    s = scope_of(user)
    if party is None:
        return False
    if party.organisation_id is not None and party.organisation_id in s.partner_org_ids:
        return True
    return party.body_id is not None and party.body_id in s.planner_body_ids


def can_view_report(user: Actor, report: Report) -> bool:
    return can_manage_contract(user, report.contract) or can_report_for(user, report.duty.party)


def can_submit_report(user: Actor, report: Report) -> bool:
    return can_report_for(user, report.duty.party) or can_manage_contract(user, report.contract)


def can_review_report(user: Actor, report: Report) -> bool:
    return can_manage_contract(user, report.contract)


def can_delete_attachment(user: Actor, att: Attachment) -> bool:
    """Report annexes: whoever may submit the report; contract files: whoever manages the contract.
    (Whether the state still allows it — editable report, unlocked contract — is the service's 409.)"""
    if att.report is not None:
        return can_submit_report(user, att.report)
    return can_manage_contract(user, att.contract)


def can_create_goal(user: Actor, body_id: int | None = None) -> bool:
    return can_create_contract(user, body_id)


def can_manage_goal(user: Actor, goal: Goal) -> bool:
    s = scope_of(user)
    return s.admin or goal.body_id in s.planner_body_ids


def can_view_goal(user: Actor, goal: Goal) -> bool:
    s = scope_of(user)
    if can_manage_goal(user, goal):
        return True
    if goal.body_id in s.tree_body_ids:
        if s.planner_body_ids or s.area_ids:
            return True
        if s.politics_body_ids and goal.status == GoalStatus.BESCHLOSSEN:
            return True
    party = _party_contract_ids(user)
    return bool(party) and any(c.id in party for c in goal.contracts)


def goal_filter(user: Actor) -> ColumnElement[bool]:
    from models.contracts import Goal

    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if (s.planner_body_ids or s.area_ids) and s.tree_body_ids:
        conds.append(Goal.body_id.in_(s.tree_body_ids))
    elif s.politics_body_ids and s.tree_body_ids:
        conds.append(Goal.body_id.in_(s.tree_body_ids) & (Goal.status == GoalStatus.BESCHLOSSEN))
    party = _party_contract_ids(user)
    if party:
        from models.contracts import contract_goal

        conds.append(Goal.id.in_(select(contract_goal.c.goal_id).where(contract_goal.c.contract_id.in_(party))))
    return or_(*conds) if conds else false()


def can_manage_indicator(user: Actor, indicator: Indicator) -> bool:
    s = scope_of(user)
    return s.admin or indicator.body_id in s.planner_body_ids


def can_view_indicator(user: Actor, indicator: Indicator) -> bool:
    s = scope_of(user)
    if can_manage_indicator(user, indicator):
        return True
    if indicator.contract is not None and indicator.contract_id in _party_contract_ids(user):
        return True
    if indicator.body_id not in s.tree_body_ids:
        return False
    if s.planner_body_ids or s.area_ids:
        return indicator.contract is None or indicator.contract.status != ContractStatus.ENTWURF
    if s.politics_body_ids and not indicator.sensitive:
        return indicator.contract is None or indicator.contract.status in PUBLISHED_STATES
    return False


def indicator_filter(user: Actor) -> ColumnElement[bool]:
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
        conds.append(
            Indicator.body_id.in_(s.tree_body_ids)
            & (
                Indicator.contract_id.is_(None)
                | Indicator.contract_id.in_(select(Contract.id).where(Contract.status != ContractStatus.ENTWURF))
            )
        )
    if s.politics_body_ids and s.tree_body_ids:
        conds.append(
            Indicator.body_id.in_(s.tree_body_ids)
            & Indicator.sensitive.is_(False)
            & (
                Indicator.contract_id.is_(None)
                | Indicator.contract_id.in_(select(Contract.id).where(Contract.status.in_(PUBLISHED_STATES)))
            )
        )
    return or_(*conds) if conds else false()


def own_report_party_filter(user: Actor) -> ColumnElement[bool]:
    """SQL condition on ContractParty: the parties this user reports for (mirrors can_report_for): the
    user's partner organisations and the bodies they plan in."""
    from models.contracts import ContractParty

    s = scope_of(user)
    conds = []
    if s.partner_org_ids:
        conds.append(ContractParty.organisation_id.in_(s.partner_org_ids))
    if s.planner_body_ids:
        conds.append(ContractParty.body_id.in_(s.planner_body_ids))
    return or_(*conds) if conds else false()
