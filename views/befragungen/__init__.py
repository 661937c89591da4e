"""Befragungen (staff): list, builder, translations, QR/invitations, paper entry, results,
exports, codebook, coding screen, findings. Public answering pages: views/befragungen/umfrage.py."""

from __future__ import annotations

import io
import re
from datetime import date, datetime

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from beteiligung import permissions as perm
from beteiligung.exports import csv_response, xlsx_response
from beteiligung.extensions import db
from beteiligung.services import ServiceError, ValidationError
from beteiligung.services.befragungen import befragung as svc
from beteiligung.services.befragungen import ergebnisse as results_svc
from beteiligung.services.befragungen import kodierung as coding_svc
from beteiligung.uow import discard
from models import Body, Committee, Term
from models.surveys import (
    QUESTION_KINDS,
    SURVEY_LANGUAGES,
    SURVEY_STATES,
    Code,
    Finding,
    Survey,
    SurveyResponse,
)

bp = Blueprint("befragungen", __name__, url_prefix="/befragungen")
ALL = results_svc.ALL


@bp.before_request
@login_required
def _login():
    if not perm.can_use_surveys(current_user):
        abort(403)


def _survey(survey_id: int, manage: bool = False) -> Survey:
    survey = db.session.get(Survey, survey_id)
    if survey is None or not perm.can_view_survey(current_user, survey):
        abort(404)
    if manage and not perm.can_manage_survey(current_user, survey):
        abort(403)
    return survey


def _ids(name, digits=9) -> list[int]:
    """Posted ids; digits keeps them in the integer range (answers use 52-bit random ids)."""
    out = []
    for v in request.form.getlist(name):
        if not re.fullmatch(r"\d{1,%d}" % digits, v):  # also keeps PostgreSQL integers in range
            raise ValidationError({name: "Ungültige Auswahl."})
        out.append(int(v))
    return out


def _int(name, default=None):
    v = (request.form.get(name) or "").strip()
    if not v:
        return default
    if not re.fullmatch(r"-?\d{1,6}", v):
        raise ValidationError({name: "Bitte eine ganze Zahl eingeben."})
    return int(v)


def _float(name):
    v = (request.form.get(name) or "").strip()
    if not v:
        return None
    try:
        return svc._parse_number(v)
    except ValueError:
        raise ValidationError({name: "Bitte eine Zahl eingeben."}) from None


def _date(name):
    v = (request.form.get(name) or "").strip()
    if not v:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            pass
    raise ValidationError({name: "Bitte ein Datum wie 21.11.2026 eingeben."})


# --- list and builder -------------------------------------------------------------


@bp.route("/")
def index():
    page = request.args.get("seite", 1, type=int)
    q = (
        select(Survey)
        .where(perm.survey_filter(current_user))
        .options(selectinload(Survey.body), selectinload(Survey.areas))
        .order_by(Survey.id.desc())
    )
    pagination = db.paginate(q, page=page, per_page=current_app.config["PER_PAGE"], error_out=False)
    ids = [s.id for s in pagination.items]
    counts = (
        dict(
            db.session.execute(
                select(SurveyResponse.survey_id, func.count(SurveyResponse.id))
                .where(SurveyResponse.survey_id.in_(ids))
                .group_by(SurveyResponse.survey_id)
            ).all()
        )
        if ids
        else {}
    )
    return render_template(
        "befragungen/index.html", pagination=pagination, counts=counts, may_create=perm.can_create_survey(current_user)
    )


def _form_context(survey=None, errors=None, status=200):
    bodies = db.session.scalars(select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)).all()
    from models import Area

    body_ids = [b.id for b in bodies] + ([survey.body_id] if survey else [])
    areas = db.session.scalars(
        select(Area)
        .where(Area.body_id.in_(body_ids))
        .options(selectinload(Area.body))
        .order_by(Area.body_id, Area.code)
    ).all()
    zielgruppen = db.session.scalars(select(Term).where(Term.vocabulary == "zielgruppe").order_by(Term.name)).all()
    return render_template(
        "befragungen/form.html",
        survey=survey,
        bodies=bodies,
        areas=areas,
        zielgruppen=zielgruppen,
        errors=errors or {},
        values=request.form if request.method == "POST" else None,
        languages=SURVEY_LANGUAGES,
    ), status


