"""Browser helpers: login and an axe-core accessibility check."""
from __future__ import annotations

from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def login(page, live_server, email, password=None):
    from beteiligung.demo import DEMO_PASSWORD
    page.goto(f"{live_server.url}/anmelden")
    page.get_by_label("E-Mail").fill(email)
    page.get_by_label("Passwort", exact=True).fill(password or DEMO_PASSWORD)
    page.get_by_role("button", name="Anmelden").click()
    page.wait_for_load_state()
    assert "/anmelden" not in page.url, "Anmeldung fehlgeschlagen"


def check_axe(page, impacts=("serious", "critical"), context="main"):
    """axe-core WCAG 2.1 A/AA check of the page content (this minimal version checks <main>)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate(
        "async (ctx) => await axe.run(ctx, {runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']})", context)
    bad = [v for v in result["violations"] if v["impact"] in impacts]
    assert not bad, "\n".join(f"{v['id']}: {v['help']} – {[n['target'] for n in v['nodes']][:5]}" for v in bad)
