"""CLI der OParl-Schnittstelle: `flask --app beteiligung oparl …`."""

from __future__ import annotations

from datetime import date

import click


def register(app) -> None:
    @app.cli.group("oparl")
    def oparl():
        """OParl-Schnittstelle und Vorlagen für die Politik."""

    @oparl.command("ergebnisse-abrufen")
    @click.argument("url")
    @click.option(
        "--timeout", type=float, default=10.0, show_default=True, help="Sekunden je Abruf, bevor der Import abbricht."
    )
    def ergebnisse_abrufen(url, timeout):
        """Politische Entscheidungen zu unseren Vorlagen aus dem Ratsinformationssystem (OParl) übernehmen.

        URL: System, Körperschaft (Body) oder Liste der Vorlagen (Paper) des Ratsinformationssystems.
        Bricht ein Abruf ab, wird nichts eingetragen; die Meldung nennt die Stelle.
        """
        from beteiligung.uow import unit_of_work

        from .services.oparl.council import ImportStopped, import_outcomes

        if timeout <= 0:
            raise click.BadParameter("Bitte eine Zahl größer als 0 angeben.", param_hint="--timeout")
        try:
            with unit_of_work():
                report = import_outcomes(url, timeout)
        except ImportStopped as exc:
            raise click.ClickException(f"Import abgebrochen, nichts eingetragen. {exc}") from None
        for line in report.lines():
            click.echo(line)
        new = sum(1 for *_, is_new in report.matched if is_new)
        click.echo(f"{len(report.matched)} Vorlagen zugeordnet, {new} Entscheidungen neu eingetragen.")

    @oparl.command("veroeffentlichung")
    @click.argument("person_id", type=int)
    @click.option(
        "--kontakt/--ohne-kontakt",
        default=False,
        help="Auch E-Mail und Telefon veröffentlichen (nur mit ausdrücklicher Einwilligung).",
    )
    @click.option("--widerrufen", is_flag=True, help="Einwilligung widerrufen: die Person verschwindet aus der API.")
    @click.option("--datum", default=None, help="Datum der Einwilligung TT.MM.JJJJ (Standard: heute).")
    def veroeffentlichung(person_id, kontakt, widerrufen, datum):
        """Einwilligung einer Person in die Veröffentlichung (Name, Funktion, Mitgliedschaften) festhalten."""
        from datetime import datetime

        from beteiligung.services import ServiceError
        from beteiligung.uow import unit_of_work

        from .services.oparl.consent import set_publication_consent

        day = None
        if datum:
            try:
                day = datetime.strptime(datum, "%d.%m.%Y").date()
            except ValueError:
                raise click.BadParameter("Bitte das Datum als TT.MM.JJJJ angeben.", param_hint="--datum") from None
        try:
            with unit_of_work():
                person = set_publication_consent(None, person_id, not widerrufen, kontakt, day or date.today())
        except ServiceError as exc:
            raise click.ClickException(exc.message or str(exc.errors)) from None
        state = "widerrufen" if widerrufen else ("erteilt (mit Kontaktdaten)" if kontakt else "erteilt")
        click.echo(f"Einwilligung in die Veröffentlichung für {person.full_name}: {state}.")
