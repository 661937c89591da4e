"""Server-side SVG maps and charts: choropleth, locator map, sparkline, bar chart.

Pure functions (no database): they take area geometries in WGS 84 (GeoJSON text or
shapely geometries) and values, and return SVG markup that works offline and without
JavaScript. No inline ``style`` attributes (CSP): only presentation attributes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from beteiligung.formatting import anzahl, number_de

# numpy and shapely are imported where a map is drawn, not at the top: they cost about 0.2 s CPU in every app
# process (gunicorn worker, CLI command)
if TYPE_CHECKING:
    import numpy as np

# Sequential palette (light → dark), colour-blind safe (ColorBrewer YlOrRd/OrRd family);
# dark classes carry white-on-dark only in the legend text we never print on them.
SEQUENTIAL = {
    2: ["#fdd49e", "#d7301f"],
    3: ["#fdd49e", "#fc8d59", "#b30000"],
    4: ["#fef0d9", "#fdcc8a", "#fc8d59", "#d7301f"],
    5: ["#fef0d9", "#fdcc8a", "#fc8d59", "#e34a33", "#b30000"],
    6: ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"],
    7: ["#fef0d9", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548", "#d7301f", "#990000"],
}
NO_DATA_FILL = "#f2f2f2"
CONTEXT_FILL = "#ffffff"
SUPPRESSED_FILL = "#bdbdbd"
STROKE = "#4d4d4d"
METHODS = {
    "quantile": "Quantile (gleich viele Gebiete je Klasse)",
    "gleich": "Gleiche Intervalle",
    "fest": "Feste Schwellen",
}


def palette(n: int) -> list[str]:
    n = max(1, n)
    if n == 1:
        return ["#fc8d59"]
    if n in SEQUENTIAL:
        return SEQUENTIAL[n]
    base = SEQUENTIAL[7]
    return [base[round(i * 6 / (n - 1))] for i in range(n)]


# --- class breaks ----------------------------------------------------------------------------


def class_breaks(
    values: list[float], method: str = "quantile", classes: int = 5, thresholds: list[float] | None = None
) -> list[float]:
    """Inner cut points (ascending); a value v falls into class i with breaks[i-1] <= v < breaks[i]."""
    import numpy as np

    vals = sorted(v for v in values if v is not None and not math.isnan(v))
    if method == "fest":
        return sorted(float(t) for t in (thresholds or []))
    if not vals:
        return []
    classes = max(1, min(classes, 7))
    lo, hi = vals[0], vals[-1]
    if method == "gleich":
        if hi == lo:
            return []
        step = (hi - lo) / classes
        return [lo + step * i for i in range(1, classes)]
    # quantiles: distinct cut points only
    cuts = []
    for i in range(1, classes):
        q = float(np.quantile(vals, i / classes, method="linear"))
        if q > lo and (not cuts or q > cuts[-1]):
            cuts.append(q)
    return cuts


def classify(value: float | None, breaks: list[float]) -> int | None:
    if value is None:
        return None
    i = 0
    while i < len(breaks) and value >= breaks[i]:
        i += 1
    return i


def _fmt(v: float, digits: int) -> str:
    return number_de(v, digits)


def legend_for_breaks(breaks: list[float], digits: int = 1, unit: str = "") -> list[str]:
    unit = f" {unit}" if unit else ""
    if not breaks:
        return ["alle Werte"]
    labels = [f"unter {_fmt(breaks[0], digits)}{unit}"]
    for a, b in zip(breaks, breaks[1:]):
        labels.append(f"{_fmt(a, digits)} bis unter {_fmt(b, digits)}{unit}")
    labels.append(f"{_fmt(breaks[-1], digits)}{unit} und mehr")
    return labels


# --- map data --------------------------------------------------------------------------------


@dataclass
class MapArea:
    area_id: int
    code: str
    name: str
    geometry: object  # GeoJSON text or shapely geometry (WGS 84)
    value_text: str = ""  # what the tooltip/table shows ("12,3 %", "geheim (unter 5)")
    klasse: int | None = None  # index into the legend entries; None = no data
    suppressed: bool = False
    href: str | None = None
    highlight: bool = False
    context: str | None = None  # drawn for orientation only, e.g. "Werte nicht freigegeben"


@dataclass
class LegendEntry:
    label: str
    fill: str
    count: int = 0


@dataclass
class MapSpec:
    areas: list[MapArea]
    legend: list[LegendEntry]
    title: str
    suppression_label: str | None = None  # e.g. "geheim (unter 5)"
    extra: list[LegendEntry] = field(default_factory=list)


def choropleth_spec(
    areas: list[MapArea],
    values: dict[int, float | None],
    *,
    title: str,
    method: str = "quantile",
    classes: int = 5,
    thresholds: list[float] | None = None,
    digits: int = 1,
    unit: str = "",
    suppressed_below: int | None = None,
) -> MapSpec:
    """Classify numeric values into a sequential legend. Suppressed areas must already carry
    ``suppressed=True`` and no value in ``values`` (the caller never passes the number)."""
    usable = [v for a in areas if not a.suppressed and (v := values.get(a.area_id)) is not None]
    breaks = class_breaks(usable, method, classes, thresholds)
    labels = legend_for_breaks(breaks, digits, unit)
    colours = palette(len(labels))
    legend = [LegendEntry(label, colour) for label, colour in zip(labels, colours)]
    for a in areas:
        if a.suppressed or a.context:
            a.klasse = None
            continue
        v = values.get(a.area_id)
        a.klasse = classify(v, breaks)
        if a.klasse is not None:
            legend[a.klasse].count += 1
    spec = MapSpec(areas=areas, legend=legend, title=title)
    _finish(spec, suppressed_below)
    return spec


def categorical_spec(
    areas: list[MapArea],
    labels: list[str],
    *,
    title: str,
    colours: list[str] | None = None,
    suppressed_below: int | None = None,
) -> MapSpec:
    """Areas carry ``klasse`` as an index into ``labels`` (e.g. index classes)."""
    colours = colours or palette(len(labels))
    legend = [LegendEntry(label, colour) for label, colour in zip(labels, colours)]
    for a in areas:
        if a.klasse is not None and not a.suppressed:
            legend[a.klasse].count += 1
    spec = MapSpec(areas=areas, legend=legend, title=title)
    _finish(spec, suppressed_below)
    return spec


def _finish(spec: MapSpec, suppressed_below: int | None) -> None:
    n_supp = sum(1 for a in spec.areas if a.suppressed)
    n_none = sum(1 for a in spec.areas if not a.suppressed and a.klasse is None and not a.context)
    contexts: dict[str, int] = {}
    for a in spec.areas:
        if a.context:
            contexts[a.context] = contexts.get(a.context, 0) + 1
    if n_supp:
        label = f"geheim (unter {suppressed_below})" if suppressed_below else "geheim"
        spec.suppression_label = label
        spec.extra.append(LegendEntry(label, "hatch", n_supp))
    if n_none:
        spec.extra.append(LegendEntry("keine Daten", NO_DATA_FILL, n_none))
    for label, count in contexts.items():
        spec.extra.append(LegendEntry(label, CONTEXT_FILL, count))


# --- projection and paths --------------------------------------------------------------------


class Projection:
    """Equirectangular with cos(mean latitude), fitted into a viewBox of the given width."""

    def __init__(self, bounds: tuple[float, float, float, float], width: float = 800, pad: float = 8):
        minx, miny, maxx, maxy = bounds
        self.k = math.cos(math.radians((miny + maxy) / 2))
        w = max((maxx - minx) * self.k, 1e-9)
        h = max(maxy - miny, 1e-9)
        self.scale = (width - 2 * pad) / w
        self.width = width
        self.height = h * self.scale + 2 * pad
        self.minx, self.maxy, self.pad = minx, maxy, pad

    def xy(self, coords: np.ndarray) -> np.ndarray:
        import numpy as np

        x = (coords[:, 0] - self.minx) * self.k * self.scale + self.pad
        y = (self.maxy - coords[:, 1]) * self.scale + self.pad
        return np.column_stack([x, y])


PATH_SCALE = 10  # paths are written in tenths of a viewBox unit (integers) inside scale(0.1)


def _ring_path(coords: np.ndarray) -> str:
    import numpy as np

    pts = np.rint(coords * PATH_SCALE).astype(np.int64)
    if len(pts) > 2:  # drop consecutive duplicates produced by rounding
        keep = np.ones(len(pts), dtype=bool)
        keep[1:] = np.any(pts[1:] != pts[:-1], axis=1)
        pts = pts[keep]
    if len(pts) < 4:
        return ""
    return "M" + " ".join([f"{x},{y}" for x, y in pts[:-1].tolist()]) + "Z"


def geometry_path(geom, proj: Projection) -> str:
    import shapely

    parts = []
    polys = geom.geoms if hasattr(geom, "geoms") else [geom]
    for poly in polys:
        if poly.geom_type != "Polygon" or poly.is_empty:
            continue
        for ring in (poly.exterior, *poly.interiors):
            parts.append(_ring_path(proj.xy(shapely.get_coordinates(ring))))
    return "".join(parts)


def _as_geoms(raw: list) -> np.ndarray:
    """GeoJSON texts and shapely geometries → array of geometries (texts parsed in one call)."""
    import numpy as np
    import shapely

    out = np.empty(len(raw), dtype=object)
    texts = [i for i, g in enumerate(raw) if isinstance(g, str)]
    if texts:
        out[texts] = shapely.from_geojson(np.array([raw[i] for i in texts], dtype=object))
    for i, g in enumerate(raw):
        if not isinstance(g, str):
            out[i] = g
    return out


_PATH_CACHE: dict = {}
_PATH_CACHE_SIZE = 32


def _projected_paths(raw: list, width: float, simplify_px: float) -> tuple[list[str], Projection]:
    """SVG path data for each geometry, fitted together into the viewBox. Cached by the
    geometries' text (maps of the same areas are drawn again and again)."""
    import shapely

    key = None
    if all(isinstance(g, str) for g in raw):
        key = (width, simplify_px, hash(tuple(raw)), len(raw))
        hit = _PATH_CACHE.get(key)
        if hit is not None:
            return hit
    geoms = _as_geoms(raw)
    minx, miny, maxx, maxy = shapely.total_bounds(geoms)
    proj = Projection((float(minx), float(miny), float(maxx), float(maxy)), width=width)
    if simplify_px:
        geoms = shapely.simplify(geoms, simplify_px / proj.scale, preserve_topology=True)
    result = ([geometry_path(g, proj) for g in geoms], proj)
    if key is not None:
        if len(_PATH_CACHE) >= _PATH_CACHE_SIZE:
            _PATH_CACHE.pop(next(iter(_PATH_CACHE)))
        _PATH_CACHE[key] = result
    return result


