"""Imports (areas, catalogue, values in long and wide format, CSV and XLSX), bad files write nothing,
the edition CSV reads back unchanged, and the CLI commands."""

from __future__ import annotations

import io
import json
from datetime import date

import pytest
from sqlalchemy import func, select

from beteiligung.exports import csv_lines
from beteiligung.services.monitoring import imports as mimp
from beteiligung.services.monitoring import index as idx
from models import Area, AuditEntry
from models.monitoring import StatIndicator, StatValue

CATALOGUE = (
    "Schlüssel;Name;Einheit;Richtung;Quelle;Mindestfallzahl;Zähler;Nenner\n"
    "sgb2;SGB-II-Quote;%;höher ist schlechter;Jobcenter;5;Personen in BG;Einwohner·innen unter 65\n"
    "alo;Arbeitslosenquote;%;höher ist schlechter;Bundesagentur für Arbeit;5;;\n"
    "einkommen;Kaufkraft je Einwohner·in;€;höher ist besser;Statistikstelle;;;\n"
)
AREAS = (
    "Kennung;Name;Ebene;Übergeordnet;Einwohnerzahl\n"
    "007;Am Bach;Sozialraum;;4.200\n"
    "008;Kirchberg;Sozialraum;;5100\n"
    "009;Heide;Sozialraum;;3900\n"
    "A-01;Altstadt;Sozialraum;;12500\n"
)


def count(db, model):
    return db.session.scalar(select(func.count()).select_from(model))


def csv(text: str, encoding="utf-8") -> bytes:
    return text.encode(encoding)


@pytest.fixture
def setup(db, world):
    """Catalogue of the Kreis (operator), areas of Kommune A (its planner)."""
    report = mimp.import_catalogue(None, world.kreis, "katalog.csv", csv(CATALOGUE), commit=True)
    assert report.ok, report.file_error or [r.errors for r in report.rows]
    report = mimp.import_areas(world.planner_a, world.kommune_a, "gebiete.csv", csv(AREAS), commit=True)
    assert report.ok, report.file_error or [r.errors for r in report.rows]
    db.session.commit()
    return world


def long_values(rows) -> str:
    return "Gebiet;Indikator;Stichtag;Wert;Zähler;Nenner\n" + "".join(";".join(map(str, r)) + "\n" for r in rows)


BASE_ROWS = [
    ("007", "sgb2", "31.12.2025", "", "420", "3.500"),
    ("008", "sgb2", "2025-12-31", "6,5", "", ""),
    ("009", "sgb2", "31.12.2025", "9,25", "", ""),
    ("A-01", "sgb2", "31.12.2025", "11,1", "", ""),
    ("A-02", "sgb2", "31.12.2025", "4,4", "", ""),
    ("007", "alo", "31.12.2025", "7,2", "", ""),
    ("008", "alo", "31.12.2025", "3,9", "", ""),
    ("009", "alo", "31.12.2025", "5,5", "", ""),
    ("A-01", "alo", "31.12.2025", "6,1", "", ""),
    ("A-02", "alo", "31.12.2025", "2,8", "", ""),
]


# --- areas and catalogue ---------------------------------------------------------------------------


def test_areas_keep_leading_zeros_and_update_known_codes(db, setup):
    w = setup
    codes = set(db.session.scalars(select(Area.code).where(Area.body_id == w.kommune_a.id)))
    assert {"007", "008", "009", "A-01", "A-02"} <= codes
    a01 = db.session.scalar(select(Area).where(Area.body_id == w.kommune_a.id, Area.code == "A-01"))
    assert a01.population == 12500  # updated from 12000
    a007 = db.session.scalar(select(Area).where(Area.code == "007"))
    assert a007.population == 4200  # German thousands separator
    assert db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.entity_type == "Area")) >= 4


