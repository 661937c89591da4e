"""Befragungen: builder, answering, privacy, suppression, coding, findings, exports, permissions."""

from __future__ import annotations

import csv
import io
import re
from itertools import product

import pytest
from sqlalchemy import func, inspect, select

from beteiligung.extensions import db
from beteiligung.services import ValidationError
from beteiligung.services.befragungen import befragung as svc
from beteiligung.services.befragungen import ergebnisse as rs
from beteiligung.services.befragungen import kodierung as coding_svc
from models import Committee, CommitteeType, TopicProposal
from models.surveys import Survey, SurveyAnswer, SurveyDraft, SurveyResponse, SurveyUsedToken
from tests.support.queries import assert_constant_queries

from .conftest import answer, make_survey

ALL = rs.ALL


def fill(survey, qs, w):
    """a1: Senior·innen 8, Familien 6, ohne Gruppe 2 · a2: Senior·innen 6, Familien 7, ohne 5 (T = 5)."""
    plan = [
        (w.area_a1, 0, 8),
        (w.area_a1, 1, 6),
        (w.area_a1, None, 2),
        (w.area_a2, 0, 6),
        (w.area_a2, 1, 7),
        (w.area_a2, None, 5),
    ]
    n = 0
    for area, g, count in plan:
        for i in range(count):
            n += 1
            answer(
                survey, qs, area, g, yes=(i % 3 != 0), text=f"Mehr Bänke am Platz {n}", multi=(0,) if i % 2 else (0, 1)
            )


# --- pure functions --------------------------------------------------------------


def test_kappa_against_hand_computed_example():
    a = [1, 1, 0, 0, 1, 0, 1, 1, 0, 1]
    b = [1, 0, 0, 0, 1, 1, 1, 1, 0, 1]
    # agreement 8/10; marginals 6/4 and 6/4 → pe = (36 + 16) / 100 = 0.52; kappa = 0.28 / 0.48
    assert coding_svc.percent_agreement(a, b) == pytest.approx(0.8)
    assert coding_svc.cohens_kappa(a, b) == pytest.approx(0.58333, abs=1e-4)
    assert coding_svc.cohens_kappa(["x", "y"], ["x", "y"]) == 1.0


def test_suppress_table_never_leaves_single_small_cell():
    cells = {("a",): 7, ("b",): 2, ("c",): 9, (ALL,): 18}
    s = rs.suppress_table(cells, [["a", "b", "c"]], 5)
    assert ("b",) in s and ("a",) in s  # secondary: the smallest other cell
    assert (ALL,) not in s
    assert sum(cells[k] for k in s if k != (ALL,)) >= 5


# --- suppression across ALL filter combinations ------------------------------------


def test_suppression_holds_for_every_filter_combination(app, world, survey):
    s, qs = survey
    fill(s, qs, world)
    rt = rs.compute(s)
    T = rt.threshold
    assert T == 5
    combos = list(product(rt.area_values + [ALL], rt.zg_values + [ALL]))
    for a, z in combos:
        n = rt.n(a, z)
        true_n = rt.group_n[(a, z)]
        if 0 < true_n < T:
            assert n is None, (a, z)
        for q in rt.questions:
            view = rs.question_view(rt, q, a, z)
            if n is None:
                assert view["suppressed"] and view["rows"] == [] and view["texts"] is None and view["stats"] is None
                continue
            for label, count, pct in view["rows"]:
                assert count is None or count == 0 or count >= T, (a, z, q.text, label, count)
            if view["texts"] is not None:
                assert n >= T
    # differencing: group table lines (vary area or group with the other fixed) and answer tables
    for key, t in rt.tables.items():
        for dim, (x_vals, y_vals) in enumerate([(rt.area_values, rt.zg_values), (rt.zg_values, rt.area_values)]):
            for y, cat in product(y_vals + [ALL], t["cats"] + [ALL]):

                def k(x):
                    return (x, y, cat) if dim == 0 else (y, x, cat)  # noqa: B023  (used inside this loop only)

                inner = [k(x) for x in x_vals]
                total = k(ALL)
                hidden = [c for c in inner if c in t["supp"] and t["cells"][c] > 0]
                if total not in t["supp"] and hidden:
                    assert len(hidden) >= 2 and sum(t["cells"][c] for c in hidden) >= T
        # along the answer categories
        for a, z in combos:
            inner = [(a, z, c) for c in t["cats"]]
            hidden = [c for c in inner if c in t["supp"] and t["cells"][c] > 0]
            if (a, z, ALL) not in t["supp"] and hidden:
                assert len(hidden) >= 2 and sum(t["cells"][c] for c in hidden) >= T
    # the small group is hidden, and enough others that it cannot be computed
    assert rt.n(world.area_a1.id, rs.NONE) is None  # 2 without group in a1 (primary)
    assert rt.n(world.area_a2.id, rs.NONE) is None  # secondary: the column of the small group
    hidden = [g for g in product(rt.area_values[:2], rt.zg_values) if rt.n(*g) is None]
    assert len(hidden) == 4  # two more to protect the a1 and a2 lines; the rest stays visible
    assert rt.n(world.area_a1.id) == 16 and rt.n(world.area_a2.id) == 18
    assert rt.n() == 34


