"""Monitoring pages: data sovereignty and visibility (role × edition state × own/foreign body),
suppression of small counts on pages and exports, bad input (4xx, nothing written), conflicts,
frozen editions with class-change diff, and the query-count guard."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from beteiligung.extensions import db as _db
from beteiligung.services.monitoring import index as idx
from beteiligung.services.monitoring.release import set_values_released
from models import Area, AuditEntry
from models.monitoring import (
    EditionStatus,
    IndexDefinition,
    MonitoringEdition,
    MonitoringRelease,
    StatIndicator,
    StatValue,
)
from tests.support.queries import assert_constant_queries

DAY, EARLIER = date(2025, 12, 31), date(2024, 12, 31)
SPEC = {
    "name": "Sozialindex Ahlen",
    "ebene": "Sozialraum",
    "indikatoren": ["sgb2", "alo"],
    "schwellen": [-1, 1],
    "klassen": ["hoch", "mittel", "niedrig"],
}


def count(model):
    return _db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def mon(db, world):
    """Catalogue of the Kreis; Kommune A has five Sozialräume with values (A-02 with only 3 SGB-II cases:
    suppressed); Kommune B one area; an edition of Kommune A in draft."""
    w = world
    w.sgb2 = StatIndicator(
        body_id=w.kreis.id,
        key="sgb2",
        name="SGB-II-Quote",
        unit="%",
        is_rate=True,
        min_count=5,
        numerator_label="Personen in BG",
        denominator_label="Einwohner·innen unter 65",
    )
    w.alo = StatIndicator(body_id=w.kreis.id, key="alo", name="Arbeitslosenquote", unit="%", min_count=5)
    db.session.add_all([w.sgb2, w.alo])
    extra = [Area(body=w.kommune_a, code=f"A-0{i}", name=f"Viertel {i}", population=5000 + 100 * i) for i in (3, 4, 5)]
    db.session.add_all(extra)
    db.session.flush()
    areas = [w.area_a1, w.area_a2] + extra
    data = {
        "A-01": (12.0, 1440, 6.1),
        "A-02": (3.7, 3, 2.2),
        "A-03": (8.0, 400, 4.9),
        "A-04": (15.5, 770, 8.3),
        "A-05": (6.0, 300, 3.5),
    }
    for n, area in enumerate(areas):
        rate, cases, alq = data[area.code]
        for day, shift in ((EARLIER, 0.5 + 0.3 * n * (-1) ** n), (DAY, 0.0)):
            db.session.add(
                StatValue(
                    area_id=area.id,
                    indicator_id=w.sgb2.id,
                    reference_date=day,
                    value=rate + shift,
                    numerator=cases,
                    denominator=cases / rate * 100,
                )
            )
            db.session.add(
                StatValue(
                    area_id=area.id,
                    indicator_id=w.alo.id,
                    reference_date=day,
                    value=alq + (0.2 * n if day == EARLIER else 0.0),
                )
            )
    db.session.add(StatValue(area_id=w.area_b1.id, indicator_id=w.alo.id, reference_date=DAY, value=4.4))
    db.session.flush()
    w.definition = idx.save_definition(w.planner_a, w.kommune_a, SPEC)
    w.edition = idx.create_edition(w.planner_a, w.kommune_a, w.definition, DAY)
    db.session.commit()
    return w


def page(client, url):
    r = client.get(url)
    return r.status_code, r.get_data(as_text=True)


# --- visibility of editions ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "status,visible",
    [
        ("draft", {"planung@ahlen.example", "admin@test.example", "srm@ahlen.example"}),
        (
            "released_to_kreis",
            {"planung@ahlen.example", "admin@test.example", "srm@ahlen.example", "planung@kreis.example"},
        ),
        (
            "published",
            {
                "planung@ahlen.example",
                "admin@test.example",
                "srm@ahlen.example",
                "planung@kreis.example",
                "politik@kreis.example",
            },
        ),
    ],
)
def test_edition_visibility_by_role_and_state(client, mon, status, visible):
    mon.edition.status = status
    _db.session.commit()
    url = f"/monitoring/ausgaben/{mon.edition.id}"
    for email in (
        "planung@ahlen.example",
        "admin@test.example",
        "srm@ahlen.example",
        "planung@kreis.example",
        "politik@kreis.example",
        "planung@fremd.example",
    ):
        client.login(email)
        code, html = page(client, url)
        expected = 200 if email in visible else 404
        assert code == expected, (email, status, code)
        code_csv, _ = page(client, url + "/ergebnis.csv")
        assert code_csv == expected, (email, status, "csv")
        listing = page(client, "/monitoring/")[1]
        assert (url in listing) == (email in visible), (email, status, "Liste")
        client.logout()


def test_partner_sees_no_monitoring(client, mon):
    mon.edition.status = EditionStatus.PUBLISHED
    _db.session.commit()
    client.login("partner@wohlfahrt.example")
    for url in ("/monitoring/", f"/monitoring/ausgaben/{mon.edition.id}", "/monitoring/indikatoren"):
        assert client.get(url).status_code in (403, 404)
    assert "/monitoring/" not in page(client, "/")[1]


def test_politics_reads_only_published_editions_and_no_raw_values(client, mon):
    client.login("politik@kreis.example")
    assert client.get("/monitoring/").status_code == 200
    assert client.get(f"/monitoring/indikatoren/{mon.sgb2.id}").status_code == 403
    assert client.get(f"/monitoring/indizes/{mon.definition.id}").status_code == 403


def test_guessed_ids_are_404(client, mon):
    client.login("planung@kreis.example")
    assert client.get(f"/monitoring/ausgaben/{mon.edition.id}").status_code == 404
    assert client.get(f"/monitoring/indizes/{mon.definition.id}").status_code == 404
    assert client.get("/monitoring/ausgaben/999999").status_code == 404
    client.logout()
    client.login("planung@fremd.example")
    assert client.get(f"/monitoring/indikatoren/{mon.sgb2.id}").status_code == 404
    assert client.post(f"/monitoring/ausgaben/{mon.edition.id}/status", data={"status": "published"}).status_code == 404


# --- data sovereignty of values ---------------------------------------------------------------------------


def test_kreis_sees_kommune_values_only_after_release(client, mon):
    client.login("planung@kreis.example")
    html = page(client, f"/monitoring/indikatoren/{mon.alo.id}")[1]
    assert "A-01 Altstadt" not in html and "Noch keine Werte" in html
    client.logout()

    client.login("planung@ahlen.example")
    r = client.post(f"/monitoring/freigabe/{mon.kommune_a.id}", data={"freigeben": "1"})
    assert r.status_code == 303
    client.logout()
    assert count(MonitoringRelease) == 1
    entry = _db.session.scalar(select(AuditEntry).where(AuditEntry.entity_type == "Monitoring-Freigabe"))
    assert entry.action == "create" and "freigegeben" in entry.summary

    client.login("planung@kreis.example")
    html = page(client, f"/monitoring/indikatoren/{mon.alo.id}")[1]
    assert "A-01 Altstadt" in html and "B-01" not in html  # Kommune B has not released
    # The Kreis may not release (or withdraw) the Kommune's data.
    assert client.post(f"/monitoring/freigabe/{mon.kommune_a.id}", data={"freigeben": "0"}).status_code == 404
    assert count(MonitoringRelease) == 1


def test_kreis_index_leaves_out_unreleased_kommunen_and_says_so(db, mon):
    set_values_released(mon.planner_a, mon.kommune_a, True)
    spec = dict(SPEC, indikatoren=["alo"])
    edition = idx.create_edition(mon.planner_k, mon.kreis, spec, DAY)
    codes = {r.area_code for r in edition.results}
    assert "B-01" not in codes and "A-01" in codes
    assert "Gemeinde Beckum-Test" in edition.method_text and "nicht für den Kreis freigegeben" in edition.method_text


# --- suppression --------------------------------------------------------------------------------------------


def test_small_counts_never_shown_on_pages_or_exports(client, mon):
    client.login("planung@ahlen.example")
    small = f"{3.7:.1f}".replace(".", ",")  # A-02's SGB-II quota, from 3 cases
    html = page(client, f"/monitoring/indikatoren/{mon.sgb2.id}")[1]
    row = re.search(r"A-02 Neustadt</th>(.*?)</tr>", html, re.S).group(1)
    assert small not in row and "Fallzahl unter der Mindestfallzahl" in row
    html = page(client, f"/monitoring/ausgaben/{mon.edition.id}")[1]
    row = re.search(r"A-02 Neustadt(.*?)</tr>", html, re.S).group(1)
    assert small not in row and "nicht gezeigt" in row
    result = next(r for r in mon.edition.results if r.area_code == "A-02")
    z_small = f"{result.z['sgb2']:.2f}".replace(".", ",")
    assert z_small not in row
    csv_text = client.get(f"/monitoring/ausgaben/{mon.edition.id}/ergebnis.csv").get_data(as_text=True)
    line = next(l for l in csv_text.splitlines() if l.startswith("A-02;"))
    cells = line.split(";")
    assert cells[3] == "" and cells[5] == ""  # sgb2 value and z sgb2 empty
    assert "3,7" not in line


def test_result_table_names_each_indicator_over_its_value_and_z_value(client, mon):
    """The header of "Ergebnis je Gebiet": an indicator's German name (with unit) spans its two columns, below it
    "Wert" and "z-Wert" – not the indicator's key ("z sgb2")."""
    client.login("planung@ahlen.example")
    html = page(client, f"/monitoring/ausgaben/{mon.edition.id}")[1]
    table = re.search(r'aria-labelledby="ergebnis".*?</thead>', html, re.S).group(0)
    first, second = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    groups = re.findall(r'<th scope="colgroup" colspan="2"[^>]*>([^<]+)</th>', first)
    assert sorted(groups) == ["Arbeitslosenquote (%)", "SGB-II-Quote (%)"], groups
    assert re.findall(r"<th[^>]*>([^<]+)</th>", second) == ["Wert", "z-Wert"] * 2
    assert "sgb2" not in table and ">alo" not in table and " alo<" not in table
    assert table.count("<colgroup") == 1 + len(groups) + 1  # Rang and Gebiet, each indicator, the index columns


