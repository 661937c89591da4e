"""Soll-Ist, forecast and traffic-light arithmetic on hand-computed cases."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

from beteiligung.services.kontrakte.kennzahlen import (
    chart_svg,
    deviation_percent,
    evaluate,
    format_decimal_de,
    format_euro,
    linear_forecast,
    parse_decimal_de,
    reaches_target,
    soll_at,
    target_value,
    traffic_light,
)

D = Decimal


def test_relative_target_minus_ten_percent():
    # Bielefeld "Familienhebammen": Zielwert −10 % relative to the Ist-Wert 12,0 → 10,8
    assert target_value(D("12.0"), "relativ", D("-10")) == D("10.8")
    assert target_value(D("250"), "relativ", D("20")) == D("300")
    assert target_value(D("12.0"), "absolut", D("9")) == D("9")


def test_soll_is_linear_between_baseline_and_target():
    b, t = date(2024, 1, 1), date(2025, 1, 1)  # 366 days (leap year)
    assert soll_at(D(0), b, D(366), t, date(2024, 1, 1)) == D(0)
    assert soll_at(D(0), b, D(366), t, date(2024, 7, 1)) == D(182)  # 182 days after 1.1.
    assert soll_at(D(0), b, D(366), t, date(2026, 1, 1)) == D(366)  # after the target date: the target
    assert soll_at(D(0), b, D(366), t, date(2023, 6, 1)) == D(0)  # before the baseline: the baseline


def test_deviation_higher_is_better():
    # Soll 20, Ist 11 → 9 below → 45 % of Soll
    assert deviation_percent(D(11), D(20), "hoeher") == D(45)
    # better than Soll → no deviation
    assert deviation_percent(D(25), D(20), "hoeher") == D(0)


def test_deviation_lower_is_better():
    # Soll 11,2, Ist 11,76 → 0,56 too high → 5 %
    assert deviation_percent(D("11.76"), D("11.2"), "niedriger") == D(5)
    assert deviation_percent(D("10.0"), D("11.2"), "niedriger") == D(0)
    assert deviation_percent(D("1"), D("0"), "niedriger") == D(100)


@pytest.mark.parametrize(
    "dev,light",
    [(D(0), "gruen"), (D(5), "gruen"), (D("5.01"), "gelb"), (D(10), "gelb"), (D("10.01"), "rot"), (None, "keine")],
)
def test_traffic_light_thresholds(dev, light):
    assert traffic_light(dev, D(5), D(10)) == light


def test_traffic_light_configurable():
    assert traffic_light(D(8), D(10), D(20)) == "gruen"
    assert traffic_light(D(15), D(10), D(20)) == "gelb"


def test_linear_forecast_exact_line():
    pts = [(date(2024, 1, 1), D(10)), (date(2024, 1, 11), D(20))]  # +1 per day
    assert linear_forecast(pts, date(2024, 1, 21)) == D(30)
    assert linear_forecast(pts[:1], date(2024, 1, 21)) is None


def test_linear_forecast_least_squares():
    # points (0,0), (1,1), (2,3): slope 1,5, mean x 1, mean y 4/3 → at x=4: 4/3 + 1,5·3 = 5,8333…
    pts = [(date(2024, 1, 1), D(0)), (date(2024, 1, 2), D(1)), (date(2024, 1, 3), D(3))]
    assert linear_forecast(pts, date(2024, 1, 5)).quantize(D("0.0001")) == D("5.8333")
    assert reaches_target(D("5.8"), D(6), "hoeher") is False
    assert reaches_target(D("5.8"), D(6), "niedriger") is True


def _ind(**kw):
    base = dict(
        id=1,
        name="Test",
        unit="",
        baseline_value=D("12.0"),
        baseline_date=date(2024, 12, 31),
        target_mode="relativ",
        target_input=D("-10"),
        target_date=date(2026, 12, 31),
        direction="niedriger",
        green_limit=D(5),
        yellow_limit=D(10),
        measurements=[],
    )
    base.update(kw)
    return SimpleNamespace(**base)


def test_evaluate_relative_target_lower_is_better():
    # baseline 12,0 (31.12.2024), target 10,8 (31.12.2026): 730 days; at 31.12.2025 (365 days) Soll = 11,4
    m = [SimpleNamespace(period_end=date(2025, 12, 31), value=D("12.54"), report_id=None)]
    ev = evaluate(_ind(), m)
    assert ev.target == D("10.8")
    row = ev.latest
    assert row.soll == D("11.4")
    assert row.deviation == D(10)  # (12,54 − 11,4) / 11,4 = 10 % → still yellow
    assert row.light == "gelb"
    # forecast: line through (0; 12,0) and (365; 12,54) → at 730: 13,08 → target missed
    assert ev.forecast == D("13.08")
    assert ev.forecast_ok is False


def test_evaluate_higher_is_better_red():
    ind = _ind(
        baseline_value=D(0),
        target_mode="absolut",
        target_input=D(20),
        baseline_date=date(2023, 12, 31),
        target_date=date(2025, 12, 31),
        direction="hoeher",
    )
    m = [SimpleNamespace(period_end=date(2025, 12, 31), value=D(11), report_id=None)]
    ev = evaluate(ind, m)
    assert ev.latest.soll == D(20) and ev.latest.deviation == D(45) and ev.light == "rot"


def test_evaluate_without_measurements():
    ev = evaluate(_ind(), [])
    assert ev.light == "keine" and ev.forecast is None and ev.latest is None


@pytest.mark.parametrize(
    "text,value",
    [
        ("1.234,5", D("1234.5")),
        ("1234,5", D("1234.5")),
        ("-10", D(-10)),
        (" 12 ", D(12)),
        ("0,25", D("0.25")),
        ("−", None),
    ],
)
def test_parse_german_decimal(text, value):
    if value is None:
        with pytest.raises(ValueError):
            parse_decimal_de(text)
    else:
        assert parse_decimal_de(text) == value


@pytest.mark.parametrize("text", ["abc", "1,2,3", "1.23,4", "12e3", "", "1.2345", "nan", "Infinity"])
def test_parse_german_decimal_rejects(text):
    with pytest.raises(ValueError):
        parse_decimal_de(text)


def test_number_formats():
    assert format_euro(D("1234.5")) == "1.234,50 €"
    assert format_euro(D("495915.79")) == "495.915,79 €"
    assert format_decimal_de(D("-1234567.891"), 2) == "-1.234.567,89"


def test_chart_is_svg_without_script_or_style():
    m = [SimpleNamespace(period_end=date(2025, 12, 31), value=D("11.9"), report_id=None)]
    ind = _ind(unit="je 1.000 <Neugeborene>")
    svg = chart_svg(ind, evaluate(ind, m))
    assert svg.startswith("<svg") and 'role="img"' in svg and "<title" in svg
    assert "<script" not in svg and "style=" not in svg
    assert "<Neugeborene>" not in svg  # escaped
