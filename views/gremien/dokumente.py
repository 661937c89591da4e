"""Gremien: Dokumente an Tagesordnungspunkten (hochladen, herunterladen, löschen)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.services import ValidationError
from beteiligung.services.gremien import dokumente as dokumente_svc

from . import _manage, _term_choices, bp
from .forms import AgendaItemForm
from .tagesordnung import _get_item


@bp.route("/top/<int:item_id>/dokumente", methods=["POST"])
def document_add(item_id):
    item = _get_item(item_id)
    upload = request.files.get("datei")
    try:
        doc = dokumente_svc.add_document(
            current_user, item, upload.filename if upload else "", upload.read() if upload else b""
        )
        flash(f"Das Dokument „{doc.filename}“ wurde an TOP {item.number} angehängt.", "success")
        return redirect(url_for(".item_edit", item_id=item.id) + "#dokumente", 303)
    except ValidationError as exc:  # 422: the request's unit of work rolls back
        form = AgendaItemForm(obj=item, prefix="top")
        form.terms.choices = _term_choices(("thema",))
        form.terms.data = [t.id for t in item.terms]
        return render_template(
            "gremien/item_form.html",
            form=form,
            m=item.meeting,
            obj=item,
            upload_error=" ".join(exc.errors.values()) or exc.message,
        ), 422


def _get_document(doc_id):
    from models.committees import AgendaDocument

    doc = db.session.get(AgendaDocument, doc_id)
    if doc is None or not perm.can_view_meeting(current_user, doc.agenda_item.meeting):
        abort(404)
    if not doc.agenda_item.is_public and not perm.can_view_internal_items(current_user, doc.agenda_item.meeting):
        abort(404)
    return doc


@bp.route("/dokumente/<int:doc_id>")
def document_download(doc_id):
    from flask import send_file

    doc = _get_document(doc_id)
    from io import BytesIO

    data = dokumente_svc.document_data(doc)
    if data is None:
        abort(404)
    return send_file(BytesIO(data), mimetype=doc.content_type, as_attachment=True, download_name=doc.filename)


@bp.route("/dokumente/<int:doc_id>/loeschen", methods=["POST"])
def document_delete(doc_id):
    doc = _get_document(doc_id)
    _manage(perm.can_manage_meeting(current_user, doc.agenda_item.meeting))
    item_id = doc.agenda_item_id
    dokumente_svc.delete_document(current_user, doc)
    flash("Das Dokument wurde entfernt.", "success")
    return redirect(url_for(".item_edit", item_id=item_id) + "#dokumente", 303)