def _hatch_defs(uid: str) -> str:
    def pattern(pid, size, line):
        return (
            f'<pattern id="{pid}" patternUnits="userSpaceOnUse" width="{size}" height="{size}" '
            f'patternTransform="rotate(45)"><rect width="{size}" height="{size}" fill="{SUPPRESSED_FILL}"/>'
            f'<line x1="0" y1="0" x2="0" y2="{size}" stroke="#5a5a5a" stroke-width="{line}"/></pattern>'
        )

    # one pattern for the map (inside scale(0.1)), one for the legend
    return f"<defs>{pattern(uid + '-geheim', 6 * PATH_SCALE, 2 * PATH_SCALE)}{pattern(uid + '-geheim-l', 6, 2)}</defs>"


def render_map(
    spec: MapSpec,
    *,
    uid: str = "karte",
    width: float = 800,
    legend: bool = True,
    links: bool = True,
    simplify_px: float = 0.4,
) -> str:
    """The whole map as an ``<svg>`` element (string, safe to mark up)."""
    drawn = [a for a in spec.areas if a.geometry is not None]
    if not drawn:
        return ""
    paths, proj = _projected_paths([a.geometry for a in drawn], width, simplify_px)
    title_id, desc_id = f"{uid}-titel", f"{uid}-beschreibung"
    legend_h = (len(spec.legend) + len(spec.extra)) * 22 + 12 if legend else 0
    total_h = proj.height + legend_h
    interactive = links and any(a.href for a in drawn)
    # With links inside, the map is a group of links (role="img" must not contain focusable elements).
    role = "group" if interactive else "img"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:g} {total_h:.0f}" '
        f'width="{width:g}" height="{total_h:.0f}" class="monitoring-karte" role="{role}" '
        f'aria-labelledby="{title_id} {desc_id}">',
        f'<title id="{title_id}">{escape(spec.title)}</title>',
        f'<desc id="{desc_id}">Karte mit {anzahl(len(drawn), "Gebiet", "Gebieten")}; dieselben Angaben stehen in der Tabelle.</desc>',
        _hatch_defs(uid),
        f'<clipPath id="{uid}-rahmen"><rect width="{width:g}" height="{proj.height:.0f}"/></clipPath>',
        f'<g clip-path="url(#{uid}-rahmen)">',
        f'<g class="monitoring-karte-flaechen" transform="scale({1 / PATH_SCALE:g})" stroke="{STROKE}" '
        f'stroke-width="{0.6 * PATH_SCALE:g}" stroke-linejoin="round" fill-rule="evenodd" '
        f'data-hoehe="{proj.height:.0f}">',
    ]
    for a, d in zip(drawn, paths):
        if not d:
            continue
        if a.context:
            fill = CONTEXT_FILL
        elif a.suppressed:
            fill = f"url(#{uid}-geheim)"
        elif a.klasse is None:
            fill = NO_DATA_FILL
        else:
            fill = spec.legend[a.klasse].fill
        tip = f"{a.name} ({a.code}): {a.value_text}" if a.value_text else f"{a.name} ({a.code})"
        extra = f' stroke="#000" stroke-width="{2.5 * PATH_SCALE:g}"' if a.highlight else ""
        path = f'<path d="{d}" fill="{fill}"{extra} data-gebiet="{a.area_id}"><title>{escape(tip)}</title></path>'
        if links and a.href:
            path = f'<a href="{escape(a.href)}" aria-label="{escape(tip)}">{path}</a>'
        out.append(path)
    out.append("</g></g>")
    if legend:
        y = proj.height + 8
        out.append('<g class="legende" font-family="sans-serif" font-size="13" fill="#1a1a1a">')
        for entry in [*spec.legend, *spec.extra]:
            fill = f"url(#{uid}-geheim-l)" if entry.fill == "hatch" else entry.fill
            out.append(
                f'<rect x="8" y="{y:.0f}" width="18" height="14" fill="{fill}" stroke="{STROKE}" stroke-width="0.6"/>'
                f'<text x="34" y="{y + 12:.0f}">{escape(entry.label)} ({entry.count})</text>'
            )
            y += 22
        out.append("</g>")
    out.append("</svg>")
    return "".join(out)


