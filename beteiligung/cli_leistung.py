"""CLI for Leistung: `flask --app beteiligung demo skalieren` and `flask --app beteiligung benchmark seiten`."""

from __future__ import annotations

import click

from .uow import unit_of_work


def _ausgeben(text: str, results: list[dict], json_path: str | None) -> None:
    """The benchmark's table on the terminal and, with --json, its results in a file."""
    import json

    click.echo("")
    click.echo(text)
    if json_path:
        with open(json_path, "w", encoding="utf-8") as fh:
            json.dump(results, fh, ensure_ascii=False, indent=1)
        click.echo(f"\nJSON geschrieben: {json_path}")


def register(app) -> None:
    demo = app.cli.commands["demo"]

    @demo.command("skalieren")
    @click.option("--faktor", type=float, default=10.0, show_default=True, help="10 = großer Kreis laut Issue 14.")
    @click.option("--seed", type=int, default=1, show_default=True, help="Gleicher Seed → gleiche Daten.")
    @click.option(
        "--nur",
        multiple=True,
        type=click.Choice(["netzwerk", "gremien", "kontrakte", "befragungen"]),
        help="Nur diese Bereiche wachsen lassen (mehrfach möglich); Organisationen und Personen wachsen immer.",
    )
    def skalieren(faktor, seed, nur):
        """Vergrößert die geladene Demo (oder jede Datenbank) auf das Faktorfache (1 ≈ ein Zehntel des großen
        Kreises: 300 Organisationen, 1.500 Personen, 4.000 Beziehungen, 490 Sitzungen, 2.200 Protokolleinträge,
        20 Kontrakte, 60 Kennzahlen, 20.000 Antwortbögen)."""
        from .services.leistung.skalierung import LABELS, SkalierungFehler, counts, targets
        from .services.leistung.skalierung import skalieren as grow

        try:
            with unit_of_work():
                result = grow(faktor, seed, set(nur) if nur else None)
        except SkalierungFehler as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"Skalierung auf Faktor {faktor:g} (Seed {seed}) in {result.seconds:.1f} s:")
        for key, n in result.added.items():
            click.echo(f"  + {n:>9}  {LABELS.get(key, key)}")
        now, want = counts(), targets(faktor)
        click.echo("Bestand (Ziel):")
        for key, n in now.items():
            goal = f" ({want[key]})" if key in want else ""
            click.echo(f"  {n:>9}{goal}  {LABELS.get(key, key)}")

    @app.cli.group("benchmark")
    def benchmark():
        """Leistungsmessung der Schlüsselseiten (Issue 14)."""

    @benchmark.command("seiten")
    @click.option("--runden", type=click.IntRange(1, 1000), default=5, show_default=True)
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True), help="Ergebnis als JSON.")
    @click.option("--passwort", default=None, help="Passwort der Konten (Standard: Demo-Passwort).")
    @click.option("--seite", "nur", multiple=True, help="Nur diese Seite messen (mehrfach möglich), z. B. Nachhalten.")
    def seiten(runden, json_path, passwort, nur):
        """Misst je Schlüsselseite Server-CPU-Zeit, p50/p95, SQL-Anweisungen, gelesene Zeilen und HTML-Größe –
        angemeldet über die echte Anmeldung, verschränkt über Seiten und Runden, auf der aktuellen Datenbank."""
        from .services.leistung.benchmark import BenchmarkFehler, run, table

        try:
            results = run(runden=runden, password=passwort, echo=click.echo, nur=set(nur) or None)
        except BenchmarkFehler as exc:
            raise click.ClickException(str(exc)) from exc
        _ausgeben(table(results), results, json_path)
        errors = [r for r in results if r["fehler"]]
        if errors:
            raise click.ClickException(
                "Unerwartete Antworten: " + "; ".join(f"{r['seite']} ({', '.join(r['fehler'])})" for r in errors)
            )

    @benchmark.command("vergleich")
    @click.argument("vorher", type=click.Path(exists=True, dir_okay=False))
    @click.argument("nachher", type=click.Path(exists=True, dir_okay=False))
    def vergleich(vorher, nachher):
        """Stellt zwei JSON-Ergebnisse von `benchmark seiten` (Skala 1 und Skala 10) gegenüber und prüft die Ziele:
        ≤ 50 ms CPU je Seite, ≤ 1,5 × der Zeit bei Skala 1, ≤ 300 KB HTML (Markdown-Tabelle für das README)."""
        import json

        from .services.leistung.benchmark import compare

        with open(vorher, encoding="utf-8") as a, open(nachher, encoding="utf-8") as b:
            click.echo(compare(json.load(a), json.load(b)))

    @benchmark.command("exporte")
    @click.option("--json", "json_path", type=click.Path(dir_okay=False, writable=True), help="Ergebnis als JSON.")
    @click.option("--export", "nur", multiple=True, help="Nur Exporte, deren Name dies enthält (mehrfach möglich).")
    def exporte(json_path, nur):
        """Misst jeden Listen-Export in einem frischen Prozess: Bytes, Spitzenspeicher (ru_maxrss) und Zeit –
        als Sozialplanung, über die Views, auf der aktuellen Datenbank (Issue 14: ≤ 50 MB Zuwachs von ×1 zu ×10)."""
        from .services.leistung.benchmark import BenchmarkFehler
        from .services.leistung.exporte import run, table

        try:
            results = run(echo=click.echo, nur=set(nur) or None)
        except BenchmarkFehler as exc:
            raise click.ClickException(str(exc)) from exc
        _ausgeben(table(results), results, json_path)
        errors = [r for r in results if r.get("fehler")]
        if errors:
            raise click.ClickException("Fehlgeschlagen: " + "; ".join(f"{r['export']} ({r['fehler']})" for r in errors))

    @benchmark.command("exporte-vergleich")
    @click.argument("vorher", type=click.Path(exists=True, dir_okay=False))
    @click.argument("nachher", type=click.Path(exists=True, dir_okay=False))
    def exporte_vergleich(vorher, nachher):
        """Stellt zwei JSON-Ergebnisse von `benchmark exporte` (Skala 1 und Skala 10) gegenüber: Spitzenspeicher,
        Zuwachs und das Ziel ≤ 50 MB (Markdown-Tabelle für das README)."""
        import json

        from .services.leistung.exporte import compare

        with open(vorher, encoding="utf-8") as a, open(nachher, encoding="utf-8") as b:
            click.echo(compare(json.load(a), json.load(b)))
