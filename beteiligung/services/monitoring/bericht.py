"""Sozialbericht from a Monitoring-Ausgabe (DOCX and PDF) and the Fokusbericht for one Handlungsfeld.

Contents: the planner's text blocks (Markdown), the method in words, the overview map of the
classes, the class table, one bar chart per indicator (suppressed values as text, never as a
bar) and one Sozialraumprofil per area the reader may see. Maps and charts are vector graphics
in the PDF (inline SVG) and PNG images in the DOCX (cairosvg, offline).
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import date_de, number_de
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import ValidationError, audit, ensure_version
from models import Area, Handlungsfeld
from models.monitoring import MonitoringEdition, StatIndicator
from models.monitoring_bericht import Sozialbericht, stat_indicator_handlungsfeld

from . import NotFound, check
from . import dossier as dossier_svc
from . import karten as K
from . import kartendaten as KD

TEXT_FIELDS = ("einleitung", "befunde", "ausblick")
TEXT_LABELS = {"einleitung": "Einleitung", "befunde": "Zentrale Befunde", "ausblick": "Ausblick und Empfehlungen"}
MAX_TEXT = 20000


# --- text blocks ---------------------------------------------------------------------------------


def report_for(edition: MonitoringEdition) -> Sozialbericht | None:
    return db.session.scalar(select(Sozialbericht).where(Sozialbericht.edition_id == edition.id))


def save_texts(user, edition: MonitoringEdition, values: dict, version=None) -> Sozialbericht:
    """Create or update the text blocks of the edition's report (optimistic locking via version)."""
    check(user, mperm.can_edit_report(user, edition))
    errors = {}
    title = (values.get("title") or "").strip()
    if not title:
        errors["title"] = "Bitte einen Titel angeben."
    elif len(title) > 250:
        errors["title"] = "Der Titel ist zu lang (höchstens 250 Zeichen)."
    for name in TEXT_FIELDS:
        if len(values.get(name) or "") > MAX_TEXT:
            errors[name] = f"Höchstens {MAX_TEXT:,} Zeichen.".replace(",", ".")
    if errors:
        raise ValidationError(errors)
    report = report_for(edition)
    clean = {"title": title, **{n: (values.get(n) or "").strip() or None for n in TEXT_FIELDS}}
    if report is None:
        report = Sozialbericht(edition_id=edition.id, **clean)
        db.session.add(report)
        db.session.flush()
        audit.record(user, "create", report, None, audit.snapshot(report), f"Sozialbericht: {title}")
    else:
        if version is not None:
            ensure_version(report, version)
        before = audit.snapshot(report)
        for k, v in clean.items():
            setattr(report, k, v)
        db.session.flush()
        audit.record(user, "update", report, before, audit.snapshot(report), f"Sozialbericht: {title}")
    return report


def set_indicator_fields(user, indicator: StatIndicator, term_ids: list[int]) -> None:
    """Which Handlungsfelder an indicator informs (for the Fokusbericht)."""
    check(user, mperm.can_manage_stat_indicator(user, indicator))
    terms = list(db.session.scalars(select(Handlungsfeld).where(Handlungsfeld.id.in_(term_ids or [-1]))))
    if len(terms) != len(set(term_ids)):
        raise ValidationError({"handlungsfelder": "Unbekanntes Handlungsfeld."})
    before = {"handlungsfelder": sorted(t.name for t in indicator.handlungsfelder)}
    indicator.handlungsfelder = terms
    db.session.flush()
    audit.record(
        user,
        "update",
        indicator,
        before,
        {"handlungsfelder": sorted(t.name for t in terms)},
        f"Handlungsfelder von {indicator.name}",
    )


def edition_indicators(edition: MonitoringEdition) -> list[StatIndicator]:
    """Today's catalogue entries of the edition's indicators (for the Handlungsfeld tagging)."""
    keys = KD.edition_indicator_keys(edition)
    lineage = edition.body.lineage_ids()
    found = {}
    for ind in db.session.scalars(
        select(StatIndicator).where(StatIndicator.key.in_(keys or ["-"]), StatIndicator.body_id.in_(lineage))
    ):
        # nearest body wins (own catalogue before the Kreis catalogue)
        if ind.key not in found or lineage.index(ind.body_id) < lineage.index(found[ind.key].body_id):
            found[ind.key] = ind
    return [found[k] for k in keys if k in found]


