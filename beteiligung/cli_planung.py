"""CLI of the Planung module: `flask --app beteiligung planung abweichungen`."""

from __future__ import annotations

from datetime import date

import click


def register(app) -> None:
    @app.cli.group("planung")
    def planung():
        """Planung: Maßnahmenregister und Wirkungskette."""

    @planung.command("abweichungen")
    @click.option("--stichtag", default=None, help="Datum (JJJJ-MM-TT), Standard: heute")
    def abweichungen(stichtag):
        """Schlägt für Maßnahmen im Verzug ein Thema vor – dem Gremium des Kontrakts und dem Gremium, in dem
        der Bedarf entstand (einmal je Maßnahme und Gremium)."""
        from .services.planung.abweichungen import propose_overdue
        from .uow import unit_of_work

        try:
            day = date.fromisoformat(stichtag) if stichtag else date.today()
        except ValueError:
            raise click.BadParameter("Bitte das Datum als JJJJ-MM-TT angeben.", param_hint="--stichtag") from None
        with unit_of_work():
            created = propose_overdue(day)
        for t in created:
            click.echo(f"Themenspeicher {t.committee.name}: {t.title}")
        click.echo(f"{len(created)} Thema/Themen vorgeschlagen.")

    @planung.command("erinnern")
    @click.option("--stichtag", default=None, help="Datum (JJJJ-MM-TT), Standard: heute")
    @click.option("--tage", default=3, show_default=True, help="So viele Tage vor der Frist erinnern")
    def erinnern(stichtag, tage):
        """Erinnert angefragte Organisationen ohne Stellungnahme kurz vor der Frist (einmal je Verfahren)."""
        from .services.planung.stellungnahmen import remind
        from .uow import unit_of_work

        try:
            day = date.fromisoformat(stichtag) if stichtag else date.today()
        except ValueError:
            raise click.BadParameter("Bitte das Datum als JJJJ-MM-TT angeben.", param_hint="--stichtag") from None
        with unit_of_work():
            n = remind(day, tage)
        click.echo(f"{n} Erinnerung(en) in den Postausgang gelegt.")
