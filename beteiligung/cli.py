"""Command line: `flask --app beteiligung <command>` (see README)."""

from __future__ import annotations

import getpass

import click
from flask import current_app
from sqlalchemy import func, select

from .extensions import db
from .uow import unit_of_work


def register_cli(app) -> None:

    @app.cli.group("demo")
    def demo():
        """Demodaten."""

    @demo.command("load")
    @click.option("--if-empty", is_flag=True, help="Nur laden, wenn die Datenbank leer ist.")
    def demo_load(if_empty):
        """Lädt die Demodaten (Kreis Lindenau)."""
        from .demo import DEMO_PASSWORD, demo_logins, is_empty, load_demo

        if not is_empty():
            if if_empty:
                click.echo("Die Datenbank enthält bereits Daten; Demodaten werden nicht geladen.")
                return
            raise click.ClickException("Die Datenbank ist nicht leer. Demodaten nur in eine leere Datenbank laden.")
        load_demo()
        click.echo("Demodaten geladen.")
        _print_logins(demo_logins(), DEMO_PASSWORD)

    @app.cli.command("logins")
    def logins():
        """Zeigt die Demo-Zugänge."""
        from .demo import DEMO_PASSWORD, demo_logins

        _print_logins(demo_logins(), DEMO_PASSWORD)

    @app.cli.group("retention")
    def retention():
        """Aufbewahrungsfristen (DSGVO)."""

    @retention.command("show")
    def retention_show():
        """Zeigt jede Frist und wie viele Datensätze jetzt fällig sind."""
        from .services.retention import overview

        for row in overview():
            r = row["rule"]
            click.echo(f"{r.label}: {row['days']} {r.rule} ({r.config_key}) – fällig: {row['due']}")

    @retention.command("run")
    def retention_run():
        """Löscht alles, dessen Aufbewahrungsfrist abgelaufen ist (täglich per Timer)."""
        from .services.retention import RULES_BY_KEY, run_all

        with unit_of_work():
            counts = run_all()
        for key, n in counts.items():
            click.echo(f"{RULES_BY_KEY[key].label}: {n} gelöscht")

    @app.cli.group("users")
    def users():
        """Konten."""

    @users.command("create-admin")
    @click.argument("email")
    @click.option("--name", default="Administration", help="Anzeigename")
    @click.option("--password", envvar="BETEILIGUNG_ADMIN_PASSWORD", help="Passwort (sonst Abfrage)")
    def create_admin(email, name, password):
        """Legt ein Administrationskonto an."""
        from models import ROLE_ADMIN, User

        from .services.accounts import MIN_PASSWORD_LENGTH, create_user_direct

        if db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower())):
            raise click.ClickException("Für diese E-Mail-Adresse gibt es bereits ein Konto.")
        if not password:
            password = getpass.getpass("Passwort: ")
        if len(password) < MIN_PASSWORD_LENGTH:
            raise click.ClickException(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.")
        with unit_of_work():
            create_user_direct(email, name, password, [{"role": ROLE_ADMIN}])
        click.echo(f"Administrationskonto {email} angelegt.")

    @app.cli.group("outbox")
    def outbox():
        """Postausgang."""

    @outbox.command("send")
    def outbox_send():
        """Stellt wartende Mails über SMTP zu (fehlgeschlagene werden erneut versucht)."""
        from .services.mail import send_queued, smtp_configured

        if not smtp_configured():
            raise click.ClickException("SMTP_HOST ist nicht gesetzt; die Mails bleiben im Postausgang lesbar.")
        with unit_of_work():  # each mail is also committed on its own as soon as it is sent
            sent, failed = send_queued()
        click.echo(f"{sent} versendet, {failed} fehlgeschlagen.")
        if failed:
            raise SystemExit(1)

    @outbox.command("list")
    @click.option("--limit", default=20)
    def outbox_list(limit):
        """Listet die letzten Mails im Postausgang."""
        from models import OutboxMail

        for mail in db.session.scalars(select(OutboxMail).order_by(OutboxMail.id.desc()).limit(limit)):
            click.echo(f"{mail.id:>6}  {mail.status:<15} {mail.recipient:<40} {mail.subject}")

    # Module commands: beteiligung/cli_<module>.py with register(app); a missing one is an ImportError.
    import importlib

    for name in (
        "cli_gremien",
        "cli_protokolle",
        "cli_kontrakte",
        "cli_netzwerk",
        "cli_befragungen",
        "cli_oparl",
        "cli_anmeldung",
        "cli_monitoring",
        "cli_monitoring_karten",
        "cli_planung",
        "cli_werkstatt",
        "cli_pruefen",
        "cli_betrieb",
        "cli_leistung",
    ):
        importlib.import_module(f"beteiligung.{name}").register(app)


def _print_logins(rows, password):
    if not rows:
        click.echo("Keine Demo-Zugänge vorhanden.")
        return
    click.echo("")
    click.echo("Demo-Zugänge (Passwort für alle: %s)" % password)
    width = max(len(r[0]) for r in rows)
    for role, email, sees in rows:
        click.echo(f"  {role:<{width}}  {email:<42} {sees}")
    click.echo(f"\nAnmeldung: {current_app.config['BASE_URL']}/anmelden\n")
