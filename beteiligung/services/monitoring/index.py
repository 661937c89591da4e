"""Composite index (Sozialindex) after the method of Berlin's "Monitoring Soziale Stadtentwicklung",
and frozen editions (Monitoring-Ausgaben).

Method (also in German words in `method_text`, shown on the page and in every export):
1. For every index indicator the values of all areas of the layer at the Stichtag are
   z-standardised: z = (x − mean) / sd. Mean and standard deviation are taken over the
   reference areas only: areas below `mindest_einwohner` are left out of mean and sd but
   still get z-values, an index and a class. The standard deviation is the POPULATION
   standard deviation (divisor n, as for a complete census of all areas, not a sample).
2. A key prefixed with `-` enters with reversed sign (z · −1).
3. The z-values are summed per area (or averaged, `verdichtung: "mittel"`).
4. The sum is standardised again over the reference areas (mean 0, sd 1).
5. Classes are cut at the ascending thresholds `schwellen` (in sd units): a value equal to a
   threshold belongs to the upper class. `klassen` names them from the lowest index upwards.
6. Rank 1 is the highest standardised index.
7. Optional dynamics: the change of every indicator between the comparison date and the
   Stichtag is standardised, summed and standardised the same way and cut at
   `dynamik.schwellen` (default [-1, 1]) into `dynamik.klassen` (default positiv / stabil /
   negativ). The combined class is "Status / Dynamik".
8. Missing values are never imputed: an area without a value for any index indicator at the
   Stichtag gets no index and no class; it is listed with the reason. The same holds for the
   dynamics (missing comparison value: no dynamics class).
"""

from __future__ import annotations

import json
import math
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import date_de, number_de
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import NotFound, ValidationError
from beteiligung.services.audit import record, snapshot
from models import Area, Body
from models.base import utcnow
from models.monitoring import (
    Aggregation,
    EditionResult,
    EditionStatus,
    IndexDefinition,
    MonitoringEdition,
    StatValue,
)

from . import areas_of, check, is_suppressed, parse_date
from .catalogue import catalogue_for

DEFAULT_DYNAMICS_THRESHOLDS = [-1.0, 1.0]
DEFAULT_DYNAMICS_CLASSES = ["positiv", "stabil", "negativ"]
STDEV_KIND = "Populationsstandardabweichung (Divisor n)"


# --- the definition --------------------------------------------------------------------------------------


