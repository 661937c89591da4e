"""Planung: Maßnahmenregister, links of decisions, Wirkungskette (blueprint `planung`, /planung)."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.exports import csv_response, xlsx_response
from beteiligung.extensions import db
from beteiligung.permissions import planung as pperm
from beteiligung.services import (
    Conflict,
    NotFound,
    PermissionDenied,
    ServiceError,
    ValidationError,
)
from beteiligung.services import planung as svc
from beteiligung.services.kontrakte.kennzahlen import LIGHTS, compact_de, evaluate, format_euro
from beteiligung.services.planung import kette, links
from models import Area, Body, Organisation, Term
from models.contracts import Contract, Goal, Indicator
from models.planung import (
    MEASURE_TRANSITIONS,
    Measure,
    MeasureBudget,
    MeasureStatus,
    Milestone,
    PlanningProcess,
)

from ..auswahl.fields import keep_current, search_requested
from ..forms import after_conflict
from ..seiten import PageNav
from .forms import BudgetForm, MeasureForm, MilestoneForm, ProgressForm, StatusForm

bp = Blueprint("planung", __name__, url_prefix="/planung")

PER_PAGE = 25


@bp.before_request
@login_required
def _login():
    if not pperm.can_use_planung(current_user):
        abort(403)


@bp.app_context_processor
def _ctx():
    return {"MeasureStatus": MeasureStatus}


def _raise_http(exc: ServiceError):
    if isinstance(exc, NotFound):
        abort(404)
    if isinstance(exc, PermissionDenied):
        abort(403)


def _status(form, default=200):
    if request.method == "POST" and (form.errors or getattr(form, "conflict", None)):
        return 409 if getattr(form, "conflict", None) else 422
    return default


def _measure_or_404(measure_id: int) -> Measure:
    try:
        return svc.get_measure(current_user, measure_id)
    except NotFound:
        abort(404)


# --- list and export ------------------------------------------------------------------


def _int_arg(name):
    raw = (request.args.get(name) or "").strip()
    return int(raw) if raw.isdigit() else None


def _filters() -> svc.MeasureFilters:
    status = request.args.get("status") or None
    if status not in {s.value for s in MeasureStatus}:
        status = None
    text = (request.args.get("q") or "").strip()[:100] or None
    return svc.MeasureFilters(
        status=status,
        organisation_id=_int_arg("organisation"),
        area_id=_int_arg("sozialraum"),
        handlungsfeld_id=_int_arg("handlungsfeld"),
        process_id=_int_arg("vorhaben"),
        text=text,
    )


def _filter_choices():
    orgs = db.session.scalars(
        select(Organisation)
        .where(Organisation.id.in_(select(Measure.organisation_id).where(pperm.measure_filter(current_user))))
        .order_by(Organisation.name)
    ).all()
    areas = db.session.scalars(select(Area).where(perm.area_filter(current_user)).order_by(Area.code)).all()
    fields = db.session.scalars(select(Term).where(Term.vocabulary == "handlungsfeld").order_by(Term.name)).all()
    return [
        ("status", "Status", [(s.value, s.label) for s in MeasureStatus]),
        ("organisation", "Verantwortlich", [(o.id, o.name) for o in orgs]),
        ("sozialraum", "Sozialraum", [(a.id, f"{a.code} {a.name}") for a in areas]),
        ("handlungsfeld", "Handlungsfeld", [(t.id, t.name) for t in fields]),
    ] + (
        [
            (
                "vorhaben",
                "Vorhaben",
                [
                    (p.id, p.title)
                    for p in db.session.scalars(
                        select(PlanningProcess)
                        .where(pperm.process_filter(current_user))
                        .order_by(PlanningProcess.title)
                    )
                ],
            )
        ]
        if pperm.can_use_processes(current_user)
        else []
    )


@bp.route("/")
def index():
    return redirect(url_for(".measures"))


@bp.route("/massnahmen/")
def measures():
    from .. import current_page

    f = _filters()
    total = svc.count_measures(current_user, f)
    pages = max(1, -(-total // PER_PAGE))
    page = min(current_page(), pages)
    items = (
        db.session.scalars(
            svc.measure_query(current_user, f)
            .order_by(Measure.title, Measure.id)
            .offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)
            .options(*svc.list_options())
        )
        .unique()
        .all()
    )
    pagination = _Page(items, page, pages, total)
    return render_template(
        "planung/list.html",
        pagination=pagination,
        filters=_filter_choices(),
        active={k: v for k, v in request.args.items()},
        q=f.text or "",
        may_create=pperm.can_create_measure(current_user),
        today=date.today(),
    )


@bp.route("/massnahmen/karte")
def measures_map():
    """The measures of the list (same filters) per Sozialraum on the monitoring module's map."""
    from beteiligung.services.planung import karte

    f = _filters()
    args = {k: v for k, v in request.args.items() if k not in ("sozialraum", "seite")}
    result = karte.measures_map(
        current_user, f, lambda area_id: url_for("planung.measures", sozialraum=area_id, **args)
    )
    return render_template(
        "planung/karte.html",
        result=result,
        filters=_filter_choices(),
        active={k: v for k, v in request.args.items()},
        q=f.text or "",
    )


