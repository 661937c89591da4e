"""Security from day one, German formatting and the German error pages."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from beteiligung.formatting import anzahl, date_de, datetime_de, number_de, time_de, to_berlin
from beteiligung.markdown import render_markdown
from models import Organisation

# --- Markdown ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "source,forbidden",
    [
        ("<script>alert(1)</script>", ["<script"]),
        ("<img src=x onerror=alert(1)>", ["<img", "onerror"]),
        ("[klick](javascript:alert(1))", ["javascript:"]),
        ("<a href=\"javascript:alert(1)\">x</a>", ["javascript:"]),
        ("<a href=\"https://example.org\" onclick=\"alert(1)\">x</a>", ["onclick"]),
        ("<iframe src=\"https://evil.example\"></iframe>", ["<iframe"]),
        ("<div style=\"background:url(x)\">x</div>", ["style="]),
        ("[x](data:text/html;base64,PHNjcmlwdD4=)", ["data:"]),
        ("<svg onload=alert(1)>", ["<svg", "onload"]),
    ],
)
def test_markdown_sanitized(source, forbidden):
    html = str(render_markdown(source))
    for bad in forbidden:
        assert bad not in html.lower(), html


def test_markdown_keeps_formatting_and_safe_links():
    html = str(render_markdown("## Ziel\n\n**fett** und *kursiv*\n\n- eins\n- zwei\n\n[KERN](https://www.kern-ux.de)"))
    assert "<h2>Ziel</h2>" in html and "<strong>fett</strong>" in html and "<em>kursiv</em>" in html
    assert "<li>eins</li>" in html and 'href="https://www.kern-ux.de"' in html and 'rel="nofollow"' in html
    assert str(render_markdown(None)) == "" and str(render_markdown("")) == ""


def test_markdown_is_the_template_filter(app):
    assert app.jinja_env.filters["markdown"] is render_markdown


# --- CSRF ---------------------------------------------------------------------------


def test_csrf_enforced_on_forms(client, db, world):
    client.login(world.planner_a.email)
    before = db.session.scalar(select(func.count()).select_from(Organisation))
    r = client.post(
        "/stammdaten/organisationen/neu",
        data={"body_id": str(world.kommune_a.id), "name": "Ohne Token", "kind": "Sonstige"},
        csrf=False,
    )
    assert r.status_code == 400
    assert "Sicherheitsprüfung" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == before
    r = client.post(
        "/stammdaten/organisationen/neu",
        data={"body_id": str(world.kommune_a.id), "name": "Falsch", "kind": "Sonstige", "csrf_token": "gefälscht"},
    )
    assert r.status_code == 400
    r = client.post(f"/stammdaten/organisationen/{world.org_k.id}/loeschen", data={"version": "1"}, csrf=False)
    assert r.status_code == 400 and db.session.get(Organisation, world.org_k.id) is not None
    r = client.post("/abmelden", data={}, csrf=False)
    assert r.status_code == 400


def test_csrf_on_login_form(client, world):
    r = client.post("/anmelden", data={"email": world.admin.email, "password": "Test-Passwort-123"}, csrf=False)
    assert r.status_code == 400


# --- headers and cookies -----------------------------------------------------------------


def test_security_headers(client):
    r = client.get("/anmelden")
    csp = r.headers["Content-Security-Policy"]
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";")}
    assert directives["script-src"] == "script-src 'self'"
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    # also on error pages and static files
    assert "script-src 'self'" in client.get("/gibt-es-nicht").headers["Content-Security-Policy"]
    assert client.get("/static/css/app.css").headers["X-Content-Type-Options"] == "nosniff"


def test_no_inline_script_in_pages(client, world):
    client.login(world.admin.email)
    for url in (
        "/",
        "/anmelden",
        "/stammdaten/organisationen/",
        f"/stammdaten/organisationen/{world.org_a.id}",
        "/stammdaten/organisationen/neu",
        "/verwaltung/benutzer/",
        "/verwaltung/import",
    ):
        html = client.get(url).get_data(as_text=True)
        for chunk in html.split("<script")[1:]:
            assert chunk.lstrip().startswith("src="), f"{url}: Inline-Skript"
        assert " onclick=" not in html and " onload=" not in html


def test_session_cookie_flags(client, world):
    r = client.post("/anmelden", data={"email": world.admin.email, "password": "Test-Passwort-123"})
    assert r.status_code == 302
    cookies = [v for k, v in r.headers.items() if k.lower() == "set-cookie" and v.startswith("session=")]
    assert cookies, r.headers
    assert "HttpOnly" in cookies[-1] and "SameSite=Lax" in cookies[-1]


def test_remember_cookie_flags(client, world):
    r = client.post("/anmelden", data={"email": world.admin.email, "password": "Test-Passwort-123", "remember": "y"})
    cookie = [v for k, v in r.headers.items() if k.lower() == "set-cookie" and v.startswith("remember_token=")]
    assert cookie and "HttpOnly" in cookie[0] and "SameSite=Lax" in cookie[0]


def test_passwords_hashed_with_scrypt(app, db, world, tmp_path, monkeypatch):
    from beteiligung.config import load_config
    from beteiligung.services.accounts import create_user_direct, hash_password

    monkeypatch.setitem(app.config, "PASSWORD_HASH_METHOD", load_config(tmp_path)["PASSWORD_HASH_METHOD"])
    assert hash_password("Ein-langes-Passwort").startswith("scrypt:")
    user = create_user_direct("neu@example.org", "Neu", "Ein-neues-Passwort-42", [])
    assert user.password_hash.startswith("scrypt:") and "Ein-neues-Passwort-42" not in user.password_hash


def test_secret_key_generated_once_in_instance(tmp_path, monkeypatch):
    from beteiligung.config import load_config

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("BETEILIGUNG_ENV", "development")
    first = load_config(tmp_path)["SECRET_KEY"]
    assert len(first) >= 32 and (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0
    assert load_config(tmp_path)["SECRET_KEY"] == first


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "javascript:alert(1)",
        "/%5Cevil.example",
    ],
)
def test_login_next_is_no_open_redirect(client, world, target):
    r = client.post(f"/anmelden?next={target}", data={"email": world.admin.email, "password": "Test-Passwort-123"})
    assert r.status_code == 302
    location = r.headers["Location"]
    assert location.startswith("/") and not location.startswith("//") and "\\" not in location
    assert "javascript" not in location
    client.logout()


def test_login_next_keeps_local_target(client, world):
    r = client.get("/stammdaten/personen/")
    assert r.status_code == 302 and "/anmelden" in r.headers["Location"]
    r = client.post(
        "/anmelden?next=/stammdaten/personen/", data={"email": world.admin.email, "password": "Test-Passwort-123"}
    )
    assert r.headers["Location"] == "/stammdaten/personen/"


# --- German formatting ------------------------------------------------------------------------


def test_date_and_number_filters():
    assert date_de(date(2026, 11, 21)) == "21.11.2026"
    assert time_de(time(18, 30)) == "18:30 Uhr"
    assert number_de(1234.5) == "1.234,5"
    assert number_de(1234567) == "1.234.567"
    assert number_de(2.5, 2) == "2,50" and number_de(1234.5, 0) == "1.234"
    assert number_de(None) == "" and date_de(None) == "" and time_de(None) == ""
    # ISO dates stored as text in JSON data (protocol revisions, audit values); anything else stays as it is
    assert date_de("2026-12-01") == "01.12.2026" and date_de("keine Frist") == "keine Frist"


def test_counts_name_their_noun_in_singular_and_plural():
    assert anzahl(1, "Eintrag", "Einträge") == "1 Eintrag"
    assert anzahl(0, "Eintrag", "Einträge") == "0 Einträge"
    assert anzahl(1234, "Datensatz wurde", "Datensätze wurden") == "1.234 Datensätze wurden"


def test_datetimes_are_shown_in_berlin_time_including_dst():
    # stored naive UTC
    assert datetime_de(datetime(2026, 11, 21, 17, 30)) == "21.11.2026, 18:30 Uhr"  # CET, UTC+1
    assert datetime_de(datetime(2026, 7, 1, 16, 30)) == "01.07.2026, 18:30 Uhr"  # CEST, UTC+2
    # DST switch 29.03.2026 at 01:00 UTC; 28.10 2026: back at 01:00 UTC
    assert time_de(datetime(2026, 3, 29, 0, 59)) == "01:59 Uhr"
    assert time_de(datetime(2026, 3, 29, 1, 0)) == "03:00 Uhr"
    assert time_de(datetime(2026, 10, 25, 0, 30)) == "02:30 Uhr"
    assert time_de(datetime(2026, 10, 25, 1, 30)) == "02:30 Uhr"
    assert date_de(datetime(2026, 12, 31, 23, 30)) == "01.01.2027"  # date follows Berlin, not UTC
    assert to_berlin(datetime(2026, 1, 1, 12, 0)).utcoffset().total_seconds() == 3600


def test_filters_registered(app):
    for name in ("date_de", "time_de", "datetime_de", "number_de"):
        assert name in app.jinja_env.filters
    with app.test_request_context():
        from flask import render_template_string

        out = render_template_string(
            "{{ d|date_de }} {{ t|datetime_de }} {{ n|number_de }}",
            d=date(2026, 11, 21),
            t=datetime(2026, 11, 21, 17, 30),
            n=1234.5,
        )
        assert out == "21.11.2026 21.11.2026, 18:30 Uhr 1.234,5"


# --- German error pages ------------------------------------------------------------------------


def test_404_page_german(client):
    r = client.get("/gibt-es-nicht")
    assert r.status_code == 404
    html = r.get_data(as_text=True)
    assert "Seite nicht gefunden" in html and '<html lang="de"' in html


def test_403_page_german(client, world):
    client.login(world.politik.email)
    r = client.get("/stammdaten/personen/")
    assert r.status_code == 403 and "Keine Berechtigung" in r.get_data(as_text=True)


def test_405_page_german(client, world):
    client.login(world.admin.email)
    r = client.get(f"/stammdaten/organisationen/{world.org_a.id}/loeschen")
    assert r.status_code == 405 and "Nicht erlaubt" in r.get_data(as_text=True)


def test_413_page_german(client, world, app):
    client.login(world.admin.email)
    old = app.config["MAX_CONTENT_LENGTH"]
    app.config["MAX_CONTENT_LENGTH"] = 1024
    try:
        import io

        r = client.post(
            "/verwaltung/import",
            data={
                "kind": "organisationen",
                "body_id": str(world.kommune_a.id),
                "datei": (io.BytesIO(b"x" * 5000), "gross.csv"),
            },
            content_type="multipart/form-data",
        )
    finally:
        app.config["MAX_CONTENT_LENGTH"] = old
    assert r.status_code == 413 and "Datei zu groß" in r.get_data(as_text=True)


def test_500_page_german(database_url):
    from beteiligung import create_app

    app = create_app(
        {
            "TESTING": False,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "x" * 32,
            "PROPAGATE_EXCEPTIONS": False,
        }
    )

    @app.route("/kaputt")
    def kaputt():
        raise RuntimeError("absichtlich")

    r = app.test_client().get("/kaputt")
    assert r.status_code == 500
    html = r.get_data(as_text=True)
    assert "Interner Fehler" in html and "absichtlich" not in html and "Traceback" not in html
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    with app.app_context():
        from beteiligung.extensions import db

        db.engine.dispose()
