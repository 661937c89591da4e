"""CLI of the Kontrakte module: `flask --app beteiligung reports remind`."""

from __future__ import annotations

from datetime import date

import click

from .uow import unit_of_work


def register(app) -> None:
    @app.cli.group("reports")
    def reports():
        """Berichte zu Kontrakten (Berichtspflichten der Partner)."""

    @reports.command("remind")
    @click.option("--stichtag", default=None, help="Datum (JJJJ-MM-TT), Standard: heute")
    @click.option("--abstand", default=7, show_default=True, help="Frühestens nach so vielen Tagen erneut erinnern")
    def remind(stichtag, abstand):
        """Erinnert die Partner per Mail (Postausgang) an überfällige Berichte."""
        from .services.kontrakte.berichte import send_reminders

        try:
            day = date.fromisoformat(stichtag) if stichtag else date.today()
        except ValueError:
            raise click.BadParameter("Bitte das Datum als JJJJ-MM-TT angeben.", param_hint="--stichtag") from None
        with unit_of_work():
            count = send_reminders(day, abstand)
        click.echo(f"{count} Erinnerung(en) in den Postausgang gelegt.")
