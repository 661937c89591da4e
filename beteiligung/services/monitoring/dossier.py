"""Sozialraum-Dossier: what the platform knows about one area, each part read through the
permission filter of its module, and the Sozialraumprofil as PDF and DOCX."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import date_de, number_de
from beteiligung.permissions import monitoring as mperm
from models import Area, Committee, Meeting, TopicProposal, utcnow
from models.committees import committee_area
from models.monitoring import EditionResult, MonitoringEdition, StatIndicator, StatValue

from . import NotFound, is_suppressed
from . import karten as K
from . import kartendaten as KD

OPEN_TOPIC_STATES = ("offen", "eingeplant")
OPEN_FOLLOWUP_KINDS = ("Beschluss", "Aufgabe", "Empfehlung")


@dataclass
class IndicatorTrend:
    indicator: StatIndicator
    points: list[tuple[date, float | None, bool]]  # (Stichtag, shown value, suppressed)
    sparkline: str = ""

    @property
    def latest(self):
        return self.points[-1] if self.points else None

    @property
    def change(self):
        shown = [(d, v) for d, v, s in self.points if v is not None]
        if len(self.points) < 2 or len(shown) < 2 or self.points[-1][1] is None:
            return None
        return shown[-1][1] - shown[-2][1]

    def text(self, value) -> str:
        return KD._fmt_value(value, self.indicator.unit)


@dataclass
class Dossier:
    area: Area
    trends: list[IndicatorTrend] = field(default_factory=list)
    edition: MonitoringEdition | None = None
    result: EditionResult | None = None
    edition_size: int = 0
    edition_values: list[tuple[str, str]] = field(default_factory=list)  # (indicator name, shown text)
    locator: str = ""
    committees: list = field(default_factory=list)
    meetings: list = field(default_factory=list)
    followups: list = field(default_factory=list)
    contracts: list = field(default_factory=list)
    contract_indicators: list = field(default_factory=list)
    coverage: list[tuple[str, list[str]]] = field(default_factory=list)  # (Handlungsfeld, organisations)
    gaps: list[str] = field(default_factory=list)
    findings: list = field(default_factory=list)
    topics: list = field(default_factory=list)


def get_area(user, area_id: int) -> Area:
    """The area, if the user may see its dossier; otherwise NotFound (no hint that it exists)."""
    area = db.session.get(Area, area_id)
    if area is None or not mperm.can_view_dossier(user, area):
        raise NotFound()
    return area


def _trends(user, area: Area) -> list[IndicatorTrend]:
    rows = db.session.execute(
        select(StatValue.indicator_id, StatValue.reference_date, StatValue.value, StatValue.numerator)
        .where(StatValue.area_id == area.id)
        .order_by(StatValue.reference_date)
    ).all()
    if not rows:
        return []
    indicators = {
        i.id: i
        for i in db.session.scalars(
            select(StatIndicator)
            .where(StatIndicator.id.in_({r[0] for r in rows}), mperm.stat_indicator_filter(user))
            .order_by(StatIndicator.name)
        )
    }
    by_ind: dict[int, list] = {}
    for ind_id, day, value, numerator in rows:
        ind = indicators.get(ind_id)
        if ind is None:
            continue
        hidden = is_suppressed(ind.min_count, numerator)
        by_ind.setdefault(ind_id, []).append((day, None if hidden else value, hidden))
    out = []
    for ind in indicators.values():
        points = by_ind.get(ind.id)
        if not points:
            continue
        t = IndicatorTrend(ind, points)
        t.sparkline = K.sparkline(
            [(date_de(d), v) for d, v, _ in points],
            uid=f"verlauf-{ind.id}",
            label=f"Verlauf {ind.name} {date_de(points[0][0])} bis {date_de(points[-1][0])}",
        )
        out.append(t)
    return out


def _edition(user, area: Area, d: Dossier) -> None:
    row = db.session.execute(
        select(EditionResult, MonitoringEdition)
        .join(MonitoringEdition, EditionResult.edition_id == MonitoringEdition.id)
        .where(EditionResult.area_id == area.id, mperm.edition_filter(user))
        .order_by(MonitoringEdition.reference_date.desc(), MonitoringEdition.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return
    d.result, d.edition = row
    d.edition_size = db.session.scalar(
        select(db.func.count()).select_from(EditionResult).where(EditionResult.edition_id == d.edition.id)
    )
    min_counts = KD.edition_min_counts(d.edition)
    for key, name in KD.indicator_names(d.edition).items():
        value, hidden = KD.result_value(d.result, key, min_counts)
        text = KD.suppressed_text(min_counts.get(key)) if hidden else KD._fmt_value(value, KD._unit_of(d.edition, key))
        z = (d.result.z or {}).get(key)
        d.edition_values.append((name, text, None if hidden or z is None else number_de(z, 2)))


def _committees(user, area: Area, d: Dossier) -> list[int]:
    d.committees = list(
        db.session.scalars(
            select(Committee)
            .join(committee_area, committee_area.c.committee_id == Committee.id)
            .where(committee_area.c.area_id == area.id, perm.committee_filter(user))
            .options(joinedload(Committee.type))
            .order_by(Committee.name)
        )
    )
    ids = [c.id for c in d.committees]
    if ids:
        d.meetings = list(
            db.session.scalars(
                select(Meeting)
                .where(
                    Meeting.committee_id.in_(ids),
                    Meeting.start >= utcnow(),
                    Meeting.status.notin_(("abgesagt", "verschoben")),
                    perm.meeting_filter(user),
                )
                .options(joinedload(Meeting.committee))
                .order_by(Meeting.start)
                .limit(5)
            )
        )
    return ids


def _followups(user, committee_ids: list[int], d: Dossier) -> None:
    if not committee_ids:
        return
    from models.protocols import Protocol, ProtocolEntry

    d.followups = list(
        db.session.scalars(
            select(ProtocolEntry)
            .join(Protocol, ProtocolEntry.protocol_id == Protocol.id)
            .join(Meeting, Protocol.meeting_id == Meeting.id)
            .join(Committee, Meeting.committee_id == Committee.id)
            .where(
                Committee.id.in_(committee_ids),
                ProtocolEntry.kind.in_(OPEN_FOLLOWUP_KINDS),
                (ProtocolEntry.status.is_(None)) | (ProtocolEntry.status != "erledigt"),
                perm.followup_filter(user),
            )
            .options(
                joinedload(ProtocolEntry.protocol).joinedload(Protocol.meeting).joinedload(Meeting.committee),
                joinedload(ProtocolEntry.owner_org),
                joinedload(ProtocolEntry.owner_person),
            )
            .order_by(ProtocolEntry.due_date.is_(None), ProtocolEntry.due_date, ProtocolEntry.id)
            .limit(20)
        )
    )


def _topics(user, d: Dossier) -> None:
    allowed = [c.id for c in d.committees if perm.can_view_topics(user, c)]
    if allowed:
        d.topics = list(
            db.session.scalars(
                select(TopicProposal)
                .where(TopicProposal.committee_id.in_(allowed), TopicProposal.status.in_(OPEN_TOPIC_STATES))
                .options(joinedload(TopicProposal.committee))
                .order_by(TopicProposal.id.desc())
                .limit(20)
            )
        )


def _contracts(user, area: Area, d: Dossier) -> None:
    from models.contracts import Contract, Indicator, contract_area

    d.contracts = list(
        db.session.scalars(
            select(Contract)
            .join(contract_area, contract_area.c.contract_id == Contract.id)
            .where(contract_area.c.area_id == area.id, perm.contract_filter(user))
            .order_by(Contract.title)
        )
    )
    d.contract_indicators = list(
        db.session.scalars(
            select(Indicator)
            .outerjoin(Contract, Indicator.contract_id == Contract.id)
            .where(Indicator.area_id == area.id, perm.indicator_filter(user))
            .options(joinedload(Indicator.contract))
            .order_by(Indicator.name)
        )
    )


def _coverage(user, area: Area, d: Dossier) -> None:
    from beteiligung.services.netzwerk.beziehungen import POLITICS_KIND
    from models import Handlungsfeld, Organisation, organisation_area, organisation_term

    fields = list(db.session.scalars(select(Handlungsfeld).order_by(Handlungsfeld.name)))
    cells: dict[int, list[str]] = {}
    for tid, name in db.session.execute(
        select(organisation_term.c.term_id, Organisation.name)
        .join(Organisation, Organisation.id == organisation_term.c.organisation_id)
        .join(organisation_area, organisation_area.c.organisation_id == Organisation.id)
        .where(
            organisation_area.c.area_id == area.id,
            perm.organisation_filter(user),
            Organisation.active.is_(True),
            Organisation.kind != POLITICS_KIND,
        )
        .order_by(Organisation.name)
    ):
        cells.setdefault(tid, []).append(name)
    d.coverage = [(f.name, cells.get(f.id, [])) for f in fields]
    d.gaps = [f.name for f in fields if not cells.get(f.id)]


def _findings(user, area: Area, d: Dossier) -> None:
    from models.surveys import Finding, Survey, finding_area

    d.findings = list(
        db.session.scalars(
            select(Finding)
            .join(finding_area, finding_area.c.finding_id == Finding.id)
            .join(Survey, Finding.survey_id == Survey.id)
            .where(finding_area.c.area_id == area.id, Finding.is_public.is_(True), perm.survey_filter(user))
            .options(joinedload(Finding.survey), selectinload(Finding.themen))
            .order_by(Finding.id.desc())
            .limit(20)
        )
    )


def build(user, area: Area, *, locator_width: int = 260) -> Dossier:
    d = Dossier(area=area)
    d.trends = _trends(user, area)
    _edition(user, area, d)
    d.locator = KD.locator_svg(area, width=locator_width)
    committee_ids = _committees(user, area, d)
    _followups(user, committee_ids, d)
    _topics(user, d)
    _contracts(user, area, d)
    _coverage(user, area, d)
    _findings(user, area, d)
    return d


# --- Sozialraumprofil as PDF and DOCX -----------------------------------------------------------


def profile_pdf(user, area: Area) -> bytes:
    from flask import render_template
    from weasyprint import HTML

    d = build(user, area, locator_width=300)
    html = render_template("monitoring/dossier_pdf.html", d=d, today=utcnow())
    return HTML(string=html).write_pdf()


def add_profile_docx(doc, d: Dossier, *, heading_level: int = 1, with_map: bool = True) -> None:
    """Append one area's profile to a python-docx document (also used by the Sozialbericht)."""
    from docx.shared import Cm

    a = d.area
    doc.add_heading(f"Sozialraumprofil {a.name} ({a.code})", level=heading_level)
    doc.add_paragraph(
        f"{a.kind} in {a.body.name}" + (f", {number_de(a.population)} Einwohner·innen" if a.population else "")
    )
    if d.result is not None:
        r = d.result
        doc.add_paragraph(
            f"{d.edition.title} (Stichtag {date_de(d.edition.reference_date)}): Klasse „{r.class_label or '–'}“, "
            f"Rang {r.rank or '–'} von {d.edition_size}"
            + (f", Dynamik „{r.dynamics_class}“" if r.dynamics_class else "")
            + (f", Index {number_de(r.index_standardised, 2)}" if r.index_standardised is not None else "")
            + "."
        )
    if with_map and d.locator:
        doc.add_picture(io.BytesIO(K.svg_to_png(d.locator, 600)), width=Cm(6))
    if d.trends:
        doc.add_heading("Indikatoren im Zeitverlauf", level=heading_level + 1)
        dates = sorted({p[0] for t in d.trends for p in t.points})[-5:]
        table = doc.add_table(rows=1, cols=1 + len(dates))
        table.style = "Table Grid"
        table.rows[0].cells[0].text = "Indikator"
        for i, day in enumerate(dates, start=1):
            table.rows[0].cells[i].text = date_de(day)
        for t in d.trends:
            cells = table.add_row().cells
            cells[0].text = t.indicator.name + (f" ({t.indicator.unit})" if t.indicator.unit else "")
            by_day = {p[0]: p for p in t.points}
            for i, day in enumerate(dates, start=1):
                p = by_day.get(day)
                cells[i].text = (
                    "" if p is None else (KD.suppressed_text(t.indicator.min_count) if p[2] else number_de(p[1], 1))
                )
    if d.gaps:
        doc.add_heading("Versorgungslücken im Netzwerk", level=heading_level + 1)
        doc.add_paragraph("Kein aktiver Partner für: " + ", ".join(d.gaps) + ".")
    if d.committees:
        doc.add_heading("Gremien und nächste Sitzungen", level=heading_level + 1)
        for c in d.committees:
            doc.add_paragraph(c.name, style="List Bullet")
        for m in d.meetings:
            doc.add_paragraph(f"{date_de(m.start)}: {m.title} ({m.committee.name})", style="List Bullet")
    if d.followups:
        doc.add_heading("Offene Beschlüsse und Aufgaben", level=heading_level + 1)
        for e in d.followups:
            due = f" – fällig {date_de(e.due_date)}" if e.due_date else ""
            doc.add_paragraph(f"{e.kind}: {e.text[:300]}{due}", style="List Bullet")
    if d.contracts or d.contract_indicators:
        doc.add_heading("Kontrakte und Kennzahlen", level=heading_level + 1)
        for c in d.contracts:
            doc.add_paragraph(f"{c.title} ({c.status})", style="List Bullet")
        for i in d.contract_indicators:
            doc.add_paragraph(f"Kennzahl: {i.name}", style="List Bullet")
    if d.findings:
        doc.add_heading("Befunde aus Befragungen", level=heading_level + 1)
        for f in d.findings:
            doc.add_paragraph(f"{f.title} ({f.survey.title})", style="List Bullet")
    if d.topics:
        doc.add_heading("Themenspeicher", level=heading_level + 1)
        for t in d.topics:
            doc.add_paragraph(f"{t.title} ({t.committee.name}, {t.status})", style="List Bullet")


def new_document(title: str):
    from docx import Document
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Arial"
    style.font.size = Pt(11)
    doc.core_properties.title = title
    doc.core_properties.language = "de-DE"
    return doc


def profile_docx(user, area: Area) -> bytes:
    d = build(user, area, locator_width=300)
    doc = new_document(f"Sozialraumprofil {area.name}")
    add_profile_docx(doc, d)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def dossier_areas(user) -> list[tuple]:
    """(area, body name, has geometry) for every area whose dossier the user may open, by body and code."""
    from models import Body
    from models.monitoring import AreaGeometry

    if not mperm.can_work_monitoring(user):
        return []
    rows = db.session.execute(
        select(Area, Body.name, AreaGeometry.id)
        .join(Body, Body.id == Area.body_id)
        .outerjoin(AreaGeometry, AreaGeometry.area_id == Area.id)
        .where(mperm.value_area_filter(user))
        .order_by(Body.name, Area.kind, Area.code)
    ).all()
    return [(a, body_name, geom_id is not None) for a, body_name, geom_id in rows]
