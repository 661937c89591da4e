"""Start page: what the signed-in user works on."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from models import Area, Organisation, Person

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    counts = {
        "Organisationen": db.session.scalar(
            select(func.count()).select_from(Organisation).where(perm.organisation_filter(current_user))
        ),
        "Sozialräume": db.session.scalar(select(func.count()).select_from(Area).where(perm.area_filter(current_user))),
    }
    if perm.can_read_persons(current_user):
        counts["Personen"] = db.session.scalar(
            select(func.count()).select_from(Person).where(perm.person_filter(current_user))
        )
    return render_template("main/index.html", counts=counts, **_work_items())


# Counts on the start page stop here: above it the page says "mehr als 99".
COUNT_CAP = 99


def _work_items(limit: int = 5) -> dict:
    """What the signed-in user should look at next, from every module (a fixed number of queries)."""
    from datetime import date

    from sqlalchemy.orm import joinedload

    from beteiligung.services.protokolle.eintraege import followup_ids, load_entries, today
    from models import Committee, Meeting, utcnow
    from models.committees import MeetingStatus
    from models.contracts import IN_FORCE_STATES, OPEN_REPORT_STATES, Contract, ContractParty, Report, ReportingDuty
    from models.protocols import NOT_DONE
    from models.surveys import Survey, SurveyStatus

    items = {"today": today()}  # marks what is overdue (the Berlin date, as in Nachhalten)
    items["meetings"] = db.session.scalars(
        select(Meeting)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(perm.committee_filter(current_user), Meeting.start >= utcnow(), Meeting.status != MeetingStatus.ABGESAGT)
        .options(joinedload(Meeting.committee))
        .order_by(Meeting.start)
        .limit(limit)
    ).all()
    # Page-first: the ids of the first open items are sorted and cut in SQL, then only those are loaded.
    open_items = followup_ids(current_user, status=NOT_DONE)
    items["tasks"] = load_entries(db.session.scalars(open_items.limit(limit)).all())
    # Both numbers in one statement, each counted only up to COUNT_CAP + 1 rows ("mehr als 99"): counting every
    # open item of a large Kreis cost more than the rest of the page (issue 14); Nachhalten shows the list.
    overdue_items = followup_ids(current_user, status=NOT_DONE, overdue=True)

    def capped(q):
        rows = q.order_by(None).limit(COUNT_CAP + 1).subquery()
        return select(func.count()).select_from(rows).scalar_subquery()

    items["tasks_total"], items["tasks_overdue"] = db.session.execute(
        select(capped(open_items), capped(overdue_items))
    ).one()
    items["count_cap"] = COUNT_CAP
    # Reports this user has to deliver (partner organisation, or a Kommune that is a party) …
    planner = perm.is_planner(current_user)
    open_report = (
        Report.status.in_(OPEN_REPORT_STATES),
        Report.period_end <= date.today(),
        Contract.status.in_(IN_FORCE_STATES),
    )
    items["my_reports"] = db.session.scalars(
        select(Report)
        .join(ReportingDuty, Report.duty_id == ReportingDuty.id)
        .join(ContractParty, ReportingDuty.party_id == ContractParty.id)
        .join(Contract, Report.contract_id == Contract.id)
        .where(perm.own_report_party_filter(current_user), *open_report)
        .options(joinedload(Report.contract))
        .order_by(Report.due_date)
        .limit(limit)
    ).all()
    # … and, for those who manage contracts, the overdue reports of their partners.
    items["overdue_reports"] = (
        db.session.scalars(
            select(Report)
            .join(Contract, Report.contract_id == Contract.id)
            .where(perm.contract_manage_filter(current_user), Report.due_date < date.today(), *open_report)
            .options(
                joinedload(Report.contract),
                joinedload(Report.duty).joinedload(ReportingDuty.party).joinedload(ContractParty.organisation),
            )
            .order_by(Report.due_date)
            .limit(limit)
        ).all()
        if planner
        else []
    )
    items["surveys"] = db.session.scalars(
        select(Survey)
        .where(perm.survey_filter(current_user), Survey.status == SurveyStatus.OFFEN)
        .order_by(Survey.id.desc())
        .limit(limit)
    ).all()
    return items


@bp.route("/barrierefreiheit")
def accessibility():
    from beteiligung.services.betrieb.rechtliches import operator_info

    return render_template("main/accessibility.html", info=operator_info())


@bp.route("/datenschutz")
def privacy():
    from beteiligung.services.betrieb.rechtliches import operator_info, retention_periods

    return render_template("main/privacy.html", info=operator_info(), periods=retention_periods())