def test_negative_population_and_unknown_parent_write_nothing(db, world):
    before = count(db, Area)
    data = csv("Kennung;Name;Ebene;Übergeordnet;Einwohnerzahl\nN-1;Neu;Sozialraum;;100\nN-2;Falsch;Sozialraum;XX;-5\n")
    report = mimp.import_areas(world.planner_a, world.kommune_a, "g.csv", data, commit=True)
    assert not report.ok
    errors = {r.line: " ".join(r.errors) for r in report.rows if r.errors}
    assert list(errors) == [3]
    assert "negative Einwohnerzahl" in errors[3] and "„XX“ gibt es" in errors[3]
    assert count(db, Area) == before


def test_catalogue_import_directions_and_defaults(db, setup):
    inds = {i.key: i for i in db.session.scalars(select(StatIndicator))}
    assert inds["sgb2"].is_rate and inds["sgb2"].direction == "higher_worse"
    assert inds["einkommen"].direction == "higher_better" and inds["einkommen"].min_count == 5
    bad = csv("Schlüssel;Name;Einheit;Richtung;Quelle;Mindestfallzahl\nx y;Name;;seitwärts;;-1\n")
    report = mimp.import_catalogue(None, setup.kreis, "k.csv", bad, commit=True)
    messages = " ".join(report.rows[0].errors)
    assert "Richtung" in messages and "Schlüssel" in messages and "Mindestfallzahl" in messages
    assert count(db, StatIndicator) == 3


# --- values ---------------------------------------------------------------------------------------------


def test_long_format_windows_1252_decimal_comma_both_date_forms(db, setup):
    data = csv(long_values(BASE_ROWS), "cp1252")
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "werte.csv", data, commit=True)
    assert report.ok, [(r.line, r.errors) for r in report.rows if r.errors]
    assert report.written == 10
    v = db.session.scalar(
        select(StatValue)
        .join(Area)
        .where(
            Area.code == "007",
            StatValue.indicator_id == select(StatIndicator.id).where(StatIndicator.key == "sgb2").scalar_subquery(),
        )
    )
    assert v.value == pytest.approx(12.0) and v.numerator == 420 and v.denominator == 3500  # derived rate
    assert v.reference_date == date(2025, 12, 31)
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Monitoring-Werte"))
    assert entry.after["neu"] == 10


def test_correction_updates_value_and_is_audited(db, setup):
    mimp.import_values(setup.planner_a, setup.kommune_a, "w.csv", csv(long_values(BASE_ROWS)), commit=True)
    fix = long_values([("008", "alo", "31.12.2025", "4,1", "", "")])
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "w2.csv", csv(fix), commit=True)
    assert report.ok and report.written == 1
    assert count(db, StatValue) == 10
    entries = list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.entity_type == "Monitoring-Werte").order_by(AuditEntry.id)
        )
    )
    assert entries[-1].after["korrigiert"] == 1 and entries[-1].after["korrekturen"][0]["vorher"] == 3.9


def test_thousand_rows_one_bad_number_write_nothing_and_name_the_row(db, setup):
    rows = []
    for i in range(1000):
        rows.append(("A-01" if i % 2 else "008", "alo", f"31.12.{1000 + i}", f"{i % 50},5", "", ""))
    rows[736] = (rows[736][0], "alo", rows[736][2], "12,3x", "", "")
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "gross.csv", csv(long_values(rows)), commit=True)
    assert not report.ok and report.written == 0
    bad = [r for r in report.rows if r.errors]
    assert [r.line for r in bad] == [738]  # header is line 1
    assert "„12,3x“ ist keine Zahl" in bad[0].errors[0]
    assert count(db, StatValue) == 0


