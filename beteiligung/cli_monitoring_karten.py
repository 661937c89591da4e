"""Monitoring commands for maps: `flask --app beteiligung monitoring geometrie-import DATEI --schluessel FELD`.

Added to B1's `monitoring` click group (beteiligung/cli_monitoring.py), registered after it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click


def register(app) -> None:
    from beteiligung import cli_monitoring

    group = cli_monitoring.group
    if group is None:  # the monitoring group is not registered
        return

    @group.command("geometrie-import")
    @click.argument("datei", type=click.Path(exists=True, dir_okay=False))
    @click.option("--schluessel", required=True, help="Eigenschaft (Spalte) mit der Gebietskennung, z. B. KENNUNG.")
    @click.option("--koerperschaft", required=True, help="Kennung (AGS) der Körperschaft, deren Gebiete gemeint sind.")
    @click.option("--pruefen", is_flag=True, help="Nur prüfen, nichts speichern.")
    def geometrie_import(datei, schluessel, koerperschaft, pruefen):
        """Gebietsgrenzen importieren: GeoJSON (WGS 84, EPSG:25832/25833) oder Shapefile als ZIP."""
        from beteiligung.services import ServiceError
        from beteiligung.services.monitoring import body_by_code
        from beteiligung.services.monitoring.geometrie import import_geometries
        from beteiligung.uow import unit_of_work

        path = Path(datei)
        report = None
        try:
            with unit_of_work():
                body = body_by_code(koerperschaft)
                report = import_geometries(None, body, path.name, path.read_bytes(), schluessel, commit=not pruefen)
                if not report.ok:
                    raise _Abort()
        except _Abort:
            pass
        except ServiceError as exc:
            details = " ".join(exc.errors.values()) if exc.errors else ""
            click.echo(f"Fehler: {exc.message} {details}".strip(), err=True)
            sys.exit(1)
        if report.file_error:
            click.echo(f"Fehler: {report.file_error} Es wurde nichts gespeichert.", err=True)
            sys.exit(1)
        bad = [r for r in report.rows if r.errors]
        for r in bad[:50]:
            click.echo(f"Fläche {r.line} ({r.label}): {' '.join(r.errors)}", err=True)
        if bad:
            click.echo(
                f"{len(report.rows)} Flächen geprüft, {len(bad)} mit Fehlern. Es wurde nichts gespeichert.", err=True
            )
            sys.exit(1)
        click.echo(f"Projektion der Datei: {report.crs_label}.")
        if pruefen:
            click.echo(
                f"{len(report.rows)} Flächen geprüft, alle in Ordnung. Nur geprüft (--pruefen): nichts gespeichert."
            )
        else:
            click.echo(f"{len(report.rows)} Flächen geprüft, {report.written} Gebietsgrenzen gespeichert.")


class _Abort(Exception):
    """Roll the unit of work back: a feature failed (the report says which)."""


def benchmark_geojson(codes: list[str], per_edge: int = 10) -> bytes:
    """A tiling of Planungsräume in EPSG:25833 (grid cells with densified, slightly bent shared
    edges, ~4 × per_edge vertices each), shaped like a GIS export."""
    import json
    import math

    cols = max(1, math.ceil(math.sqrt(len(codes) * 1.3)))
    size = 800.0
    x0, y0 = 380000.0, 5800000.0

    def bend(x, y):  # the same function for shared edges keeps the tiling gap-free
        return (x + 25 * math.sin(y / 170.0), y + 25 * math.sin(x / 190.0))

    feats = []
    for i, code in enumerate(codes):
        cx, cy = x0 + (i % cols) * size, y0 + (i // cols) * size
        corners = [(cx, cy), (cx + size, cy), (cx + size, cy + size), (cx, cy + size)]
        ring = []
        for (ax, ay), (bx, by) in zip(corners, corners[1:] + corners[:1]):
            for k in range(per_edge):
                t = k / per_edge
                ring.append([round(v, 2) for v in bend(ax + (bx - ax) * t, ay + (by - ay) * t)])
        ring.append(ring[0])
        feats.append(
            {"type": "Feature", "properties": {"PLR_ID": code}, "geometry": {"type": "Polygon", "coordinates": [ring]}}
        )
    return json.dumps(
        {
            "type": "FeatureCollection",
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25833"}},
            "features": feats,
        }
    ).encode()


def map_benchmark(body, edition, codes: list[str]) -> list[tuple[str, float, str]]:
    """Geometry import and map rendering for the `monitoring benchmark` table (runs inside its
    transaction, which the command rolls back)."""
    import time

    from flask import current_app

    from beteiligung.services.monitoring import kartendaten as KD
    from beteiligung.services.monitoring.geometrie import import_geometries
    from models.monitoring import EditionStatus

    out = []
    data = benchmark_geojson(codes)
    t = time.perf_counter()
    report = import_geometries(None, body, "planungsraeume.geojson", data, "PLR_ID", commit=True)
    assert report.ok, report.file_error or [r.errors for r in report.rows if r.errors][:3]
    out.append(
        (
            "Gebietsgrenzen importieren (GeoJSON EPSG:25833 → WGS 84, geprüft)",
            time.perf_counter() - t,
            f"{report.written} Flächen, {len(data) / 1e6:.1f} MB".replace(".", ","),
        )
    )
    from beteiligung.extensions import db

    db.session.expire_all()  # measure from the database, not from the objects of the import
    t = time.perf_counter()
    result = KD.edition_map(None, edition, "klasse", check_permission=False)
    out.append(
        (
            "Klassenkarte als SVG zeichnen (Dienst)",
            time.perf_counter() - t,
            f"{result.svg.count('<path')} Flächen, {len(result.svg) / 1e3:.0f} kB SVG",
        )
    )
    # The map page as the server renders it (view + template), outside the request cycle so that
    # nothing is committed: the public page of the (temporarily published) edition.
    edition.status = EditionStatus.PUBLISHED
    db.session.flush()
    from beteiligung.services.monitoring import karten as K
    from views.monitoring import oeffentlich

    with current_app.test_request_context(f"/oeffentlich/monitoring/{edition.id}"):
        oeffentlich.edition(edition.id)  # compiles the templates once per process (not measured)
    K._PATH_CACHE.clear()  # the first measured call draws the paths, the next ones reuse them
    timings = []
    for _ in range(4):
        db.session.expire_all()
        with current_app.test_request_context(f"/oeffentlich/monitoring/{edition.id}"):
            t = time.perf_counter()
            html = oeffentlich.edition(edition.id)
            timings.append(time.perf_counter() - t)
    out.append(
        (
            "Kartenseite mit Tabelle ausliefern (Server-Zeit, Pfade neu gezeichnet)",
            timings[0],
            f"{len(html) / 1e3:.0f} kB HTML",
        )
    )
    out.append(
        ("Kartenseite mit Tabelle ausliefern (Server-Zeit, weitere Aufrufe)", min(timings[1:]), "Pfade aus dem Cache")
    )
    return out
