"""Befragungen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, false, or_, select, true

from beteiligung.extensions import db
from models import Body

from .core import Scope, request_cached, scope_of

if TYPE_CHECKING:
    from models.surveys import Survey

    from .core import Actor

# --- Befragungen (issue 7) --------------------------------------------------------
# The owning Körperschaft (usually the Kommune) runs its surveys: its planners manage
# them. Sozialraummanagement of one of the survey's areas reads results and codes.
# Data sovereignty of the Kommune: nobody else sees internal data — unless the owning
# Kommune consents (`shared_with_kreis`). Then planners, Sozialraummanagement and Politik
# of the parent Kreis may READ the survey, its (suppressed) results and its findings;
# they never edit, code or export raw answers. Without consent they get 404 as before.
# Citizens and everybody else use the public pages.


def can_create_survey(user: Actor, body_id: int | None = None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_manage_survey(user: Actor, survey: Survey) -> bool:
    s = scope_of(user)
    return s.admin or survey.body_id in s.planner_body_ids


def can_share_survey(user: Actor, survey: Survey) -> bool:
    """Switching the Kreis consent on/off is the owning Körperschaft's decision."""
    return can_manage_survey(user, survey)


def _kreis_reader_body_ids(s: Scope) -> set[int]:
    """Bodies in which the user plans, manages a Sozialraum or sits in Politik."""
    return s.planner_body_ids | s.area_body_ids | s.politics_body_ids


def _survey_internal(s: Scope, survey: Survey) -> bool:
    if s.admin or survey.body_id in s.planner_body_ids:
        return True
    return bool(s.area_ids) and any(a.id in s.area_ids for a in survey.areas)


def _survey_shared_to(s: Scope, survey: Survey) -> bool:
    if not survey.shared_with_kreis:
        return False
    readers = _kreis_reader_body_ids(s)
    return bool(readers) and survey.body.parent_id is not None and survey.body.parent_id in readers


def can_view_survey(user: Actor, survey: Survey) -> bool:
    """Read the survey, its results (suppressed) and findings."""
    s = scope_of(user)
    return _survey_internal(s, survey) or _survey_shared_to(s, survey)


def can_view_survey_results(user: Actor, survey: Survey) -> bool:
    return can_view_survey(user, survey)


def can_code_survey(user: Actor, survey: Survey) -> bool:
    """Coding free texts means reading raw answers: never for Kreis readers via consent."""
    return _survey_internal(scope_of(user), survey)


def _has_shared_surveys(s: Scope) -> bool:
    from models.surveys import Survey

    parents = _kreis_reader_body_ids(s)
    if not parents:
        return False
    return (
        db.session.scalar(
            select(Survey.id)
            .where(
                Survey.shared_with_kreis.is_(True),
                Survey.body_id.in_(select(Body.id).where(Body.parent_id.in_(parents))),
            )
            .limit(1)
        )
        is not None
    )


def can_use_surveys(user: Actor) -> bool:
    s = scope_of(user)
    if s.admin or bool(s.planner_body_ids) or bool(s.area_ids):
        return True
    # Politik only reads surveys a Kommune has released to its Kreis.
    if not s.politics_body_ids:
        return False
    return request_cached(f"_shared_surveys_{user.id}", lambda: _has_shared_surveys(s))


def survey_filter(user: Actor) -> ColumnElement[bool]:
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
        conds.append(
            Survey.shared_with_kreis.is_(True) & Survey.body_id.in_(select(Body.id).where(Body.parent_id.in_(readers)))
        )
    return or_(*conds) if conds else false()
