"""Sozialmonitoring pages: overview, indicator catalogue, values, import, index definitions, editions."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from beteiligung.exports import csv_response, xlsx_response
from beteiligung.extensions import db
from beteiligung.formatting import anzahl, date_de
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import Conflict, NotFound, ServiceError
from beteiligung.services.monitoring import catalogue as cat
from beteiligung.services.monitoring import imports as mimp
from beteiligung.services.monitoring import index as idx
from beteiligung.services.monitoring import parse_date
from beteiligung.services.monitoring import release as rel
from models import Body
from models.monitoring import EditionStatus, IndexDefinition, MonitoringEdition, StatIndicator

from .. import current_page
from ..forms import after_conflict
from .forms import ComputeForm, DefinitionForm, IndicatorForm, MonitoringImportForm

bp = Blueprint("monitoring", __name__, url_prefix="/monitoring")


@bp.before_request
@login_required
def _login():
    if not mperm.can_view_monitoring(current_user):
        abort(403)


def _staff_only():
    if not mperm.can_work_monitoring(current_user):
        abort(403)


def _managed_bodies() -> list[Body]:
    allowed = mperm.monitoring_body_ids(current_user)
    q = select(Body).order_by(Body.name)
    if allowed is not None:
        q = q.where(Body.id.in_(allowed or [-1]))
    return list(db.session.scalars(q))


def _body_or_404(body_id) -> Body:
    body = db.session.get(Body, body_id) if body_id else None
    if body is None or not mperm.can_manage_monitoring(current_user, body):
        abort(404)
    return body


# --- overview ---------------------------------------------------------------------------------------


@bp.route("/")
def index():
    editions = idx.list_editions(current_user, page=current_page(), per_page=25)
    staff = mperm.can_work_monitoring(current_user)
    definitions, releases = [], []
    if staff:
        definitions = list(
            db.session.scalars(
                select(IndexDefinition)
                .where(mperm.index_definition_filter(current_user))
                .order_by(IndexDefinition.name)
            )
        )
        bodies = [b for b in _managed_bodies() if b.parent_id is not None]
        from models.monitoring import MonitoringRelease

        released = {
            r.body_id: r
            for r in db.session.scalars(
                select(MonitoringRelease).where(MonitoringRelease.body_id.in_([b.id for b in bodies] or [-1]))
            )
        }
        releases = [(b, released.get(b.id)) for b in bodies]
    return render_template(
        "monitoring/index.html",
        editions=editions,
        staff=staff,
        definitions=definitions,
        releases=releases,
        may_manage=mperm.can_manage_monitoring(current_user),
    )


@bp.route("/freigabe/<int:body_id>", methods=["POST"])
def release_values(body_id):
    body = db.session.get(Body, body_id)
    if body is None or not mperm.can_release_values(current_user, body):
        abort(404)
    released = request.form.get("freigeben") == "1"
    try:
        rel.set_values_released(current_user, body, released)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for(".index")), 303
    flash(
        f"{body.name}: Werte für den Kreis freigegeben."
        if released
        else f"{body.name}: Freigabe für den Kreis zurückgenommen.",
        "success",
    )
    return redirect(url_for(".index")), 303


# --- catalogue ---------------------------------------------------------------------------------------


@bp.route("/indikatoren")
def indicators():
    _staff_only()
    pagination = cat.list_indicators(current_user, page=current_page(), per_page=50)
    counts = cat.value_counts(current_user)
    return render_template(
        "monitoring/indicators.html",
        pagination=pagination,
        counts=counts,
        may_manage=mperm.can_manage_monitoring(current_user),
    )


def _indicator_or_404(indicator_id) -> StatIndicator:
    try:
        return cat.get_indicator(current_user, indicator_id)
    except NotFound:
        abort(404)


def _indicator_values(form) -> dict:
    return {f: getattr(form, f).data for f in cat.FIELDS if hasattr(form, f)}


@bp.route("/indikatoren/neu", methods=["GET", "POST"])
def indicator_create():
    _staff_only()
    if not mperm.can_manage_monitoring(current_user):
        abort(403)
    form = IndicatorForm()
    bodies = _managed_bodies()
    body_id = request.values.get("body_id", type=int) or (bodies[0].id if bodies else None)
    status = 200
    if form.validate_on_submit():
        body = _body_or_404(body_id)
        try:
            indicator = cat.create_indicator(current_user, body, _indicator_values(form))
        except ServiceError as exc:
            form.apply_errors(exc.errors)
            status = exc.status
        else:
            flash(f"Indikator „{indicator.name}“ angelegt.", "success")
            return redirect(url_for(".indicator_detail", indicator_id=indicator.id)), 303
    elif request.method == "POST":
        status = 422
    return render_template(
        "monitoring/indicator_form.html", form=form, indicator=None, bodies=bodies, body_id=body_id
    ), status


@bp.route("/indikatoren/<int:indicator_id>/bearbeiten", methods=["GET", "POST"])
def indicator_edit(indicator_id):
    _staff_only()
    indicator = _indicator_or_404(indicator_id)
    if not mperm.can_manage_stat_indicator(current_user, indicator):
        abort(403)
    form = IndicatorForm(obj=indicator)
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            cat.update_indicator(current_user, indicator, _indicator_values(form), form.version.data)
        except Conflict as exc:
            conflict, status = after_conflict(form, exc, indicator), 409
        except ServiceError as exc:
            form.apply_errors(exc.errors)
            status = exc.status
        else:
            flash("Gespeichert.", "success")
            return redirect(url_for(".indicator_detail", indicator_id=indicator.id)), 303
    elif request.method == "POST":
        status = 422
    return render_template(
        "monitoring/indicator_form.html",
        form=form,
        indicator=indicator,
        bodies=None,
        body_id=indicator.body_id,
        conflict=conflict,
    ), status


@bp.route("/indikatoren/<int:indicator_id>")
def indicator_detail(indicator_id):
    _staff_only()
    indicator = _indicator_or_404(indicator_id)
    dates = cat.reference_dates(current_user, indicator)
    chosen = dates[-5:]
    von, bis = request.args.get("von"), request.args.get("bis")
    try:
        if von or bis:
            first = parse_date(von) if von else dates[0]
            last = parse_date(bis) if bis else dates[-1]
            chosen = [d for d in dates if first <= d <= last]
    except ValueError:
        abort(400)
    rows = cat.indicator_table(current_user, indicator, chosen)
    return render_template(
        "monitoring/indicator.html",
        indicator=indicator,
        dates=dates,
        chosen=chosen,
        rows=rows,
        may_manage=mperm.can_manage_stat_indicator(current_user, indicator),
    )


# --- import --------------------------------------------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_data():
    _staff_only()
    if not mperm.can_manage_monitoring(current_user):
        abort(403)
    form = MonitoringImportForm()
    form.body_id.choices = [(b.id, b.name) for b in _managed_bodies()]
    report, status = None, 200
    if form.validate_on_submit():
        body = _body_or_404(form.body_id.data)
        upload = request.files.get("datei")
        if upload is None or not upload.filename:
            flash("Bitte eine Datei auswählen.", "danger")
            status = 422
        else:
            commit = request.form.get("schritt") == "importieren"
            fn = {"werte": mimp.import_values, "gebiete": mimp.import_areas, "indikatoren": mimp.import_catalogue}[
                form.kind.data
            ]
            try:
                report = fn(current_user, body, upload.filename, upload.read(), commit=commit)
            except ServiceError as exc:
                flash(exc.message, "danger")
                status = exc.status
            else:
                if report.written:
                    flash(f"{anzahl(report.written, 'Datensatz wurde', 'Datensätze wurden')} importiert.", "success")
                elif not report.ok:
                    status = 422
    elif request.method == "POST":
        status = 422
    return render_template("monitoring/import.html", form=form, report=report), status


# --- index definitions -----------------------------------------------------------------------------------


def _definition_or_404(definition_id) -> IndexDefinition:
    definition = db.session.get(IndexDefinition, definition_id)
    if definition is None or not mperm.can_view_index_definition(current_user, definition):
        abort(404)
    return definition


def _spec_from_form(form) -> dict:
    spec = {
        "name": form.name.data,
        "ebene": form.ebene.data,
        "indikatoren": form.indikatoren.data,
        "mindest_einwohner": form.mindest_einwohner.data,
        "schwellen": form.schwellen.data,
        "klassen": form.klassen.data,
        "verdichtung": form.verdichtung.data,
    }
    if form.dynamik.data:
        spec["dynamik"] = {
            "schwellen": form.dynamik_schwellen.data or "-1; 1",
            "klassen": [
                c.strip() for c in (form.dynamik_klassen.data or "positiv, stabil, negativ").split(",") if c.strip()
            ],
        }
    return spec


_SPEC_FIELDS = {
    "name": "name",
    "ebene": "ebene",
    "indikatoren": "indikatoren",
    "mindest_einwohner": "mindest_einwohner",
    "schwellen": "schwellen",
    "klassen": "klassen",
    "verdichtung": "verdichtung",
    "dynamik": "dynamik_schwellen",
    "definition": "name",
}


def _definition_form_page(form, definition, catalogue, status, conflict=None):
    return render_template(
        "monitoring/definition_form.html", form=form, definition=definition, catalogue=catalogue, conflict=conflict
    ), status


@bp.route("/indizes/neu", methods=["GET", "POST"])
def definition_create():
    _staff_only()
    if not mperm.can_manage_monitoring(current_user):
        abort(403)
    form = DefinitionForm()
    bodies = _managed_bodies()
    form.body_id.choices = [(b.id, b.name) for b in bodies]
    catalogue = cat.list_indicators(current_user)
    status = 200
    if form.validate_on_submit():
        body = _body_or_404(form.body_id.data)
        try:
            definition = idx.save_definition(current_user, body, _spec_from_form(form))
        except ServiceError as exc:
            form.apply_errors({_SPEC_FIELDS.get(k, k): v for k, v in exc.errors.items()})
            status = exc.status
        else:
            flash(f"Index „{definition.name}“ gespeichert. Wählen Sie jetzt den Stichtag.", "success")
            return redirect(url_for(".definition_detail", definition_id=definition.id)), 303
    elif request.method == "POST":
        status = 422
    return _definition_form_page(form, None, catalogue, status)


@bp.route("/indizes/<int:definition_id>/bearbeiten", methods=["GET", "POST"])
def definition_edit(definition_id):
    _staff_only()
    definition = _definition_or_404(definition_id)
    if not mperm.can_manage_index_definition(current_user, definition):
        abort(403)
    form = DefinitionForm()
    form.body_id.choices = [(definition.body_id, definition.body.name)]
    catalogue = cat.list_indicators(current_user)
    if request.method == "GET":
        spec = idx.spec_of(definition)
        form.body_id.data = definition.body_id
        form.name.data, form.ebene.data = definition.name, definition.area_kind
        form.indikatoren.data = ", ".join(spec["indikatoren"])
        form.mindest_einwohner.data = definition.min_population
        form.schwellen.data = "; ".join(f"{t:g}".replace(".", ",") for t in definition.thresholds)
        form.klassen.data = ", ".join(definition.classes)
        form.verdichtung.data = spec["verdichtung"]
        form.dynamik.data = bool(definition.dynamics)
        if definition.dynamics:
            form.dynamik_schwellen.data = "; ".join(
                f"{t:g}".replace(".", ",") for t in definition.dynamics["schwellen"]
            )
            form.dynamik_klassen.data = ", ".join(definition.dynamics["klassen"])
        form.version.data = definition.version
    status, conflict = 200, None
    if form.validate_on_submit():
        try:
            idx.save_definition(current_user, definition.body, _spec_from_form(form), definition, form.version.data)
        except Conflict as exc:
            conflict, status = after_conflict(form, exc, definition), 409
        except ServiceError as exc:
            form.apply_errors({_SPEC_FIELDS.get(k, k): v for k, v in exc.errors.items()})
            status = exc.status
        else:
            flash("Gespeichert.", "success")
            return redirect(url_for(".definition_detail", definition_id=definition.id)), 303
    elif request.method == "POST":
        status = 422
    return _definition_form_page(form, definition, catalogue, status, conflict)


def _compute_form(definition) -> ComputeForm:
    form = ComputeForm()
    from models.monitoring import StatValue

    keys = [i["key"] for i in definition.indicators]
    catalogue = cat.catalogue_for(definition.body)
    ids = [catalogue[k].id for k in keys if k in catalogue]
    from models import Area

    dates = list(
        db.session.scalars(
            select(StatValue.reference_date)
            .join(Area, Area.id == StatValue.area_id)
            .where(StatValue.indicator_id.in_(ids or [-1]), mperm.value_area_filter(current_user))
            .distinct()
            .order_by(StatValue.reference_date.desc())
        )
    )
    form.stichtag.choices = [(d.isoformat(), date_de(d)) for d in dates]
    form.vergleich.choices = [("", "ohne Dynamik")] + [(d.isoformat(), date_de(d)) for d in dates]
    return form


@bp.route("/indizes/<int:definition_id>", methods=["GET", "POST"])
def definition_detail(definition_id):
    _staff_only()
    definition = _definition_or_404(definition_id)
    form = _compute_form(definition)
    may_manage = mperm.can_manage_index_definition(current_user, definition)
    status = 200
    if request.method == "POST":
        if not may_manage:
            abort(403)
        if form.validate_on_submit():
            from datetime import date as _date

            comparison = _date.fromisoformat(form.vergleich.data) if form.vergleich.data else None
            try:
                edition = idx.create_edition(
                    current_user, definition.body, definition, _date.fromisoformat(form.stichtag.data), comparison
                )
            except ServiceError as exc:
                for k, v in exc.errors.items():
                    (form.vergleich if k == "vergleich" else form.stichtag).errors.append(v)
                if exc.message and not exc.errors:
                    form.stichtag.errors.append(exc.message)
                status = exc.status
            else:
                flash(f"Ausgabe „{edition.title}“ berechnet und eingefroren.", "success")
                return redirect(url_for(".edition_detail", edition_id=edition.id)), 303
        else:
            status = 422
    editions = list(
        db.session.scalars(
            select(MonitoringEdition)
            .where(MonitoringEdition.definition_id == definition.id, mperm.edition_filter(current_user))
            .order_by(MonitoringEdition.id.desc())
        )
    )
    return render_template(
        "monitoring/definition.html",
        definition=definition,
        form=form,
        editions=editions,
        spec=idx.spec_of(definition),
        may_manage=may_manage,
    ), status


# --- editions ----------------------------------------------------------------------------------------------


def _edition_or_404(edition_id) -> MonitoringEdition:
    try:
        return idx.get_edition(current_user, edition_id)
    except NotFound:
        abort(404)


@bp.route("/ausgaben/<int:edition_id>")
def edition_detail(edition_id):
    edition = _edition_or_404(edition_id)
    rows = idx.result_rows(edition)
    previous = diff = None
    if edition.previous_edition_id:
        prev = db.session.get(MonitoringEdition, edition.previous_edition_id)
        if prev is not None and mperm.can_view_edition(current_user, prev):
            previous, diff = prev, idx.compare_editions(prev, edition)
    others = list(
        db.session.scalars(
            select(MonitoringEdition)
            .where(
                mperm.edition_filter(current_user),
                MonitoringEdition.id != edition.id,
                MonitoringEdition.body_id == edition.body_id,
            )
            .order_by(MonitoringEdition.id.desc())
            .limit(50)
        )
    )
    return render_template(
        "monitoring/edition.html",
        edition=edition,
        rows=rows,
        previous=previous,
        diff=diff,
        others=others,
        statuses=EditionStatus,
        may_manage=mperm.can_manage_edition(current_user, edition),
    )


@bp.route("/ausgaben/<int:edition_id>/status", methods=["POST"])
def edition_status(edition_id):
    edition = _edition_or_404(edition_id)
    if not mperm.can_manage_edition(current_user, edition):
        abort(403)
    try:
        status = EditionStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    try:
        idx.set_status(current_user, edition, status)
    except ServiceError as exc:
        flash(exc.message, "danger")
        return redirect(url_for(".edition_detail", edition_id=edition.id)), 303
    flash(f"Status: {status.label}.", "success")
    return redirect(url_for(".edition_detail", edition_id=edition.id)), 303


@bp.route("/ausgaben/<int:edition_id>/ergebnis.csv")
def edition_export(edition_id):
    edition = _edition_or_404(edition_id)
    header, rows = idx.export_table(edition)
    name = f"monitoring-ausgabe-{edition.id}-{edition.reference_date.isoformat()}.csv"
    return csv_response(name, header, rows + idx.method_lines(edition))


@bp.route("/ausgaben/<int:edition_id>/ergebnis.xlsx")
def edition_export_xlsx(edition_id):
    edition = _edition_or_404(edition_id)
    header, rows = idx.export_table(edition)
    name = f"monitoring-ausgabe-{edition.id}-{edition.reference_date.isoformat()}.xlsx"
    return xlsx_response(
        name, "Ergebnis", header, rows, extra_sheets=[("Methode", ["Methode"], [[edition.method_text]])]
    )


@bp.route("/ausgaben/<int:edition_id>/vergleich")
def edition_compare(edition_id):
    edition = _edition_or_404(edition_id)
    other = _edition_or_404(request.args.get("mit", type=int) or 0)
    older, newer = sorted([edition, other], key=lambda e: (e.reference_date, e.id))
    return render_template("monitoring/compare.html", older=older, newer=newer, diff=idx.compare_editions(older, newer))


# Maps, geometry import, Sozialraum-Dossier and Sozialbericht (their own modules, same blueprint).
from . import dossier, karten  # noqa: E402,F401


# Sub-feature views of this package (maps, dossier, reports …) register their routes on `bp`;
# every module here except the forms is imported, so adding one needs no edit in this file.
def _load_subviews() -> None:
    import importlib
    import pkgutil

    for module in pkgutil.iter_modules(__path__):
        if module.name != "forms":
            importlib.import_module(f"{__name__}.{module.name}")


_load_subviews()