def _survey_data():
    return {
        "body_id": _int("body_id"),
        "title": request.form.get("title"),
        "intro": request.form.get("intro"),
        "purpose": request.form.get("purpose"),
        "decided_by": request.form.get("decided_by"),
        "privacy_notice": request.form.get("privacy_notice"),
        "starts_on": _date("starts_on"),
        "ends_on": _date("ends_on"),
        "threshold": _int("threshold"),
        "languages": request.form.getlist("languages"),
        "access": request.form.get("access"),
        "results_public": request.form.get("results_public") == "1",
        "questions_checked": request.form.get("questions_checked") == "1",
        "area_ids": _ids("area_ids"),
        "zielgruppe_ids": _ids("zielgruppe_ids"),
    }


@bp.route("/neu", methods=["GET", "POST"])
def create():
    if not perm.can_create_survey(current_user):
        abort(403)
    if request.method == "POST":
        try:
            survey = svc.create_survey(current_user, _survey_data())
        except ValidationError as exc:
            discard()
            return _form_context(None, exc.errors or {"title": exc.message}, 422)
        flash("Die Befragung wurde angelegt. Legen Sie jetzt die Fragen an.", "success")
        return redirect(url_for(".detail", survey_id=survey.id))
    return _form_context()


@bp.route("/<int:survey_id>/bearbeiten", methods=["GET", "POST"])
def edit(survey_id):
    survey = _survey(survey_id, manage=True)
    if request.method == "POST":
        try:
            data = _survey_data()
            data["body_id"] = survey.body_id
            svc.update_survey(current_user, survey, data, request.form.get("version"))
        except ServiceError as exc:  # the half-applied changes are thrown away; the form shows the input
            discard()
            survey = db.session.get(Survey, survey_id)
            if isinstance(exc, ValidationError):
                return _form_context(survey, exc.errors or {"title": exc.message}, 422)
            return _form_context(survey, {"title": exc.message}, exc.status)
        flash("Gespeichert.", "success")
        return redirect(url_for(".detail", survey_id=survey.id))
    return _form_context(survey)


@bp.route("/<int:survey_id>")
def detail(survey_id, error=None, status=200):
    survey = _survey(survey_id)
    public_url = current_app.config["BASE_URL"] + url_for("umfrage.start", key=survey.public_key)
    return render_template(
        "befragungen/detail.html",
        survey=survey,
        error=error,
        kinds=QUESTION_KINDS,
        states=SURVEY_STATES,
        transitions=[t for (f, t) in sorted(svc.TRANSITIONS) if f == survey.status],
        count=svc.response_count(survey),
        public_url=public_url,
        hints=svc.leading_wording_hints(survey),
        languages=SURVEY_LANGUAGES,
        may_manage=perm.can_manage_survey(current_user, survey),
    ), status


def _detail_error(survey_id, exc):
    discard()
    message = exc.message if not exc.errors else " ".join(exc.errors.values())
    return detail(survey_id, error=message, status=exc.status)


@bp.post("/<int:survey_id>/status")
def status(survey_id):
    survey = _survey(survey_id, manage=True)
    try:
        svc.change_status(current_user, survey, request.form.get("status", ""), request.form.get("version"))
    except ServiceError as exc:
        return _detail_error(survey_id, exc)
    flash(f"Status: {survey.status}.", "success")
    return redirect(url_for(".detail", survey_id=survey_id))


@bp.post("/<int:survey_id>/freigabe")
def sharing(survey_id):
    """Consent of the owning Kommune: results and findings readable Kreis-wide (or not)."""
    survey = _survey(survey_id)
    if not perm.can_share_survey(current_user, survey):
        abort(403)
    shared = request.form.get("freigabe")
    if shared not in ("ja", "nein"):
        abort(400)
    try:
        changed = svc.set_kreis_sharing(current_user, survey, shared == "ja", request.form.get("version"))
    except ServiceError as exc:
        return _detail_error(survey_id, exc)
    if changed:
        flash(
            "Die Ergebnisse und Befunde sind jetzt für den Kreis freigegeben."
            if shared == "ja"
            else "Die Freigabe für den Kreis ist zurückgenommen.",
            "success",
        )
    return redirect(url_for(".detail", survey_id=survey_id))


@bp.post("/<int:survey_id>/abschnitt")
def add_section(survey_id):
    survey = _survey(survey_id, manage=True)
    try:
        svc.add_section(current_user, survey, request.form.get("title"))
    except ServiceError as exc:
        return _detail_error(survey_id, exc)
    return redirect(url_for(".detail", survey_id=survey_id))


