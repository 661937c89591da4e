"""Helpers shared by the tests.

Testdaten (test data) are built one way: **through the services**, as a real user would create them in the
UI, with the matching role from `world` acting (world.planner_k for the Kreis, world.srm_a for a
Sozialraumkonferenz, world.admin for Stammdaten ...). That keeps audit rows, versions, computed fields and
running counts (survey_count, numbering, reports of a contract) consistent with what the app itself writes.
The shared fixtures (`world` in tests/support/world.py and the per-feature fixtures gw, kw, pw, net, ow,
chain, survey in the feature conftests) are built that way once per database and restored as rows
(tests/support/snapshot.py).

Direct model construction (`db.session.add(Model(...))`) stays only where no service creates that thing,
or where a test needs a state the services deliberately never produce (old data, broken states, a status
reached only by a long workflow the test is not about); each such place carries a one-line comment why.

Migration round trips (schema at an old revision, old rows in, upgrade, check, downgrade) use
tests/support/migrationen.py.
"""
