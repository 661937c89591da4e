"""SVG maps: class breaks, one path per area, suppression, permissions, bad input, query counts."""

from __future__ import annotations

import re

import pytest

from beteiligung.services.monitoring import karten as K
from beteiligung.services.monitoring import kartendaten as KD
from models.monitoring import StatValue
from tests.monitoring import karten_welt as kw
from tests.support.queries import assert_constant_queries


def paths(svg: str) -> list[str]:
    return re.findall(r'<path d="[^"]+"[^>]*data-gebiet="(\d+)"', svg)


# --- pure functions ------------------------------------------------------------------------------


def test_class_breaks_quantile_equal_fixed():
    values = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    assert K.class_breaks(values, "gleich", 3) == pytest.approx([4, 7])
    q = K.class_breaks(values, "quantile", 2)
    assert q == pytest.approx([5.5])
    assert K.class_breaks(values, "fest", thresholds=[8, 2]) == [2, 8]
    assert K.classify(1.9, [2, 8]) == 0 and K.classify(2, [2, 8]) == 1 and K.classify(8, [2, 8]) == 2
    assert K.class_breaks([3, 3, 3], "quantile", 5) == [] and K.class_breaks([], "gleich") == []
    assert K.legend_for_breaks([2.5, 8], 1, "%") == ["unter 2,5 %", "2,5 bis unter 8,0 %", "8,0 % und mehr"]


def test_render_map_one_path_per_area_and_hatched_secret():
    sq = '{"type":"Polygon","coordinates":[[[13,52],[13.1,52],[13.1,52.1],[13,52.1],[13,52]]]}'
    sq2 = '{"type":"Polygon","coordinates":[[[13.1,52],[13.2,52],[13.2,52.1],[13.1,52.1],[13.1,52]]]}'
    areas = [
        K.MapArea(1, "A", "Ahorn", sq, value_text="12,0 %"),
        K.MapArea(2, "B", "Birke", sq2, value_text="geheim (unter 5)", suppressed=True),
    ]
    spec = K.choropleth_spec(areas, {1: 12.0}, title="Test <Karte>", suppressed_below=5)
    svg = K.render_map(spec, uid="t")
    assert paths(svg) == ["1", "2"]
    assert 'fill="url(#t-geheim)"' in svg and "geheim (unter 5) (1)" in svg
    assert "Test &lt;Karte&gt;" in svg and "style=" not in svg
    # aspect: 0.1° lon at 52° N is ~0.62 of 0.1° lat; two squares side by side are wider than high
    m = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert int(m.group(1)) == 800


def test_sparkline_and_bar_chart():
    assert K.sparkline([("2024", 1.0)], uid="s", label="x") == ""
    s = K.sparkline([("2023", 1.0), ("2024", None), ("2025", 3.0)], uid="s", label="Verlauf")
    assert "<path" in s and "Verlauf" in s
    b = K.bar_chart([("A", 2.0, "2,0"), ("B", -1.0, "-1,0"), ("C", None, "geheim")], uid="b", title="Balken")
    assert b.count("<rect") == 2 and "geheim" in b


# --- indicator map ------------------------------------------------------------------------------------


def test_indicator_map_suppresses_and_respects_release(db, world):
    sgb2, _ = kw.build(world)
    result = KD.indicator_map(world.planner_k, sgb2, kw.DAY2)
    # Kommune B has not released its values: B-01 is not on the Kreis planner's map
    assert [r.code for r in result.rows] == ["A-01", "A-02"]
    # ... only its outline, for orientation, without any value
    assert paths(result.svg) == [str(world.area_a1.id), str(world.area_a2.id), str(world.area_b1.id)]
    assert "Dorfmitte (B-01): Werte nicht freigegeben" in result.svg and "8,6 %" not in result.svg
    assert "Werte nicht freigegeben (1)" in result.svg
    secret = next(r for r in result.rows if r.code == "A-02")
    assert secret.suppressed and secret.value_text == "geheim (unter 5)"
    assert "3,3 %" not in result.svg and "geheim (unter 5)" in result.svg
    admin = KD.indicator_map(world.admin, sgb2, kw.DAY2)
    assert len(paths(admin.svg)) == 3 and "8,6 %" in admin.svg
    # DAY1: 6 cases, shown
    day1 = KD.indicator_map(world.planner_k, sgb2, kw.DAY1)
    assert "4,0 %" in day1.svg