def _question_form(survey, question=None, errors=None, status=200):
    conditions = [
        (o.id, f"„{q.text[:50]}“ = {o.label}")
        for q in survey.questions
        if q is not question and q.kind in ("janein", "skala", "einfach", "mehrfach")
        for o in q.options
    ]
    return render_template(
        "befragungen/question_form.html",
        survey=survey,
        question=question,
        kinds=QUESTION_KINDS,
        conditions=conditions,
        errors=errors or {},
        values=request.form if request.method == "POST" else None,
    ), status


def _question_data():
    return {
        "kind": request.form.get("kind"),
        "text": request.form.get("text"),
        "help": request.form.get("help"),
        "required": request.form.get("required") == "1",
        "allow_other": request.form.get("allow_other") == "1",
        "section_id": _int("section_id"),
        "options": request.form.get("options", ""),
        "scale_points": _int("scale_points"),
        "min_value": _float("min_value"),
        "max_value": _float("max_value"),
        "max_length": _int("max_length", 2000),
        "condition_option_id": _int("condition_option_id"),
    }


@bp.route("/<int:survey_id>/frage/neu", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/frage/<int:question_id>", methods=["GET", "POST"])
def question(survey_id, question_id=None):
    survey = _survey(survey_id, manage=True)
    q = None
    if question_id is not None:
        q = next((x for x in survey.questions if x.id == question_id), None)
        if q is None:
            abort(404)
    if request.method == "POST":
        try:
            svc.save_question(current_user, survey, _question_data(), q)
        except ServiceError as exc:
            discard()
            survey = db.session.get(Survey, survey_id)
            q = next((x for x in survey.questions if x.id == question_id), None) if question_id else None
            return _question_form(survey, q, exc.errors or {"text": exc.message}, exc.status)
        flash("Frage gespeichert.", "success")
        return redirect(url_for(".detail", survey_id=survey_id) + "#fragen")
    return _question_form(survey, q)


@bp.post("/<int:survey_id>/frage/<int:question_id>/aktion")
def question_action(survey_id, question_id):
    survey = _survey(survey_id, manage=True)
    q = next((x for x in survey.questions if x.id == question_id), None)
    if q is None:
        abort(404)
    action = request.form.get("aktion")
    try:
        if action == "loeschen":
            svc.delete_question(current_user, survey, q)
        elif action in ("hoch", "runter"):
            svc.move_question(current_user, survey, q, -1 if action == "hoch" else 1)
        elif action == "zielgruppe":
            svc.set_option_zielgruppe(current_user, survey, _int("option_id"), _int("zielgruppe_id"))
        else:
            abort(400)
    except ServiceError as exc:
        return _detail_error(survey_id, exc)
    return redirect(url_for(".detail", survey_id=survey_id) + "#fragen")


@bp.route("/<int:survey_id>/uebersetzung/<lang>", methods=["GET", "POST"])
def translate(survey_id, lang):
    survey = _survey(survey_id, manage=True)
    if lang not in SURVEY_LANGUAGES or lang == "de":
        abort(404)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            svc.save_translations(current_user, survey, lang, request.form.to_dict())
            flash("Übersetzung gespeichert.", "success")
            return redirect(url_for(".detail", survey_id=survey_id))
        except ServiceError as exc:
            discard()
            survey = db.session.get(Survey, survey_id)
            errors, status = exc.errors or {"_": exc.message}, exc.status
    targets = [
        (svc.target_key(o, f), f, de, o.tr(f, lang) if o.tr(f, lang) != de else "")
        for o, f, de in svc.translation_targets(survey)
    ]
    label, html_lang, direction = SURVEY_LANGUAGES[lang]
    return render_template(
        "befragungen/translate.html",
        survey=survey,
        lang=lang,
        label=label,
        html_lang=html_lang,
        direction=direction,
        targets=targets,
        errors=errors,
        values=request.form if request.method == "POST" else None,
    ), status


# --- QR, invitations, paper ---------------------------------------------------------


def _public_url(survey):
    return current_app.config["BASE_URL"] + url_for("umfrage.start", key=survey.public_key)


@bp.route("/<int:survey_id>/qr.<fmt>")
def qr(survey_id, fmt):
    import segno

    survey = _survey(survey_id)
    if fmt not in ("svg", "png"):
        abort(404)
    code = segno.make(_public_url(survey), error="m")
    buf = io.BytesIO()
    if fmt == "svg":
        code.save(buf, kind="svg", scale=8, title=f"QR-Code: {survey.title}")
        mimetype = "image/svg+xml"
    else:
        code.save(buf, kind="png", scale=12, border=4)
        mimetype = "image/png"
    return Response(
        buf.getvalue(),
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="befragung-{survey.id}-qr.{fmt}"'},
    )


@bp.post("/<int:survey_id>/einladungen")
def invitations(survey_id):
    survey = _survey(survey_id, manage=True)
    try:
        count = _int("count", 0)
        tokens = svc.issue_tokens(current_user, survey, count)
    except ServiceError as exc:
        return _detail_error(survey_id, exc)
    base = current_app.config["BASE_URL"]
    rows = ((n, base + url_for("umfrage.token", key=survey.public_key, token=t)) for n, t in enumerate(tokens, 1))
    return csv_response(f"einladungen-befragung-{survey.id}.csv", ["Nr.", "Persönlicher Link (einmal gültig)"], rows)


@bp.route("/<int:survey_id>/papier", methods=["GET", "POST"])
def paper(survey_id):
    from .umfrage import render_answer_form

    survey = _survey(survey_id, manage=True)
    if not survey.collecting:
        flash(
            "Papierfragebögen können erfasst werden, solange die Befragung offen oder geschlossen (noch nicht ausgewertet) ist.",
            "warning",
        )
        return redirect(url_for(".detail", survey_id=survey_id))
    errors, status = {}, 200
    if request.method == "POST":
        values, errors = svc.parse_answers(survey, survey.questions, request.form)
        if not errors:
            try:
                svc.submit_response(survey, values, request.form.get("sk"), "de", paper=True, user=current_user)
                flash("Papierfragebogen gespeichert. Nächster Bogen:", "success")
                return redirect(url_for(".paper", survey_id=survey_id))
            except ValidationError as exc:
                discard()
                errors = exc.errors or {"_": exc.message}
        status = 422
    return render_answer_form(
        survey,
        "de",
        survey.questions,
        request.form if errors else {},
        errors,
        status,
        staff=True,
        action=url_for(".paper", survey_id=survey_id),
    )


@bp.route("/strassen", methods=["GET", "POST"])
def streets():
    if not perm.can_create_survey(current_user):
        abort(403)
    bodies = db.session.scalars(select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)).all()
    error, status = None, 200
    if request.method == "POST":
        body_id = request.form.get("body_id", type=int)
        upload = request.files.get("datei")
        text = request.form.get("text") or ""
        if upload and upload.filename:
            try:
                text = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                text, error = "", "Die Datei ist nicht UTF-8-kodiert."
        if not error:
            try:
                n = svc.import_streets(current_user, body_id, text)
                flash(f"{n} Straßen übernommen.", "success")
                return redirect(url_for(".streets"))
            except ServiceError as exc:
                discard()
                error = exc.message
        status = 422
    return render_template("befragungen/streets.html", bodies=bodies, error=error), status


