"""Test data for maps, dossier and report: indicators with values, geometries, an edition.

Builds on tests/support/world.py: Kreis Testhausen with Kommune A (areas A-01, A-02) and
Kommune B (B-01); Kommune A has released its values to the Kreis, Kommune B has not.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from datetime import date

from beteiligung.extensions import db
from models.monitoring import MonitoringRelease, StatIndicator, StatValue

DAY1, DAY2 = date(2024, 12, 31), date(2025, 12, 31)

# Area code -> centre in EPSG:25833 (around 13.5° E, 52.5° N) and radius in m.
SHAPES = {
    "A-01": (400000.0, 5820000.0, 900.0),
    "A-02": (402500.0, 5820300.0, 1100.0),
    "B-01": (401200.0, 5817500.0, 1300.0),
    "X-01": (420000.0, 5830000.0, 800.0),
}


def ring(cx, cy, r, n=48):
    """A wobbly closed ring like a real district boundary (many vertices, not a square)."""
    pts = []
    for i in range(n):
        a = 2 * math.pi * i / n
        rr = r * (1 + 0.12 * math.sin(5 * a) + 0.05 * math.cos(11 * a))
        pts.append([round(cx + rr * math.cos(a), 2), round(cy + rr * math.sin(a), 2)])
    pts.append(pts[0])
    return pts


def geojson_25833(codes=("A-01", "A-02", "B-01"), key="SCHLUESSEL") -> dict:
    feats = [
        {
            "type": "Feature",
            "properties": {key: c, "NAME": f"Gebiet {c}"},
            "geometry": {"type": "Polygon", "coordinates": [ring(*SHAPES[c])]},
        }
        for c in codes
    ]
    return {
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
        "features": feats,
    }


def geojson_wgs84(codes=("A-01", "A-02", "B-01"), key="SCHLUESSEL") -> dict:
    from pyproj import Transformer

    t = Transformer.from_crs(25833, 4326, always_xy=True)
    doc = geojson_25833(codes, key)
    for f in doc["features"]:
        f["geometry"]["coordinates"] = [[list(t.transform(x, y)) for x, y in r] for r in f["geometry"]["coordinates"]]
    del doc["crs"]
    return doc


def shapefile_zip(codes=("A-01", "A-02", "B-01"), key="KENNUNG", prj=True) -> bytes:
    import shapefile
    from pyproj import CRS

    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    w = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON)
    w.field(key, "C", size=20)
    for c in codes:
        pts = ring(*SHAPES[c])
        w.poly([list(reversed(pts))])  # shapefile outer rings run clockwise
        w.record(c)
    w.close()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("gebiete.shp", shp.getvalue())
        z.writestr("gebiete.shx", shx.getvalue())
        z.writestr("gebiete.dbf", dbf.getvalue())
        if prj:
            z.writestr("gebiete.prj", CRS.from_epsg(25833).to_wkt(version="WKT1_ESRI"))
    return buf.getvalue()


def as_bytes(doc: dict) -> bytes:
    return json.dumps(doc).encode("utf-8")


def build(world, *, geometries=True, release_a=True):
    """Indicators sgb2 (rate with numerators) and alo for Kreis Testhausen, values on two dates."""
    from beteiligung.services.monitoring.geometrie import import_geometries

    w = world
    sgb2 = StatIndicator(
        body_id=w.kreis.id,
        key="sgb2",
        name="SGB-II-Quote",
        unit="%",
        is_rate=True,
        source="Bundesagentur für Arbeit",
        min_count=5,
        area_kind="Sozialraum",
    )
    alo = StatIndicator(
        body_id=w.kreis.id, key="alo", name="Arbeitslosenquote", unit="%", min_count=5, area_kind="Sozialraum"
    )
    db.session.add_all([sgb2, alo])
    db.session.flush()
    # A-02 has only 3 cases on DAY2: its SGB-II value must never be shown.
    data = {
        ("A-01", DAY1): (12.5, 1500, 6.0),
        ("A-01", DAY2): (13.1, 1572, 6.4),
        ("A-02", DAY1): (4.0, 6, 3.1),
        ("A-02", DAY2): (3.3, 3, 2.9),
        ("B-01", DAY1): (8.0, 480, 4.5),
        ("B-01", DAY2): (8.6, 516, 4.8),
    }
    areas = {"A-01": w.area_a1, "A-02": w.area_a2, "B-01": w.area_b1}
    for (code, day), (rate, count, alq) in data.items():
        db.session.add(
            StatValue(
                area_id=areas[code].id,
                indicator_id=sgb2.id,
                reference_date=day,
                value=rate,
                numerator=count,
                denominator=count / rate * 100,
            )
        )
        db.session.add(StatValue(area_id=areas[code].id, indicator_id=alo.id, reference_date=day, value=alq))
    if release_a:
        db.session.add(MonitoringRelease(body_id=w.kommune_a.id))
    if geometries:
        report = import_geometries(
            None, w.kreis, "gebiete.geojson", as_bytes(geojson_25833()), "SCHLUESSEL", commit=True
        )
        assert report.ok and report.written == 3, [r.errors for r in report.rows]
    db.session.commit()
    return sgb2, alo


def edition(world, status="draft"):
    from beteiligung.services.monitoring import index as idx
    from models.monitoring import EditionStatus

    spec = {
        "name": "Sozialindex Test",
        "ebene": "Sozialraum",
        "indikatoren": ["sgb2", "alo"],
        "schwellen": [-1, 1],
        "klassen": ["hoch", "mittel", "niedrig"],
    }
    e = idx.create_edition(None, world.kreis, spec, DAY2)
    e.status = EditionStatus(status)
    db.session.commit()
    return e
