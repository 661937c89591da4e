"""Kontenverwaltung, Postausgang, Aufbewahrungsfristen und Änderungsprotokoll."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from beteiligung import permissions as perm
from beteiligung.extensions import db
from beteiligung.formatting import anzahl
from beteiligung.services import ServiceError, accounts
from beteiligung.services.mail import smtp_configured
from beteiligung.services.stammdaten import importe
from models import (
    ROLE_ADMIN,
    ROLE_LABELS,
    Area,
    AuditEntry,
    Body,
    OutboxMail,
    RoleAssignment,
    User,
)

from .. import current_page
from ..auswahl.fields import PickerField, search_requested
from ..forms import CONTROL, Form, IdMultiSelectField, IdSelectField, act, fail, no_markup, submit

bp = Blueprint("verwaltung", __name__, url_prefix="/verwaltung")


@bp.before_request
@login_required
def _login():
    return None


class RoleFields(Form):
    role = SelectField("Rolle", choices=[])
    function_title = StringField(
        "Funktion",
        validators=[Optional(), Length(max=200), no_markup],
        description="z. B. „Sozialplanerin Kreis“, „Vertretung AWO im Netzwerk“",
    )
    body_id = IdSelectField("Körperschaft (für Sozialplanung, Politik)", choices=[])
    organisation_id = PickerField("Organisation (für Partner)", art="organisationen", zweck="allgemein")
    areas = IdMultiSelectField("Sozialräume (für Sozialraummanagement)", choices=[])


class InviteForm(RoleFields):
    email = EmailField(
        "E-Mail",
        validators=[
            DataRequired("Bitte E-Mail-Adresse angeben."),
            Email("Bitte eine gültige E-Mail-Adresse angeben."),
            Length(max=254),
        ],
    )
    display_name = StringField(
        "Name", validators=[DataRequired("Bitte den Namen angeben."), Length(max=200), no_markup]
    )


class DeputyForm(Form):
    deputy_id = IdSelectField("Vertretung", choices=[])
    deputy_active = BooleanField("Vertretung ist jetzt aktiv")


def _role_choices(form: RoleFields):
    admin = perm.is_admin(current_user)
    form.role.choices = [(k, v) for k, v in ROLE_LABELS.items() if admin or k != ROLE_ADMIN]
    bodies = db.session.scalars(select(Body).where(perm.planner_body_filter(current_user)).order_by(Body.name)).all()
    form.body_id.choices = [(None, "–")] + [(b.id, b.name) for b in bodies]
    areas = db.session.scalars(
        select(Area)
        .options(joinedload(Area.body))
        .where(perm.area_filter(current_user))
        .order_by(Area.body_id, Area.code)
    ).all()
    form.areas.choices = [(a.id, f"{a.body.name}: {a.code} {a.name}") for a in areas]


def _role_values(form: RoleFields) -> dict:
    areas = list(db.session.scalars(select(Area).where(Area.id.in_(form.areas.data or [])))) if form.areas.data else []
    return {
        "role": form.role.data,
        "function_title": form.function_title.data,
        "body_id": form.body_id.data,
        "organisation_id": form.organisation_id.data,
        "areas": areas,
    }


def _require_users():
    if not perm.can_manage_users(current_user):
        abort(403)


def _managed_user(user_id):
    user = db.session.get(User, user_id)
    if user is None or not perm.can_manage_user(current_user, user):
        abort(404)
    return user


@bp.route("/benutzer/")
def users():
    _require_users()
    q = (
        select(User)
        .options(selectinload(User.roles).selectinload(RoleAssignment.areas))
        .where(perm.user_filter(current_user))
        .order_by(User.display_name)
    )
    text = CONTROL.sub("", request.args.get("q") or "").strip()[:100]
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        q = q.where(
            or_(
                func.lower(User.email).like(pattern, escape="\\"),
                func.lower(User.display_name).like(pattern, escape="\\"),
            )
        )
    pagination = db.paginate(q, page=current_page(), per_page=25, error_out=False)
    return render_template("verwaltung/users.html", pagination=pagination, users=pagination.items, q=text)


@bp.route("/benutzer/einladen", methods=["GET", "POST"])
def invite():
    _require_users()
    form = InviteForm()
    _role_choices(form)
    done = submit(
        form,
        lambda: accounts.invite_user(current_user, form.email.data, form.display_name.data, _role_values(form)),
        success=lambda user: (
            f"{user.display_name} wurde eingeladen; die E-Mail mit dem Aktivierungslink liegt im Postausgang."
        ),
        to=lambda user: url_for(".user_detail", user_id=user.id),
    )
    return done.response or (render_template("verwaltung/invite.html", form=form), done.status)


@bp.route("/benutzer/<int:user_id>", methods=["GET"])
def user_detail(user_id):
    _require_users()
    user = _managed_user(user_id)
    role_form = RoleFields()
    _role_choices(role_form)
    return _user_page(user, role_form)


def _user_page(user, role_form):
    deputies = db.session.scalars(
        select(User).where(User.id != user.id, perm.deputy_candidate_filter(current_user)).order_by(User.display_name)
    ).all()
    return render_template(
        "verwaltung/user.html",
        user=user,
        role_form=role_form,
        deputy_choices=[(u.id, u.display_name) for u in deputies],
    )


@bp.route("/benutzer/<int:user_id>/rolle", methods=["POST"])
def user_add_role(user_id):
    _require_users()
    user = _managed_user(user_id)
    form = RoleFields()
    _role_choices(form)
    if search_requested(form):  # the organisation picker's "Suchen" without JavaScript
        return _user_page(user, form)
    if form.validate_on_submit():
        try:
            accounts.add_role(current_user, user, _role_values(form))
            flash("Rolle vergeben.", "success")
            return redirect(url_for(".user_detail", user_id=user.id), 303)
        except ServiceError as exc:
            fail(exc, form)
    for name, messages in form.errors.items():
        for m in messages:
            flash(f"{getattr(form, name).label.text}: {m}", "danger")
    return redirect(url_for(".user_detail", user_id=user.id), 303)


@bp.route("/rollen/<int:role_id>/entfernen", methods=["POST"])
def role_remove(role_id):
    _require_users()
    role = db.session.get(RoleAssignment, role_id)
    if role is None:
        abort(404)
    _managed_user(role.user_id)
    accounts.remove_role(current_user, role)
    flash("Rolle entzogen.", "success")
    return redirect(url_for(".user_detail", user_id=role.user_id), 303)


@bp.route("/rollen/<int:role_id>/vertretung", methods=["POST"])
def role_deputy(role_id):
    role = db.session.get(RoleAssignment, role_id)
    if role is None or not (role.user_id == current_user.id or perm.can_manage_user(current_user, role.user)):
        abort(404)
    form = DeputyForm()
    form.deputy_id.choices = [(None, "– keine –")] + [
        (u.id, u.display_name)
        for u in db.session.scalars(select(User).where(perm.deputy_candidate_filter(current_user)))
    ]
    if form.validate_on_submit():
        deputy = db.session.get(User, form.deputy_id.data) if form.deputy_id.data else None
        try:
            accounts.set_deputy(current_user, role, deputy, form.deputy_active.data)
            flash("Vertretung gespeichert.", "success")
        except ServiceError as exc:
            fail(exc)
    else:
        flash("Bitte eine gültige Vertretung wählen.", "danger")
    target = (
        url_for(".user_detail", user_id=role.user_id)
        if perm.can_manage_users(current_user)
        else url_for("verwaltung.profile")
    )
    return redirect(target, 303)


@bp.route("/benutzer/<int:user_id>/aktivierung", methods=["POST"])
def user_resend(user_id):
    _require_users()
    user = _managed_user(user_id)
    return act(
        lambda: accounts.send_activation(current_user, user),
        success="Der Aktivierungslink wurde erneut in den Postausgang gelegt.",
        to=url_for(".user_detail", user_id=user.id),
    )


@bp.route("/benutzer/<int:user_id>/sperren", methods=["POST"])
def user_toggle(user_id):
    _require_users()
    user = _managed_user(user_id)
    return act(
        lambda: accounts.set_enabled(
            current_user, user, request.form.get("enable") == "1", request.form.get("version")
        ),
        success=lambda _: "Konto " + ("entsperrt." if user.is_enabled else "gesperrt."),
        to=url_for(".user_detail", user_id=user.id),
    )


@bp.route("/profil")
def profile():
    deputies = db.session.scalars(
        select(User)
        .where(User.id != current_user.id, perm.deputy_candidate_filter(current_user))
        .order_by(User.display_name)
    ).all()
    return render_template("verwaltung/profile.html", deputy_choices=[(u.id, u.display_name) for u in deputies])


# --- outbox ------------------------------------------------------------------


@bp.route("/postausgang/")
def outbox():
    if not perm.can_read_outbox(current_user):
        abort(403)
    q = select(OutboxMail).order_by(OutboxMail.id.desc())
    pagination = db.paginate(q, page=current_page(), per_page=25, error_out=False)
    return render_template("verwaltung/outbox.html", pagination=pagination, smtp=smtp_configured())


@bp.route("/postausgang/<int:mail_id>")
def outbox_mail(mail_id):
    if not perm.can_read_outbox(current_user):
        abort(403)
    mail = db.session.get(OutboxMail, mail_id)
    if mail is None:
        abort(404)
    return render_template("verwaltung/outbox_mail.html", mail=mail)


@bp.route("/postausgang/senden", methods=["POST"])
def outbox_send():
    if not perm.can_read_outbox(current_user):
        abort(403)
    if not smtp_configured():
        flash("Es ist kein SMTP-Server eingerichtet (SMTP_HOST).", "warning")
    else:
        # The request only hands the delivery to the worker (or an in-process job in development).
        from beteiligung.services.betrieb.jobs import defer

        defer("postausgang", respect_backoff=False)
        flash("Der Versand wurde beauftragt. Der Status der Mails aktualisiert sich in Kürze.", "info")
    return redirect(url_for(".outbox"), 303)


# --- retention ---------------------------------------------------------------


@bp.route("/aufbewahrung", methods=["GET", "POST"])
def retention():
    if not perm.can_manage_retention(current_user):
        abort(403)
    from beteiligung.services import retention as svc

    if request.method == "POST":
        counts = svc.run_all(current_user)
        flash(
            "Aufbewahrungsfristen angewendet: "
            + "; ".join(f"{svc.RULES_BY_KEY[k].label}: {n} gelöscht" for k, n in counts.items())
            + ".",
            "success",
        )
        return redirect(url_for(".retention"), 303)
    return render_template("verwaltung/retention.html", rows=svc.overview())


# --- audit -------------------------------------------------------------------


@bp.route("/protokoll/")
def audit():
    if not perm.can_read_audit_log(current_user):
        abort(403)
    q = select(AuditEntry).options(joinedload(AuditEntry.user)).order_by(AuditEntry.id.desc())
    kind = CONTROL.sub("", request.args.get("typ") or "").strip()[:60]
    if kind:
        q = q.where(AuditEntry.entity_type == kind)
    pagination = db.paginate(q, page=current_page(), per_page=50, error_out=False)
    return render_template("verwaltung/audit.html", pagination=pagination, kind=kind)


# --- import ------------------------------------------------------------------


class ImportForm(Form):
    kind = SelectField("Was wird importiert?", choices=[(k, v["label"]) for k, v in importe.SPECS.items()])
    body_id = IdSelectField("In welche Körperschaft?", choices=[], validators=[DataRequired("Bitte wählen.")])


@bp.route("/import", methods=["GET", "POST"])
def import_data():
    if not perm.can_import_masterdata(current_user):
        abort(403)
    form = ImportForm()
    allowed = perm.writable_body_ids(current_user)
    form.body_id.choices = [
        (b.id, b.name)
        for b in db.session.scalars(select(Body).order_by(Body.name))
        if allowed is None or b.id in allowed
    ]
    report, status = None, 200
    if form.validate_on_submit():
        upload = request.files.get("datei")
        body = db.session.get(Body, form.body_id.data)
        if upload is None or not upload.filename:
            form.body_id.errors = []
            flash("Bitte eine Datei auswählen.", "danger")
            status = 422
        else:
            commit = request.form.get("schritt") == "importieren"
            try:
                report = importe.run_import(
                    current_user, form.kind.data, body, upload.filename, upload.read(), commit=commit
                )
            except ServiceError as exc:
                fail(exc)
                status = exc.status
            else:
                if report.written:
                    flash(f"{anzahl(report.written, 'Datensatz wurde', 'Datensätze wurden')} importiert.", "success")
                elif not report.ok:
                    status = 422
    elif request.method == "POST":
        status = 422
    return render_template("verwaltung/import.html", form=form, report=report, specs=importe.SPECS), status