@pytest.mark.parametrize(
    "row,message",
    [
        (("XYZ", "alo", "31.12.2025", "1", "", ""), "„XYZ“ gibt es in Stadt Ahlen-Test nicht"),
        (("B-01", "alo", "31.12.2025", "1", "", ""), "„B-01“ gibt es in Stadt Ahlen-Test nicht"),
        (("007", "wohnen", "31.12.2025", "1", "", ""), "„wohnen“ steht nicht im Katalog"),
        (("007", "sgb2", "31.12.2025", "", "10", "0"), "Nenner ist 0"),
        (("007", "sgb2", "31.13.2025", "1", "", ""), "ist kein Datum"),
        (("007", "sgb2", "31.12.2025", "50", "1", "100"), "passt nicht zu Zähler/Nenner"),
        (("007", "sgb2", "31.12.2025", "", "", ""), "Wert fehlt"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(db, setup, row, message):
    rows = BASE_ROWS[:3] + [row]
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "w.csv", csv(long_values(rows)), commit=True)
    assert not report.ok
    assert [r.line for r in report.rows if r.errors] == [5]
    assert message in " ".join(report.rows[3].errors)
    assert count(db, StatValue) == 0


def test_duplicate_in_file(db, setup):
    rows = BASE_ROWS[:2] + [("007", "sgb2", "2025-12-31", "12", "", "")]
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "w.csv", csv(long_values(rows)), commit=True)
    assert "steht schon in Zeile 2" in " ".join(report.rows[2].errors)
    assert count(db, StatValue) == 0


def test_kreis_planner_cannot_write_kommune_values(db, setup):
    from beteiligung.services import PermissionDenied

    with pytest.raises(PermissionDenied):
        mimp.import_values(setup.planner_k, setup.kommune_a, "w.csv", csv(long_values(BASE_ROWS)), commit=True)
    report = mimp.import_values(setup.planner_k, setup.kreis, "w.csv", csv(long_values(BASE_ROWS[:1])), commit=True)
    assert "deren Werte pflegt diese Körperschaft selbst" in " ".join(report.rows[0].errors)
    assert count(db, StatValue) == 0


def test_wide_format_utf8_bom_comma_separated_and_unknown_column(db, setup):
    data = "\ufeffGebiet,Stichtag,sgb2,alo\n007,31.12.2024,\"11,5\",\"7,0\"\n008,31.12.2024,\"6,1\",\n"
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "breit.csv", data.encode("utf-8"), commit=True)
    assert report.ok, [r.errors for r in report.rows]
    assert report.written == 3  # the empty cell is no value
    bad = "Gebiet;Stichtag;sgb2;wohnen\n007;31.12.2024;1;2\n"
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "breit.csv", csv(bad), commit=True)
    assert "wohnen" in report.file_error
    assert count(db, StatValue) == 3


def test_xlsx_import(db, setup):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Gebiet", "Indikator", "Stichtag", "Wert"])
    ws.append(["007", "alo", date(2025, 12, 31), 7.25])
    ws.append(["A-01", "alo", "31.12.2025", "6,5"])
    buf = io.BytesIO()
    wb.save(buf)
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "werte.xlsx", buf.getvalue(), commit=True)
    assert report.ok, [r.errors for r in report.rows]
    assert sorted(db.session.scalars(select(StatValue.value))) == [6.5, 7.25]


def test_preview_writes_nothing(db, setup):
    report = mimp.import_values(setup.planner_a, setup.kommune_a, "w.csv", csv(long_values(BASE_ROWS)), commit=False)
    assert report.ok and report.written == 0 and count(db, StatValue) == 0


# --- round trip -----------------------------------------------------------------------------------------------