def validate_spec(spec: dict) -> dict:
    """Check an index definition (JSON keys of the CLI/README) and return it normalised.

    Keys: name, ebene, indikatoren (list of keys, '-' prefix reverses), mindest_einwohner,
    schwellen, klassen, optional verdichtung ("summe"/"mittel"), dynamik {vergleich, schwellen, klassen}.
    """
    errors = {}
    if not isinstance(spec, dict):
        raise ValidationError({"definition": "Die Indexdefinition muss ein JSON-Objekt sein."})
    name = str(spec.get("name") or "").strip()
    if not name:
        errors["name"] = "Bitte einen Namen angeben."
    layer = str(spec.get("ebene") or "").strip()
    if not layer:
        errors["ebene"] = "Bitte die Ebene angeben (z. B. Sozialraum)."
    raw = spec.get("indikatoren")
    if isinstance(raw, str):
        raw = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
    indicators = []
    if not isinstance(raw, list) or not raw:
        errors["indikatoren"] = "Bitte mindestens einen Indikator angeben."
    else:
        seen = set()
        for item in raw:
            key = str(item).strip().lower()
            sign = -1 if key.startswith("-") else 1
            key = key.lstrip("-+").strip()
            if not key:
                errors["indikatoren"] = "Leerer Indikator-Schlüssel."
                continue
            if key in seen:
                errors["indikatoren"] = f"Der Indikator „{key}“ steht doppelt in der Liste."
            seen.add(key)
            indicators.append({"key": key, "sign": sign})
    minimum = spec.get("mindest_einwohner")
    if minimum in ("", None):
        minimum = None
    else:
        try:
            minimum = int(minimum)
            if minimum < 0:
                raise ValueError
        except (TypeError, ValueError):
            errors["mindest_einwohner"] = "Mindest-Einwohnerzahl: eine ganze Zahl ab 0."
    thresholds = _number_list(spec.get("schwellen"), "schwellen", errors)
    classes = spec.get("klassen")
    if isinstance(classes, str):
        classes = [c.strip() for c in classes.split(",") if c.strip()]
    if thresholds is not None:
        if thresholds != sorted(thresholds) or len(set(thresholds)) != len(thresholds):
            errors["schwellen"] = "Die Schwellen müssen aufsteigend sein."
        elif not isinstance(classes, list) or len(classes) != len(thresholds) + 1:
            errors["klassen"] = (
                f"Bei {len(thresholds)} Schwellen braucht es {len(thresholds) + 1} Klassen "
                "(vom niedrigsten Index aufwärts)."
            )
    aggregation = {
        "summe": Aggregation.SUM,
        "sum": Aggregation.SUM,
        "mittel": Aggregation.MEAN,
        "mean": Aggregation.MEAN,
    }.get(str(spec.get("verdichtung") or "summe").lower())
    if aggregation is None:
        errors["verdichtung"] = "Verdichtung: „summe“ oder „mittel“."
    dynamics = spec.get("dynamik")
    dyn = None
    if dynamics is not None and dynamics is not False:
        if not isinstance(dynamics, dict):
            dynamics = {}
        dyn_errors: dict = {}
        dthr = _number_list(dynamics.get("schwellen", DEFAULT_DYNAMICS_THRESHOLDS), "dynamik", dyn_errors)
        dcls = dynamics.get("klassen", DEFAULT_DYNAMICS_CLASSES)
        if dthr is not None and (not isinstance(dcls, list) or len(dcls) != len(dthr) + 1 or dthr != sorted(dthr)):
            dyn_errors["dynamik"] = "Dynamik: aufsteigende Schwellen und eine Klasse mehr als Schwellen."
        comparison = dynamics.get("vergleich")
        if comparison:
            try:
                comparison = parse_date(str(comparison)).isoformat()
            except ValueError:
                dyn_errors["dynamik"] = "Dynamik: Vergleichsstichtag als TT.MM.JJJJ oder JJJJ-MM-TT."
        errors.update(dyn_errors)
        dyn = {"vergleich": comparison or None, "schwellen": dthr, "klassen": [str(c) for c in (dcls or [])]}
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "ebene": layer,
        "indikatoren": indicators,
        "mindest_einwohner": minimum,
        "schwellen": thresholds,
        "klassen": [str(c) for c in classes],
        "verdichtung": aggregation.value,
        "dynamik": dyn,
    }


def _number_list(value, field_name, errors):
    if isinstance(value, str):
        value = [p for p in value.replace(";", " ").split() if p]
    if not isinstance(value, list) or not value:
        errors[field_name] = "Bitte mindestens eine Schwelle angeben (z. B. -1, 1, 1.5)."
        return None
    try:
        return [float(str(v).replace(",", ".")) for v in value]
    except ValueError:
        errors[field_name] = "Schwellen müssen Zahlen sein."
        return None


def spec_of(definition: IndexDefinition) -> dict:
    return {
        "name": definition.name,
        "ebene": definition.area_kind,
        "indikatoren": [("-" if i.get("sign", 1) < 0 else "") + i["key"] for i in definition.indicators],
        "mindest_einwohner": definition.min_population,
        "schwellen": definition.thresholds,
        "klassen": definition.classes,
        "verdichtung": "mittel" if definition.aggregation == Aggregation.MEAN else "summe",
        "dynamik": definition.dynamics,
    }


def save_definition(
    user, body: Body, spec: dict, definition: IndexDefinition | None = None, version=None
) -> IndexDefinition:
    from beteiligung.services import ensure_version

    check(user, mperm.can_manage_monitoring(user, body))
    norm = validate_spec(spec)
    catalogue = catalogue_for(body)
    unknown = [i["key"] for i in norm["indikatoren"] if i["key"] not in catalogue]
    if unknown:
        raise ValidationError({"indikatoren": "Nicht im Katalog: " + ", ".join(unknown) + "."})
    values = dict(
        name=norm["name"],
        area_kind=norm["ebene"],
        indicators=norm["indikatoren"],
        aggregation=norm["verdichtung"],
        min_population=norm["mindest_einwohner"],
        thresholds=norm["schwellen"],
        classes=norm["klassen"],
        dynamics=norm["dynamik"],
    )
    if definition is None:
        definition = IndexDefinition(body_id=body.id, **values)
        db.session.add(definition)
        db.session.flush()
        record(user, "create", definition, None, snapshot(definition))
    else:
        if version is not None:
            ensure_version(definition, version)
        before = snapshot(definition)
        for k, v in values.items():
            setattr(definition, k, v)
        db.session.flush()
        record(user, "update", definition, before, snapshot(definition))
    return definition


