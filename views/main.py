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
        "Organisationen": db.session.scalar(select(func.count()).select_from(Organisation).where(perm.organisation_filter(current_user))),
        "Sozialräume": db.session.scalar(select(func.count()).select_from(Area).where(perm.area_filter(current_user))),
    }
    if perm.can_read_persons(current_user):
        counts["Personen"] = db.session.scalar(select(func.count()).select_from(Person).where(perm.person_filter(current_user)))
    return render_template("main/index.html", counts=counts, scope=perm.scope_of(current_user), **_work_items())


def _work_items(limit: int = 5) -> dict:
    """What the signed-in user should look at next, from every module (a fixed number of queries)."""
    from datetime import date

    from sqlalchemy import or_
    from sqlalchemy.orm import joinedload

    from beteiligung.services.protocols import followup_query
    from models import Committee, Meeting, utcnow
    from models.contracts import Contract, ContractParty, Report, ReportingDuty
    from models.surveys import Survey

    items = {}
    items["meetings"] = db.session.scalars(
        select(Meeting).join(Committee, Committee.id == Meeting.committee_id)
        .where(perm.committee_filter(current_user), Meeting.start >= utcnow(), Meeting.status != "abgesagt")
        .options(joinedload(Meeting.committee)).order_by(Meeting.start).limit(limit)).all()
    open_items = followup_query(current_user, status="nicht erledigt")
    items["tasks"] = db.session.scalars(open_items.limit(limit)).all()
    items["tasks_total"] = db.session.scalar(select(func.count()).select_from(open_items.order_by(None).subquery()))
    items["tasks_overdue"] = db.session.scalar(select(func.count()).select_from(
        followup_query(current_user, overdue=True).order_by(None).subquery()))
    # Reports this user has to deliver (partner organisation, or a Kommune that is a party) …
    s = perm.scope_of(current_user)
    mine = [ContractParty.organisation_id.in_(s.partner_org_ids)] if s.partner_org_ids else []
    if s.planner_body_ids:
        mine.append(ContractParty.body_id.in_(s.planner_body_ids))
    open_report = (Report.status.in_(["offen", "zurückgegeben"]), Report.period_end <= date.today(),
                   Contract.status.in_(["unterzeichnet", "laufend"]))
    items["my_reports"] = db.session.scalars(
        select(Report).join(ReportingDuty, Report.duty_id == ReportingDuty.id)
        .join(ContractParty, ReportingDuty.party_id == ContractParty.id)
        .join(Contract, Report.contract_id == Contract.id)
        .where(or_(*mine), *open_report).options(joinedload(Report.contract))
        .order_by(Report.due_date).limit(limit)).all() if mine else []
    # … and, for those who manage contracts, the overdue reports of their partners.
    items["overdue_reports"] = db.session.scalars(
        select(Report).join(Contract, Report.contract_id == Contract.id)
        .where(perm.contract_manage_filter(current_user), Report.due_date < date.today(), *open_report)
        .options(joinedload(Report.contract), joinedload(Report.duty).joinedload(ReportingDuty.party)
                 .joinedload(ContractParty.organisation))
        .order_by(Report.due_date).limit(limit)).all() if s.planner else []
    items["surveys"] = db.session.scalars(
        select(Survey).where(perm.survey_filter(current_user), Survey.status == "offen")
        .order_by(Survey.id.desc()).limit(limit)).all()
    return items


@bp.route("/barrierefreiheit")
def accessibility():
    from beteiligung.services.betrieb.rechtliches import operator_info
    return render_template("main/accessibility.html", info=operator_info())


@bp.route("/datenschutz")
def privacy():
    from beteiligung.services.betrieb.rechtliches import operator_info, retention_periods
    return render_template("main/privacy.html", info=operator_info(), periods=retention_periods())
