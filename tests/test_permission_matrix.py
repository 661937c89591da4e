"""The permission matrix of the Stammdaten and administration pages.

Rows are actions, columns roles (users of tests/support/world.py). "own" objects belong to
Kreis Testhausen (Stadt Ahlen-Test: org_a, person_a, area_a1, kommune_a), "foreign" ones to
Kreis Fremdland (org_x, person_x, area_x1, fremd_kommune) – for everybody but admin and
planner_x a guessed foreign ID must look like a missing one (404).

    200  page shown            303  action done (POST, redirect)
    403  forbidden             404  not found / not yours
    L    redirect to the login page

Notes on the rules the table encodes:
- Sozialplanung has full rights in its own Körperschaft only: a Kreis planner (planner_k, and
  planner_x in Kreis Fremdland) reads everything in the Kreis but edits records of a kreisangehörige
  Kommune only as that Kommune's deputy (data sovereignty of the Kommune).
- Sozialraummanagement (srm_a, Altstadt) edits organisations working in its areas and persons of
  its Kommune, but no areas, bodies or terms.
- A partner edits its own organisation and that organisation's persons; sees no other persons.
- Politik reads organisations, areas and bodies, but no contact data (no person pages).
- The global audit log holds personal data of every Kreis: admins only; planners see the history
  of a single record from its page.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Area, Body, Organisation, Person, Thema

ROLES = ["admin", "planner_k", "planner_a", "planner_x", "srm_a", "partner_a", "partner_b", "politik", "anonymous"]

MATRIX = """
action                  admin planner_k planner_a planner_x srm_a partner_a partner_b politik anonymous
org.list                200   200       200       200       200   200       200       200     L
org.export              200   200       200       200       200   200       200       200     L
org.detail.own          200   200       200       404       200   200       200       200     L
org.detail.foreign      200   404       404       200       404   404       404       404     L
org.create              200   200       200       200       200   403       403       403     L
org.edit.own            200   403       200       404       200   200       403       403     L
org.edit.foreign        200   404       404       403       404   404       404       404     L
org.history.own         200   200       200       404       403   403       403       403     L
org.delete.own          303   403       303       404       403   403       403       403     L
org.delete.foreign      303   404       404       403       404   404       404       404     L
person.list             200   200       200       200       200   200       200       403     L
person.export           200   200       200       200       200   200       200       403     L
person.detail.own       200   200       200       404       200   200       404       403     L
person.detail.foreign   200   404       404       200       404   404       404       403     L
person.create           200   200       200       200       200   200       200       403     L
person.edit.own         200   403       200       404       200   200       404       403     L
person.edit.foreign     200   404       404       403       404   404       404       403     L
person.art15.own        200   200       200       404       200   200       404       403     L
person.art17.own        303   403       303       404       403   403       404       403     L
person.delete.own       303   403       303       404       403   403       404       403     L
area.list               200   200       200       200       200   200       200       200     L
area.detail.own         200   200       200       404       200   200       200       200     L
area.detail.foreign     200   404       404       200       404   404       404       404     L
area.create             200   200       200       200       403   403       403       403     L
area.edit.own           200   403       200       404       403   403       403       403     L
area.edit.foreign       200   404       404       403       404   404       404       404     L
area.delete.own         303   403       303       404       403   403       403       403     L
body.list               200   200       200       200       200   200       200       200     L
body.detail.own         200   200       200       404       200   200       200       200     L
body.detail.foreign     200   404       404       200       404   404       404       404     L
body.create             200   403       403       403       403   403       403       403     L
body.edit.own           200   403       403       404       403   403       403       403     L
body.delete.own         303   403       403       404       403   403       403       403     L
term.list               200   200       200       200       200   200       200       200     L
term.create             200   200       200       200       403   403       403       403     L
term.edit               200   200       200       200       403   403       403       403     L
users.list              200   200       200       200       403   403       403       403     L
users.invite            200   200       200       200       403   403       403       403     L
users.detail.own        200   404       200       404       403   403       403       403     L
users.detail.foreign    200   404       404       200       403   403       403       403     L
import                  200   200       200       200       403   403       403       403     L
outbox                  200   403       403       403       403   403       403       403     L
audit                   200   403       403       403       403   403       403       403     L
profile                 200   200       200       200       200   200       200       200     L
"""


def parse(matrix: str):
    lines = [line.split() for line in matrix.strip().splitlines()]
    header = lines[0][1:]
    assert header == ROLES
    return {row[0]: dict(zip(header, row[1:])) for row in lines[1:]}


EXPECTED = parse(MATRIX)


@pytest.fixture
def objects(db, world):
    """Throw-away records that may be deleted, one per kind, in Stadt Ahlen-Test and Fremdheim."""
    with db.session.no_autoflush:  # the records are added together below, not one by one while being built
        o = _throwaway(world)
    db.session.add_all(o.values())
    db.session.commit()
    return o


def _throwaway(world):
    return {
        "org_del": Organisation(body=world.kommune_a, name="Löschbar e. V.", kind="Sonstige", areas=[world.area_a1]),
        "org_del_x": Organisation(body=world.fremd_kommune, name="Fremd löschbar", kind="Sonstige"),
        "person_del": Person(body=world.kommune_a, first_name="Lotte", last_name="Löschbar", organisation=world.org_a),
        "area_del": Area(body=world.kommune_a, code="A-99", name="Löschviertel"),
        "body_del": Body(name="Löschgemeinde", kind="Kommune", code="0100199", parent=world.kommune_a.parent),
        "term": Thema(name="Testthema", vocabulary="thema"),
    }


def requests(w, o):
    """action -> (method, url, data)"""
    return {
        "org.list": ("GET", "/stammdaten/organisationen/", None),
        "org.export": ("GET", "/stammdaten/organisationen/export.csv", None),
        "org.detail.own": ("GET", f"/stammdaten/organisationen/{w.org_a.id}", None),
        "org.detail.foreign": ("GET", f"/stammdaten/organisationen/{w.org_x.id}", None),
        "org.create": ("GET", "/stammdaten/organisationen/neu", None),
        "org.edit.own": ("GET", f"/stammdaten/organisationen/{w.org_a.id}/bearbeiten", None),
        "org.edit.foreign": ("GET", f"/stammdaten/organisationen/{w.org_x.id}/bearbeiten", None),
        "org.history.own": ("GET", f"/stammdaten/organisationen/{w.org_a.id}/verlauf", None),
        "org.delete.own": ("POST", f"/stammdaten/organisationen/{o['org_del'].id}/loeschen", {"version": "1"}),
        "org.delete.foreign": ("POST", f"/stammdaten/organisationen/{o['org_del_x'].id}/loeschen", {"version": "1"}),
        "person.list": ("GET", "/stammdaten/personen/", None),
        "person.export": ("GET", "/stammdaten/personen/export.xlsx", None),
        "person.detail.own": ("GET", f"/stammdaten/personen/{w.person_a.id}", None),
        "person.detail.foreign": ("GET", f"/stammdaten/personen/{w.person_x.id}", None),
        "person.create": ("GET", "/stammdaten/personen/neu", None),
        "person.edit.own": ("GET", f"/stammdaten/personen/{w.person_a.id}/bearbeiten", None),
        "person.edit.foreign": ("GET", f"/stammdaten/personen/{w.person_x.id}/bearbeiten", None),
        "person.art15.own": ("GET", f"/stammdaten/personen/{w.person_a.id}/auskunft.json", None),
        "person.art17.own": ("POST", f"/stammdaten/personen/{o['person_del'].id}/anonymisieren", {"version": "1"}),
        "person.delete.own": ("POST", f"/stammdaten/personen/{o['person_del'].id}/loeschen", {"version": "1"}),
        "area.list": ("GET", "/stammdaten/sozialraeume/", None),
        "area.detail.own": ("GET", f"/stammdaten/sozialraeume/{w.area_a1.id}", None),
        "area.detail.foreign": ("GET", f"/stammdaten/sozialraeume/{w.area_x1.id}", None),
        "area.create": ("GET", "/stammdaten/sozialraeume/neu", None),
        "area.edit.own": ("GET", f"/stammdaten/sozialraeume/{w.area_a1.id}/bearbeiten", None),
        "area.edit.foreign": ("GET", f"/stammdaten/sozialraeume/{w.area_x1.id}/bearbeiten", None),
        "area.delete.own": ("POST", f"/stammdaten/sozialraeume/{o['area_del'].id}/loeschen", {"version": "1"}),
        "body.list": ("GET", "/stammdaten/koerperschaften/", None),
        "body.detail.own": ("GET", f"/stammdaten/koerperschaften/{w.kommune_a.id}", None),
        "body.detail.foreign": ("GET", f"/stammdaten/koerperschaften/{w.fremd_kommune.id}", None),
        "body.create": ("GET", "/stammdaten/koerperschaften/neu", None),
        "body.edit.own": ("GET", f"/stammdaten/koerperschaften/{w.kommune_a.id}/bearbeiten", None),
        "body.delete.own": ("POST", f"/stammdaten/koerperschaften/{o['body_del'].id}/loeschen", {"version": "1"}),
        "term.list": ("GET", "/stammdaten/begriffe/", None),
        "term.create": ("GET", "/stammdaten/begriffe/thema/neu", None),
        "term.edit": ("GET", f"/stammdaten/begriffe/{o['term'].id}/bearbeiten", None),
        "users.list": ("GET", "/verwaltung/benutzer/", None),
        "users.invite": ("GET", "/verwaltung/benutzer/einladen", None),
        "users.detail.own": ("GET", f"/verwaltung/benutzer/{w.partner_a.id}", None),
        "users.detail.foreign": ("GET", f"/verwaltung/benutzer/{w.planner_x.id}", None),
        "import": ("GET", "/verwaltung/import", None),
        "outbox": ("GET", "/verwaltung/postausgang/", None),
        "audit": ("GET", "/verwaltung/protokoll/", None),
        "profile": ("GET", "/verwaltung/profil", None),
    }


def status_of(response) -> str:
    if response.status_code == 302 and "/anmelden" in response.headers.get("Location", ""):
        return "L"
    return str(response.status_code)


@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(app, db, world, objects, role):
    reqs = requests(world, objects)
    assert set(reqs) == set(EXPECTED), "Tabelle und Anfragen passen nicht zusammen"
    client = app.test_client()
    if role != "anonymous":
        client.login(getattr(world, role).email)
    mismatches = []
    # Non-destructive requests first; each POST works on its own throw-away record.
    for action in sorted(reqs, key=lambda a: reqs[a][0] == "POST"):
        method, url, data = reqs[action]
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        got, want = status_of(response), EXPECTED[action][role]
        if got != want:
            mismatches.append(f"{action:<24} {method} {url}: erwartet {want}, erhalten {got}")
    assert not mismatches, f"Rolle {role}:\n" + "\n".join(mismatches)


def test_allowed_deletes_really_delete_and_forbidden_do_not(app, db, world, objects):
    client = app.test_client()
    client.login(world.planner_x.email)
    for key, model in (("org_del", Organisation), ("area_del", Area), ("person_del", Person)):
        client.post(
            f"/stammdaten/{ {'org_del': 'organisationen', 'area_del': 'sozialraeume', 'person_del': 'personen'}[key] }/"
            f"{objects[key].id}/loeschen",
            data={"version": "1"},
        )
        assert db.session.get(model, objects[key].id) is not None
    client.logout()
    client.login(world.planner_a.email)
    for key, path in (("org_del", "organisationen"), ("area_del", "sozialraeume"), ("person_del", "personen")):
        oid = objects[key].id
        r = client.post(f"/stammdaten/{path}/{oid}/loeschen", data={"version": "1"})
        assert r.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, objects["org_del"].id) is None
    assert db.session.get(Area, objects["area_del"].id) is None
    assert db.session.get(Person, objects["person_del"].id) is None


def test_list_contents_follow_scope(app, world):
    """Lists show exactly the records of the user's scope."""
    client = app.test_client()
    expectations = {
        "partner_a": ("/stammdaten/personen/", ["Arndt"], ["Brandt", "Xander"]),
        "partner_b": ("/stammdaten/personen/", ["Brandt"], ["Arndt", "Xander"]),
        "srm_a": ("/stammdaten/personen/", ["Arndt", "Brandt"], ["Xander"]),
        "planner_x": ("/stammdaten/personen/", ["Xander"], ["Arndt", "Brandt"]),
        "politik": ("/stammdaten/organisationen/", ["Wohlfahrt Ahlen", "Kreissozialamt"], ["Fremder Träger"]),
        "admin": ("/stammdaten/organisationen/", ["Wohlfahrt Ahlen", "Fremder Träger"], []),
    }
    for role, (url, present, absent) in expectations.items():
        client.login(getattr(world, role).email)
        html = client.get(url).get_data(as_text=True)
        for text in present:
            assert text in html, (role, text)
        for text in absent:
            assert text not in html, (role, text)
        # the export holds the same scope
        export = client.get(url + "export.csv").get_data(as_text=True)
        for text in absent:
            assert text not in export, (role, text)
        client.logout()


def test_navigation_follows_permissions(app, world):
    client = app.test_client()
    client.login(world.politik.email)
    nav = client.get("/").get_data(as_text=True).split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    assert "Organisationen" in nav and "Personen" not in nav and "Konten" not in nav and "Postausgang" not in nav
    client.logout()
    client.login(world.admin.email)
    nav = client.get("/").get_data(as_text=True).split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    for label in ("Personen", "Konten", "Import", "Postausgang", "Änderungen"):
        assert label in nav


def test_foreign_ids_are_indistinguishable_from_missing(app, db, world):
    client = app.test_client()
    client.login(world.partner_a.email)
    client.get("/")  # shows (and so removes) the welcome message
    missing = db.session.scalar(select(Organisation.id).order_by(Organisation.id.desc())) + 1000
    a = client.get(f"/stammdaten/organisationen/{world.org_x.id}")
    b = client.get(f"/stammdaten/organisationen/{missing}")
    assert a.status_code == b.status_code == 404
    import re

    strip = lambda r: re.sub(r'name="csrf_token" value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(a) == strip(b)
