"""Login, logout, activation and password reset."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user
from wtforms import BooleanField, EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from beteiligung.security import client_key
from beteiligung.services import ValidationError, accounts, anmeldung
from beteiligung.services.anmeldung import sitzungen

from .anmeldung import after_password, logout_target
from .forms import Form

bp = Blueprint("auth", __name__)


class LoginForm(Form):
    email = EmailField("E-Mail", validators=[DataRequired("Bitte E-Mail-Adresse angeben."), Length(max=254)])
    password = PasswordField("Passwort", validators=[DataRequired("Bitte Passwort angeben."), Length(max=200)])
    remember = BooleanField("Angemeldet bleiben")


class PasswordForm(Form):
    password = PasswordField(
        "Neues Passwort",
        validators=[DataRequired("Bitte ein Passwort angeben."), Length(max=200)],
        description=f"mindestens {accounts.MIN_PASSWORD_LENGTH} Zeichen",
    )
    password2 = PasswordField(
        "Passwort wiederholen", validators=[DataRequired("Bitte das Passwort wiederholen."), Length(max=200)]
    )


class ResetRequestForm(Form):
    email = EmailField(
        "E-Mail",
        validators=[
            DataRequired("Bitte E-Mail-Adresse angeben."),
            Email("Bitte eine gültige E-Mail-Adresse angeben."),
            Length(max=254),
        ],
    )


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):  # browsers read "/\\host" as "//host"
            return target
    return url_for("main.index")


@bp.route("/anmelden", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if anmeldung.ldap.configured():
        form.email.label.text = "E-Mail oder Anmeldename"
    error = None
    status = 200
    if form.validate_on_submit():
        try:
            user, weg = anmeldung.check_credentials(form.email.data, form.password.data, client_key())
        except ValidationError as exc:
            error, status = exc.message, exc.status if exc.status != 422 else 429
        else:
            if user is None:
                error, status = "E-Mail-Adresse oder Passwort ist falsch.", 401
            else:
                return after_password(user, form.remember.data, weg, _safe_next(request.args.get("next")))
    elif request.method == "POST":
        status = 422
    return render_template("auth/login.html", form=form, error=error), status


@bp.route("/abmelden", methods=["POST"])
@login_required
def logout():
    target = logout_target()  # the identity provider's logout for an OpenID Connect session
    sitzungen.logout(current_user)
    logout_user()
    flash("Sie sind abgemeldet.", "info")
    return redirect(target)


def _password_page(token: str, purpose: str, title: str):
    try:
        user = accounts.user_for_token(token, purpose)
    except ValidationError as exc:
        return render_template("auth/token_invalid.html", message=exc.message), 400
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.set_password_with_token(token, purpose, form.password.data, form.password2.data)
        except ValidationError as exc:
            form.apply_errors(exc.errors)
            if not exc.errors:
                return render_template("auth/token_invalid.html", message=exc.message), 400
        else:
            flash("Ihr Passwort ist gesetzt. Bitte melden Sie sich an.", "success")
            return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/password.html", form=form, title=title, user=user), status


@bp.route("/aktivieren/<token>", methods=["GET", "POST"])
def activate(token):
    return _password_page(token, "activate", "Zugang aktivieren")


@bp.route("/passwort/neu/<token>", methods=["GET", "POST"])
def reset(token):
    return _password_page(token, "reset", "Neues Passwort setzen")


@bp.route("/passwort/vergessen", methods=["GET", "POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        accounts.request_password_reset(form.email.data)
        flash("Wenn es zu dieser Adresse ein Konto gibt, haben wir einen Link zum Zurücksetzen geschickt.", "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.errors else 200
    return render_template("auth/reset_request.html", form=form), status
