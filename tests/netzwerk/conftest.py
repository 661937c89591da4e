"""Fixtures for the Netzwerk tests: the test world plus a few typed relations."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from beteiligung.extensions import db as _db


def kind(name):
    from models.network import RelationKind

    return _db.session.scalar(select(RelationKind).where(RelationKind.name == name))


def add_relation(
    body, a, b, kind_name, *, visibility="kreis", strength=2, directed=False, since=None, until=None, evidence=None
):
    from models import Person
    from models.network import Relation

    rel = Relation(
        body=body,
        kind=kind(kind_name),
        visibility=visibility,
        strength=strength,
        directed=directed,
        valid_from=since,
        valid_to=until,
        evidence=evidence,
    )
    for side, obj in (("source", a), ("target", b)):
        if isinstance(obj, Person):
            setattr(rel, f"{side}_person", obj)
        else:
            setattr(rel, f"{side}_org", obj)
    _db.session.add(rel)
    return rel


@pytest.fixture
def net(world, database_url):
    from beteiligung.extensions import db as _sdb
    from tests.support.snapshot import snapshot_fixture

    return snapshot_fixture(_sdb, database_url, "net", lambda: _build_net(world), into=world)


def _build_net(world):
    """world plus: org_a–org_b Kooperation (Kreis), org_a→org_k Förderung (nur Sozialplanung),
    org_b→org_k Kontrakt (nur beteiligte), person_a–org_k Kontakt (Einwilligung), person_b–org_a
    (keine Einwilligung), an ended relation and one in the foreign Kreis."""
    from models import Organisation

    w = world
    w.org_x2 = Organisation(body=w.fremd_kommune, name="Fremdverein", kind="Initiative/Verein")
    _db.session.add(w.org_x2)
    r = SimpleNamespace()
    r.koop = add_relation(
        w.kreis, w.org_a, w.org_b, "Kooperation", strength=3, since=date(2024, 1, 1), evidence="Kooperationsvertrag"
    )
    r.foerderung = add_relation(w.kreis, w.org_a, w.org_k, "Förderung", visibility="planung", directed=True)
    r.kontrakt = add_relation(w.kreis, w.org_b, w.org_k, "Kontrakt", visibility="beteiligte", directed=True)
    r.kontakt = add_relation(w.kreis, w.person_a, w.org_k, "informeller Kontakt")
    r.ohne_einwilligung = add_relation(w.kreis, w.person_b, w.org_a, "informeller Kontakt")
    r.beendet = add_relation(w.kreis, w.org_k, w.org_b, "Kooperation", until=date(2020, 12, 31))
    r.fremd = add_relation(w.fremdkreis, w.org_x, w.org_x2, "Kooperation")
    _db.session.commit()
    w.rel = r
    return w


def switch_user(client, user):
    """Log out (with CSRF token) and log in as another user."""
    client.post("/abmelden", data={})
    client._csrf = None
    client.login(user.email)
