"""Issue 15: the traffic light never says "grün" while the forecast says the target will be missed;
status changes are real action buttons next to a status badge."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from beteiligung.services.kontrakte.kennzahlen import evaluate


def _indicator(values):
    ms = [SimpleNamespace(period_end=d, value=Decimal(v), report_id=None) for d, v in values]
    return SimpleNamespace(
        measurements=ms,
        baseline_value=Decimal(100),
        baseline_date=date(2024, 1, 1),
        target_mode="absolut",
        target_input=Decimal(200),
        target_date=date(2026, 1, 1),
        direction="hoeher",
        green_limit=Decimal(5),
        yellow_limit=Decimal(15),
    )


def test_on_track_today_but_forecast_missed_is_yellow_with_reason():
    ev = evaluate(_indicator([(date(2024, 2, 1), 150), (date(2025, 1, 1), 150)]))
    assert ev.latest.light == "gruen" and ev.forecast_ok is False
    assert ev.light == "gelb" and "Prognose" in ev.light_note


def test_on_track_and_forecast_reached_stays_green():
    ev = evaluate(_indicator([(date(2024, 7, 1), 150), (date(2025, 1, 1), 160)]))
    assert ev.forecast_ok is True and ev.light == "gruen" and ev.light_note is None


def test_red_stays_red_without_note():
    ev = evaluate(_indicator([(date(2025, 1, 1), 100)]))
    assert ev.light == "rot" and ev.light_note is None


def test_contract_status_change_is_an_action_button_beside_a_badge(client, kw):
    client.login(kw.w.planner_k.email)
    html = client.get(f"/kontrakte/{kw.contract.id}").get_data(as_text=True)
    assert '<span class="kern-badge kern-badge--success"><span class="kern-label">laufend</span></span>' in html
    assert '<span class="kern-label">Als ausgelaufen markieren</span></button>' in html
    assert '<span class="kern-label">Kündigen</span></button>' in html
    assert "Status: ausgelaufen" not in html


def test_forecast_within_green_tolerance_of_target_counts_as_reached():
    # line through (31.12.2023; 100) and (31.12.2024; 150) ends at 199,86 on 31.12.2025: 0,07 % short of 200
    ind = _indicator([(date(2024, 12, 31), 150)])
    ind.baseline_date, ind.target_date = date(2023, 12, 31), date(2025, 12, 31)
    ev = evaluate(ind)
    assert ev.forecast < 200 and ev.forecast_ok is True and ev.light == "gruen"
