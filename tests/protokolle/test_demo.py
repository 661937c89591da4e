"""The demo story: Empfehlung of the SRK Südstadt → SPK Beschluss → AWO task as open point."""

from __future__ import annotations

from beteiligung.demo import load_demo
from beteiligung.services.protokolle import eintraege as svc

from .test_pages import Switch


def test_demo_story(app):
    ctx = load_demo()
    spk_next = ctx.meetings["spk_next"]
    empfehlung, topic = ctx.protocol_story["empfehlung"], ctx.protocol_story["topic"]
    assert topic.committee is ctx.committees["spk"] and topic.source_id == empfehlung.id
    open_items = svc.open_items(spk_next)
    awo_task = [e for e in open_items if e.kind == "Aufgabe" and e.owner_org is ctx.orgs["AWO"]]
    assert awo_task and awo_task[0].due_date > svc.today()
    planung = Switch(app.test_client())
    planung.login("planung@kreis-lindenau.example", "Beteiligung-2026")
    page = planung.get(f"/protokolle/sitzungen/{spk_next.id}/").get_data(as_text=True)
    assert "Die AWO richtet die Sprechstunde im Quartiersbüro Südstadt ein" in page
    page = planung.get(f"/protokolle/sitzungen/{ctx.meetings['spk_past'].id}/").get_data(as_text=True)
    assert "Herkunft: Empfehlung aus: Sozialraumkonferenz Südstadt" in page
    page = planung.get(f"/protokolle/sitzungen/{ctx.meetings['srk_suedstadt_past'].id}/").get_data(as_text=True)
    assert "Weitergeleitet an den Themenspeicher von" in page and "20 Wochenstunden Familienhebammen" in page
    assert planung.get(f"/protokolle/gremien/{ctx.committees['spk'].id}/gesundheit").status_code == 200
    partner = Switch(app.test_client())
    partner.login("partner@awo-lindenau.example", "Beteiligung-2026")
    page = partner.get("/protokolle/").get_data(as_text=True)
    assert "Die AWO richtet die Sprechstunde" in page and "überfällig" in page
    politik = Switch(app.test_client())
    politik.login("politik@kreis-lindenau.example", "Beteiligung-2026")
    r = politik.get(f"/protokolle/sitzungen/{ctx.meetings['spk_past'].id}/kurzfassung")
    assert r.status_code == 200 and "20 Wochenstunden" in r.get_data(as_text=True)
