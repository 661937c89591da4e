"""Gremien: Mitgliedschaften aufnehmen, bearbeiten, beenden."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from models import Membership

from ..auswahl.fields import keep_current
from ..forms import submit
from . import _get_committee, _manage, bp
from .forms import MembershipForm


def _setup_member_form(form, m: Membership | None = None):
    """Person, organisation and deputy are pickers (views/auswahl); an edit form keeps showing
    and accepting what the membership holds already."""
    if m is not None:
        keep_current(form.person_id, m.person_id)
        keep_current(form.deputy_id, m.deputy_id)
        keep_current(form.organisation_id, m.organisation_id)


def _member_values(form):
    return {
        k: getattr(form, k).data
        for k in ("person_id", "organisation_id", "deputy_id", "has_mandate", "circle", "start_date", "end_date")
    } | {"role": form.role.data or None}


@bp.route("/<int:committee_id>/mitglieder", methods=["POST"])
def member_add(committee_id):
    c = _get_committee(committee_id)
    _manage(perm.can_manage_committee(current_user, c))
    form = MembershipForm(prefix="m")
    _setup_member_form(form)
    done = submit(
        form,
        lambda: mitglieder_svc.add_membership(current_user, c, _member_values(form)),
        success="Mitglied wurde aufgenommen.",
        to=url_for(".detail", committee_id=c.id) + "#mitglieder",
        code=303,
    )
    return done.response or (render_template("gremien/member_form.html", form=form, c=c, obj=None), done.status)


@bp.route("/mitgliedschaft/<int:membership_id>/bearbeiten", methods=["GET", "POST"])
def member_edit(membership_id):
    m = db.session.get(Membership, membership_id)
    if m is None or not perm.can_view_committee(current_user, m.committee):
        abort(404)
    _manage(perm.can_manage_committee(current_user, m.committee))
    form = MembershipForm(obj=m, prefix="m")
    _setup_member_form(form, m)
    done = submit(
        form,
        lambda: mitglieder_svc.update_membership(current_user, m, _member_values(form)),
        success="Mitgliedschaft wurde gespeichert.",
        to=url_for(".detail", committee_id=m.committee_id) + "#mitglieder",
        code=303,
    )
    return done.response or (render_template("gremien/member_form.html", form=form, c=m.committee, obj=m), done.status)


@bp.route("/mitgliedschaft/<int:membership_id>/entfernen", methods=["POST"])
def member_remove(membership_id):
    m = db.session.get(Membership, membership_id)
    if m is None or not perm.can_view_committee(current_user, m.committee):
        abort(404)
    _manage(perm.can_manage_committee(current_user, m.committee))
    cid = m.committee_id
    mitglieder_svc.remove_membership(current_user, m)
    flash("Mitgliedschaft wurde beendet und entfernt.", "success")
    return redirect(url_for(".detail", committee_id=cid) + "#mitglieder", 303)
