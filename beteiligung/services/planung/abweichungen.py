"""Deviations travel back up the chain.

A red indicator on a submitted report already proposes a TOP to the contract's committee
(services.kontrakte.berichte). Here it — and an overdue measure — also reaches the committee that raised
the need at the start of the chain (e.g. the Sozialraumkonferenz whose Empfehlung was forwarded),
with a link to the chain view attached. Every proposal is made once per source and committee.
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from beteiligung.extensions import db
from models import TopicProposal
from models.contracts import Contract, Report
from models.planung import MEASURE_OPEN_STATES, Measure

from . import kette


def chain_url(kind: str, record_id: int) -> str:
    return f"{current_app.config.get('BASE_URL', '').rstrip('/')}/planung/kette/{kind}/{record_id}"


def _already(source_type: str, source_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(TopicProposal.committee_id).where(
                TopicProposal.source_type == source_type, TopicProposal.source_id == source_id
            )
        )
    )


def _propose(committee, title, description, source_type, source_id, label):
    from beteiligung.services.gremien.themen import propose_topic

    return propose_topic(None, committee, title[:300], description, source_type, source_id, label[:300])


def report_deviation(report: Report, description: str) -> list[TopicProposal]:
    """After a red light on a report: propose the topic to the origin committees of the chain too."""
    done = _already("bericht", report.id)
    url = chain_url("bericht", report.id)
    out = []
    for committee in kette.origin_committees(("bericht", report.id)):
        if committee.id in done:
            continue
        text = (
            f"{description}\n\nDieses Thema kommt zurück, weil der Bedarf in diesem Gremium entstanden ist. "
            f"Die ganze Wirkungskette: {url}"
        )
        out.append(
            _propose(
                committee,
                f"Abweichung vom Soll: {report.contract.title}",
                text,
                "bericht",
                report.id,
                f"Bericht {report.period_end:%d.%m.%Y} – {report.contract.title}",
            )
        )
        done.add(committee.id)
    db.session.flush()
    return out


def overdue_measures(today: date) -> list[tuple[Measure, list[str]]]:
    rows = db.session.scalars(
        select(Measure)
        .where(Measure.status.in_([s.value for s in MEASURE_OPEN_STATES]))
        .options(selectinload(Measure.milestones), selectinload(Measure.contracts).selectinload(Contract.committee))
        .order_by(Measure.id)
    )
    out = []
    for m in rows:
        reasons = m.overdue_reasons(today)
        if reasons:
            out.append((m, reasons))
    return out


def propose_overdue(today: date | None = None) -> list[TopicProposal]:
    """`flask --app beteiligung planung abweichungen`: each overdue measure proposes a topic to the
    committees of its contracts and to the origin committees; never twice to the same committee."""
    today = today or date.today()
    created = []
    for measure, reasons in overdue_measures(today):
        done = _already("massnahme", measure.id)
        committees = {c.committee.id: c.committee for c in measure.contracts if c.committee is not None}
        for c in kette.origin_committees(("massnahme", measure.id)):
            committees.setdefault(c.id, c)
        url = chain_url("massnahme", measure.id)
        for cid, committee in sorted(committees.items()):
            if cid in done:
                continue
            text = (
                f"Die Maßnahme „{measure.title}“ ({measure.organisation.name}) ist im Verzug:\n\n"
                + "\n".join(f"- {r}" for r in reasons)
                + f"\n\nStand: {measure.status_label}, Fortschritt {measure.progress} %."
                + f"\n\nDie ganze Wirkungskette: {url}"
            )
            created.append(
                _propose(
                    committee,
                    f"Maßnahme im Verzug: {measure.title}",
                    text,
                    "massnahme",
                    measure.id,
                    f"Maßnahme – {measure.title}",
                )
            )
            done.add(cid)
    db.session.flush()
    return created
