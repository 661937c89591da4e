"""CLI for Leistung: `flask --app beteiligung demo skalieren` and `flask --app beteiligung benchmark seiten`."""

from __future__ import annotations

import click

from .uow import unit_of_work


def register(app) -> None:
    demo = app.cli.commands["demo"]

    @demo.command("skalieren")
    @click.option("--faktor", type=float, default=10.0, show_default=True, help="10 = großer Kreis laut Issue 14.")
    @click.option("--seed", type=int, default=1, show_default=True, help="Gleicher Seed → gleiche Daten.")
    def skalieren(faktor, seed):
        """Vergrößert die geladene Demo (oder jede Datenbank) auf das Faktorfache (1 ≈ ein Zehntel des großen
        Kreises: 300 Organisationen, 1.500 Personen, 4.000 Beziehungen, 490 Sitzungen, 2.200 Protokolleinträge,
        20 Kontrakte, 60 Kennzahlen, 20.000 Antwortbögen)."""
        from .services.leistung.skalierung import LABELS, SkalierungFehler, counts, targets
        from .services.leistung.skalierung import skalieren as grow

        try:
            with unit_of_work():
                result = grow(faktor, seed)
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
