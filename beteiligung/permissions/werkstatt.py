"""Werkstatt (issue 18): who runs date polls.

A date poll belongs to a committee: whoever manages the committee (planners of its body,
the Sozialraummanagement of its areas, admins) creates, reads (names and answers of the
invitees, like the invitation list) and decides it. Invitees answer through their token
link without an account; that needs no permission function.
"""
from __future__ import annotations

from sqlalchemy import false, or_, select, true

from beteiligung.permissions import can_manage_committee, scope_of


def can_create_poll(user, committee) -> bool:
    return committee is not None and committee.active and can_manage_committee(user, committee)


def can_use_polls(user) -> bool:
    """The Terminabstimmungen page: staff who manage committees."""
    s = scope_of(user)
    return s.admin or bool(s.planner_body_ids) or bool(s.area_ids)


def can_manage_poll(user, poll) -> bool:
    return can_manage_committee(user, poll.committee)


def can_view_poll(user, poll) -> bool:
    """The tally names every invitee with their answers: the organisers only."""
    return can_manage_poll(user, poll)


def managed_committee_filter(user):
    """SQL condition: committees this user manages (mirrors can_manage_committee)."""
    from models import Committee
    from models.committees import committee_area
    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids:
        conds.append(Committee.body_id.in_(s.planner_body_ids))
    if s.area_ids:
        conds.append(Committee.id.in_(select(committee_area.c.committee_id)
                                      .where(committee_area.c.area_id.in_(s.area_ids))))
    return or_(*conds) if conds else false()


def poll_filter(user):
    """SQL condition: date polls this user may list (those of committees they manage)."""
    from models import Committee
    from models.werkstatt import DatePoll
    return DatePoll.committee_id.in_(select(Committee.id).where(managed_committee_filter(user)))
