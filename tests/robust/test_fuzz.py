"""The fuzzer in the test suite (beteiligung/fuzz.py, hypothesis): every route of the URL map and
every form the pages render, for citizens and every demo role, with generated hostile values.
Asserts: no 5xx, no request over 5 s (a GET that was slow is measured once more: cold caches
and a busy shared machine are not what this is about), and a rejected request (4xx) leaves every table unchanged.

Budget per database backend: FUZZ_BUDGET (default 1000, so about 2,000 requests over SQLite and
PostgreSQL); FUZZ_SEED makes a run repeatable (default fixed, so CI is deterministic).
The roles are fuzzed in PARTS tests of BUDGET / PARTS requests each (four roles per part), so that the
xdist workers share the campaign (in four parts of 250 requests one part drew no accepted write at all);
every part also crawls as the administration, whose pages show the ids of every body's objects (the pools for route arguments and id fields stay as wide as in one run).
A longer campaign: `flask --app beteiligung pruefen fuzz --anzahl 10000`.
"""

from __future__ import annotations

import copy
import os
import time

import pytest

from beteiligung.fuzz import DEMO_ACCOUNTS, Fuzzer, demo_roles

BUDGET = int(os.environ.get("FUZZ_BUDGET", "1000"))
SEED = int(os.environ.get("FUZZ_SEED", "2026"))
PARTS = 2


@pytest.fixture
def demo(app, demo_data, monkeypatch):
    # fuzzed logins must not lock the roles out; exceptions become failures of the fuzzer, not of pytest
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 10**6)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)


# The administration's crawl per database (xdist worker and backend): every part starts from the same demo
# rows, so the crawl finds the same targets and ids each time; the first part in a process crawls, later ones
# take its result.
_ADMIN_CRAWL: dict[str, tuple[list, dict]] = {}


@pytest.mark.parametrize("part", range(PARTS))
def test_fuzz_every_route_and_form_as_every_role(app, demo, database_url, part):
    roles = demo_roles()
    admin = next(role for role in roles if role.email == DEMO_ACCOUNTS[0])
    fuzzed = roles[part::PARTS]
    budget = BUDGET // PARTS + (part < BUDGET % PARTS)
    fuzzer = Fuzzer(app, [admin, *(r for r in fuzzed if r is not admin)], crawl_limit=40, seed=SEED + part)
    started = time.perf_counter()
    crawled = _ADMIN_CRAWL.get(database_url)
    if crawled is None:
        fuzzer.discover([admin])
        _ADMIN_CRAWL[database_url] = (list(fuzzer.targets[admin.label]), copy.deepcopy(dict(fuzzer.pool)))
    else:
        fuzzer.targets[admin.label] = list(crawled[0])
        fuzzer.pool.update(copy.deepcopy(crawled[1]))
        if admin in fuzzed:
            fuzzer.login(admin)
    fuzzer.discover([r for r in fuzzed if r is not admin])
    fuzzer.run(budget, roles=fuzzed)
    seconds = time.perf_counter() - started
    print(f"\n{fuzzer.summary()}, {seconds:.0f} s")
    report = "\n".join(
        f"{f['status']} {f['role']}: {f['method']} {f['path']} [{f['body'][:200]}] – {f['reason']}"
        for f in fuzzer.failures[:40]
    )
    assert fuzzer.failures == [], report
    assert fuzzer.requests == budget
    statuses = {status for (_key, status) in fuzzer.results}
    routes = {key for (key, _status) in fuzzer.results}
    # it really went everywhere: many routes, accepted writes and rejected input alike
    assert len(routes) >= min(100, budget // 6), len(routes)
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
