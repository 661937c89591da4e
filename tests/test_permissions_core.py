"""Committee/meeting visibility rules of the foundation (used by several modules)."""

import pytest
from sqlalchemy import select

from beteiligung import permissions as perm
from models import Committee, CommitteeType, Membership


@pytest.fixture
def committees(db, world):
    spk_type = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialplanungskonferenz"))
    srk_type = db.session.scalar(select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz"))
    closed = Committee(body=world.kommune_a, type=spk_type, name="SPK Ahlen", is_public=False)
    public = Committee(body=world.kommune_a, type=srk_type, name="SRK Altstadt", is_public=True, areas=[world.area_a1])
    foreign = Committee(body=world.fremd_kommune, type=spk_type, name="SPK Fremdheim", is_public=False)
    db.session.add_all([closed, public, foreign])
    db.session.flush()
    db.session.add(Membership(committee=closed, person=world.person_a, organisation=world.org_a, has_mandate=True))
    db.session.commit()
    return closed, public, foreign


@pytest.mark.parametrize(
    "who,closed,public,foreign",
    [
        ("admin", True, True, True),
        ("planner_a", True, True, False),
        ("planner_k", True, True, False),
        ("planner_x", False, True, True),
        ("srm_a", True, True, False),
        ("partner_a", True, True, False),  # member through org_a
        ("partner_b", False, True, False),  # not a member
        ("politik", True, True, False),
    ],
)
def test_view_committee_matrix(app, world, committees, who, closed, public, foreign):
    user = getattr(world, who)
    c_closed, c_public, c_foreign = committees
    with app.test_request_context():
        assert perm.can_view_committee(user, c_closed) is closed
        assert perm.can_view_committee(user, c_public) is public
        assert perm.can_view_committee(user, c_foreign) is foreign
        from beteiligung.extensions import db

        visible = set(db.session.scalars(select(Committee.name).where(perm.committee_filter(user))))
        expected = {c.name for c, ok in zip(committees, (closed, public, foreign)) if ok}
        assert visible == expected


@pytest.mark.parametrize(
    "who,closed,public,foreign",
    [
        ("admin", True, True, True),
        ("planner_a", True, True, False),
        ("planner_k", False, False, False),  # the Kreis does not run the Kommune's committees
        ("srm_a", False, True, False),  # only the committee of its area
        ("partner_a", False, False, False),
        ("politik", False, False, False),
    ],
)
def test_manage_committee_matrix(app, world, committees, who, closed, public, foreign):
    user = getattr(world, who)
    with app.test_request_context():
        assert [perm.can_manage_committee(user, c) for c in committees] == [closed, public, foreign]
