"""CLI: `flask --app beteiligung pruefen fuzz --anzahl N` – a fuzzing campaign on a throwaway database."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import click


def register(app) -> None:

    @app.cli.group("pruefen")
    def pruefen():
        """Prüfungen der Robustheit."""

    @pruefen.command("fuzz")
    @click.option("--anzahl", default=2000, show_default=True, help="Zahl der Anfragen.")
    @click.option("--seiten", default=80, show_default=True, help="Seiten je Rolle beim Erkunden.")
    @click.option("--seed", type=int, default=None, help="Zufallsstartwert (wiederholbar); ohne: zufällig.")
    @click.option(
        "--datenbank-url",
        default=None,
        help="Eine LEERE Wegwerf-Datenbank (z. B. PostgreSQL); ohne: SQLite in einem Temp-Verzeichnis.",
    )
    def fuzz(anzahl, seiten, seed, datenbank_url):
        """Sendet erzeugte Eingaben an jede Route und jedes Formular, als jede Demo-Rolle, und zeigt die
        Statuscodes je Route. Arbeitet nie mit Ihren Daten: die Demodaten werden in eine Wegwerf-Datenbank
        geladen."""
        try:
            import hypothesis  # noqa: F401
        except ImportError as exc:
            raise click.ClickException(
                "Dafür wird das Paket „hypothesis“ gebraucht (pip install -e '.[test]')."
            ) from exc
        from flask_migrate import upgrade
        from sqlalchemy import create_engine, inspect

        from . import create_app
        from .demo import load_demo
        from .extensions import db
        from .fuzz import Fuzzer, demo_roles
        from .uow import unit_of_work

        workdir = Path(tempfile.mkdtemp(prefix="beteiligung-fuzz-"))
        url = datenbank_url or f"sqlite:///{workdir / 'fuzz.sqlite'}"
        if datenbank_url:
            engine = create_engine(
                datenbank_url.replace("postgresql://", "postgresql+psycopg://", 1)
                if datenbank_url.startswith("postgresql://")
                else datenbank_url
            )
            try:
                if inspect(engine).get_table_names():
                    raise click.ClickException(
                        "Die angegebene Datenbank ist nicht leer. Der Fuzzer braucht eine "
                        "leere Wegwerf-Datenbank und verändert sie beliebig."
                    )
            finally:
                engine.dispose()
            url = engine.url.render_as_string(hide_password=False)
        fuzz_app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "fuzz-" + workdir.name,
                "TESTING": True,
                "PROPAGATE_EXCEPTIONS": False,
                "READ_ONLY_GET_GUARD": True,
                "LOGIN_MAX_FAILURES": 10**6,
                "UPLOAD_FOLDER": str(workdir / "uploads"),
                "SMTP_HOST": "",
                "BASE_URL": "http://localhost",
            }
        )
        fuzz_app.logger.disabled = True  # the table shows what went wrong; no tracebacks in between
        try:
            with fuzz_app.app_context():
                upgrade()
                with unit_of_work():
                    load_demo()
            click.echo(f"Wegwerf-Datenbank: {url if datenbank_url else workdir / 'fuzz.sqlite'} (Demodaten)")
            fuzzer = Fuzzer(fuzz_app, demo_roles(), crawl_limit=seiten, seed=seed, log=click.echo)
            started = time.perf_counter()
            fuzzer.discover()
            fuzzer.run(anzahl)
            seconds = time.perf_counter() - started
            click.echo("")
            click.echo(fuzzer.table())
            click.echo("")
            click.echo(f"{fuzzer.summary()}, {seconds:.0f} s")
            for f in fuzzer.failures[:50]:
                click.echo(
                    f"  {f['status']} {f['role']}: {f['method']} {f['path']} [{f['body'][:120]}] – {f['reason']}"
                )
            if fuzzer.failures:
                raise SystemExit(1)
        finally:
            with fuzz_app.app_context():
                db.engine.dispose()
            shutil.rmtree(workdir, ignore_errors=True)
