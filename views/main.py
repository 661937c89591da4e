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
    return render_template("main/index.html", counts=counts, scope=perm.scope_of(current_user))


@bp.route("/barrierefreiheit")
def accessibility():
    return render_template("main/accessibility.html")


@bp.route("/datenschutz")
def privacy():
    return render_template("main/privacy.html")
