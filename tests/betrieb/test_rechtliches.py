"""Issue 16, part 10: Impressum, Datenschutzerklärung and Erklärung zur Barrierefreiheit from configuration."""

from __future__ import annotations

OPERATOR = {
    "BETREIBER_NAME": "Kreis Lindenau – Der Landrat",
    "BETREIBER_ANSCHRIFT": "Kreishaus|Am Markt 1|31234 Lindenau",
    "BETREIBER_VERTRETEN": "Landrat Dr. Max Muster",
    "BETREIBER_EMAIL": "sozialplanung@kreis-lindenau.example",
    "DATENSCHUTZ_BEAUFTRAGTE": "Erika Beispiel, datenschutz@kreis-lindenau.example",
    "BARRIEREFREIHEIT_STATUS": "teilweise",
    "BARRIEREFREIHEIT_KONTAKT": "barrierefrei@kreis-lindenau.example",
    "SCHLICHTUNGSSTELLE": "Schlichtungsstelle BGG, Mauerstraße 53, 10117 Berlin",
}


def test_pages_show_the_configured_operator_without_login(app, client):
    app.config.update(OPERATOR)
    app.config["RETENTION_OUTBOX_DAYS"] = 90
    try:
        html = client.get("/impressum").get_data(as_text=True)
        assert "Kreis Lindenau – Der Landrat" in html and "Am Markt 1<br>31234 Lindenau" in html
        assert (
            "Landrat Dr. Max Muster" in html
            and "noch nicht eingetragen (Variable <code>BETREIBER_TELEFON</code>)" in html
        )
        html = client.get("/datenschutz").get_data(as_text=True)
        assert "Erika Beispiel" in html and "Datenschutzerklärung" in html
        assert "Versendete Mails im Postausgang" in html and "90 Tage nach dem Versand" in html
        assert "30 Tage nach dem Ende der Sitzung" in html
        html = client.get("/barrierefreiheit").get_data(as_text=True)
        assert "teilweise vereinbar mit der BITV 2.0" in html and "barrierefrei@kreis-lindenau.example" in html
        assert "Schlichtungsstelle BGG" in html
        assert 'href="/impressum"' in html  # footer link
    finally:
        app.config.update(dict.fromkeys(OPERATOR, ""))
        app.config["RETENTION_OUTBOX_DAYS"] = 180


def test_unset_operator_is_shown_as_missing_never_invented(client):
    html = client.get("/impressum").get_data(as_text=True)
    assert html.count("noch nicht eingetragen") == 6
    html = client.get("/barrierefreiheit").get_data(as_text=True)
    assert "Die betreibende Stelle" in html and "Variable <code>SCHLICHTUNGSSTELLE</code>" in html


def test_operator_markup_is_escaped(app, client):
    app.config["BETREIBER_NAME"] = "<script>alert(1)</script>"
    try:
        html = client.get("/impressum").get_data(as_text=True)
    finally:
        app.config["BETREIBER_NAME"] = ""
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
