"""CLI: `flask --app beteiligung network benchmark|warm-cache`."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import date

import click
from sqlalchemy import insert, select

from .extensions import db
from .uow import unit_of_work


def generate_synthetic(
    n_orgs: int = 2000, n_persons: int = 1000, n_relations: int = 40000, seed: int = 2026, clusters: int = 30
) -> dict:
    """Insert a Kreis with n_orgs organisations, n_persons consenting persons and n_relations relations
    (85 % inside one of `clusters` groups, the rest across) with bulk INSERTs. Returns ids."""
    from models import Area, Body, Organisation, Person
    from models.base import utcnow
    from models.network import Relation, RelationKind

    rng = random.Random(seed)
    now = utcnow()
    kreis = Body(name="Kreis Messstadt", kind="Kreis", code=f"BM{seed}")
    db.session.add(kreis)
    db.session.flush()
    areas = [Area(body_id=kreis.id, code=f"M-{i:02d}", name=f"Messraum {i}", kind="Sozialraum") for i in range(20)]
    db.session.add_all(areas)
    db.session.flush()
    kinds = [
        "Wohlfahrtsverband",
        "Freier Träger",
        "Privater Träger",
        "Verwaltung/Fachbereich",
        "Initiative/Verein",
        "Schule/Kita",
    ]
    db.session.execute(
        insert(Organisation),
        [
            {
                "body_id": kreis.id,
                "name": f"Messorganisation {i:04d}",
                "kind": kinds[i % len(kinds)],
                "active": True,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for i in range(n_orgs)
        ],
    )
    org_ids = list(
        db.session.scalars(select(Organisation.id).where(Organisation.body_id == kreis.id).order_by(Organisation.id))
    )
    # each organisation works in one or two Messräume and one or two Handlungsfelder (for the page filters)
    from models import Term, organisation_area, organisation_term

    fields = list(db.session.scalars(select(Term.id).where(Term.vocabulary == "handlungsfeld").order_by(Term.id)))
    area_rows, term_rows = [], []
    for oid in org_ids:
        for aid in {rng.choice(areas).id for _ in range(rng.randint(1, 2))}:
            area_rows.append({"organisation_id": oid, "area_id": aid})
        for tid in {rng.choice(fields) for _ in range(rng.randint(1, 2))} if fields else ():
            term_rows.append({"organisation_id": oid, "term_id": tid})
    db.session.execute(insert(organisation_area), area_rows)
    if term_rows:
        db.session.execute(insert(organisation_term), term_rows)
    db.session.execute(
        insert(Person),
        [
            {
                "body_id": kreis.id,
                "first_name": "Person",
                "last_name": f"Mess{i:04d}",
                "organisation_id": rng.choice(org_ids),
                "consent_given": True,
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
            for i in range(n_persons)
        ],
    )
    person_ids = list(db.session.scalars(select(Person.id).where(Person.body_id == kreis.id).order_by(Person.id)))
    nodes = [("org", i) for i in org_ids] + [("person", i) for i in person_ids]
    rng.shuffle(nodes)
    # Heavy-tailed activity (Pareto): a few hubs (Wohlfahrtsverbände, Verwaltung) and many small actors,
    # like real stakeholder networks; 85 % of the ties stay inside one of `clusters` groups.
    from itertools import accumulate

    weight = {node: rng.paretovariate(1.5) for node in nodes}
    groups = [nodes[i::clusters] for i in range(clusters)]
    group_cum = [list(accumulate(weight[n] for n in group)) for group in groups]
    all_cum = list(accumulate(weight[n] for n in nodes))
    kind_ids = list(db.session.scalars(select(RelationKind.id)))
    seen, rows = set(), []
    while len(rows) < n_relations:
        if rng.random() < 0.85:
            gi = rng.randrange(clusters)
            a, b = rng.choices(groups[gi], cum_weights=group_cum[gi], k=2)
        else:
            a, b = rng.choices(nodes, cum_weights=all_cum, k=2)
        if a == b or (a, b) in seen or (b, a) in seen:
            continue
        seen.add((a, b))
        rows.append(
            {
                "body_id": kreis.id,
                "kind_id": rng.choice(kind_ids),
                "source_org_id": a[1] if a[0] == "org" else None,
                "source_person_id": a[1] if a[0] == "person" else None,
                "target_org_id": b[1] if b[0] == "org" else None,
                "target_person_id": b[1] if b[0] == "person" else None,
                "directed": False,
                "strength": rng.randint(1, 3),
                "visibility": "kreis",
                "valid_from": date(2020, 1, 1),
                "created_at": now,
                "updated_at": now,
                "version": 1,
            }
        )
    for start in range(0, len(rows), 5000):
        db.session.execute(insert(Relation), rows[start : start + 5000])
    from .services.netzwerk.beziehungen import bump_data_version

    bump_data_version()
    return {"kreis_id": kreis.id, "org_ids": org_ids, "person_ids": person_ids}


def betweenness_errors(exact: dict, approx: dict, top: int = 20) -> dict:
    errors = [abs(exact[n] - approx.get(n, 0.0)) for n in exact]
    top_exact = set(sorted(exact, key=exact.get, reverse=True)[:top])
    top_approx = set(sorted(approx, key=approx.get, reverse=True)[:top])
    peak = max(exact.values()) or 1.0
    return {
        "max_abs": max(errors),
        "mean_abs": statistics.fmean(errors),
        "max_rel_to_peak": max(errors) / peak,
        "top_overlap": len(top_exact & top_approx) / top,
    }


def register(app) -> None:
    @app.cli.group("network")
    def network():
        """Netzwerkkarte: Messung und Zwischenspeicher."""

    @network.command("benchmark")
    @click.option("--orgs", default=2000, show_default=True)
    @click.option("--persons", default=1000, show_default=True)
    @click.option("--relations", default=40000, show_default=True)
    @click.option("--k", "ks", default="50,150,300", show_default=True, help="Stichprobengrößen für Betweenness")
    @click.option("--skip-exact", is_flag=True, help="Exakte Betweenness auslassen (dauert Minuten)")
    def benchmark(orgs, persons, relations, ks, skip_exact):
        """Erzeugt ein Netz in einer temporären SQLite-Datenbank und misst Analyse und Seitenaufbau."""
        from flask_migrate import upgrade

        from . import create_app
        from .reference import ensure_reference_data
        from .services.accounts import create_user_direct
        from .services.netzwerk import analyse as analysis
        from .services.netzwerk import beziehungen as svc

        tmp = tempfile.mkdtemp(prefix="netzwerk-benchmark-")
        bench = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                "WTF_CSRF_ENABLED": False,
                "TESTING": True,
                "SECRET_KEY": "benchmark",
                "SMTP_HOST": "",
            }
        )
        with bench.app_context():
            upgrade()
            ensure_reference_data()
            t0 = time.perf_counter()
            with unit_of_work():
                generate_synthetic(orgs, persons, relations)
            click.echo(
                f"Daten erzeugt: {orgs} Organisationen, {persons} Personen, {relations} Beziehungen "
                f"in {time.perf_counter() - t0:.1f} s"
            )
            from models import ROLE_ADMIN

            with unit_of_work():
                create_user_direct("bench@example.org", "Messung", "Mess-Passwort-2026", [{"role": ROLE_ADMIN}])
            from models import User

            user = db.session.scalar(select(User).where(User.email == "bench@example.org"))
            t0 = time.perf_counter()
            net = svc.build_network(user, svc.Filters(derived=True))
            t_build = time.perf_counter() - t0
            g = analysis.simple_graph(net.nodes, net.edges)
            click.echo(
                f"Netz laden (SQL + abgeleitete Beziehungen): {t_build:.2f} s – "
                f"{g.number_of_nodes()} Knoten, {g.number_of_edges()} Kanten (einfacher Graph)"
            )
            exact = None
            if not skip_exact:
                t0 = time.perf_counter()
                exact = analysis.betweenness(g)
                click.echo(f"Betweenness exakt: {time.perf_counter() - t0:.1f} s")
            for k in [int(x) for x in ks.split(",") if x.strip()]:
                t0 = time.perf_counter()
                approx = analysis.betweenness(g, k=k)
                line = f"Betweenness Stichprobe k={k}: {time.perf_counter() - t0:.2f} s"
                if exact:
                    e = betweenness_errors(exact, approx)
                    line += (
                        f"; Fehler max {e['max_abs']:.5f} (= {e['max_rel_to_peak']:.1%} des Höchstwerts), "
                        f"Mittel {e['mean_abs']:.6f}, Top-20-Übereinstimmung {e['top_overlap']:.0%}"
                    )
                click.echo(line)
            t0 = time.perf_counter()
            result = analysis.analyse(g)
            click.echo(
                f"Vollanalyse wie auf der Seite (Betweenness k={result['betweenness_k']}, Eigenvektor, "
                f"Louvain, Brücken …): {time.perf_counter() - t0:.1f} s"
            )
        client = bench.test_client()
        client.post("/anmelden", data={"email": "bench@example.org", "password": "Mess-Passwort-2026"})

        def timed(label, url):
            t0 = time.perf_counter()
            response = client.get(url)
            response.get_data()  # a streamed export is written while it is read
            click.echo(f"{label}: {time.perf_counter() - t0:.2f} s (HTTP {response.status_code})")

        timed("Kartenseite, erster Aufruf (Schnellanalyse, volle Analyse startet im Hintergrund)", "/netzwerk/")
        t0 = time.perf_counter()
        svc.wait_for_background()
        click.echo(f"  … Hintergrundanalyse fertig nach weiteren {time.perf_counter() - t0:.1f} s")
        timed("Kartenseite, Zwischenspeicher", "/netzwerk/")
        timed("Kartendaten JSON (250 Knoten), Zwischenspeicher", "/netzwerk/daten.json")
        timed("Kantentabelle (Seite 1), Zwischenspeicher", "/netzwerk/kanten")
        timed("GEXF-Export", "/netzwerk/export.gexf")
        with bench.app_context():
            from models import Organisation

            with unit_of_work():
                org = db.session.scalar(select(Organisation).order_by(Organisation.id.desc()).limit(1))
                org.name = org.name + " (geändert)"
        timed("Kartenseite nach einer Änderung (alte Analyse sofort, neue im Hintergrund)", "/netzwerk/")
        svc.wait_for_background()

    @network.command("warm-cache")
    def warm_cache():
        """Berechnet das analysierte Netz für jeden Berechtigungsbereich vor (wie der Job „netzwerk-vorberechnen“)."""
        from models import User

        from .services.netzwerk import graph as network_graph

        with unit_of_work():
            count = network_graph.warm(db.session.scalars(select(User).where(User.is_enabled.is_(True))).all())
        click.echo(f"{count} Netzwerkgraph(en) berechnet und gespeichert.")

    @network.command("messen")
    @click.option("--orgs", default=3000, show_default=True)
    @click.option("--persons", default=13000, show_default=True)
    @click.option("--relations", default=40000, show_default=True)
    @click.option("--runs", default=15, show_default=True, help="Aufrufe je Seite (Median und Maximum)")
    @click.option(
        "--vorhanden",
        is_flag=True,
        help="Die konfigurierte Datenbank messen (z. B. nach `demo skalieren`) statt eines synthetischen Netzes",
    )
    @click.option("--email", default="planung@kreis-lindenau.example", show_default=True, help="mit --vorhanden")
    @click.option("--passwort", default="Beteiligung-2026", show_default=True, help="mit --vorhanden")
    def measure(orgs, persons, relations, runs, vorhanden, email, passwort):
        """Server-CPU je Aufruf von Karte, JSON, Tabellen und Exporten aus dem gespeicherten Graphen
        (temporäre SQLite-Datenbank mit einem synthetischen Netz; Standard: 16.000 Knoten)."""
        from flask import current_app
        from flask_migrate import upgrade

        from models import ROLE_PLANNER, User
        from models.network import NetworkGraphCache

        from . import create_app
        from .reference import ensure_reference_data
        from .services.accounts import create_user_direct
        from .services.netzwerk import graph as network_graph

        if vorhanden:
            bench = current_app._get_current_object()
            bench.config.update(WTF_CSRF_ENABLED=False, JOBS_IN_PROCESS=False)
        else:
            tmp = tempfile.mkdtemp(prefix="netzwerk-messung-")
            bench = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite",
                    "WTF_CSRF_ENABLED": False,
                    "TESTING": True,
                    "SECRET_KEY": "benchmark",
                    "SMTP_HOST": "",
                    "JOBS_IN_PROCESS": False,
                }
            )
            email, passwort = "bench@example.org", "Mess-Passwort-2026"
            with bench.app_context():
                upgrade()
                ensure_reference_data()
                with unit_of_work():
                    ids = generate_synthetic(orgs, persons, relations)
                with unit_of_work():  # a planner of the Kreis (the admin would need a second factor)
                    create_user_direct(email, "Messung", passwort, [{"role": ROLE_PLANNER, "body_id": ids["kreis_id"]}])
        with bench.app_context():
            user = db.session.scalar(select(User).where(User.email == email))
            key = network_graph.scope_key(user)
            with unit_of_work():
                db.session.execute(NetworkGraphCache.__table__.delete().where(NetworkGraphCache.scope_key == key))
            t0 = time.perf_counter()
            with unit_of_work():
                network_graph.warm([db.session.get(User, user.id)])
            click.echo(f"Job: Netz bauen und analysieren (igraph, Betweenness exakt): {time.perf_counter() - t0:.1f} s")
            row = db.session.scalar(select(NetworkGraphCache).where(NetworkGraphCache.scope_key == key))
            click.echo(
                f"Gespeichert: {row.node_count} Knoten, {row.edge_count} Kanten, {len(row.payload) / 1e6:.1f} MB (zlib)"
            )
            from sqlalchemy import func

            from models import Area, organisation_area

            area = db.session.scalar(
                select(Area.id)
                .join(organisation_area, organisation_area.c.area_id == Area.id)
                .group_by(Area.id)
                .order_by(func.count().desc(), Area.id)
                .limit(1)
            )
        network_graph.clear_memory()
        client = bench.test_client()
        client.post("/anmelden", data={"email": email, "password": passwort})
        pages = [
            ("Karte (Seite)", "/netzwerk/"),
            ("Karte, Seite 40 der Tabelle", "/netzwerk/?seite=40"),
            ("Karte gefiltert (Sozialraum)", "/netzwerk/?sozialraum=__AREA__"),
            ("Kartendaten JSON, erste 60", "/netzwerk/daten.json?limit=60"),
            ("Kartendaten JSON, nächste 150", "/netzwerk/daten.json?offset=60&limit=150"),
            ("Kartendaten JSON gefiltert", "/netzwerk/daten.json?sozialraum=__AREA__&limit=60"),
            ("Beziehungen (Tabelle)", "/netzwerk/kanten"),
            ("Beziehungen, Art Kooperation", "/netzwerk/kanten?beziehung=Kooperation"),
            ("Export CSV Knoten", "/netzwerk/export.knoten.csv"),
        ]
        t0 = time.process_time()
        first = client.get("/netzwerk/")
        assert first.status_code == 200, first.status_code
        click.echo(
            "Erster Aufruf des Prozesses (Graph aus der Datenbank entpacken): "
            f"{(time.process_time() - t0) * 1000:.0f} ms CPU; danach aus dem Speicher:"
        )
        click.echo(f"{'Seite':40} {'CPU Median':>11} {'CPU max':>9} {'Bytes':>10}  SQL")
        from sqlalchemy import event

        for label, url in pages:
            url = url.replace("__AREA__", str(area))
            times, size = [], 0
            statements = []

            def count(*_a, _s=statements):
                _s.append(1)

            with bench.app_context():
                event.listen(db.engine, "before_cursor_execute", count)
            for _ in range(runs):
                statements.clear()
                t0 = time.process_time()
                response = client.get(url)
                size = len(response.get_data())  # inside the time: a streamed export is written while read
                times.append((time.process_time() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            with bench.app_context():
                event.remove(db.engine, "before_cursor_execute", count)
            click.echo(
                f"{label:40} {statistics.median(times):8.1f} ms {max(times):6.1f} ms {size:10,d}  {len(statements)}"
            )
