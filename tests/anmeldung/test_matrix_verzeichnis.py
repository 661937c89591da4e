"""The permission matrix (tests/test_permission_matrix.py) for accounts whose roles come from the directory:
a directory group gives exactly the rights of the same local role."""

from __future__ import annotations

import pytest

from tests.support.ldap import USER_PW
from tests.test_permission_matrix import EXPECTED, objects, requests, status_of  # noqa: F401  (fixture)

# matrix column (local user of tests/support/world.py) -> directory account in the same group scope
DIRECTORY_USERS = {
    "admin": "aadmin",  # cn=admins → admin
    "planner_k": "mmuster",  # cn=sozialplanung-kreis → Sozialplanung, Kreis Testhausen
    "planner_a": "aahlen",  # cn=sozialplanung-ahlen → Sozialplanung, Stadt Ahlen-Test
    "srm_a": "sraum",  # cn=sozialraum-altstadt → Sozialraummanagement, Altstadt
    "partner_a": "ppartner",  # cn=partner-wohlfahrt → Partner, Wohlfahrt Ahlen e. V.
    "politik": "ppolitik",  # cn=politik-kreis → Politik, Kreis Testhausen
}


@pytest.mark.parametrize("role", sorted(DIRECTORY_USERS))
def test_directory_roles_have_the_rights_of_local_roles(app, db, world, objects, ldap_config, role):
    reqs = requests(world, objects)
    client = app.test_client()
    r = client.post("/anmelden", data={"email": DIRECTORY_USERS[role], "password": USER_PW})
    assert r.status_code == 302, r.get_data(as_text=True)
    client._csrf = None
    mismatches = []
    for action in sorted(reqs, key=lambda a: reqs[a][0] == "POST"):
        method, url, data = reqs[action]
        response = client.get(url) if method == "GET" else client.post(url, data=data)
        got, want = status_of(response), EXPECTED[action][role]
        if got != want:
            mismatches.append(f"{action:<24} {method} {url}: erwartet {want}, erhalten {got}")
    assert not mismatches, f"Verzeichnisrolle wie {role}:\n" + "\n".join(mismatches)
