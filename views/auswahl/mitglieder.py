"""Mitglieder übernehmen aus … (issue 15): several members at once from an organisation, a
platform role or another committee – choose the source, see the preview, confirm once."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import RadioField, SelectField

from beteiligung.permissions import auswahl as auswahl_perm
from beteiligung.services import ServiceError
from beteiligung.services.auswahl import uebernahme
from beteiligung.services.gremien import gremien as gremien_svc
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from beteiligung.uow import discard

from ..forms import Form, IdSelectField, fail
from . import bp
from .fields import PickerField, search_requested


class TakeOverForm(Form):
    quelle = RadioField(
        "Mitglieder übernehmen aus …",
        choices=list(uebernahme.SOURCES.items()),
        default="organisation",
    )
    organisation_id = PickerField(
        "Organisation", art="organisationen", zweck="mitglied", description="Bei „einer Organisation“: ihre Personen."
    )
    rolle = SelectField(
        "Rolle",
        choices=[("", "– bitte wählen –")] + list(uebernahme.ROLES.items()),
        description="Bei „einer Rolle“.",
        validate_choice=False,  # checked by the service (German message at the field)
    )
    gremium_id = IdSelectField("Gremium", description="Bei „einem anderen Gremium“: seine aktiven Mitglieder.")
    circle = SelectField(
        "Kreis der neuen Mitglieder",
        choices=[(c, c) for c in mitglieder_svc.CIRCLES],
        default="erweiterter Kreis",
    )


def _ref(form):
    return {"organisation": form.organisation_id.data, "rolle": form.rolle.data, "gremium": form.gremium_id.data}.get(
        form.quelle.data
    )


@bp.route("/gremien/<int:committee_id>/mitglieder", methods=["GET", "POST"])
def mitglieder_uebernehmen(committee_id):
    try:
        committee = gremien_svc.get_committee(current_user, committee_id)
    except ServiceError:
        abort(404)
    if not auswahl_perm.can_take_over_members(current_user, committee):
        abort(403)
    form = TakeOverForm()
    form.gremium_id.choices = [(None, "– bitte wählen –")] + [
        (c.id, c.name) for c in uebernahme.source_committees(current_user, committee)
    ]
    back = url_for("gremien.detail", committee_id=committee.id) + "#mitglieder"
    step = request.form.get("schritt", "vorschau")
    result, status, person_error = None, 200, None
    if request.method == "POST" and search_requested(form):
        pass  # the organisation picker's "Suchen" without JavaScript
    elif request.method == "POST" and form.validate_on_submit():
        try:
            if step == "uebernehmen":
                ids = [int(v) for v in request.form.getlist("person_ids") if v.isdigit() and len(v) < 10]
                added, skipped = uebernahme.take_over(
                    current_user, committee, form.quelle.data, _ref(form), ids, form.circle.data
                )
                message = f"{len(added)} {'Mitglied wurde' if len(added) == 1 else 'Mitglieder wurden'} aufgenommen."
                if skipped:
                    message += " Bereits Mitglied (übersprungen): " + ", ".join(p.full_name for p in skipped) + "."
                flash(message, "success")
                return redirect(back, 303)
            result = uebernahme.preview(current_user, committee, form.quelle.data, _ref(form))
        except ServiceError as exc:
            person_error = (exc.errors or {}).pop("person_ids", None)
            if exc.errors or not person_error:
                fail(exc, form)
            else:
                discard()
                result = uebernahme.preview(current_user, committee, form.quelle.data, _ref(form))
            status = exc.status if exc.status in (403, 404, 409) else 422
    elif request.method == "POST":
        status = 422
    return (
        render_template(
            "auswahl/mitglieder.html",
            c=committee,
            form=form,
            result=result,
            person_error=person_error,
            back=back,
        ),
        status,
    )
