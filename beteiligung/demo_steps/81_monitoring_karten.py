"""Demo: invented outlines of the Kreis Lindenau's Sozialräume and Stadtbezirke (EPSG:25832),
imported through the geometry importer like a GIS department's GeoJSON, so that the class map
of the Sozialindex and the locator map of every dossier work. Also tags the index indicators
with the Handlungsfelder they inform (for the Fokusbericht) and writes the text blocks of the
Sozialbericht 2025."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.services.monitoring import bericht
from beteiligung.services.monitoring.geometrie import import_geometries
from models import Committee
from models.monitoring import MonitoringEdition, StatIndicator

GEOJSON = Path(__file__).resolve().parent.parent / "demo_data" / "lindenau_gebiete.geojson"

FIELDS = {  # indicator key -> Handlungsfelder (names from beteiligung/demo.py)
    "arbeitslosigkeit": ["Arbeit und Beschäftigung", "Existenzsicherung und Armut"],
    "sgb2_quote": ["Existenzsicherung und Armut"],
    "kinderarmut": ["Kinder, Jugend und Familie", "Existenzsicherung und Armut"],
    "altersarmut": ["Alter und Senior·innen", "Pflege", "Existenzsicherung und Armut"],
    "alleinerziehende": ["Kinder, Jugend und Familie"],
    "anteil_ue65": ["Alter und Senior·innen", "Pflege"],
    "anteil_u18": ["Kinder, Jugend und Familie"],
    "wohngeld": ["Wohnen"],
}


def run(ctx):
    report = import_geometries(None, ctx.kreis, GEOJSON.name, GEOJSON.read_bytes(), "KENNUNG", commit=True)
    if not report.ok:
        raise RuntimeError(
            f"Demo-Geometrien fehlerhaft: {report.file_error or [r.errors for r in report.rows if r.errors]}"
        )
    for ind in db.session.scalars(select(StatIndicator).where(StatIndicator.body_id == ctx.kreis.id)):
        terms = [ctx.terms[name] for name in FIELDS.get(ind.key, []) if name in ctx.terms]
        if terms:
            bericht.set_indicator_fields(None, ind, [t.id for t in terms])
    # The Sozialraumkonferenz Südstadt also serves the neighbouring Kastanienhof (Stadtbezirk Süd): its
    # meetings, open tasks and the Themenspeicher with the Südstadt survey findings meet SR-07's class
    # and its missing Pflege partner on the Kastanienhof dossier.
    srk = db.session.scalar(select(Committee).where(Committee.name == "Sozialraumkonferenz Südstadt"))
    if srk is not None and "SR-07" in ctx.areas and ctx.areas["SR-07"] not in srk.areas:
        srk.areas.append(ctx.areas["SR-07"])
    latest = db.session.scalars(
        select(MonitoringEdition)
        .where(MonitoringEdition.body_id == ctx.kreis.id)
        .order_by(MonitoringEdition.reference_date.desc())
    ).first()
    if latest is not None:
        bericht.save_texts(
            None,
            latest,
            {
                "title": f"Sozialbericht Kreis Lindenau {latest.reference_date.year}",
                "einleitung": (
                    "Der Sozialbericht fasst die Lage in den Sozialräumen des Kreises zusammen. Grundlage sind "
                    "zehn Indikatoren der Statistikstelle, der Bundesagentur für Arbeit und des Jobcenters.\n\n"
                    "Die Werte der Gemeinde Ostermoor sind noch nicht für den Kreis freigegeben."
                ),
                "befunde": (
                    "- **Kastanienhof** (SR-07) liegt in der Klasse mit dem höchsten Handlungsbedarf; dort fehlt "
                    "zudem ein Partner für Pflege.\n"
                    "- Die **Südstadt** hat sich gegenüber der Vorausgabe verbessert.\n"
                    "- Kinderarmut konzentriert sich im Stadtbezirk Süd."
                ),
                "ausblick": (
                    "Die Sozialraumkonferenz Südstadt berät die Befunde der Befragung; die Sozialplanungskonferenz "
                    "prüft einen Pflegestützpunkt im Kastanienhof."
                ),
            },
        )
    db.session.flush()
