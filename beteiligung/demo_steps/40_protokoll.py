"""Demo: protocols, the bottom-up flow and an open point that is followed up.

The Sozialraumkonferenz Südstadt recorded an Empfehlung (more Familienhebammen and a
Quartiersbüro-Sprechstunde), forwarded it to the Themenspeicher of the
Sozialplanungskonferenz; the SPK placed it on a TOP, took a binding Beschluss and gave
the AWO an Aufgabe with a due date. That task shows as an "Offener Punkt" on the next
SPK meeting until it is done. Uses committees/meetings of the Gremien step when present.
"""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select

from beteiligung.extensions import db
from beteiligung.formatting import to_berlin
from beteiligung.services.protokolle import anwesenheit
from models import AgendaItem, Committee, CommitteeType, Meeting, Membership, TopicProposal, utcnow
from models.protocols import Attendance, Protocol, ProtocolEntry, ProtocolRevision, RevisionAction


def _type(name):
    return db.session.scalar(select(CommitteeType).where(CommitteeType.name == name))


def _meeting(committee, start, title, items):
    m = Meeting(
        committee=committee,
        title=title,
        start=start,
        end=start + timedelta(hours=2),
        location="Kreishaus Lindenau, Sitzungssaal 2"
        if "Sozialplanung" in committee.name
        else "Stadtteilzentrum Südstadt",
        status="eingeladen",
        ical_uid=f"{uuid.uuid4()}@demo.beteiligung",
    )
    db.session.add(m)
    for i, title_ in enumerate(items, start=1):
        m.agenda_items.append(AgendaItem(position=i, number=str(i), title=title_))
    return m


def _members(ctx, committee, org_keys):
    by_org = {}
    for p in ctx.persons:
        if p.organisation is not None:
            by_org.setdefault(p.organisation.id, p)
    for key in org_keys:
        org = ctx.orgs.get(key)
        person = by_org.get(org.id) if org is not None else None
        if person is not None:
            committee.memberships.append(Membership(person=person, organisation=org, has_mandate=True, role="Mitglied"))


def _ensure_structures(ctx):
    committees = dict(getattr(ctx, "committees", {}) or {})
    meetings = dict(getattr(ctx, "meetings", {}) or {})
    now = utcnow().replace(second=0, microsecond=0)
    base = now.replace(hour=15, minute=0)
    if "spk" not in committees:
        spk = Committee(
            body=ctx.kreis,
            type=_type("Sozialplanungskonferenz"),
            name="Sozialplanungskonferenz Kreis Lindenau",
            purpose="Koordiniert die Fachplanungen und beschließt verbindliche Empfehlungen.",
            quorum=5,
            cadence="vierteljährlich",
        )
        db.session.add(spk)
        _members(
            ctx,
            spk,
            [
                "AWO",
                "Caritas",
                "Diakonie",
                "DRK",
                "Jobcenter",
                "FB Soziales",
                "Jugendamt",
                "Gesundheitsamt",
                "Paritätischer",
            ],
        )
        committees["spk"] = spk
    if "srk_suedstadt" not in committees:
        srk = Committee(
            body=ctx.kommunen[0],
            type=_type("Sozialraumkonferenz"),
            name="Sozialraumkonferenz Südstadt",
            purpose="Öffentliche Konferenz der Akteure im Sozialraum Südstadt.",
            is_public=True,
            cadence="alle zwei Monate",
            areas=[ctx.areas["SR-05"]],
        )
        db.session.add(srk)
        _members(ctx, srk, ["AWO", "Caritas", "Quartiersbüro Südstadt", "Jobcenter", "Jugendamt"])
        committees["srk_suedstadt"] = srk
    spk, srk = committees["spk"], committees["srk_suedstadt"]
    if "srk_suedstadt_past" not in meetings:
        meetings["srk_suedstadt_past"] = _meeting(
            srk,
            base - timedelta(days=35),
            "Sozialraumkonferenz Südstadt",
            ["Begrüßung und Protokoll", "Aus dem Quartier", "Frühe Hilfen in der Südstadt", "Verschiedenes"],
        )
    if "spk_past" not in meetings:
        meetings["spk_past"] = _meeting(
            spk,
            base - timedelta(days=9),
            "Sozialplanungskonferenz",
            ["Genehmigung des Protokolls", "Bericht der Sozialplanung", "Verschiedenes"],
        )
    if "spk_next" not in meetings:
        meetings["spk_next"] = _meeting(
            spk,
            base + timedelta(days=45),
            "Sozialplanungskonferenz",
            ["Genehmigung des Protokolls", "Offene Punkte", "Verschiedenes"],
        )
    db.session.flush()
    return committees, meetings