# --- results and exports ---------------------------------------------------------------


def _filters(rt):
    a, z = results_svc.parse_filter(rt, request.args.get("sozialraum"), request.args.get("zielgruppe"))
    if a is None or z is None:
        abort(404)
    return a, z


# free texts listed per question on the page: a fixed random sample of 50 (issue 14: 200 per question made the
# page of a large survey slow and long); all are in the export and on the page „Codieren“
RESULT_TEXT_LIMIT = 50


@bp.route("/<int:survey_id>/ergebnisse")
def results(survey_id):
    survey = _survey(survey_id)
    rt = results_svc.compute(survey)
    a, z = _filters(rt)
    compare = request.args.get("vergleich") if request.args.get("vergleich") in ("sozialraum", "zielgruppe") else None
    views = [
        results_svc.question_view(rt, q, a, z, texts=not compare, text_limit=RESULT_TEXT_LIMIT) for q in rt.questions
    ]
    comparison = None
    if compare:
        cols = rt.area_values if compare == "sozialraum" else rt.zg_values
        labels = rt.area_labels if compare == "sozialraum" else rt.zg_labels
        comparison = {
            "cols": [(c, labels[c]) for c in cols],
            "views": {
                c: [
                    results_svc.question_view(
                        rt, q, c if compare == "sozialraum" else a, z if compare == "sozialraum" else c, texts=False
                    )
                    for q in rt.questions
                ]
                for c in cols
            },
        }
    codes = coding_svc.codebook(survey)
    code_freq = results_svc.code_frequencies(rt, codes, a, z) if codes else []
    return render_template(
        "befragungen/results.html",
        survey=survey,
        rt=rt,
        a=a,
        z=z,
        views=views,
        comparison=comparison,
        compare=compare,
        code_freq=code_freq,
        conditions=results_svc.condition_labels(rt),
        text_limit=RESULT_TEXT_LIMIT,
        ALL=ALL,
    )


