"""Anmeldung: second factor, enrolment, session list (the password form stays in views/auth.py)."""

from __future__ import annotations

import time

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from beteiligung.database import writes_on_get
from beteiligung.extensions import db
from beteiligung.permissions import anmeldung as perm
from beteiligung.security import client_key
from beteiligung.services import ServiceError, ValidationError
from beteiligung.services.anmeldung import failures, sitzungen, totp
from models import User
from models.anmeldung import Anmeldeweg

from ..forms import Form

bp = Blueprint("anmeldung", __name__, url_prefix="/anmeldung")

PENDING = "anmeldung_offen"
PENDING_SECONDS = 300


@bp.record_once
def _install(state):
    # Failed second-factor attempts survive the rollback of their 4xx response.
    state.app.teardown_request(failures.write_pending)


class CodeForm(Form):
    code = StringField(
        "Code",
        validators=[DataRequired("Bitte den Code angeben."), Length(max=40)],
        description="6 Ziffern aus der Authenticator-App oder ein Wiederherstellungscode",
        render_kw={"autocomplete": "one-time-code", "inputmode": "text", "spellcheck": "false"},
    )


class EnrolForm(Form):
    code = StringField(
        "Code aus der App",
        validators=[DataRequired("Bitte den Code angeben."), Length(max=40)],
        description="die 6 Ziffern, die die App jetzt anzeigt",
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class DisableForm(Form):
    password = PasswordField("Passwort", validators=[DataRequired("Bitte Ihr Passwort angeben."), Length(max=200)])
    code = StringField(
        "Code",
        validators=[DataRequired("Bitte den Code angeben."), Length(max=40)],
        description="6 Ziffern aus der App oder ein Wiederherstellungscode",
        render_kw={"autocomplete": "one-time-code"},
    )


# --- the steps after the password ---------------------------------------------------------


def _set_pending(user: User, remember: bool, weg: Anmeldeweg, target: str, enrol: bool = False) -> None:
    session[PENDING] = {
        "u": user.id,
        "r": bool(remember),
        "w": weg.value,
        "n": target,
        "e": enrol,
        "bis": int(time.time()) + PENDING_SECONDS,
    }


def _pending() -> tuple[User, dict] | tuple[None, None]:
    data = session.get(PENDING)
    if not isinstance(data, dict) or data.get("bis", 0) < time.time():
        session.pop(PENDING, None)
        return None, None
    user = db.session.get(User, data.get("u"))
    if user is None or not user.is_active:
        session.pop(PENDING, None)
        return None, None
    return user, data


def sign_in(user: User, remember: bool, weg: Anmeldeweg, provider: str | None = None) -> None:
    """Open a session record and sign in; the session cookie and the remember token carry its token. Every way of
    signing in ends here (password, directory, OpenID Connect, second factor; the browser tests' login helper)."""
    session.pop(PENDING, None)
    ident = sitzungen.start(user, weg, provider)
    login_user(user, remember=remember)
    session["_user_id"] = ident


def complete_login(user: User, remember: bool, weg: Anmeldeweg, target: str, provider: str | None = None):
    sign_in(user, remember, weg, provider)
    flash(f"Willkommen, {user.display_name}.", "success")
    return redirect(target)


def after_password(user: User, remember: bool, weg: Anmeldeweg, target: str):
    """Called by the login form once the password is right: second factor, enrolment, or done."""
    if totp.is_active(user):
        _set_pending(user, remember, weg, target)
        return redirect(url_for("anmeldung.second_factor"))
    if totp.required_for(user):
        _set_pending(user, remember, weg, target, enrol=True)
        flash("Für Ihre Rolle ist die Zwei-Faktor-Anmeldung vorgeschrieben. Bitte richten Sie sie jetzt ein.", "info")
        return redirect(url_for("anmeldung.enrol"))
    return complete_login(user, remember, weg, target)


@bp.route("/zweiter-faktor", methods=["GET", "POST"])
def second_factor():
    user, data = _pending()
    if user is None or data.get("e"):
        flash("Bitte melden Sie sich an.", "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            used = totp.verify(user, form.code.data, client_key())
        except ValidationError as exc:
            form.apply_errors(exc.errors)
            error = exc.message if not exc.errors else None
            status = 429 if error else 401
            return render_template("anmeldung/second_factor.html", form=form, error=error), status
        if used == "code":
            flash(
                f"Sie haben einen Wiederherstellungscode verwendet; es bleiben {totp.remaining_codes(user)}.", "warning"
            )
        return complete_login(user, data["r"], Anmeldeweg(data["w"]), data["n"])
    if request.method == "POST":
        status = 422
    return render_template("anmeldung/second_factor.html", form=form, error=None), status


@bp.route("/zwei-faktor/einrichten", methods=["GET", "POST"])
def enrol():
    pending_user, data = _pending()
    if current_user.is_authenticated:
        user, data = current_user, None
    elif pending_user is not None and data.get("e"):
        user = pending_user
    else:
        return redirect(url_for("auth.login"))
    if totp.is_active(user):
        flash("Die Zwei-Faktor-Anmeldung ist bereits eingerichtet.", "info")
        return redirect(url_for(".two_factor"))
    # The secret waits in the signed session until a code confirms it: the GET stores nothing.
    secret = session.get("totp_secret") or totp.new_secret()
    session["totp_secret"] = secret
    form = EnrolForm()
    status = 200
    if form.validate_on_submit():
        try:
            codes = totp.confirm(user, secret, form.code.data, client_key())
        except ValidationError as exc:
            form.apply_errors(exc.errors)
            status = 401 if exc.errors else 429
            if not exc.errors:
                flash(exc.message, "danger")
        else:
            session.pop("totp_secret", None)
            target = url_for(".two_factor")
            if data is not None:  # enrolment was the last step of a login
                sign_in(user, data["r"], Anmeldeweg(data["w"]))
                target = data["n"]
            return render_template("anmeldung/codes.html", codes=codes, target=target, first=True)
    elif request.method == "POST":
        status = 422
    return render_template(
        "anmeldung/enrol.html", form=form, qr=totp.qr_data_uri(user, secret), secret=secret, user=user
    ), status


def _own():
    if not perm.can_manage_own_login(current_user):
        return redirect(url_for("auth.login", next=request.path))
    return None


@bp.route("/zwei-faktor")
def two_factor():
    if (r := _own()) is not None:
        return r
    return _two_factor_page(DisableForm(), CodeForm(prefix="neu"))


def _two_factor_page(disable_form, codes_form, status=200):
    zf = totp.get(current_user)
    return render_template(
        "anmeldung/two_factor.html",
        zf=zf,
        active=zf is not None and zf.active,
        required=totp.required_for(current_user),
        remaining=totp.remaining_codes(current_user) if zf is not None and zf.active else 0,
        disable_form=disable_form,
        codes_form=codes_form,
    ), status


@bp.route("/zwei-faktor/ausschalten", methods=["POST"])
def two_factor_disable():
    if (r := _own()) is not None:
        return r
    form = DisableForm()
    if not form.validate_on_submit():
        return _two_factor_page(form, CodeForm(prefix="neu"), 422)
    try:
        totp.disable(current_user, form.password.data, form.code.data, client_key())
    except ValidationError as exc:
        form.apply_errors(exc.errors)
        if not exc.errors:
            flash(exc.message, "danger")
        return _two_factor_page(form, CodeForm(prefix="neu"), 401 if exc.errors else 429)
    flash(
        "Die Zwei-Faktor-Anmeldung ist ausgeschaltet. Alle Sitzungen Ihres Kontos wurden beendet; "
        "bitte melden Sie sich neu an.",
        "success",
    )
    from flask_login import logout_user

    logout_user()
    return redirect(url_for("auth.login"), 303)


@bp.route("/zwei-faktor/neue-codes", methods=["POST"])
def two_factor_codes():
    if (r := _own()) is not None:
        return r
    form = CodeForm(prefix="neu")
    if not form.validate_on_submit():
        return _two_factor_page(DisableForm(), form, 422)
    try:
        codes = totp.regenerate_codes(current_user, form.code.data, client_key())
    except ValidationError as exc:
        form.apply_errors(exc.errors)
        if not exc.errors:
            flash(exc.message, "danger")
        return _two_factor_page(DisableForm(), form, 401 if exc.errors else 429)
    return render_template("anmeldung/codes.html", codes=codes, target=url_for(".two_factor"), first=False)


# --- sessions ------------------------------------------------------------------------------


@bp.route("/sitzungen")
def sessions():
    if (r := _own()) is not None:
        return r
    mine = sitzungen.current()
    return render_template(
        "anmeldung/sessions.html", rows=sitzungen.open_sessions(current_user), current_id=mine.id if mine else None
    )


@bp.route("/sitzungen/<int:sitzung_id>/beenden", methods=["POST"])
def session_end(sitzung_id):
    if (r := _own()) is not None:
        return r
    try:
        sitzungen.end_one(current_user, sitzung_id)
    except ServiceError:
        abort(404)
    flash("Die Sitzung ist beendet.", "success")
    return redirect(url_for(".sessions"), 303)


@bp.route("/sitzungen/andere-beenden", methods=["POST"])
def sessions_end_others():
    if (r := _own()) is not None:
        return r
    n = sitzungen.end_others(current_user)
    flash("Eine andere Sitzung beendet." if n == 1 else f"{n} andere Sitzungen beendet.", "success")
    return redirect(url_for(".sessions"), 303)


# --- OpenID Connect ------------------------------------------------------------------------------


def _oidc_redirect_uri(name: str) -> str:
    from flask import current_app

    return current_app.config["BASE_URL"] + url_for("anmeldung.oidc_callback", name=name)


def _oidc_error(message: str, status: int):
    from views.auth import LoginForm

    return render_template("auth/login.html", form=LoginForm(), error=message), status


@bp.route("/oidc/<name>")
def oidc_start(name):
    from beteiligung.services.anmeldung import oidc

    if oidc.provider(name) is None:
        abort(404)
    from views.auth import _safe_next

    try:
        url = oidc.start(name, _oidc_redirect_uri(name), _safe_next(request.args.get("next")))
    except ValidationError as exc:
        return _oidc_error(exc.message, exc.status)
    return redirect(url)


@bp.route("/oidc/<name>/rueckkehr")
@writes_on_get
def oidc_callback(name):
    from beteiligung.services.anmeldung import oidc

    if oidc.provider(name) is None:
        abort(404)
    try:
        user, target, id_token = oidc.finish(name, request.args, _oidc_redirect_uri(name))
    except ValidationError as exc:
        return _oidc_error(exc.message, exc.status)
    if user is None:
        return _oidc_error("Dieses Konto ist gesperrt. Bitte wenden Sie sich an die Administration.", 403)
    response = complete_login(user, False, Anmeldeweg.OIDC, target, provider=name)
    session[oidc.ID_TOKEN] = id_token
    return response


def oidc_ways() -> list[tuple[str, str]]:
    """(label, start URL) of every configured identity provider, for the login page."""
    from beteiligung.services.anmeldung import oidc

    return [
        (
            p.get("label") or name,
            url_for(
                "anmeldung.oidc_start",
                name=name,
                **({"next": request.args["next"]} if request.args.get("next") else {}),
            ),
        )
        for name, p in oidc.providers().items()
    ]


def logout_target() -> str:
    """Where "Abmelden" leads: the provider's logout for an OpenID Connect session, else the login page."""
    from flask import current_app

    from beteiligung.services.anmeldung import oidc

    mine = sitzungen.current()
    id_token = session.pop(oidc.ID_TOKEN, None)
    after = current_app.config["BASE_URL"] + url_for("auth.login")
    if mine is not None and mine.weg == Anmeldeweg.OIDC.value:
        url = oidc.logout_url(mine.provider, id_token, after)
        if url:
            # The logout form may only lead to our own pages (CSP form-action 'self'): a page of ours
            # passes the browser on to the provider.
            session[PROVIDER_LOGOUT] = {"url": url, "label": (oidc.provider(mine.provider) or {}).get("label", "")}
            return url_for("anmeldung.provider_logout")
    return url_for("auth.login")


PROVIDER_LOGOUT = "anmeldung_abmelden_beim_anbieter"


@bp.route("/abmelden-beim-anbieter")
def provider_logout():
    data = session.pop(PROVIDER_LOGOUT, None)
    if not isinstance(data, dict) or not data.get("url"):
        return redirect(url_for("auth.login"))
    return render_template("anmeldung/provider_logout.html", url=data["url"], label=data.get("label") or "Anbieter")


@bp.record_once
def _login_ways(state):
    state.app.jinja_env.globals["anmeldung_wege"] = oidc_ways
