"""Public monitoring page: published editions only, no suppressed values, CSV download."""

from __future__ import annotations

from tests.monitoring import karten_welt as kw


def test_public_page_shows_published_editions_only(client, db, world):
    kw.build(world)
    draft = kw.edition(world, "draft")
    released = kw.edition(world, "released_to_kreis")
    published = kw.edition(world, "published")
    r = client.get("/oeffentlich/monitoring/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert f"/oeffentlich/monitoring/{published.id}" in html
    assert (
        f"/oeffentlich/monitoring/{draft.id}\"" not in html and f"/oeffentlich/monitoring/{released.id}\"" not in html
    )
    for e in (draft, released):
        assert client.get(f"/oeffentlich/monitoring/{e.id}").status_code == 404
        assert client.get(f"/oeffentlich/monitoring/{e.id}/ergebnis.csv").status_code == 404
    assert client.get("/oeffentlich/monitoring/999999").status_code == 404

    r = client.get(f"/oeffentlich/monitoring/{published.id}")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and html.count('data-gebiet="') == 3
    assert "So wird gerechnet" in html and "z-standardisiert" in html
    assert "/monitoring/gebiete/" not in html  # no dossier links for the public
    html = client.get(f"/oeffentlich/monitoring/{published.id}?zeigen=sgb2").get_data(as_text=True)
    assert "geheim (unter 5)" in html and "3,3 %" not in html
    assert client.get(f"/oeffentlich/monitoring/{published.id}?zeigen=geheim").status_code == 404
    r = client.get(f"/oeffentlich/monitoring/{published.id}/ergebnis.csv")
    text = r.data.decode("utf-8-sig")
    assert r.status_code == 200 and text.startswith("Kennung;Name;Stichtag;sgb2;alo")
    a2 = next(line for line in text.splitlines() if line.startswith("A-02;"))
    assert ";3,3;" not in a2 and ";3.3;" not in a2


def test_public_page_after_unpublishing(client, db, world):
    kw.build(world)
    e = kw.edition(world, "published")
    assert client.get(f"/oeffentlich/monitoring/{e.id}").status_code == 200
    e.status = "released_to_kreis"
    db.session.commit()
    assert client.get(f"/oeffentlich/monitoring/{e.id}").status_code == 404
    assert f"/oeffentlich/monitoring/{e.id}" not in client.get("/oeffentlich/monitoring/").get_data(as_text=True)