@bp.route("/<int:survey_id>/export.<fmt>")
def export(survey_id, fmt):
    survey = _survey(survey_id, manage=True)
    if fmt not in ("csv", "xlsx"):
        abort(404)
    rt = results_svc.compute(survey)
    a, z = _filters(rt)
    headers, rows = results_svc.export_rows(rt, a, z)
    name = f"befragung-{survey.id}-antworten"
    if fmt == "csv":
        return csv_response(name + ".csv", headers, rows)
    codes = coding_svc.codebook(survey)
    codebook_rows = [
        [
            c.name,
            c.parent.name if c.parent else "",
            c.definition or "",
            c.example or "",
            "gemeinsam" if c.survey_id is None else "diese Befragung",
        ]
        for c in codes
    ]
    return xlsx_response(
        name + ".xlsx",
        "Antworten",
        headers,
        rows,
        extra_sheets=[("Codebuch", ["Code", "Oberkategorie", "Definition", "Ankerbeispiel", "Geltung"], codebook_rows)],
    )


@bp.route("/<int:survey_id>/bericht.pdf")
def report_pdf(survey_id):
    from weasyprint import HTML

    survey = _survey(survey_id)
    rt = results_svc.compute(survey)
    a, z = _filters(rt)
    views = [results_svc.question_view(rt, q, a, z, texts=False) for q in rt.questions]  # the report lists no texts
    findings = coding_svc.findings_of(survey)
    html = render_template(
        "befragungen/report_pdf.html",
        survey=survey,
        rt=rt,
        a=a,
        z=z,
        views=views,
        findings=findings,
        today=date.today(),
        ALL=ALL,
    )
    pdf = HTML(string=html, base_url=request.url_root).write_pdf()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="befragung-{survey.id}-bericht.pdf"'},
    )


# --- codebook, coding, findings -------------------------------------------------------


@bp.route("/<int:survey_id>/codebuch", methods=["GET", "POST"])
def codes(survey_id):
    survey = _survey(survey_id)
    errors, status = {}, 200
    if request.method == "POST":
        if not perm.can_manage_survey(current_user, survey):
            abort(403)
        code = None
        if request.form.get("code_id"):
            code = db.session.get(Code, _int("code_id"))
            if code is None or code not in coding_svc.codebook(survey):
                abort(404)
        try:
            coding_svc.save_code(
                current_user,
                survey,
                {
                    "name": request.form.get("name"),
                    "definition": request.form.get("definition"),
                    "example": request.form.get("example"),
                    "parent_id": _int("parent_id"),
                    "shared": request.form.get("shared") == "1",
                },
                code,
            )
            flash("Code gespeichert.", "success")
            return redirect(url_for(".codes", survey_id=survey_id))
        except ServiceError as exc:
            discard()
            errors, status = exc.errors or {"name": exc.message}, exc.status
    return render_template(
        "befragungen/codes.html",
        survey=survey,
        codes=coding_svc.codebook(survey),
        agreement=coding_svc.agreement_for_survey(survey),
        errors=errors,
        values=request.form if request.method == "POST" else None,
        may_manage=perm.can_manage_survey(current_user, survey),
    ), status


