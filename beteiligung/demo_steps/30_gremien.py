"""Demo: Gremien und Sitzungen of the Kreis Lindenau.

- Sozialplanungskonferenz des Kreises (Mitglieder mit Mandat: AWO, Caritas, Diakonie, DRK,
  Paritätischer, Jobcenter, Jugendamt, FB Soziales, Gesundheitsamt, Seniorenbeirat …),
  alle zwei Monate; one past meeting (durchgeführt) and a series of upcoming meetings,
  the next one invited with answers.
- Sozialraumkonferenzen Südstadt (SR-05) and Hohe Eiche (SR-06), public, run by the
  Sozialraummanagement (ctx.users["srm"]); Südstadt with a past and an upcoming meeting
  (public registration, one non-public TOP).
- Werkstatt „Kinderarmut wirksam begegnen“.

ctx.committees = {"spk", "srk_suedstadt", "srk_hoheeiche", "werkstatt"}
ctx.meetings = {"spk_next", "spk_past", "srk_suedstadt_past", "srk_suedstadt_next"}
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import BERLIN
from beteiligung.services.gremien import einladungen as inv_svc
from beteiligung.services.gremien import gremien as gremien_svc
from beteiligung.services.gremien import mitglieder as mitglieder_svc
from beteiligung.services.gremien import sitzungen as sitzungen_svc
from beteiligung.services.gremien import tagesordnung as tagesordnung_svc
from beteiligung.services.gremien import themen as themen_svc
from models import CommitteeType, Invitation


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    """Berlin wall time `days` from today → naive UTC."""
    day = (datetime.now(BERLIN) + timedelta(days=days)).date()
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC).replace(tzinfo=None)


def _type(name):
    return db.session.scalar(select(CommitteeType).where(CommitteeType.name == name))


def _roles(user, meetings, holders: dict) -> None:
    """Meeting roles: a Person (the demo accounts' persons) or a name without a person record."""
    from beteiligung.services.protokolle import anwesenheit

    persons = {role: h.id for role, h in holders.items() if not isinstance(h, str)}
    names = {role: h for role, h in holders.items() if isinstance(h, str)}
    db.session.flush()
    for m in meetings:
        anwesenheit.set_meeting_roles(user, m, persons, names)


def _persons_of(ctx, org):
    return [p for p in ctx.persons if p.organisation is org]


def _members(ctx, user, committee, specs):
    for key, role, mandate, circle in specs:
        org = ctx.orgs[key]
        people = _persons_of(ctx, org)
        if not people:
            continue
        person, deputy = people[0], (people[1] if len(people) > 1 else None)
        mitglieder_svc.add_membership(
            user,
            committee,
            {
                "person_id": person.id,
                "organisation_id": org.id,
                "deputy_id": deputy.id if deputy else None,
                "role": role,
                "has_mandate": mandate,
                "circle": circle,
                "start_date": None,
                "end_date": None,
            },
        )


def _add_user_member(user, committee, person, org, role, mandate=True):
    mitglieder_svc.add_membership(
        user,
        committee,
        {
            "person_id": person.id,
            "organisation_id": org.id if org else None,
            "deputy_id": None,
            "role": role,
            "has_mandate": mandate,
            "circle": "Kernkreis",
            "start_date": None,
            "end_date": None,
        },
    )


def _items(user, meeting, rows):
    for title, goal, minutes, presenter, public in rows:
        tagesordnung_svc.add_item(
            user,
            meeting,
            {"title": title, "goal": goal, "duration_minutes": minutes, "presenter": presenter, "is_public": public},
        )


def run(ctx) -> None:
    planung, srm = ctx.users["planung"], ctx.users["srm"]
    lindenau = ctx.kommunen[0]
    t = ctx.terms

    # --- Sozialplanungskonferenz -------------------------------------------------------
    spk = gremien_svc.create_committee(
        planung,
        {
            "name": "Sozialplanungskonferenz Kreis Lindenau",
            "type_id": _type("Sozialplanungskonferenz").id,
            "body_id": ctx.kreis.id,
            "is_public": False,
            "cadence": "alle zwei Monate",
            "quorum": 8,
            "active": True,
            "purpose": "Koordiniert die Fachplanungen des Kreises und der kreisangehörigen Kommunen, priorisiert "
            "Zielgruppen und führt die Ergebnisse der Sozialraumkonferenzen **bottom-up** zusammen. "
            "Die Mitglieder haben ein Mandat ihrer Organisation; Ergebnisse sind verbindlich und dokumentiert.",
            "terms": [t["Existenzsicherung und Armut"], t["Kinder, Jugend und Familie"], t["Pflege"], t["Wohnen"]],
        },
    )
    db.session.flush()
    _add_user_member(planung, spk, planung.person, ctx.orgs["FB Soziales"], "Vorsitz (Stabsstelle Sozialplanung)")
    _members(
        ctx,
        planung,
        spk,
        [
            ("AWO", "Mitglied", True, "Kernkreis"),
            ("Caritas", "Mitglied", True, "Kernkreis"),
            ("Diakonie", "Mitglied", True, "Kernkreis"),
            ("DRK", "Mitglied", True, "Kernkreis"),
            ("Paritätischer", "Mitglied", True, "Kernkreis"),
            ("Jugendamt", "Mitglied (Jugendhilfeplanung)", True, "Kernkreis"),
            ("Gesundheitsamt", "Mitglied (Gesundheitsplanung)", True, "Kernkreis"),
            ("Seniorenbeirat", "Mitglied", True, "Kernkreis"),
            ("Statistik", "beratend", False, "erweiterter Kreis"),
            ("HSA", "beratend (Wissenschaft)", False, "erweiterter Kreis"),
            ("VHS", "Gast", False, "erweiterter Kreis"),
        ],
    )
    _add_user_member(planung, spk, ctx.users["partner"].person, ctx.orgs["AWO"], "Mitglied (Geschäftsführung)")
    _add_user_member(planung, spk, ctx.users["jobcenter"].person, ctx.orgs["Jobcenter"], "Mitglied")
    _add_user_member(
        planung, spk, srm.person, ctx.orgs["Sozialamt Stadt Lindenau"], "Vertretung der Sozialraumkonferenzen Süd"
    )
    _add_user_member(
        planung,
        spk,
        ctx.users["planung_kommune"].person,
        ctx.orgs["Sozialamt Stadt Lindenau"],
        "Sozialplanung Stadt Lindenau",
    )

    spk_past = sitzungen_svc.create_meetings(
        planung,
        spk,
        {
            "title": "Sozialplanungskonferenz – Sozialraumprofile und Zielgruppen",
            "start": _at(-40, 14),
            "end": _at(-40, 17),
            "location": "Kreishaus Lindenau, Sitzungssaal 2",
            "goals": "- Sozialraumprofile 2026 gemeinsam bewerten\n- Prioritäre Zielgruppen für 2027 festlegen\n"
            "- Auftrag an die AG Kinderarmut beschließen",
        },
    )[0]
    _items(
        planung,
        spk_past,
        [
            ("Begrüßung, Protokoll der letzten Sitzung", "Protokoll genehmigen", 10, "Vorsitz", True),
            (
                "Sozialraumprofile 2026",
                "Auffälligkeiten je Sozialraum gemeinsam einordnen",
                45,
                "Statistikstelle",
                True,
            ),
            (
                "Berichte aus den Sozialraumkonferenzen Süd",
                "Bedarfe aus Südstadt und Hohe Eiche aufnehmen",
                30,
                "Sozialraummanagement",
                True,
            ),
            ("Prioritäre Zielgruppen 2027", "Beschluss über drei Zielgruppen", 40, "Sozialplanung", True),
            ("Verschiedenes", None, 10, None, True),
        ],
    )
    spk_past.status = "durchgeführt"
    spk_roles = {
        "sitzungsleitung": planung.person,
        "moderation": ctx.users["planung_kommune"].person,
        "protokollfuehrung": srm.person,
    }
    _roles(planung, [spk_past], spk_roles)

    series = sitzungen_svc.create_meetings(
        planung,
        spk,
        {
            "title": "Sozialplanungskonferenz",
            "start": _at(20, 14),
            "end": _at(20, 17),
            "location": "Kreishaus Lindenau, Sitzungssaal 2",
            "goals": "- Handlungsempfehlungen der Sozialraumkonferenzen beraten\n"
            "- Eckpunkte für die Zielvereinbarungen mit den Wohlfahrtsverbänden abstimmen\n"
            "- Zeitplan Sozialbericht 2027 beschließen",
        },
        repeat="zweimonatlich",
        count=6,
    )
    _roles(planung, series, spk_roles)
    spk_next = series[0]
    spk_next.title = "Sozialplanungskonferenz – Empfehlungen und Eckpunkte der Zielvereinbarungen"
    _items(
        planung,
        spk_next,
        [
            (
                "Begrüßung und Genehmigung des Protokolls",
                "Protokoll der letzten Sitzung genehmigen",
                10,
                "Vorsitz",
                True,
            ),
            (
                "Empfehlungen der Sozialraumkonferenz Südstadt",
                "Über die Weitergabe an die Fachplanung entscheiden",
                30,
                "Aylin Demirtaş (Sozialraummanagement)",
                True,
            ),
            (
                "Eckpunkte Zielvereinbarungen 2027",
                "Gemeinsame Eckpunkte (Ziele, Kennzahlen, Berichtspflicht) abstimmen",
                45,
                "Sozialplanung",
                True,
            ),
            ("Personalangelegenheiten der Geschäftsstelle", "Information", 15, "Vorsitz", False),
            ("Zeitplan Sozialbericht 2027", "Beschluss des Zeitplans", 20, "Statistikstelle", True),
        ],
    )
    db.session.flush()
    rows, _no_mail, _already = inv_svc.candidates(spk_next)
    inv_svc.invite(planung, spk_next, rows, len(rows))
    db.session.flush()
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.meeting_id == spk_next.id).order_by(Invitation.id)
    ).all()
    answers = ["zugesagt", "zugesagt", "abgesagt", "vielleicht", "zugesagt", "vertreten", "zugesagt"]
    for inv, answer in zip(invitations, answers):
        deputy = None
        if answer == "vertreten":
            deputy = next(
                (p for p in ctx.persons if p.organisation_id == inv.organisation_id and p.id != inv.person_id), None
            )
            if deputy is None:
                answer = "zugesagt"
        inv_svc.answer(
            inv_svc.rsvp_token(inv.meeting_id, inv.person_id),
            answer,
            deputy.id if deputy else None,
            "Ich bringe die Zahlen unserer Beratungsstellen mit." if answer == "zugesagt" else None,
        )
    themen_svc.propose_topic(
        planung,
        spk,
        "Wohnungsnot Alleinerziehender in der Südstadt",
        "Die Sozialraumkonferenz Südstadt meldet steigende Zahlen; Bitte um Befassung.",
        "sonstiges",
        None,
        "Sozialraumkonferenz Südstadt",
    )
    themen_svc.propose_topic(
        ctx.users["partner"],
        spk,
        "Fachkräftemangel in der ambulanten Pflege",
        "Die AWO schlägt einen gemeinsamen Fachtag mit DRK und Diakonie vor.",
        "mitglied",
        None,
        "Vorschlag der AWO",
    )

    # --- Sozialraumkonferenzen ----------------------------------------------------------
    srk_sued = gremien_svc.create_committee(
        srm,
        {
            "name": "Sozialraumkonferenz Südstadt",
            "type_id": _type("Sozialraumkonferenz").id,
            "body_id": lindenau.id,
            "is_public": True,
            "cadence": "alle drei Monate",
            "active": True,
            "purpose": "Öffentliche Konferenz für alle, die in der Südstadt leben und arbeiten. Ergebnisse gehen an die "
            "Sozialplanungskonferenz.",
            "areas": [ctx.areas["SR-05"]],
            "terms": [t["Wohnen"], t["Kinder, Jugend und Familie"]],
        },
    )
    srk_hohe = gremien_svc.create_committee(
        srm,
        {
            "name": "Sozialraumkonferenz Hohe Eiche",
            "type_id": _type("Sozialraumkonferenz").id,
            "body_id": lindenau.id,
            "is_public": True,
            "cadence": "alle drei Monate",
            "active": True,
            "purpose": "Öffentliche Konferenz für den Sozialraum Hohe Eiche.",
            "areas": [ctx.areas["SR-06"]],
            "terms": [t["Alter und Senior·innen"]],
        },
    )
    db.session.flush()
    local = [
        "Quartiersbüro Südstadt",
        "Familienzentrum Sonnenblume",
        "Kita Regenbogen",
        "Gesamtschule Lindenau-Süd",
        "Moscheegemeinde Lindenau-Süd",
        "WBL",
        "Tafel",
        "Jugendhilfe Lindenau gGmbH",
        "AWO",
        "Jobcenter",
    ]
    _add_user_member(srm, srk_sued, srm.person, ctx.orgs["Sozialamt Stadt Lindenau"], "Vorsitz (Sozialraummanagement)")
    _members(
        ctx,
        srm,
        srk_sued,
        [(k, "Mitglied", False, "Kernkreis" if i < 6 else "erweiterter Kreis") for i, k in enumerate(local)],
    )
    _add_user_member(srm, srk_hohe, srm.person, ctx.orgs["Sozialamt Stadt Lindenau"], "Vorsitz (Sozialraummanagement)")
    _members(
        ctx,
        srm,
        srk_hohe,
        [
            (k, "Mitglied", False, "Kernkreis")
            for k in ("Nachbarschaftsverein Hohe Eiche e. V.", "Ev. Kirchengemeinde Lindenau", "Seniorenbeirat", "DRK")
        ],
    )

    srk_past = sitzungen_svc.create_meetings(
        srm,
        srk_sued,
        {
            "title": "Sozialraumkonferenz Südstadt – Wohnen und Spielplatz",
            "start": _at(-55, 18),
            "end": _at(-55, 20, 30),
            "location": "Bürgerhaus Südstadt, Saal",
            "is_public": True,
            "goals": "- Wohnsituation von Familien besprechen\n- Bedarf an Frühen Hilfen klären",
        },
    )[0]
    _items(
        srm,
        srk_past,
        [
            (
                "Was hat sich seit der letzten Konferenz getan?",
                "Rückmeldung zu den Anliegen der letzten Konferenz",
                20,
                "Sozialraummanagement",
                True,
            ),
            ("Wohnen für Familien in der Südstadt", "Erfahrungen sammeln, Bedarfe benennen", 45, "Quartiersbüro", True),
            (
                # the Empfehlung (Familienhebammen, Sprechstunde) of the demo protocol is recorded on this TOP
                "Frühe Hilfen für Familien in der Südstadt",
                "Bedarf an Familienhebammen und Beratung klären",
                30,
                "Familienzentrum Sonnenblume",
                True,
            ),
        ],
    )
    srk_past.status = "durchgeführt"
    _roles(srm, [srk_past], {"sitzungsleitung": srm.person})
    srk_next = sitzungen_svc.create_meetings(
        srm,
        srk_sued,
        {
            "title": "Sozialraumkonferenz Südstadt – Ergebnisse der Befragung",
            "start": _at(12, 18),
            "end": _at(12, 20, 30),
            "location": "Bürgerhaus Südstadt, Saal",
            "is_public": True,
            "registration_open": True,
            "capacity": 80,
            "registration_fields": "organisation,accessibility",
            "goals": "- Ergebnisse der Befragung „Leben in der Südstadt“ vorstellen\n"
            "- Empfehlungen an die Sozialplanungskonferenz formulieren",
        },
    )[0]
    _roles(
        srm,
        [srk_next],
        {
            "sitzungsleitung": srm.person,
            "moderation": "Quartiersbüro Südstadt",
            "protokollfuehrung": "Sozialamt Stadt Lindenau",
        },
    )
    _items(
        srm,
        srk_next,
        [
            (
                "Begrüßung und Rückblick",
                "Stand der Anliegen aus der letzten Konferenz",
                15,
                "Sozialraummanagement",
                True,
            ),
            (
                "Befragung „Leben in der Südstadt“: Ergebnisse",
                "Ergebnisse verstehen und gewichten",
                40,
                "Sozialplanung Stadt Lindenau",
                True,
            ),
            (
                "Empfehlungen an die Sozialplanungskonferenz",
                "Zwei bis drei Empfehlungen beschließen",
                45,
                "Moderation",
                True,
            ),
            (
                "Einzelfallbezogene Wohnungsnotfälle",
                "Abstimmung der Fachstellen (vertraulich)",
                20,
                "Fachstelle Wohnen",
                False,
            ),
        ],
    )
    db.session.flush()
    rows, _n, _a = inv_svc.candidates(srk_next, circles=["Kernkreis"])
    inv_svc.invite(srm, srk_next, rows, len(rows))
    hohe = sitzungen_svc.create_meetings(
        srm,
        srk_hohe,
        {
            "title": "Sozialraumkonferenz Hohe Eiche",
            "start": _at(26, 17),
            "end": _at(26, 19),
            "location": "Nachbarschaftstreff Hohe Eiche",
            "is_public": True,
            "registration_open": True,
            "capacity": 40,
            "registration_fields": "remarks",
            "goals": "- Angebote für ältere Menschen im Quartier sichtbar machen",
        },
    )
    _roles(srm, hohe, {"sitzungsleitung": srm.person})
    themen_svc.propose_topic(
        srm,
        srk_sued,
        "Mehr Sitzbänke und Schatten am Marktplatz",
        "Wunsch aus der letzten Konferenz",
        "mitglied",
        None,
        "Sozialraumkonferenz Südstadt",
    )

    # --- Werkstatt ------------------------------------------------------------------------
    werkstatt = gremien_svc.create_committee(
        planung,
        {
            "name": "Werkstatt „Kinderarmut wirksam begegnen“",
            "type_id": _type("Werkstatt").id,
            "body_id": ctx.kreis.id,
            "is_public": False,
            "cadence": "nach Bedarf",
            "active": True,
            "purpose": "Arbeitsformat der Sozialplanungskonferenz: Präventionskette von der Geburt bis zum Berufseinstieg.",
            "terms": [t["Kinder, Jugend und Familie"], t["Existenzsicherung und Armut"]],
        },
    )
    db.session.flush()
    _members(
        ctx,
        planung,
        werkstatt,
        [
            ("Jugendamt", "Mitglied", True, "Kernkreis"),
            ("Caritas", "Mitglied", True, "Kernkreis"),
            ("Familienzentrum Sonnenblume", "Mitglied", False, "Kernkreis"),
            ("Jobcenter", "Mitglied", True, "Kernkreis"),
        ],
    )
    w_meeting = sitzungen_svc.create_meetings(
        planung,
        werkstatt,
        {
            "title": "Werkstatt Kinderarmut – Präventionskette",
            "start": _at(33, 9, 30),
            "end": _at(33, 15),
            "location": "Familienzentrum Sonnenblume",
            "goals": "- Lücken der Präventionskette je Lebensphase benennen\n- Zwei Pilotmaßnahmen auswählen",
        },
    )[0]
    _roles(planung, [w_meeting], {"sitzungsleitung": planung.person})
    _items(
        planung,
        w_meeting,
        [
            (
                "Lebensphasen und Angebote – Bestandsaufnahme",
                "Gemeinsames Bild der Angebote",
                90,
                "Jugendhilfeplanung",
                True,
            ),
            ("Lücken und Pilotmaßnahmen", "Zwei Pilotmaßnahmen auswählen", 120, "Moderation", True),
        ],
    )
    db.session.flush()
    ctx.committees = {"spk": spk, "srk_suedstadt": srk_sued, "srk_hoheeiche": srk_hohe, "werkstatt": werkstatt}
    ctx.meetings = {
        "spk_next": spk_next,
        "spk_past": spk_past,
        "srk_suedstadt_past": srk_past,
        "srk_suedstadt_next": srk_next,
    }
