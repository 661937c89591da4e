"""Rules of the Planung module (Maßnahmenregister, links of decisions, Wirkungskette).

- Planners of the owning body (and admins) manage a measure: data, status, links, budget.
- Partners of the responsible organisation update their measures (progress, milestones,
  status note) — the same shape as reporting on a contract; another organisation's
  measure does not exist for them (404).
- Staff of the Kreis (planners, Sozialraummanagement) read every measure of the Kreis;
  Politik reads the measures of its Kreis; a foreign Kreis sees nothing.
- A decision can be linked by whoever edits its protocol or plans in the Kreis and may read
  it; the linked measure, goal or contract must be managed by the same user.
"""

from __future__ import annotations

from sqlalchemy import false, or_, true

from . import (
    can_edit_protocol,
    can_manage_contract,
    can_manage_goal,
    can_read_decisions,
    can_view_internal_items,
    scope_of,
)


def can_use_planung(user) -> bool:
    s = scope_of(user)
    return s.staff or bool(s.partner_org_ids) or bool(s.politics_body_ids)


def can_create_measure(user, body_id=None) -> bool:
    s = scope_of(user)
    return s.admin or (body_id in s.planner_body_ids if body_id else bool(s.planner_body_ids))


def can_manage_measure(user, measure) -> bool:
    s = scope_of(user)
    return s.admin or measure.body_id in s.planner_body_ids


def can_report_measure(user, measure) -> bool:
    """Progress, milestones and the status note: managers and the responsible organisation."""
    if can_manage_measure(user, measure):
        return True
    return measure.organisation_id in scope_of(user).partner_org_ids


def can_view_measure(user, measure) -> bool:
    s = scope_of(user)
    if not s.authenticated or measure is None:
        return False
    if can_report_measure(user, measure):
        return True
    return measure.body_id in s.tree_body_ids and (s.staff or bool(s.politics_body_ids))


def measure_filter(user):
    """SQL condition: measures this user may see (mirrors can_view_measure)."""
    from models.planung import Measure

    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if (s.staff or s.politics_body_ids) and s.tree_body_ids:
        conds.append(Measure.body_id.in_(s.tree_body_ids))
    if s.partner_org_ids:
        conds.append(Measure.organisation_id.in_(s.partner_org_ids))
    return or_(*conds) if conds else false()


def can_view_decision(user, entry) -> bool:
    """A protocol entry as part of the Wirkungskette: decisions readable for the user, and an entry
    of a non-public TOP only for who may see non-public TOPs."""
    meeting = entry.protocol.meeting
    if not can_read_decisions(user, meeting):
        return False
    item = entry.agenda_item
    return item is None or item.is_public or can_view_internal_items(user, meeting)


def can_link_decision(user, entry) -> bool:
    if entry.kind not in ("Beschluss", "Empfehlung") or not can_view_decision(user, entry):
        return False
    return scope_of(user).planner or can_edit_protocol(user, entry.protocol.meeting)


def can_link_target(user, target) -> bool:
    """The measure, goal or contract a link points to must be managed by the user."""
    from models.contracts import Contract, Goal
    from models.planung import Measure

    if isinstance(target, Measure):
        return can_manage_measure(user, target)
    if isinstance(target, Goal):
        return can_manage_goal(user, target)
    if isinstance(target, Contract):
        return can_manage_contract(user, target)
    return False


def can_view_chain(user) -> bool:
    return can_use_planung(user)


# --- Planungsvorhaben --------------------------------------------------------------------
# Planners of the owning body manage a process; staff and Politik of the Kreis read it.
# Partners see no processes (they see their measures and contracts).


def can_create_process(user, body_id=None) -> bool:
    return can_create_measure(user, body_id)


def can_manage_process(user, process) -> bool:
    s = scope_of(user)
    return s.admin or process.body_id in s.planner_body_ids


def can_view_process(user, process) -> bool:
    s = scope_of(user)
    if not s.authenticated or process is None:
        return False
    if can_manage_process(user, process):
        return True
    return process.body_id in s.tree_body_ids and (s.staff or bool(s.politics_body_ids))


def can_use_processes(user) -> bool:
    s = scope_of(user)
    return s.staff or bool(s.politics_body_ids)


def process_filter(user):
    from models.planung import PlanningProcess

    s = scope_of(user)
    if s.admin:
        return true()
    if (s.staff or s.politics_body_ids) and s.tree_body_ids:
        return PlanningProcess.body_id.in_(s.tree_body_ids)
    return false()


# --- Controlling (Abweichungsbericht) -------------------------------------------------------
# Read: who may see the process (or, for a body, staff and Politik of the Kreis); write the
# explanations: who manages the process, or the body's planners.


def can_view_controlling(user, scope) -> bool:
    from models import Body

    if isinstance(scope, Body):
        s = scope_of(user)
        return s.admin or (scope.id in s.tree_body_ids and (s.staff or bool(s.politics_body_ids)))
    return can_view_process(user, scope)


def can_explain_deviations(user, scope) -> bool:
    from models import Body

    if isinstance(scope, Body):
        s = scope_of(user)
        return s.admin or scope.id in s.planner_body_ids
    return can_manage_process(user, scope)


# --- Stellungnahmeverfahren -----------------------------------------------------------------
# Planners of the owning body run a consultation; staff of the Kreis read it; partner
# representatives of an invited organisation see it once it is sent, submit their own
# organisation's statement and see only that one. Politik reads the overview.


def can_create_consultation(user, body_id=None) -> bool:
    return can_create_measure(user, body_id)


def can_manage_consultation(user, consultation) -> bool:
    s = scope_of(user)
    return s.admin or consultation.body_id in s.planner_body_ids


def consultation_org_ids(user, consultation) -> set[int]:
    """The user's organisations invited to the consultation."""
    own = scope_of(user).partner_org_ids
    return {p.organisation_id for p in consultation.participants if p.organisation_id in own}


def can_view_consultation(user, consultation) -> bool:
    s = scope_of(user)
    if not s.authenticated or consultation is None:
        return False
    if can_manage_consultation(user, consultation):
        return True
    if consultation.sent_at is None:
        return False
    if consultation.body_id in s.tree_body_ids and (s.staff or bool(s.politics_body_ids)):
        return True
    return bool(consultation_org_ids(user, consultation))


def can_submit_statement(user, consultation) -> bool:
    return consultation.sent_at is not None and bool(consultation_org_ids(user, consultation))


def can_view_statement(user, statement) -> bool:
    consultation = statement.consultation
    if can_manage_consultation(user, consultation):
        return True
    s = scope_of(user)
    if statement.organisation_id in s.partner_org_ids:
        return True
    return can_view_consultation(user, consultation) and s.staff


def consultation_filter(user):
    from sqlalchemy import select

    from models.planung import Consultation, ConsultationParticipant

    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    if s.planner_body_ids:
        conds.append(Consultation.body_id.in_(s.planner_body_ids))
    if (s.staff or s.politics_body_ids) and s.tree_body_ids:
        conds.append(Consultation.body_id.in_(s.tree_body_ids) & Consultation.sent_at.is_not(None))
    if s.partner_org_ids:
        conds.append(
            Consultation.sent_at.is_not(None)
            & Consultation.id.in_(
                select(ConsultationParticipant.consultation_id).where(
                    ConsultationParticipant.organisation_id.in_(s.partner_org_ids)
                )
            )
        )
    return or_(*conds) if conds else false()
