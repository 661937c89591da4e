"""Sozialmonitoring (issue 12): who sees and manages indicators, values, index definitions and editions.

Data sovereignty (like survey release): statistics belong to the Körperschaft of the area
(values) or of the record (catalogue, definitions, editions).
- Planners of a body manage its catalogue, values, index definitions and editions; the
  Sozialraummanagement of a body reads them.
- A Kommune's values are visible to the staff of its Kreis only after the Kommune released
  them (`MonitoringRelease`, audited).
- An edition is visible to its own body's staff in every state; to the staff of the other
  bodies of the Kreis tree once released (`released_to_kreis` or `published`); to Politik of
  the tree once published; the public page shows published editions only.
- Partners see nothing of the monitoring. Guessed ids of things a user may not see are 404.
"""

from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import false, or_, select, true

from beteiligung.extensions import db
from models import Area, Body

from . import scope_of


def _staff_body_ids(s) -> set[int]:
    return s.planner_body_ids | s.area_body_ids


def _released_body_ids() -> set[int]:
    """Bodies whose values are released to their Kreis (one query per request)."""
    from models.monitoring import MonitoringRelease

    cache_key = "_monitoring_released"
    if has_request_context() and hasattr(g, cache_key):
        return getattr(g, cache_key)
    ids = set(db.session.scalars(select(MonitoringRelease.body_id)))
    if has_request_context():
        setattr(g, cache_key, ids)
    return ids


def _child_body_ids(parent_ids: set[int]) -> set[int]:
    if not parent_ids:
        return set()
    return set(db.session.scalars(select(Body.id).where(Body.parent_id.in_(parent_ids))))


# --- module ----------------------------------------------------------------------------------


def can_view_monitoring(user) -> bool:
    """The monitoring pages: staff of a Kreis tree and Politik (published editions only)."""
    s = scope_of(user)
    return s.admin or bool(_staff_body_ids(s)) or bool(s.politics_body_ids)


def can_work_monitoring(user) -> bool:
    """Catalogue, values and index pages (staff only; Politik reads published editions)."""
    s = scope_of(user)
    return s.admin or bool(_staff_body_ids(s))


def can_manage_monitoring(user, body=None) -> bool:
    """Import values, edit the catalogue, define indices, compute editions (for body, or any)."""
    s = scope_of(user)
    if s.admin:
        return True
    if body is None:
        return bool(s.planner_body_ids)
    return getattr(body, "id", body) in s.planner_body_ids


def monitoring_body_ids(user) -> set[int] | None:
    """Bodies the user manages monitoring data of; None means all (admin)."""
    s = scope_of(user)
    return None if s.admin else set(s.planner_body_ids)


# --- catalogue ---------------------------------------------------------------------------------


def can_view_stat_indicator(user, indicator) -> bool:
    s = scope_of(user)
    return s.admin or (bool(_staff_body_ids(s)) and indicator.body_id in s.tree_body_ids)


def can_manage_stat_indicator(user, indicator) -> bool:
    return can_manage_monitoring(user, indicator.body_id)


def stat_indicator_filter(user):
    """SQL condition on StatIndicator: the catalogue of the user's Kreis tree (staff only)."""
    from models.monitoring import StatIndicator

    s = scope_of(user)
    if s.admin:
        return true()
    if not _staff_body_ids(s) or not s.tree_body_ids:
        return false()
    return StatIndicator.body_id.in_(s.tree_body_ids)


# --- values ----------------------------------------------------------------------------------------


def value_body_ids(user) -> set[int] | None:
    """Bodies whose values (StatValue of their areas) the user may read; None means all."""
    s = scope_of(user)
    if s.admin:
        return None
    own = _staff_body_ids(s)
    released = _released_body_ids() & _child_body_ids(s.planner_body_ids | s.area_body_ids)
    return own | released


def can_view_values_of(user, body_id: int) -> bool:
    allowed = value_body_ids(user)
    return allowed is None or body_id in allowed


def value_area_filter(user):
    """SQL condition on Area: areas whose values the user may read."""
    allowed = value_body_ids(user)
    if allowed is None:
        return true()
    return Area.body_id.in_(allowed) if allowed else false()


def can_release_values(user, body) -> bool:
    """Releasing a Kommune's statistics to its Kreis is the Kommune's decision."""
    return body.parent_id is not None and can_manage_monitoring(user, body.id)


# --- index definitions and editions ----------------------------------------------------------------


def can_view_index_definition(user, definition) -> bool:
    s = scope_of(user)
    return s.admin or definition.body_id in _staff_body_ids(s)


def can_manage_index_definition(user, definition) -> bool:
    return can_manage_monitoring(user, definition.body_id)


def index_definition_filter(user):
    from models.monitoring import IndexDefinition

    s = scope_of(user)
    if s.admin:
        return true()
    own = _staff_body_ids(s)
    return IndexDefinition.body_id.in_(own) if own else false()


def can_view_edition(user, edition) -> bool:
    from models.monitoring import EDITION_STATES_PUBLIC, EDITION_STATES_VISIBLE_TO_KREIS

    s = scope_of(user)
    if s.admin or edition.body_id in _staff_body_ids(s):
        return True
    if edition.body_id not in s.tree_body_ids:
        return False
    if _staff_body_ids(s) and edition.status in EDITION_STATES_VISIBLE_TO_KREIS:
        return True
    return bool(s.politics_body_ids) and edition.status in EDITION_STATES_PUBLIC


def edition_filter(user):
    """SQL condition on MonitoringEdition (mirrors can_view_edition)."""
    from models.monitoring import EDITION_STATES_PUBLIC, EDITION_STATES_VISIBLE_TO_KREIS
    from models.monitoring import MonitoringEdition as E

    s = scope_of(user)
    if s.admin:
        return true()
    conds = []
    own = _staff_body_ids(s)
    if own:
        conds.append(E.body_id.in_(own))
        if s.tree_body_ids:
            conds.append(E.body_id.in_(s.tree_body_ids) & E.status.in_(list(EDITION_STATES_VISIBLE_TO_KREIS)))
    if s.politics_body_ids and s.tree_body_ids:
        conds.append(E.body_id.in_(s.tree_body_ids) & E.status.in_(list(EDITION_STATES_PUBLIC)))
    return or_(*conds) if conds else false()


def published_edition_filter():
    """SQL condition on MonitoringEdition: what the public page may show."""
    from models.monitoring import EDITION_STATES_PUBLIC, MonitoringEdition

    return MonitoringEdition.status.in_(list(EDITION_STATES_PUBLIC))


def can_manage_edition(user, edition) -> bool:
    return can_manage_monitoring(user, edition.body_id)


def can_release_edition(user, edition) -> bool:
    """Release a Kommune's edition to the Kreis (the owning body decides)."""
    return can_manage_monitoring(user, edition.body_id)


def can_publish_edition(user, edition) -> bool:
    return can_manage_monitoring(user, edition.body_id)


# --- maps, Sozialraum-Dossier, Sozialbericht (B2) ------------------------------------------------


def can_view_dossier(user, area) -> bool:
    """An area's dossier: staff who may read the values of the area's body (a Kommune's areas
    only after its release to the Kreis); Politik and partners see no dossier."""
    return can_work_monitoring(user) and can_view_values_of(user, area.body_id)


def can_import_geometries(user, body=None) -> bool:
    return can_manage_monitoring(user, body)


def can_edit_report(user, edition) -> bool:
    """Text blocks of the Sozialbericht of an edition: the edition's planners."""
    return can_manage_edition(user, edition)
