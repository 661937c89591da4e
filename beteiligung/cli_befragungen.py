"""CLI for Befragungen: `flask --app beteiligung befragungen entwuerfe-loeschen [--tage N]`."""

from __future__ import annotations

import secrets
import time

import click

from beteiligung.formatting import anzahl

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

    @befragungen.command("zaehlen")
    @click.option("--befragung", "befragung_id", type=int, default=None, help="Nur diese Befragung (ID).")
    def recount(befragung_id):
        """Zählt die Antworten neu und baut die laufenden Zählungen der Ergebnisse neu auf.

        Nötig nur nach Änderungen an der Datenbank am Programm vorbei; Antworten über die Anwendung
        halten die Zählungen selbst aktuell."""
        from sqlalchemy import select

        from beteiligung.extensions import db
        from beteiligung.services.befragungen import zaehler
        from models.surveys import Survey

        with unit_of_work():
            if befragung_id is not None and db.session.get(Survey, befragung_id) is None:
                raise click.ClickException(f"Befragung {befragung_id} gibt es nicht.")
            ids = [befragung_id] if befragung_id is not None else None
            t = time.perf_counter()
            done = zaehler.alle_nachzaehlen(db.session.connection(), ids)
            titles = dict(db.session.execute(select(Survey.id, Survey.title).where(Survey.id.in_(list(done)))).all())
        for sid, rows in done.items():
            click.echo(f"Befragung {sid} „{titles.get(sid, '')}“: {rows} Zählzeilen")
        click.echo(f"{anzahl(len(done), 'Befragung', 'Befragungen')} neu gezählt ({time.perf_counter() - t:.1f} s).")

    @befragungen.command("messen")
    @click.option(
        "--antworten", type=click.IntRange(min=1), default=50000, help="Zahl der Antworten (Standard 50.000)."
    )
    @click.option("--wiederholungen", type=click.IntRange(min=1), default=5)
    @click.option("--ohne-exporte", is_flag=True, help="Nur die Ergebnisseite messen.")
    def measure(antworten, wiederholungen, ohne_exporte):
        """Misst Ergebnisberechnung (CPU) und Antwort-Exporte (Speicher) an einer großen Testbefragung.

        Die Testbefragung wird nur für die Messung angelegt und danach verworfen (nichts wird gespeichert)."""
        from flask import current_app
        from flask_login import login_user
        from sqlalchemy import select

        from beteiligung import survey_benchmark as bench
        from beteiligung.extensions import db
        from beteiligung.permissions import befragungen as perm
        from beteiligung.uow import discard
        from models import User
        from views import befragungen as survey_views

        try:
            t = time.perf_counter()
            survey = bench.build(antworten)
            click.echo(f"Testbefragung mit {antworten} Antworten angelegt ({time.perf_counter() - t:.1f} s).")
            user = next(u for u in db.session.scalars(select(User)) if perm.can_manage_survey(u, survey))
            app = current_app._get_current_object()

            def view(path, fn, *args):
                def run():
                    with app.test_request_context(path):
                        login_user(user)
                        resp = fn(*args)
                        body = resp if isinstance(resp, str) else b"".join(resp.response)
                    return len(body)

                return run

            sid = survey.id
            pages = [
                ("Ergebnisse (alle)", f"/befragungen/{sid}/ergebnisse", survey_views.results, sid),
                (
                    "Ergebnisse (Vergleich Sozialraum)",
                    f"/befragungen/{sid}/ergebnisse?vergleich=sozialraum",
                    survey_views.results,
                    sid,
                ),
            ]
            click.echo(f"{'Messung':42} {'CPU ms':>8} {'Zeit ms':>8} {'Bytes':>10}")
            from beteiligung.services.befragungen import ergebnisse as results_svc

            def cold(run):
                def again():
                    results_svc.clear_cache()
                    return run()

                return again

            def after_new_response(run):
                # while responses arrive: one more response (stored like a submission, counts
                # updated in the same flush), then the page — the key changes, nothing is reused
                from models.surveys import SurveyAnswer, SurveyResponse

                first = survey.questions[2]  # Ja/Nein

                def again():
                    r = SurveyResponse(survey_id=sid, submission_key=secrets.token_urlsafe(18), week="2026-W48")
                    r.answers.append(SurveyAnswer(question_id=first.id, option_id=first.options[0].id))
                    db.session.add(r)
                    db.session.flush()
                    return run()

                return again

            pages.append(("Ergebnisse (alle, ohne Zwischenspeicher)", *pages[0][1:]))
            pages.append(("Ergebnisse (alle, nach neuer Antwort)", *pages[0][1:]))
            for label, path, fn, *args in pages:
                run = view(path, fn, *args)
                if "ohne Zwischenspeicher" in label:
                    run = cold(run)
                if "nach neuer Antwort" in label:
                    run = after_new_response(run)
                size = run()
                cpu, wall = bench.cpu_ms(run, wiederholungen)
                click.echo(f"{label:42} {cpu:8.1f} {wall:8.1f} {size:10d}")
            for fmt in () if ohne_exporte else ("csv", "xlsx"):
                run = view(f"/befragungen/{sid}/export.{fmt}", survey_views.export, sid, fmt)
                sizes: list[int] = []
                peak = bench.peak_mb(lambda run=run, sizes=sizes: sizes.append(run()))
                click.echo(
                    f"{'Export ' + fmt.upper() + ' (Spitze Python-Speicher MB)':42} {peak:8.1f} {'':8} {sizes[0]:10d}"
                )
        finally:
            discard()
