"""Berichtspflichten und Berichte der Partner: Zeiträume, Erfassen, Prüfen, Abweichungen, Erinnerungen."""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import ROLE_PARTNER, ROLE_PLANNER, RoleAssignment, TopicProposal, User, utcnow
from models.contracts import (
    CLOSED_STATES,
    IN_FORCE_STATES,
    OPEN_REPORT_STATES,
    PERIODICITIES,
    Contract,
    ContractParty,
    Indicator,
    Measurement,
    Report,
    ReportingDuty,
    ReportStatus,
)

from .. import Conflict, ValidationError, ensure_version, require
from ..audit import record, snapshot
from ..gremien.themen import propose_topic
from .kennzahlen import evaluate, parse_decimal_de
from .vertraege import CLOSED_MESSAGE, Locked

# --- reporting duties and reports ------------------------------------------------


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(start: date, end: date, months: int) -> list[tuple[date, date]]:
    """Consecutive reporting periods of `months` from start; the last one ends at `end`."""
    result, cursor = [], start
    while cursor <= end:
        nxt = _add_months(cursor, months)
        result.append((cursor, min(nxt - timedelta(days=1), end)))
        cursor = nxt
    return result


def generate_reports(duty: ReportingDuty) -> list[Report]:
    """Create the missing Report rows for every period of the contract term (idempotent)."""
    contract = duty.contract
    if not (contract.start_date and contract.end_date):
        return []
    existing = {r.period_start for r in duty.reports}
    created = []
    for start, end in periods(contract.start_date, contract.end_date, PERIODICITIES[duty.periodicity]):
        if start in existing:
            continue
        report = Report(
            duty=duty,
            contract=contract,
            period_start=start,
            period_end=end,
            due_date=end + timedelta(days=duty.due_days),
            status="offen",
        )
        db.session.add(report)
        created.append(report)
    return created


def add_duty(user, contract: Contract, party_id, title: str, periodicity: str, due_days) -> ReportingDuty:
    require(perm.can_manage_contract(user, contract))
    if contract.status in CLOSED_STATES:
        raise Locked(CLOSED_MESSAGE)
    errors = {}
    party = next((p for p in contract.parties if p.id == party_id), None)
    if party is None:
        errors["party_id"] = "Bitte eine Vertragspartei wählen."
    if not (title or "").strip():
        errors["title"] = "Bitte angeben, worüber berichtet wird."
    if periodicity not in PERIODICITIES:
        errors["periodicity"] = "Ungültiger Rhythmus."
    try:
        due_days = int(due_days)
        if not 0 <= due_days <= 365:
            raise ValueError
    except (TypeError, ValueError):
        errors["due_days"] = "Bitte eine Frist zwischen 0 und 365 Tagen angeben."
    if errors:
        raise ValidationError(errors)
    duty = ReportingDuty(
        contract=contract, party=party, title=title.strip(), periodicity=periodicity, due_days=due_days
    )
    db.session.add(duty)
    db.session.flush()
    if contract.status in IN_FORCE_STATES:
        generate_reports(duty)
    record(user, "add_duty", contract, None, snapshot(duty), f"Berichtspflicht: {duty.title}")
    db.session.flush()
    return duty


def report_closed_reason(report: Report, today: date | None = None) -> str | None:
    """Why a report can no longer be edited, or None."""
    today = today or date.today()
    if report.status == ReportStatus.EINGEREICHT:
        return "Dieser Bericht ist bereits eingereicht und wird geprüft."
    if report.status == ReportStatus.ANGENOMMEN:
        return "Dieser Berichtszeitraum ist abgeschlossen; der Bericht wurde angenommen."
    if report.contract.status in CLOSED_STATES:
        return "Der Kontrakt ist beendet; für ihn werden keine Berichte mehr angenommen."
    if report.contract.status not in IN_FORCE_STATES:
        return "Berichte sind erst nach der Unterzeichnung möglich."
    if report.period_end > today:
        return f"Der Berichtszeitraum endet erst am {report.period_end:%d.%m.%Y}; bitte danach berichten."
    return None


