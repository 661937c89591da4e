"""Browser test helpers: login and an axe-core accessibility check (WCAG 2.1 A/AA)."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def login(page, live_server, email, password=None):
    from beteiligung.demo import DEMO_PASSWORD
    page.goto(f"{live_server.url}/anmelden")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort").fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert "/anmelden" not in page.url, f"Anmeldung fehlgeschlagen für {email}"


def check_axe(page, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"), context="main"):
    """Run axe-core on the page's main content; fail on any violation (evaluate is not subject to the CSP).

    This minimal copy checks <main> (the module's own markup); the shared header is the
    Grundgerüst's business and is checked by the grundtests' version of this helper.
    """
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")
    result = page.evaluate("([ctx, tags]) => axe.run(ctx, {runOnly: {type: 'tag', values: tags}})",
                           [context, list(tags)])
    violations = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert not violations, f"Barrierefreiheit ({page.url}): {violations}"
