"""`flask --app beteiligung anmeldung …`: login timing benchmark, reset of a lost second factor, end sessions."""

from __future__ import annotations

import click
from sqlalchemy import func, select

from .extensions import db
from .uow import unit_of_work


def _user(email: str):
    from models import User

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"Kein Konto mit der E-Mail-Adresse {email}.")
    return user


def register(app) -> None:

    @app.cli.group("anmeldung")
    def anmeldung():
        """Anmeldung: Sitzungen, Zwei-Faktor, Zeitmessung."""

    @anmeldung.command("zeitmessung")
    @click.option("--runden", default=20, show_default=True, help="Versuche je Fall")
    def zeitmessung(runden):
        """Misst fehlgeschlagene Anmeldungen mit bekannter und unbekannter E-Mail-Adresse (gleich lang?)."""
        from .services.anmeldung.sitzungen import measure_login_timing

        result = measure_login_timing(runden)
        fmt = lambda s: f"{s:.3f}".replace(".", ",") + " s"  # noqa: E731
        click.echo(f"Bekannte E-Mail-Adresse, falsches Passwort: {fmt(result['bekannt'])} (Median aus {runden})")
        click.echo(f"Unbekannte E-Mail-Adresse:                  {fmt(result['unbekannt'])} (Median aus {runden})")
        pct = f"{result['abweichung'] * 100:.1f}".replace(".", ",")
        click.echo(f"Abweichung: {pct} % " + ("(innerhalb 20 %)" if result["abweichung"] <= 0.2 else "(MEHR als 20 %)"))

    @anmeldung.command("zwei-faktor-zuruecksetzen")
    @click.argument("email")
    def reset_two_factor(email):
        """Entfernt die Zwei-Faktor-Anmeldung eines Kontos (Gerät und Codes verloren); beendet seine Sitzungen."""
        from .services.anmeldung import totp

        with unit_of_work():
            user = _user(email)
            totp.reset(None, user)
        click.echo(f"Zwei-Faktor-Anmeldung von {email} zurückgesetzt; bei der nächsten Anmeldung neu einrichten.")

    @anmeldung.command("sitzungen-beenden")
    @click.argument("email")
    def end_sessions(email):
        """Beendet alle Sitzungen und „Angemeldet bleiben“-Token eines Kontos."""
        from models.anmeldung import SitzungsEnde

        from .services.anmeldung import sitzungen
        from .services.audit import record

        with unit_of_work():
            user = _user(email)
            n = sitzungen.end_all(user, SitzungsEnde.BEENDET)
            record(None, "update", user, None, {"sitzungen": n}, "Alle Sitzungen beendet (Kommandozeile)")
        click.echo(f"Beendete Sitzungen von {email}: {n}")