def focus_keys(edition: MonitoringEdition, handlungsfeld: Handlungsfeld) -> list[str]:
    inds = edition_indicators(edition)
    tagged = set(
        db.session.scalars(
            select(stat_indicator_handlungsfeld.c.indicator_id).where(
                stat_indicator_handlungsfeld.c.term_id == handlungsfeld.id,
                stat_indicator_handlungsfeld.c.indicator_id.in_([i.id for i in inds] or [-1]),
            )
        )
    )
    return [i.key for i in inds if i.id in tagged]


# --- report data -----------------------------------------------------------------------------------


@dataclass
class Chart:
    key: str
    name: str
    unit: str | None
    svg: str
    rows: list[tuple[str, str]]  # (area, shown value)


@dataclass
class ReportData:
    edition: MonitoringEdition
    title: str
    texts: dict[str, str | None]
    focus: Handlungsfeld | None
    overview: KD.MapResult
    class_rows: list
    charts: list[Chart] = field(default_factory=list)
    profiles: list = field(default_factory=list)
    keys: list[str] = field(default_factory=list)


def _charts(edition: MonitoringEdition, keys: list[str]) -> list[Chart]:
    min_counts = KD.edition_min_counts(edition)
    results = sorted(edition.results, key=lambda r: r.area_code)
    out = []
    for key in keys:
        name, unit = KD._name_of(edition, key), KD._unit_of(edition, key)
        rows, bars = [], []
        for r in results:
            value, hidden = KD.result_value(r, key, min_counts)
            text = KD.suppressed_text(min_counts.get(key)) if hidden else KD._fmt_value(value, unit)
            bars.append((f"{r.area_code} {r.area_name}", value, text))
            rows.append((f"{r.area_code} {r.area_name}", text))
        svg = K.bar_chart(bars, uid=f"diagramm-{key}", title=f"{name} je Gebiet am {date_de(edition.reference_date)}")
        out.append(Chart(key, name, unit, svg, rows))
    return out


def build(user, edition: MonitoringEdition, focus: Handlungsfeld | None = None, *, profiles: bool = True) -> ReportData:
    if user is not None and not mperm.can_view_edition(user, edition):
        raise NotFound()
    report = report_for(edition)
    keys = KD.edition_indicator_keys(edition)
    if focus is not None:
        keys = focus_keys(edition, focus)
    title = report.title if report else f"Sozialbericht {edition.body.name} {edition.reference_date.year}"
    if focus is not None:
        title = f"Fokusbericht {focus.name}: {title}"
    overview = KD.edition_map(user, edition, "klasse", uid="uebersicht", check_permission=False)
    class_rows = sorted(edition.results, key=lambda r: (r.rank is None, r.rank or 0, r.area_code))
    data = ReportData(
        edition=edition,
        title=title,
        focus=focus,
        overview=overview,
        class_rows=class_rows,
        texts={n: getattr(report, n) if report else None for n in TEXT_FIELDS},
        keys=keys,
    )
    data.charts = _charts(edition, keys)
    if profiles and user is not None:
        ids = [r.area_id for r in class_rows if r.area_id is not None]
        areas = {a.id: a for a in db.session.scalars(select(Area).where(Area.id.in_(ids or [-1])))}
        for r in sorted(class_rows, key=lambda r: r.area_code):
            area = areas.get(r.area_id)
            if area is not None and mperm.can_view_dossier(user, area):
                d = dossier_svc.build(user, area, locator_width=240)
                if focus is not None:
                    d.trends = [t for t in d.trends if t.indicator.key in keys]
                    d.coverage = [c for c in d.coverage if c[0] == focus.name]
                    d.gaps = [g for g in d.gaps if g == focus.name]
                data.profiles.append(d)
    return data


# --- PDF ---------------------------------------------------------------------------------------------------


def report_pdf(user, edition: MonitoringEdition, focus: Handlungsfeld | None = None) -> bytes:
    from flask import render_template
    from weasyprint import HTML

    data = build(user, edition, focus)
    html = render_template("monitoring/bericht_pdf.html", r=data, labels=TEXT_LABELS)
    return HTML(string=html).write_pdf()


# --- DOCX --------------------------------------------------------------------------------------------------

