"""Demo data: the Kreis Lindenau and its five Kommunen (all names invented).

The story follows the handbook (seed 000): a Kreis whose Sozialplanung
coordinates kreisangehörige Kommunen, Sozialräume of 10.000–15.000
inhabitants in the Kreisstadt, Wohlfahrtsverbände, Träger, the Jobcenter,
Verwaltung and Politik as stakeholders. Modules add their own steps to
DEMO_STEPS; each step receives the DemoContext with what was created.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from beteiligung.extensions import db
from beteiligung.services.accounts import create_user_direct
from beteiligung.uow import unit_of_work
from models import (
    ROLE_ADMIN,
    ROLE_AREA_MANAGER,
    ROLE_PARTNER,
    ROLE_PLANNER,
    ROLE_POLITICS,
    Area,
    Body,
    Handlungsfeld,
    Organisation,
    Person,
    Thema,
    User,
    Zielgruppe,
)

DEMO_PASSWORD = "Beteiligung-2026"

HANDLUNGSFELDER = [
    "Kinder, Jugend und Familie",
    "Bildung",
    "Arbeit und Beschäftigung",
    "Existenzsicherung und Armut",
    "Wohnen",
    "Gesundheit",
    "Pflege",
    "Alter und Senior·innen",
    "Integration und Migration",
    "Inklusion und Teilhabe",
]
ZIELGRUPPEN = [
    "Kinder unter 6 Jahren",
    "Jugendliche",
    "Alleinerziehende",
    "Langzeitarbeitslose",
    "Senior·innen",
    "Menschen mit Behinderung",
    "Zugewanderte",
    "Familien mit geringem Einkommen",
    "Pflegende Angehörige",
]
THEMEN = [
    "Frühe Hilfen",
    "Kinderarmut",
    "Übergang Schule–Beruf",
    "Bezahlbarer Wohnraum",
    "Nachbarschaft",
    "Quartiersentwicklung",
    "Mobilität im Alter",
    "Sprachförderung",
    "Ehrenamt",
    "Digitale Teilhabe",
]

KOMMUNEN = [
    # name, AGS, population, [(code, name, population, parent Stadtbezirk or None)]
    (
        "Stadt Lindenau",
        "09970012",
        86400,
        [
            ("SB-N", "Stadtbezirk Nord", 38600, None),
            ("SB-S", "Stadtbezirk Süd", 47800, None),
            ("SR-01", "Altstadt", 11800, "SB-N"),
            ("SR-02", "Bahnhofsviertel", 12600, "SB-N"),
            ("SR-03", "Lindenau-Nord", 14200, "SB-N"),
            ("SR-04", "Am Mühlbach", 10900, "SB-S"),
            ("SR-05", "Südstadt", 13900, "SB-S"),
            ("SR-06", "Hohe Eiche", 12100, "SB-S"),
            ("SR-07", "Kastanienhof", 10900, "SB-S"),
        ],
    ),
    (
        "Stadt Hagenfeld",
        "09970021",
        31200,
        [
            ("HF-1", "Hagenfeld-Mitte", 11400, None),
            ("HF-2", "Hagenfeld-West", 10300, None),
            ("HF-3", "Kornfeld", 9500, None),
            ("HF-4", "Ortsteil Brücken", 4200, None),
        ],
    ),
    (
        "Gemeinde Bruchhausen",
        "09970033",
        18700,
        [
            ("BH-1", "Bruchhausen-Dorf", 7400, None),
            ("BH-2", "Neubruch", 6800, None),
            ("BH-3", "Moorweg", 4500, None),
        ],
    ),
    (
        "Stadt Altweiler",
        "09970045",
        24500,
        [
            ("AW-1", "Altweiler-Zentrum", 9800, None),
            ("AW-2", "Siedlung am Hang", 8300, None),
            ("AW-3", "Weilerfeld", 6400, None),
        ],
    ),
    (
        "Gemeinde Ostermoor",
        "09970058",
        14900,
        [
            ("OM-1", "Ostermoor", 8100, None),
            ("OM-2", "Heidekamp", 4300, None),
            ("OM-3", "Fennhusen", 2500, None),
            ("OM-4", "Ostermoor-Siedlung", 3100, None),
        ],
    ),
]

# Organisations of the seed types (name, kind, short, Kommune index or None for Kreis-wide, fields)
ORGANISATIONEN = [
    (
        "AWO Kreisverband Lindenau e. V.",
        "Wohlfahrtsverband",
        "AWO",
        None,
        ["Kinder, Jugend und Familie", "Pflege", "Alter und Senior·innen"],
    ),
    (
        "Caritasverband für den Kreis Lindenau e. V.",
        "Wohlfahrtsverband",
        "Caritas",
        None,
        ["Existenzsicherung und Armut", "Integration und Migration", "Gesundheit"],
    ),
    (
        "Diakonisches Werk Lindenau-Hagenfeld",
        "Wohlfahrtsverband",
        "Diakonie",
        None,
        ["Wohnen", "Existenzsicherung und Armut", "Pflege"],
    ),
    (
        "DRK-Kreisverband Lindenau e. V.",
        "Wohlfahrtsverband",
        "DRK",
        None,
        ["Gesundheit", "Pflege", "Kinder, Jugend und Familie"],
    ),
    (
        "Der Paritätische – Kreisgruppe Lindenau",
        "Wohlfahrtsverband",
        "Paritätischer",
        None,
        ["Inklusion und Teilhabe", "Gesundheit"],
    ),
    (
        "Arbeitsgemeinschaft der Freien Wohlfahrtspflege im Kreis Lindenau",
        "Wohlfahrtsverband",
        "AG FW",
        None,
        ["Existenzsicherung und Armut"],
    ),
    (
        "Jobcenter Kreis Lindenau",
        "Jobcenter",
        "Jobcenter",
        None,
        ["Arbeit und Beschäftigung", "Existenzsicherung und Armut"],
    ),
    (
        "Kreisverwaltung Lindenau – Fachbereich Soziales",
        "Verwaltung/Fachbereich",
        "FB Soziales",
        None,
        ["Existenzsicherung und Armut", "Pflege"],
    ),
    ("Kreisjugendamt Lindenau", "Verwaltung/Fachbereich", "Jugendamt", None, ["Kinder, Jugend und Familie"]),
    ("Gesundheitsamt Kreis Lindenau", "Verwaltung/Fachbereich", "Gesundheitsamt", None, ["Gesundheit"]),
    ("Statistikstelle Kreis Lindenau", "Verwaltung/Fachbereich", "Statistik", None, []),
    ("Ausschuss für Soziales und Gesundheit des Kreistags", "Politik/Ausschuss", "ASG", None, ["Gesundheit", "Pflege"]),
    ("Jugendhilfeausschuss Kreis Lindenau", "Politik/Ausschuss", "JHA", None, ["Kinder, Jugend und Familie"]),
    ("Kreisseniorenbeirat Lindenau", "Selbsthilfe/Beirat", "Seniorenbeirat", None, ["Alter und Senior·innen"]),
    (
        "Beirat für Menschen mit Behinderung",
        "Selbsthilfe/Beirat",
        "Behindertenbeirat",
        None,
        ["Inklusion und Teilhabe"],
    ),
    ("Selbsthilfekontaktstelle Lindenau", "Selbsthilfe/Beirat", "KISS", 0, ["Gesundheit"]),
    ("Integrationsrat der Stadt Lindenau", "Selbsthilfe/Beirat", "Integrationsrat", 0, ["Integration und Migration"]),
    ("Familienzentrum Sonnenblume", "Schule/Kita", None, 0, ["Kinder, Jugend und Familie", "Bildung"]),
    ("Kita Regenbogen", "Schule/Kita", None, 0, ["Kinder, Jugend und Familie"]),
    ("Grundschule Am Mühlbach", "Schule/Kita", None, 0, ["Bildung"]),
    ("Gesamtschule Lindenau-Süd", "Schule/Kita", None, 0, ["Bildung", "Kinder, Jugend und Familie"]),
    ("Berufskolleg des Kreises Lindenau", "Schule/Kita", None, None, ["Bildung", "Arbeit und Beschäftigung"]),
    ("Ev. Kirchengemeinde Lindenau", "Kirche/Religionsgemeinschaft", None, 0, ["Alter und Senior·innen"]),
    ("Kath. Pfarrei St. Martin Hagenfeld", "Kirche/Religionsgemeinschaft", None, 1, ["Existenzsicherung und Armut"]),
    ("Moscheegemeinde Lindenau-Süd", "Kirche/Religionsgemeinschaft", None, 0, ["Integration und Migration"]),
    ("Wohnungsbaugesellschaft Lindenau mbH", "Wohnungswirtschaft", "WBL", 0, ["Wohnen"]),
    ("Bauverein Hagenfeld eG", "Wohnungswirtschaft", None, 1, ["Wohnen"]),
    ("Kreishandwerkerschaft Lindenau", "Wirtschaft", None, None, ["Arbeit und Beschäftigung"]),
    ("IHK-Geschäftsstelle Lindenau", "Wirtschaft", None, None, ["Arbeit und Beschäftigung"]),
    ("Hochschule für Soziale Arbeit Lindenau", "Wissenschaft", "HSA", 0, ["Bildung"]),
    ("Beschäftigungsinitiative Neustart gGmbH", "Freier Träger", "Neustart", 0, ["Arbeit und Beschäftigung"]),
    ("Jugendhilfe Lindenau gGmbH", "Freier Träger", None, 0, ["Kinder, Jugend und Familie"]),
    ("Lebenshilfe Lindenau e. V.", "Freier Träger", "Lebenshilfe", None, ["Inklusion und Teilhabe"]),
    ("Suchthilfe Kreis Lindenau e. V.", "Freier Träger", None, None, ["Gesundheit"]),
    ("Schuldnerberatung Lindenau", "Freier Träger", None, 0, ["Existenzsicherung und Armut"]),
    ("Tafel Lindenau e. V.", "Initiative/Verein", "Tafel", 0, ["Existenzsicherung und Armut"]),
    ("Migrationsberatung Hagenfeld", "Freier Träger", None, 1, ["Integration und Migration"]),
    ("Pflegedienst Lindenhof GmbH", "Privater Träger", None, 0, ["Pflege"]),
    ("Seniorenresidenz Am Park GmbH", "Privater Träger", None, 3, ["Pflege", "Alter und Senior·innen"]),
    ("Ambulanter Pflegedienst Ostermoor", "Privater Träger", None, 4, ["Pflege"]),
    ("Bildungswerk Altweiler e. V.", "Freier Träger", None, 3, ["Bildung"]),
    ("Jugendtreff Bruchhausen", "Freier Träger", None, 2, ["Kinder, Jugend und Familie"]),
    ("Familienbüro Ostermoor", "Verwaltung/Fachbereich", None, 4, ["Kinder, Jugend und Familie"]),
    ("Sozialamt Stadt Lindenau", "Verwaltung/Fachbereich", None, 0, ["Existenzsicherung und Armut"]),
    ("Sozialamt Stadt Hagenfeld", "Verwaltung/Fachbereich", None, 1, ["Existenzsicherung und Armut"]),
    ("Bürgerbüro Gemeinde Bruchhausen", "Verwaltung/Fachbereich", None, 2, []),
    ("Rat der Stadt Lindenau – Sozialausschuss", "Politik/Ausschuss", None, 0, []),
    ("Quartiersbüro Südstadt", "Initiative/Verein", None, 0, ["Wohnen", "Inklusion und Teilhabe"]),
    ("Nachbarschaftsverein Hohe Eiche e. V.", "Initiative/Verein", None, 0, ["Alter und Senior·innen"]),
    ("Sportverein TuS Lindenau 1898 e. V.", "Initiative/Verein", None, 0, ["Kinder, Jugend und Familie", "Gesundheit"]),
    (
        "Mehrgenerationenhaus Hagenfeld",
        "Freier Träger",
        None,
        1,
        ["Alter und Senior·innen", "Kinder, Jugend und Familie"],
    ),
    ("Frauenberatungsstelle Lindenau", "Freier Träger", None, 0, ["Gesundheit"]),
    ("Hebammenzentrum Lindenau", "Freier Träger", None, 0, ["Gesundheit", "Kinder, Jugend und Familie"]),
    ("Kinderklinik am Kreiskrankenhaus", "Freier Träger", None, None, ["Gesundheit"]),
    ("Stadtbibliothek Lindenau", "Verwaltung/Fachbereich", None, 0, ["Bildung"]),
    ("Volkshochschule Kreis Lindenau", "Verwaltung/Fachbereich", "VHS", None, ["Bildung", "Integration und Migration"]),
    ("Seniorentreff Altweiler", "Initiative/Verein", None, 3, ["Alter und Senior·innen"]),
    ("Elterninitiative Kornfeld e. V.", "Initiative/Verein", None, 1, ["Kinder, Jugend und Familie"]),
    ("Landfrauenverein Ostermoor", "Initiative/Verein", None, 4, []),
    ("Stadtwerke Lindenau", "Wirtschaft", None, 0, []),
]

FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elif",
    "Felix",
    "Greta",
    "Hakan",
    "Ida",
    "Jonas",
    "Katrin",
    "Lukas",
    "Mara",
    "Nils",
    "Olga",
    "Paul",
    "Rana",
    "Sven",
    "Tanja",
    "Ulrich",
    "Vera",
    "Wiebke",
    "Yusuf",
    "Zoe",
    "Andrea",
    "Bernd",
    "Chiara",
    "Dennis",
    "Esra",
    "Frank",
    "Gül",
    "Heike",
    "Ivan",
    "Julia",
    "Kai",
    "Lea",
]
LAST = [
    "Albers",
    "Brinkmann",
    "Cordes",
    "Demir",
    "Ehlers",
    "Friese",
    "Göbel",
    "Hansen",
    "Iwanowa",
    "Janßen",
    "Kaya",
    "Lüders",
    "Meyerhoff",
    "Nowak",
    "Oltmanns",
    "Petersen",
    "Quast",
    "Rehberg",
    "Schütte",
    "Tiedemann",
    "Uhlig",
    "Vogt",
    "Wessels",
    "Yilmaz",
    "Zander",
    "Böhm",
    "Kruse",
    "Lange",
    "Scholz",
    "Wolff",
]
FUNCTIONS = [
    "Geschäftsführung",
    "Fachbereichsleitung",
    "Einrichtungsleitung",
    "Sozialarbeiter·in",
    "Koordination",
    "Bereichsleitung Pflege",
    "Quartiersmanagement",
    "Vorsitz",
    "Referent·in",
    "Teamleitung",
]


@dataclass
class DemoContext:
    kreis: Body
    kommunen: list[Body]
    areas: dict[str, Area] = field(default_factory=dict)
    orgs: dict[str, Organisation] = field(default_factory=dict)
    persons: list[Person] = field(default_factory=list)
    users: dict[str, User] = field(default_factory=dict)
    terms: dict[str, object] = field(default_factory=dict)
    rng: random.Random = field(default_factory=lambda: random.Random(2026))


# Each module adds beteiligung/demo_steps/<NN>_<name>.py with `def run(ctx: DemoContext)`;
# they run in file-name order in the same transaction, after the Stammdaten and users.
def _demo_steps():
    import importlib
    import pkgutil

    from beteiligung import demo_steps

    for module in sorted(pkgutil.iter_modules(demo_steps.__path__), key=lambda m: m.name):
        yield importlib.import_module(f"beteiligung.demo_steps.{module.name}").run


# (Rolle, E-Mail, what they see) – printed by `make run` and listed in the README.
DEMO_LOGINS: list[tuple[str, str, str]] = []


def is_empty() -> bool:
    return not db.session.scalar(select(func.count()).select_from(Body))


def load_demo() -> DemoContext:
    """A job: loads everything in one unit of work (all or nothing)."""
    with unit_of_work():
        return _load_demo()


def _load_demo() -> DemoContext:
    rng = random.Random(2026)
    terms = {}
    for cls, names in ((Handlungsfeld, HANDLUNGSFELDER), (Zielgruppe, ZIELGRUPPEN), (Thema, THEMEN)):
        for name in names:
            t = cls(name=name, vocabulary=cls.__mapper_args__["polymorphic_identity"])
            db.session.add(t)
            terms[name] = t
    kreis = Body(name="Kreis Lindenau", kind="Kreis", code="09970", population=175700)
    db.session.add(kreis)
    ctx = DemoContext(kreis=kreis, kommunen=[], terms=terms, rng=rng)
    for name, ags, population, areas in KOMMUNEN:
        kommune = Body(name=name, kind="Kommune", code=ags, population=population, parent=kreis)
        db.session.add(kommune)
        ctx.kommunen.append(kommune)
        for code, area_name, pop, parent_code in areas:
            area = Area(
                body=kommune,
                code=code,
                name=area_name,
                population=pop,
                kind="Stadtbezirk" if code.startswith("SB") else "Sozialraum",
                parent=ctx.areas.get(parent_code),
                valid_from=date(2021, 1, 1),
            )
            db.session.add(area)
            ctx.areas[code] = area
    # One revised area shows history: the old cut of the Bahnhofsviertel ended in 2020.
    db.session.add(
        Area(
            body=ctx.kommunen[0],
            code="SR-02-alt",
            name="Bahnhofsviertel (Zuschnitt bis 2020)",
            population=15100,
            kind="Sozialraum",
            valid_from=date(2012, 1, 1),
            valid_to=date(2020, 12, 31),
            description="Vor der Neugliederung 2021 gehörte der Bereich um den Güterbahnhof dazu.",
        )
    )
    social_areas = [a for a in ctx.areas.values() if a.kind == "Sozialraum"]
    for name, kind, short, kommune_index, fields in ORGANISATIONEN:
        body = kreis if kommune_index is None else ctx.kommunen[kommune_index]
        if kommune_index is None:
            areas = rng.sample(social_areas, 4)
        else:
            local = [a for a in social_areas if a.body is body]
            areas = rng.sample(local, min(len(local), rng.randint(1, 2)))
        org = Organisation(
            body=body,
            name=name,
            kind=kind,
            short_name=short,
            city=body.name.split(" ", 1)[1],
            postcode=f"{rng.randint(31000, 31999)}",
            street=f"{rng.choice(['Hauptstraße', 'Lindenallee', 'Marktplatz', 'Kirchweg', 'Bahnhofstraße'])} {rng.randint(1, 80)}",
            email=f"kontakt@{_slug(short or name)}.example",
            phone=f"0{rng.randint(4000, 4999)} {rng.randint(10000, 99999)}",
            areas=areas,
            terms=[terms[f] for f in fields],
        )
        if kind in ("Schule/Kita", "Wohlfahrtsverband") and rng.random() < 0.5:
            org.terms.append(terms[rng.choice(ZIELGRUPPEN)])
        db.session.add(org)
        ctx.orgs[short or name] = org
    orgs = list(ctx.orgs.values())
    for i in range(150):
        first, last = FIRST[i % len(FIRST)], LAST[(i * 7) % len(LAST)]
        org = orgs[i % len(orgs)]
        consent = i % 9 != 0
        person = Person(
            body=org.body,
            first_name=first,
            last_name=last,
            function=FUNCTIONS[i % len(FUNCTIONS)],
            organisation=org,
            email=f"{_slug(first)}.{_slug(last)}{i}@{_slug(org.short_name or org.name)}.example",
            phone=f"0{rng.randint(4000, 4999)} {rng.randint(10000, 99999)}",
            consent_given=consent,
            consent_date=date(2025, 1 + i % 12, 1 + i % 27) if consent else None,
            consent_purpose="Einladungen zu Gremien und Netzwerkarbeit" if consent else None,
        )
        db.session.add(person)
        ctx.persons.append(person)
    db.session.flush()
    _demo_users(ctx)
    for step in _demo_steps():
        step(ctx)
        db.session.flush()
    return ctx


def _slug(text: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "·": "", "é": "e"})
    return "".join(c for c in text.lower().translate(table) if c.isalnum())[:24] or "org"


def _person(ctx, first, last, function, org, email) -> Person:
    p = Person(
        body=org.body,
        first_name=first,
        last_name=last,
        function=function,
        organisation=org,
        email=email,
        consent_given=True,
        consent_date=date(2025, 3, 1),
        consent_purpose="Zugang zur Plattform",
    )
    db.session.add(p)
    ctx.persons.append(p)
    return p


def _demo_users(ctx: DemoContext) -> None:
    kreis, lindenau = ctx.kreis, ctx.kommunen[0]
    fb = ctx.orgs["FB Soziales"]
    DEMO_LOGINS.clear()
    specs = [
        (
            "admin",
            "Administration",
            "admin@lindenau.example",
            "Alex Admin",
            None,
            [{"role": ROLE_ADMIN}],
            "alles, auch Konten und Postausgang",
        ),
        (
            "planung",
            "Sozialplanung (Kreis)",
            "planung@kreis-lindenau.example",
            "Sabine Korte",
            ("Sabine", "Korte", "Sozialplanerin", fb),
            [{"role": ROLE_PLANNER, "body_id": kreis.id, "function_title": "Stabsstelle Sozialplanung"}],
            "Kreis Lindenau: volle Rechte",
        ),
        (
            "planung_kommune",
            "Sozialplanung (Kommune)",
            "planung@stadt-lindenau.example",
            "Jens Haverkamp",
            ("Jens", "Haverkamp", "Sozialplaner", ctx.orgs["Sozialamt Stadt Lindenau"]),
            [{"role": ROLE_PLANNER, "body_id": lindenau.id, "function_title": "Sozialplanung Stadt Lindenau"}],
            "Stadt Lindenau: volle Rechte",
        ),
        (
            "srm",
            "Sozialraummanagement",
            "sozialraum.sued@stadt-lindenau.example",
            "Aylin Demirtaş",
            ("Aylin", "Demirtaş", "Sozialraummanagerin", ctx.orgs["Sozialamt Stadt Lindenau"]),
            [{"role": ROLE_AREA_MANAGER, "areas": [ctx.areas["SR-05"], ctx.areas["SR-06"], ctx.areas["SR-07"]]}],
            "Südstadt, Hohe Eiche, Kastanienhof",
        ),
        (
            "partner",
            "Partner (Wohlfahrtsverband)",
            "partner@awo-lindenau.example",
            "Petra Lohmann",
            ("Petra", "Lohmann", "Geschäftsführung", ctx.orgs["AWO"]),
            [{"role": ROLE_PARTNER, "organisation_id": ctx.orgs["AWO"].id}],
            "nur AWO Kreisverband Lindenau",
        ),
        (
            "jobcenter",
            "Partner (Jobcenter)",
            "partner@jobcenter-lindenau.example",
            "Murat Şahin",
            ("Murat", "Şahin", "Teamleitung Markt und Integration", ctx.orgs["Jobcenter"]),
            [{"role": ROLE_PARTNER, "organisation_id": ctx.orgs["Jobcenter"].id}],
            "nur Jobcenter Kreis Lindenau",
        ),
        (
            "politik",
            "Politik (Ausschuss)",
            "politik@kreis-lindenau.example",
            "Dr. Hanna Berger",
            None,
            [{"role": ROLE_POLITICS, "body_id": kreis.id}],
            "liest Beschlüsse und Ergebnisse",
        ),
    ]
    for key, role_label, email, name, person_spec, roles, sees in specs:
        person = _person(ctx, *person_spec[:3], person_spec[3], email) if person_spec else None
        db.session.flush()
        user = create_user_direct(email, name, DEMO_PASSWORD, roles, person_id=person.id if person else None)
        ctx.users[key] = user
        DEMO_LOGINS.append((role_label, email, sees))
    # The Kreis planner's function is deputised by the Kommune planner (inactive until switched on).
    db.session.flush()
    ctx.users["planung"].roles[0].deputy = ctx.users["planung_kommune"]


def demo_logins() -> list[tuple[str, str, str]]:
    """The demo logins that exist in the database (for `flask logins` and `make run`)."""
    rows = []
    emails = [e for _r, e, _s in DEMO_LOGINS] or None
    known = {
        "admin@lindenau.example": ("Administration", "alles, auch Konten und Postausgang"),
        "planung@kreis-lindenau.example": ("Sozialplanung (Kreis)", "Kreis Lindenau: volle Rechte"),
        "planung@stadt-lindenau.example": ("Sozialplanung (Kommune)", "Stadt Lindenau: volle Rechte"),
        "sozialraum.sued@stadt-lindenau.example": ("Sozialraummanagement", "Südstadt, Hohe Eiche, Kastanienhof"),
        "partner@awo-lindenau.example": ("Partner (Wohlfahrtsverband)", "nur AWO Kreisverband Lindenau"),
        "partner@jobcenter-lindenau.example": ("Partner (Jobcenter)", "nur Jobcenter Kreis Lindenau"),
        "politik@kreis-lindenau.example": ("Politik (Ausschuss)", "liest Beschlüsse und Ergebnisse"),
    }
    present = set(db.session.scalars(select(User.email).where(User.email.in_(list(known)))))
    for email, (role, sees) in known.items():
        if email in present:
            rows.append((role, email, sees))
    del emails
    return rows
