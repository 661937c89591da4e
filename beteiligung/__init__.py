"""beteiligung – Beteiligungs- und Netzwerkplattform für die kommunale Sozialplanung."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, g, render_template, request

from . import database
from .config import ROOT, load_config
from .extensions import babel, csrf, db, login_manager, migrate


def create_app(test_config: dict | None = None) -> Flask:
    instance_path = Path(os.environ.get("BETEILIGUNG_INSTANCE", ROOT / "instance"))
    app = Flask(
        __name__,
        instance_path=str(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(load_config(instance_path))
    from .inputs import IdConverter, Request, check_request

    app.request_class = Request
    app.url_map.converters["int"] = IdConverter
    app.before_request(check_request)
    app.before_request(database.flush_pending_before_request)
    if test_config:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        from .config import SECRET_KEY_MISSING

        raise RuntimeError(SECRET_KEY_MISSING)

    import models  # noqa: F401  (registers all tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "de", timezone_selector=lambda: "Europe/Berlin")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Bitte melden Sie sich an."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "strong"

    # Every login is a server-side session record (services/anmeldung/sitzungen.py): a copied cookie or
    # remember token stops working when the session ends (logout, new password, deactivation).
    from .services.anmeldung.sitzungen import load_user

    login_manager.user_loader(load_user)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    from . import assets, security, templating, uow

    uow.init_app(app)
    from .services.betrieb import logs, metrics

    metrics.init_app(app)
    logs.init_app(app)

    templating.register(app)
    assets.register(app)
    app.after_request(security.set_security_headers)

    from views import register_blueprints

    register_blueprints(app)

    from .cli import register_cli
    from .services.befragungen import wirkungskette  # noqa: F401  (links survey findings to decisions and goals)

    register_cli(app)

    _register_error_pages(app)
    return app


def _register_error_pages(app: Flask) -> None:
    from flask import make_response
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DataError, OperationalError

    from . import uow
    from .services import ServiceError

    def page(status, title, message):
        return render_template("errors/error.html", status=status, title=title, message=message), status

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        return page(
            400,
            "Sitzung abgelaufen",
            "Das Formular war veraltet oder unvollständig (Sicherheitsprüfung). "
            "Bitte laden Sie die Seite neu und senden Sie es erneut.",
        )

    @app.errorhandler(ServiceError)
    def service_error(exc):
        titles = {403: "Keine Berechtigung", 404: "Nicht gefunden", 409: "Konflikt"}
        return page(exc.status, titles.get(exc.status, "Eingabe nicht möglich"), exc.message)

    @app.errorhandler(400)
    def bad_request(exc):
        from werkzeug.exceptions import BadRequest

        message = getattr(exc, "description", None)
        if not isinstance(message, str) or message == BadRequest.description:
            message = "Die Anfrage konnte nicht verarbeitet werden."
        return page(400, "Ungültige Anfrage", message)

    # Safety nets behind the input checks: a value the database cannot hold is the user's input,
    # not a server error; a write that cannot get the SQLite lock is worth retrying.
    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def out_of_range(exc):
        uow.discard()
        app.logger.warning("Wert außerhalb des Bereichs: %s", exc)
        return page(
            400,
            "Ungültige Eingabe",
            "Ein eingegebener Wert ist zu groß, zu lang oder hat das falsche Format. Es wurde nichts gespeichert.",
        )

    @app.errorhandler(OperationalError)
    def busy(exc):
        uow.discard()
        if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
            return database_down(exc)
        app.logger.warning("Datenbank belegt: %s", exc)
        g.sqlite_reads_only = True  # the error page only reads (current user, navigation)
        response = make_response(
            page(
                503,
                "Bitte erneut versuchen",
                "Die Datenbank ist gerade stark beschäftigt. Es wurde nichts gespeichert. "
                "Bitte senden Sie Ihre Eingabe in einigen Sekunden erneut.",
            )
        )
        response.headers["Retry-After"] = "5"
        return response

    def database_down(exc):
        # Database unreachable (restart, failover): a German page, no details, and a retry hint.
        app.logger.error("Datenbank nicht erreichbar: %s", type(exc).__name__)
        from flask_login import AnonymousUserMixin

        g._login_user = AnonymousUserMixin()  # the page must not ask the database who is logged in
        response, status = page(
            503,
            "Vorübergehend nicht erreichbar",
            "Die Datenbank ist gerade nicht erreichbar. Bitte versuchen Sie es in einigen "
            "Minuten erneut; Ihre Eingaben wurden nicht gespeichert.",
        )
        return response, status, {"Retry-After": "60"}

    @app.errorhandler(403)
    def forbidden(exc):
        return page(403, "Keine Berechtigung", "Für diese Seite fehlt Ihnen die Berechtigung.")

    @app.errorhandler(404)
    def not_found(exc):
        return page(404, "Seite nicht gefunden", "Diese Seite gibt es nicht (mehr).")

    @app.errorhandler(405)
    def not_allowed(exc):
        return page(405, "Nicht erlaubt", "Diese Aktion ist auf diesem Weg nicht möglich.")

    @app.errorhandler(413)
    def too_large(exc):
        return page(
            413,
            "Datei zu groß",
            f"Die Datei ist zu groß (höchstens {app.config['MAX_CONTENT_LENGTH'] // (1024 * 1024)} MB).",
        )

    @app.errorhandler(500)
    def server_error(exc):
        # An error after the view (the commit in uow.finish_request) arrives here wrapped.
        original = getattr(exc, "original_exception", None)
        if isinstance(original, OperationalError):
            return busy(original)
        if isinstance(original, (OverflowError, DataError)):
            return out_of_range(original)
        uow.discard()
        return page(
            500, "Interner Fehler", "Es ist ein unerwarteter Fehler aufgetreten. Ihre Daten wurden nicht verändert."
        )


__all__ = ["create_app", "db", "request"]
