"""The map of measures per Sozialraum, drawn with the Sozialmonitoring's server-side SVG maps."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.services.monitoring import karten as K
from beteiligung.services.monitoring.kartendaten import MapResult, MapRow
from models import Area
from models.monitoring import AreaGeometry
from models.planung import Measure, measure_area

from . import MeasureFilters, measure_query

# Classes by number of measures: none, one, two or three, four and more.
THRESHOLDS = [1, 2, 4]


def _label(n: int) -> str:
    return anzahl(n, "Maßnahme", "Maßnahmen")


def measures_map(user, f: MeasureFilters, area_href: Callable[[int], str]) -> MapResult:
    """How many of the measures the user may see (with the list's filters) work in each area.

    The areas drawn are those of the layers the counted measures name (default: Sozialräume)
    that the user may see; an area without a measure is drawn as 0. Three queries, however many
    measures and areas."""
    ids = measure_query(user, f).with_only_columns(Measure.id)
    counts = dict(
        db.session.execute(
            select(measure_area.c.area_id, func.count())
            .where(measure_area.c.measure_id.in_(ids))
            .group_by(measure_area.c.area_id)
        ).all()
    )
    kinds = set(db.session.scalars(select(Area.kind).where(Area.id.in_(list(counts))).distinct())) or {"Sozialraum"}
    rows = db.session.execute(
        select(Area, AreaGeometry.geojson)
        .outerjoin(AreaGeometry, AreaGeometry.area_id == Area.id)
        .where(perm.area_filter(user), Area.kind.in_(kinds), Area.valid_to.is_(None))
        .order_by(Area.code)
    ).all()
    areas, table, values, missing = [], [], {}, 0
    for area, geojson in rows:
        n = counts.get(area.id, 0)
        values[area.id] = n
        if geojson is None:
            missing += 1
        else:
            areas.append(
                K.MapArea(area.id, area.code, area.name, geojson, value_text=_label(n), href=area_href(area.id))
            )
        table.append(MapRow(area.id, area.code, area.name, _label(n), has_geometry=geojson is not None))
    title = "Maßnahmen je Sozialraum"
    spec = K.choropleth_spec(areas, values, title=title, method="fest", thresholds=THRESHOLDS, digits=0)
    legend = ["keine", "1", "2 bis 3", "4 und mehr"]
    for entry, label in zip(spec.legend, legend):
        entry.label = label
    by_id = {a.area_id: a for a in areas}
    for row in table:
        a = by_id.get(row.area_id)
        row.class_label = spec.legend[a.klasse].label if a is not None and a.klasse is not None else ""
    svg = K.render_map(spec, uid="massnahmen") if areas else ""
    return MapResult(title=title, svg=svg, rows=table, spec=spec, missing_geometry=missing)
