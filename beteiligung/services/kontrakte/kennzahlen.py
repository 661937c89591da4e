"""Kennzahlen-Arithmetik: Zielwert, Soll-Ist, lineare Prognose, Ampel, SVG-Diagramm.

Pure functions on plain values (Decimal, date) – no database, no request –
so they are tested on hand-computed cases. The view feeds them the rows.

Definitions (documented in docs/modules/kontrakte.md):
- Zielwert: absolute, or relative to the baseline: baseline × (1 + p/100) (e.g. p = −10).
- Soll at a date: linear path from (baseline_date, baseline) to (target_date, target);
  before the baseline date the baseline, after the target date the target.
- Abweichung: how far Ist is on the unfavourable side of Soll, in % of |Soll|
  (for "niedriger ist besser" a value above Soll is unfavourable). Favourable → 0.
- Ampel: Abweichung ≤ green_limit → grün, ≤ yellow_limit → gelb, else rot.
- Prognose: least-squares line through the baseline and all measurements, read at the target date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from html import escape

LIGHTS = {"gruen": "grün", "gelb": "gelb", "rot": "rot", "keine": "keine Daten"}

_GERMAN_NUMBER = re.compile(r"^[+-]?(\d{1,3}(\.\d{3})+|\d+)(,\d+)?$")


def parse_decimal_de(text) -> Decimal:
    """German input "1.234,5" (or "1234,5", "-10") → Decimal; ValueError with a German message."""
    if isinstance(text, Decimal):
        return text
    raw = (text or "").strip().replace("\u00a0", "").replace(" ", "")
    if raw.endswith("%"):
        raw = raw[:-1]
    if not raw:
        raise ValueError("Bitte einen Wert eingeben.")
    if not _GERMAN_NUMBER.match(raw):
        raise ValueError("Bitte eine Zahl im deutschen Format eingeben, z. B. 1.234,5.")
    try:
        value = Decimal(raw.replace(".", "").replace(",", "."))
    except InvalidOperation:
        raise ValueError("Bitte eine Zahl im deutschen Format eingeben, z. B. 1.234,5.") from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ValueError("Der Wert ist zu groß.")
    return value


def format_decimal_de(value, digits: int = 2) -> str:
    """Decimal → "1.234,50" (fixed digits)."""
    if value is None:
        return ""
    q = Decimal(1).scaleb(-digits) if digits else Decimal(1)
    v = Decimal(value).quantize(q, rounding=ROUND_HALF_UP)
    sign = "-" if v < 0 else ""
    whole, _, frac = f"{abs(v):f}".partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    return sign + ".".join(groups) + ("," + frac if digits else "")


def format_euro(value) -> str:
    """1.234,50 €"""
    return format_decimal_de(value, 2) + " €"


def compact_de(value) -> str:
    """A measurement without trailing zeros: 12,5 / 1.200 / 0,25."""
    if value is None:
        return ""
    v = Decimal(value).normalize()
    digits = max(0, -v.as_tuple().exponent) if v.as_tuple().exponent < 0 else 0
    return format_decimal_de(v, min(digits, 4))


def target_value(baseline: Decimal, mode: str, target_input: Decimal) -> Decimal:
    if mode == "relativ":
        return Decimal(baseline) * (Decimal(1) + Decimal(target_input) / Decimal(100))
    return Decimal(target_input)


def soll_at(baseline: Decimal, baseline_date: date, target: Decimal, target_date: date, day: date) -> Decimal:
    if day <= baseline_date or target_date <= baseline_date:
        return Decimal(baseline) if day < target_date else Decimal(target)
    if day >= target_date:
        return Decimal(target)
    share = Decimal((day - baseline_date).days) / Decimal((target_date - baseline_date).days)
    return Decimal(baseline) + (Decimal(target) - Decimal(baseline)) * share


def deviation_percent(ist: Decimal, soll: Decimal, direction: str) -> Decimal:
    """Unfavourable deviation of Ist from Soll in % of |Soll| (0 when on or better than Soll)."""
    ist, soll = Decimal(ist), Decimal(soll)
    gap = (soll - ist) if direction == "hoeher" else (ist - soll)
    if gap <= 0:
        return Decimal(0)
    if soll == 0:
        return Decimal(100)
    return gap / abs(soll) * Decimal(100)


def traffic_light(deviation: Decimal | None, green_limit: Decimal, yellow_limit: Decimal) -> str:
    if deviation is None:
        return "keine"
    if deviation <= Decimal(green_limit):
        return "gruen"
    if deviation <= Decimal(yellow_limit):
        return "gelb"
    return "rot"


def linear_forecast(points: list[tuple[date, Decimal]], at: date) -> Decimal | None:
    """Least-squares line through (date, value) points, evaluated at `at`; None with < 2 dates."""
    if len({d for d, _v in points}) < 2:
        return None
    origin = min(d for d, _v in points)
    xs = [Decimal((d - origin).days) for d, _v in points]
    ys = [Decimal(v) for _d, v in points]
    n = Decimal(len(points))
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys))
    slope = sxy / sxx
    return my + slope * (Decimal((at - origin).days) - mx)


def reaches_target(forecast: Decimal | None, target: Decimal, direction: str) -> bool | None:
    if forecast is None:
        return None
    return forecast >= target if direction == "hoeher" else forecast <= target


@dataclass
class Row:
    day: date
    ist: Decimal
    soll: Decimal
    deviation: Decimal
    light: str
    report_id: int | None = None


@dataclass
class Evaluation:
    target: Decimal
    rows: list[Row]
    latest: Row | None
    light: str
    forecast: Decimal | None
    forecast_ok: bool | None
    # Why the light is worse than the latest deviation alone says (e.g. on track today, target missed by forecast).
    light_note: str | None = None


def evaluate(indicator, measurements=None) -> Evaluation:
    """Soll-Ist for every measurement of an indicator, the latest light and the forecast."""
    ms = indicator.measurements if measurements is None else measurements
    target = target_value(indicator.baseline_value, indicator.target_mode, indicator.target_input)
    rows = []
    for m in sorted(ms, key=lambda m: m.period_end):
        soll = soll_at(indicator.baseline_value, indicator.baseline_date, target, indicator.target_date, m.period_end)
        dev = deviation_percent(m.value, soll, indicator.direction)
        rows.append(
            Row(
                m.period_end,
                Decimal(m.value),
                soll,
                dev,
                traffic_light(dev, indicator.green_limit, indicator.yellow_limit),
                m.report_id,
            )
        )
    latest = rows[-1] if rows else None
    points = [(indicator.baseline_date, Decimal(indicator.baseline_value))] + [(r.day, r.ist) for r in rows]
    forecast = linear_forecast(points, indicator.target_date) if rows else None
    forecast_ok = reaches_target(forecast, target, indicator.direction)
    if forecast_ok is False and deviation_percent(forecast, target, indicator.direction) <= Decimal(
        indicator.green_limit
    ):
        # Within the green tolerance of the target counts as reached, as it does for the Soll along the way.
        forecast_ok = True
    light, note = latest.light if latest else "keine", None
    if light == "gruen" and forecast_ok is False:
        # An honest light: "grün" next to "Prognose: verfehlt" would contradict itself.
        light, note = "gelb", "Zurzeit im Soll, aber nach der Prognose wird das Ziel verfehlt."
    return Evaluation(target, rows, latest, light, forecast, forecast_ok, note)


# --- chart ------------------------------------------------------------------------

LIGHT_COLOURS = {"gruen": "#1b7f3b", "gelb": "#a86b00", "rot": "#b3261e", "keine": "#5a5a5a"}


def chart_svg(indicator, evaluation: Evaluation, width: int = 560, height: int = 260) -> str:
    """Server-rendered inline SVG: Soll path (dashed), Ist values (line + points), target marker.

    Uses presentation attributes only (no style attributes, no script). The accessible
    data table is rendered next to it by the template; the SVG carries role="img" + title/desc.
    """
    pad_l, pad_r, pad_t, pad_b = 64, 16, 16, 40
    start, end = indicator.baseline_date, indicator.target_date
    days = [r.day for r in evaluation.rows]
    x_min = min([start] + days)
    x_max = max([end] + days)
    span_days = max((x_max - x_min).days, 1)
    values = [Decimal(indicator.baseline_value), evaluation.target] + [r.ist for r in evaluation.rows]
    if evaluation.forecast is not None:
        values.append(evaluation.forecast)
    v_min, v_max = min(values), max(values)
    if v_max == v_min:
        v_max, v_min = v_max + 1, v_min - 1
    margin = (v_max - v_min) * Decimal("0.1")
    v_min, v_max = v_min - margin, v_max + margin
    plot_w, plot_h = width - pad_l - pad_r, height - pad_t - pad_b

    def x(d: date) -> str:
        return f"{pad_l + plot_w * (d - x_min).days / span_days:.1f}"

    def y(v) -> str:
        return f"{pad_t + float((v_max - Decimal(v)) / (v_max - v_min)) * plot_h:.1f}"

    unit = escape(indicator.unit or "")
    title = escape(f"Verlauf: {indicator.name}")
    desc = escape(
        f"Ausgangswert {compact_de(indicator.baseline_value)} am {start:%d.%m.%Y}, Zielwert "
        f"{compact_de(evaluation.target)} bis {end:%d.%m.%Y}; {len(evaluation.rows)} Ist-Werte. "
        "Die Werte stehen in der Tabelle neben dem Diagramm."
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-chart" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-labelledby="chart-title-{indicator.id} chart-desc-{indicator.id}">',
        f'<title id="chart-title-{indicator.id}">{title}</title>',
        f'<desc id="chart-desc-{indicator.id}">{desc}</desc>',
        f'<rect x="{pad_l}" y="{pad_t}" width="{plot_w}" height="{plot_h}" fill="#ffffff" stroke="#8a8a8a"/>',
    ]
    for i in range(5):
        v = v_min + (v_max - v_min) * Decimal(i) / Decimal(4)
        parts.append(f'<line x1="{pad_l}" x2="{pad_l + plot_w}" y1="{y(v)}" y2="{y(v)}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text x="{pad_l - 6}" y="{y(v)}" text-anchor="end" dominant-baseline="middle" '
            f'font-size="11" fill="#333333">{escape(compact_de(v.quantize(Decimal("0.1"))))}</text>'
        )
    for year in range(x_min.year, x_max.year + 2):
        d = date(year, 1, 1)
        if x_min <= d <= x_max:
            parts.append(f'<line x1="{x(d)}" x2="{x(d)}" y1="{pad_t}" y2="{pad_t + plot_h}" stroke="#e0e0e0"/>')
            parts.append(
                f'<text x="{x(d)}" y="{pad_t + plot_h + 16}" text-anchor="middle" font-size="11" '
                f'fill="#333333">{year}</text>'
            )
    # Soll path (dashed)
    parts.append(
        f'<line x1="{x(start)}" y1="{y(indicator.baseline_value)}" x2="{x(end)}" y2="{y(evaluation.target)}" '
        f'stroke="#1d4f91" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(
        f'<circle cx="{x(end)}" cy="{y(evaluation.target)}" r="5" fill="#ffffff" stroke="#1d4f91" stroke-width="2"/>'
    )
    # Ist line
    pts = [(indicator.baseline_date, Decimal(indicator.baseline_value))] + [(r.day, r.ist) for r in evaluation.rows]
    if len(pts) > 1:
        path = " ".join(f"{x(d)},{y(v)}" for d, v in pts)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#222222" stroke-width="2"/>')
    if evaluation.forecast is not None and evaluation.rows:
        last = evaluation.rows[-1]
        parts.append(
            f'<line x1="{x(last.day)}" y1="{y(last.ist)}" x2="{x(end)}" y2="{y(evaluation.forecast)}" '
            f'stroke="#5a5a5a" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
    parts.append(f'<circle cx="{x(start)}" cy="{y(indicator.baseline_value)}" r="4" fill="#222222"/>')
    for r in evaluation.rows:
        parts.append(
            f'<circle cx="{x(r.day)}" cy="{y(r.ist)}" r="5" fill="{LIGHT_COLOURS[r.light]}" '
            f'stroke="#ffffff" stroke-width="1"><title>{r.day:%d.%m.%Y}: {escape(compact_de(r.ist))} {unit} '
            f'(Soll {escape(compact_de(r.soll.quantize(Decimal("0.01"))))}, {LIGHTS[r.light]})</title></circle>'
        )
    # legend
    ly = height - 8
    parts.append(
        f'<line x1="{pad_l}" x2="{pad_l + 24}" y1="{ly - 4}" y2="{ly - 4}" stroke="#1d4f91" stroke-width="2" stroke-dasharray="6 4"/>'
    )
    parts.append(f'<text x="{pad_l + 30}" y="{ly}" font-size="11" fill="#333333">Soll</text>')
    parts.append(
        f'<line x1="{pad_l + 70}" x2="{pad_l + 94}" y1="{ly - 4}" y2="{ly - 4}" stroke="#222222" stroke-width="2"/>'
    )
    parts.append(f'<text x="{pad_l + 100}" y="{ly}" font-size="11" fill="#333333">Ist</text>')
    parts.append(
        f'<line x1="{pad_l + 130}" x2="{pad_l + 154}" y1="{ly - 4}" y2="{ly - 4}" stroke="#5a5a5a" stroke-width="1.5" stroke-dasharray="2 3"/>'
    )
    parts.append(f'<text x="{pad_l + 160}" y="{ly}" font-size="11" fill="#333333">Prognose</text>')
    parts.append("</svg>")
    return "".join(parts)


def sparkline_svg(indicator, evaluation: Evaluation, width: int = 120, height: int = 36) -> str:
    """A small chart per row of the indicator overview: Soll path (dashed) and Ist values, the latest point
    in its Ampel colour. Same scale rules as `chart_svg`; the numbers stand in the row beside it."""
    pad = 4
    start, end = indicator.baseline_date, indicator.target_date
    days = [r.day for r in evaluation.rows]
    x_min, x_max = min([start] + days), max([end] + days)
    span_days = max((x_max - x_min).days, 1)
    values = [Decimal(indicator.baseline_value), evaluation.target] + [r.ist for r in evaluation.rows]
    v_min, v_max = min(values), max(values)
    if v_max == v_min:
        v_max, v_min = v_max + 1, v_min - 1

    def x(d: date) -> str:
        return f"{pad + (width - 2 * pad) * (d - x_min).days / span_days:.1f}"

    def y(v) -> str:
        return f"{pad + float((v_max - Decimal(v)) / (v_max - v_min)) * (height - 2 * pad):.1f}"

    latest = evaluation.rows[-1] if evaluation.rows else None
    label = f"Verlauf {indicator.name}: Ausgangswert {compact_de(indicator.baseline_value)}, " + (
        f"zuletzt {compact_de(latest.ist)} am {latest.day:%d.%m.%Y} (Soll {compact_de(latest.soll.quantize(Decimal('0.01')))})"
        if latest
        else "noch kein Ist-Wert"
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="indicator-sparkline" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">',
        f'<line x1="{x(start)}" y1="{y(indicator.baseline_value)}" x2="{x(end)}" y2="{y(evaluation.target)}" '
        f'stroke="#1d4f91" stroke-width="1.5" stroke-dasharray="4 3"/>',
    ]
    pts = [(start, Decimal(indicator.baseline_value))] + [(r.day, r.ist) for r in evaluation.rows]
    if len(pts) > 1:
        parts.append(
            f'<polyline points="{" ".join(f"{x(d)},{y(v)}" for d, v in pts)}" fill="none" stroke="#222222" '
            f'stroke-width="1.5"/>'
        )
    if latest:
        parts.append(
            f'<circle cx="{x(latest.day)}" cy="{y(latest.ist)}" r="3.5" fill="{LIGHT_COLOURS[latest.light]}" '
            f'stroke="#222222" stroke-width="1"/>'
        )
    parts.append("</svg>")
    return "".join(parts)
