"""CLI for the Werkstatt: `flask --app beteiligung werkstatt erinnern`."""

from __future__ import annotations

import click

from beteiligung.formatting import anzahl

from .uow import unit_of_work


def register(app) -> None:
    @app.cli.group("werkstatt")
    def werkstatt():
        """Werkstatt-Methoden und Terminabstimmung."""

    @werkstatt.command("erinnern")
    def remind():
        """Erinnert Eingeladene laufender Terminabstimmungen ohne Antwort (höchstens einmal in 24 Stunden);
        die Mails gehen in den Postausgang."""
        from .services.werkstatt.polls import remind_due

        with unit_of_work():
            n = remind_due()
        click.echo(f"{anzahl(n, 'Erinnerung', 'Erinnerungen')} zu Terminabstimmungen in den Postausgang gelegt.")
