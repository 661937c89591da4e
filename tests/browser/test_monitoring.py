"""Browser: the planner of Stadt Lindenau imports the values of a new Stichtag (CSV with German
decimal commas), defines a Sozialindex, computes the edition and reads it; axe-core finds no
serious or critical violation on the way. (Maps and dossier extend this path.)"""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import check_axe, login

pytestmark = pytest.mark.browser

AREAS = {"SR-01": 1.0, "SR-02": 1.4, "SR-03": 0.6, "SR-04": 0.8, "SR-05": 1.7, "SR-06": 1.1, "SR-07": 2.4}


def _values_csv() -> bytes:
    lines = ["Gebiet;Indikator;Stichtag;Wert"]
    for code, need in AREAS.items():
        for key, base in (("arbeitslosigkeit", 4.0), ("sgb2_quote", 7.0), ("kinderarmut", 10.0)):
            lines.append(f"{code};{key};31.12.2026;" + f"{base * need:.1f}".replace(".", ","))
    return ("\n".join(lines) + "\n").encode("cp1252")


def test_planner_imports_values_defines_index_and_reads_edition(page, live_server, tmp_path):
    csv_file = tmp_path / "werte-2026.csv"
    csv_file.write_bytes(_values_csv())
    login(page, live_server, "planung@stadt-lindenau.example", start_page=False)

    page.goto(f"{live_server.url}/monitoring/")
    check_axe(page)
    page.get_by_role("link", name="Daten importieren").click()
    page.get_by_label("Was wird importiert?").select_option("werte")
    page.get_by_label("Körperschaft").select_option(label="Stadt Lindenau")
    page.get_by_label("Datei").set_input_files(str(csv_file))
    page.get_by_role("button", name="Prüfen", exact=True).click()
    page.wait_for_load_state()
    assert "21 Zeilen geprüft, 0 mit Fehlern" in page.content()
    check_axe(page)
    page.get_by_label("Datei").set_input_files(str(csv_file))
    page.get_by_role("button", name="Prüfen und importieren").click()
    page.wait_for_load_state()
    assert "21 Datensätze importiert" in page.content()

    page.goto(f"{live_server.url}/monitoring/indizes/neu")
    check_axe(page)
    page.get_by_label("Körperschaft").select_option(label="Stadt Lindenau")
    page.get_by_label("Name", exact=True).fill("Bedarfsindex Lindenau 2026")
    page.get_by_label("Indikatoren", exact=True).fill("arbeitslosigkeit, sgb2_quote, kinderarmut")
    page.get_by_role("button", name="Speichern").click()
    page.wait_for_url(re.compile(r".*/monitoring/indizes/\d+$"))
    check_axe(page)
    page.get_by_label("Stichtag", exact=True).select_option(label="31.12.2026")
    page.get_by_role("button", name="Berechnen und einfrieren").click()
    page.wait_for_url(re.compile(r".*/monitoring/ausgaben/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Bedarfsindex Lindenau 2026 31.12.2026"
    table = page.get_by_role("table", name=re.compile("Werte, z-Werte, Index"))
    first_row = table.locator("tbody tr").first
    assert "SR-07 Kastanienhof" in first_row.inner_text()
    assert "sehr niedrig" in first_row.inner_text()
    assert "z-standardisiert" in page.content()
    check_axe(page)

    # Maps and dossier (B2): the edition's class map drawn on the server, then Kastanienhof's dossier.
    page.locator("a.kern-btn", has_text="Karte").click()
    page.wait_for_url(re.compile(r".*/monitoring/ausgaben/\d+/karte$"))
    svg = page.locator("svg.monitoring-karte")
    assert svg.count() == 1
    assert svg.locator("path[data-gebiet]").count() == 7  # the seven Sozialräume of Stadt Lindenau
    assert "sehr niedrig" in svg.inner_html()
    check_axe(page)
    page.get_by_role("link", name="Status-Index (standardisiert)").click()
    page.wait_for_load_state()
    assert page.locator("svg.monitoring-karte path[data-gebiet]").count() == 7
    check_axe(page)
    page.get_by_role("table").get_by_role("link", name="Kastanienhof").click()
    page.wait_for_url(re.compile(r".*/monitoring/gebiete/\d+$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Sozialraum-Dossier: Kastanienhof (SR-07)"
    content = page.content()
    assert "sehr niedrig" in content and "Pflege" in content and "Lücke" in content
    assert page.locator("figure.monitoring-locator svg path").count() >= 7
    check_axe(page)
    for width in (375, 1366):
        page.set_viewport_size({"width": width, "height": 900})
        check_axe(page)


def test_kreis_planner_reads_values_over_time_and_compares_editions(page, live_server):
    login(page, live_server, "planung@kreis-lindenau.example", start_page=False)
    page.goto(f"{live_server.url}/monitoring/indikatoren")
    check_axe(page)
    page.get_by_role("link", name="Schulabgänge ohne Abschluss").click()
    page.wait_for_load_state()
    table = page.get_by_role("table", name=re.compile("Fallzahl unter 5, nicht gezeigt"))
    assert table.locator("abbr[title^='Fallzahl unter der Mindestfallzahl']").count() > 0
    assert "Gemeinde Ostermoor" not in page.content() and "OM-1" not in table.inner_text()  # not released
    check_axe(page)
    page.goto(f"{live_server.url}/monitoring/")
    page.get_by_role("link", name="Sozialindex Kreis Lindenau 31.12.2025").click()
    page.wait_for_load_state()
    assert "SR-05 Südstadt" in page.get_by_role("table", name="Gebiete mit Klassenwechsel").inner_text()
    page.get_by_label("Mit einer anderen Ausgabe vergleichen").select_option(
        label="Sozialindex Kreis Lindenau 31.12.2024 (veröffentlicht)"
    )
    page.get_by_role("button", name="Vergleichen").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == "Ausgaben vergleichen"
    assert "SR-05 Südstadt" in page.get_by_role("table").inner_text()
    check_axe(page)
