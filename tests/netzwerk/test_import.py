"""Import of organisations, persons and relations: preview, per-row report, all or nothing."""

from __future__ import annotations

import io

from openpyxl import Workbook
from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services.netzwerk import beziehungen as svc
from models import AuditEntry, Organisation
from models.network import Relation

from .conftest import switch_user

GOOD = (
    "Von;An;Art;Stärke;Gültig ab;Gültig bis;Quelle;Sichtbarkeit\n"
    "Wohlfahrt Ahlen e. V.;Kreissozialamt Testhausen;Kooperation;stark;01.01.2025;;Vertrag;öffentlich im Kreis\n"
    "Anke Arndt;Jobcenter Beckum;informeller Kontakt;1;;;;nur beteiligte Organisationen\n"
)
BAD = (
    GOOD + "Unbekannt GmbH;Jobcenter Beckum;Kooperation;2;;;;\n"
    "Wohlfahrt Ahlen e. V.;Bernd Brandt;Kooperation;2;;;;\n"
    "Wohlfahrt Ahlen e. V.;Jobcenter Beckum;Freundschaft;7;31.02.2025;;;geheim\n"
    "Wohlfahrt Ahlen e. V.;Kreissozialamt Testhausen;Kooperation;stark;01.01.2025;;Vertrag;\n"
    "Fremder Träger gGmbH;Jobcenter Beckum;Kooperation;2;;;;\n"
)


def _counts():
    return (
        db.session.scalar(select(func.count()).select_from(Relation)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
        db.session.scalar(select(func.count()).select_from(Organisation)),
    )


def test_preview_writes_nothing_and_import_writes_all(world):
    before = _counts()
    report = svc.import_relations(world.planner_k, world.kreis, "b.csv", GOOD.encode(), commit=False)
    assert report.ok and report.written == 0 and _counts() == before
    report = svc.import_relations(world.planner_k, world.kreis, "b.csv", GOOD.encode(), commit=True)
    assert report.written == 2
    rels = db.session.scalars(select(Relation).order_by(Relation.id)).all()
    assert rels[0].strength == 3 and rels[0].evidence == "Vertrag" and rels[0].valid_from.isoformat() == "2025-01-01"
    assert rels[1].source_person_id == world.person_a.id and rels[1].visibility == "beteiligte"
    # importing the same file again is rejected row by row
    again = svc.import_relations(world.planner_k, world.kreis, "b.csv", GOOD.encode(), commit=True)
    assert not again.ok and all("schon erfasst" in " ".join(r.errors) for r in again.rows)


def test_rejected_import_reports_each_row_and_leaves_database_unchanged(world):
    before = _counts()
    report = svc.import_relations(world.planner_k, world.kreis, "b.csv", BAD.encode("cp1252"), commit=True)
    assert not report.ok and report.written == 0
    assert _counts() == before
    errors = {r.line: " ".join(r.errors) for r in report.rows}
    assert errors[2] == "" and errors[3] == ""
    assert "weder eine bekannte Organisation" in errors[4]
    assert "Bernd Brandt" in errors[5]  # no consent: not matchable / not allowed
    assert (
        "Freundschaft" in errors[6]
        and "Stärke" in errors[6]
        and "kein Datum" in errors[6]
        and "Sichtbarkeit" in errors[6]
    )
    assert "Zeile 2" in errors[7]
    assert "Fremder Träger" in errors[8]  # foreign Kreis is invisible


def test_missing_columns_and_bad_files(world):
    r = svc.import_relations(world.planner_k, world.kreis, "b.csv", b"Von;Nach\nA;B\n", commit=True)
    assert r.file_error and "An" in r.file_error and "Art" in r.file_error
    r = svc.import_relations(world.planner_k, world.kreis, "b.pdf", b"%PDF", commit=True)
    assert "CSV- oder XLSX" in r.file_error


def test_xlsx_relations_import(world):
    wb = Workbook()
    ws = wb.active
    ws.append(["Von", "An", "Art", "Gerichtet", "Stärke"])
    ws.append(["Jobcenter Beckum", "Wohlfahrt Ahlen e. V.", "Förderung", "ja", 2])
    buf = io.BytesIO()
    wb.save(buf)
    report = svc.import_relations(world.planner_k, world.kreis, "b.xlsx", buf.getvalue(), commit=True)
    assert report.written == 1
    rel = db.session.scalar(select(Relation))
    assert rel.directed is True and rel.source_org_id == world.org_b.id


def test_import_page_preview_then_import_and_rejection(client, world):
    client.login(world.planner_k.email)
    data = {
        "kind": "beziehungen",
        "body_id": str(world.kreis.id),
        "schritt": "pruefen",
        "datei": (io.BytesIO(BAD.encode()), "beziehungen.csv"),
    }
    before = _counts()
    r = client.post("/netzwerk/import", data=data, content_type="multipart/form-data")
    html = r.get_data(as_text=True)
    assert r.status_code == 422 and "Es wurde nichts gespeichert" in html and "Freundschaft" in html
    data["schritt"] = "importieren"
    data["datei"] = (io.BytesIO(BAD.encode()), "beziehungen.csv")
    r = client.post("/netzwerk/import", data=data, content_type="multipart/form-data")
    assert r.status_code == 422 and _counts() == before
    data["datei"] = (io.BytesIO(GOOD.encode()), "beziehungen.csv")
    r = client.post("/netzwerk/import", data=data, content_type="multipart/form-data")
    assert r.status_code == 200 and "2 Datensätze importiert" in r.get_data(as_text=True)


def test_stakeholder_list_of_organisations_through_network_import(client, world):
    client.login(world.planner_a.email)
    csv_text = "Name;Art;Sozialräume;Handlungsfelder\nPflegenetz Neustadt;Freier Träger;A-02;Pflege\n"
    data = {
        "kind": "organisationen",
        "body_id": str(world.kommune_a.id),
        "schritt": "importieren",
        "datei": (io.BytesIO(csv_text.encode()), "orgs.csv"),
    }
    r = client.post("/netzwerk/import", data=data, content_type="multipart/form-data")
    assert r.status_code == 200, r.get_data(as_text=True)
    org = db.session.scalar(select(Organisation).where(Organisation.name == "Pflegenetz Neustadt"))
    assert [a.code for a in org.areas] == ["A-02"]
    gaps = {(a.code, t.name) for a, t in svc.coverage(world.planner_a)["gaps"]}
    assert ("A-02", "Pflege") not in gaps


def test_import_permissions(client, world):
    for user in (world.partner_a, world.politik):
        switch_user(client, user)
        assert client.get("/netzwerk/import").status_code == 403
        r = client.post(
            "/netzwerk/import",
            data={"kind": "beziehungen", "body_id": str(world.kreis.id), "datei": (io.BytesIO(GOOD.encode()), "b.csv")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Relation)) == 0