def test_suppression_rule_is_one_function():
    from beteiligung.services.monitoring import is_suppressed, shown_value

    assert is_suppressed(5, 4) and is_suppressed(5, 0) and not is_suppressed(5, 5) and not is_suppressed(5, None)
    assert shown_value(5, 12.5, 3) is None and shown_value(5, 12.5, 30) == 12.5


# --- catalogue pages and bad input ----------------------------------------------------------------------------


def test_create_and_edit_indicator_with_bad_input_and_conflict(client, mon):
    client.login("planung@kreis.example")
    n = count(StatIndicator)
    r = client.post(
        "/monitoring/indikatoren/neu",
        data={
            "body_id": mon.kreis.id,
            "key": "",
            "name": "",
            "direction": "higher_worse",
            "min_count": "5",
            "area_kind": "",
        },
    )
    assert r.status_code == 422 and "Bitte einen Schlüssel angeben" in r.get_data(as_text=True)
    r = client.post(
        "/monitoring/indikatoren/neu",
        data={
            "body_id": mon.kreis.id,
            "key": "sgb2",
            "name": "Doppelt",
            "direction": "higher_worse",
            "min_count": "5",
            "area_kind": "",
        },
    )
    assert r.status_code == 422 and "gibt es in dieser Körperschaft schon" in r.get_data(as_text=True)
    r = client.post(
        "/monitoring/indikatoren/neu",
        data={
            "body_id": mon.kreis.id,
            "key": "Alt Arm",
            "name": "x",
            "direction": "higher_worse",
            "min_count": "-2",
            "area_kind": "",
        },
    )
    assert r.status_code == 422
    assert count(StatIndicator) == n
    r = client.post(
        "/monitoring/indikatoren/neu",
        data={
            "body_id": mon.kreis.id,
            "key": "altersarmut",
            "name": "Altersarmut",
            "unit": "%",
            "direction": "higher_worse",
            "min_count": "10",
            "is_rate": "y",
            "numerator_label": "Grundsicherung im Alter",
            "denominator_label": "65+",
            "rate_factor": "100",
            "area_kind": "Sozialraum",
        },
    )
    assert r.status_code == 303
    ind = _db.session.scalar(select(StatIndicator).where(StatIndicator.key == "altersarmut"))
    assert ind.min_count == 10 and ind.is_rate
    form = {
        "key": "altersarmut",
        "name": "Altersarmut 65+",
        "direction": "higher_worse",
        "min_count": "10",
        "rate_factor": "100",
        "area_kind": "",
        "version": str(ind.version),
    }
    assert client.post(f"/monitoring/indikatoren/{ind.id}/bearbeiten", data=form).status_code == 303
    r = client.post(f"/monitoring/indikatoren/{ind.id}/bearbeiten", data=dict(form, name="Veraltet"))
    assert r.status_code == 409 and 'value="Veraltet"' in r.get_data(as_text=True)
    _db.session.expire_all()
    assert _db.session.get(StatIndicator, ind.id).name == "Altersarmut 65+"
    client.logout()
    client.login("planung@ahlen.example")  # sees the Kreis catalogue, may not edit it
    assert client.get(f"/monitoring/indikatoren/{ind.id}").status_code == 200
    assert client.post(f"/monitoring/indikatoren/{ind.id}/bearbeiten", data=form).status_code == 403


