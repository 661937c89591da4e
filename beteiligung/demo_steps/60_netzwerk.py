"""Netzwerk demo step: the stakeholder network of the Kreis Lindenau.

Story: the Wohlfahrtsverbände are tied together through the AG der Freien
Wohlfahrtspflege; the Jobcenter works with the Beschäftigungsinitiative
Neustart under a Kontrakt (visible only to the parties and the planners);
the Fachbereich Soziales funds the Tafel and the Schuldnerberatung; the
Quartiersbüro Südstadt is the broker between housing company and
neighbourhood; one conflict is known only to the Sozialplanung. In the
coverage matrix exactly one Sozialraum has no partner for "Pflege":
SR-07 Kastanienhof — the Nachbarschaftsverein Hohe Eiche is being approached
(pipeline "angesprochen") to close the gap.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from beteiligung.extensions import db
from models import Area
from models.network import PartnerStatus, Relation, RelationKind

GAP_AREA = "SR-07"
GAP_FIELD = "Pflege"


def _rel(ctx, kinds, a, b, kind, *, strength=2, directed=None, since=None, until=None, source=None, visibility="kreis"):
    def end(x):
        return {"org": x} if not hasattr(x, "first_name") else {"person": x}

    src, tgt = end(a), end(b)
    rel = Relation(
        body=ctx.kreis,
        kind=kinds[kind],
        strength=strength,
        directed=kinds[kind].directed_default if directed is None else directed,
        valid_from=since,
        valid_to=until,
        evidence=source,
        visibility=visibility,
        source_org=src.get("org"),
        source_person=src.get("person"),
        target_org=tgt.get("org"),
        target_person=tgt.get("person"),
    )
    db.session.add(rel)
    return rel


def _contract_partners_work_where_they_are_contracted(ctx) -> None:
    """Consistency of the demo story: a partner under a Kontrakt works in the Kontrakt's Sozialräume and
    Handlungsfelder (e.g. the AWO's Familienhebammen in the Südstadt for "Kinder, Jugend und Familie"), so the
    coverage matrix does not call those cells gaps."""
    from models.contracts import Contract

    for contract in db.session.scalars(select(Contract)):
        fields = [t for t in contract.terms if t.vocabulary == "handlungsfeld"]
        areas = [a for a in contract.areas if a.kind == "Sozialraum"]
        for party in contract.parties:
            org = party.organisation
            if org is None or org.kind == "Politik/Ausschuss":
                continue
            org.areas.extend(a for a in areas if a not in org.areas)
            org.terms.extend(t for t in fields if t not in org.terms)


def _coverage_story(ctx) -> None:
    """Make every current Sozialraum covered for Pflege except GAP_AREA."""
    _contract_partners_work_where_they_are_contracted(ctx)
    pflege = ctx.terms[GAP_FIELD]
    pflege_orgs = [o for o in ctx.orgs.values() if pflege in o.terms and o.kind != "Politik/Ausschuss"]
    gap = ctx.areas[GAP_AREA]
    for org in pflege_orgs:
        if gap in org.areas:
            org.areas.remove(gap)
    local = {
        "Stadt Lindenau": ctx.orgs["Pflegedienst Lindenhof GmbH"],
        "Stadt Altweiler": ctx.orgs["Seniorenresidenz Am Park GmbH"],
        "Gemeinde Ostermoor": ctx.orgs["Ambulanter Pflegedienst Ostermoor"],
    }
    today = date.today()
    areas = [a for a in ctx.areas.values() if a.kind == "Sozialraum" and a.code != GAP_AREA and a.is_valid_on(today)]
    for area in areas:
        if any(area in o.areas for o in pflege_orgs):
            continue
        org = local.get(area.body.name) or ctx.orgs["DRK"]
        org.areas.append(area)


def run(ctx) -> None:
    kinds = {k.name: k for k in db.session.scalars(select(RelationKind))}
    o = ctx.orgs
    _coverage_story(ctx)

    verbaende = ["AWO", "Caritas", "Diakonie", "DRK", "Paritätischer"]
    for short in verbaende:
        _rel(ctx, kinds, o[short], o["AG FW"], "Mitgliedschaft", strength=3, source="Satzung der AG FW 2019")
    _rel(
        ctx,
        kinds,
        o["AWO"],
        o["Caritas"],
        "Kooperation",
        source="Gemeinsame Fachstelle Frühe Hilfen",
        since=date(2023, 1, 1),
    )
    _rel(ctx, kinds, o["Diakonie"], o["Schuldnerberatung Lindenau"], "Trägerschaft", strength=3)
    _rel(
        ctx, kinds, o["FB Soziales"], o["Tafel"], "Förderung", since=date(2024, 1, 1), source="Zuwendungsbescheid 2024"
    )
    _rel(
        ctx,
        kinds,
        o["FB Soziales"],
        o["Schuldnerberatung Lindenau"],
        "Förderung",
        strength=3,
        since=date(2022, 1, 1),
        source="Leistungsvereinbarung Schuldnerberatung",
    )
    _rel(
        ctx,
        kinds,
        o["Jobcenter"],
        o["Neustart"],
        "Kontrakt",
        strength=3,
        since=date(2025, 1, 1),
        until=date(2027, 12, 31),
        source="Zielvereinbarung Beschäftigung 2025–2027",
        visibility="beteiligte",
    )
    _rel(
        ctx,
        kinds,
        o["Jobcenter"],
        o["Berufskolleg des Kreises Lindenau"],
        "Kooperation",
        source="Jugendberufsagentur",
        since=date(2021, 9, 1),
    )
    _rel(ctx, kinds, o["Jobcenter"], o["IHK-Geschäftsstelle Lindenau"], "informeller Kontakt", strength=1)
    _rel(
        ctx,
        kinds,
        o["Jugendamt"],
        o["Jugendhilfe Lindenau gGmbH"],
        "Kontrakt",
        strength=3,
        since=date(2024, 1, 1),
        source="Leistungs- und Qualitätsvereinbarung HzE",
    )
    _rel(ctx, kinds, o["Jugendamt"], o["Familienzentrum Sonnenblume"], "Kooperation", since=date(2022, 8, 1))
    _rel(ctx, kinds, o["Familienzentrum Sonnenblume"], o["Kita Regenbogen"], "Kooperation")
    _rel(
        ctx,
        kinds,
        o["Hebammenzentrum Lindenau"],
        o["Kinderklinik am Kreiskrankenhaus"],
        "Kooperation",
        source="Netzwerk Frühe Hilfen",
    )
    _rel(ctx, kinds, o["Gesundheitsamt"], o["Hebammenzentrum Lindenau"], "Förderung", since=date(2025, 3, 1))
    _rel(
        ctx,
        kinds,
        o["Quartiersbüro Südstadt"],
        o["WBL"],
        "Kooperation",
        strength=3,
        source="Quartiersvereinbarung Südstadt",
    )
    _rel(ctx, kinds, o["Quartiersbüro Südstadt"], o["Nachbarschaftsverein Hohe Eiche e. V."], "informeller Kontakt")
    _rel(
        ctx,
        kinds,
        o["Quartiersbüro Südstadt"],
        o["Moscheegemeinde Lindenau-Süd"],
        "Kooperation",
        since=date(2026, 3, 1),
        source="Sprachcafé",
    )
    _rel(
        ctx,
        kinds,
        o["WBL"],
        o["Nachbarschaftsverein Hohe Eiche e. V."],
        "Konflikt",
        strength=1,
        source="Beschwerden über Mieterhöhungen",
        visibility="planung",
    )
    _rel(ctx, kinds, o["Seniorenbeirat"], o["ASG"], "Vertretung", source="beratendes Mitglied")
    _rel(ctx, kinds, o["Behindertenbeirat"], o["ASG"], "Vertretung")
    _rel(ctx, kinds, o["Lebenshilfe"], o["Paritätischer"], "Mitgliedschaft", strength=3)
    _rel(ctx, kinds, o["VHS"], o["Integrationsrat"], "Kooperation", source="Integrationskurse")
    _rel(ctx, kinds, o["Migrationsberatung Hagenfeld"], o["Caritas"], "Trägerschaft", strength=3)
    _rel(
        ctx,
        kinds,
        o["Mehrgenerationenhaus Hagenfeld"],
        o["Bauverein Hagenfeld eG"],
        "Kooperation",
        until=date(2024, 12, 31),
        source="Projekt Wohnen im Quartier (beendet)",
    )
    _rel(
        ctx,
        kinds,
        o["Seniorenresidenz Am Park GmbH"],
        o["Seniorentreff Altweiler"],
        "Kooperation",
        since=date(2026, 6, 1),
    )
    _rel(ctx, kinds, o["Ambulanter Pflegedienst Ostermoor"], o["Familienbüro Ostermoor"], "informeller Kontakt")
    _rel(ctx, kinds, o["HSA"], o["Statistik"], "Kooperation", source="Sozialbericht 2025")
    _rel(ctx, kinds, o["Pflegedienst Lindenhof GmbH"], o["DRK"], "Kooperation", source="Pflegeberatung")

    # Key persons (only those with consent appear in the map).
    consenting = [p for p in ctx.persons if p.consent_given and p.organisation is not None]
    by_org = {}
    for p in consenting:
        by_org.setdefault(p.organisation.short_name or p.organisation.name, p)
    pairs = [("AWO", "Jugendamt"), ("Caritas", "Jobcenter"), ("Quartiersbüro Südstadt", "FB Soziales")]
    for a, b in pairs:
        if a in by_org and b in by_org:
            _rel(
                ctx,
                kinds,
                by_org[a],
                by_org[b],
                "informeller Kontakt",
                strength=2,
                source="kurzer Draht aus der Sozialraumkonferenz",
            )

    # Partner pipeline (Netzwerkmanagement 6.2.1: identify → approach → win).
    pflege = ctx.terms[GAP_FIELD]
    pipeline = [
        (
            "Nachbarschaftsverein Hohe Eiche e. V.",
            "angesprochen",
            pflege,
            f"Gespräch über Nachbarschaftshilfe für Pflegebedürftige in {ctx.areas[GAP_AREA].name}",
        ),
        ("Pflegedienst Lindenhof GmbH", "identifiziert", pflege, f"Außenstelle in {ctx.areas[GAP_AREA].name} anfragen"),
        ("Moscheegemeinde Lindenau-Süd", "aktiv", ctx.terms["Integration und Migration"], "Sprachcafé läuft"),
        (
            "Kreishandwerkerschaft Lindenau",
            "identifiziert",
            ctx.terms["Arbeit und Beschäftigung"],
            "Einladung zur nächsten Sozialplanungskonferenz",
        ),
        ("Landfrauenverein Ostermoor", "angesprochen", ctx.terms["Alter und Senior·innen"], "Besuch im Frühjahr"),
    ]
    for name, status, field, step in pipeline:
        db.session.add(
            PartnerStatus(
                body=ctx.kreis,
                organisation=ctx.orgs[name],
                status=status,
                handlungsfeld=field,
                next_step=step,
                status_since=date(2026, 10, 1),
            )
        )
    ctx.network_gap = (ctx.areas[GAP_AREA], pflege)
    db.session.flush()
    assert db.session.scalar(select(Area.id).where(Area.code == GAP_AREA)) is not None
