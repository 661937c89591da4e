"""CLI for Gremien und Sitzungen: `flask --app beteiligung gremien remind`."""

from __future__ import annotations

import click

from beteiligung.formatting import anzahl

from .uow import unit_of_work


def register(app) -> None:
    @app.cli.group("gremien")
    def gremien():
        """Gremien und Sitzungen."""

    @gremien.command("remind")
    @click.option("--days", default=7, show_default=True, help="Sitzungen der nächsten N Tage berücksichtigen.")
    def remind(days):
        """Erinnert Eingeladene ohne Antwort (höchstens einmal in 24 Stunden); Mails gehen in den Postausgang."""
        from .services.gremien.einladungen import remind_due

        with unit_of_work():
            n = remind_due(days)
        click.echo(f"{anzahl(n, 'Erinnerung', 'Erinnerungen')} in den Postausgang gelegt.")

    @gremien.command("antworten-einlesen")
    @click.argument("maildir", envvar="REPLY_MAILDIR", type=click.Path(exists=True, file_okay=False))
    def read_replies(maildir):
        """Übernimmt Zusagen/Absagen aus Kalenderprogrammen (iTIP REPLY an MAIL_FROM) aus einem Maildir."""
        from .services.gremien.einladungen import read_calendar_replies

        with unit_of_work():  # each mail is also committed on its own (see read_calendar_replies)
            result = read_calendar_replies(maildir)
        for outcome in ("übernommen", "ignoriert", "abgelehnt"):
            for text in result[outcome]:
                click.echo(f"{outcome}: {text}")
        click.echo(
            f"{len(result['übernommen'])} Antworten übernommen, {len(result['ignoriert'])} ignoriert, "
            f"{len(result['abgelehnt'])} abgelehnt."
        )

    @gremien.command("purge-registrations")
    @click.option(
        "--days",
        type=click.IntRange(min=1),
        default=None,
        help="Tage nach dem Ende der Sitzung (Standard: RETENTION_REGISTRATION_DAYS, 30).",
    )
    def purge_registrations(days):
        """Löscht Anmeldungen von Bürger·innen zu Sitzungen, die länger als N Tage vorbei sind (DSGVO)."""
        from .services.gremien.einladungen import purge_registrations as purge

        with unit_of_work():
            n = purge(days)
        click.echo(f"{n} Anmeldungen gelöscht.")