def test_import_page_bad_file_writes_nothing(client, mon):
    import io

    client.login("planung@ahlen.example")
    n = count(StatValue)
    data = b"Gebiet;Indikator;Stichtag;Wert\nA-01;alo;31.12.2026;5,5\nA-01;alo;31.12.2026;5,5\n"
    r = client.post(
        "/monitoring/import",
        data={
            "kind": "werte",
            "body_id": str(mon.kommune_a.id),
            "schritt": "importieren",
            "datei": (io.BytesIO(data), "w.csv"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "steht schon in Zeile 2" in r.get_data(as_text=True)
    assert count(StatValue) == n
    ok = b"Gebiet;Indikator;Stichtag;Wert\nA-01;alo;31.12.2026;5,5\n"
    r = client.post(
        "/monitoring/import",
        data={
            "kind": "werte",
            "body_id": str(mon.kommune_a.id),
            "schritt": "importieren",
            "datei": (io.BytesIO(ok), "w.csv"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and count(StatValue) == n + 1
    r = client.post(
        "/monitoring/import",
        data={
            "kind": "werte",
            "body_id": str(mon.kreis.id),
            "schritt": "importieren",
            "datei": (io.BytesIO(ok), "w.csv"),
        },
        content_type="multipart/form-data",
    )
    assert r.status_code == 422  # not one of the planner's bodies: not a choice


# --- index definitions, editions frozen, diff ------------------------------------------------------------------


def test_definition_form_bad_input_and_compute_via_page(client, mon):
    client.login("planung@ahlen.example")
    n = count(IndexDefinition)
    base = {
        "body_id": mon.kommune_a.id,
        "name": "Bedarf",
        "ebene": "Sozialraum",
        "indikatoren": "sgb2, -alo",
        "verdichtung": "summe",
        "schwellen": "-1; 1; 1,5",
        "klassen": "hoch, mittel",
    }
    r = client.post("/monitoring/indizes/neu", data=base)
    assert r.status_code == 422 and "braucht es 4 Klassen" in r.get_data(as_text=True)
    r = client.post("/monitoring/indizes/neu", data=dict(base, klassen="a, b, c, d", indikatoren="sgb2, wohnen"))
    assert r.status_code == 422 and "Nicht im Katalog: wohnen" in r.get_data(as_text=True)
    assert count(IndexDefinition) == n
    r = client.post("/monitoring/indizes/neu", data=dict(base, klassen="a, b, c, d", dynamik="y"))
    assert r.status_code == 303
    definition = _db.session.scalar(select(IndexDefinition).where(IndexDefinition.name == "Bedarf"))
    assert definition.indicators == [{"key": "sgb2", "sign": 1}, {"key": "alo", "sign": -1}]
    m = count(MonitoringEdition)
    r = client.post(f"/monitoring/indizes/{definition.id}", data={"stichtag": "2025-12-31", "vergleich": "2025-12-31"})
    assert r.status_code == 422 and "vor dem Stichtag" in r.get_data(as_text=True)
    r = client.post(f"/monitoring/indizes/{definition.id}", data={"stichtag": "1999-12-31"})
    assert r.status_code == 422
    assert count(MonitoringEdition) == m
    r = client.post(f"/monitoring/indizes/{definition.id}", data={"stichtag": "2025-12-31", "vergleich": "2024-12-31"})
    assert r.status_code == 303, re.findall(r'kern-error.*?</p>', r.get_data(as_text=True), re.S)
    html = page(client, r.headers["Location"])[1]
    assert "Dynamik seit 31.12.2024" in html and "z-standardisiert" in html and "Populationsstandardabweichung" in html


def test_editions_are_frozen_and_recomputing_shows_class_changes(client, mon):
    first = mon.edition
    before = {r.area_code: (r.class_label, r.index_standardised) for r in first.results}
    # Correction: A-05 gets much worse.
    for ind, value in ((mon.alo, 19.0), (mon.sgb2, 24.0)):
        v = _db.session.scalar(
            select(StatValue)
            .join(Area)
            .where(Area.code == "A-05", StatValue.indicator_id == ind.id, StatValue.reference_date == DAY)
        )
        v.value = value
    _db.session.commit()
    _db.session.expire_all()
    assert {
        r.area_code: (r.class_label, r.index_standardised) for r in _db.session.get(MonitoringEdition, first.id).results
    } == before
    client.login("planung@ahlen.example")
    r = client.post(f"/monitoring/indizes/{mon.definition.id}", data={"stichtag": "2025-12-31"})
    assert r.status_code == 303
    second = _db.session.scalar(select(MonitoringEdition).order_by(MonitoringEdition.id.desc()))
    assert second.previous_edition_id == first.id
    diff = idx.compare_editions(first, second)
    assert any(c["code"] == "A-05" for c in diff["changed"])
    html = page(client, f"/monitoring/ausgaben/{second.id}")[1]
    assert "haben die Klasse gewechselt" in html and "A-05 Viertel 5" in html
    html = page(client, f"/monitoring/ausgaben/{second.id}/vergleich?mit={first.id}")[1]
    assert "A-05 Viertel 5" in html


def test_status_changes_are_audited_and_checked(client, mon):
    client.login("srm@ahlen.example")  # reads, does not manage
    assert client.post(f"/monitoring/ausgaben/{mon.edition.id}/status", data={"status": "published"}).status_code == 403
    client.logout()
    client.login("planung@ahlen.example")
    r = client.post(f"/monitoring/ausgaben/{mon.edition.id}/status", data={"status": "released_to_kreis"})
    assert r.status_code == 303
    assert client.post(f"/monitoring/ausgaben/{mon.edition.id}/status", data={"status": "bogus"}).status_code == 400
    _db.session.expire_all()
    assert _db.session.get(MonitoringEdition, mon.edition.id).status == "released_to_kreis"
    entries = list(_db.session.scalars(select(AuditEntry).where(AuditEntry.entity_type == "Monitoring-Ausgabe")))
    assert any(e.after == {"status": "released_to_kreis"} for e in entries)


# --- query counts -------------------------------------------------------------------------------------------------


def _more_editions(mon):
    def grow(factor):
        for _ in range(factor):
            e = idx.create_edition(mon.planner_a, mon.kommune_a, mon.definition, DAY)
            e.status = EditionStatus.PUBLISHED
        _db.session.commit()

    return grow


def _more_areas(mon):
    def grow(factor):
        for i in range(factor * 5):
            area = Area(body=mon.kommune_a, code=f"Q-{i:03d}", name=f"Quartier {i}", population=3000 + i)
            _db.session.add(area)
            _db.session.flush()
            for ind, value in ((mon.sgb2, 5 + i % 7), (mon.alo, 2 + i % 5)):
                _db.session.add(
                    StatValue(
                        area_id=area.id,
                        indicator_id=ind.id,
                        reference_date=DAY,
                        value=value,
                        numerator=50 + i if ind is mon.sgb2 else None,
                    )
                )
        _db.session.commit()

    return grow


def _more_indicators(mon):
    def grow(factor):
        for i in range(factor * 3):
            _db.session.add(
                StatIndicator(body_id=mon.kreis.id, key=f"k{i:03d}_{id(grow) % 1000}", name=f"Kennzahl {i}")
            )
        _db.session.commit()

    return grow


def test_query_counts_do_not_grow(client, mon):
    client.login("planung@ahlen.example")
    assert_constant_queries(client, _db.engine, "/monitoring/", _more_editions(mon))
    assert_constant_queries(client, _db.engine, "/monitoring/indikatoren", _more_indicators(mon))
    assert_constant_queries(client, _db.engine, f"/monitoring/indikatoren/{mon.sgb2.id}", _more_areas(mon))


def test_edition_page_query_count_does_not_grow_with_areas(client, mon):
    from tests.support.queries import count_queries

    client.login("planung@ahlen.example")
    small = idx.create_edition(mon.planner_a, mon.kommune_a, mon.definition, DAY)  # has a previous edition
    _db.session.commit()
    small_id = small.id
    url = f"/monitoring/ausgaben/{small_id}"
    client.get(url).close()
    _db.session.expire_all()
    with count_queries(_db.engine) as before:
        assert client.get(url).status_code == 200
    _more_areas(mon)(10)
    big = idx.create_edition(mon.planner_a, mon.kommune_a, mon.definition, DAY)
    _db.session.commit()
    big_id = big.id
    _db.session.expire_all()
    with count_queries(_db.engine) as after:
        assert client.get(f"/monitoring/ausgaben/{big_id}").status_code == 200
    assert len(_db.session.get(MonitoringEdition, big_id).results) > 5 * len(
        _db.session.get(MonitoringEdition, small_id).results
    )
    assert after.count == before.count, after


def test_xlsx_export_has_method_and_reads_back(client, mon):
    import io

    from openpyxl import load_workbook

    from beteiligung.services.monitoring import imports as mimp

    client.login("planung@ahlen.example")
    r = client.get(f"/monitoring/ausgaben/{mon.edition.id}/ergebnis.xlsx")
    assert r.status_code == 200
    data = r.get_data()
    wb = load_workbook(io.BytesIO(data), read_only=True)
    assert wb.sheetnames == ["Ergebnis", "Methode"]
    assert "z-standardisiert" in next(wb["Methode"].iter_rows(min_row=2, values_only=True))[0]
    rows = list(wb["Ergebnis"].iter_rows(values_only=True))
    a02 = next(row for row in rows if row[0] == "A-02")
    assert a02[3] is None and a02[5] is None  # suppressed SGB-II value and its z-value
    report = mimp.import_values(mon.planner_a, mon.kommune_a, "ergebnis.xlsx", data, commit=False)
    assert report.ok, report.file_error or [(x.line, x.errors) for x in report.rows if x.errors]