# --- the computation (pure) -------------------------------------------------------------------------------


@dataclass
class AreaInput:
    code: str
    name: str
    population: int | None
    values: dict[str, float | None]
    previous: dict[str, float | None] = field(default_factory=dict)
    area_id: int | None = None
    numerators: dict[str, float | None] = field(default_factory=dict)


@dataclass
class AreaResult:
    code: str
    name: str
    population: int | None
    area_id: int | None
    values: dict
    numerators: dict
    z: dict = field(default_factory=dict)
    index_value: float | None = None
    index_standardised: float | None = None
    class_number: int | None = None
    class_label: str | None = None
    rank: int | None = None
    dynamics_value: float | None = None
    dynamics_class: str | None = None
    combined_class: str | None = None
    below_min_population: bool = False
    excluded: bool = False
    excluded_reason: str | None = None


def _mean_sd(values: list[float]) -> tuple[float, float]:
    n = len(values)
    mean = sum(values) / n
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / n)


def _standardise(raw: dict[str, float], reference: set[str], what: str) -> tuple[dict[str, float], float, float]:
    ref = [raw[c] for c in raw if c in reference]
    if len(ref) < 2:
        raise ValidationError({"indikatoren": f"{what}: zu wenige Gebiete mit Werten (mindestens 2 nötig)."})
    mean, sd = _mean_sd(ref)
    if sd == 0:
        raise ValidationError(
            {
                "indikatoren": f"{what}: alle Gebiete haben denselben Wert – "
                "ohne Streuung lässt sich nicht standardisieren."
            }
        )
    return {c: (v - mean) / sd for c, v in raw.items()}, mean, sd


def classify(value: float, thresholds: list[float], labels: list[str]) -> tuple[int, str]:
    """Class number (1 = lowest) and label; a value equal to a threshold belongs to the upper class."""
    i = bisect_right(thresholds, value)
    return i + 1, labels[i]


def compute(spec: dict, inputs: list[AreaInput], with_dynamics: bool = False) -> tuple[list[AreaResult], dict]:
    """The index for the given areas. Returns results per area and statistics (means, sds, missing)."""
    keys = [i["key"] for i in spec["indikatoren"]]
    signs = {i["key"]: i["sign"] for i in spec["indikatoren"]}
    minimum = spec.get("mindest_einwohner")
    mean_agg = spec.get("verdichtung") == Aggregation.MEAN
    results = [
        AreaResult(
            code=a.code,
            name=a.name,
            population=a.population,
            area_id=a.area_id,
            values={k: a.values.get(k) for k in keys},
            numerators={k: a.numerators.get(k) for k in keys},
        )
        for a in inputs
    ]
    stats: dict = {"stdev": STDEV_KIND, "indikatoren": {}, "fehlend": [], "unter_mindest_einwohner": []}
    complete = []
    for a, r in zip(inputs, results):
        missing = [k for k in keys if a.values.get(k) is None]
        if missing:
            r.excluded = True
            r.excluded_reason = "keine Werte für " + ", ".join(missing) + " zum Stichtag (nicht geschätzt)"
            stats["fehlend"].append({"kennung": a.code, "name": a.name, "indikatoren": missing})
            continue
        if minimum is not None and a.population is not None and a.population < minimum:
            r.below_min_population = True
            stats["unter_mindest_einwohner"].append(a.code)
        complete.append((a, r))
    reference = {r.code for a, r in complete if not r.below_min_population}
    sums = {r.code: 0.0 for a, r in complete}
    for k in keys:
        raw = {r.code: float(a.values[k]) for a, r in complete}
        z, mean, sd = _standardise(raw, reference, f"Indikator {k}")
        stats["indikatoren"][k] = {"mittelwert": mean, "standardabweichung": sd, "vorzeichen": signs[k]}
        for a, r in complete:
            r.z[k] = signs[k] * z[r.code]
            sums[r.code] += r.z[k]
    if mean_agg:
        sums = {c: v / len(keys) for c, v in sums.items()}
    if complete:
        std, mean, sd = _standardise(sums, reference, "Indexsumme")
        stats["summe"] = {"mittelwert": mean, "standardabweichung": sd}
        for a, r in complete:
            r.index_value = sums[r.code]
            r.index_standardised = std[r.code]
            r.class_number, r.class_label = classify(std[r.code], spec["schwellen"], spec["klassen"])
        ordered = sorted((r for a, r in complete), key=lambda r: (-r.index_standardised, r.code))
        for i, r in enumerate(ordered, start=1):
            r.rank = i
    dyn = spec.get("dynamik")
    if with_dynamics and dyn:
        have = [(a, r) for a, r in complete if all(a.previous.get(k) is not None for k in keys)]
        have_codes = {r.code for a, r in have}
        dref = {r.code for a, r in have if not r.below_min_population}
        dsum = {r.code: 0.0 for a, r in have}
        stats["dynamik"] = {"indikatoren": {}, "fehlend": [r.code for a, r in complete if r.code not in have_codes]}
        for k in keys:
            raw = {r.code: float(a.values[k]) - float(a.previous[k]) for a, r in have}
            z, mean, sd = _standardise(raw, dref, f"Veränderung {k}")
            stats["dynamik"]["indikatoren"][k] = {"mittelwert": mean, "standardabweichung": sd}
            for a, r in have:
                dsum[r.code] += signs[k] * z[r.code]
        if mean_agg:
            dsum = {c: v / len(keys) for c, v in dsum.items()}
        dstd, mean, sd = _standardise(dsum, dref, "Dynamiksumme")
        for a, r in have:
            r.dynamics_value = dstd[r.code]
            r.dynamics_class = classify(dstd[r.code], dyn["schwellen"], dyn["klassen"])[1]
            r.combined_class = f"{r.class_label} / {r.dynamics_class}"
    return results, stats


