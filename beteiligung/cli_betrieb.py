"""`flask --app beteiligung betrieb …`: queue worker and single jobs (issue 16)."""

from __future__ import annotations

import click
from flask import current_app

from beteiligung.formatting import anzahl

from .services.betrieb.jobs import QUEUES


def register(app) -> None:

    @app.cli.group("betrieb")
    def betrieb():
        """Betrieb: Worker für Mails, Erinnerungen und Aufbewahrung."""

    @betrieb.command("worker")
    @click.option(
        "--einmal", is_flag=True, help="Jeden periodischen Job einmal ausführen, die Warteschlange leeren, beenden"
    )
    @click.option("--pause", default=5.0, show_default=True, help="Sekunden zwischen zwei Abfragen der Warteschlange")
    @click.option(
        "--warteschlange",
        "queues",
        multiple=True,
        type=click.Choice(QUEUES),
        help="Nur diese Warteschlange bearbeiten (mehrfach möglich), in einem Prozess; ohne: alle, je ein Prozess",
    )
    def worker(einmal, pause, queues):
        """Startet die Worker der Warteschlangen (procrastinate): „beteiligung“ (Mails, Erinnerungen, Aufbewahrung,
        Dokumente) und „analyse“ (Netzwerkanalyse), ohne --warteschlange je Warteschlange ein eigener Prozess, damit
        keine Mail hinter einer Analyse wartet. Die Zeitpläne stehen in services/betrieb/jobs.py. Mehrere Worker
        sind möglich."""
        from .services.betrieb.jobs import run_in_process, supervise, work, worker_name

        app = current_app._get_current_object()
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            if not einmal:
                raise click.ClickException(
                    "Der Worker braucht PostgreSQL (BETEILIGUNG_DATABASE_URL). Mit SQLite laufen Jobs im Webprozess "
                    "(JOBS_IN_PROCESS=true); einmalig: betrieb worker --einmal."
                )
            for line in run_in_process(app):
                click.echo(line)
            return
        if not queues and not einmal:
            click.echo(f"Worker je Warteschlange ({', '.join(QUEUES)}) werden gestartet.")
            raise SystemExit(supervise(app, QUEUES, poll=pause))
        queues = tuple(dict.fromkeys(queues)) or QUEUES
        click.echo(f"Worker {worker_name()} läuft (Warteschlange {', '.join(queues)}).")
        work(app, once=einmal, poll=pause, queues=queues)

    @betrieb.command("job")
    @click.argument("name")
    def job(name):
        """Führt einen Job sofort hier aus (postausgang, erinnerungen, aufbewahrung, netzwerk)."""
        from .services.betrieb.jobs import JOBS, run

        if name not in JOBS or JOBS[name].cron is None:
            names = ", ".join(n for n, j in JOBS.items() if j.cron)
            raise click.ClickException(f"Unbekannter Job {name!r}; möglich: {names}.")
        click.echo(run(name))

    @betrieb.command("dateien-umziehen")
    @click.option("--nach", "target", type=click.Choice(["datenbank", "verzeichnis"]), required=True)
    def dateien_umziehen(target):
        """Zieht alle hochgeladenen Dateien in die Datenbank oder ins Verzeichnis (UPLOAD_FOLDER) um."""
        from .services.betrieb import storage
        from .uow import unit_of_work

        with unit_of_work():
            keys = storage.copy_all(target)
        # Only after the copy is committed, the source is emptied.
        with unit_of_work():
            storage.remove_from(storage.source_of(target), keys)
        click.echo(
            f"{anzahl(len(keys), 'Datei', 'Dateien')} nach {target} umgezogen. Setzen Sie jetzt FILE_STORAGE={target} auf allen Servern."
        )

    @app.cli.group("backup")
    def backup():
        """Sicherung: Datenbank und gespeicherte Dateien in einer Datei."""

    @backup.command("erstellen")
    @click.argument("datei", type=click.Path(dir_okay=False))
    def backup_erstellen(datei):
        """Schreibt eine Sicherung (PostgreSQL: pg_dump, SQLite: Online-Sicherung, dazu die Dateien)."""
        from .services.betrieb.backup import BackupError, create

        try:
            info = create(datei)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"Sicherung {datei} geschrieben ({info['datenbank']}, Stand {info['revision']}, "
            f"{info['dateien']} Dateien im Verzeichnis)."
        )

    @backup.command("einspielen")
    @click.argument("datei", type=click.Path(dir_okay=False))
    def backup_einspielen(datei):
        """Spielt eine Sicherung in eine LEERE Datenbank ein (eine Datenbank mit Daten wird abgelehnt)."""
        from .services.betrieb.backup import BackupError, restore

        try:
            info = restore(datei)
        except BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(
            f"Sicherung vom {info['erstellt']} eingespielt (Stand {info['revision']}, "
            f"{info['dateien_eingespielt']} Dateien)."
        )
