"""Demo: Sozialmonitoring of the Kreis Lindenau (all numbers invented, deterministic).

The Statistikstelle of the Kreis keeps the catalogue (ten indicators); the Kommunen own the
values of their Sozialräume (five Stichtage, 31.12.2021–31.12.2025, with numerators and
denominators; Lindenau's two Stadtbezirke carry the sums of their Sozialräume). Four Kommunen have released their values to the Kreis; Gemeinde Ostermoor
has not, so the Kreis index leaves its areas out and says so. The Kreis computes the
"Sozialindex Kreis Lindenau" for 2024 and 2025 (with dynamics since 2023) and publishes both.
SR-07 Kastanienhof comes out in the highest-need class ("sehr niedrig"), where it meets its
missing Pflege partner (network demo) on the dossier.
"""

from __future__ import annotations

import random
from datetime import date

from beteiligung.extensions import db
from beteiligung.services.monitoring import index as idx
from beteiligung.services.monitoring.release import set_values_released
from models.monitoring import Direction, EditionStatus, StatIndicator, StatValue

STICHTAGE = [date(y, 12, 31) for y in range(2021, 2026)]

# key, name, unit, numerator, denominator, base rate (%), factor, share of population in the denominator,
# direction, source, in index
INDICATORS = [
    (
        "arbeitslosigkeit",
        "Arbeitslosenquote",
        "%",
        "Arbeitslose",
        "Einwohner·innen 15 bis unter 65 Jahre",
        4.2,
        100,
        0.64,
        Direction.HIGHER_WORSE,
        "Bundesagentur für Arbeit",
    ),
    (
        "sgb2_quote",
        "SGB-II-Quote",
        "%",
        "Personen in Bedarfsgemeinschaften nach SGB II",
        "Einwohner·innen unter 65 Jahren",
        7.5,
        100,
        0.79,
        Direction.HIGHER_WORSE,
        "Jobcenter Kreis Lindenau",
    ),
    (
        "kinderarmut",
        "Kinderarmut",
        "%",
        "Kinder unter 15 Jahren in Bedarfsgemeinschaften nach SGB II",
        "Kinder unter 15 Jahren",
        11.0,
        100,
        0.14,
        Direction.HIGHER_WORSE,
        "Jobcenter Kreis Lindenau",
    ),
    (
        "altersarmut",
        "Altersarmut",
        "%",
        "Empfänger·innen von Grundsicherung im Alter",
        "Einwohner·innen ab 65 Jahren",
        3.4,
        100,
        0.21,
        Direction.HIGHER_WORSE,
        "Kreissozialamt",
    ),
    (
        "alleinerziehende",
        "Alleinerziehende",
        "%",
        "Haushalte Alleinerziehender",
        "Haushalte mit Kindern",
        19.0,
        100,
        0.10,
        Direction.HIGHER_WORSE,
        "Statistikstelle Kreis Lindenau",
    ),
    (
        "anteil_u18",
        "Anteil unter 18 Jahren",
        "%",
        "Einwohner·innen unter 18 Jahren",
        "Einwohner·innen",
        16.5,
        100,
        1.0,
        Direction.HIGHER_WORSE,
        "Statistikstelle Kreis Lindenau",
    ),
    (
        "anteil_ue65",
        "Anteil ab 65 Jahren",
        "%",
        "Einwohner·innen ab 65 Jahren",
        "Einwohner·innen",
        21.5,
        100,
        1.0,
        Direction.HIGHER_WORSE,
        "Statistikstelle Kreis Lindenau",
    ),
    (
        "wohngeld",
        "Wohngeldhaushalte",
        "je 1.000 Haushalte",
        "Haushalte mit Wohngeld",
        "Haushalte",
        22.0,
        1000,
        0.48,
        Direction.HIGHER_WORSE,
        "Wohngeldstelle",
    ),
    (
        "ohne_abschluss",
        "Schulabgänge ohne Abschluss",
        "%",
        "Abgänger·innen ohne Hauptschulabschluss",
        "Schulabgänger·innen",
        6.0,
        100,
        0.0085,
        Direction.HIGHER_WORSE,
        "Schulamt",
    ),
    (
        "hze",
        "Hilfen zur Erziehung",
        "je 1.000 unter 21",
        "laufende Hilfen zur Erziehung",
        "Einwohner·innen unter 21 Jahren",
        28.0,
        1000,
        0.19,
        Direction.HIGHER_WORSE,
        "Kreisjugendamt Lindenau",
    ),
]
CONTEXT = {"anteil_u18", "anteil_ue65"}  # structure, not need: no need factor

# Social need per Sozialraum (1 = Kreis average) and its trend per year.
NEED = {
    "SR-01": (0.85, 0.0),
    "SR-02": (1.45, -0.02),
    "SR-03": (0.5, 0.0),
    "SR-04": (0.75, 0.01),
    "SR-05": (2.15, -0.08),
    "SR-06": (1.1, 0.03),
    "SR-07": (2.1, 0.05),
    "HF-1": (1.0, 0.0),
    "HF-2": (1.3, 0.03),
    "HF-3": (0.6, -0.01),
    "HF-4": (0.4, 0.0),
    "BH-1": (0.5, 0.0),
    "BH-2": (0.9, 0.01),
    "BH-3": (0.45, 0.0),
    "AW-1": (1.2, -0.02),
    "AW-2": (0.7, 0.0),
    "AW-3": (0.55, 0.01),
    "OM-1": (0.8, 0.0),
    "OM-2": (0.6, 0.0),
    "OM-3": (0.9, 0.0),
    "OM-4": (0.65, 0.0),
}