def locator_map(areas: list[MapArea], area_id: int, *, uid: str = "lage", width: float = 260) -> str:
    """Small map: all areas grey, the chosen one dark, without legend and links."""
    for a in areas:
        a.highlight = a.area_id == area_id
        a.klasse = 1 if a.highlight else 0
        a.suppressed = False
    spec = MapSpec(
        areas=areas,
        legend=[LegendEntry("übrige Gebiete", "#e6e6e6"), LegendEntry("dieses Gebiet", "#b30000")],
        title="Lage des Gebiets im Kreis",
    )
    return render_map(spec, uid=uid, width=width, legend=False, links=False, simplify_px=0.6)


# --- small charts ----------------------------------------------------------------------------


def sparkline(
    points: list[tuple[str, float | None]], *, uid: str, label: str, width: int = 140, height: int = 36
) -> str:
    """Line over time; points are (date label, value or None for suppressed/missing)."""
    vals = [v for _, v in points if v is not None]
    if len(vals) < 2:
        return ""
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or 1.0
    n = len(points)
    coords = []
    for i, (_, v) in enumerate(points):
        if v is None:
            continue
        x = 4 + i * (width - 8) / max(n - 1, 1)
        y = height - 4 - (v - lo) / span * (height - 8)
        coords.append((x, y))
    d = "M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    last = coords[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{uid}-t" class="monitoring-sparkline"><title id="{uid}-t">{escape(label)}</title>'
        f'<path d="{d}" fill="none" stroke="#1f4e79" stroke-width="2"/>'
        f'<circle cx="{last[0]:.1f}" cy="{last[1]:.1f}" r="3" fill="#1f4e79"/></svg>'
    )


