"""Kontrakte: Ziele und Kennzahlen (Liste, Formulare, Messwerte)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import ServiceError
from beteiligung.services.kontrakte import berichte as berichte_svc
from beteiligung.services.kontrakte import ziele as ziele_svc
from beteiligung.services.kontrakte.kennzahlen import (
    LIGHTS,
    chart_svg,
    evaluate,
    sparkline_svg,
)
from models.contracts import (
    GOAL_FIELD_QUESTIONS,
    GOAL_FIELDS,
    SMART,
    Contract,
    Goal,
    Indicator,
)

from ..forms import fail, submit
from ..seiten import sql_page
from . import _goal_choices, _planner_bodies, _terms, _tree_areas, bp
from .forms import (
    GoalForm,
    IndicatorForm,
    MeasurementForm,
)

# --- goals -------------------------------------------------------------------------------


@bp.route("/ziele/")
def goals():
    all_goals = db.session.scalars(
        select(Goal)
        .where(perm.goal_filter(current_user))
        .options(joinedload(Goal.body), selectinload(Goal.contracts))
        .order_by(Goal.body_id, Goal.id)
    ).all()
    visible = {g.id for g in all_goals}
    roots = [g for g in all_goals if g.parent_id is None or g.parent_id not in visible]
    children = {}
    for g in all_goals:
        if g.parent_id in visible:
            children.setdefault(g.parent_id, []).append(g)
    return render_template(
        "kontrakte/goals.html",
        roots=roots,
        children=children,
        SMART=SMART,
        may_create=perm.can_create_goal(current_user),
        GOAL_FIELDS=GOAL_FIELDS,
        QUESTIONS=GOAL_FIELD_QUESTIONS,
    )


def _setup_goal_form(form, goal):
    form.body_id.choices = _planner_bodies() if goal is None else [(goal.body_id, goal.body.name)]
    form.parent_id.choices = [c for c in _goal_choices("– keins (Leitziel) –") if goal is None or c[0] != goal.id]
    form.target_group_id.choices = [(None, "– keine –")] + [(t.id, t.name) for t in _terms(("zielgruppe",))]
    form.area_id.choices = [(None, "– keiner –")] + _tree_areas()
    from beteiligung.services.befragungen.kodierung import finding_choices

    form.source_finding_id.choices = [(None, "– keine –")] + [
        (f.id, f"{f.survey.title}: {f.title}") for f in finding_choices(current_user)
    ]
    if (
        goal is not None
        and goal.source_finding_id
        and goal.source_finding_id not in {c[0] for c in form.source_finding_id.choices}
    ):
        form.source_finding_id.choices.append((goal.source_finding_id, "(Befund einer anderen Befragung)"))


@bp.route("/ziele/neu", methods=["GET", "POST"])
@bp.route("/ziele/<int:goal_id>/bearbeiten", methods=["GET", "POST"])
def goal_form(goal_id=None):
    goal = None
    if goal_id is not None:
        goal = db.session.get(Goal, goal_id)
        if goal is None or not perm.can_view_goal(current_user, goal):
            abort(404)
        if not perm.can_manage_goal(current_user, goal):
            abort(403)
    elif not perm.can_create_goal(current_user):
        abort(403)
    form = GoalForm(obj=goal)
    _setup_goal_form(form, goal)
    if request.method == "GET" and goal is None and request.args.get("parent", type=int):
        form.parent_id.data = request.args.get("parent", type=int)
    values = {n: getattr(form, n).data for n in form._fields if n not in ("csrf_token", "version")}
    done = submit(
        form,
        lambda: ziele_svc.save_goal(current_user, goal, values, form.version.data),
        success=lambda g: f"Ziel „{g.title}“ gespeichert.",
        to=lambda g: url_for(".goals") + f"#ziel-{g.id}",
        stale=goal,
    )
    if done.response:
        return done.response
    form.conflict = done.conflict
    return render_template(
        "kontrakte/simple_form.html",
        form=form,
        title="Ziel bearbeiten" if goal else "Ziel anlegen",
        back=url_for(".goals"),
    ), done.status


# --- indicators --------------------------------------------------------------------------


def _indicator_or_404(indicator_id) -> Indicator:
    ind = db.session.scalar(
        select(Indicator)
        .where(Indicator.id == indicator_id)
        .options(
            selectinload(Indicator.measurements),
            joinedload(Indicator.contract),
            joinedload(Indicator.area),
            joinedload(Indicator.goal),
        )
    )
    if ind is None or not perm.can_view_indicator(current_user, ind):
        abort(404)
    return ind


INDICATORS_PER_PAGE = 10  # a row costs its Soll/Ist evaluation and sparkline (issue 14: ≤ 1,5 × the demo)


@bp.route("/kennzahlen/")
def indicators():
    """All indicators the user may see, with lights; the Ampel filter works over all of them, then pages.

    Page-first on the stored Ampel (services/kontrakte/ampel.py): the counts per light are one GROUP BY
    (and give the total for the pagination), the filter and the page are cut in SQL, and only the
    indicators of this page are evaluated (with their measurements) for the Soll/Ist columns – the cost
    does not grow with the number of indicators.
    """
    visible = perm.indicator_filter(current_user)
    counts = dict.fromkeys(LIGHTS, 0)
    counts.update(
        db.session.execute(select(Indicator.light, func.count()).where(visible).group_by(Indicator.light)).all()
    )
    light = request.args.get("ampel")
    if light not in LIGHTS:
        light = None
    ids = select(Indicator.id).where(visible)
    if light:
        ids = ids.where(Indicator.light == light)
    pagination = sql_page(
        ids.order_by(Indicator.contract_id.is_(None), Indicator.contract_id, Indicator.id),
        lambda page_ids: (
            select(Indicator)
            .where(Indicator.id.in_(page_ids))
            .options(joinedload(Indicator.contract), joinedload(Indicator.area), selectinload(Indicator.measurements))
        ),
        per_page=INDICATORS_PER_PAGE,
        total=counts[light] if light else sum(counts.values()),
    )
    rows = [(i, ev, Markup(sparkline_svg(i, ev))) for i in pagination.items for ev in (evaluate(i),)]
    overdue = []
    if perm.is_planner(current_user):
        oq = berichte_svc.overdue_reports_query().where(perm.contract_manage_filter(current_user))
        overdue = db.session.scalars(oq.limit(100)).all()
    return render_template(
        "kontrakte/indicators.html",
        rows=rows,
        pagination=pagination,
        overdue=overdue,
        counts=counts,
        light=light,
        today=date.today(),
        may_create=perm.can_create_contract(current_user),
    )


@bp.route("/kennzahlen/<int:indicator_id>")
def indicator(indicator_id):
    ind = _indicator_or_404(indicator_id)
    ev = evaluate(ind)
    manage = perm.can_manage_indicator(current_user, ind)
    return render_template(
        "kontrakte/indicator.html",
        ind=ind,
        ev=ev,
        chart=Markup(chart_svg(ind, ev)),
        manage=manage,
        form=MeasurementForm() if manage else None,
    )


def _setup_indicator_form(form, ind):
    form.body_id.choices = _planner_bodies() if ind is None else [(ind.body_id, ind.body.name)]
    contracts = db.session.scalars(
        select(Contract).where(Contract.body_id.in_([b for b, _n in _planner_bodies()] or [0])).order_by(Contract.title)
    ).all()
    form.contract_id.choices = [(None, "– keiner (Planungskennzahl) –")] + [(c.id, c.title) for c in contracts]
    form.goal_id.choices = _goal_choices("– keins –")
    form.area_id.choices = [(None, "– keiner –")] + _tree_areas()


@bp.route("/kennzahlen/neu", methods=["GET", "POST"])
@bp.route("/kennzahlen/<int:indicator_id>/bearbeiten", methods=["GET", "POST"])
def indicator_form(indicator_id=None):
    ind = None
    if indicator_id is not None:
        ind = _indicator_or_404(indicator_id)
        if not perm.can_manage_indicator(current_user, ind):
            abort(403)
    elif not perm.can_create_contract(current_user):
        abort(403)
    form = IndicatorForm(obj=ind)
    _setup_indicator_form(form, ind)
    if request.method == "GET" and ind is None and request.args.get("kontrakt", type=int):
        form.contract_id.data = request.args.get("kontrakt", type=int)
    values = {n: getattr(form, n).data for n in form._fields if n not in ("csrf_token", "version")}
    done = submit(
        form,
        lambda: ziele_svc.save_indicator(current_user, ind, values, form.version.data),
        success=lambda i: f"Kennzahl „{i.name}“ gespeichert.",
        to=lambda i: url_for(".indicator", indicator_id=i.id),
        stale=ind,
    )
    if done.response:
        return done.response
    form.conflict = done.conflict
    return render_template(
        "kontrakte/simple_form.html",
        form=form,
        title="Kennzahl bearbeiten" if ind else "Kennzahl anlegen",
        back=url_for(".indicators"),
    ), done.status


@bp.route("/kennzahlen/<int:indicator_id>/messwerte", methods=["POST"])
def add_measurement(indicator_id):
    ind = _indicator_or_404(indicator_id)
    if not perm.can_manage_indicator(current_user, ind):
        abort(403)
    form = MeasurementForm()
    status = 422
    if form.validate():
        try:
            ziele_svc.add_measurement(current_user, ind, form.period_end.data, form.value.data, form.note.data)
            flash("Ist-Wert gespeichert.", "success")
            return redirect(url_for(".indicator", indicator_id=ind.id), 303)
        except ServiceError as exc:
            fail(exc, form)
            status = exc.status
            ind = _indicator_or_404(indicator_id)
    ev = evaluate(ind)
    return render_template(
        "kontrakte/indicator.html", ind=ind, ev=ev, chart=Markup(chart_svg(ind, ev)), manage=True, form=form
    ), status