def test_pages_and_exports_respect_suppression_for_all_filters(app, world, survey, client):
    s, qs = survey
    fill(s, qs, world)
    client.login("planung@ahlen.example")
    rt = rs.compute(s)
    cells_seen = 0
    for a, z in product(rt.area_values + [ALL], rt.zg_values + [ALL]):
        for compare in ("", "sozialraum", "zielgruppe"):
            page = client.get(f"/befragungen/{s.id}/ergebnisse?sozialraum={a}&zielgruppe={z}&vergleich={compare}")
            assert page.status_code == 200
            html = page.get_data(as_text=True)
            for m in re.finditer(r'<td class="kern-table__cell kern-table__cell--numeric">(\d+)[ <]', html):
                assert int(m.group(1)) == 0 or int(m.group(1)) >= 5, (a, z, compare, m.group(0))
                cells_seen += 1
            for m in re.finditer(r'n = (\d+)', html):
                assert int(m.group(1)) == 0 or int(m.group(1)) >= 5, (a, z, compare, m.group(0))
        resp = client.get(f"/befragungen/{s.id}/export.csv?sozialraum={a}&zielgruppe={z}")
        assert resp.status_code == 200
        body = resp.get_data(as_text=True)
        assert body.startswith("\ufeff")
        rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff")), delimiter=";"))[1:]
        expected = sum(rt.group_n[g] for g in rs.exportable_groups(rt, a, z))
        assert len(rows) == expected
        if rt.n(a, z) is None:
            assert rows == []
        # every exported group is itself shown
        for row in rows:
            assert row[1] != "" and row[2] != ""
    assert cells_seen > 100  # the pattern still matches the table markup
    groups = rs.exportable_groups(rt)
    assert len(groups) == 2 and all(rt.n(*g) is not None for g in groups)
    assert (world.area_a1.id, rs.NONE) not in groups
    x = client.get(f"/befragungen/{s.id}/export.xlsx")
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(x.data))
    assert wb.sheetnames == ["Antworten", "Codebuch"]
    assert wb["Antworten"].max_row == 1 + sum(rt.group_n[g] for g in groups)


def test_bar_chart_rows_match_the_table_and_keep_secrets(app, world, survey, client):
    """Each answer of a question is one row of the chart – its label as text, a bar as long as its share, the share
    – the same rows as the table below; the chart has a name that points to the table."""
    s, qs = survey
    fill(s, qs, world)
    client.login("planung@ahlen.example")
    html = client.get(f"/befragungen/{s.id}/ergebnisse").get_data(as_text=True)
    charts = re.findall(r'<figure class="survey-chart" role="img" aria-labelledby="([^"]+)">(.*?)</figure>', html, re.S)
    assert charts
    for ident, chart in charts:
        assert f'id="{ident}">Balkendiagramm: ' in chart and "(Werte in der Tabelle)" in chart
        assert "<text" not in chart  # labels are page text, not drawn
        rows = re.findall(
            r'<span class="survey-chart__row">(.*?)</span>\s*(?=<span class="survey-chart__row">|$)', chart, re.S
        )
        assert rows, chart
        for row in rows:
            label = re.search(r'class="survey-chart__label">([^<]*)<', row).group(1)
            assert label.strip()
            if "survey-chart__secret" in row:
                assert "geheim (unter 5)" in row and "<rect" not in row
                continue
            width = float(re.findall(r'<rect width="([0-9.]+)" height="16" fill="#0b5cab">', row)[0])
            shown = int(re.search(r'class="survey-chart__value">(\d+) %<', row).group(1))
            assert abs(width - shown) <= 0.5 and 0 <= width <= 100, (label, width, shown)


