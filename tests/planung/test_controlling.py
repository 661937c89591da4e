"""Abweichungsbericht: figures against a hand-computed example, explanations, documents, permissions.

Hand computation for the chain's indicator "Beratene Senior·innen" (higher is better):
baseline 100 on 31.12.2023, target 200 on 31.12.2025 (731 days), green ≤ 5 %, yellow ≤ 10 %.
Ist 130 on 31.12.2024 (366 days after the baseline):
  Soll(31.12.2024) = 100 + 100 · 366/731 = 150,0684
  Abweichung      = (150,0684 − 130) / 150,0684 = 13,37 %  → rot
  Prognose        = line through (0, 100) and (366, 130) at day 731 = 100 + 30 · 731/366 = 159,92 → verfehlt
A value on 30.06.2025 is not yet known at the end of the 1st quarter 2025.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from beteiligung.extensions import db as _db
from beteiligung.services import NotFound, PermissionDenied
from beteiligung.services.planung import controlling as svc
from beteiligung.services.planung import vorhaben
from models.contracts import BudgetLine, Measurement
from models.planung import ControllingNote, MeasureBudget, Milestone


@pytest.fixture
def ctl(chain):
    w = chain
    _db.session.add_all(
        [
            Measurement(indicator=w.indicator, period_end=date(2024, 12, 31), value=Decimal("130")),
            Measurement(indicator=w.indicator, period_end=date(2025, 6, 30), value=Decimal("170")),
            Milestone(measure=w.measure, title="Zweite Sprechstunde", due_date=date(2025, 2, 1)),
            BudgetLine(
                contract=w.contract, kind="Zuschuss", year=2024, amount=Decimal("1000"), product_number="06.363.01"
            ),
            BudgetLine(contract=w.contract, kind="Sachmittel", year=2025, amount=Decimal("2000")),
            MeasureBudget(measure=w.measure, year=2025, amount=Decimal("500"), product_number="06.363.01"),
            MeasureBudget(measure=w.measure, year=2026, amount=Decimal("700"), product_number="31.01.01"),
            MeasureBudget(measure=w.measure, year=2031, amount=Decimal("999"), product_number="31.01.01"),
        ]
    )
    w.contract.product_number = "06.363.01"
    _db.session.commit()
    return w


def _row(report):
    return next(r for _g, rows in report.goals for r in rows if r.indicator.name == "Beratene Senior·innen")


def test_figures_match_the_hand_computed_example(ctl):
    report = svc.build(ctl.planner_k, "koerperschaft", ctl.kreis, 2025, 1)
    assert (report.start, report.end) == (date(2025, 1, 1), date(2025, 3, 31))
    row = _row(report)
    assert row.ist == Decimal("130") and row.ist_date == date(2024, 12, 31)
    assert row.soll.quantize(Decimal("0.0001")) == Decimal("150.0684")
    assert row.deviation.quantize(Decimal("0.01")) == Decimal("13.37")
    assert row.light == "rot"
    assert row.forecast.quantize(Decimal("0.01")) == Decimal("159.92") and row.forecast_ok is False
    # the same as today's indicator forecast on the values known then
    from beteiligung.services.kontrakte.kennzahlen import evaluate

    known = [m for m in ctl.indicator.measurements if m.period_end <= report.end]
    assert row.forecast == evaluate(ctl.indicator, known).forecast
    # measures and deviations
    m = next(x for x in report.measures if x.measure == ctl.measure)
    assert m.overdue == ["Meilenstein „Zweite Sprechstunde“ seit 01.02.2025 fällig"]
    assert {(k, getattr(r, "indicator", None) or r.measure) for k, r in report.deviations} == {
        ("kennzahl", ctl.indicator),
        ("massnahme", ctl.measure),
    }
    # product sheets over five years (2023–2027)
    assert report.years == [2023, 2024, 2025, 2026, 2027]
    sheets = {s.number: s for s in report.products}
    assert sheets["06.363.01"].year_total(2024) == Decimal("1000")
    assert sheets["06.363.01"].year_total(2025) == Decimal("2500")
    assert sheets["06.363.01"].total == Decimal("3500")
    assert sheets["31.01.01"].total == Decimal("700")  # 2031 lies outside the five years


def test_later_quarter_sees_the_later_value(ctl):
    row = _row(svc.build(ctl.planner_k, "koerperschaft", ctl.kreis, 2025, 3))
    assert row.ist == Decimal("170") and row.ist_date == date(2025, 6, 30)


def test_process_scope_and_explanations(ctl, db):
    process = vorhaben.save_process(
        ctl.planner_k, None, {"title": "Frühe Hilfen", "body_id": ctl.kreis.id, "mandate_by": "Kreistag"}
    )
    vorhaben.assign(ctl.planner_k, process, process.phases[4].id, "massnahme", ctl.measure.id)
    db.session.commit()
    report = svc.build(ctl.planner_k, "vorhaben", process, 2025, 1)
    assert [m.measure for m in report.measures] == [ctl.measure]  # only what belongs to the process
    assert _row(report).light == "rot"  # the measure's indicator
    svc.save_notes(
        ctl.planner_k, "vorhaben", process, 2025, 1, {("kennzahl", ctl.indicator.id): "Personalausfall im Winter."}
    )
    db.session.commit()
    assert _row(svc.build(ctl.planner_k, "vorhaben", process, 2025, 1)).note == "Personalausfall im Winter."
    with pytest.raises(NotFound):  # no deviation → nothing to explain
        svc.save_notes(ctl.planner_k, "vorhaben", process, 2025, 1, {("massnahme", ctl.other_measure.id): "x"})
    with pytest.raises(PermissionDenied):
        svc.save_notes(ctl.politik, "vorhaben", process, 2025, 1, {("kennzahl", ctl.indicator.id): "x"})


@pytest.mark.parametrize(
    "who,code", [("planner_k", 200), ("politik", 200), ("srm_a", 200), ("partner_a", 404), ("planner_x", 404)]
)
def test_page_by_role(ctl, as_user, who, code):
    assert (
        as_user(getattr(ctl, who))
        .get(f"/planung/controlling/koerperschaft/{ctl.kreis.id}?jahr=2025&quartal=1")
        .status_code
        == code
    )


def test_page_documents_and_explanations(ctl, as_user, db):
    c = as_user(ctl.planner_k)
    url = f"/planung/controlling/koerperschaft/{ctl.kreis.id}?jahr=2025&quartal=1"
    html = c.get(url).get_data(as_text=True)
    assert "150,07" in html and "13,37 %" in html and "159,92" in html and "wird verfehlt" in html
    assert "3.500,00 €" in html
    r = c.post(url, data={f"erl-kennzahl-{ctl.indicator.id}": "x" * 6000})
    assert r.status_code == 422 and "zu lang" in r.get_data(as_text=True)
    r = c.post(url, data={f"erl-kennzahl-{ctl.indicator.id}": "Zwei Stellen waren unbesetzt."})
    assert r.status_code == 302
    assert db.session.query(ControllingNote).one().text == "Zwei Stellen waren unbesetzt."
    assert c.post(url, data={"erl-kennzahl-abc": "x"}).status_code == 404
    pdf = c.get(f"/planung/controlling/koerperschaft/{ctl.kreis.id}.pdf?jahr=2025&quartal=1")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    docx = c.get(f"/planung/controlling/koerperschaft/{ctl.kreis.id}.docx?jahr=2025&quartal=1")
    from docx import Document

    text = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    tables = " ".join(cell.text for t in Document(io.BytesIO(docx.data)).tables for row in t.rows for cell in row.cells)
    assert "Zwei Stellen waren unbesetzt." in text and "150,07" in tables and "13,37 %" in tables
    assert as_user(ctl.politik).post(url, data={f"erl-kennzahl-{ctl.indicator.id}": "x"}).status_code == 403
    assert c.get(f"/planung/controlling/koerperschaft/{ctl.kreis.id}?jahr=1900&quartal=9").status_code == 404
    assert c.get(f"/planung/controlling/unsinn/{ctl.kreis.id}").status_code == 404


def test_controlling_query_count_constant(ctl, as_user, db):
    from tests.support.queries import assert_constant_queries

    from .conftest import make_measure

    def grow(factor):
        for i in range(factor * 2):
            m = make_measure(ctl, title=f"Zusatz {i}")
            m.indicators = [ctl.indicator]
            m.contracts = [ctl.contract]
            _db.session.add(MeasureBudget(measure=m, year=2025, amount=Decimal("10"), product_number="06.363.01"))
            _db.session.add(Milestone(measure=m, title="M", due_date=date(2025, 1, 15)))
        _db.session.commit()

    assert_constant_queries(
        as_user(ctl.planner_k),
        db.engine,
        f"/planung/controlling/koerperschaft/{ctl.kreis.id}?jahr=2025&quartal=1",
        grow,
    )