def test_edition_csv_reads_back_unchanged(db, setup):
    mimp.import_values(setup.planner_a, setup.kommune_a, "w.csv", csv(long_values(BASE_ROWS)), commit=True)
    spec = {
        "name": "Bedarf",
        "ebene": "Sozialraum",
        "indikatoren": ["sgb2", "alo"],
        "schwellen": [-1, 1],
        "klassen": ["hoch", "mittel", "niedrig"],
    }
    first = idx.create_edition(setup.planner_a, setup.kommune_a, spec, date(2025, 12, 31))
    db.session.commit()
    header, rows = idx.export_table(first)
    exported = "".join(csv_lines(header, rows + idx.method_lines(first))).encode("utf-8")
    assert exported.startswith("\ufeff".encode()) and b"# Methode: Sozialindex" in exported
    before = {(v.area_id, v.indicator_id): v.value for v in db.session.scalars(select(StatValue))}
    db.session.execute(StatValue.__table__.delete())
    db.session.commit()

    report = mimp.import_values(setup.planner_a, setup.kommune_a, "ergebnis.csv", exported, commit=True)
    assert report.ok, report.file_error or [(r.line, r.errors) for r in report.rows if r.errors]
    db.session.commit()
    after = {(v.area_id, v.indicator_id): v.value for v in db.session.scalars(select(StatValue))}
    assert after == before
    second = idx.create_edition(setup.planner_a, setup.kommune_a, spec, date(2025, 12, 31))
    assert idx.export_table(second)[1] == rows
    assert second.previous_edition_id == first.id


# --- CLI ----------------------------------------------------------------------------------------------------


def test_cli_import_index_export(app, db, world, tmp_path):
    runner = app.test_cli_runner()
    (tmp_path / "katalog.csv").write_text(CATALOGUE, encoding="utf-8")
    (tmp_path / "gebiete.csv").write_text(AREAS, encoding="cp1252")
    (tmp_path / "werte.csv").write_text(long_values(BASE_ROWS), encoding="utf-8")
    for cmd, name, body in (
        ("indikatoren-import", "katalog.csv", "01001"),
        ("gebiete-import", "gebiete.csv", "0100101"),
        ("werte-import", "werte.csv", "0100101"),
    ):
        result = runner.invoke(args=["monitoring", cmd, str(tmp_path / name), "--koerperschaft", body])
        assert result.exit_code == 0, result.output
    assert count(db, StatValue) == 10

    (tmp_path / "bad.csv").write_text(long_values(BASE_ROWS[:2] + [("007", "alo", "31.12.2026", "x", "", "")]))
    result = runner.invoke(args=["monitoring", "werte-import", str(tmp_path / "bad.csv"), "--koerperschaft", "0100101"])
    assert result.exit_code == 1 and "Zeile 4" in result.output and "nichts gespeichert" in result.output
    assert count(db, StatValue) == 10

    (tmp_path / "index.json").write_text(
        json.dumps(
            {
                "name": "Sozialindex Ahlen",
                "ebene": "Sozialraum",
                "indikatoren": ["sgb2", "alo"],
                "mindest_einwohner": 4000,
                "schwellen": [-1, 1, 1.5],
                "klassen": ["hoch", "mittel", "niedrig", "sehr niedrig"],
            }
        ),
        encoding="utf-8",
    )
    result = runner.invoke(
        args=[
            "monitoring",
            "index",
            str(tmp_path / "index.json"),
            "--stichtag",
            "2025-12-31",
            "--koerperschaft",
            "0100101",
        ]
    )
    assert result.exit_code == 0, result.output
    edition_id = int(result.output.strip().splitlines()[-1])
    result = runner.invoke(
        args=["monitoring", "export", "--ausgabe", str(edition_id), "--datei", str(tmp_path / "e.csv")]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "e.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith(
        "Kennung;Name;Stichtag;sgb2;alo;z sgb2;z alo;Index;Index standardisiert;Klasse"
    )
    assert "009;Heide" in text and "unter Mindest-Einwohnerzahl" in text  # 3.900 < 4.000

    result = runner.invoke(
        args=[
            "monitoring",
            "index",
            str(tmp_path / "index.json"),
            "--stichtag",
            "2030-12-31",
            "--koerperschaft",
            "0100101",
        ]
    )
    assert result.exit_code == 1 and "keine Werte" in result.output
    result = runner.invoke(args=["monitoring", "freigabe", "--koerperschaft", "0100101"])
    assert result.exit_code == 0 and "freigegeben" in result.output
    result = runner.invoke(args=["monitoring", "ausgabe-status", "--ausgabe", str(edition_id), "--status", "published"])
    assert result.exit_code == 0 and "veröffentlicht" in result.output