def _attendance(meeting, committee, absent_orgs=(), excused=1):
    members = db.session.scalars(
        select(Membership).where(Membership.committee_id == committee.id).order_by(Membership.id)
    ).all()
    done = 0
    for m in members:
        org_key = m.organisation.short_name if m.organisation else None
        if org_key in absent_orgs:
            status = "abwesend"
        elif done < excused and m.organisation and m.organisation.short_name not in ("AWO",):
            status, done = "entschuldigt", done + 1
        else:
            status = "anwesend"
        db.session.add(
            Attendance(meeting=meeting, person_id=m.person_id, organisation_id=m.organisation_id, status=status)
        )


def _entry(protocol, author, position, kind, text, item=None, **kw):
    e = ProtocolEntry(
        protocol=protocol, position=position, kind=kind, text=text, agenda_item=item, author_id=author.id, **kw
    )
    if kind in ("Beschluss", "Aufgabe") and "status" not in kw:
        e.status = "offen"
    if kind in ("Beschluss", "Aufgabe"):
        e.status_changed_at = protocol.meeting.start
    db.session.add(e)
    db.session.flush()
    db.session.add(
        ProtocolRevision(
            protocol_id=protocol.id,
            entry_id=e.id,
            edition=1,
            action=RevisionAction.EINTRAG_NEU,
            author_id=author.id,
            created_at=protocol.meeting.end,
            data={"kind": kind, "text": text},
        )
    )
    return e


