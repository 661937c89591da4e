"""Permission rules of the monitoring (beteiligung/permissions/monitoring.py): role × action × own/foreign body."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from beteiligung.permissions import monitoring as mp
from models import Area
from models.monitoring import EditionStatus, MonitoringEdition, MonitoringRelease, StatIndicator

ROLES = ["admin", "planner_k", "planner_a", "planner_x", "srm_a", "partner_a", "politik"]


def _edition(db, body, status):
    e = MonitoringEdition(
        body_id=body.id,
        title="Test",
        definition={},
        reference_date=date(2025, 12, 31),
        status=status,
        method_text="",
        statistics={},
    )
    db.session.add(e)
    db.session.flush()
    return e


@pytest.mark.parametrize(
    "role,expected",
    [
        ("admin", {"kreis", "kommune_a", "kommune_b"}),
        ("planner_k", {"kreis"}),
        ("planner_a", {"kommune_a"}),
        ("planner_x", set()),
        ("srm_a", set()),
        ("partner_a", set()),
        ("politik", set()),
    ],
)
def test_who_manages_monitoring_of_which_body(world, role, expected):
    user = getattr(world, role)
    for name in ("kreis", "kommune_a", "kommune_b"):
        assert mp.can_manage_monitoring(user, getattr(world, name)) == (name in expected), (role, name)
    assert mp.can_view_monitoring(user) == (role not in ("partner_a",))
    assert mp.can_work_monitoring(user) == (role in ("admin", "planner_k", "planner_a", "planner_x", "srm_a"))


def test_release_is_the_kommunes_decision(world):
    assert mp.can_release_values(world.planner_a, world.kommune_a)
    assert not mp.can_release_values(world.planner_k, world.kommune_a)
    assert not mp.can_release_values(world.planner_a, world.kommune_b)
    assert not mp.can_release_values(world.planner_k, world.kreis)  # a Kreis has nobody to release to


def test_values_of_a_kommune_reach_the_kreis_only_after_release(db, world):
    assert mp.value_body_ids(world.planner_k) == {world.kreis.id}
    assert mp.value_body_ids(world.planner_a) == {world.kommune_a.id}
    assert mp.value_body_ids(world.srm_a) == {world.kommune_a.id}
    assert mp.value_body_ids(world.politik) == set() and mp.value_body_ids(world.partner_a) == set()
    db.session.add(MonitoringRelease(body_id=world.kommune_a.id))
    db.session.flush()
    assert mp.value_body_ids(world.planner_k) == {world.kreis.id, world.kommune_a.id}
    assert mp.value_body_ids(world.planner_x) == {world.fremdkreis.id}
    visible = set(db.session.scalars(select(Area.code).where(mp.value_area_filter(world.planner_k))))
    assert visible == {"A-01", "A-02"}


@pytest.mark.parametrize(
    "status,readers",
    [
        (EditionStatus.DRAFT, {"admin", "planner_a", "srm_a"}),
        (EditionStatus.RELEASED_TO_KREIS, {"admin", "planner_a", "srm_a", "planner_k"}),
        (EditionStatus.PUBLISHED, {"admin", "planner_a", "srm_a", "planner_k", "politik"}),
    ],
)
def test_edition_rule_and_filter_agree(db, world, status, readers):
    edition = _edition(db, world.kommune_a, status)
    for role in ROLES:
        user = getattr(world, role)
        assert mp.can_view_edition(user, edition) == (role in readers), (role, status)
        listed = (
            db.session.scalar(
                select(MonitoringEdition.id).where(MonitoringEdition.id == edition.id, mp.edition_filter(user))
            )
            is not None
        )
        assert listed == (role in readers), (role, status, "Filter")
    public = (
        db.session.scalar(
            select(MonitoringEdition.id).where(MonitoringEdition.id == edition.id, mp.published_edition_filter())
        )
        is not None
    )
    assert public == (status == EditionStatus.PUBLISHED)
    assert mp.can_publish_edition(world.planner_a, edition) and not mp.can_publish_edition(world.planner_k, edition)


def test_catalogue_is_shared_in_the_kreis_tree_not_beyond(db, world):
    ind = StatIndicator(body_id=world.kreis.id, key="sgb2", name="SGB-II-Quote")
    db.session.add(ind)
    db.session.flush()
    assert mp.can_view_stat_indicator(world.planner_a, ind) and mp.can_view_stat_indicator(world.srm_a, ind)
    assert not mp.can_view_stat_indicator(world.planner_x, ind)
    assert not mp.can_view_stat_indicator(world.politik, ind) and not mp.can_view_stat_indicator(world.partner_a, ind)
    assert mp.can_manage_stat_indicator(world.planner_k, ind) and not mp.can_manage_stat_indicator(world.planner_a, ind)
    for role in ROLES:
        user = getattr(world, role)
        listed = db.session.scalar(select(StatIndicator.id).where(mp.stat_indicator_filter(user))) is not None
        assert listed == mp.can_view_stat_indicator(user, ind), role
