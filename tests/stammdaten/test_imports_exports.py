"""CSV/XLSX import with per-row report (all rows or none) and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from beteiligung.exports import csv_cell, guard_formula
from beteiligung.services import PermissionDenied
from beteiligung.services.stammdaten.importe import run_import
from models import Area, AuditEntry, Organisation, Person
from tests.support.uow import refused

ORG_HEADER = "Name;Kurzname;Art;PLZ;Ort;E-Mail;Sozialräume;Handlungsfelder;Zielgruppen"
ORG_ROWS = [
    "Familienzentrum Altstadt;FZ;Schule/Kita;59227;Ahlen;fz@example.org;A-01;Bildung;Senior·innen",
    "Tafel Ahlen e. V.;;Initiative/Verein;59229;Ahlen;;A-01, A-02;Pflege;",
    "Müttercafé Süd;;Selbsthilfe/Beirat;;;;;;",
]


def counts(db):
    return {
        m.__name__: db.session.scalar(select(func.count()).select_from(m))
        for m in (Organisation, Person, Area, AuditEntry)
    }


def upload(client, kind, body, filename, data: bytes, step="importieren"):
    return client.post(
        "/verwaltung/import",
        data={
            "kind": kind,
            "body_id": str(body.id),
            "schritt": step,
            "datei": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def csv_bytes(lines, encoding="utf-8-sig", sep=";"):
    return "\r\n".join(line.replace(";", sep) if sep != ";" else line for line in lines).encode(encoding)


def xlsx_bytes(rows):
    wb = Workbook()
    ws = wb.active
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# --- valid files ------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding,sep", [("utf-8-sig", ";"), ("utf-8", ";"), ("cp1252", ";"), ("utf-8-sig", ",")])
def test_valid_csv_imports_all_rows(client, db, world, encoding, sep):
    client.login(world.planner_a.email)
    rows = [ORG_HEADER] + ORG_ROWS
    if sep == ",":
        rows = [",".join(f'"{c}"' if "," in c else c for c in r.split(";")) for r in rows]
        data = "\r\n".join(rows).encode(encoding)
    else:
        data = csv_bytes(rows, encoding)
    before = counts(db)
    preview = upload(client, "organisationen", world.kommune_a, "orgs.csv", data, step="pruefen")
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "3 Zeilen geprüft, 0 mit Fehlern" in html and "Alle Zeilen sind gültig" in html
    assert counts(db) == before  # the preview writes nothing
    r = upload(client, "organisationen", world.kommune_a, "orgs.csv", data)
    assert r.status_code == 200 and "3 Datensätze importiert" in r.get_data(as_text=True)
    fz = db.session.scalar(select(Organisation).where(Organisation.name == "Familienzentrum Altstadt"))
    assert fz.body_id == world.kommune_a.id and fz.kind == "Schule/Kita" and fz.postcode == "59227"
    assert [a.code for a in fz.areas] == ["A-01"]
    assert sorted(t.name for t in fz.terms) == ["Bildung", "Senior·innen"]
    tafel = db.session.scalar(select(Organisation).where(Organisation.name == "Tafel Ahlen e. V."))
    assert [a.code for a in tafel.areas] == ["A-01", "A-02"]
    after = counts(db)
    assert after["Organisation"] == before["Organisation"] + 3
    assert after["AuditEntry"] == before["AuditEntry"] + 3


def test_cp1252_umlauts(client, db, world):
    client.login(world.planner_a.email)
    data = "Kennung;Name;Einwohnerzahl;Gültig ab\r\nA-10;Große Gärten;4500;01.01.2024\r\n".encode("cp1252")
    r = upload(client, "sozialraeume", world.kommune_a, "räume.csv", data)
    assert "1 Datensatz importiert" in r.get_data(as_text=True)
    area = db.session.scalar(select(Area).where(Area.code == "A-10"))
    assert area.name == "Große Gärten" and area.population == 4500 and str(area.valid_from) == "2024-01-01"


def test_valid_xlsx_persons(client, db, world):
    client.login(world.planner_a.email)
    data = xlsx_bytes(
        [
            ["Vorname", "Nachname", "Funktion", "E-Mail", "Organisation", "Einwilligung", "Einwilligung am", "Zweck"],
            [
                "Jana",
                "Jansen",
                "Koordination",
                "jana@example.org",
                "Wohlfahrt Ahlen e. V.",
                "ja",
                "15.03.2026",
                "Netzwerk",
            ],
            ["Kurt", "Kramer", None, None, None, "nein", None, None],
        ]
    )
    r = upload(client, "personen", world.kommune_a, "personen.xlsx", data)
    assert "2 Datensätze importiert" in r.get_data(as_text=True), r.get_data(as_text=True)
    jana = db.session.scalar(select(Person).where(Person.last_name == "Jansen"))
    assert jana.organisation_id == world.org_a.id and jana.consent_given and str(jana.consent_date) == "2026-03-15"
    kurt = db.session.scalar(select(Person).where(Person.last_name == "Kramer"))
    assert not kurt.consent_given and kurt.body_id == world.kommune_a.id


def test_xlsx_areas_with_dates_and_numbers(client, db, world):
    from datetime import datetime

    client.login(world.planner_a.email)
    data = xlsx_bytes(
        [
            ["Kennung", "Name", "Ebene", "Einwohnerzahl", "Gültig ab", "Übergeordnet"],
            ["A-01-N", "Nordteil", "Quartier", 3200.0, datetime(2025, 1, 1), "A-01"],
        ]
    )
    r = upload(client, "sozialraeume", world.kommune_a, "r.xlsx", data)
    assert "1 Datensatz importiert" in r.get_data(as_text=True), r.get_data(as_text=True)
    area = db.session.scalar(select(Area).where(Area.code == "A-01-N"))
    assert area.population == 3200 and area.parent_id == world.area_a1.id and area.kind == "Quartier"


# --- broken rows: per-row report, nothing written -------------------------------------------------


def test_broken_rows_reported_per_row_and_nothing_written(client, db, world):
    client.login(world.planner_a.email)
    lines = [
        ORG_HEADER,
        ORG_ROWS[0],  # 2: ok
        ";;Freier Träger;;;;;;",  # 3: name missing
        "Unbekannter Raum;;Freier Träger;;;;Z-99;;",  # 4: unknown area code
        "Unbekanntes Feld;;Freier Träger;;;;;Raumfahrt;",  # 5: unknown Handlungsfeld
        "Familienzentrum Altstadt;;Schule/Kita;;;;;;",  # 6: duplicate in file
        "Wohlfahrt Ahlen e. V.;;Wohlfahrtsverband;;;;;;",  # 7: duplicate in DB
        "Zu viele Spalten;;Freier Träger;;;;;;;extra;mehr",  # 8: extra values
        "Falsche Art;;Raumschiff;;;;;;",  # 9: unknown kind
        "Falsche PLZ;;Freier Träger;1234x;;;;;",  # 10: bad postcode
        "<script>alert(1)</script>;;Freier Träger;;;;;;",  # 11: markup
    ]
    before = counts(db)
    r = upload(client, "organisationen", world.kommune_a, "kaputt.csv", csv_bytes(lines))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "10 Zeilen geprüft, 9 mit Fehlern" in html and "Es wurde nichts gespeichert" in html
    report = html.split('id="bericht"', 1)[1]
    rows = {}
    for chunk in report.split('<tr class="kern-table__row')[2:]:
        line = int(chunk.split('<td class="kern-table__cell">', 1)[1].split("<", 1)[0])
        rows[line] = chunk
    assert "in Ordnung" in rows[2]
    assert "Name: Bitte ausfüllen." in rows[3]
    assert "„Z-99“ gibt es in Stadt Ahlen-Test nicht" in rows[4]
    assert "Handlungsfelder: „Raumfahrt“ ist nicht in der Liste" in rows[5]
    assert "Doppelt: derselbe Eintrag steht schon in Zeile 2" in rows[6]
    assert "gibt es in der Körperschaft bereits" in rows[7]
    assert "Mehr Werte als Spalten" in rows[8]
    assert "Art: Keine gültige Auswahl." in rows[9]
    assert "PLZ: Bitte fünfstellige PLZ angeben." in rows[10]
    assert "ohne HTML-Tags" in rows[11] and "<script>alert" not in html
    assert counts(db) == before


def test_broken_person_and_area_rows(client, db, world):
    client.login(world.planner_a.email)
    before = counts(db)
    data = csv_bytes(
        [
            "Vorname;Nachname;Einwilligung;Einwilligung am;Zweck;Organisation",
            "Eva;;;;;",  # last name missing
            "Falk;Fuchs;ja;32.01.2026;Netzwerk;",  # bad date
            "Gert;Gans;ja;;;",  # consent without date/purpose
            "Hans;Hahn;;;;Unbekannte Org",
        ]
    )  # unknown organisation
    r = upload(client, "personen", world.kommune_a, "p.csv", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "4 Zeilen geprüft, 4 mit Fehlern" in html
    assert "Nachname: Bitte ausfüllen." in html and "Einwilligung am: Kein gültiges Datum." in html
    assert "Bitte das Datum der Einwilligung angeben." in html and "„Unbekannte Org“ gibt es in" in html
    data = csv_bytes(
        [
            "Kennung;Name;Einwohnerzahl;Gültig ab;Gültig bis",
            "A-01;Doppelt in DB;;;",
            "A-20;Zahl;viele;;",
            "A-21;Zeitraum;;01.01.2025;01.01.2024",
            "A-22;Kontrollzeichen\x07;;;",
        ]
    )
    r = upload(client, "sozialraeume", world.kommune_a, "a.csv", data)
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "4 Zeilen geprüft, 4 mit Fehlern" in html
    assert "Diese Kennung ist in der Körperschaft bereits vergeben." in html
    assert "Einwohnerzahl: Keine gültige, ganze Zahl." in html
    assert "„Gültig bis“ darf nicht vor „Gültig ab“ liegen." in html
    assert "Steuerzeichen" in html
    assert counts(db) == before


@pytest.mark.parametrize(
    "filename,data,message",
    [
        ("leer.csv", b"", "leer"),
        ("nur-kopf.csv", b"Name;Art\r\n", "keine Datenzeilen"),
        ("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00", "CSV- oder XLSX-Datei"),
        ("binaer.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "Binärdaten"),
        ("kaputt.csv", b"Name;Art\r\n\x81\x8d\x8f\x90\x9d;x\r\n", "Zeichenkodierung"),
        ("kaputt.xlsx", b"PK\x03\x04 kein zip", "keine lesbare XLSX-Datei"),
        ("falsche-spalten.csv", b"Titel;Beschreibung\r\nx;y\r\n", "Es fehlen Spalten: Name, Art."),
        ("ohne-endung", b"Name;Art\r\nx;Sonstige\r\n", "CSV- oder XLSX-Datei"),
    ],
)
def test_bad_files_get_clear_message(client, db, world, filename, data, message):
    client.login(world.planner_a.email)
    before = counts(db)
    r = upload(client, "organisationen", world.kommune_a, filename, data)
    assert r.status_code == 422, r.status_code
    assert message in r.get_data(as_text=True)
    assert counts(db) == before


def test_no_file_and_foreign_body(client, db, world):
    client.login(world.planner_a.email)
    r = client.post(
        "/verwaltung/import",
        data={"kind": "organisationen", "body_id": str(world.kommune_a.id), "schritt": "pruefen"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "Bitte eine Datei auswählen." in r.get_data(as_text=True)
    r = upload(client, "organisationen", world.kommune_b, "x.csv", csv_bytes([ORG_HEADER, ORG_ROWS[0]]))
    assert r.status_code == 422  # Kommune B is not offered to the planner of Ahlen
    with refused(PermissionDenied):
        run_import(
            world.planner_a,
            "organisationen",
            world.kommune_b,
            "x.csv",
            csv_bytes([ORG_HEADER, ORG_ROWS[0]]),
            commit=True,
        )
    db.session.rollback()
    assert not db.session.scalar(select(Organisation).where(Organisation.name == "Familienzentrum Altstadt"))


def test_import_service_writes_in_one_transaction(app, db, world):
    report = run_import(
        world.planner_a, "organisationen", world.kommune_a, "x.csv", csv_bytes([ORG_HEADER] + ORG_ROWS), commit=True
    )
    assert report.ok and report.written == 3
    report = run_import(
        world.planner_a,
        "organisationen",
        world.kommune_a,
        "x.csv",
        csv_bytes([ORG_HEADER, "Neu und gültig;;Sonstige;;;;;;", ORG_ROWS[0]]),
        commit=True,
    )
    assert not report.ok and report.written == 0
    assert [r.line for r in report.rows if r.errors] == [3]
    assert not db.session.scalar(select(Organisation).where(Organisation.name == "Neu und gültig"))


# --- exports -------------------------------------------------------------------------------------


def test_csv_export_bom_separator_and_formula_guard(client, db, world):
    world.org_a.short_name = "=HYPERLINK(\"http://evil\")"
    world.org_a.city = "+49 Stadt"
    world.org_a.street = "-1+1"
    world.org_a.phone = "@SUM(A1)"
    db.session.commit()
    client.login(world.planner_a.email)
    r = client.get("/stammdaten/organisationen/export.csv")
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    raw = r.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Name", "Kurzname", "Art", "Körperschaft"]
    row = next(r for r in rows if r[0] == "Wohlfahrt Ahlen e. V.")
    cells = dict(zip(rows[0], row))
    assert cells["Kurzname"] == "'=HYPERLINK(\"http://evil\")"
    assert cells["Ort"] == "'+49 Stadt" and cells["Straße"] == "'-1+1" and cells["Telefon"] == "'@SUM(A1)"
    assert cells["Sozialräume"] == "A-01" and cells["aktiv"] == "ja"
    assert "Fremder Träger" not in raw.decode("utf-8-sig")


def test_csv_export_respects_search(client, world):
    client.login(world.planner_a.email)
    text = client.get("/stammdaten/organisationen/export.csv?q=jobcenter").get_data().decode("utf-8-sig")
    assert "Jobcenter Beckum" in text and "Wohlfahrt Ahlen" not in text


def test_csv_cell_formatting():
    from datetime import date, datetime
    from decimal import Decimal

    assert csv_cell(True) == "ja" and csv_cell(None) == ""
    assert csv_cell(date(2026, 11, 21)) == "21.11.2026"
    assert csv_cell(datetime(2026, 11, 21, 17, 30)) == "21.11.2026 18:30"
    assert csv_cell(1234.5) == "1234,5" and csv_cell(Decimal("2.50")) == "2,50"
    assert guard_formula("-12,5") == "-12,5" and guard_formula("-x") == "'-x" and guard_formula("=1") == "'=1"
    assert guard_formula("\t=1") == "'\t=1"


def test_xlsx_export_readable(client, db, world):
    world.org_a.short_name = "=1+1"
    db.session.commit()
    client.login(world.planner_a.email)
    r = client.get("/stammdaten/organisationen/export.xlsx")
    assert r.status_code == 200 and "spreadsheetml" in r.headers["Content-Type"]
    wb = load_workbook(io.BytesIO(r.get_data()), read_only=True)
    ws = wb.worksheets[0]
    assert ws.title == "Organisationen"
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Name"
    names = [row[0] for row in rows[1:]]
    assert "Wohlfahrt Ahlen e. V." in names and "Fremder Träger gGmbH" not in names
    row = next(row for row in rows if row[0] == "Wohlfahrt Ahlen e. V.")
    assert row[1] == "'=1+1"
    r = client.get("/stammdaten/sozialraeume/export.xlsx")
    rows = list(load_workbook(io.BytesIO(r.get_data()), read_only=True).worksheets[0].iter_rows(values_only=True))
    altstadt = next(row for row in rows if row[0] == "A-01")
    assert altstadt[5] == 12000 and altstadt[6].year == 2020
    assert client.get("/stammdaten/organisationen/export.pdf").status_code == 404


def test_export_roundtrip_into_import(client, db, world):
    """What the export writes, the import reads (same German column names)."""
    client.login(world.planner_a.email)
    exported = client.get(f"/stammdaten/sozialraeume/export.csv?koerperschaft={world.kommune_a.id}").get_data()
    text = exported.decode("utf-8-sig").replace("A-01", "N-01").replace("A-02", "N-02")
    r = upload(client, "sozialraeume", world.kommune_a, "rundreise.csv", text.encode("utf-8-sig"), step="pruefen")
    assert "Alle Zeilen sind gültig" in r.get_data(as_text=True), r.get_data(as_text=True)