def bar_chart(
    rows: list[tuple[str, float | None, str]],
    *,
    uid: str,
    title: str,
    width: int = 640,
    bar_h: int = 16,
    label_w: int = 180,
) -> str:
    """Horizontal bars, one per area: (label, value or None, value text). None → text only
    (suppressed or missing); negative values grow left of a zero line."""
    vals = [v for _, v, _ in rows if v is not None]
    if not rows:
        return ""
    lo = min(0.0, min(vals) if vals else 0.0)
    hi = max(0.0, max(vals) if vals else 0.0)
    span = (hi - lo) or 1.0
    plot_w = width - label_w - 90
    zero_x = label_w + (0 - lo) / span * plot_w
    height = len(rows) * (bar_h + 4) + 30
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-labelledby="{uid}-t" class="monitoring-balken" font-family="sans-serif" font-size="11">',
        f'<title id="{uid}-t">{escape(title)}</title>',
    ]
    y = 6
    for label, v, text in rows:
        out.append(
            f'<text x="{label_w - 6}" y="{y + bar_h - 4}" text-anchor="end" fill="#1a1a1a">{escape(label[:32])}</text>'
        )
        if v is not None:
            x0 = min(zero_x, zero_x + v / span * plot_w)
            w = abs(v / span * plot_w)
            out.append(f'<rect x="{x0:.1f}" y="{y}" width="{max(w, 0.5):.1f}" height="{bar_h}" fill="#2b6ca3"/>')
            tx = max(zero_x, x0 + w) + 4
        else:
            tx = zero_x + 4
        out.append(f'<text x="{tx:.1f}" y="{y + bar_h - 4}" fill="#1a1a1a">{escape(text)}</text>')
        y += bar_h + 4
    out.append(f'<line x1="{zero_x:.1f}" y1="2" x2="{zero_x:.1f}" y2="{y}" stroke="#333" stroke-width="1"/>')
    out.append("</svg>")
    return "".join(out)


def svg_to_png(svg: str, width: int = 1200) -> bytes:
    """Raster copy for DOCX (Word shows SVG poorly); cairosvg renders offline."""
    import cairosvg

    return cairosvg.svg2png(bytestring=svg.encode("utf-8"), output_width=width)
