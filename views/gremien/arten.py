"""Gremien: Gremienarten (kleine Verwaltungsliste)."""

from __future__ import annotations

from flask import abort, render_template, url_for
from flask_login import current_user
from sqlalchemy import select

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services.gremien import gremien as gremien_svc
from models import CommitteeType

from ..forms import submit
from . import _manage, bp
from .forms import CommitteeTypeForm


@bp.route("/arten", methods=["GET", "POST"])
def types():
    _manage(perm.can_manage_committee_types(current_user))
    form = CommitteeTypeForm()
    done = submit(
        form,
        lambda: gremien_svc.save_type(current_user, None, form.data),
        success=lambda t: f"Gremienart „{t.name}“ wurde angelegt.",
        to=url_for(".types"),
    )
    if done.response:
        return done.response
    rows = db.session.scalars(select(CommitteeType).order_by(CommitteeType.name)).all()
    return render_template("gremien/types.html", form=form, rows=rows), done.status


@bp.route("/arten/<int:type_id>", methods=["GET", "POST"])
def type_edit(type_id):
    _manage(perm.can_manage_committee_types(current_user))
    t = db.session.get(CommitteeType, type_id) or abort(404)
    form = CommitteeTypeForm(obj=t)
    done = submit(
        form,
        lambda: gremien_svc.save_type(current_user, t, form.data),
        success="Gremienart wurde gespeichert.",
        to=url_for(".types"),
    )
    return done.response or (render_template("gremien/type_form.html", form=form, obj=t), done.status)
