"""Maps from the database: an indicator at a Stichtag, an edition's index, classes and dynamics.

Reads through the permission filters of beteiligung.permissions.monitoring and applies the one
suppression rule (``is_suppressed``) before a number reaches a map, a table or an export:
a suppressed area is passed to the renderer without its value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import date_de
from beteiligung.permissions import monitoring as mperm
from models import Area
from models.monitoring import AreaGeometry, EditionResult, MonitoringEdition, StatIndicator, StatValue

from . import NotFound, ValidationError, is_suppressed, subtree_body_ids
from . import karten as K

DEFAULT_LAYER = "Sozialraum"
EDITION_VIEWS = {
    "klasse": "Klasse des Status-Index",
    "index": "Status-Index (standardisiert)",
    "dynamik": "Klasse des Dynamik-Index",
}
VALUE_HEADERS = {"klasse": "Index (standardisiert)", "index": "Index (standardisiert)", "dynamik": "Dynamik-Index"}


@dataclass
class MapRow:
    area_id: int | None
    code: str
    name: str
    value_text: str
    class_label: str = ""
    suppressed: bool = False
    rank: int | None = None
    has_geometry: bool = True


@dataclass
class MapResult:
    title: str
    svg: str
    rows: list[MapRow]
    spec: K.MapSpec | None
    missing_geometry: int = 0
    notes: list[str] = field(default_factory=list)


def geometry_texts(area_ids) -> dict[int, str]:
    ids = list(area_ids)
    if not ids:
        return {}
    out = {}
    for chunk in range(0, len(ids), 900):
        part = ids[chunk : chunk + 900]
        out.update(
            db.session.execute(
                select(AreaGeometry.area_id, AreaGeometry.geojson).where(AreaGeometry.area_id.in_(part))
            ).all()
        )
    return out


def has_geometries(area_ids) -> bool:
    ids = list(area_ids)
    return (
        bool(ids)
        and db.session.scalar(select(AreaGeometry.id).where(AreaGeometry.area_id.in_(ids)).limit(1)) is not None
    )


def fast_number_de(value: float, digits: int) -> str:
    """Same output as formatting.number_de(value, digits) for plain floats (1.234,5), without
    Babel's per-call cost: maps and tables of 550 areas format thousands of numbers."""
    q = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_EVEN)
    text = f"{q:,.{digits}f}"
    if q.is_zero() and text.startswith("-"):
        text = text[1:]
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _fmt_value(value, unit: str | None, digits: int = 1) -> str:
    if value is None:
        return "keine Daten"
    text = fast_number_de(value, digits)
    return f"{text} {unit}".rstrip() if unit else text


def suppressed_text(min_count: int | None) -> str:
    return f"geheim (unter {min_count if min_count is not None else 5})"


def _layer_areas(user, body_ids, kind: str, day: date | None) -> list[Area]:
    q = (
        select(Area)
        .where(Area.body_id.in_(body_ids), Area.kind == kind, mperm.value_area_filter(user))
        .order_by(Area.code)
    )
    areas = list(db.session.scalars(q))
    if day is not None:
        areas = [a for a in areas if a.is_valid_on(day)]
    return areas


NOT_RELEASED = "Werte nicht freigegeben"
NOT_IN_EDITION = "nicht in dieser Ausgabe"


def _context_areas(body_ids, kind: str, exclude: set, label: str) -> list[K.MapArea]:
    """Outlines of the layer's other areas (geometry only, never a value), so that the map shows
    the whole Kreis: e.g. the areas of a Kommune that has not released its values."""
    rows = db.session.execute(
        select(Area.id, Area.code, Area.name, AreaGeometry.geojson)
        .join(AreaGeometry, AreaGeometry.area_id == Area.id)
        .where(Area.body_id.in_(body_ids), Area.kind == kind, Area.valid_to.is_(None))
        .order_by(Area.code)
    ).all()
    return [K.MapArea(i, c, n, g, value_text=label, context=label) for i, c, n, g in rows if i not in exclude]


def _render(spec: K.MapSpec, uid: str, width: int = 800, legend: bool = True) -> str:
    return K.render_map(spec, uid=uid, width=width, legend=legend)