# --- editions ------------------------------------------------------------------------------------------------


def create_edition(
    user,
    body: Body,
    spec_or_definition,
    reference_date: date,
    comparison_date: date | None = None,
    title: str | None = None,
) -> MonitoringEdition:
    """Compute the index for a Stichtag and freeze it as a new edition (draft)."""
    check(user, mperm.can_manage_monitoring(user, body))
    definition = spec_or_definition if isinstance(spec_or_definition, IndexDefinition) else None
    spec = validate_spec(spec_of(definition) if definition else spec_or_definition)
    if definition is not None and definition.body_id != body.id:
        raise NotFound()
    catalogue = catalogue_for(body)
    unknown = [i["key"] for i in spec["indikatoren"] if i["key"] not in catalogue]
    if unknown:
        raise ValidationError({"indikatoren": "Nicht im Katalog: " + ", ".join(unknown) + "."})
    indicators = {i["key"]: catalogue[i["key"]] for i in spec["indikatoren"]}
    if comparison_date is None and spec.get("dynamik") and spec["dynamik"].get("vergleich"):
        comparison_date = date.fromisoformat(spec["dynamik"]["vergleich"])
    if comparison_date is not None and comparison_date >= reference_date:
        raise ValidationError({"vergleich": "Der Vergleichsstichtag muss vor dem Stichtag liegen."})
    if comparison_date is not None and not spec.get("dynamik"):
        spec["dynamik"] = {
            "vergleich": None,
            "schwellen": DEFAULT_DYNAMICS_THRESHOLDS,
            "klassen": DEFAULT_DYNAMICS_CLASSES,
        }

    all_areas = areas_of(body, spec["ebene"], reference_date)
    allowed = mperm.value_body_ids(user) if user is not None else None
    areas = [a for a in all_areas if allowed is None or a.body_id in allowed]
    hidden_bodies = sorted({a.body.name for a in all_areas if allowed is not None and a.body_id not in allowed})
    if not areas:
        raise ValidationError(
            {
                "ebene": f"Keine gültigen Gebiete der Ebene „{spec['ebene']}“ zum "
                f"{date_de(reference_date)}, deren Werte Sie sehen dürfen."
            }
        )
    dates = [reference_date] + ([comparison_date] if comparison_date else [])
    ind_ids = [i.id for i in indicators.values()]
    values: dict[tuple, StatValue] = {}
    area_ids = [a.id for a in areas]
    for i in range(0, len(area_ids), 500):
        for v in db.session.scalars(
            select(StatValue).where(
                StatValue.area_id.in_(area_ids[i : i + 500]),
                StatValue.indicator_id.in_(ind_ids),
                StatValue.reference_date.in_(dates),
            )
        ):
            values[(v.area_id, v.indicator_id, v.reference_date)] = v
    for key, ind in indicators.items():
        if not any((a.id, ind.id, reference_date) in values for a in areas):
            raise ValidationError({"stichtag": f"Für „{ind.name}“ gibt es zum {date_de(reference_date)} keine Werte."})
    inputs = []
    for a in areas:
        cur = {k: values.get((a.id, ind.id, reference_date)) for k, ind in indicators.items()}
        prev = (
            {k: values.get((a.id, ind.id, comparison_date)) for k, ind in indicators.items()} if comparison_date else {}
        )
        inputs.append(
            AreaInput(
                code=a.code,
                name=a.name,
                population=a.population,
                area_id=a.id,
                values={k: (v.value if v else None) for k, v in cur.items()},
                numerators={k: (v.numerator if v else None) for k, v in cur.items()},
                previous={k: (v.value if v else None) for k, v in prev.items()},
            )
        )
    results, stats = compute(spec, inputs, with_dynamics=comparison_date is not None)
    stats["nicht_freigegeben"] = hidden_bodies
    snapshot_spec = dict(spec)
    snapshot_spec["indikator_info"] = {
        k: {
            "name": ind.name,
            "einheit": ind.unit,
            "mindestfallzahl": ind.min_count,
            "richtung": ind.direction,
            "quelle": ind.source,
        }
        for k, ind in indicators.items()
    }
    previous = None
    q = select(MonitoringEdition).where(MonitoringEdition.body_id == body.id)
    q = (
        q.where(MonitoringEdition.definition_id == definition.id)
        if definition
        else q.where(MonitoringEdition.title.like(f"{spec['name']} %"))
    )
    previous = db.session.scalars(q.order_by(MonitoringEdition.id.desc()).limit(1)).first()
    edition = MonitoringEdition(
        body_id=body.id,
        definition_id=definition.id if definition else None,
        title=title or f"{spec['name']} {date_de(reference_date)}",
        definition=snapshot_spec,
        reference_date=reference_date,
        comparison_date=comparison_date,
        status=EditionStatus.DRAFT,
        statistics=stats,
        previous_edition_id=previous.id if previous else None,
        created_by_id=getattr(user, "id", None),
    )
    edition.method_text = method_text(edition)
    db.session.add(edition)
    db.session.flush()
    for r in results:
        db.session.add(
            EditionResult(
                edition_id=edition.id,
                area_id=r.area_id,
                area_code=r.code,
                area_name=r.name,
                population=r.population,
                values=r.values,
                numerators=r.numerators,
                z=r.z,
                index_value=r.index_value,
                index_standardised=r.index_standardised,
                class_label=r.class_label,
                class_number=r.class_number,
                rank=r.rank,
                dynamics_value=r.dynamics_value,
                dynamics_class=r.dynamics_class,
                combined_class=r.combined_class,
                below_min_population=r.below_min_population,
                excluded=r.excluded,
                excluded_reason=r.excluded_reason,
            )
        )
    db.session.flush()
    record(
        user,
        "create",
        edition,
        None,
        {
            "titel": edition.title,
            "stichtag": reference_date.isoformat(),
            "gebiete": len(results),
            "vorherige_ausgabe": edition.previous_edition_id,
        },
        f"Monitoring-Ausgabe berechnet: {edition.title}",
    )
    return edition


