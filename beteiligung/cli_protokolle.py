"""CLI for Protokoll/Nachhalten: `flask --app beteiligung tasks remind`."""

from __future__ import annotations

from datetime import datetime

import click

from beteiligung.formatting import anzahl

from .uow import unit_of_work


def register(app) -> None:
    @app.cli.group("tasks")
    def tasks():
        """Aufgaben und Beschlüsse nachhalten."""

    @tasks.command("remind")
    @click.option(
        "--days-before",
        type=int,
        default=None,
        help="Erinnerung so viele Tage vor der Fälligkeit (Standard: PROTOKOLL_REMIND_DAYS oder 7).",
    )
    @click.option("--date", "on_day", default=None, help="Stichtag TT.MM.JJJJ (Standard: heute).")
    def remind(days_before, on_day):
        """Schreibt Erinnerungen vor und nach Fälligkeit in den Postausgang."""
        from .services.protokolle.eintraege import send_reminders

        day = None
        if on_day:
            try:
                day = datetime.strptime(on_day, "%d.%m.%Y").date()
            except ValueError:
                raise click.BadParameter("Bitte das Datum als TT.MM.JJJJ angeben.", param_hint="--date") from None
        if days_before is not None and days_before < 0:
            raise click.BadParameter("Bitte eine Zahl ab 0 angeben.", param_hint="--days-before")
        with unit_of_work():
            before, after = send_reminders(days_before, day)
        click.echo(
            f"{anzahl(before, 'Erinnerung', 'Erinnerungen')} vor Fälligkeit, {after} nach Fälligkeit in den Postausgang gelegt."
        )
