"""Werkstatt (issue 18): who runs date polls.

A date poll belongs to a committee: whoever manages the committee (planners of its body,
the Sozialraummanagement of its areas, admins) creates, reads (names and answers of the
invitees, like the invitation list) and decides it. Invitees answer through their token
link without an account; that needs no permission function.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true

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
        conds.append(
            Committee.id.in_(select(committee_area.c.committee_id).where(committee_area.c.area_id.in_(s.area_ids)))
        )
    return or_(*conds) if conds else false()


def poll_filter(user):
    """SQL condition: date polls this user may list (those of committees they manage)."""
    from models import Committee
    from models.werkstatt import DatePoll

    return DatePoll.committee_id.in_(select(Committee.id).where(managed_committee_filter(user)))


# --- Methoden-Tafeln --------------------------------------------------------------------
# A board belongs to a meeting. Participants are those "in the meeting": its organisers, its
# roles (Sitzungsleitung, Moderation, Protokollführung), members of its committee (person or
# organisation) and invited persons. Guests without an account join one board with its code
# (services.werkstatt.boards.join_as_guest) while the meeting is not finished. Moderators
# (organisers, Moderation, Sitzungsleitung) arrange, merge, cluster and move results on.

BOARD_MODERATOR_ROLES = ("moderation", "sitzungsleitung")


def _invited_meeting_ids(user) -> set[int]:
    from models import Invitation

    person_id = getattr(user, "person_id", None)
    if not person_id:
        return set()
    from beteiligung.extensions import db

    return set(db.session.scalars(select(Invitation.meeting_id).where(Invitation.person_id == person_id)))


def can_moderate_board(user, meeting) -> bool:
    """Create boards in a meeting and arrange them (meeting = the board's meeting)."""
    from beteiligung.permissions import can_manage_meeting
    from beteiligung.permissions.protokolle import _meeting_role_names

    if not scope_of(user).authenticated:
        return False
    return can_manage_meeting(user, meeting) or bool(_meeting_role_names(user, meeting) & set(BOARD_MODERATOR_ROLES))


def can_take_part(user, meeting) -> bool:
    """Is this signed-in user in the meeting (sees its boards, adds cards, gives dots)?"""
    from beteiligung.permissions import can_view_meeting
    from beteiligung.permissions.gremien import _member_committee_ids
    from beteiligung.permissions.protokolle import _meeting_role_names

    if not scope_of(user).authenticated or not can_view_meeting(user, meeting):
        return False
    if can_moderate_board(user, meeting) or _meeting_role_names(user, meeting):
        return True
    return meeting.committee_id in _member_committee_ids(user) or meeting.id in _invited_meeting_ids(user)


def can_view_board(user, board) -> bool:
    return can_take_part(user, board.meeting)


def can_edit_board(user, board) -> bool:
    """Arrange, merge, cluster, close (moderators of the board's meeting)."""
    return can_moderate_board(user, board.meeting)


def can_move_results(user, board) -> bool:
    """Cards into the protocol (needs protocol rights too) or the Themenspeicher."""
    from beteiligung.permissions import can_edit_protocol

    return can_edit_board(user, board) and can_edit_protocol(user, board.meeting)


def guests_may_join(board) -> bool:
    """Guests join while the meeting is not finished and the board is open."""
    from models.werkstatt import BOARD_ACTIVE_MEETING_STATES, BoardStatus

    return board.status == BoardStatus.OFFEN and board.meeting.status in BOARD_ACTIVE_MEETING_STATES


def board_actor_filter(user, board):
    """SQL condition: organisations that may be named as actors on a Wirkungsbeitragsanalyse board — those of
    the meeting's Kreis (its whole body tree), and of them only those the user may list (guests: the Kreis's
    organisations)."""
    from beteiligung.permissions.core import _body_tree
    from beteiligung.permissions.stammdaten import organisation_filter
    from models import Organisation

    cond = Organisation.body_id.in_(_body_tree({board.meeting.committee.body_id}))
    return cond if user is None else and_(cond, organisation_filter(user))
