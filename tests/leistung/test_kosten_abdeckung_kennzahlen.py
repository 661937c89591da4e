"""Issue 14 (helper faktor2): the coverage matrix and the indicator overview read as many rows and send as
many bytes with ten times the data (grown with the scale generator) – the matrix counts per cell in SQL,
the overview cuts its page in SQL. The base is chosen so that the overview's first page is already full."""

from __future__ import annotations

from sqlalchemy import func, select

from models.contracts import Indicator
from tests.support.queries import assert_constant_page

from .test_kosten import TOLERANCE, grower


def test_coverage_matrix_rows_and_bytes_stay_constant(app, db, world, client):
    grow = grower(0.02, {"netzwerk"})
    client.login(world.planner_k.email)
    cost, size = assert_constant_page(client, db.engine, "/netzwerk/abdeckung", grow, tolerance=TOLERANCE)
    assert cost.rows > 0 and size > 1000


def test_indicator_overview_rows_and_bytes_stay_constant(app, db, world, client):
    from views.kontrakte.ziele import INDICATORS_PER_PAGE

    grow = grower(0.5, {"kontrakte"})
    assert db.session.scalar(select(func.count()).select_from(Indicator)) > INDICATORS_PER_PAGE
    client.login(world.planner_k.email)
    cost, size = assert_constant_page(client, db.engine, "/kontrakte/kennzahlen/", grow, tolerance=TOLERANCE)
    assert cost.rows > 0 and size > 1000
    assert db.session.scalar(select(func.count()).select_from(Indicator)) > 10 * INDICATORS_PER_PAGE
