"""CLI for Befragungen: `flask --app beteiligung befragungen entwuerfe-loeschen [--tage N]`."""

from __future__ import annotations

import click

from .uow import unit_of_work


def register(app) -> None:
    @app.cli.group("befragungen")
    def befragungen():
        """Befragungen: Wartung."""

    @befragungen.command("entwuerfe-loeschen")
    @click.option(
        "--tage",
        type=click.IntRange(min=1),
        default=None,
        help="Zwischenstände älter als so viele Tage löschen (Standard: RETENTION_SURVEY_DRAFT_DAYS, 60).",
    )
    def purge_drafts(tage):
        """Löscht alte Zwischenstände (Entwürfe) von Teilnehmenden."""
        from beteiligung.services.befragungen.befragung import purge_old_drafts

        with unit_of_work():
            n = purge_old_drafts(tage)
        click.echo(f"{n} Zwischenstände gelöscht.")