def method_text(edition: MonitoringEdition) -> str:
    """The method of an edition in German words (page, CSV, reports)."""
    spec = edition.definition
    info = spec.get("indikator_info", {})
    parts = []
    for i in spec["indikatoren"]:
        name = info.get(i["key"], {}).get("name", i["key"])
        parts.append(f"{name} ({i['key']}{', mit umgekehrtem Vorzeichen' if i['sign'] < 0 else ''})")
    stats = edition.statistics or {}
    agg = "gemittelt" if spec.get("verdichtung") == Aggregation.MEAN else "addiert"
    thresholds = ", ".join(number_de(t, 1) for t in spec["schwellen"])
    text = [
        f"Sozialindex „{spec['name']}“ für die Ebene {spec['ebene']} zum Stichtag {date_de(edition.reference_date)}, "
        "nach dem Verfahren des Berliner „Monitoring Soziale Stadtentwicklung“.",
        f"Indikatoren: {'; '.join(parts)}.",
        "Jeder Indikator wird über alle Gebiete z-standardisiert (Wert minus Mittelwert, geteilt durch die "
        f"Standardabweichung; verwendet wird die {STDEV_KIND}). Die z-Werte werden je Gebiet {agg}, "
        "die Summe wird erneut standardisiert (Mittelwert 0, Standardabweichung 1).",
        f"Klassen an den Schwellen {thresholds} Standardabweichungen (ein Wert genau auf einer Schwelle zählt zur "
        f"höheren Klasse), vom niedrigsten Index aufwärts: {', '.join(spec['klassen'])}. Rang 1 ist der höchste Index.",
    ]
    if spec.get("mindest_einwohner"):
        text.append(
            f"Gebiete unter {number_de(spec['mindest_einwohner'], 0)} Einwohner·innen gehen nicht in "
            "Mittelwert und Standardabweichung ein, erhalten aber z-Werte, Index und Klasse."
        )
    missing = stats.get("fehlend") or []
    if missing:
        text.append(
            "Fehlende Werte werden nicht geschätzt: ohne Index bleiben "
            + "; ".join(f"{m['kennung']} {m['name']} (fehlt: {', '.join(m['indikatoren'])})" for m in missing)
            + "."
        )
    else:
        text.append("Fehlende Werte werden nicht geschätzt; in dieser Ausgabe fehlen keine Werte.")
    if stats.get("nicht_freigegeben"):
        text.append(
            "Nicht enthalten, weil nicht für den Kreis freigegeben: " + ", ".join(stats["nicht_freigegeben"]) + "."
        )
    if edition.comparison_date and spec.get("dynamik"):
        dyn = spec["dynamik"]
        text.append(
            f"Dynamik: Veränderung jedes Indikators zwischen {date_de(edition.comparison_date)} und "
            f"{date_de(edition.reference_date)}, ebenso standardisiert, {agg} und erneut standardisiert; "
            f"Klassen an den Schwellen {', '.join(number_de(t, 1) for t in dyn['schwellen'])}: "
            f"{', '.join(dyn['klassen'])}. Gesamtklasse = Status / Dynamik."
        )
    mins = {info.get(k, {}).get("mindestfallzahl") for k in info}
    if mins:
        text.append(
            "Werte, die auf einer Fallzahl unter der Mindestfallzahl des Indikators beruhen, werden nicht "
            "angezeigt (auch nicht ihr z-Wert); der Gesamtindex wird angezeigt, weil er aus mehreren "
            "Indikatoren gebildet ist."
        )
    return " ".join(text)