@bp.route("/<int:survey_id>/codieren", methods=["GET", "POST"])
def code_answers(survey_id):
    survey = _survey(survey_id)
    if not perm.can_code_survey(current_user, survey):
        abort(403)
    slot = 2 if request.values.get("runde") == "2" else 1
    answers = coding_svc.free_text_answers(survey)
    if request.method == "POST":
        try:
            answer_id = int(request.form.get("answer_id", ""))
            if not 0 < answer_id < 2**62:
                raise ValueError
        except ValueError:
            abort(400)
        try:
            coding_svc.code_answer(current_user, survey, answer_id, _ids("code_ids"), slot)
        except ServiceError as exc:
            discard()
            if exc.status == 404:
                abort(404)
            flash(exc.message, "danger")
            return redirect(url_for(".code_answers", survey_id=survey_id, runde=slot)), 303
        return redirect(url_for(".code_answers", survey_id=survey_id, runde=slot))
    done = coding_svc.coded_answer_ids(survey, slot)
    wanted = request.args.get("antwort", type=int)
    current = next((x for x in answers if x.id == wanted), None) if wanted else None
    if current is None:
        current = next((x for x in answers if x.id not in done), None)
    selected = coding_svc.codings_of([current.id], slot)[current.id] if current else set()
    return render_template(
        "befragungen/coding.html",
        survey=survey,
        slot=slot,
        current=current,
        selected=selected,
        codes=coding_svc.codebook(survey),
        total=len(answers),
        done=len(done & {x.id for x in answers}),
        answers=answers,
        done_ids=done,
    )


@bp.route("/<int:survey_id>/befunde")
def findings(survey_id):
    survey = _survey(survey_id)
    items = coding_svc.findings_of(survey)
    committees = db.session.scalars(
        select(Committee)
        .where(perm.committee_filter(current_user), Committee.active.is_(True))
        .order_by(Committee.name)
    ).all()
    return render_template(
        "befragungen/findings.html",
        survey=survey,
        findings=items,
        committees=committees,
        followups=coding_svc.followups(items),
        may_manage=perm.can_manage_survey(current_user, survey),
    )


@bp.route("/<int:survey_id>/befunde/neu", methods=["GET", "POST"])
@bp.route("/<int:survey_id>/befunde/<int:finding_id>", methods=["GET", "POST"])
def finding_form(survey_id, finding_id=None):
    survey = _survey(survey_id, manage=True)
    finding = None
    if finding_id is not None:
        finding = db.session.get(Finding, finding_id)
        if finding is None or finding.survey_id != survey.id:
            abort(404)
    errors, status = {}, 200
    if request.method == "POST":
        try:
            data = {
                "title": request.form.get("title"),
                "text": request.form.get("text"),
                "thema_ids": _ids("thema_ids"),
                "area_ids": _ids("area_ids"),
                "code_ids": _ids("code_ids"),
                "quote_ids": _ids("quote_ids", 16),
                "is_public": request.form.get("is_public") == "1",
            }
            finding = coding_svc.save_finding(current_user, survey, data, finding, request.form.get("version"))
            flash("Befund gespeichert.", "success")
            return redirect(url_for(".findings", survey_id=survey_id))
        except ServiceError as exc:
            discard()
            errors, status = exc.errors or {"title": exc.message}, exc.status
            finding = db.session.get(Finding, finding_id) if finding_id else None
    themen = db.session.scalars(select(Term).where(Term.vocabulary == "thema").order_by(Term.name)).all()
    rt = results_svc.compute(survey)
    shown_quotes = set()
    groups = results_svc._response_groups(rt)
    answers = [x for x in coding_svc.free_text_answers(survey)]
    for x in answers:
        if groups.get(x.response_id) not in rt.group_supp:
            shown_quotes.add(x.id)
    return render_template(
        "befragungen/finding_form.html",
        survey=survey,
        finding=finding,
        themen=themen,
        codes=coding_svc.codebook(survey),
        answers=[x for x in answers if x.id in shown_quotes],
        errors=errors,
        values=request.form if request.method == "POST" else None,
    ), status


@bp.post("/<int:survey_id>/befunde/<int:finding_id>/gremium")
def finding_send(survey_id, finding_id):
    survey = _survey(survey_id, manage=True)
    finding = db.session.get(Finding, finding_id)
    if finding is None or finding.survey_id != survey.id:
        abort(404)
    try:
        coding_svc.send_to_committee(current_user, finding, _int("committee_id"))
    except ServiceError as exc:
        discard()
        return render_template(
            "errors/error.html",
            status=exc.status,
            title="Nicht gesendet",
            message=exc.message if not exc.errors else " ".join(exc.errors.values()),
        ), exc.status
    flash("Der Befund liegt jetzt im Themenspeicher des Gremiums.", "success")
    return redirect(url_for(".findings", survey_id=survey_id))
