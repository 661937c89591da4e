"""HTML pages: "Offene Daten" (public) and the Vorlagen (staff; a published Vorlage is public)."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from beteiligung.extensions import db
from beteiligung.permissions import oparl as perm
from beteiligung.services import Conflict, NotFound, ValidationError
from beteiligung.services.betrieb import jobs
from beteiligung.services.oparl import papers as svc
from models.oparl import Paper
from models.protocols import ProtocolEntry

from ..forms import Form, VersionField, after_conflict
from . import bp


class PaperForm(Form):
    name = StringField("Titel", validators=[DataRequired("Bitte einen Titel angeben."), Length(max=300)])
    text = TextAreaField("Beschlusstext", validators=[DataRequired("Bitte den Beschlusstext angeben.")])
    version = VersionField()


@bp.route("/offene-daten")
def offene_daten():
    return render_template("oparl/offene_daten.html", entry=url_for("oparl.system", _external=False))


@bp.route("/vorlagen/")
@login_required
def papers():
    if not perm.can_list_papers(current_user):
        abort(403)
    rows = (
        db.session.scalars(
            select(Paper)
            .where(perm.paper_filter(current_user))
            .options(joinedload(Paper.addressee_org), joinedload(Paper.protocol_entry))
            .order_by(Paper.paper_date.desc(), Paper.id.desc())
        )
        .unique()
        .all()
    )
    return render_template("oparl/papers.html", rows=rows, candidates=svc.candidate_entries(current_user))


@bp.route("/vorlagen/neu/<int:entry_id>", methods=["POST"])
@login_required
def paper_create(entry_id):
    entry = db.session.get(ProtocolEntry, entry_id)
    if entry is None or not perm.can_prepare_paper(current_user, entry):
        abort(404)
    try:
        p = svc.create_paper(current_user, entry)
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()) or exc.message, "danger")
        return redirect(url_for(".papers"), 303)
    flash(f"Die Vorlage {p.reference} wurde als Entwurf angelegt.", "success")
    return redirect(url_for(".paper_page", paper_id=p.id), 303)


def _paper(paper_id: int) -> Paper:
    try:
        return svc.get_paper(current_user, paper_id)
    except NotFound:
        abort(404)


@bp.route("/vorlagen/<int:paper_id>")
def paper_page(paper_id):
    p = _paper(paper_id)
    return render_template(
        "oparl/paper.html", p=p, origin=(p.origin or "").splitlines(), manage=perm.can_manage_paper(current_user, p)
    )


@bp.route("/vorlagen/<int:paper_id>/bearbeiten", methods=["GET", "POST"])
@login_required
def paper_edit(paper_id):
    p = _paper(paper_id)
    if not perm.can_manage_paper(current_user, p):
        abort(404)
    form = PaperForm(obj=p) if request.method == "GET" else PaperForm()
    if request.method == "GET":
        form.version.data = p.version
        return render_template("oparl/paper_form.html", p=p, form=form)
    status = 422
    if form.validate():
        try:
            svc.update_paper(current_user, p, form.name.data, form.text.data, form.version.data)
            flash("Die Vorlage wurde gespeichert.", "success")
            return redirect(url_for(".paper_page", paper_id=p.id), 303)
        except Conflict as exc:
            flash(after_conflict(form, exc, p), "danger")
            status = 409
        except ValidationError as exc:
            form.apply_errors(exc.errors)
    return render_template("oparl/paper_form.html", p=p, form=form), status


def _state_change(paper_id, action, done):
    p = _paper(paper_id)
    if not perm.can_manage_paper(current_user, p):
        abort(404)
    try:
        action(current_user, p, request.form.get("version"))
    except Conflict as exc:
        flash(exc.message, "danger")
        return render_template("oparl/paper.html", p=p, origin=(p.origin or "").splitlines(), manage=True), 409
    except ValidationError as exc:
        flash(" ".join(exc.errors.values()) or exc.message, "danger")
        return render_template("oparl/paper.html", p=p, origin=(p.origin or "").splitlines(), manage=True), 422
    flash(done, "success")
    return redirect(url_for(".paper_page", paper_id=p.id), 303)


@bp.route("/vorlagen/<int:paper_id>/veroeffentlichen", methods=["POST"])
@login_required
def paper_publish(paper_id):
    return _state_change(
        paper_id,
        svc.publish_paper,
        "Die Vorlage ist veröffentlicht: als Seite, als PDF/DOCX und in der OParl-Schnittstelle.",
    )


@bp.route("/vorlagen/<int:paper_id>/zurueckziehen", methods=["POST"])
@login_required
def paper_withdraw(paper_id):
    return _state_change(
        paper_id, svc.withdraw_paper, "Die Vorlage wurde zurückgezogen; die Schnittstelle meldet sie als gelöscht."
    )


@bp.route("/vorlagen/<int:paper_id>/entwurf.<fmt>")
@login_required
def paper_preview(paper_id, fmt):
    p = _paper(paper_id)
    if not perm.can_manage_paper(current_user, p) or fmt not in ("pdf", "docx"):
        abort(404)
    name = p.reference.replace("/", "-") + f"-entwurf.{fmt}"
    if fmt == "pdf" and jobs.uses_queue():  # with a worker the PDF is made by the queue, not in this request
        return render_template(
            "betrieb/dokument_bestellen.html",
            title=f"Entwurf der Vorlage {p.reference} als PDF",
            art="vorlage",
            fields={"paper_id": p.id},
        )
    if fmt == "pdf":
        return Response(
            svc.paper_pdf(p),
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return Response(
        svc.paper_docx(p),
        mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