def test_pdf_report(app, world, survey, client):
    s, qs = survey
    fill(s, qs, world)
    client.login("planung@ahlen.example")
    r = client.get(f"/befragungen/{s.id}/bericht.pdf")
    assert r.status_code == 200 and r.data.startswith(b"%PDF")
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(r.data)).pages)
    text = " ".join(text.split())  # the PDF breaks lines anywhere
    assert "Leben im Quartier" in text and "Nutzen Sie den Treffpunkt" in text and "geheim (unter 5)" in text


# --- privacy by schema -------------------------------------------------------------


def test_no_column_links_token_session_or_time_to_a_response(app):
    insp = inspect(db.engine)
    forbidden = re.compile(r"ip|agent|token|session|draft|created|updated|_at$|time|user", re.I)
    for table in ("survey_response", "survey_answer"):
        cols = [c["name"] for c in insp.get_columns(table)]
        assert not [c for c in cols if forbidden.search(c)], (table, cols)
    assert {c["name"] for c in insp.get_columns("survey_used_token")} == {"token_hash", "survey_id"}
    for table in ("survey_used_token", "survey_draft"):
        targets = {fk["referred_table"] for fk in insp.get_foreign_keys(table)}
        assert targets == {"survey"}, (table, targets)


def test_submission_stores_week_not_time_and_no_log_line_with_token(app, world, caplog):
    s, qs = make_survey(world, languages=("de",))
    s.access = "einladung"
    db.session.commit()
    token = svc.issue_tokens(world.planner_a, s, 1)[0]
    client = app.test_client()
    with caplog.at_level("DEBUG"):
        r = client.get(f"/b/{s.public_key}/t/{token}")
        assert r.status_code == 302
        page = client.get(f"/b/{s.public_key}/de/1")
        assert page.status_code == 200
        sk = re.search(r'name="sk" value="([^"]+)"', page.get_data(as_text=True)).group(1)
        data = {
            f"q{qs['area'].id}": str(world.area_a1.id),
            "sk": sk,
            "aktion": "absenden",
            "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1),
        }
        r = client.post(f"/b/{s.public_key}/de/1", data=data)
        assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    assert token not in caplog.text
    resp = db.session.scalar(select(SurveyResponse))
    assert re.fullmatch(r"\d{4}-W\d{2}", resp.week)
    assert db.session.scalar(select(func.count()).select_from(SurveyUsedToken)) == 1
    # the same link cannot be used again
    client2 = app.test_client()
    assert client2.get(f"/b/{s.public_key}/t/{token}").status_code == 403
    assert client2.get(f"/b/{s.public_key}/de/1").status_code == 403
    assert app.test_client().get(f"/b/{s.public_key}/t/gefälscht").status_code == 403


# --- answering -----------------------------------------------------------------------


def _page(client, url):
    r = client.get(url)
    html = r.get_data(as_text=True)
    return (
        r,
        re.search(r'name="sk" value="([^"]+)"', html).group(1),
        re.search(r'name="csrf_token" value="([^"]+)"', html).group(1),
    )