def _check_value(indicator: Indicator, text: str) -> tuple[Decimal | None, str | None]:
    if text is None or not str(text).strip():
        return None, None
    try:
        value = parse_decimal_de(text)
    except ValueError as exc:
        return None, str(exc)
    if indicator.plausible_min is not None and value < indicator.plausible_min:
        return None, (
            f"Der Wert ist unplausibel: er liegt unter dem Mindestwert {_fmt(indicator.plausible_min)}. Bitte prüfen."
        )
    if indicator.plausible_max is not None and value > indicator.plausible_max:
        return None, (
            f"Der Wert ist unplausibel: er liegt über dem Höchstwert {_fmt(indicator.plausible_max)}. Bitte prüfen."
        )
    if indicator.plausible_min is None and value < 0 and Decimal(indicator.baseline_value) >= 0:
        return None, "Der Wert ist unplausibel: negative Werte sind für diese Kennzahl nicht vorgesehen."
    return value, None


def _fmt(v) -> str:
    from .kennzahlen import compact_de

    return compact_de(v)


def save_report(
    user, report: Report, values: dict, narrative: str | None, version, *, submit: bool, today: date | None = None
) -> Report:
    """Store the partner's values (German decimals) and narrative; optionally submit.

    values: {indicator_id: text}. Every value is checked before anything is written.
    """
    require(perm.can_submit_report(user, report))
    reason = report_closed_reason(report, today)
    if reason:
        raise Conflict(reason)
    ensure_version(report, version)
    indicators = report.contract.indicators
    errors, parsed = {}, {}
    for ind in indicators:
        value, error = _check_value(ind, values.get(ind.id))
        if error:
            errors[f"wert_{ind.id}"] = f"{ind.name}: {error}"  # the summary lists several: name the field
        elif value is not None:
            parsed[ind.id] = value
    if submit:
        for ind in indicators:
            if ind.id not in parsed and f"wert_{ind.id}" not in errors:
                errors[f"wert_{ind.id}"] = f"{ind.name}: Bitte einen Wert eingeben (Pflicht beim Einreichen)."
        if not (narrative or "").strip():
            errors["narrative"] = "Sachbericht: Bitte einen kurzen Sachbericht schreiben."
    if narrative and len(narrative) > 20000:
        errors["narrative"] = "Sachbericht: zu lang (höchstens 20.000 Zeichen)."
    if errors:
        raise ValidationError(errors)
    before = snapshot(report)
    existing = {
        m.indicator_id: m
        for m in db.session.scalars(
            select(Measurement).where(
                Measurement.indicator_id.in_([i.id for i in indicators] or [0]),
                Measurement.period_end == report.period_end,
            )
        )
    }
    for ind in indicators:
        if ind.id not in parsed:
            continue
        m = existing.get(ind.id)
        if m is not None and m.report_id not in (None, report.id):
            raise ValidationError(
                {f"wert_{ind.id}": "Für diesen Stichtag liegt bereits ein Wert aus einem anderen Bericht vor."}
            )
        if m is None:
            m = Measurement(indicator=ind, period_end=report.period_end)
            db.session.add(m)
        m.value, m.report_id, m.created_by_id = parsed[ind.id], report.id, getattr(user, "id", None)
    report.narrative = (narrative or "").strip() or None
    report.updated_at = utcnow()
    if submit:
        report.status = ReportStatus.EINGEREICHT
        report.submitted_at = utcnow()
        report.submitted_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        user,
        "submit" if submit else "update",
        report,
        before,
        snapshot(report),
        f"Bericht {'eingereicht' if submit else 'gespeichert'}: {report.contract.title}",
    )
    if submit:
        db.session.expire(report, ["measurements"])
        _check_deviation(user, report)
    db.session.flush()
    return report


def review_report(user, report: Report, accept: bool, comment: str | None, version) -> Report:
    require(perm.can_review_report(user, report))
    ensure_version(report, version)
    if report.status != ReportStatus.EINGEREICHT:
        raise Conflict("Nur eingereichte Berichte können geprüft werden.")
    if not accept and not (comment or "").strip():
        raise ValidationError({"comment": "Bitte begründen Sie die Rückgabe, damit der Partner nachbessern kann."})
    before = snapshot(report)
    report.status = ReportStatus.ANGENOMMEN if accept else ReportStatus.ZURUECKGEGEBEN
    report.review_comment = (comment or "").strip() or None
    report.reviewed_at = utcnow()
    report.reviewed_by_id = getattr(user, "id", None)
    db.session.flush()
    record(
        user,
        "review",
        report,
        before,
        snapshot(report),
        f"Bericht {'angenommen' if accept else 'zurückgegeben'}: {report.contract.title}",
    )
    if not accept:
        for u in _reporter_users(report):
            from ..mail import queue

            queue(
                u.email,
                f"Bericht zurückgegeben: {report.contract.title}",
                f"Guten Tag {u.display_name},\n\nIhr Bericht „{report}“ wurde zur Überarbeitung zurückgegeben.\n\n"
                f"Kommentar: {report.review_comment}\n\nBitte melden Sie sich an und reichen Sie ihn erneut ein:\n"
                f"{current_app.config['BASE_URL']}/kontrakte/berichte/{report.id}\n",
                category="kontrakte",
            )
    db.session.flush()
    return report


