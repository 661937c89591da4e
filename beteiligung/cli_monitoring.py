"""CLI for the Sozialmonitoring: `flask --app beteiligung monitoring …`.

gebiete-import, indikatoren-import, werte-import DATEI --koerperschaft KENNUNG
index DEFINITION.json --stichtag JJJJ-MM-TT --koerperschaft KENNUNG [--vergleich JJJJ-MM-TT]
export --ausgabe ID --datei ERGEBNIS.csv
freigabe --koerperschaft KENNUNG [--zuruecknehmen]; ausgabe-status --ausgabe ID --status …
benchmark

Commands run as the operator (no user account): every change is one transaction and audited
without a user. Other modules add their commands to the `monitoring` group (see `group`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from beteiligung.formatting import anzahl

group: click.Group | None = None


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _date(ctx, param, value):
    if value is None:
        return None
    from beteiligung.services.monitoring import parse_date

    try:
        return parse_date(value)
    except ValueError:
        raise click.BadParameter("Datum als JJJJ-MM-TT oder TT.MM.JJJJ.") from None


def _print_report(report, max_errors: int = 50) -> None:
    if report.file_error:
        _fail(f"Fehler: {report.file_error} Es wurde nichts gespeichert.")
    bad = [r for r in report.rows if r.errors]
    for r in bad[:max_errors]:
        click.echo(f"Zeile {r.line} ({r.label}): {' '.join(r.errors)}", err=True)
    if len(bad) > max_errors:
        click.echo(f"… und {len(bad) - max_errors} weitere fehlerhafte Zeilen.", err=True)
    if bad:
        _fail(
            f"{anzahl(len(report.rows), 'Zeile', 'Zeilen')} geprüft, {len(bad)} mit Fehlern. Es wurde nichts gespeichert."
        )
    click.echo(
        f"{anzahl(len(report.rows), 'Zeile', 'Zeilen')} geprüft, {anzahl(report.written, 'Datensatz', 'Datensätze')} geschrieben."
    )


def register(app) -> None:
    global group

    @app.cli.group("monitoring")
    def monitoring():
        """Sozialmonitoring: Gebiete, Indikatoren, Werte, Sozialindex, Ausgaben."""

    group = monitoring

    def _import(kind, datei, koerperschaft, pruefen, stichtag=None):
        from beteiligung.services import ServiceError
        from beteiligung.services.monitoring import body_by_code
        from beteiligung.services.monitoring import imports as mimp
        from beteiligung.uow import unit_of_work

        path = Path(datei)
        try:
            with unit_of_work():
                body = body_by_code(koerperschaft)
                fn = {"gebiete": mimp.import_areas, "indikatoren": mimp.import_catalogue, "werte": mimp.import_values}[
                    kind
                ]
                kwargs = {"reference_date": stichtag} if kind == "werte" else {}
                report = fn(None, body, path.name, path.read_bytes(), commit=not pruefen, **kwargs)
                if not report.ok:
                    raise _Abort(report)
        except _Abort as abort:
            _print_report(abort.report)
            return
        except ServiceError as exc:
            _fail(f"Fehler: {exc.message}")
        _print_report(report)
        if pruefen:
            click.echo("Nur geprüft (--pruefen): nichts gespeichert.")

    common = [
        click.argument("datei", type=click.Path(exists=True, dir_okay=False)),
        click.option("--koerperschaft", required=True, help="Kennung (AGS) der Körperschaft."),
        click.option("--pruefen", is_flag=True, help="Nur prüfen, nichts speichern."),
    ]

    def with_common(fn):
        for deco in reversed(common):
            fn = deco(fn)
        return fn

    @monitoring.command("gebiete-import")
    @with_common
    def gebiete_import(datei, koerperschaft, pruefen):
        """Gebiete importieren: Kennung;Name;Ebene;Übergeordnet;Einwohnerzahl."""
        _import("gebiete", datei, koerperschaft, pruefen)

    @monitoring.command("indikatoren-import")
    @with_common
    def indikatoren_import(datei, koerperschaft, pruefen):
        """Indikatorenkatalog importieren: Schlüssel;Name;Einheit;Richtung;Quelle;Mindestfallzahl."""
        _import("indikatoren", datei, koerperschaft, pruefen)

    @monitoring.command("werte-import")
    @with_common
    @click.option("--stichtag", callback=_date, help="Stichtag für eine Datei im Breitformat ohne Spalte Stichtag.")
    def werte_import(datei, koerperschaft, pruefen, stichtag):
        """Werte importieren: Gebiet;Indikator;Stichtag;Wert[;Zähler;Nenner] oder Breitformat."""
        _import("werte", datei, koerperschaft, pruefen, stichtag)

    @monitoring.command("index")
    @click.argument("definition", type=click.Path(exists=True, dir_okay=False))
    @click.option("--stichtag", required=True, callback=_date, help="Stichtag JJJJ-MM-TT.")
    @click.option("--vergleich", callback=_date, help="Vergleichsstichtag für den Dynamikindex.")
    @click.option("--koerperschaft", required=True, help="Kennung (AGS) der Körperschaft.")
    def index_cmd(definition, stichtag, vergleich, koerperschaft):
        """Sozialindex berechnen und als Monitoring-Ausgabe speichern; gibt die Nummer der Ausgabe aus."""
        from beteiligung.services import ServiceError
        from beteiligung.services.monitoring import body_by_code
        from beteiligung.services.monitoring import index as idx
        from beteiligung.uow import unit_of_work

        try:
            with unit_of_work():
                body = body_by_code(koerperschaft)
                spec = idx.load_spec_file(Path(definition).read_text(encoding="utf-8-sig"))
                edition = idx.create_edition(None, body, spec, stichtag, vergleich)
                edition_id = edition.id
                missing = edition.statistics.get("fehlend") or []
        except ServiceError as exc:
            details = "; ".join(f"{k}: {v}" for k, v in exc.errors.items())
            _fail(f"Fehler: {exc.message} {details}".strip())
        for m in missing:
            click.echo(
                f"Hinweis: {m['kennung']} {m['name']} ohne Index (fehlt: {', '.join(m['indikatoren'])}).", err=True
            )
        click.echo(edition_id)

    @monitoring.command("export")
    @click.option("--ausgabe", required=True, type=int, help="Nummer der Monitoring-Ausgabe.")
    @click.option("--datei", required=True, type=click.Path(dir_okay=False, writable=True))
    def export_cmd(ausgabe, datei):
        """Ergebnis einer Ausgabe als CSV: Kennung;Name;Stichtag;Werte;z-Werte;Index;Klasse;Rang."""
        from beteiligung.exports import csv_lines
        from beteiligung.services import ServiceError
        from beteiligung.services.monitoring import index as idx

        try:
            edition = idx.get_edition(None, ausgabe)
        except ServiceError as exc:
            _fail(f"Fehler: {exc.message}")
        header, rows = idx.export_table(edition)
        with open(datei, "w", encoding="utf-8", newline="") as fh:
            for chunk in csv_lines(header, rows + idx.method_lines(edition)):
                fh.write(chunk)
        click.echo(f"{len(rows)} Gebiete nach {datei} geschrieben.")

    @monitoring.command("freigabe")
    @click.option("--koerperschaft", required=True, help="Kennung (AGS) der Kommune.")
    @click.option("--zuruecknehmen", is_flag=True, help="Freigabe zurücknehmen.")
    def release_cmd(koerperschaft, zuruecknehmen):
        """Werte einer Kommune für den Kreis freigeben (oder die Freigabe zurücknehmen)."""
        from beteiligung.services import ServiceError
        from beteiligung.services.monitoring import body_by_code
        from beteiligung.services.monitoring.release import set_values_released
        from beteiligung.uow import unit_of_work

        try:
            with unit_of_work():
                body = body_by_code(koerperschaft)
                changed = set_values_released(None, body, not zuruecknehmen)
        except ServiceError as exc:
            _fail(f"Fehler: {exc.message}")
        click.echo(
            ("Geändert: " if changed else "Unverändert: ")
            + ("Freigabe zurückgenommen." if zuruecknehmen else "für den Kreis freigegeben.")
        )

    @monitoring.command("ausgabe-status")
    @click.option("--ausgabe", required=True, type=int)
    @click.option("--status", "status", required=True, type=click.Choice(["draft", "released_to_kreis", "published"]))
    def status_cmd(ausgabe, status):
        """Status einer Ausgabe setzen: draft, released_to_kreis, published."""
        from beteiligung.services import ServiceError
        from beteiligung.services.monitoring import index as idx
        from beteiligung.uow import unit_of_work
        from models.monitoring import EditionStatus

        try:
            with unit_of_work():
                edition = idx.get_edition(None, ausgabe)
                idx.set_status(None, edition, EditionStatus(status))
        except ServiceError as exc:
            _fail(f"Fehler: {exc.message}")
        click.echo(f"Ausgabe {ausgabe}: {EditionStatus(status).label}.")

    @monitoring.command("benchmark")
    @click.option("--gebiete", default=550, show_default=True)
    @click.option("--indikatoren", default=20, show_default=True)
    @click.option("--stichtage", default=10, show_default=True)
    def benchmark(gebiete, indikatoren, stichtage):
        """Messung (kein Test): Import von Gebieten × Indikatoren × Stichtagen und Indexberechnung.

        Legt eine eigene Mess-Körperschaft an und entfernt sie am Ende wieder (alles in einer
        Transaktion, die zurückgerollt wird)."""
        from beteiligung.uow import discard

        rows = run_benchmark(gebiete, indikatoren, stichtage)
        discard()
        width = max(len(r[0]) for r in rows)
        click.echo(f"{'Schritt'.ljust(width)}  Sekunden  Menge")
        for label, seconds, amount in rows:
            click.echo(f"{label.ljust(width)}  {seconds:8.2f}  {amount}")


class _Abort(Exception):
    def __init__(self, report):
        super().__init__("import failed")
        self.report = report


def run_benchmark(n_areas: int, n_indicators: int, n_dates: int, seed: int = 2026) -> list[tuple[str, float, str]]:
    """Generate the files in memory, import them through the services and compute an edition."""
    import random
    from datetime import date

    from beteiligung.extensions import db
    from beteiligung.services.monitoring import imports as mimp
    from beteiligung.services.monitoring import index as idx
    from models import Body

    rng = random.Random(seed)
    body = Body(name="Messkreis Monitoring", kind="Kreis", code=f"MM{seed}{rng.randint(0, 99999)}")
    db.session.add(body)
    db.session.flush()
    out = []
    areas_csv = "Kennung;Name;Ebene;Übergeordnet;Einwohnerzahl\n" + "".join(
        f"{i:05d};Planungsraum {i};Planungsraum;;{rng.randint(200, 15000)}\n" for i in range(n_areas)
    )
    t = time.perf_counter()
    report = mimp.import_areas(None, body, "gebiete.csv", areas_csv.encode(), commit=True)
    assert report.ok, report.file_error or [r.errors for r in report.rows if r.errors][:3]
    out.append(("Gebiete importieren", time.perf_counter() - t, f"{n_areas} Gebiete"))

    catalogue = "Schlüssel;Name;Einheit;Richtung;Quelle;Mindestfallzahl;Zähler;Nenner\n" + "".join(
        f"i{k:02d};Indikator {k};%;höher ist schlechter;Messung;5;Fälle;Einwohner\n" for k in range(n_indicators)
    )
    t = time.perf_counter()
    report = mimp.import_catalogue(None, body, "katalog.csv", catalogue.encode(), commit=True)
    assert report.ok
    out.append(("Indikatorenkatalog importieren", time.perf_counter() - t, f"{n_indicators} Indikatoren"))

    years = [date(2016 + y, 12, 31) for y in range(n_dates)]
    lines = ["Gebiet;Indikator;Stichtag;Wert;Zähler;Nenner"]
    for i in range(n_areas):
        base = rng.uniform(0.02, 0.3)
        for k in range(n_indicators):
            for day in years:
                den = rng.randint(200, 5000)
                num = int(den * min(0.95, max(0.0, base + rng.uniform(-0.03, 0.03))))
                lines.append(f"{i:05d};i{k:02d};{day:%d.%m.%Y};;{num};{den}")
    data = ("\n".join(lines) + "\n").encode()
    t = time.perf_counter()
    report = mimp.import_values(None, body, "werte.csv", data, commit=True)
    assert report.ok, [r.errors for r in report.rows if r.errors][:3]
    out.append(
        (
            "Werte importieren (Langformat, geprüft und geschrieben)",
            time.perf_counter() - t,
            f"{report.written:,} Werte".replace(",", ".") + f", {len(data) / 1e6:.1f} MB".replace(".", ","),
        )
    )

    spec = {
        "name": "Messindex",
        "ebene": "Planungsraum",
        "indikatoren": [f"i{k:02d}" for k in range(n_indicators)],
        "mindest_einwohner": 300,
        "schwellen": [-1, 1, 1.5],
        "klassen": ["hoch", "mittel", "niedrig", "sehr niedrig"],
    }
    t = time.perf_counter()
    edition = idx.create_edition(None, body, spec, years[-1], years[-3] if n_dates >= 3 else None)
    out.append(
        ("Sozialindex berechnen und Ausgabe speichern", time.perf_counter() - t, f"{len(edition.results)} Gebiete")
    )
    t = time.perf_counter()
    header, rows = idx.export_table(edition)
    out.append(("Ausgabe als Tabelle aufbereiten (Export)", time.perf_counter() - t, f"{len(rows)} Zeilen"))
    from beteiligung.cli_monitoring_karten import map_benchmark  # geometries and the map page (B2)

    out += map_benchmark(body, edition, [f"{i:05d}" for i in range(n_areas)])
    return out