class _Page(PageNav):
    def __init__(self, items, page, pages, total):
        self.items, self.page, self.pages, self.total = items, page, pages, total
        self.has_prev, self.prev_num = page > 1, page - 1
        self.has_next, self.next_num = page < pages, page + 1


@bp.route("/massnahmen.csv")
def export_csv():
    return csv_response("massnahmen.csv", svc.EXPORT_HEADERS, svc.export_rows(current_user, _filters()))


@bp.route("/massnahmen.xlsx")
def export_xlsx():
    return xlsx_response("massnahmen.xlsx", "Maßnahmen", svc.EXPORT_HEADERS, svc.export_rows(current_user, _filters()))


# --- create / edit ---------------------------------------------------------------------


def _setup_form(form: MeasureForm, measure: Measure | None):
    q = select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)
    form.body_id.choices = [(b.id, b.name) for b in db.session.scalars(q)]
    if measure is not None:
        form.body_id.choices = [(measure.body_id, measure.body.name)]
    if measure is not None:  # picker (views/auswahl): the current organisation stays shown and valid
        keep_current(form.organisation_id, measure.organisation_id)
    terms = db.session.scalars(
        select(Term).where(Term.vocabulary.in_(("handlungsfeld", "zielgruppe"))).order_by(Term.name)
    ).all()
    form.handlungsfeld_id.choices = [(None, "– keines –")] + [
        (t.id, t.name) for t in terms if t.vocabulary == "handlungsfeld"
    ]
    form.target_group_ids.choices = [(t.id, t.name) for t in terms if t.vocabulary == "zielgruppe"]
    form.area_ids.choices = [
        (a.id, f"{a.code} {a.name}")
        for a in db.session.scalars(select(Area).where(perm.area_filter(current_user)).order_by(Area.code))
    ]
    form.goal_ids.choices = [
        (g.id, f"{g.level}: {g.title}")
        for g in db.session.scalars(select(Goal).where(perm.goal_filter(current_user)).order_by(Goal.id))
    ]
    form.contract_ids.choices = [
        (c.id, c.title)
        for c in db.session.scalars(select(Contract).where(perm.contract_filter(current_user)).order_by(Contract.title))
    ]
    form.indicator_ids.choices = [
        (i.id, i.name)
        for i in db.session.scalars(
            select(Indicator)
            .outerjoin(Contract, Contract.id == Indicator.contract_id)
            .where(perm.indicator_filter(current_user))
            .order_by(Indicator.name)
        )
    ]


def _form_values(form) -> dict:
    return {n: getattr(form, n).data for n in form._fields if n not in ("csrf_token", "version")}


@bp.route("/massnahmen/neu", methods=["GET", "POST"])
def measure_create():
    if not pperm.can_create_measure(current_user):
        abort(403)
    form = MeasureForm()
    _setup_form(form, None)
    if request.method == "GET" and len(form.body_id.choices) == 1:
        form.body_id.data = form.body_id.choices[0][0]
    if request.method == "POST" and not search_requested(form) and form.validate():
        try:
            m = svc.save_measure(current_user, None, _form_values(form))
            flash(f"Maßnahme „{m.title}“ angelegt.", "success")
            return redirect(url_for(".measure", measure_id=m.id))
        except ValidationError as exc:
            form.apply_errors(exc.errors)
            if not exc.errors:
                flash(exc.message, "danger")
        except ServiceError as exc:
            _raise_http(exc)
            flash(exc.message, "danger")
    return render_template(
        "planung/form.html", form=form, title="Maßnahme anlegen", measure=None, back=url_for(".measures")
    ), _status(form)