def test_answer_idempotent_and_conditions_server_side(app, world, survey):
    s, qs = survey
    c = app.test_client()
    r, sk, csrf = _page(c, f"/b/{s.public_key}/de/1")
    assert r.status_code == 200 and 'lang="de"' in r.get_data(as_text=True)
    data = {
        "csrf_token": csrf,
        "sk": sk,
        "aktion": "absenden",
        f"q{qs['area'].id}": str(world.area_a2.id),
        f"q{qs['yes'].id}": str(qs["yes"].options[1].id),  # Nein → scale question hidden
        f"q{qs['scale'].id}": str(qs["scale"].options[0].id),
        f"q{qs['multi'].id}": ["sonstiges", str(qs["multi"].options[2].id)],
        f"q{qs['multi'].id}_sonstiges": "Bücherei",
        f"q{qs['num'].id}": "2,5",
        f"q{qs['text'].id}": "Ein Café",
    }
    assert c.post(f"/b/{s.public_key}/de/1", data=data).status_code == 302
    assert c.post(f"/b/{s.public_key}/de/1", data=data).status_code == 302  # double click
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 1
    answers = db.session.scalars(select(SurveyAnswer)).all()
    assert not [x for x in answers if x.question_id == qs["scale"].id]
    assert any(x.text_value == "Bücherei" for x in answers) and any(x.number_value == 2.5 for x in answers)


@pytest.mark.parametrize(
    "change, message",
    [
        ("unknown_option", "Diese Auswahl gibt es nicht"),
        ("missing_required", "Bitte beantworten Sie diese Frage"),
        ("oversized", "zu lang"),
        ("bad_area", "Diesen Sozialraum gibt es"),
        ("bad_number", "außerhalb"),
    ],
)
def test_tampered_form_is_rejected_and_nothing_stored(app, world, survey, change, message):
    s, qs = survey
    c = app.test_client()
    r, sk, csrf = _page(c, f"/b/{s.public_key}/de/1")
    data = {"csrf_token": csrf, "sk": sk, "aktion": "absenden", f"q{qs['area'].id}": str(world.area_a1.id)}
    if change == "unknown_option":
        data[f"q{qs['yes'].id}"] = "999999"
    elif change == "missing_required":
        del data[f"q{qs['area'].id}"]
    elif change == "oversized":
        data[f"q{qs['text'].id}"] = "x" * 201
    elif change == "bad_area":
        data[f"q{qs['area'].id}"] = str(world.area_b1.id)
    else:
        data[f"q{qs['num'].id}"] = "500"
    r = c.post(f"/b/{s.public_key}/de/1", data=data)
    assert r.status_code == 422
    assert message in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_closed_and_not_open_surveys_say_so(app, world):
    closed, _ = make_survey(world, status="geschlossen")
    r = app.test_client().get(f"/b/{closed.public_key}/de/1")
    assert r.status_code == 410 and "beendet" in r.get_data(as_text=True)
    draft, _ = make_survey(world, status="Entwurf")
    r = app.test_client().get(f"/b/{draft.public_key}")
    assert r.status_code == 403 and "noch nicht geöffnet" in r.get_data(as_text=True)
    assert app.test_client().get("/b/gibtsnicht").status_code == 404


