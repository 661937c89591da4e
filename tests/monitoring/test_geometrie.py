"""Geometry import: GeoJSON in EPSG:25833 and WGS 84, zipped Shapefile, bad geometries, CLI, page."""

from __future__ import annotations

import json

import pytest
import shapely
from sqlalchemy import func, select

from beteiligung.services import PermissionDenied
from beteiligung.services.monitoring import karten as K
from beteiligung.services.monitoring.geometrie import import_geometries, read_features
from models.monitoring import AreaGeometry
from tests.monitoring import karten_welt as kw


def _stored(db):
    return {g.area.code: g for g in db.session.scalars(select(AreaGeometry))}


def _count(db):
    return db.session.scalar(select(func.count()).select_from(AreaGeometry))


def _svg(db):
    stored = _stored(db)
    areas = [K.MapArea(g.area_id, code, code, g.geojson, klasse=0) for code, g in sorted(stored.items())]
    return K.render_map(K.categorical_spec(areas, ["alle"], title="Test"))


def test_25833_and_wgs84_give_the_same_areas_and_map(db, world):
    r1 = import_geometries(None, world.kreis, "utm.geojson", kw.as_bytes(kw.geojson_25833()), "SCHLUESSEL", commit=True)
    assert r1.ok and r1.written == 3 and "25833" in r1.crs_label
    first = {code: shapely.from_geojson(g.geojson) for code, g in _stored(db).items()}
    svg1 = _svg(db)
    r2 = import_geometries(None, world.kreis, "wgs.geojson", kw.as_bytes(kw.geojson_wgs84()), "SCHLUESSEL", commit=True)
    assert r2.ok and r2.written == 3 and "4326" in r2.crs_label
    assert _count(db) == 3  # replaced, not added
    second = {code: shapely.from_geojson(g.geojson) for code, g in _stored(db).items()}
    assert set(first) == set(second) == {"A-01", "A-02", "B-01"}
    for code in first:
        assert first[code].equals_exact(second[code], tolerance=2e-6), code
        # stored in WGS 84: longitude ~13.5, latitude ~52.5
        minx, miny, maxx, maxy = second[code].bounds
        assert 13 < minx < maxx < 14 and 52 < miny < maxy < 53
    svg2 = _svg(db)
    assert svg1.count("<path") == svg2.count("<path") == 3
    assert svg1 == svg2


def test_shapefile_zip_with_prj(db, world):
    report = import_geometries(None, world.kreis, "gebiete.zip", kw.shapefile_zip(), "KENNUNG", commit=True)
    assert report.ok, [r.errors for r in report.rows]
    assert report.written == 3 and "25833" in report.crs_label
    a1 = shapely.from_geojson(_stored(db)["A-01"].geojson)
    assert a1.is_valid and 13 < a1.centroid.x < 14


def test_shapefile_without_prj_is_an_unknown_projection(db, world):
    report = import_geometries(None, world.kreis, "gebiete.zip", kw.shapefile_zip(prj=False), "KENNUNG", commit=True)
    assert not report.ok and "Projektion" in report.file_error
    assert _count(db) == 0


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda f: f["geometry"]["coordinates"][0].pop(), "nicht geschlossen"),
        (
            lambda f: f["geometry"].update(
                coordinates=[
                    [[400000, 5820000], [401000, 5821000], [401000, 5820000], [400000, 5821000], [400000, 5820000]]
                ]
            ),
            "überschneidet sich selbst",
        ),
        (lambda f: f["geometry"].update(type="Point", coordinates=[400000, 5820000]), "keine Fläche"),
        (lambda f: f["properties"].update(SCHLUESSEL="Z-99"), "Kein Gebiet mit der Kennung „Z-99“"),
    ],
)
def test_one_bad_feature_stores_nothing(db, world, mutate, message):
    doc = kw.geojson_25833()
    mutate(doc["features"][1])
    report = import_geometries(None, world.kreis, "x.geojson", kw.as_bytes(doc), "SCHLUESSEL", commit=True)
    assert not report.ok and report.written == 0
    bad = [r for r in report.rows if r.errors]
    assert [r.line for r in bad] == [2]
    assert message in " ".join(bad[0].errors)
    assert _count(db) == 0


def test_unknown_projection_and_projected_without_crs(db, world):
    doc = kw.geojson_25833()
    doc["crs"]["properties"]["name"] = "urn:ogc:def:crs:EPSG::2154"
    report = import_geometries(None, world.kreis, "x.geojson", kw.as_bytes(doc), "SCHLUESSEL", commit=True)
    assert "Unbekannte Projektion EPSG:2154" in report.file_error
    doc = kw.geojson_25833()
    del doc["crs"]  # metres read as degrees
    report = import_geometries(None, world.kreis, "x.geojson", kw.as_bytes(doc), "SCHLUESSEL", commit=True)
    assert not report.ok and "WGS 84" in " ".join(report.rows[0].errors)
    assert _count(db) == 0