# --- indicator map -----------------------------------------------------------------------------------


def indicator_dates(user, indicator: StatIndicator) -> list[date]:
    return list(
        db.session.scalars(
            select(StatValue.reference_date)
            .join(Area, Area.id == StatValue.area_id)
            .where(StatValue.indicator_id == indicator.id, mperm.value_area_filter(user))
            .distinct()
            .order_by(StatValue.reference_date)
        )
    )


def indicator_map(
    user,
    indicator: StatIndicator,
    day: date,
    *,
    method: str = "quantile",
    classes: int = 5,
    thresholds: list[float] | None = None,
    href=None,
    uid: str = "karte",
    legend: bool = True,
) -> MapResult:
    """Choropleth of one indicator at one Stichtag over the areas whose values the user may read."""
    if not mperm.can_view_stat_indicator(user, indicator):
        raise NotFound()
    if method not in K.METHODS:
        raise ValidationError({"methode": "Bitte eine Klassenbildung wählen."})
    if method == "fest" and not thresholds:
        raise ValidationError({"schwellen": "Für feste Schwellen bitte mindestens einen Schwellenwert angeben."})
    kind = indicator.area_kind or DEFAULT_LAYER
    areas = _layer_areas(user, subtree_body_ids(indicator.body), kind, day)
    ids = [a.id for a in areas]
    values = {}
    if ids:
        for area_id, value, numerator in db.session.execute(
            select(StatValue.area_id, StatValue.value, StatValue.numerator).where(
                StatValue.indicator_id == indicator.id, StatValue.reference_date == day, StatValue.area_id.in_(ids)
            )
        ):
            values[area_id] = (value, numerator)
    geoms = geometry_texts(ids)
    map_areas, numeric, rows = [], {}, []
    secret = suppressed_text(indicator.min_count)
    for a in areas:
        value, numerator = values.get(a.id, (None, None))
        hidden = value is not None and is_suppressed(indicator.min_count, numerator)
        text = secret if hidden else _fmt_value(value, indicator.unit)
        if not hidden and value is not None:
            numeric[a.id] = value
        rows.append(MapRow(a.id, a.code, a.name, text, suppressed=hidden, has_geometry=a.id in geoms))
        if a.id in geoms:
            map_areas.append(
                K.MapArea(
                    a.id,
                    a.code,
                    a.name,
                    geoms[a.id],
                    value_text=text,
                    suppressed=hidden,
                    href=href(a) if href else None,
                )
            )
    map_areas += _context_areas(subtree_body_ids(indicator.body), kind, set(ids), NOT_RELEASED)
    title = f"{indicator.name} am {date_de(day)}"
    spec = K.choropleth_spec(
        map_areas,
        numeric,
        title=title,
        method=method,
        classes=classes,
        thresholds=thresholds,
        unit=indicator.unit or "",
        suppressed_below=indicator.min_count,
    )
    labels = {a.area_id: spec.legend[a.klasse].label for a in map_areas if a.klasse is not None}
    for r in rows:
        r.class_label = labels.get(r.area_id, "")
    svg = _render(spec, uid, legend=legend) if map_areas else ""
    return MapResult(title, svg, rows, spec, missing_geometry=sum(1 for r in rows if not r.has_geometry))


# --- edition maps --------------------------------------------------------------------------------


def edition_min_counts(edition: MonitoringEdition) -> dict[str, int]:
    """Minimum count per indicator key as frozen in the edition's snapshot."""
    info = (edition.definition or {}).get("indikator_info") or {}
    return {k: v.get("mindestfallzahl") for k, v in info.items()}


def edition_indicator_keys(edition: MonitoringEdition) -> list[str]:
    return [i["key"] for i in (edition.definition or {}).get("indikatoren") or []]


def result_value(result, key: str, min_counts: dict[str, int]):
    """(value or None, suppressed) of one indicator in a frozen result."""
    value = (result.values or {}).get(key)
    if value is None:
        return None, False
    if is_suppressed(min_counts.get(key), (result.numerators or {}).get(key)):
        return None, True
    return value, False