def test_draft_continue_later_and_deleted_on_submit(app, world, survey):
    s, qs = survey
    s.status = "Entwurf"
    db.session.commit()
    sec = svc.add_section(world.planner_a, s, "Zum Schluss")
    qs["text"].section_id = sec.id
    s.status = "offen"
    db.session.commit()
    c = app.test_client()
    r, sk, csrf = _page(c, f"/b/{s.public_key}/tr/1")
    data = {"csrf_token": csrf, "sk": sk, "aktion": "speichern", f"q{qs['area'].id}": str(world.area_a1.id)}
    r = c.post(f"/b/{s.public_key}/tr/1", data=data)
    assert r.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(SurveyDraft)) == 1
    again = c.get(f"/b/{s.public_key}/tr/1").get_data(as_text=True)
    assert f'value="{world.area_a1.id}" selected' in again and 'lang="tr"' in again
    r = c.post(f"/b/{s.public_key}/tr/1", data={**data, "aktion": "weiter"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/tr/2")
    r, _, csrf = _page(c, f"/b/{s.public_key}/tr/2")
    r = c.post(
        f"/b/{s.public_key}/tr/2",
        data={"csrf_token": csrf, "sk": sk, "aktion": "absenden", f"q{qs['text'].id}": "Teşekkürler"},
    )
    assert r.status_code == 302 and "danke" in r.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(SurveyDraft)) == 0
    resp = db.session.scalar(select(SurveyResponse))
    assert resp.language == "tr" and resp.area_id == world.area_a1.id


def test_arabic_is_rtl_and_street_lookup(app, world, survey):
    s, qs = survey
    s.languages = ["de", "ar"]
    db.session.commit()
    svc.import_streets(world.planner_a, world.kommune_a.id, "Straße;Sozialraum\nLindenweg;A-01\nMarktstraße;A-02\n")
    c = app.test_client()
    r, sk, csrf = _page(c, f"/b/{s.public_key}/ar/1")
    html = r.get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in html
    r = c.post(
        f"/b/{s.public_key}/ar/1",
        data={
            "csrf_token": csrf,
            "sk": sk,
            "aktion": f"strasse-{qs['area'].id}",
            f"q{qs['area'].id}_strasse": "Marktstr. 12",
        },
    )
    assert r.status_code == 200 and f'value="{world.area_a2.id}" selected' in r.get_data(as_text=True)


def test_builder_checklist_and_status_flow(app, world, client):
    client.login("planung@ahlen.example")
    r = client.post(
        "/befragungen/neu", data={"body_id": world.kommune_a.id, "title": "", "area_ids": [str(world.area_a1.id)]}
    )
    assert r.status_code == 422 and "Titel" in r.get_data(as_text=True)
    r = client.post(
        "/befragungen/neu",
        data={
            "body_id": world.kommune_a.id,
            "title": "Neue Befragung",
            "area_ids": [str(world.area_a1.id)],
            "languages": ["tr", "ar"],
        },
    )
    assert r.status_code == 302
    s = db.session.scalar(select(Survey).where(Survey.title == "Neue Befragung"))
    assert s.languages == ["de", "tr", "ar"]
    r = client.post(
        f"/befragungen/{s.id}/frage/neu", data={"kind": "skala", "text": "Wie bewerten Sie X?", "scale_points": "4"}
    )
    assert r.status_code == 422
    r = client.post(
        f"/befragungen/{s.id}/frage/neu",
        data={"kind": "skala", "text": "Sind Sie nicht auch zufrieden?", "scale_points": "7"},
    )
    assert r.status_code == 302
    assert len(s.questions[0].options) == 7
    detail = client.get(f"/befragungen/{s.id}").get_data(as_text=True)
    assert "Mögliche Suggestivformulierungen" in detail
    # the survey's facts are a KERN description list (label and value side by side), not a bare <dl>
    assert '<dl class="kern-description-list">' in detail and "<dt>" not in detail
    assert '<dt class="kern-description-list-item__key">Sprachen</dt>' in detail
    r = client.post(f"/befragungen/{s.id}/status", data={"status": "geprüft", "version": s.version})
    assert r.status_code == 422 and "Checkliste ist nicht vollständig" in r.get_data(as_text=True)
    db.session.refresh(s)
    assert s.status == "Entwurf"  # checklist incomplete
    with pytest.raises(ValidationError):
        svc.change_status(world.planner_a, s, "offen", s.version)
    r = client.post(f"/befragungen/{s.id}/uebersetzung/tr", data={f"Survey-{s.id}-title": "Yeni anket"})
    assert r.status_code == 302
    db.session.refresh(s)
    assert s.tr("title", "tr") == "Yeni anket"
    qr = client.get(f"/befragungen/{s.id}/qr.svg")
    assert qr.status_code == 200 and b"<svg" in qr.data
    assert client.get(f"/befragungen/{s.id}/qr.png").data.startswith(b"\x89PNG")


# --- coding and findings -----------------------------------------------------------


def test_coding_findings_topic_and_public_feedback(app, world, survey, client):
    s, qs = survey
    fill(s, qs, world)
    body = world.kommune_a
    ctype = db.session.scalar(
        select(CommitteeType).where(CommitteeType.name == "Sozialraumkonferenz")
    ) or CommitteeType(name="Sozialraumkonferenz")
    committee = Committee(body_id=body.id, type=ctype, name="SRK Altstadt", is_public=True)
    db.session.add(committee)
    db.session.commit()
    parent = coding_svc.save_code(world.planner_a, s, {"name": "Aufenthalt"})
    bench = coding_svc.save_code(
        world.planner_a, s, {"name": "Bänke", "parent_id": parent.id, "definition": "Sitzplätze"}
    )
    client.login("planung@ahlen.example")
    page = client.get(f"/befragungen/{s.id}/codieren").get_data(as_text=True)
    assert "Speichern und nächste" in page and 'accesskey="1"' in page
    answers = coding_svc.free_text_answers(s)
    for i, a in enumerate(answers):
        client.post(
            f"/befragungen/{s.id}/codieren", data={"answer_id": a.id, "code_ids": [str(bench.id)], "runde": "1"}
        )
        codes2 = [str(bench.id)] if i % 4 else []
        client.post(f"/befragungen/{s.id}/codieren?runde=2", data={"answer_id": a.id, "code_ids": codes2, "runde": "2"})
    agreement = coding_svc.agreement_for_survey(s)
    row = next(r for r in agreement if r["code"].id == bench.id)
    assert row["n"] == len(answers) and row["percent"] < 1
    results = client.get(f"/befragungen/{s.id}/ergebnisse").get_data(as_text=True)
    assert "Häufigkeit der Codes" in results
    r = client.post(
        f"/befragungen/{s.id}/befunde/neu",
        data={
            "title": "Mehr Sitzplätze",
            "text": "19 Hinweise",
            "code_ids": [str(bench.id)],
            "area_ids": [str(world.area_a1.id)],
            "quote_ids": [str(coding_svc.quotable_answers(s)[0].id)],
            "is_public": "1",
        },
    )
    assert r.status_code == 302
    finding = coding_svc.findings_of(s)[0]
    r = client.post(f"/befragungen/{s.id}/befunde/{finding.id}/gremium", data={"committee_id": committee.id})
    assert r.status_code == 302
    topic = db.session.scalar(select(TopicProposal))
    assert (topic.source_type, topic.source_id, topic.committee_id) == ("befund", finding.id, committee.id)
    public = app.test_client().get(f"/b/{s.public_key}/ergebnisse").get_data(as_text=True)
    assert "Was aus Ihren Hinweisen wurde" in public and "SRK Altstadt" in public and "Mehr Sitzplätze" in public
    assert "An ein Gremium weitergegeben:" in public and "Themenspeicher" not in public  # plain words (issue 15)


def test_followup_registry_extension_point(app, world, survey):
    s, qs = survey
    finding = coding_svc.save_finding(world.planner_a, s, {"title": "Befund"})
    coding_svc.register_followup_provider(
        "test", lambda fs: {f.id: [coding_svc.FollowUp("Ziel", "Ziel im Kontrakt")] for f in fs}
    )
    assert coding_svc.finding_choices(world.planner_a) == [finding]
    assert coding_svc.finding_choices(world.planner_x) == []
    try:
        lines = coding_svc.followups([finding])[finding.id]
        assert [l.kind for l in lines] == ["Ziel"]
    finally:
        coding_svc.FOLLOWUP_PROVIDERS.pop("test")


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "email, view, manage",
    [
        ("planung@ahlen.example", 200, 200),
        ("admin@test.example", 200, 200),
        ("srm@ahlen.example", 200, 403),
        ("planung@kreis.example", 404, 404),
        ("planung@fremd.example", 404, 404),
        ("partner@wohlfahrt.example", 403, 403),
        ("politik@kreis.example", 403, 403),
    ],
)
def test_permission_matrix(app, world, survey, client, email, view, manage):
    s, qs = survey
    client.login(email)
    for url in (f"/befragungen/{s.id}", f"/befragungen/{s.id}/ergebnisse", f"/befragungen/{s.id}/codebuch"):
        assert client.get(url).status_code == view, url
    assert client.get(f"/befragungen/{s.id}/bearbeiten").status_code == manage
    assert client.get(f"/befragungen/{s.id}/export.csv").status_code == manage
    assert client.get("/befragungen/987654").status_code in (404, 403)
    if manage == 200:
        assert client.get("/befragungen/987654").status_code == 404


