"""Every link the main navigation offers a role opens for that role (no link into a 403)."""

from __future__ import annotations

import re

import pytest

ROLES = ["admin", "planner_k", "planner_a", "planner_x", "srm_a", "partner_a", "partner_b", "politik"]


def _nav_links(html: str) -> list[str]:
    nav = html.split('aria-label="Hauptnavigation"', 1)[1].split("</nav>", 1)[0]
    return re.findall(r'href="([^"]+)"', nav)


@pytest.mark.parametrize("role", ROLES)
def test_every_navigation_link_opens(app, world, role):
    client = app.test_client()
    client.login(getattr(world, role).email)
    links = _nav_links(client.get("/").get_data(as_text=True))
    assert "/" in links and len(links) >= 8, links
    for href in links:
        r = client.get(href)
        assert r.status_code == 200, (role, href, r.status_code)
        r.close()