@bp.route("/massnahmen/<int:measure_id>/bearbeiten", methods=["GET", "POST"])
def measure_edit(measure_id):
    m = _measure_or_404(measure_id)
    if not pperm.can_manage_measure(current_user, m):
        abort(403)
    form = MeasureForm(obj=m)
    _setup_form(form, m)
    if request.method == "GET":
        form.progress.data = str(m.progress)
        form.staff_fte.data = compact_de(m.staff_fte) if m.staff_fte is not None else ""
        form.target_group_ids.data = [t.id for t in m.target_groups]
        form.area_ids.data = [a.id for a in m.areas]
        form.goal_ids.data = [g.id for g in m.goals]
        form.contract_ids.data = [c.id for c in m.contracts]
        form.indicator_ids.data = [i.id for i in m.indicators]
    current = None
    if request.method == "POST" and not search_requested(form) and form.validate():
        try:
            svc.save_measure(current_user, m, _form_values(form), form.version.data)
            flash(f"Maßnahme „{m.title}“ gespeichert.", "success")
            return redirect(url_for(".measure", measure_id=m.id))
        except Conflict as exc:
            form.conflict = after_conflict(form, exc, m)
            current = m
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
            flash(exc.message, "danger")
    return render_template(
        "planung/form.html",
        form=form,
        title="Maßnahme bearbeiten",
        measure=m,
        current=current,
        back=url_for(".measure", measure_id=m.id),
    ), _status(form)


# --- detail ----------------------------------------------------------------------------


def _detail(m: Measure, progress_form=None, status_form=None, ms_form=None, budget_form=None, code=200):
    may_manage = pperm.can_manage_measure(current_user, m)
    may_report = pperm.can_report_measure(current_user, m)
    if progress_form is None:
        progress_form = ProgressForm(
            data={"version": m.version, "progress": str(m.progress), "status_note": m.status_note or ""}
        )
    if status_form is None:
        status_form = StatusForm(data={"version": m.version})
    status_form.status.choices = [(s.value, s.label) for s in sorted(MEASURE_TRANSITIONS[m.status_enum])]
    indicators = [(i, evaluate(i)) for i in m.indicators if perm.can_view_indicator(current_user, i)]
    return render_template(
        "planung/detail.html",
        m=m,
        may_manage=may_manage,
        may_report=may_report,
        progress_form=progress_form,
        status_form=status_form,
        ms_form=ms_form or MilestoneForm(),
        budget_form=budget_form or BudgetForm(),
        indicators=indicators,
        LIGHTS=LIGHTS,
        goals=[g for g in m.goals if perm.can_view_goal(current_user, g)],
        contracts=[c for c in m.contracts if perm.can_view_contract(current_user, c)],
        decisions=links.decisions_behind(current_user, "massnahme", m.id),
        budget=svc.budget_by_year(m),
        overdue=m.overdue_reasons(date.today()),
        format_euro=format_euro,
        derived=svc.derived_progress(m),
    ), code


@bp.route("/massnahmen/<int:measure_id>")
def measure(measure_id):
    return _detail(_measure_or_404(measure_id))


@bp.route("/massnahmen/<int:measure_id>/sachstand", methods=["POST"])
def measure_progress(measure_id):
    m = _measure_or_404(measure_id)
    if not pperm.can_report_measure(current_user, m):
        abort(403)
    form = ProgressForm()
    if form.validate():
        try:
            svc.report_progress(current_user, m, form.progress.data, form.status_note.data, form.version.data)
            flash("Sachstand gespeichert.", "success")
            return redirect(url_for(".measure", measure_id=m.id) + "#sachstand")
        except Conflict as exc:
            form.conflict = after_conflict(form, exc, m)
            return _detail(m, progress_form=form, code=409)
        except ValidationError as exc:
            form.apply_errors(exc.errors)
            if not exc.errors:
                flash(exc.message, "danger")
        except ServiceError as exc:
            _raise_http(exc)
    return _detail(m, progress_form=form, code=422)


@bp.route("/massnahmen/<int:measure_id>/status", methods=["POST"])
def measure_status(measure_id):
    m = _measure_or_404(measure_id)
    if not pperm.can_manage_measure(current_user, m):
        abort(403)
    form = StatusForm()
    form.status.choices = [(s.value, s.label) for s in MeasureStatus]
    if form.validate():
        try:
            svc.change_status(current_user, m, form.status.data, form.reason.data, form.version.data)
            flash(f"Status geändert: {m.status_label}.", "success")
            return redirect(url_for(".measure", measure_id=m.id))
        except Conflict as exc:
            form.conflict = after_conflict(form, exc, m)
            return _detail(m, status_form=form, code=409)
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return _detail(m, status_form=form, code=422)


@bp.route("/massnahmen/<int:measure_id>/meilensteine", methods=["POST"])
def milestone_add(measure_id):
    m = _measure_or_404(measure_id)
    if not pperm.can_report_measure(current_user, m):
        abort(403)
    form = MilestoneForm()
    if form.validate():
        try:
            svc.add_milestone(current_user, m, form.ms_title.data, form.ms_due.data)
            flash("Meilenstein angelegt.", "success")
            return redirect(url_for(".measure", measure_id=m.id) + "#meilensteine")
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return _detail(m, ms_form=form, code=422)


