"""The browser fixtures fail under CI=true when Chromium is missing, and skip only outside CI."""

import pytest

import tests.browser.conftest as browser_conftest


def test_missing_chromium_is_an_error_under_ci(monkeypatch):
    monkeypatch.setattr(browser_conftest, "CHROMIUM", "/nicht/vorhanden/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        browser_conftest._require_chromium()
    monkeypatch.setenv("CI", "")
    with pytest.raises(pytest.skip.Exception, match="Chromium .* fehlt"):
        browser_conftest._require_chromium()
    # the full browser of test_key_pages_in_the_full_chromium: its own package named
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Paket chromium-headless-shell"):
        browser_conftest._require_chromium("/nicht/vorhanden/chromium-headless-shell")
    with pytest.raises(pytest.fail.Exception, match="Paket chromium\\."):
        browser_conftest._require_chromium("/nicht/vorhanden/chromium")


@pytest.mark.parametrize("ci,outcome", [("true", pytest.fail.Exception), ("", pytest.skip.Exception)])
def test_a_missing_component_fails_under_ci_and_skips_only_elsewhere(monkeypatch, ci, outcome):
    from tests.support.components import require

    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome, match="nginx"):
        require(False, "nginx", ".ci/run installiert nginx.")
    require(True, "nginx", "")  # present: nothing happens


def test_mail_links_reads_outbox(app, db):
    from beteiligung.services.mail import queue
    from tests.browser.helpers import mail_links

    queue(
        "Greta@example.org", "Hallo", "Bitte hier: http://127.0.0.1:5000/aktivieren/abc.def\nund https://x.example/y)."
    )
    queue("andere@example.org", "Hallo", "http://127.0.0.1:5000/anders")
    db.session.commit()
    assert mail_links(app, "greta@example.org") == ["http://127.0.0.1:5000/aktivieren/abc.def", "https://x.example/y"]
