"""Relations, visibility, derived ties, dates, coverage, cache and pipeline (service level)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services import Conflict, PermissionDenied, ValidationError
from beteiligung.services.netzwerk import beziehungen as svc
from models import AuditEntry, Committee, CommitteeType, Membership, Person
from models.network import NetworkAnalysisCache, PartnerStatus, Relation
from tests.support.uow import refused

from .conftest import add_relation, kind

TODAY = date(2026, 11, 21)


def _edges(user, **kw):
    net = svc.build_network(user, svc.Filters(as_of=kw.pop("as_of", TODAY), **kw))
    return net, {(e["source"], e["target"], e["kind"], e["derived"]) for e in net.edges}


def _explicit_ids(net):
    return {e["record_id"] for e in net.edges if not e["derived"]}


def test_planner_sees_all_relations_of_the_kreis_but_not_ended_or_foreign(net):
    n, _ = _edges(net.planner_k)
    r = net.rel
    assert _explicit_ids(n) == {r.koop.id, r.foerderung.id, r.kontrakt.id, r.kontakt.id}
    assert f"org:{net.org_x.id}" not in n.nodes
    assert f"person:{net.person_b.id}" not in n.nodes  # no consent → no node, no relation


def test_partner_sees_kreis_and_own_beteiligte_relations_only(net):
    r = net.rel
    n_a, _ = _edges(net.partner_a)
    assert _explicit_ids(n_a) == {r.koop.id, r.kontakt.id}
    n_b, _ = _edges(net.partner_b)
    assert _explicit_ids(n_b) == {r.koop.id, r.kontrakt.id, r.kontakt.id}


def test_politics_sees_no_persons(net):
    n, _ = _edges(net.politik)
    assert _explicit_ids(n) == {net.rel.koop.id}
    assert not [k for k in n.nodes if k.startswith("person:")]


def test_foreign_planner_sees_only_own_kreis(net):
    n, _ = _edges(net.planner_x)
    assert _explicit_ids(n) == {net.rel.fremd.id}


def test_network_as_of_date_and_diff(net):
    old, _ = _edges(net.planner_k, as_of=date(2020, 6, 1))
    assert net.rel.beendet.id in _explicit_ids(old) and net.rel.koop.id not in _explicit_ids(old)
    d = svc.network_diff(net.planner_k, svc.Filters(), date(2020, 6, 1), TODAY)
    assert f"rel:{net.rel.koop.id}" in {e["id"] for e in d["added"]}
    assert f"rel:{net.rel.beendet.id}" in {e["id"] for e in d["removed"]}


def test_derived_person_membership_and_committee_ties(net):
    ctype = db.session.scalar(select(CommitteeType).limit(1))
    c = Committee(body=net.kreis, type=ctype, name="Sozialplanungskonferenz Test", is_public=False)
    db.session.add(c)
    db.session.add_all(
        [
            Membership(committee=c, person=net.person_a, organisation=net.org_a),
            Membership(committee=c, person=net.person_b, organisation=net.org_b),
            # person_a also sits in the committee on behalf of the Kreissozialamt → Vertretung
            Membership(committee=c, person=net.person_a, organisation=net.org_k),
            Membership(committee=c, person=net.person_x, organisation=net.org_b, end_date=date(2021, 1, 1)),
        ]
    )
    db.session.commit()
    n, edges = _edges(net.planner_k)
    a, b, k = f"org:{net.org_a.id}", f"org:{net.org_b.id}", f"org:{net.org_k.id}"
    pa = f"person:{net.person_a.id}"
    assert (pa, a, "Mitgliedschaft", True) in edges
    assert (a, b, "Kooperation", True) in edges and (a, k, "Kooperation", True) in edges
    assert (pa, k, "Vertretung", True) in edges
    derived = [
        e for e in n.edges if e["derived"] and e["kind"] == "Kooperation" and {e["source"], e["target"]} == {a, b}
    ]
    assert derived[0]["evidence"] == "Gremium: Sozialplanungskonferenz Test"
    assert not db.session.scalar(select(func.count()).select_from(Relation).where(Relation.evidence.like("Gremium%")))
    # A partner who is not a member does not see the committee, so no tie derived from it.
    assert db.session.scalar(select(func.count()).select_from(Membership)) == 4
    _, edges_x = _edges(net.planner_x)
    assert not [e for e in edges_x if e[3]]
    # without derived ties
    _, plain = _edges(net.planner_k, derived=False)
    assert not [e for e in plain if e[3]]


def test_filters_area_field_kind_and_relation_kind(net):
    n, _ = _edges(net.planner_k, area_id=net.area_a1.id)
    assert {k for k in n.nodes if k.startswith("org:")} == {f"org:{net.org_a.id}"}
    assert f"person:{net.person_a.id}" in n.nodes  # persons follow their organisation
    n, _ = _edges(net.planner_k, handlungsfeld_id=net.hf_bildung.id)
    assert set(n.nodes) == {f"org:{net.org_b.id}"}
    n, _ = _edges(net.planner_k, org_kind="Jobcenter")
    assert set(n.nodes) == {f"org:{net.org_b.id}"}
    n, _ = _edges(net.planner_k, relation_kind="Förderung")
    assert _explicit_ids(n) == {net.rel.foerderung.id} and all(e["kind"] == "Förderung" for e in n.edges)


def test_create_relation_validates_in_german_and_writes_nothing(net):
    before = db.session.scalar(select(func.count()).select_from(Relation))
    base = {
        "body_id": net.kreis.id,
        "source": f"org:{net.org_a.id}",
        "target": f"org:{net.org_a.id}",
        "kind": kind("Kooperation").id,
        "strength": 5,
        "visibility": "geheim",
        "directed": None,
        "valid_from": date(2025, 1, 1),
        "valid_to": date(2024, 1, 1),
    }
    with refused(ValidationError) as exc:
        svc.create_relation(net.planner_k, base)
    e = exc.value.errors
    assert "zwei verschiedene" in e["target"] and "Stärke" in e["strength"]
    assert "visibility" in e and "nicht vor" in e["valid_to"]
    with refused(ValidationError) as exc:
        svc.create_relation(
            net.planner_k,
            {**base, "target": f"person:{net.person_b.id}", "strength": 2, "visibility": "kreis", "valid_to": None},
        )
    assert "keine Einwilligung" in exc.value.errors["target"]
    with refused(ValidationError) as exc:  # foreign organisation: not selectable
        svc.create_relation(
            net.planner_k,
            {**base, "target": f"org:{net.org_x.id}", "strength": 2, "visibility": "kreis", "valid_to": None},
        )
    assert "target" in exc.value.errors
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Relation)) == before


def test_create_update_delete_relation_with_audit_and_version(net):
    rel = svc.create_relation(
        net.planner_k,
        {
            "body_id": net.kreis.id,
            "source": f"org:{net.org_b.id}",
            "target": f"person:{net.person_a.id}",
            "kind": kind("Vertretung").id,
            "strength": 2,
            "visibility": "beteiligte",
            "directed": None,
            "valid_from": None,
            "valid_to": None,
            "evidence": "Protokoll",
            "note": None,
        },
    )
    assert rel.directed is True  # from the kind
    assert rel.target_person_id == net.person_a.id
    values = {
        "body_id": net.kreis.id,
        "source": rel.source_key,
        "target": rel.target_key,
        "kind": rel.kind_id,
        "strength": 3,
        "visibility": "kreis",
        "directed": False,
    }
    svc.update_relation(net.planner_k, rel, values, rel.version)
    assert rel.strength == 3 and rel.directed is False
    with refused(Conflict):
        svc.update_relation(net.planner_k, rel, values, rel.version - 1)
    db.session.rollback()
    with refused(PermissionDenied):
        svc.delete_relation(net.partner_a, rel, rel.version)
    svc.delete_relation(net.planner_k, rel, rel.version)
    actions = db.session.scalars(
        select(AuditEntry.action)
        .where(AuditEntry.entity_type == "Relation", AuditEntry.entity_id == rel.id)
        .order_by(AuditEntry.id)
    ).all()
    assert actions == ["angelegt", "geändert", "gelöscht"]


def test_coverage_shows_the_gap(net):
    cov = svc.coverage(net.planner_k, TODAY)
    gaps = {(a.code, t.name) for a, t in cov["gaps"]}
    # org_a works in A-01 for Pflege; nobody does in A-02 or B-01; org_b brings Bildung to B-01.
    assert ("A-01", "Pflege") not in gaps
    assert ("A-02", "Pflege") in gaps and ("B-01", "Pflege") in gaps
    assert ("B-01", "Bildung") not in gaps
    assert "X-01" not in {a.code for a in cov["areas"]}
    net.org_a.active = False
    db.session.commit()
    assert ("A-01", "Pflege") in {(a.code, t.name) for a, t in svc.coverage(net.planner_k, TODAY)["gaps"]}


def test_analysis_is_cached_and_invalidated_by_changes(net):
    f = svc.Filters(as_of=TODAY)
    first = svc.analyse_network(net.planner_k, svc.build_network(net.planner_k, f))
    assert first["cached"] is False
    second = svc.analyse_network(net.planner_k, svc.build_network(net.planner_k, f))
    assert second["cached"] is True and second["metrics"] == first["metrics"]
    # a new relation bumps the data version
    add_relation(net.kreis, net.org_k, net.org_b, "Kooperation")
    db.session.commit()
    third = svc.analyse_network(net.planner_k, svc.build_network(net.planner_k, f))
    assert third["cached"] is False
    # an organisation change (made by the Stammdaten service) invalidates, too
    from beteiligung.services.stammdaten import pflege

    pflege.update(net.admin, net.org_b, {"name": "Jobcenter Beckum (neu)"}, net.org_b.version)
    db.session.commit()  # as the request would (else SQLite's write lock is held and the cache write waits it out)
    assert svc.analyse_network(net.planner_k, svc.build_network(net.planner_k, f))["cached"] is False
    # a membership change, too
    ctype = db.session.scalar(select(CommitteeType).limit(1))
    c = Committee(body=net.kreis, type=ctype, name="AG Pflege")
    db.session.add(Membership(committee=c, person=net.person_a, organisation=net.org_a))
    db.session.commit()
    assert svc.analyse_network(net.planner_k, svc.build_network(net.planner_k, f))["cached"] is False
    # each scope has its own cache row
    svc.analyse_network(net.partner_a, svc.build_network(net.partner_a, f))
    assert db.session.scalar(select(func.count()).select_from(NetworkAnalysisCache)) == 2


def test_partner_pipeline(net):
    values = {
        "organisation_id": net.org_k.id,
        "body_id": net.kreis.id,
        "status": "identifiziert",
        "handlungsfeld_id": net.hf_pflege.id,
        "next_step": "Anrufen",
        "note": None,
    }
    entry = svc.set_partner_status(net.planner_k, values)
    assert entry.status == "identifiziert"
    with refused(ValidationError) as exc:
        svc.set_partner_status(net.planner_k, values)
    assert "schon einen Eintrag" in exc.value.errors["organisation_id"]
    db.session.rollback()
    with refused(ValidationError):
        svc.set_partner_status(net.planner_k, {**values, "status": "gewonnen"}, entry, entry.version)
    db.session.rollback()
    svc.set_partner_status(net.planner_k, {**values, "status": "aktiv"}, entry, entry.version)
    assert db.session.get(PartnerStatus, entry.id).status == "aktiv"
    with refused(Conflict):
        svc.set_partner_status(net.planner_k, {**values, "status": "angesprochen"}, entry, entry.version - 1)
    db.session.rollback()
    with refused(ValidationError):  # a partner may not keep the pipeline
        svc.set_partner_status(net.partner_a, {**values, "organisation_id": net.org_a.id})


def test_contact_directory_with_deputies(net):
    from models import RoleAssignment

    ctype = db.session.scalar(select(CommitteeType).limit(1))
    c = Committee(body=net.kreis, type=ctype, name="Pflegekonferenz")
    deputy = Person(
        body=net.kommune_a,
        first_name="Dora",
        last_name="Deputy",
        organisation=net.org_a,
        consent_given=True,
        function="Stellvertretung",
    )
    hidden = Person(body=net.kommune_a, first_name="Hans", last_name="Heimlich", organisation=net.org_a)
    db.session.add_all([c, deputy, hidden])
    db.session.add(Membership(committee=c, person=net.person_a, organisation=net.org_a, deputy=deputy))
    db.session.flush()
    # the partner function of partner_a is deputised by a user linked to Dora
    from tests.support.world import make_user

    dep_user = make_user("dora@example.org", "Dora Deputy", [], person=deputy)
    db.session.flush()
    role = db.session.scalar(select(RoleAssignment).where(RoleAssignment.user_id == net.partner_a.id))
    role.deputy = dep_user
    role.function_title = "Geschäftsführung"
    db.session.commit()
    rows = db.session.scalars(svc.contact_query(net.planner_k, handlungsfeld_id=net.hf_pflege.id)).all()
    assert {p.last_name for p in rows} == {"Arndt", "Deputy"}  # no consent → not listed
    deps = svc.deputies_for(net.planner_k, [net.person_a.id])
    assert ("Dora Deputy", "Gremium: Pflegekonferenz") in deps[net.person_a.id]
    assert ("Dora Deputy", "Funktion: Geschäftsführung") in deps[net.person_a.id]
    # function search and area filter
    assert [p.last_name for p in db.session.scalars(svc.contact_query(net.planner_k, function="stellv"))] == ["Deputy"]
    assert {p.last_name for p in db.session.scalars(svc.contact_query(net.planner_k, area_id=net.area_b1.id))} == set()
    assert {p.last_name for p in db.session.scalars(svc.contact_query(net.planner_k, body_id=net.kommune_a.id))} == {
        "Arndt",
        "Deputy",
    }
    assert db.session.scalars(svc.contact_query(net.planner_k, body_id=net.kommune_b.id)).all() == []
    # partner_b sees only persons of the Jobcenter
    assert db.session.scalars(svc.contact_query(net.partner_b)).all() == []