def test_duplicate_key_missing_property_and_foreign_area(db, world):
    doc = kw.geojson_25833(("A-01", "A-01"))
    report = import_geometries(None, world.kreis, "x.geojson", kw.as_bytes(doc), "SCHLUESSEL", commit=True)
    assert "kommt schon in Merkmal 1 vor" in " ".join(report.rows[1].errors)
    report = import_geometries(
        None, world.kreis, "x.geojson", kw.as_bytes(kw.geojson_25833()), "GIBTESNICHT", commit=True
    )
    assert "kommt in der Datei nicht vor" in report.file_error and "SCHLUESSEL" in report.file_error
    # X-01 belongs to another Kreis: not an area of Kreis Testhausen
    report = import_geometries(
        None, world.kreis, "x.geojson", kw.as_bytes(kw.geojson_25833(("X-01",))), "SCHLUESSEL", commit=True
    )
    assert "Kein Gebiet" in " ".join(report.rows[0].errors)
    assert _count(db) == 0


def test_check_only_writes_nothing_and_permission(db, world):
    report = import_geometries(
        world.planner_k, world.kreis, "x.geojson", kw.as_bytes(kw.geojson_25833()), "SCHLUESSEL", commit=False
    )
    assert report.ok and report.written == 0 and report.preview_svg.count("<path") == 3
    assert _count(db) == 0
    for user in (world.partner_a, world.politik, world.planner_x, world.srm_a):
        with pytest.raises(PermissionDenied):
            import_geometries(
                user, world.kreis, "x.geojson", kw.as_bytes(kw.geojson_25833()), "SCHLUESSEL", commit=True
            )


def test_not_json_and_not_a_zip():
    from beteiligung.services.monitoring.geometrie import GeometryFileError

    with pytest.raises(GeometryFileError, match="kein gültiges GeoJSON"):
        read_features(b"{nicht json", "a.geojson", "K")
    with pytest.raises(GeometryFileError, match="ZIP-Datei ist nicht lesbar"):
        read_features(b"PK\x03\x04kaputt", "a.zip", "K")
    with pytest.raises(GeometryFileError, match="leer"):
        read_features(b"", "a.geojson", "K")


def test_page_check_then_import(client, db, world):
    client.login("planung@kreis.example")
    data = {"body_id": str(world.kreis.id), "schluessel": "SCHLUESSEL", "schritt": "pruefen"}
    r = client.post(
        "/monitoring/geometrien",
        data={**data, "datei": (kw.io.BytesIO(kw.as_bytes(kw.geojson_25833())), "gebiete.geojson")},
        content_type="multipart/form-data",
    )
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "Alle Flächen sind gültig" in html and html.count("<path") == 3
    assert _count(db) == 0
    bad = kw.geojson_25833()
    bad["features"][0]["geometry"]["coordinates"][0].pop()
    r = client.post(
        "/monitoring/geometrien",
        data={**data, "schritt": "importieren", "datei": (kw.io.BytesIO(kw.as_bytes(bad)), "gebiete.geojson")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "nicht geschlossen" in r.get_data(as_text=True)
    assert _count(db) == 0
    r = client.post(
        "/monitoring/geometrien",
        data={
            **data,
            "schritt": "importieren",
            "datei": (kw.io.BytesIO(kw.shapefile_zip(key="SCHLUESSEL")), "gebiete.zip"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and "3 Gebietsgrenzen gespeichert" in r.get_data(as_text=True)
    assert _count(db) == 3


def test_page_forbidden_for_partner_and_foreign_body_404(client, db, world):
    client.login("partner@wohlfahrt.example")
    assert client.get("/monitoring/geometrien").status_code == 403
    client.logout()
    client.login("planung@ahlen.example")
    r = client.post(
        "/monitoring/geometrien",
        data={
            "body_id": str(world.kreis.id),
            "schluessel": "SCHLUESSEL",
            "datei": (kw.io.BytesIO(kw.as_bytes(kw.geojson_25833())), "g.geojson"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422  # not a choice for the Kommune planner
    assert _count(db) == 0


def test_cli_geometrie_import(app, db, world, tmp_path):
    path = tmp_path / "gebiete.geojson"
    path.write_text(json.dumps(kw.geojson_25833()), encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["monitoring", "geometrie-import", str(path), "--schluessel", "NAME", "--koerperschaft", "01001"]
    )
    assert result.exit_code == 1 and "Kein Gebiet mit der Kennung „Gebiet A-01“" in result.output
    assert _count(db) == 0
    result = runner.invoke(
        args=["monitoring", "geometrie-import", str(path), "--schluessel", "SCHLUESSEL", "--koerperschaft", "01001"]
    )
    assert result.exit_code == 0, result.output
    assert "3 Gebietsgrenzen gespeichert" in result.output
    assert _count(db) == 3
