import re


def test_login_page_renders(client):
    r = client.get("/anmelden")
    assert r.status_code == 200
    assert "Anmelden" in r.get_data(as_text=True)


def test_planner_sees_organisations(client, world):
    client.login(world.planner_k.email)
    r = client.get("/stammdaten/organisationen/")
    html = r.get_data(as_text=True)
    assert r.status_code == 200
    assert "Wohlfahrt Ahlen" in html
    assert "Fremder Träger" not in html


def test_pages_declare_the_favicon(client):
    html = client.get("/anmelden").get_data(as_text=True)
    assert re.search(r'rel="icon" type="image/svg\+xml" href="/static/img/favicon\.svg\?v=[0-9a-f]{12}"', html)
    r = client.get("/static/img/favicon.svg")
    assert r.status_code == 200 and r.mimetype == "image/svg+xml"
    r.close()
