"""Controlling: the quarterly Abweichungsbericht of a Planungsvorhaben or a Körperschaft (HTML, PDF, DOCX)."""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from beteiligung.permissions import planung as pperm
from beteiligung.services import NotFound, ServiceError, ValidationError
from beteiligung.services.kontrakte.kennzahlen import compact_de, format_euro
from beteiligung.services.planung import controlling as svc

from . import _raise_http, bp


def _default_period() -> tuple[int, int]:
    today = date.today()
    q = (today.month - 1) // 3  # the last completed quarter
    return (today.year, q) if q else (today.year - 1, 4)


def _period():
    y, q = _default_period()
    try:
        return svc.parse_period(request.args.get("jahr", y), request.args.get("quartal", q))
    except ValidationError:
        abort(404)


def _scope_or_404(kind, scope_id):
    if kind not in svc.SCOPES:
        abort(404)
    try:
        return svc.get_scope(current_user, kind, scope_id)
    except NotFound:
        abort(404)


def _num(value):
    return compact_de(value.quantize(value.__class__("0.01"))) if value is not None else "–"


def _render(kind, scope, year, quarter, errors=None, texts=None, code=200):
    report = svc.build(current_user, kind, scope, year, quarter)
    return render_template(
        "planung/controlling.html",
        r=report,
        kind=kind,
        scope=scope,
        num=_num,
        euro=format_euro,
        may_explain=pperm.can_explain_deviations(current_user, scope),
        errors=errors or {},
        texts=texts or {},
    ), code


@bp.route("/controlling/<kind>/<int:scope_id>", methods=["GET", "POST"])
def controlling(kind, scope_id):
    scope = _scope_or_404(kind, scope_id)
    year, quarter = _period()
    if request.method == "POST":
        if not pperm.can_explain_deviations(current_user, scope):
            abort(403)
        texts = {}
        for name, value in request.form.items():
            if name.startswith("erl-"):
                parts = name.split("-")
                if len(parts) != 3 or parts[1] not in ("kennzahl", "massnahme") or not parts[2].isdigit():
                    abort(404)
                texts[(parts[1], int(parts[2]))] = value
        try:
            n = svc.save_notes(current_user, kind, scope, year, quarter, texts)
            flash(f"{n} Erläuterung(en) gespeichert.", "success")
            return redirect(
                url_for(".controlling", kind=kind, scope_id=scope_id, jahr=year, quartal=quarter) + "#abweichungen"
            )
        except ValidationError as exc:
            return _render(
                kind, scope, year, quarter, errors=exc.errors, texts={n: v for n, v in request.form.items()}, code=422
            )
        except ServiceError as exc:
            _raise_http(exc)
    return _render(kind, scope, year, quarter)


def _filename(kind, scope_id, year, quarter, ext):
    return f"abweichungsbericht-{kind}-{scope_id}-{year}-q{quarter}.{ext}"


@bp.route("/controlling/<kind>/<int:scope_id>.pdf")
def controlling_pdf(kind, scope_id):
    scope = _scope_or_404(kind, scope_id)
    year, quarter = _period()
    report = svc.build(current_user, kind, scope, year, quarter)
    html = render_template("planung/controlling_pdf.html", r=report, num=_num, euro=format_euro)
    response = current_app.response_class(svc.pdf(report, html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(kind, scope_id, year, quarter, "pdf")}"'
    )
    return response


@bp.route("/controlling/<kind>/<int:scope_id>.docx")
def controlling_docx(kind, scope_id):
    scope = _scope_or_404(kind, scope_id)
    year, quarter = _period()
    report = svc.build(current_user, kind, scope, year, quarter)
    response = current_app.response_class(
        svc.docx(report), mimetype="application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response.headers["Content-Disposition"] = (
        f'attachment; filename="{_filename(kind, scope_id, year, quarter, "docx")}"'
    )
    return response
