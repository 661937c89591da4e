"""Issue 15: the coverage page shows the matrix first, the gap list below (collapsed when long), filters by
Kommune and Handlungsfeld, and every cell links to the organisation list filtered to that cell."""

from __future__ import annotations

import re

from beteiligung.services.netzwerk import beziehungen as svc
from tests.support.queries import assert_constant_queries

from .test_services import TODAY


def test_coverage_filters_by_kommune_and_handlungsfeld(net):
    cov = svc.coverage(net.planner_k, TODAY, body_id=net.kommune_a.id)
    assert {a.code for a in cov["areas"]} == {"A-01", "A-02"}
    assert {b.name for b in cov["bodies"]} >= {net.kommune_a.name, net.kommune_b.name}
    cov = svc.coverage(net.planner_k, TODAY, field_id=net.hf_bildung.id)
    assert [t.name for t in cov["fields"]] == ["Bildung"]
    assert {t.name for t in cov["all_fields"]} == {"Pflege", "Bildung"}
    assert {(a.code, t.name) for a, t in cov["gaps"]} == {("A-01", "Bildung"), ("A-02", "Bildung")}


def test_coverage_page_matrix_first_cells_link_to_filtered_organisations(client, net, db):
    client.login(net.planner_k.email)
    page = client.get("/netzwerk/abdeckung").get_data(as_text=True)
    assert page.index('id="matrix"') < page.index('id="luecken"')
    assert '<label class="kern-label" for="kommune">Kommune</label>' in page
    assert '<label class="kern-label" for="handlungsfeld">Handlungsfeld</label>' in page
    # a covered cell: the number links to the organisations of that Sozialraum and Handlungsfeld
    href = f"/stammdaten/organisationen/?sozialraum={net.area_a1.id}&amp;handlungsfeld={net.hf_pflege.id}"
    assert re.search(
        re.escape(f'href="{href}"') + r'[^>]*>1<span class="sr-only"> Organisation: Altstadt, Pflege', page
    )
    listing = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
    assert net.org_a.name in listing and net.org_b.name not in listing
    # a gap links to the (empty) filtered list, named for screen readers
    gap = f"/stammdaten/organisationen/?sozialraum={net.area_a2.id}&amp;handlungsfeld={net.hf_pflege.id}"
    assert f'href="{gap}">Lücke<span class="sr-only">: Neustadt, Pflege</span>' in page
    # filters
    page = client.get(f"/netzwerk/abdeckung?kommune={net.kommune_b.id}&handlungsfeld={net.hf_bildung.id}").get_data(
        as_text=True
    )
    matrix = page[page.index('id="abdeckung"') : page.index("</table>")]
    assert "B-01 Dorfmitte" in matrix and "A-01 Altstadt" not in matrix
    assert ">Bildung</th>" in matrix and ">Pflege</th>" not in matrix
    assert "Keine Lücken." in page
    # bad filter values are ignored, not a 500
    assert client.get("/netzwerk/abdeckung?kommune=abc&handlungsfeld=-1").status_code == 200


def test_coverage_page_queries_do_not_grow_with_areas(client, net, db):
    from models import Area

    client.login(net.planner_k.email)

    def grow(factor):
        for i in range(factor):
            db.session.add(Area(body=net.kommune_b, code=f"B-1{i}", name=f"Neu {i}", kind="Sozialraum"))
        db.session.commit()

    assert_constant_queries(client, db.engine, "/netzwerk/abdeckung", grow)
