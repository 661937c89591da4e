"""Fixtures for the Netzwerk tests: the test world plus a few typed relations."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from beteiligung.extensions import db as _db
from beteiligung.services.stammdaten import pflege
from tests.support.world import acting_planner


def kind(name):
    from models.network import RelationKind

    return _db.session.scalar(select(RelationKind).where(RelationKind.name == name))


def add_relation(
    body, a, b, kind_name, *, visibility="kreis", strength=2, directed=False, since=None, until=None, evidence=None
):
    """A relation as the body's planner records it on the Netzwerk page (audited)."""
    from beteiligung.services.netzwerk import beziehungen

    _db.session.flush()  # a and b as saved records, the way the form offers them
    return beziehungen.create_relation(
        acting_planner(body),
        {
            "body_id": body.id,
            "source": a,
            "target": b,
            "kind": kind(kind_name),
            "visibility": visibility,
            "strength": strength,
            "directed": directed,
            "valid_from": since,
            "valid_to": until,
            "evidence": evidence,
        },
    )


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
    from models.network import Relation

    w = world
    w.org_x2 = pflege.create(
        w.admin,  # no planner of the foreign Kommune in world
        Organisation,
        {"body_id": w.fremd_kommune.id, "name": "Fremdverein", "kind": "Initiative/Verein"},
    )
    r = SimpleNamespace()
    r.koop = add_relation(
        w.kreis, w.org_a, w.org_b, "Kooperation", strength=3, since=date(2024, 1, 1), evidence="Kooperationsvertrag"
    )
    r.foerderung = add_relation(w.kreis, w.org_a, w.org_k, "Förderung", visibility="planung", directed=True)
    r.kontrakt = add_relation(w.kreis, w.org_b, w.org_k, "Kontrakt", visibility="beteiligte", directed=True)
    r.kontakt = add_relation(w.kreis, w.person_a, w.org_k, "informeller Kontakt")
    # direct: the service refuses a person without consent; this is the old row the privacy filters must hide
    r.ohne_einwilligung = Relation(
        body=w.kreis,
        kind=kind("informeller Kontakt"),
        visibility="kreis",
        strength=2,
        directed=False,
        source_person=w.person_b,
        target_org=w.org_a,
    )
    _db.session.add(r.ohne_einwilligung)
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