def _milestone_or_404(milestone_id) -> Milestone:
    ms = db.session.get(Milestone, milestone_id)
    if ms is None or not pperm.can_view_measure(current_user, ms.measure):
        abort(404)
    if not pperm.can_report_measure(current_user, ms.measure):
        abort(403)
    return ms


@bp.route("/meilensteine/<int:milestone_id>/erledigt", methods=["POST"])
def milestone_done(milestone_id):
    ms = _milestone_or_404(milestone_id)
    svc.set_milestone_done(current_user, ms, request.form.get("done") == "1")
    return redirect(url_for(".measure", measure_id=ms.measure_id) + "#meilensteine")


@bp.route("/meilensteine/<int:milestone_id>/loeschen", methods=["POST"])
def milestone_delete(milestone_id):
    ms = _milestone_or_404(milestone_id)
    measure_id = ms.measure_id
    svc.delete_milestone(current_user, ms)
    flash("Meilenstein gelöscht.", "success")
    return redirect(url_for(".measure", measure_id=measure_id) + "#meilensteine")


@bp.route("/massnahmen/<int:measure_id>/mittel", methods=["POST"])
def budget_add(measure_id):
    m = _measure_or_404(measure_id)
    if not pperm.can_manage_measure(current_user, m):
        abort(403)
    form = BudgetForm()
    if form.validate():
        try:
            svc.add_budget(current_user, m, form.year.data, form.amount.data, form.product_number.data)
            flash("Mittel eingetragen.", "success")
            return redirect(url_for(".measure", measure_id=m.id) + "#mittel")
        except ValidationError as exc:
            form.apply_errors(exc.errors)
        except ServiceError as exc:
            _raise_http(exc)
    return _detail(m, budget_form=form, code=422)


@bp.route("/mittel/<int:line_id>/loeschen", methods=["POST"])
def budget_delete(line_id):
    line = db.session.get(MeasureBudget, line_id)
    if line is None or not pperm.can_view_measure(current_user, line.measure):
        abort(404)
    if not pperm.can_manage_measure(current_user, line.measure):
        abort(403)
    measure_id = line.measure_id
    svc.remove_budget(current_user, line)
    return redirect(url_for(".measure", measure_id=measure_id) + "#mittel")


# --- decisions: links both ways --------------------------------------------------------


def _decision_or_404(entry_id):
    try:
        return links.get_decision(current_user, entry_id)
    except NotFound:
        abort(404)


def _decision_page(entry, error=None, code=200):
    kind = request.values.get("art") or "massnahme"
    if kind not in links.TARGETS:
        kind = "massnahme"
    text = (request.values.get("suche") or "").strip()[:100]
    may_link = pperm.can_link_decision(current_user, entry)
    results = links.search_targets(current_user, kind, text) if may_link else []
    linked = links.links_of(current_user, entry)
    linked_ids = {k: {o.id for o in v} for k, v in linked.items()}
    return render_template(
        "planung/decision.html",
        entry=entry,
        linked=linked,
        linked_ids=linked_ids,
        results=results,
        kind=kind,
        suche=text,
        may_link=may_link,
        error=error,
        TARGETS=links.TARGETS,
    ), code


@bp.route("/beschluesse/<int:entry_id>")
def decision(entry_id):
    return _decision_page(_decision_or_404(entry_id))


@bp.route("/beschluesse/<int:entry_id>/verknuepfen", methods=["POST"])
def decision_link(entry_id):
    entry = _decision_or_404(entry_id)
    kind = request.form.get("art", "")
    try:
        target = links.link(current_user, entry, kind, request.form.get("ziel_id"))
        flash(f"Verknüpft: {links.TARGETS[kind][3]} „{target}“.", "success")
        return redirect(url_for(".decision", entry_id=entry.id))
    except ValidationError as exc:
        message = next(iter(exc.errors.values()), exc.message)
        return _decision_page(entry, error=message, code=422)
    except ServiceError as exc:
        _raise_http(exc)
        return _decision_page(entry, error=exc.message, code=exc.status)


@bp.route("/beschluesse/<int:entry_id>/loesen", methods=["POST"])
def decision_unlink(entry_id):
    entry = _decision_or_404(entry_id)
    try:
        links.unlink(current_user, entry, request.form.get("art", ""), request.form.get("ziel_id"))
        flash("Verknüpfung gelöst.", "success")
    except ServiceError as exc:
        _raise_http(exc)
        return _decision_page(entry, error=exc.message, code=exc.status)
    return redirect(url_for(".decision", entry_id=entry.id))