def test_indicator_map_page(client, db, world):
    sgb2, alo = kw.build(world)
    client.login("planung@kreis.example")
    r = client.get(f"/monitoring/karte?indikator={sgb2.id}&stichtag={kw.DAY2.isoformat()}&methode=gleich&klassen=3")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert html.count('data-gebiet="') == 3 and "geheim (unter 5)" in html and "3,3 %" not in html
    assert "8,6 %" not in html and "Dorfmitte" not in html.split("<table")[-1]  # B-01: outline only, not in the table
    assert f'href="/monitoring/gebiete/{world.area_a1.id}"' in html
    assert "<caption" in html and 'scope="row"' in html
    # fixed thresholds
    r = client.get(f"/monitoring/karte?indikator={sgb2.id}&methode=fest&schwellen=5%3B10")
    assert r.status_code == 200 and "unter 5,0 %" in r.get_data(as_text=True)


@pytest.mark.parametrize(
    "query, field_text",
    [
        ("methode=fest", "mindestens einen Schwellenwert"),
        ("methode=fest&schwellen=10%3B5", "aufsteigend"),
        ("methode=fest&schwellen=abc", "Schwellen als Zahlen"),
        ("klassen=12", "2 bis 7"),
        ("stichtag=2020-01-01", "keine Werte"),
        ("stichtag=31.12.", "Stichtag"),
        ("methode=zufall", "Klassenbildung"),
    ],
)
def test_indicator_map_bad_input_is_422(client, db, world, query, field_text):
    sgb2, _ = kw.build(world)
    client.login("planung@kreis.example")
    r = client.get(f"/monitoring/karte?indikator={sgb2.id}&{query}")
    assert r.status_code == 422
    assert field_text in r.get_data(as_text=True)


def test_indicator_map_permissions(client, db, world):
    sgb2, _ = kw.build(world)
    client.login("planung@fremd.example")  # another Kreis: the indicator does not exist for them
    assert client.get(f"/monitoring/karte?indikator={sgb2.id}").status_code == 404
    client.logout()
    client.login("partner@wohlfahrt.example")
    assert client.get("/monitoring/karte").status_code == 403
    client.logout()
    client.login("politik@kreis.example")  # Politik reads published editions only
    assert client.get(f"/monitoring/karte?indikator={sgb2.id}").status_code == 404


# --- edition maps ----------------------------------------------------------------------------------------


def test_edition_maps(client, db, world):
    kw.build(world)
    e = kw.edition(world, "released_to_kreis")
    client.login("planung@kreis.example")
    for show in ("klasse", "index", "sgb2", "alo"):
        r = client.get(f"/monitoring/ausgaben/{e.id}/karte?zeigen={show}")
        html = r.get_data(as_text=True)
        assert r.status_code == 200, show
        assert html.count('data-gebiet="') == 3, show  # the edition was computed with all three areas
    html = client.get(f"/monitoring/ausgaben/{e.id}/karte?zeigen=sgb2").get_data(as_text=True)
    assert "geheim (unter 5)" in html and "3,3 %" not in html
    html = client.get(f"/monitoring/ausgaben/{e.id}/karte?zeigen=klasse").get_data(as_text=True)
    labels = {r.class_label for r in e.results}
    assert all(label in html for label in labels)
    assert client.get(f"/monitoring/ausgaben/{e.id}/karte?zeigen=gibtsnicht").status_code == 404
    assert client.get(f"/monitoring/ausgaben/{e.id}/karte?zeigen=dynamik").status_code == 404  # no comparison date


