"""The composite index (Sozialindex): a hand-computed example and the published Berlin method.

Reference for the method: Senatsverwaltung für Stadtentwicklung Berlin, "Monitoring Soziale
Stadtentwicklung" (MSS), description of the MSS 2015 in the FIS-Broker
(https://fbinter.stadt-berlin.de/fb_daten/beschreibung/sozstadt_2015LOR.html) and the MSS 2019 tables
(https://www.berlin.de/sen/sbw/stadtdaten/stadtwissen/monitoring-soziale-stadtentwicklung/bericht-2019/tabellen):
four index indicators per Planungsraum; a status index in four classes (hoch, mittel, niedrig,
sehr niedrig) and a dynamics index in three classes (positiv, stabil, negativ) from the change over
the observation period; their overlay gives 12 combinations (Gesamtindex Soziale Ungleichheit);
Planungsräume under 300 inhabitants are left out of the index computation. The thresholds in
standard deviations (−1, +1, +1,5 for the status, −1, +1 for the dynamics) are those the issue names.
"""

from __future__ import annotations

import math
import statistics

import pytest

from beteiligung.services import ValidationError
from beteiligung.services.monitoring.index import AreaInput, classify, compute, validate_spec

R2 = math.sqrt(2)


def spec(**kw):
    base = {
        "name": "Test",
        "ebene": "Sozialraum",
        "indikatoren": ["a", "b", "-c"],
        "schwellen": [-1, 0, 1],
        "klassen": ["A", "B", "C", "D"],
    }
    base.update(kw)
    return validate_spec(base)


def five_areas():
    a = [1, 2, 3, 4, 5]
    b = [10, 30, 20, 50, 40]
    c = [5, 4, 3, 2, 1]
    return [
        AreaInput(code=f"P{i + 1}", name=f"Gebiet {i + 1}", population=1000, values={"a": a[i], "b": b[i], "c": c[i]})
        for i in range(5)
    ]


def test_hand_computed_example_five_areas_three_indicators():
    """By hand: a = 1…5 → mean 3, population sd √2 → z = −√2, −1/√2, 0, 1/√2, √2.
    b = 10,30,20,50,40 → mean 30, sd √200 → z = −√2, 0, −1/√2, √2, 1/√2.
    c = 5…1 enters reversed (−c) → z = −√2, −1/√2, 0, 1/√2, √2.
    Sums = (−6, −2, −1, 4, 5)/√2; their mean is 0 and their sd √(82/5)/√2, so the standardised
    index is (−6, −2, −1, 4, 5)/√16,4 = −1,4816, −0,4939, −0,2469, 0,9877, 1,2347.
    Thresholds −1, 0, 1 → classes A, B, B, C, D; rank 1 = P5."""
    results, stats = compute(spec(), five_areas())
    by = {r.code: r for r in results}
    assert by["P1"].z == pytest.approx({"a": -R2, "b": -R2, "c": -R2})
    assert by["P2"].z == pytest.approx({"a": -1 / R2, "b": 0, "c": -1 / R2})
    assert by["P3"].z == pytest.approx({"a": 0, "b": -1 / R2, "c": 0})
    assert by["P4"].z == pytest.approx({"a": 1 / R2, "b": R2, "c": 1 / R2})
    assert by["P5"].z == pytest.approx({"a": R2, "b": 1 / R2, "c": R2})
    sums = [-6, -2, -1, 4, 5]
    for code, s in zip(["P1", "P2", "P3", "P4", "P5"], sums):
        assert by[code].index_value == pytest.approx(s / R2)
        assert by[code].index_standardised == pytest.approx(s / math.sqrt(16.4))
    assert [by[c].index_standardised for c in ("P1", "P2", "P3", "P4", "P5")] == pytest.approx(
        [-1.4816, -0.4939, -0.2469, 0.9877, 1.2347], abs=1e-4
    )
    assert [by[c].class_label for c in ("P1", "P2", "P3", "P4", "P5")] == ["A", "B", "B", "C", "D"]
    assert [by[c].rank for c in ("P1", "P2", "P3", "P4", "P5")] == [5, 4, 3, 2, 1]
    assert stats["indikatoren"]["a"] == pytest.approx({"mittelwert": 3, "standardabweichung": R2, "vorzeichen": 1})
    assert stats["indikatoren"]["c"]["vorzeichen"] == -1
    assert stats["fehlend"] == []