def class_labels(edition: MonitoringEdition) -> list[str]:
    return [str(x) for x in (edition.definition or {}).get("klassen") or []]


def dynamics_labels(edition: MonitoringEdition) -> list[str]:
    dyn = (edition.definition or {}).get("dynamik") or {}
    return [str(x) for x in dyn.get("klassen") or []]


_RESULT_COLUMNS = (
    "area_id",
    "area_code",
    "area_name",
    "class_number",
    "class_label",
    "rank",
    "index_standardised",
    "excluded_reason",
    "dynamics_value",
    "dynamics_class",
)


def _result_rows(edition: MonitoringEdition, with_values: bool):
    """The edition's results as light rows (the JSON columns only when an indicator is shown;
    a map of 550 areas should not parse 2,200 JSON documents it does not use)."""
    cols = [getattr(EditionResult, c) for c in _RESULT_COLUMNS]
    if with_values:
        cols += [EditionResult.values, EditionResult.numerators]
    return list(
        db.session.execute(
            select(*cols).where(EditionResult.edition_id == edition.id).order_by(EditionResult.area_code)
        )
    )


DYNAMICS_COLOURS = ["#1a9850", "#fee08b", "#d73027"]  # positiv / stabil / negativ


def edition_map(
    user,
    edition: MonitoringEdition,
    show: str = "klasse",
    *,
    href=None,
    uid: str = "karte",
    width: int = 800,
    check_permission: bool = True,
    legend: bool = True,
) -> MapResult:
    """Map of a frozen edition: its classes, its standardised index, its dynamics classes or one
    indicator's values (``show`` = indicator key)."""
    if check_permission and (user is None or not mperm.can_view_edition(user, edition)):
        raise NotFound()
    keys = edition_indicator_keys(edition)
    if show not in EDITION_VIEWS and show not in keys:
        raise NotFound("Diese Kartenansicht gibt es nicht.")
    results = _result_rows(edition, with_values=show not in EDITION_VIEWS)
    geoms = geometry_texts([r.area_id for r in results if r.area_id is not None])
    min_counts = edition_min_counts(edition)
    rows = []
    layer = (edition.definition or {}).get("ebene") or DEFAULT_LAYER
    map_areas = _context_areas(subtree_body_ids(edition.body), layer, {r.area_id for r in results}, NOT_IN_EDITION)
    if show == "klasse":
        labels = class_labels(edition)
        title = f"{edition.title}: Klassen des Status-Index"
        for r in results:
            k = (r.class_number - 1) if r.class_number else None
            index_text = _fmt_value(r.index_standardised, None, 2)
            label = r.class_label or r.excluded_reason or "nicht klassifiziert"
            rows.append(
                MapRow(
                    r.area_id, r.area_code, r.area_name, index_text, label, rank=r.rank, has_geometry=r.area_id in geoms
                )
            )
            if r.area_id in geoms:
                tip = f"Klasse {label}, Index {index_text}, Rang {r.rank}" if r.rank else f"Klasse {label}"
                map_areas.append(
                    K.MapArea(
                        r.area_id,
                        r.area_code,
                        r.area_name,
                        geoms[r.area_id],
                        value_text=tip,
                        klasse=k,
                        href=href(r) if href else None,
                    )
                )
        spec = K.categorical_spec(map_areas, labels, title=title)
    elif show == "dynamik":
        labels = dynamics_labels(edition)
        colours = DYNAMICS_COLOURS if len(labels) == 3 else None
        title = f"{edition.title}: Klassen des Dynamik-Index"
        for r in results:
            k = labels.index(r.dynamics_class) if r.dynamics_class in labels else None
            text = _fmt_value(r.dynamics_value, None, 2)
            label = r.dynamics_class or "keine Angabe"
            rows.append(MapRow(r.area_id, r.area_code, r.area_name, text, label, has_geometry=r.area_id in geoms))
            if r.area_id in geoms:
                map_areas.append(
                    K.MapArea(
                        r.area_id,
                        r.area_code,
                        r.area_name,
                        geoms[r.area_id],
                        value_text=f"Dynamik {label} ({text})",
                        klasse=k,
                        href=href(r) if href else None,
                    )
                )
        spec = K.categorical_spec(map_areas, labels, title=title, colours=colours)
    else:
        numeric = {}
        if show == "index":
            title = f"{edition.title}: Status-Index (standardisiert)"
            thresholds = (edition.definition or {}).get("schwellen")
            for r in results:
                v = r.index_standardised
                text = _fmt_value(v, None, 2)
                if v is not None and r.area_id is not None:
                    numeric[r.area_id] = v
                rows.append(
                    MapRow(
                        r.area_id,
                        r.area_code,
                        r.area_name,
                        text,
                        r.class_label or "",
                        rank=r.rank,
                        has_geometry=r.area_id in geoms,
                    )
                )
                if r.area_id in geoms:
                    map_areas.append(
                        K.MapArea(
                            r.area_id,
                            r.area_code,
                            r.area_name,
                            geoms[r.area_id],
                            value_text=text,
                            href=href(r) if href else None,
                        )
                    )
            method = "fest" if thresholds else "quantile"
            spec = K.choropleth_spec(map_areas, numeric, title=title, method=method, thresholds=thresholds, digits=2)
        else:
            unit = _unit_of(edition, show)
            title = f"{edition.title}: {_name_of(edition, show)}"
            secret = suppressed_text(min_counts.get(show))
            for r in results:
                v, hidden = result_value(r, show, min_counts)
                text = secret if hidden else _fmt_value(v, unit)
                if v is not None and r.area_id is not None:
                    numeric[r.area_id] = v
                rows.append(
                    MapRow(
                        r.area_id, r.area_code, r.area_name, text, suppressed=hidden, has_geometry=r.area_id in geoms
                    )
                )
                if r.area_id in geoms:
                    map_areas.append(
                        K.MapArea(
                            r.area_id,
                            r.area_code,
                            r.area_name,
                            geoms[r.area_id],
                            value_text=text,
                            suppressed=hidden,
                            href=href(r) if href else None,
                        )
                    )
            spec = K.choropleth_spec(
                map_areas, numeric, title=title, unit=unit or "", suppressed_below=min_counts.get(show)
            )
        labels_by_area = {a.area_id: spec.legend[a.klasse].label for a in map_areas if a.klasse is not None}
        for row in rows:
            if not row.class_label:
                row.class_label = labels_by_area.get(row.area_id, "")
    svg = _render(spec, uid, width, legend) if map_areas else ""
    return MapResult(title, svg, rows, spec, missing_geometry=sum(1 for r in rows if not r.has_geometry))