INDEX_SPEC = {
    "name": "Sozialindex Kreis Lindenau",
    "ebene": "Sozialraum",
    "indikatoren": ["arbeitslosigkeit", "sgb2_quote", "kinderarmut", "altersarmut"],
    "mindest_einwohner": 5000,
    "schwellen": [-1, 1, 1.5],
    "klassen": ["hoch", "mittel", "niedrig", "sehr niedrig"],
    "dynamik": {"schwellen": [-1, 1], "klassen": ["positiv", "stabil", "negativ"]},
}


def run(ctx):
    rng = random.Random(1207)
    kreis = ctx.kreis
    planner = ctx.users.get("planung")
    catalogue = {}
    for key, name, unit, num, den, base, factor, share, direction, source in INDICATORS:
        ind = StatIndicator(
            body_id=kreis.id,
            key=key,
            name=name,
            unit=unit,
            numerator_label=num,
            denominator_label=den,
            is_rate=True,
            rate_factor=float(factor),
            direction=direction.value,
            periodicity="jährlich zum 31.12.",
            area_kind="Sozialraum",
            source=source,
            min_count=5,
            definition=f"{num} je {'100' if factor == 100 else '1.000'} {den}.",
            licence_note="Erfundene Demo-Daten.",
        )
        db.session.add(ind)
        catalogue[key] = (ind, base, factor, share)
    db.session.flush()

    for code, (need, trend) in NEED.items():
        area = ctx.areas[code]
        for year_index, day in enumerate(STICHTAGE):
            level = need * (1 + trend * year_index)
            population = int(area.population * (1 + 0.004 * year_index))
            for key, (ind, base, factor, share) in catalogue.items():
                denominator = max(1, int(population * share * rng.uniform(0.97, 1.03)))
                if key in CONTEXT:
                    rate = (
                        base * rng.uniform(0.85, 1.15) * (1.08 if key == "anteil_ue65" and code.startswith("OM") else 1)
                    )
                else:
                    rate = base * (0.45 + 0.55 * level) * rng.uniform(0.94, 1.06)
                numerator = int(round(denominator * rate / factor))
                db.session.add(
                    StatValue(
                        area_id=area.id,
                        indicator_id=ind.id,
                        reference_date=day,
                        value=round(numerator / denominator * factor, 2),
                        numerator=numerator,
                        denominator=denominator,
                    )
                )
    db.session.flush()
    _stadtbezirke(ctx, catalogue)

    for kommune in ctx.kommunen:
        if kommune.name != "Gemeinde Ostermoor":
            set_values_released(None, kommune, True, "Demo: Freigabe für die Sozialberichterstattung des Kreises")
    db.session.flush()

    definition = idx.save_definition(planner, kreis, INDEX_SPEC)
    for day, comparison in ((STICHTAGE[3], STICHTAGE[1]), (STICHTAGE[4], STICHTAGE[2])):
        edition = idx.create_edition(planner, kreis, definition, day, comparison)
        idx.set_status(planner, edition, EditionStatus.PUBLISHED)
    # A draft of Stadt Lindenau's own index: visible to the Kreis only once released.
    lindenau = ctx.kommunen[0]
    own = dict(INDEX_SPEC, name="Sozialindex Stadt Lindenau", mindest_einwohner=None)
    own_definition = idx.save_definition(ctx.users.get("planung_kommune"), lindenau, own)
    idx.create_edition(ctx.users.get("planung_kommune"), lindenau, own_definition, STICHTAGE[4], STICHTAGE[2])
    db.session.flush()


def _stadtbezirke(ctx, catalogue) -> None:
    """The Stadtbezirke of Lindenau get the sums of their Sozialräume (numerators and denominators)."""
    from sqlalchemy import select

    for code in ("SB-N", "SB-S"):
        parent = ctx.areas[code]
        children = [a.id for c, a in ctx.areas.items() if a.parent is parent]
        for ind, base, factor, share in catalogue.values():
            rows = db.session.execute(
                select(StatValue.reference_date, StatValue.numerator, StatValue.denominator).where(
                    StatValue.indicator_id == ind.id, StatValue.area_id.in_(children)
                )
            ).all()
            sums: dict = {}
            for day, num, den in rows:
                n, d = sums.get(day, (0.0, 0.0))
                sums[day] = (n + num, d + den)
            for day, (num, den) in sums.items():
                db.session.add(
                    StatValue(
                        area_id=parent.id,
                        indicator_id=ind.id,
                        reference_date=day,
                        value=round(num / den * factor, 2),
                        numerator=num,
                        denominator=den,
                    )
                )
    db.session.flush()