def test_population_not_sample_standard_deviation():
    results, stats = compute(spec(), five_areas())
    values = [1, 2, 3, 4, 5]
    assert stats["indikatoren"]["a"]["standardabweichung"] == pytest.approx(statistics.pstdev(values))
    assert stats["indikatoren"]["a"]["standardabweichung"] != pytest.approx(statistics.stdev(values))


def test_mean_aggregation_gives_the_same_standardised_index():
    r_sum, _ = compute(spec(), five_areas())
    r_mean, _ = compute(spec(verdichtung="mittel"), five_areas())
    assert [r.index_value * 3 for r in r_mean] == pytest.approx([r.index_value for r in r_sum])
    assert [r.index_standardised for r in r_mean] == pytest.approx([r.index_standardised for r in r_sum])


def test_threshold_value_belongs_to_upper_class():
    labels = ["hoch", "mittel", "niedrig", "sehr niedrig"]
    assert classify(-1.0, [-1, 1, 1.5], labels) == (2, "mittel")
    assert classify(-1.0001, [-1, 1, 1.5], labels) == (1, "hoch")
    assert classify(1.5, [-1, 1, 1.5], labels) == (4, "sehr niedrig")


def test_missing_values_are_excluded_and_listed_not_imputed():
    areas = five_areas() + [AreaInput(code="P6", name="Lückenhaft", population=900, values={"a": 9, "b": None, "c": 1})]
    results, stats = compute(spec(), areas)
    by = {r.code: r for r in results}
    assert by["P6"].excluded and by["P6"].index_value is None and by["P6"].class_label is None
    assert "b" in by["P6"].excluded_reason and "nicht geschätzt" in by["P6"].excluded_reason
    assert stats["fehlend"] == [{"kennung": "P6", "name": "Lückenhaft", "indikatoren": ["b"]}]
    # the other five are computed exactly as without P6
    assert by["P5"].index_standardised == pytest.approx(5 / math.sqrt(16.4))


def test_berlin_method_small_areas_left_out_of_mean_and_sd_but_classified():
    """MSS: areas under 300 inhabitants do not enter the computation of mean and sd; here they are
    still z-scored against the other areas and classified (as the issue asks)."""
    rows = [
        (
            f"PLR{i:02d}",
            2000 + 100 * i,
            {"alq": 3 + i * 0.5, "lzalq": 1 + i * 0.2, "transfer": 8 + i, "kinderarmut": 12 + 1.5 * i},
        )
        for i in range(12)
    ]
    rows.append(("PLR99", 150, {"alq": 30.0, "lzalq": 12.0, "transfer": 40.0, "kinderarmut": 60.0}))
    areas = [AreaInput(code=c, name=c, population=p, values=v) for c, p, v in rows]
    s = validate_spec(
        {
            "name": "MSS",
            "ebene": "Planungsraum",
            "indikatoren": ["alq", "lzalq", "transfer", "kinderarmut"],
            "mindest_einwohner": 300,
            "schwellen": [-1, 1, 1.5],
            "klassen": ["hoch", "mittel", "niedrig", "sehr niedrig"],
        }
    )
    results, stats = compute(s, areas)
    by = {r.code: r for r in results}
    reference = [r for r in results if r.code != "PLR99"]
    for key in ("alq", "transfer"):
        ref_values = [v[key] for c, p, v in rows if c != "PLR99"]
        assert stats["indikatoren"][key]["mittelwert"] == pytest.approx(statistics.fmean(ref_values))
        assert stats["indikatoren"][key]["standardabweichung"] == pytest.approx(statistics.pstdev(ref_values))
        zs = [r.z[key] for r in reference]
        assert statistics.fmean(zs) == pytest.approx(0, abs=1e-12)
        assert statistics.pstdev(zs) == pytest.approx(1)
    std = [r.index_standardised for r in reference]
    assert statistics.fmean(std) == pytest.approx(0, abs=1e-12) and statistics.pstdev(std) == pytest.approx(1)
    small = by["PLR99"]
    assert small.below_min_population and not small.excluded
    assert small.class_label == "sehr niedrig" and small.rank == 1
    assert stats["unter_mindest_einwohner"] == ["PLR99"]
    # Four status classes, in ascending order of the index.
    order = sorted(reference, key=lambda r: r.index_standardised)
    assert order[0].class_label == "hoch" and order[-1].class_label in ("niedrig", "sehr niedrig")