def _check_deviation(user, report: Report) -> TopicProposal | None:
    """A red light on a reported value proposes a TOP for the contract's committee (once per report)."""
    contract = report.contract
    red = []
    for ind in contract.indicators:
        ev = evaluate(ind)
        row = next((r for r in ev.rows if r.day == report.period_end), None)
        if row is not None and row.light == "rot":
            red.append((ind, row))
    if not red or contract.committee is None:
        return None
    lines = [
        f"- {ind.name}: Ist {_fmt(row.ist)} {ind.unit or ''}, Soll {_fmt(row.soll.quantize(Decimal('0.01')))} "
        f"(Abweichung {_fmt(row.deviation.quantize(Decimal('0.1')))} %)"
        for ind, row in red
    ]
    description = (
        f"Im Bericht für {report.period_start:%d.%m.%Y}–{report.period_end:%d.%m.%Y} zum Kontrakt "
        f"„{contract.title}“ weichen Kennzahlen über die Toleranz hinaus vom Soll ab:\n\n"
        + "\n".join(lines)
        + "\n\nVorschlag: im nächsten Zielvereinbarungsgespräch gegensteuern."
    )
    label = f"Bericht {report.period_end:%d.%m.%Y} – {contract.title}"
    existing = db.session.get(TopicProposal, report.topic_proposal_id) if report.topic_proposal_id else None
    from ..planung.abweichungen import report_deviation  # … and back to where the need was raised

    if existing is not None:
        existing.description = description
        report_deviation(report, description)
        return existing
    # Proposed by the system on the partner's behalf (the partner need not be a member of the committee).
    topic = propose_topic(
        None,
        contract.committee,
        f"Abweichung vom Soll: {contract.title}"[:300],
        description,
        "bericht",
        report.id,
        label,
    )
    db.session.flush()
    report.topic_proposal_id = topic.id
    report_deviation(report, description)
    return topic


def _reporter_users(report: Report) -> list[User]:
    party = report.duty.party
    if party.organisation_id:
        cond = (RoleAssignment.role == ROLE_PARTNER) & (RoleAssignment.organisation_id == party.organisation_id)
    else:
        cond = (RoleAssignment.role == ROLE_PLANNER) & (RoleAssignment.body_id == party.body_id)
    return list(
        db.session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(cond, User.is_enabled.is_(True))
            .distinct()
        )
    )


def overdue_reports_query(today: date | None = None) -> Select:
    today = today or date.today()
    return (
        select(Report)
        .join(Contract, Report.contract_id == Contract.id)
        .where(Report.status.in_(OPEN_REPORT_STATES), Report.due_date < today, Contract.status.in_(IN_FORCE_STATES))
        .options(
            selectinload(Report.duty).selectinload(ReportingDuty.party).selectinload(ContractParty.organisation),
            selectinload(Report.contract),
        )
        .order_by(Report.due_date)
    )


def send_reminders(today: date | None = None, interval_days: int = 7) -> int:
    """Queue a reminder for every overdue report (again after interval_days). Returns mails queued."""
    from ..mail import queue

    today = today or date.today()
    count = 0
    for report in db.session.scalars(overdue_reports_query(today)):
        if report.reminded_at and (today - report.reminded_at.date()).days < interval_days:
            continue
        for u in _reporter_users(report):
            queue(
                u.email,
                f"Erinnerung: Bericht überfällig – {report.contract.title}",
                f"Guten Tag {u.display_name},\n\nder Bericht „{report.duty.title}“ für den Zeitraum "
                f"{report.period_start:%d.%m.%Y} bis {report.period_end:%d.%m.%Y} zum Kontrakt "
                f"„{report.contract.title}“ war am {report.due_date:%d.%m.%Y} fällig.\n\n"
                f"Bitte reichen Sie ihn hier ein:\n{current_app.config['BASE_URL']}/kontrakte/berichte/{report.id}\n\n"
                "Vielen Dank!\nIhre Sozialplanung",
                category="kontrakte",
            )
            count += 1
        report.reminded_at = utcnow() if today == date.today() else datetime.combine(today, time(8))
    db.session.flush()
    return count
