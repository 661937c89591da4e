"""Browser helpers (contract from HELPERS.md): login and an axe-core accessibility check."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def login(page, live_server, email, password=None):
    from beteiligung.demo import DEMO_PASSWORD
    page.goto(f"{live_server.url}/anmelden")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password or DEMO_PASSWORD)
    page.click("form button[type=submit] >> nth=-1")
    page.wait_for_load_state()
    assert "/anmelden" not in page.url, "Anmeldung fehlgeschlagen"


def check_axe(page, tags=("wcag2a", "wcag2aa", "wcag21a", "wcag21aa"), context="main"):
    """Run axe-core in the page (evaluate is not subject to the CSP) and fail on any violation.
    Minimal stand-in: checks the page's main content (the shared layout is checked by the grundtests)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("([ctx, tags]) => axe.run(ctx, {runOnly: {type: 'tag', values: tags}})",
                           [context, list(tags)])
    violations = [f"{v['id']}: {v['help']} ({len(v['nodes'])}× z. B. {v['nodes'][0]['target']})"
                  for v in result["violations"]]
    assert not violations, "Barrierefreiheit:\n" + "\n".join(violations)
