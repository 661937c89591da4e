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
            click.echo(f"{len(report.rows)} Flächen geprüft, {len(bad)} mit Fehlern. Es wurde nichts gespeichert.",
                       err=True)
            sys.exit(1)
        click.echo(f"Projektion der Datei: {report.crs_label}.")
        if pruefen:
            click.echo(f"{len(report.rows)} Flächen geprüft, alle in Ordnung. Nur geprüft (--pruefen): nichts gespeichert.")
        else:
            click.echo(f"{len(report.rows)} Flächen geprüft, {report.written} Gebietsgrenzen gespeichert.")


class _Abort(Exception):
    """Roll the unit of work back: a feature failed (the report says which)."""