def test_query_counts_constant(app, world, survey, client):
    s, qs = survey
    client.login("planung@ahlen.example")

    def grow_list(factor):
        for i in range(factor):
            make_survey(world, status="Entwurf")
        client.get("/befragungen/")

    assert_constant_queries(client, db.engine, "/befragungen/", grow_list)

    def grow_answers(factor):
        for i in range(factor * 3):
            answer(s, qs, world.area_a1, 0, text=f"Text {i}")
        client.get(f"/befragungen/{s.id}/ergebnisse")

    assert_constant_queries(client, db.engine, f"/befragungen/{s.id}/ergebnisse", grow_answers)


def test_access_log_filter_removes_invitation_tokens():
    import logging

    from views.befragungen.umfrage import _RedactTokens

    rec = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", "GET /b/abc/t/SECRET.TOKEN-123 HTTP/1.1", "302"),
        None,
    )
    _RedactTokens().filter(rec)
    assert "SECRET" not in rec.getMessage() and "/b/abc/t/[entfernt]" in rec.getMessage()


def test_stale_edit_is_a_conflict_and_keeps_input(app, world, survey, client):
    s, qs = survey
    client.login("planung@ahlen.example")
    data = {
        "title": "Neuer Titel von mir",
        "area_ids": [str(world.area_a1.id)],
        "version": str(s.version - 1 if s.version > 1 else 99),
    }
    r = client.post(f"/befragungen/{s.id}/bearbeiten", data=data)
    assert r.status_code == 409 and "Neuer Titel von mir" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Survey, s.id).title == "Leben im Quartier"