def _indicator_meta(edition: MonitoringEdition) -> dict[str, dict]:
    return (edition.definition or {}).get("indikator_info") or {}


def _name_of(edition: MonitoringEdition, key: str) -> str:
    return (_indicator_meta(edition).get(key) or {}).get("name") or key


def _unit_of(edition: MonitoringEdition, key: str) -> str | None:
    return (_indicator_meta(edition).get(key) or {}).get("einheit")


def indicator_names(edition: MonitoringEdition) -> dict[str, str]:
    return {k: _name_of(edition, k) for k in edition_indicator_keys(edition)}


# --- locator map ---------------------------------------------------------------------------------


def locator_svg(area: Area, *, uid: str = "lage", width: int = 260) -> str:
    """Small map of the area's layer in its Kreis with the area highlighted (geometries are not
    confidential: no values are shown)."""
    root = area.body
    while root.parent is not None:
        root = root.parent
    ids = subtree_body_ids(root)
    rows = db.session.execute(
        select(Area.id, Area.code, Area.name, AreaGeometry.geojson)
        .join(AreaGeometry, AreaGeometry.area_id == Area.id)
        .where(Area.body_id.in_(ids), Area.kind == area.kind)
    ).all()
    if not any(r[0] == area.id for r in rows):
        return ""
    areas = [K.MapArea(i, c, n, g) for i, c, n, g in rows]
    return K.locator_map(areas, area.id, uid=uid, width=width)
