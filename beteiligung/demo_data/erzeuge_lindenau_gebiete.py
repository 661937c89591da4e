"""Erzeugt die erfundenen Gebietsgrenzen des Demo-Kreises Lindenau (deterministisch).

    python -m beteiligung.demo_data.erzeuge_lindenau_gebiete > beteiligung/demo_data/lindenau_gebiete.geojson

Voronoi-Zellen um feste Mittelpunkte, beschnitten auf einen unregelmäßigen Kreisumriss,
in ETRS89 / UTM Zone 32N (EPSG:25832); die Stadtbezirke sind die Vereinigung ihrer Sozialräume.
"""

from __future__ import annotations

import json
import math

import shapely
from shapely.geometry import MultiPoint, Point, Polygon, mapping

X0, Y0 = 580000.0, 5670000.0  # Stadtmitte Lindenau (erfunden)

# Kennung, Mittelpunkt relativ zur Stadtmitte in km
SEEDS = [
    ("SR-01", (0.0, 1.2)),
    ("SR-02", (1.8, 0.9)),
    ("SR-03", (-0.4, 3.0)),
    ("SR-04", (-1.9, -0.6)),
    ("SR-05", (0.2, -1.1)),
    ("SR-06", (2.0, -1.6)),
    ("SR-07", (0.6, -3.1)),
    ("HF-1", (11.5, 6.5)),
    ("HF-2", (8.5, 8.0)),
    ("HF-3", (12.5, 10.5)),
    ("HF-4", (15.5, 5.0)),
    ("BH-1", (-10.5, 7.5)),
    ("BH-2", (-7.5, 10.5)),
    ("BH-3", (-13.0, 11.5)),
    ("AW-1", (-9.5, -7.5)),
    ("AW-2", (-6.5, -10.0)),
    ("AW-3", (-11.5, -9.0)),
    ("OM-1", (9.0, -5.0)),
    ("OM-2", (13.0, -5.0)),
    ("OM-3", (10.8, -8.0)),
    ("OM-4", (7.0, -10.0)),
]
STADTBEZIRKE = {"SB-N": ["SR-01", "SR-02", "SR-03"], "SB-S": ["SR-04", "SR-05", "SR-06", "SR-07"]}


def outline() -> Polygon:
    pts = []
    for i in range(48):
        a = 2 * math.pi * i / 48
        r = 17.5 + 2.2 * math.sin(3 * a) + 1.3 * math.cos(5 * a + 0.7)
        pts.append((X0 + 1000 * r * math.cos(a) * 1.05, Y0 + 1000 * r * math.sin(a) * 0.9))
    return Polygon(pts)


def features() -> list[dict]:
    border = outline()
    seeds = MultiPoint([(X0 + 1000 * dx, Y0 + 1000 * dy) for _, (dx, dy) in SEEDS])
    cells = shapely.voronoi_polygons(seeds, extend_to=border.buffer(5000))
    by_code = {}
    for code, (dx, dy) in SEEDS:
        p = Point(X0 + 1000 * dx, Y0 + 1000 * dy)
        cell = next(c for c in cells.geoms if c.contains(p))
        by_code[code] = shapely.set_precision(cell.intersection(border), 0.01)
    for sb, parts in STADTBEZIRKE.items():
        by_code[sb] = shapely.set_precision(shapely.union_all([by_code[c] for c in parts]), 0.01)
    out = []
    for code, geom in by_code.items():
        out.append({"type": "Feature", "properties": {"KENNUNG": code}, "geometry": mapping(geom)})
    return out


def main() -> None:
    doc = {
        "type": "FeatureCollection",
        "name": "lindenau_gebiete",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
        "features": features(),
    }
    print(json.dumps(doc, ensure_ascii=False))


if __name__ == "__main__":
    main()
