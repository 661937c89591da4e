"""Monitoring maps: an indicator at a Stichtag, an edition's classes/index/dynamics/indicators,
and the geometry import (page with check report)."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired

from beteiligung.extensions import db
from beteiligung.permissions import monitoring as mperm
from beteiligung.services import NotFound, ServiceError
from beteiligung.services.monitoring import geometrie as geo_svc
from beteiligung.services.monitoring import index as index_svc
from beteiligung.services.monitoring import karten as K
from beteiligung.services.monitoring import kartendaten as KD
from beteiligung.services.monitoring import parse_number
from models import Body
from models.monitoring import StatIndicator

from ..forms import Form
from . import bp


def _dossier_href(user):
    def href(obj):
        area_id = getattr(obj, "area_id", None) or getattr(obj, "id", None)
        return url_for("monitoring.dossier", area_id=area_id) if area_id else None

    return href


def _thresholds(text: str, errors: dict) -> list[float] | None:
    if not (text or "").strip():
        return None
    try:
        values = [parse_number(p) for p in text.replace(";", " ").split()]
    except ValueError:
        errors["schwellen"] = "Schwellen als Zahlen, getrennt durch Leerzeichen oder Semikolon (z. B. 10; 20; 30)."
        return None
    values = [v for v in values if v is not None]
    if values != sorted(values) or len(set(values)) != len(values):
        errors["schwellen"] = "Die Schwellen müssen aufsteigend sein."
        return None
    return values


@bp.route("/karte")
def indicator_map():
    if not mperm.can_work_monitoring(current_user):
        abort(404)
    indicators = list(
        db.session.scalars(
            select(StatIndicator).where(mperm.stat_indicator_filter(current_user)).order_by(StatIndicator.name)
        )
    )
    errors: dict[str, str] = {}
    status = 200
    chosen = None
    raw_id = request.args.get("indikator", "")
    if raw_id:
        chosen = next((i for i in indicators if str(i.id) == raw_id), None)
        if chosen is None:
            abort(404)
    elif indicators:
        chosen = indicators[0]
    dates = KD.indicator_dates(current_user, chosen) if chosen else []
    day = dates[-1] if dates else None
    raw_day = request.args.get("stichtag", "")
    if raw_day:
        try:
            day = date.fromisoformat(raw_day)
        except ValueError:
            errors["stichtag"] = "Bitte einen Stichtag aus der Liste wählen."
    if day is not None and dates and day not in dates:
        errors["stichtag"] = "Zu diesem Stichtag gibt es keine Werte."
    method = request.args.get("methode", "quantile")
    if method not in K.METHODS:
        errors["methode"] = "Bitte eine Klassenbildung wählen."
        method = "quantile"
    try:
        classes = int(request.args.get("klassen", 5))
        if not 2 <= classes <= 7:
            raise ValueError
    except ValueError:
        errors["klassen"] = "Zahl der Klassen: 2 bis 7."
        classes = 5
    thresholds_text = request.args.get("schwellen", "")
    thresholds = _thresholds(thresholds_text, errors)
    if method == "fest" and not thresholds and "schwellen" not in errors:
        errors["schwellen"] = "Für feste Schwellen bitte mindestens einen Schwellenwert angeben."
    result = None
    if chosen and day and not errors:
        try:
            result = KD.indicator_map(
                current_user,
                chosen,
                day,
                method=method,
                classes=classes,
                thresholds=thresholds,
                href=_dossier_href(current_user),
                legend=False,
            )
        except NotFound:
            abort(404)
        except ServiceError as exc:
            errors.update(exc.errors or {"methode": exc.message})
    if errors:
        status = 422
    return render_template(
        "monitoring/karte.html",
        indicators=indicators,
        chosen=chosen,
        dates=dates,
        day=day,
        method=method,
        methods=K.METHODS,
        classes=classes,
        thresholds_text=thresholds_text,
        errors=errors,
        result=result,
    ), status


@bp.route("/ausgaben/<int:edition_id>/karte")
def edition_map(edition_id):
    try:
        edition = index_svc.get_edition(current_user, edition_id)
    except NotFound:
        abort(404)
    show = request.args.get("zeigen", "klasse")
    names = KD.indicator_names(edition)
    views = dict(KD.EDITION_VIEWS)
    if not edition.comparison_date:
        views.pop("dynamik")
    views.update(names)
    if show not in views:
        abort(404)
    href = _dossier_href(current_user) if mperm.can_work_monitoring(current_user) else None
    result = KD.edition_map(current_user, edition, show, href=href, legend=False)
    return render_template(
        "monitoring/ausgabe_karte.html",
        edition=edition,
        show=show,
        views=views,
        result=result,
        value_headers=KD.VALUE_HEADERS,
    )


# --- geometry import ---------------------------------------------------------------------------------


class GeometryImportForm(Form):
    body_id = SelectField("Körperschaft", coerce=int, validators=[DataRequired("Bitte eine Körperschaft wählen.")])
    schluessel = StringField(
        "Eigenschaft mit der Gebietskennung",
        default="KENNUNG",
        description="Name der Spalte bzw. Eigenschaft, die die Kennung des Gebiets enthält "
        "(z. B. KENNUNG, PLR_ID, schluessel).",
        validators=[DataRequired("Bitte die Eigenschaft mit der Gebietskennung nennen.")],
    )


def _manageable_bodies():
    allowed = mperm.monitoring_body_ids(current_user)
    q = select(Body).order_by(Body.name)
    if allowed is not None:
        q = q.where(Body.id.in_(allowed))
    return list(db.session.scalars(q))


@bp.route("/geometrien", methods=["GET", "POST"])
def geometry_import():
    if not mperm.can_import_geometries(current_user):
        abort(403)
    form = GeometryImportForm()
    bodies = _manageable_bodies()
    form.body_id.choices = [(b.id, b.name) for b in bodies]
    report, status = None, 200
    if form.validate_on_submit():
        upload = request.files.get("datei")
        body = next((b for b in bodies if b.id == form.body_id.data), None)
        if body is None:
            abort(404)
        if upload is None or not upload.filename:
            form.errors_file = "Bitte eine GeoJSON-Datei oder ein gezipptes Shapefile auswählen."
            status = 422
        else:
            commit = request.form.get("schritt") == "importieren"
            try:
                report = geo_svc.import_geometries(
                    current_user, body, upload.filename, upload.read(), form.schluessel.data, commit=commit
                )
            except ServiceError as exc:
                form.apply_errors(exc.errors)
                status = exc.status
            else:
                if report.written:
                    flash(f"{report.written} Gebietsgrenzen wurden gespeichert.", "success")
                elif not report.ok:
                    status = 422
    elif request.method == "POST":
        status = 422
    return render_template(
        "monitoring/geometrie_import.html", form=form, report=report, file_error=getattr(form, "errors_file", None)
    ), status