def test_edition_map_hidden_for_draft_of_other_body_and_politics(client, db, world):
    kw.build(world)
    e = kw.edition(world, "draft")
    client.login("planung@ahlen.example")  # Kommune A: a Kreis draft is not theirs
    assert client.get(f"/monitoring/ausgaben/{e.id}/karte").status_code == 404
    client.logout()
    client.login("politik@kreis.example")
    assert client.get(f"/monitoring/ausgaben/{e.id}/karte").status_code == 404
    e.status = "published"
    db.session.commit()
    r = client.get(f"/monitoring/ausgaben/{e.id}/karte")
    assert r.status_code == 200
    assert "/monitoring/gebiete/" not in r.get_data(as_text=True)  # Politik gets no dossier links


def test_map_page_query_count_constant(client, db, world):
    sgb2, _ = kw.build(world)
    client.login("admin@test.example")
    from beteiligung.services.monitoring.geometrie import import_geometries
    from models import Area

    counter = {"n": 0}

    def grow(factor):
        import json

        feats = []
        for _ in range(factor):
            counter["n"] += 1
            n = counter["n"]
            a = Area(body=world.kommune_a, code=f"Z-{n:03d}", name=f"Zusatz {n}")
            db.session.add(a)
            db.session.flush()
            db.session.add(
                StatValue(area_id=a.id, indicator_id=sgb2.id, reference_date=kw.DAY2, value=5.0 + n, numerator=100)
            )
            x, y = 395000 + 1500 * (n % 10), 5810000 + 1500 * (n // 10)
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"K": a.code},
                    "geometry": {"type": "Polygon", "coordinates": [kw.ring(x, y, 600, 24)]},
                }
            )
        doc = {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:25833"}},
            "features": feats,
        }
        report = import_geometries(None, world.kreis, "z.geojson", json.dumps(doc).encode(), "K", commit=True)
        assert report.ok
        db.session.commit()

    url = f"/monitoring/karte?indikator={sgb2.id}&stichtag={kw.DAY2.isoformat()}"
    assert_constant_queries(client, db.engine, url, grow)


def test_edition_map_query_count_constant(client, db, world):
    import json

    from beteiligung.services.monitoring.geometrie import import_geometries
    from models import Area
    from models.monitoring import EditionResult

    kw.build(world)
    e = kw.edition(world, "released_to_kreis")
    client.login("planung@kreis.example")
    counter = {"n": 0}

    def grow(factor):
        feats = []
        for _ in range(factor):
            counter["n"] += 1
            n = counter["n"]
            a = Area(body=world.kommune_a, code=f"E-{n:03d}", name=f"Erweitert {n}")
            db.session.add(a)
            db.session.flush()
            db.session.add(
                EditionResult(
                    edition_id=e.id,
                    area_id=a.id,
                    area_code=a.code,
                    area_name=a.name,
                    values={"sgb2": 5.0, "alo": 3.0},
                    numerators={"sgb2": 50},
                    z={},
                    index_standardised=0.1 * n,
                    class_label="mittel",
                    class_number=2,
                    rank=3 + n,
                )
            )
            feats.append(
                {
                    "type": "Feature",
                    "properties": {"K": a.code},
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [kw.ring(395000 + 1500 * (n % 10), 5810000 + 1500 * (n // 10), 600, 24)],
                    },
                }
            )
        doc = {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "EPSG:25833"}},
            "features": feats,
        }
        assert import_geometries(None, world.kreis, "e.geojson", json.dumps(doc).encode(), "K", commit=True).ok
        db.session.commit()

    for show in ("klasse", "sgb2"):
        assert_constant_queries(client, db.engine, f"/monitoring/ausgaben/{e.id}/karte?zeigen={show}", grow)