def test_berlin_dynamics_and_twelve_combinations():
    """Dynamics index from the change between two dates, classes positiv/stabil/negativ; the combined
    class is status × dynamics (4 × 3 = 12 possible labels)."""
    base = [3, 4, 5, 6, 7, 8, 9, 10]
    change = [-2.0, -0.2, 0.1, 0.0, 0.2, -0.1, 0.3, 2.5]
    areas = [
        AreaInput(
            code=f"D{i}",
            name=f"D{i}",
            population=1000,
            values={"alq": base[i] + change[i], "transfer": 2 * base[i] + change[i]},
            previous={"alq": base[i], "transfer": 2 * base[i]},
        )
        for i in range(8)
    ]
    s = validate_spec(
        {
            "name": "MSS",
            "ebene": "Planungsraum",
            "indikatoren": ["alq", "transfer"],
            "schwellen": [-1, 1, 1.5],
            "klassen": ["hoch", "mittel", "niedrig", "sehr niedrig"],
            "dynamik": {},
        }
    )
    results, stats = compute(s, areas, with_dynamics=True)
    by = {r.code: r for r in results}
    assert by["D0"].dynamics_class == "positiv"  # strongest improvement (falling unemployment)
    assert by["D7"].dynamics_class == "negativ"
    assert by["D3"].dynamics_class == "stabil"
    assert by["D7"].combined_class == f"{by['D7'].class_label} / negativ"
    dyn = [r.dynamics_value for r in results]
    assert statistics.fmean(dyn) == pytest.approx(0, abs=1e-12) and statistics.pstdev(dyn) == pytest.approx(1)
    labels = {f"{a} / {b}" for a in s["klassen"] for b in s["dynamik"]["klassen"]}
    assert len(labels) == 12 and {r.combined_class for r in results} <= labels


@pytest.mark.parametrize(
    "bad,field",
    [
        ({"indikatoren": []}, "indikatoren"),
        ({"schwellen": [1, -1]}, "schwellen"),
        ({"klassen": ["a", "b"]}, "klassen"),
        ({"schwellen": ["x"]}, "schwellen"),
        ({"ebene": ""}, "ebene"),
        ({"mindest_einwohner": -5}, "mindest_einwohner"),
        ({"indikatoren": ["a", "-a"]}, "indikatoren"),
    ],
)
def test_bad_definitions_get_german_messages(bad, field):
    with pytest.raises(ValidationError) as exc:
        spec(**bad)
    assert field in exc.value.errors


def test_no_spread_is_an_error_not_a_division_by_zero():
    areas = [AreaInput(code=f"S{i}", name="x", population=1000, values={"a": 1, "b": i, "c": i}) for i in range(4)]
    with pytest.raises(ValidationError) as exc:
        compute(spec(), areas)
    assert "Streuung" in exc.value.errors["indikatoren"]