def test_public_results_only_when_released(app, world, survey):
    s, qs = survey
    s.results_public = False
    db.session.commit()
    assert app.test_client().get(f"/b/{s.public_key}/ergebnisse").status_code == 404
    s.results_public = True
    db.session.commit()
    answer(s, qs, world.area_a1, 0)
    html = app.test_client().get(f"/b/{s.public_key}/ergebnisse").get_data(as_text=True)
    assert "weniger als 5 Antworten" in html and "Nutzen Sie den Treffpunkt" not in html


def test_finding_form_offers_and_takes_no_quote_of_a_small_group(app, world, client, survey):
    """The finding form lists the free texts of groups at or above the threshold only, and a crafted POST with
    a quote of a suppressed group (area_a1 without target group: 2 < 5) is refused with nothing written."""
    from models.surveys import Finding

    s, qs = survey
    fill(s, qs, world)
    db.session.commit()
    rows = db.session.execute(
        select(SurveyAnswer.id, SurveyResponse.area_id, SurveyResponse.zielgruppe_id)
        .join(SurveyResponse, SurveyResponse.id == SurveyAnswer.response_id)
        .where(SurveyResponse.survey_id == s.id, SurveyAnswer.text_value.is_not(None))
    ).all()
    small = {aid for aid, area, zg in rows if area == world.area_a1.id and zg is None}
    # the groups whose rows may be shown: the small one and the cells suppressed with it are not among them
    shown = rs.exportable_groups(rs.compute(s))
    large = {aid for aid, area, zg in rows if (area, zg if zg is not None else rs.NONE) in shown}
    assert len(small) == 2 and not small & large and len(large) >= 10
    assert {a.id for a in coding_svc.quotable_answers(s)} == large

    client.login("planung@ahlen.example")
    r = client.get(f"/befragungen/{s.id}/befunde/neu")
    assert r.status_code == 200
    offered = {int(x) for x in re.findall(r'name="quote_ids" value="(\d+)"', r.get_data(as_text=True))}
    assert offered == large

    data = {"title": "Zitat aus kleiner Gruppe", "text": "", "quote_ids": [str(min(small))], "is_public": "1"}
    r = client.post(f"/befragungen/{s.id}/befunde/neu", data=data)
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "Antworten aus zu kleinen Gruppen können nicht zitiert werden." in html
    assert 'href="#quote_ids"' in html and 'id="quote_ids"' in html  # the summary's link reaches the field
    assert db.session.scalar(select(func.count()).select_from(Finding)) == 0

    r = client.post(f"/befragungen/{s.id}/befunde/neu", data={**data, "quote_ids": [str(min(large))]})
    assert r.status_code == 302
    assert [q.id for q in coding_svc.findings_of(s)[0].quotes] == [min(large)]
