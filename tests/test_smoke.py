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