# --- Wirkungskette ----------------------------------------------------------------------


def _chain_or_404(kind, record_id):
    try:
        return kette.chain_for(current_user, kind, record_id)
    except NotFound:
        abort(404)


def node_url(node) -> str | None:
    k, o = node.kind, node.obj
    if k == "massnahme":
        return url_for("planung.measure", measure_id=o.id)
    if k == "eintrag":
        return (
            url_for("planung.decision", entry_id=o.id)
            if o.kind in ("Beschluss", "Empfehlung")
            else url_for("protokolle.entry", entry_id=o.id)
        )
    if k == "ziel":
        return url_for("kontrakte.goals") + f"#ziel-{o.id}"
    if k == "kontrakt":
        return url_for("kontrakte.detail", contract_id=o.id)
    if k == "kennzahl":
        return (
            url_for("kontrakte.indicator", indicator_id=o.id)
            if "kontrakte.indicator" in current_app.view_functions
            else None
        )
    if k == "bericht":
        return url_for("kontrakte.report", report_id=o.id) if "kontrakte.report" in current_app.view_functions else None
    if k == "top":
        return url_for("protokolle.protocol", meeting_id=o.meeting_id)
    if k == "thema":
        return (
            url_for("gremien.detail", committee_id=o.committee_id)
            if "gremien.detail" in current_app.view_functions
            else None
        )
    if k == "befund":
        return None
    return None


def node_text(node) -> str:
    k, o = node.kind, node.obj
    if k == "befund":
        return f"{o.title} (Befragung „{o.survey.title}“)"
    if k == "thema":
        return f"{o.title} – Themenspeicher {o.committee.name} ({o.status})"
    if k == "top":
        m = o.meeting
        return f"TOP {o.number or o.position}: {o.title} – {m.committee.name}, {m.start:%d.%m.%Y}"
    if k == "eintrag":
        m = o.protocol.meeting
        text = o.text.strip().splitlines()[0] if o.text.strip() else ""
        return f"{text[:160]} – {m.committee.name}, {m.start:%d.%m.%Y}"
    if k == "massnahme":
        return f"{o.title} – {o.organisation.name}, {o.status_label}, Fortschritt {o.progress} %"
    if k == "ziel":
        return f"{o.level}: {o.title} ({o.status})"
    if k == "kontrakt":
        return f"{o.title} ({o.status})"
    if k == "kennzahl":
        ev = evaluate(o)
        latest = (
            f", zuletzt {compact_de(ev.latest.ist)} (Soll {compact_de(ev.latest.soll.quantize(1))})"
            if ev.latest
            else ""
        )
        return f"{o.name}{latest} – Ampel {LIGHTS[ev.light]}"
    if k == "bericht":
        return f"{o} – {o.status}"
    return str(o)


@bp.app_template_global("planung_decisions")
def _planung_decisions(kind, record_id):
    """For other modules' pages: the decisions (visible to the user) behind a goal or contract."""
    return links.decisions_behind(current_user, kind, record_id)


@bp.app_template_global("kette_node_url")
def _node_url(node):
    return node_url(node)


@bp.app_template_global("kette_node_text")
def _node_text(node):
    return node_text(node)


@bp.route("/kette/<kind>/<int:record_id>")
def chain(kind, record_id):
    chain = _chain_or_404(kind, record_id)
    return render_template("planung/chain.html", chain=chain, kind=kind, record_id=record_id, KINDS=kette.KINDS)


@bp.route("/kette/<kind>/<int:record_id>.pdf")
def chain_pdf(kind, record_id):
    chain = _chain_or_404(kind, record_id)
    html = render_template("planung/chain_pdf.html", chain=chain, today=date.today(), KINDS=kette.KINDS)
    from weasyprint import HTML

    def no_fetch(url, *args, **kwargs):  # nothing from outside; never fetch user URLs
        raise ValueError(f"Externe Ressource nicht erlaubt: {url}")

    data = HTML(string=html, url_fetcher=no_fetch).write_pdf()
    response = current_app.response_class(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="wirkungskette-{kind}-{record_id}.pdf"'
    return response


from . import (  # noqa: E402  (the routes of the sub-pages register on bp above)
    controlling,  # noqa: F401  (Abweichungsbericht)
    stellungnahmen,  # noqa: F401  (Stellungnahmeverfahren)
    vorhaben,  # noqa: F401  (routes of the Planungsvorhaben)
)