def run(ctx) -> None:
    committees, meetings = _ensure_structures(ctx)
    spk, srk = committees["spk"], committees["srk_suedstadt"]
    srk_past, spk_past, spk_next = meetings["srk_suedstadt_past"], meetings["spk_past"], meetings["spk_next"]
    planung, srm = ctx.users["planung"], ctx.users["srm"]
    awo = ctx.orgs["AWO"]

    # Sozialraumkonferenz Südstadt: roles, attendance, approved protocol with the Empfehlung
    anwesenheit.set_meeting_roles(
        srm,
        srk_past,
        {
            "sitzungsleitung": srm.person_id,
            "moderation": srm.person_id,
            "protokollfuehrung": ctx.users["planung_kommune"].person_id,
        },
    )
    _attendance(srk_past, srk)
    srk_past.status = "protokolliert"
    p1 = Protocol(
        meeting=srk_past,
        status="genehmigt",
        edition=1,
        sent_at=srk_past.end + timedelta(days=2),
        objection_deadline=(srk_past.end + timedelta(days=16)).date(),
        approved_at=srk_past.end + timedelta(days=17),
        approved_by_id=srm.id,
        approval_note="ohne Einwände nach Ablauf der Frist",
    )
    db.session.add(p1)
    db.session.flush()
    items = list(srk_past.agenda_items)
    top_hilfen = items[2] if len(items) > 2 else (items[-1] if items else None)
    top_quartier = items[1] if len(items) > 1 else None
    _entry(
        p1,
        srm,
        1,
        "Information",
        "Das Quartiersbüro berichtet über 140 Beratungskontakte im Quartal; "
        "ein Drittel betraf Familien mit Kindern unter drei Jahren.",
        top_quartier,
    )
    _entry(
        p1,
        srm,
        2,
        "Erkenntnis",
        "Junge Familien in der Südstadt warten bis zu acht Wochen auf eine "
        "Familienhebamme; viele Familien erreichen die Frühen Hilfen nicht.",
        top_hilfen,
    )
    empfehlung = _entry(
        p1,
        srm,
        3,
        "Empfehlung",
        "Mehr Familienhebammen und eine Quartiersbüro-Sprechstunde für die Südstadt\n\n"
        "Die Sozialraumkonferenz empfiehlt, die Familienhebammen-Stunden in der Südstadt aufzustocken "
        "und eine wöchentliche Sprechstunde der Frühen Hilfen im Quartiersbüro einzurichten.",
        top_hilfen,
    )
    _entry(
        p1,
        srm,
        4,
        "Dissens",
        "Der Caritasverband hält eine Sprechstunde im Familienzentrum für besser erreichbar als im Quartiersbüro.",
        top_hilfen,
    )

    # forwarded to the Themenspeicher of the SPK and placed on a TOP there
    top = AgendaItem(
        meeting=spk_past,
        position=len(spk_past.agenda_items) + 1,
        number=str(len(spk_past.agenda_items) + 1),
        title="Frühe Hilfen Südstadt: Empfehlung der Sozialraumkonferenz",
        goal="Über die Empfehlung der Sozialraumkonferenz Südstadt entscheiden.",
    )
    spk_past.agenda_items.append(top)
    db.session.flush()
    label = (
        f"Empfehlung aus: {srk.name}, {to_berlin(srk_past.start).strftime('%d.%m.%Y')}, "
        f"TOP {top_hilfen.number if top_hilfen else ''}"
    ).strip()
    topic = TopicProposal(
        committee=spk,
        title="Mehr Familienhebammen und eine Quartiersbüro-Sprechstunde für die Südstadt",
        description=empfehlung.text,
        source_type="protokolleintrag",
        source_id=empfehlung.id,
        source_label=label,
        proposed_by_id=srm.id,
        status="eingeplant",
        agenda_item=top,
    )
    db.session.add(topic)
    db.session.flush()
    empfehlung.forwarded_topic_id = topic.id

    # Sozialplanungskonferenz: binding Beschluss and an Aufgabe for the AWO, protocol zur Abstimmung
    anwesenheit.set_meeting_roles(
        planung, spk_past, {"sitzungsleitung": planung.person_id, "protokollfuehrung": planung.person_id}
    )
    _attendance(spk_past, spk, absent_orgs=("Paritätischer",))
    spk_past.status = "durchgeführt"
    today = to_berlin(utcnow()).date()
    p2 = Protocol(
        meeting=spk_past,
        status="zur_abstimmung",
        edition=1,
        sent_at=spk_past.end + timedelta(days=1),
        objection_deadline=today + timedelta(days=7),
    )
    db.session.add(p2)
    db.session.flush()
    items = [i for i in spk_past.agenda_items if i is not top]
    _entry(
        p2,
        planung,
        1,
        "Information",
        "Die Sozialplanung stellt den Sozialbericht 2026 vor; die Kinderarmutsquote in der Südstadt liegt bei 31,4 %.",
        items[1] if len(items) > 1 else None,
    )
    _entry(
        p2,
        planung,
        2,
        "Beschluss",
        "Die Sozialplanungskonferenz beschließt, in der Südstadt ab dem kommenden Quartal zusätzlich "
        "20 Wochenstunden Familienhebammen einzusetzen und eine wöchentliche Sprechstunde der Frühen Hilfen "
        "im Quartiersbüro einzurichten.",
        top,
        decision_mode="abstimmung",
        votes_yes=8,
        votes_no=0,
        votes_abstain=1,
        binding=True,
        addressee_org=ctx.orgs["ASG"],
        for_resolution=True,
        owner_org=ctx.orgs["Jugendamt"],
        due_date=today + timedelta(days=90),
        status="in Arbeit",
    )
    _entry(
        p2,
        planung,
        3,
        "Aufgabe",
        "Die AWO richtet die Sprechstunde im Quartiersbüro Südstadt ein und berichtet in der nächsten Sitzung.",
        top,
        owner_org=awo,
        owner_person=ctx.users["partner"].person,
        due_date=today + timedelta(days=30),
        status="in Arbeit",
    )
    overdue = _entry(
        p2,
        planung,
        4,
        "Aufgabe",
        "Das Jobcenter liefert die Zahl der Bedarfsgemeinschaften mit Kindern je Sozialraum.",
        items[1] if len(items) > 1 else None,
        owner_org=ctx.orgs["Jobcenter"],
        due_date=today - timedelta(days=2),
    )
    overdue.reminded_before_at = utcnow() - timedelta(days=9)
    _entry(
        p2,
        planung,
        5,
        "Beschluss",
        "Die Konferenz bittet um einen Zwischenbericht zur Kita-Platzplanung.",
        items[-1] if items else None,
        decision_mode="konsens",
    )

    anwesenheit.set_meeting_roles(planung, spk_next, {"sitzungsleitung": planung.person_id})
    ctx.committees = committees
    ctx.meetings = meetings
    ctx.protocol_story = {"empfehlung": empfehlung, "topic": topic}