_BULLET = re.compile(r"^\s*[-*+]\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_HEADING = re.compile(r"^(#{1,4})\s+(.*)$")
_INLINE = re.compile(r"(\*\*[^*]+\*\*|\*[^*]+\*|`[^`]+`|\[[^\]]+\]\([^)]+\))")


def _add_inline(paragraph, text: str) -> None:
    for part in _INLINE.split(text):
        if not part:
            continue
        if part.startswith("**") and part.endswith("**"):
            paragraph.add_run(part[2:-2]).bold = True
        elif part.startswith("*") and part.endswith("*") and len(part) > 1:
            paragraph.add_run(part[1:-1]).italic = True
        elif part.startswith("`"):
            paragraph.add_run(part[1:-1])
        elif part.startswith("["):
            label, _, url = part[1:-1].partition("](")
            paragraph.add_run(f"{label} ({url})")
        else:
            paragraph.add_run(part)


def markdown_to_docx(doc, text: str | None, base_level: int = 2) -> None:
    """The Markdown subset planners use (paragraphs, headings, lists, bold/italic, links) as Word
    paragraphs; anything else stays readable text."""
    if not text:
        return
    para_lines: list[str] = []

    def flush():
        if para_lines:
            _add_inline(doc.add_paragraph(), " ".join(s.strip() for s in para_lines))
            para_lines.clear()

    for line in text.splitlines():
        if not line.strip():
            flush()
            continue
        m = _HEADING.match(line)
        if m:
            flush()
            doc.add_heading(m.group(2).strip(), level=min(base_level + len(m.group(1)) - 1, 6))
        elif _BULLET.match(line):
            flush()
            _add_inline(doc.add_paragraph(style="List Bullet"), _BULLET.sub("", line))
        elif _NUMBERED.match(line):
            flush()
            _add_inline(doc.add_paragraph(style="List Number"), _NUMBERED.sub("", line))
        else:
            para_lines.append(line)
    flush()


def report_docx(user, edition: MonitoringEdition, focus: Handlungsfeld | None = None) -> bytes:
    from docx.enum.section import WD_ORIENT  # noqa: F401  (portrait is the default)
    from docx.shared import Cm

    data = build(user, edition, focus)
    doc = dossier_svc.new_document(data.title)
    doc.add_heading(data.title, level=0)
    doc.add_paragraph(
        f"{edition.body.name} · Monitoring-Ausgabe „{edition.title}“ · Stichtag "
        f"{date_de(edition.reference_date)} · Stand {edition.status_enum.label}"
    )
    if data.texts.get("einleitung"):
        doc.add_heading(TEXT_LABELS["einleitung"], level=1)
        markdown_to_docx(doc, data.texts["einleitung"])
    doc.add_heading("Methode", level=1)
    doc.add_paragraph(edition.method_text)
    if data.focus is not None:
        names = [KD._name_of(edition, k) for k in data.keys]
        doc.add_paragraph(
            f"Fokus Handlungsfeld „{data.focus.name}“: "
            + (
                f"Indikatoren {', '.join(names)}."
                if names
                else "diesem Handlungsfeld sind noch keine Indikatoren zugeordnet."
            )
        )
    doc.add_heading("Übersichtskarte der Klassen", level=1)
    if data.overview.svg:
        doc.add_picture(io.BytesIO(K.svg_to_png(data.overview.svg, 1400)), width=Cm(15.5))
    else:
        doc.add_paragraph("Für die Gebiete sind keine Grenzen hinterlegt.")
    doc.add_heading("Klassen, Index und Rang je Gebiet", level=1)
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Kennung", "Gebiet", "Klasse", "Index", "Rang")):
        cell.text = text
    for r in data.class_rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = r.area_code, r.area_name
        cells[2].text = r.class_label or (r.excluded_reason or "–")
        cells[3].text = number_de(r.index_standardised, 2) if r.index_standardised is not None else "–"
        cells[4].text = str(r.rank) if r.rank else "–"
    if data.texts.get("befunde"):
        doc.add_heading(TEXT_LABELS["befunde"], level=1)
        markdown_to_docx(doc, data.texts["befunde"])
    if data.charts:
        doc.add_heading("Indikatoren", level=1)
        for chart in data.charts:
            doc.add_heading(chart.name + (f" ({chart.unit})" if chart.unit else ""), level=2)
            if chart.svg:
                doc.add_picture(io.BytesIO(K.svg_to_png(chart.svg, 1300)), width=Cm(15.5))
    if data.texts.get("ausblick"):
        doc.add_heading(TEXT_LABELS["ausblick"], level=1)
        markdown_to_docx(doc, data.texts["ausblick"])
    if data.profiles:
        doc.add_page_break()
        doc.add_heading("Sozialraumprofile", level=1)
        for d in data.profiles:
            dossier_svc.add_profile_docx(doc, d, heading_level=2)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()
