"""Issue 15: network measures in plain German with a short help text (page and node export)."""

import csv
import io

import pytest

pytestmark = pytest.mark.nur_sqlite  # wording and markup only


def test_network_page_and_export_use_plain_measure_names(client, net):
    client.login(net.planner_k.email)
    html = client.get("/netzwerk/").get_data(as_text=True)
    for jargon in ("Betweenness", "Eigenvektor", "Louvain", "Communities"):
        assert jargon not in html, jargon
    assert ">Brückenposition</th>" in html and ">Vernetzung</th>" in html and ">Gruppe</th>" in html
    assert "<dt>Brückenposition</dt><dd>Wie oft ein Akteur auf dem kürzesten Weg" in html
    text = client.get("/netzwerk/export.knoten.csv").data.decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text), delimiter=";"))
    assert header[-4:] == ["Grad", "Brückenposition", "Vernetzung", "Gruppe"]