def get_edition(user, edition_id: int) -> MonitoringEdition:
    edition = db.session.get(MonitoringEdition, edition_id)
    if edition is None or (user is not None and not mperm.can_view_edition(user, edition)):
        raise NotFound()
    return edition


def list_editions(user, page: int | None = None, per_page: int = 25):
    from sqlalchemy.orm import joinedload

    q = (
        select(MonitoringEdition)
        .options(joinedload(MonitoringEdition.body))
        .where(mperm.edition_filter(user))
        .order_by(MonitoringEdition.reference_date.desc(), MonitoringEdition.id.desc())
    )
    return db.paginate(q, page=page, per_page=per_page, error_out=False) if page else list(db.session.scalars(q))


def result_rows(edition: MonitoringEdition) -> list[dict]:
    """Rows for pages and exports with the suppression rule applied to every value and z-value."""
    spec = edition.definition
    info = spec.get("indikator_info", {})
    keys = [i["key"] for i in spec["indikatoren"]]
    rows = []
    for r in sorted(edition.results, key=lambda r: (r.rank is None, r.rank or 0, r.area_code)):
        cells = {}
        for k in keys:
            hidden = is_suppressed(info.get(k, {}).get("mindestfallzahl"), (r.numerators or {}).get(k))
            cells[k] = {
                "value": None if hidden else (r.values or {}).get(k),
                "z": None if hidden else (r.z or {}).get(k),
                "suppressed": hidden,
            }
        rows.append({"result": r, "cells": cells})
    return rows


EXPORT_FIXED = ["Kennung", "Name", "Stichtag"]


