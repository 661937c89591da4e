"""Gremien: persönlicher Kalender-Link (Abonnement der eigenen Sitzungen)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from beteiligung import permissions as perm
from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.gremien import kalender as cal_svc

from . import _manage, bp


@bp.route("/kalender", methods=["GET", "POST"])
def feed():
    _manage(perm.can_use_calendar_feed(current_user))
    new_url = None
    if request.method == "POST":
        action = request.form.get("aktion")
        if action == "widerrufen":
            n = cal_svc.revoke_feeds(current_user)
            flash("Der Kalender-Link wurde widerrufen." if n else "Es gab keinen aktiven Kalender-Link.", "success")
            return redirect(url_for(".feed"), 303)
        token = cal_svc.create_feed(current_user)
        new_url = inv_svc.external_url("oeffentlich.personal_feed", token=token)
        flash("Ein neuer Kalender-Link wurde erzeugt; ein früherer Link gilt nicht mehr.", "success")
    active = cal_svc.active_feed(current_user)
    return render_template("gremien/feed.html", active=active, new_url=new_url)
