"""Public page of the Sozialmonitoring (no login): published editions only – map, table, method,
CSV download. Never an unpublished value, never a value under the confidentiality threshold."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from beteiligung.exports import csv_response
from beteiligung.extensions import db
from beteiligung.permissions import monitoring as mperm
from beteiligung.services.monitoring import index as index_svc
from beteiligung.services.monitoring import kartendaten as KD
from models.monitoring import MonitoringEdition

bp = Blueprint("monitoring_oeffentlich", __name__, url_prefix="/oeffentlich/monitoring")


def _published(edition_id) -> MonitoringEdition:
    edition = db.session.scalar(
        select(MonitoringEdition).where(MonitoringEdition.id == edition_id, mperm.published_edition_filter())
    )
    if edition is None:
        abort(404)
    return edition


@bp.route("/")
def index():
    editions = list(
        db.session.scalars(
            select(MonitoringEdition)
            .where(mperm.published_edition_filter())
            .options(joinedload(MonitoringEdition.body))
            .order_by(MonitoringEdition.reference_date.desc(), MonitoringEdition.id.desc())
        )
    )
    return render_template("monitoring/oeffentlich_index.html", editions=editions)


@bp.route("/<int:edition_id>")
def edition(edition_id):
    e = _published(edition_id)
    show = request.args.get("zeigen", "klasse")
    views = dict(KD.EDITION_VIEWS)
    if not e.comparison_date:
        views.pop("dynamik")
    views.update(KD.indicator_names(e))
    if show not in views:
        abort(404)
    result = KD.edition_map(None, e, show, check_permission=False, legend=False)
    return render_template(
        "monitoring/oeffentlich_ausgabe.html",
        edition=e,
        show=show,
        views=views,
        result=result,
        value_headers=KD.VALUE_HEADERS,
    )


@bp.route("/<int:edition_id>/ergebnis.csv")
def edition_csv(edition_id):
    e = _published(edition_id)
    header, rows = index_svc.export_table(e)
    return csv_response(
        f"sozialmonitoring-{e.reference_date.isoformat()}.csv", header, rows + index_svc.method_lines(e)
    )