def export_table(edition: MonitoringEdition) -> tuple[list[str], list[list]]:
    """Header and rows of the edition CSV: values (readable back by the wide-format import),
    z-values, index, class, rank (and dynamics). Suppressed cells stay empty."""
    spec = edition.definition
    keys = [i["key"] for i in spec["indikatoren"]]
    dyn = bool(edition.comparison_date)
    header = EXPORT_FIXED + keys + [f"z {k}" for k in keys] + ["Index", "Index standardisiert", "Klasse", "Rang"]
    if dyn:
        header += ["Dynamik", "Dynamikklasse", "Gesamtklasse"]
    header += ["Grund"]
    rows = []
    for row in sorted(result_rows(edition), key=lambda x: x["result"].area_code):
        r = row["result"]
        line = [r.area_code, r.area_name, edition.reference_date]
        line += [row["cells"][k]["value"] for k in keys]
        line += [_round(row["cells"][k]["z"]) for k in keys]
        line += [_round(r.index_value), _round(r.index_standardised), r.class_label, r.rank]
        if dyn:
            line += [_round(r.dynamics_value), r.dynamics_class, r.combined_class]
        line += [
            r.excluded_reason
            or ("unter Mindest-Einwohnerzahl: nicht in Mittelwert/Standardabweichung" if r.below_min_population else "")
        ]
        rows.append(line)
    return header, rows


def _round(v):
    return None if v is None else round(v, 4)


def method_lines(edition: MonitoringEdition) -> list[list]:
    return [[], [f"# Methode: {edition.method_text}"]]


def compare_editions(a: MonitoringEdition, b: MonitoringEdition) -> dict:
    """Which areas changed class between edition a (older) and b (newer)."""
    ra = {r.area_code: r for r in a.results}
    rb = {r.area_code: r for r in b.results}
    changed, same = [], 0
    for code in sorted(set(ra) | set(rb)):
        x, y = ra.get(code), rb.get(code)
        cx, cy = (x.class_label if x else None), (y.class_label if y else None)
        if cx != cy:
            changed.append(
                {
                    "code": code,
                    "name": (y or x).area_name,
                    "vorher": cx,
                    "nachher": cy,
                    "rang_vorher": x.rank if x else None,
                    "rang_nachher": y.rank if y else None,
                    "richtung": _direction(x, y),
                }
            )
        else:
            same += 1
    return {"changed": changed, "unchanged": same}


def _direction(x, y) -> str:
    if x is None or x.class_number is None:
        return "neu eingestuft"
    if y is None or y.class_number is None:
        return "nicht mehr eingestuft"
    return "Klasse mit höherem Index" if y.class_number > x.class_number else "Klasse mit niedrigerem Index"


def set_status(user, edition: MonitoringEdition, status: EditionStatus) -> None:
    """draft → released_to_kreis → published (and back); audited."""
    if status == EditionStatus.PUBLISHED:
        check(user, mperm.can_publish_edition(user, edition))
    else:
        check(user, mperm.can_release_edition(user, edition))
    if edition.status == status:
        return
    before = {"status": edition.status}
    edition.status = status
    now = utcnow()
    if status in (EditionStatus.RELEASED_TO_KREIS, EditionStatus.PUBLISHED) and edition.released_at is None:
        edition.released_at = now
    if status == EditionStatus.PUBLISHED:
        edition.published_at = now
    if status == EditionStatus.DRAFT:
        edition.released_at = edition.published_at = None
    elif status == EditionStatus.RELEASED_TO_KREIS:
        edition.published_at = None
    db.session.flush()
    record(
        user, "update", edition, before, {"status": status.value}, f"Monitoring-Ausgabe {edition.title}: {status.label}"
    )


def load_spec_file(text: str) -> dict:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            {"definition": f"Die Indexdefinition ist kein gültiges JSON ({exc.msg}, Zeile {exc.lineno})."}
        ) from None


def values_for_area(user, area: Area, keys: list[str] | None = None) -> list:
    """(indicator, StatValue) pairs of an area over time, suppression applied by the caller via shown_value."""
    if user is not None and not mperm.can_view_values_of(user, area.body_id):
        raise NotFound()
    from models.monitoring import StatIndicator

    q = (
        select(StatValue, StatIndicator)
        .join(StatIndicator, StatIndicator.id == StatValue.indicator_id)
        .where(StatValue.area_id == area.id)
        .order_by(StatIndicator.key, StatValue.reference_date)
    )
    if keys:
        q = q.where(StatIndicator.key.in_(keys))
    return list(db.session.execute(q))
