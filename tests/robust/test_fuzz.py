"""The fuzzer in the test suite (beteiligung/fuzz.py, hypothesis): every route of the URL map and
every form the pages render, for citizens and every demo role, with generated hostile values.
Asserts: no 5xx, no request over 5 s (a GET that was slow is measured once more: cold caches
and a busy shared machine are not what this is about), and a rejected request (4xx) leaves every table unchanged.

Budget per database backend: FUZZ_BUDGET (default 1000, so about 2,000 requests over SQLite and
PostgreSQL); FUZZ_SEED makes a run repeatable (default fixed, so CI is deterministic).
A longer campaign: `flask --app beteiligung pruefen fuzz --anzahl 10000`.
"""

from __future__ import annotations

import os
import time

import pytest

from beteiligung.fuzz import Fuzzer, demo_roles

BUDGET = int(os.environ.get("FUZZ_BUDGET", "1000"))
SEED = int(os.environ.get("FUZZ_SEED", "2026"))


@pytest.fixture
def demo(app, demo_data, monkeypatch):
    # fuzzed logins must not lock the roles out; exceptions become failures of the fuzzer, not of pytest
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 10**6)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


def test_fuzz_every_route_and_form_as_every_role(app, demo):
    fuzzer = Fuzzer(app, demo_roles(), crawl_limit=40, seed=SEED)
    started = time.perf_counter()
    fuzzer.discover()
    fuzzer.run(BUDGET)
    seconds = time.perf_counter() - started
    print(f"\n{fuzzer.summary()}, {seconds:.0f} s")
    report = "\n".join(
        f"{f['status']} {f['role']}: {f['method']} {f['path']} [{f['body'][:200]}] – {f['reason']}"
        for f in fuzzer.failures[:40]
    )
    assert fuzzer.failures == [], report
    assert fuzzer.requests == BUDGET
    statuses = {status for (_key, status) in fuzzer.results}
    routes = {key for (key, _status) in fuzzer.results}
    # it really went everywhere: many routes, accepted writes and rejected input alike
    assert len(routes) >= min(100, BUDGET // 10), len(routes)
    assert statuses & {302, 303} and statuses & {400, 404, 422}, statuses
    assert any(key.startswith("POST ") and status in (302, 303) for (key, status) in fuzzer.results)


def test_form_discovery_reads_fields_selects_and_options():
    from beteiligung.fuzz import parse_page

    forms, links = parse_page("""
        <a href="/gremien/3">x</a>
        <form method="post" action="/gremien/neu">
          <input type="hidden" name="csrf_token" value="t">
          <input name="name" value="AG">
          <select name="type_id"><option value="">–</option><option value="4" selected>Werkstatt</option></select>
          <select name="areas" multiple><option value="1">A</option><option value="2">B</option></select>
          <input type="checkbox" name="terms" value="7"><input type="checkbox" name="terms" value="8">
          <textarea name="purpose">Zweck</textarea>
        </form>
        <form action="/kontrakte/"><input name="q"></form>""")
    assert links == {"/gremien/3"}
    post, get = forms
    assert post["method"] == "POST" and get["method"] == "GET" and get["action"] == "/kontrakte/"
    fields = {f.name: f for f in post["fields"]}
    assert fields["type_id"].value == "4" and fields["type_id"].options == ["", "4"]
    assert fields["areas"].multiple and fields["areas"].options == ["1", "2"]
    assert fields["terms"].options == ["7", "8"] and fields["purpose"].value == "Zweck"
