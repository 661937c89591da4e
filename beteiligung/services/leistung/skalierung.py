"""Scale generator: grows the loaded demo (or any database) to a large Kreis.

`flask --app beteiligung demo skalieren --faktor 10 --seed 1` adds rows until the database holds
SIZES_AT_10 × faktor / 10 of each kind (factor 1 ≈ a tenth of the issue's large Kreis): organisations,
persons, relations clustered by Sozialraum and Handlungsfeld, committees with series of meetings,
agenda items, attendance and protocols whose entries have owners, deadlines and statuses, contracts with
parties, goals, indicators, measurements, reporting duties and reports, and surveys with responses that
answer every question kind (including a conditional one) over unevenly sized areas and target groups, so
the small-cell suppression of the results has work to do.

Rows are written in batches with Core `insert(...)` executemany (no ORM objects one by one); primary
keys are assigned here (after the current maximum) so child rows can reference them without a round trip,
and PostgreSQL sequences are moved past them at the end. The caller wraps the run in `unit_of_work()`.
The same seed on the same starting database gives the same data (timestamps aside).
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, insert, select, text

from beteiligung.extensions import db
from beteiligung.services.befragungen import zaehler
from models.base import utcnow
from models.committees import AgendaItem, Committee, CommitteeType, Meeting, Membership, committee_area, committee_term
from models.contracts import (
    Contract,
    ContractKind,
    ContractParty,
    Goal,
    Indicator,
    Measurement,
    Report,
    ReportingDuty,
    contract_area,
    contract_goal,
    contract_term,
)
from models.masterdata import Area, Body, Organisation, Person, Term, organisation_area, organisation_term
from models.network import Relation, RelationKind
from models.protocols import Attendance, Protocol, ProtocolEntry
from models.surveys import Question, QuestionOption, Survey, SurveyAnswer, SurveyResponse, survey_area, survey_term

# The large Kreis (factor 10).
SIZES_AT_10 = {
    "organisation": 3000,
    "person": 15000,
    "relation": 40000,
    "meeting": 4900,
    "protocol_entry": 22000,
    "contract": 200,
    "indicator": 600,
    "survey_response": 200000,
}
LABELS = {
    "organisation": "Organisationen",
    "person": "Personen",
    "relation": "Beziehungen",
    "committee": "Gremien",
    "membership": "Mitgliedschaften",
    "meeting": "Sitzungen",
    "agenda_item": "Tagesordnungspunkte",
    "attendance": "Anwesenheiten",
    "protocol": "Protokolle",
    "protocol_entry": "Protokolleinträge",
    "contract": "Kontrakte",
    "goal": "Ziele",
    "indicator": "Kennzahlen",
    "measurement": "Messwerte",
    "report": "Berichte",
    "survey": "Befragungen",
    "question": "Fragen",
    "survey_response": "Antwortbögen",
    "survey_answer": "Antworten",
}
BATCH = 5000
# Written with COPY on PostgreSQL (the rows name every column).
COPY_TABLES = {"survey_response", "survey_answer"}


def targets(faktor: float) -> dict[str, int]:
    return {key: round(n * faktor / 10) for key, n in SIZES_AT_10.items()}


def counts() -> dict[str, int]:
    models = {
        "organisation": Organisation,
        "person": Person,
        "relation": Relation,
        "committee": Committee,
        "meeting": Meeting,
        "protocol_entry": ProtocolEntry,
        "contract": Contract,
        "indicator": Indicator,
        "survey": Survey,
        "survey_response": SurveyResponse,
        "survey_answer": SurveyAnswer,
    }
    return {key: db.session.scalar(select(func.count()).select_from(m)) or 0 for key, m in models.items()}


class SkalierungFehler(Exception):
    """The database lacks what the generator builds on (bodies, areas, vocabularies, types)."""


# --- word material (invented) ------------------------------------------------------------------------

VORNAMEN = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Elif",
    "Felix",
    "Greta",
    "Hannah",
    "Ilias",
    "Jana",
    "Jonas",
    "Katharina",
    "Leon",
    "Lina",
    "Marie",
    "Mehmet",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rania",
    "Sofia",
    "Tim",
    "Ulrike",
    "Valentin",
    "Wiebke",
    "Yusuf",
    "Zeynep",
    "Aylin",
    "Bernd",
    "Carla",
    "Dirk",
    "Emine",
    "Frank",
    "Gül",
    "Heike",
    "Ingo",
    "Julia",
    "Karin",
    "Lars",
    "Monika",
    "Nils",
    "Petra",
    "Rolf",
    "Sabine",
    "Thomas",
    "Ute",
    "Vera",
    "Werner",
]
NACHNAMEN = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Braun",
    "Zimmermann",
    "Hartmann",
    "Krüger",
    "Lange",
    "Werner",
    "Lehmann",
    "Köhler",
    "Kaya",
    "Yılmaz",
    "Demir",
    "Nowak",
    "Kowalski",
    "Petrović",
    "Haas",
    "Vogel",
    "Jung",
    "Frank",
    "Berger",
    "Roth",
    "Beck",
    "Lorenz",
    "Sommer",
    "Graf",
    "Kühn",
    "Pohl",
    "Engel",
]
FUNKTIONEN = [
    "Geschäftsführung",
    "Bereichsleitung",
    "Sozialarbeiter·in",
    "Koordination",
    "Einrichtungsleitung",
    "Projektleitung",
    "Ehrenamtliche·r",
    "Fachberatung",
    "Sachbearbeitung",
    "Vorstand",
]
ORG_MUSTER = [
    ("Familienzentrum", "Freier Träger"),
    ("Kita", "Schule/Kita"),
    ("Grundschule", "Schule/Kita"),
    ("Beratungsstelle", "Wohlfahrtsverband"),
    ("Nachbarschaftsverein", "Initiative/Verein"),
    ("Jugendtreff", "Freier Träger"),
    ("Seniorenbegegnungsstätte", "Wohlfahrtsverband"),
    ("Sportverein", "Initiative/Verein"),
    ("Tafel", "Initiative/Verein"),
    ("Migrantenselbstorganisation", "Selbsthilfe/Beirat"),
    ("Wohnungsgenossenschaft", "Wohnungswirtschaft"),
    ("Pflegedienst", "Privater Träger"),
    ("Kirchengemeinde", "Kirche/Religionsgemeinschaft"),
    ("Quartiersbüro", "Verwaltung/Fachbereich"),
    ("Selbsthilfegruppe", "Selbsthilfe/Beirat"),
    ("Stadtteilbibliothek", "Verwaltung/Fachbereich"),
    ("Handwerksbetrieb", "Wirtschaft"),
    ("Hochschulprojekt", "Wissenschaft"),
]
TOP_TITEL = [
    "Begrüßung und Genehmigung der Tagesordnung",
    "Bericht aus dem Sozialraum",
    "Stand der Maßnahmen",
    "Kinderarmut im Quartier",
    "Übergang Schule–Beruf",
    "Wohnraum und Nachbarschaft",
    "Angebote für Senior·innen",
    "Ergebnisse der Befragung",
    "Haushaltsplanung",
    "Verschiedenes",
]
EINTRAG_TEXTE = {
    "Information": "Die Koordination berichtet über den Stand der Angebote im Quartier.",
    "Erkenntnis": "Familien mit geringem Einkommen erreichen die Beratung kaum; die Wege sind zu lang.",
    "Empfehlung": "Die Konferenz empfiehlt eine offene Sprechstunde im Stadtteilbüro.",
    "Beschluss": "Die Konferenz beschließt, die Sprechstunde ab dem nächsten Quartal anzubieten.",
    "Aufgabe": "Raumplan und Personaleinsatz für die Sprechstunde klären und berichten.",
    "Dissens": "Zur Finanzierung der Sprechstunde besteht kein Einvernehmen.",
}
FREITEXTE = [
    "Mehr Bänke und Schatten auf dem Platz.",
    "Ein Treffpunkt für Jugendliche am Abend fehlt.",
    "Beratung in meiner Sprache wäre wichtig.",
    "Die Busverbindung am Wochenende ist schlecht.",
    "Der Spielplatz sollte saniert werden.",
    "Bezahlbare Wohnungen für Familien.",
    "Mehr Angebote für ältere Menschen.",
    "Sauberkeit in den Grünanlagen.",
]


def _ascii(s: str) -> str:
    table = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ı": "i", "ć": "c", "ğ": "g", "·": ""})
    return s.lower().translate(table)


def _batches(rows: Iterable[dict], size: int = BATCH) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@dataclass
class Ergebnis:
    added: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    seconds: float = 0.0


class _Generator:
    def __init__(self, faktor: float, seed: int):
        if faktor <= 0:
            raise SkalierungFehler("Der Faktor muss größer als 0 sein.")
        self.rng = random.Random(seed)
        self.seed = seed
        self.target = targets(faktor)
        self.faktor = faktor
        self.now = utcnow().replace(microsecond=0)
        self.today = self.now.date()
        self.result = Ergebnis()
        self._next: dict[str, int] = {}
        self.nur: set[str] | None = None
        self.new_committees: list[int] = []

    # --- helpers ---------------------------------------------------------------------------------

    def ids(self, model, n: int) -> list[int]:
        table = model.__table__ if hasattr(model, "__table__") else model
        name = table.name
        if name not in self._next:
            self._next[name] = (db.session.scalar(select(func.max(table.c.id))) or 0) + 1
        start = self._next[name]
        self._next[name] = start + n
        return list(range(start, start + n))

    def insert(self, model, rows: Iterable[dict], key: str | None = None) -> int:
        table = model.__table__ if hasattr(model, "__table__") else model
        n = 0
        copy = table.name in COPY_TABLES and db.session.get_bind().dialect.name == "postgresql"
        for chunk in _batches(rows):
            if copy:
                self._copy(table, chunk)
            else:
                db.session.execute(insert(table), chunk)
            n += len(chunk)
        if key:
            self.result.added[key] += n
        return n

    @staticmethod
    def _copy(table, chunk: list[dict]) -> None:
        """PostgreSQL: COPY … FROM STDIN on the session's own connection (same transaction), several times
        faster than executemany for the million survey answers. Every column is given in the rows."""
        columns = list(chunk[0])
        raw = db.session.connection().connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in chunk:
                copy.write_row([row[c] for c in columns])

    def stamp(self) -> dict:
        return {"created_at": self.now, "updated_at": self.now}

    def weighted_split(self, total: int, n: int, exponent: float = 0.5) -> list[int]:
        """`total` split over n parts with weights 1/(i+1)^exponent (largest first), exact sum."""
        if n <= 0 or total <= 0:
            return [0] * max(n, 0)
        weights = [1 / (i + 1) ** exponent for i in range(n)]
        s = sum(weights)
        raw = [total * w / s for w in weights]
        parts = [int(r) for r in raw]
        rest = total - sum(parts)
        for i in sorted(range(n), key=lambda i: raw[i] - parts[i], reverse=True)[:rest]:
            parts[i] += 1
        return parts

    def missing(self, key: str, model) -> int:
        have = db.session.scalar(select(func.count()).select_from(model)) or 0
        return max(0, self.target[key] - have)

    # --- context ------------------------------------------------------------------------------------

    def load_context(self) -> None:
        s = db.session
        bodies = s.execute(select(Body.id, Body.kind, Body.name, Body.parent_id).order_by(Body.id)).all()
        if not bodies:
            raise SkalierungFehler("Keine Körperschaft vorhanden – zuerst `flask --app beteiligung demo load`.")
        # The Kreis that grows: the one with most organisations (a database may hold a neighbouring Kreis).
        org_count = dict(s.execute(select(Organisation.body_id, func.count()).group_by(Organisation.body_id)).all())
        kreise = [b for b in bodies if b.kind == "Kreis"] or bodies[:1]

        def weight(k) -> int:
            return org_count.get(k.id, 0) + sum(org_count.get(b.id, 0) for b in bodies if b.parent_id == k.id)

        self.kreis = max(kreise, key=lambda k: (weight(k), -k.id))
        self.bodies = [self.kreis] + [b for b in bodies if b.parent_id == self.kreis.id]
        self.kommunen = self.bodies[1:] or self.bodies
        body_ids = {b.id for b in self.bodies}
        self.areas = [
            a
            for a in s.execute(select(Area.id, Area.body_id, Area.name, Area.kind).order_by(Area.id)).all()
            if a.body_id in body_ids
        ]
        if not self.areas:
            raise SkalierungFehler("Keine Sozialräume vorhanden – zuerst `flask --app beteiligung demo load`.")
        self.areas_by_body = defaultdict(list)
        for a in self.areas:
            self.areas_by_body[a.body_id].append(a)
        self.area_body = {a.id: a.body_id for a in self.areas}
        terms = s.execute(select(Term.id, Term.vocabulary, Term.name).order_by(Term.id)).all()
        self.hf = [t for t in terms if t.vocabulary == "handlungsfeld"]
        self.zg = [t for t in terms if t.vocabulary == "zielgruppe"]
        self.committee_types = s.execute(
            select(CommitteeType.id, CommitteeType.name, CommitteeType.public_default).order_by(CommitteeType.id)
        ).all()
        self.relation_kinds = s.execute(
            select(RelationKind.id, RelationKind.directed_default).where(RelationKind.active).order_by(RelationKind.id)
        ).all()
        self.contract_kinds = s.execute(select(ContractKind.id, ContractKind.name).order_by(ContractKind.id)).all()
        for what, rows in (
            ("Handlungsfelder", self.hf),
            ("Zielgruppen", self.zg),
            ("Gremientypen", self.committee_types),
            ("Beziehungsarten", self.relation_kinds),
            ("Kontraktarten", self.contract_kinds),
        ):
            if not rows:
                raise SkalierungFehler(f"Keine {what} vorhanden – zuerst `flask --app beteiligung demo load`.")
        # existing organisations and persons with their cluster (area, Handlungsfeld)
        org_area = dict(
            s.execute(
                select(organisation_area.c.organisation_id, func.min(organisation_area.c.area_id)).group_by(
                    organisation_area.c.organisation_id
                )
            ).all()
        )
        self.orgs: list[tuple[int, int, int]] = []  # id, body_id, area_id
        for oid, body_id in s.execute(
            select(Organisation.id, Organisation.body_id)
            .where(Organisation.body_id.in_(body_ids))
            .order_by(Organisation.id)
        ):
            area = org_area.get(oid) or self.rng.choice(self.areas_by_body.get(body_id) or self.areas).id
            self.orgs.append((oid, body_id, area))
        self.persons: list[tuple[int, int, int | None, int]] = []  # id, body_id, org_id, area_id
        org_by_id = {o[0]: o for o in self.orgs}
        for pid, body_id, org_id in s.execute(
            select(Person.id, Person.body_id, Person.organisation_id)
            .where(Person.anonymised_at.is_(None), Person.body_id.in_(body_ids))
            .order_by(Person.id)
        ):
            area = org_by_id[org_id][2] if org_id in org_by_id else self.rng.choice(self.areas).id
            self.persons.append((pid, body_id, org_id, area))

    def pick_body(self):
        return self.kreis if self.rng.random() < 0.15 else self.rng.choice(self.kommunen)

    def pick_area(self, body_id: int):
        return self.rng.choice(self.areas_by_body.get(body_id) or self.areas)

    # --- steps -------------------------------------------------------------------------------------

    def organisations(self) -> None:
        n = self.missing("organisation", Organisation)
        ids = self.ids(Organisation, n)
        seen: dict[str, int] = defaultdict(int)
        rows, area_rows, term_rows = [], [], []
        for oid in ids:
            body = self.pick_body()
            area = self.pick_area(body.id)
            pattern, kind = self.rng.choice(ORG_MUSTER)
            base = f"{pattern} {area.name}"
            seen[base] += 1
            name = base if seen[base] == 1 else f"{base} {seen[base]}"
            rows.append(
                {
                    "id": oid,
                    "body_id": body.id,
                    "name": name,
                    "short_name": None,
                    "kind": kind,
                    "city": body.name.replace("Stadt ", "").replace("Gemeinde ", ""),
                    "email": f"info{oid}@{_ascii(pattern)}.example",
                    "active": self.rng.random() > 0.03,
                    "version": 1,
                    **self.stamp(),
                }
            )
            area_rows.append({"organisation_id": oid, "area_id": area.id})
            for t in self.rng.sample(self.hf, k=min(len(self.hf), self.rng.choice((1, 1, 2)))):
                term_rows.append({"organisation_id": oid, "term_id": t.id})
            term_rows.append({"organisation_id": oid, "term_id": self.rng.choice(self.zg).id})
            self.orgs.append((oid, body.id, area.id))
        self.insert(Organisation, rows, "organisation")
        self.insert(organisation_area, area_rows)
        # (an organisation may draw the same Handlungsfeld twice: dedupe)
        self.insert(organisation_term, list({(r["organisation_id"], r["term_id"]): r for r in term_rows}.values()))

    def persons_step(self) -> None:
        n = self.missing("person", Person)
        ids = self.ids(Person, n)
        # bigger organisations have more people (Pareto weights)
        weights = [self.rng.paretovariate(1.5) for _ in self.orgs]
        chosen = self.rng.choices(self.orgs, weights=weights, k=n)
        rows = []
        for pid, org in zip(ids, chosen, strict=True):
            first, last = self.rng.choice(VORNAMEN), self.rng.choice(NACHNAMEN)
            with_org = self.rng.random() < 0.9
            body_id = org[1] if with_org else self.pick_body().id
            area_id = org[2] if with_org else self.pick_area(body_id).id
            rows.append(
                {
                    "id": pid,
                    "body_id": body_id,
                    "first_name": first,
                    "last_name": last,
                    "function": self.rng.choice(FUNKTIONEN),
                    "organisation_id": org[0] if with_org else None,
                    "email": f"{_ascii(first)}.{_ascii(last)}.{pid}@beispiel.example",
                    "consent_given": True,
                    "consent_date": self.today - timedelta(days=self.rng.randint(30, 1500)),
                    "consent_purpose": "Netzwerkarbeit und Einladungen",
                    "version": 1,
                    **self.stamp(),
                }
            )
            self.persons.append((pid, body_id, org[0] if with_org else None, area_id))
        self.insert(Person, rows, "person")

    def relations(self) -> None:
        n = self.missing("relation", Relation)
        ids = self.ids(Relation, n)
        orgs_by_area, persons_by_area = defaultdict(list), defaultdict(list)
        for o in self.orgs:
            orgs_by_area[o[2]].append(o)
        for p in self.persons:
            persons_by_area[p[3]].append(p)
        vis = ["kreis"] * 7 + ["planung"] * 2 + ["beteiligte"]
        rows = []
        for rid in ids:
            shape = self.rng.random()
            src_is_org = shape < 0.6
            tgt_is_org = shape < 0.85
            for _ in range(20):
                src = self.rng.choice(self.orgs if src_is_org else self.persons)
                area = src[2] if src_is_org else src[3]
                local = self.rng.random() < 0.8  # clustered by Sozialraum
                pool = (orgs_by_area if tgt_is_org else persons_by_area).get(area) if local else None
                pool = pool or (self.orgs if tgt_is_org else self.persons)
                tgt = self.rng.choice(pool)
                if src_is_org != tgt_is_org or src[0] != tgt[0]:
                    break
            kind = self.rng.choice(self.relation_kinds)
            start = self.today - timedelta(days=self.rng.randint(0, 2500))
            rows.append(
                {
                    "id": rid,
                    "body_id": src[1],
                    "kind_id": kind.id,
                    "source_org_id": src[0] if src_is_org else None,
                    "source_person_id": None if src_is_org else src[0],
                    "target_org_id": tgt[0] if tgt_is_org else None,
                    "target_person_id": None if tgt_is_org else tgt[0],
                    "directed": kind.directed_default,
                    "strength": self.rng.choice((1, 2, 2, 3)),
                    "valid_from": start,
                    "valid_to": start + timedelta(days=self.rng.randint(90, 900)) if self.rng.random() < 0.1 else None,
                    "evidence": "Netzwerkkarte Sozialraum",
                    "visibility": self.rng.choice(vis),
                    "note": None,
                    "version": 1,
                    **self.stamp(),
                }
            )
        self.insert(Relation, rows, "relation")

    def committees_and_meetings(self) -> None:
        n_meetings = self.missing("meeting", Meeting)
        self.new_committees: list[int] = []
        if n_meetings == 0:
            return
        n_comm = max(1, round(n_meetings / 40))
        per_committee = self.weighted_split(n_meetings, n_comm)
        comm_ids = self.ids(Committee, n_comm)
        types = {t.name: t for t in self.committee_types}
        cadences = [("monatlich", 28), ("alle zwei Monate", 56), ("vierteljährlich", 91)]
        persons_by_area = defaultdict(list)
        for p in self.persons:
            persons_by_area[p[3]].append(p)
        comm_rows, area_rows, term_rows, member_rows = [], [], [], []
        meeting_rows, item_rows, protocol_rows, entry_rows, attendance_rows = [], [], [], [], []
        self.committee_members: dict[int, list[tuple]] = {}
        held: list[tuple[int, int, datetime, str]] = []  # meeting id, committee id, start, status
        items_of: dict[int, list[int]] = {}
        used_names: dict[str, int] = defaultdict(int)
        for cid, k in zip(comm_ids, per_committee, strict=True):
            area = self.rng.choice(self.areas)
            hf = self.rng.choice(self.hf)
            tname = self.rng.choice(
                ["Sozialraumkonferenz"] * 5
                + ["Arbeitsgruppe", "Fachplanungskonferenz", "Steuerungsgruppe", "Werkstatt"]
            )
            ctype = types.get(tname) or self.rng.choice(self.committee_types)
            base = f"{ctype.name} {area.name}" if ctype.name == "Sozialraumkonferenz" else f"{ctype.name} {hf.name}"
            used_names[base] += 1
            name = base if used_names[base] == 1 else f"{base} ({used_names[base]})"
            cadence, days = self.rng.choice(cadences)
            days = min(days, max(7, 3650 // max(k, 1)))
            comm_rows.append(
                {
                    "id": cid,
                    "body_id": area.body_id,
                    "type_id": ctype.id,
                    "name": name,
                    "purpose": f"Abstimmung und Nachhalten im Bereich {hf.name}.",
                    "is_public": ctype.public_default,
                    "cadence": cadence,
                    "quorum": None,
                    "active": True,
                    "version": 1,
                    **self.stamp(),
                }
            )
            self.new_committees.append(cid)
            area_rows.append({"committee_id": cid, "area_id": area.id})
            term_rows.append({"committee_id": cid, "term_id": hf.id})
            pool = persons_by_area.get(area.id) or self.persons
            size = min(len(self.persons), self.rng.randint(8, 25))
            members = list({p[0]: p for p in self.rng.sample(pool, k=min(size, len(pool)))}.values())
            if len(members) < size:
                extra = [p for p in self.rng.sample(self.persons, k=size) if p[0] not in {m[0] for m in members}]
                members += extra[: size - len(members)]
            self.committee_members[cid] = members
            for i, p in enumerate(members):
                member_rows.append(
                    {
                        "committee_id": cid,
                        "person_id": p[0],
                        "organisation_id": p[2],
                        "deputy_id": None,
                        "role": "Vorsitz" if i == 0 else self.rng.choice(("Mitglied", "Mitglied", "beratend")),
                        "has_mandate": self.rng.random() < 0.6,
                        "circle": "Kernkreis" if self.rng.random() < 0.7 else "erweiterter Kreis",
                        "start_date": self.today - timedelta(days=days * k),
                        "end_date": None,
                        **self.stamp(),
                    }
                )
            mids = self.ids(Meeting, k)
            future = min(2, k)
            for j, mid in enumerate(mids):
                offset = (j - (k - future)) * days + 3  # the last `future` meetings lie ahead
                start = datetime.combine(self.today + timedelta(days=offset), time(16, 0))
                if offset > 0:
                    status = "eingeladen" if j == k - future else "geplant"
                elif self.rng.random() < 0.04:
                    status = "abgesagt"
                elif offset > -30 or self.rng.random() < 0.05:
                    status = "durchgeführt"
                else:
                    status = "protokolliert"
                meeting_rows.append(
                    {
                        "id": mid,
                        "committee_id": cid,
                        "title": f"{name}: {j + 1}. Sitzung",
                        "start": start,
                        "end": start + timedelta(hours=2),
                        "location": f"Bürgerhaus {area.name}",
                        "online_url": None,
                        "is_public": ctype.public_default,
                        "status": status,
                        "status_reason": "Terminkonflikt" if status == "abgesagt" else None,
                        "goals": "Stand der Maßnahmen klären, nächste Schritte vereinbaren.",
                        "series_id": f"skalierung-{cid}",
                        "rrule": None,
                        "ical_uid": f"skalierung-{mid}@beteiligung.example",
                        "ical_sequence": 0,
                        "registration_open": False,
                        "capacity": None,
                        "registration_fields": None,
                        "attendance_version": 0,
                        "version": 1,
                        **self.stamp(),
                    }
                )
                n_items = self.rng.randint(3, 5)
                iids = self.ids(AgendaItem, n_items)
                items_of[mid] = iids
                titles = [TOP_TITEL[0], *self.rng.sample(TOP_TITEL[1:-1], k=n_items - 2), TOP_TITEL[-1]]
                for pos, (iid, title) in enumerate(zip(iids, titles, strict=True), start=1):
                    item_rows.append(
                        {
                            "id": iid,
                            "meeting_id": mid,
                            "position": pos,
                            "number": str(pos),
                            "title": title,
                            "goal": None,
                            "duration_minutes": self.rng.choice((10, 15, 20, 30)),
                            "presenter": None,
                            "is_public": True,
                            "description": None,
                            "version": 1,
                            **self.stamp(),
                        }
                    )
                if status in ("durchgeführt", "protokolliert"):
                    held.append((mid, cid, start, status))
                    for p in members:
                        r = self.rng.random()
                        attendance_rows.append(
                            {
                                "meeting_id": mid,
                                "person_id": p[0],
                                "organisation_id": p[2],
                                "deputy_id": None,
                                "status": "anwesend" if r < 0.75 else ("entschuldigt" if r < 0.9 else "abwesend"),
                                "note": None,
                                **self.stamp(),
                            }
                        )
        self.insert(Committee, comm_rows, "committee")
        self.insert(committee_area, area_rows)
        self.insert(committee_term, term_rows)
        self.insert(Membership, member_rows, "membership")
        self.insert(Meeting, meeting_rows, "meeting")
        self.insert(AgendaItem, item_rows, "agenda_item")
        self.insert(Attendance, attendance_rows, "attendance")

        # protocols of the held meetings and their entries
        pids = self.ids(Protocol, len(held))
        protocol_of = {}
        for pid, (mid, _cid, start, status) in zip(pids, held, strict=True):
            done = status == "protokolliert"
            protocol_rows.append(
                {
                    "id": pid,
                    "meeting_id": mid,
                    "status": "genehmigt" if done else "entwurf",
                    "edition": 1,
                    "objection_deadline": (start + timedelta(days=14)).date() if done else None,
                    "sent_at": start + timedelta(days=3) if done else None,
                    "approved_at": start + timedelta(days=15) if done else None,
                    "approved_by_id": None,
                    "approval_note": None,
                    "version": 1,
                    **self.stamp(),
                }
            )
            protocol_of[pid] = (mid, _cid, start, status)
        self.insert(Protocol, protocol_rows, "protocol")
        n_entries = self.missing("protocol_entry", ProtocolEntry)
        if not pids or not n_entries:
            return
        chosen = sorted(self.rng.choices(pids, k=n_entries))
        eids = self.ids(ProtocolEntry, n_entries)
        position: dict[int, int] = defaultdict(int)
        kinds = ["Information"] * 6 + ["Erkenntnis"] * 3 + ["Empfehlung"] * 2 + ["Beschluss"] * 4 + ["Aufgabe"] * 4
        kinds += ["Dissens"]
        for eid, pid in zip(eids, chosen, strict=True):
            mid, cid, start, status = protocol_of[pid]
            position[pid] += 1
            kind = self.rng.choice(kinds)
            followup = kind in ("Beschluss", "Aufgabe")
            owner = self.rng.choice(self.committee_members[cid]) if followup else None
            due = (start + timedelta(days=self.rng.randint(14, 120))).date() if followup else None
            state = None
            closed = None
            if followup:
                if due < self.today:
                    r = self.rng.random()
                    state = "erledigt" if r < 0.7 else ("in Arbeit" if r < 0.85 else "offen")
                else:
                    state = "offen" if self.rng.random() < 0.6 else "in Arbeit"
                if state == "erledigt":
                    closed = datetime.combine(due, time(9, 0)) - timedelta(days=self.rng.randint(0, 10))
            voting = kind == "Beschluss" and self.rng.random() < 0.5
            entry_rows.append(
                {
                    "id": eid,
                    "protocol_id": pid,
                    "agenda_item_id": self.rng.choice(items_of[mid]),
                    "position": position[pid],
                    "kind": kind,
                    "text": EINTRAG_TEXTE[kind],
                    "decision_mode": ("abstimmung" if voting else "konsens") if kind == "Beschluss" else None,
                    "votes_yes": self.rng.randint(5, 15) if voting else None,
                    "votes_no": self.rng.randint(0, 4) if voting else None,
                    "votes_abstain": self.rng.randint(0, 3) if voting else None,
                    "binding": kind == "Beschluss",
                    "addressee_org_id": None,
                    "for_resolution": False,
                    "political_date": None,
                    "political_outcome": None,
                    "political_note": None,
                    "owner_person_id": owner[0] if owner else None,
                    "owner_org_id": owner[2] if owner else None,
                    "due_date": due,
                    "status": state,
                    "status_changed_at": closed,
                    "closed_at": closed,
                    "closed_note": "erledigt wie vereinbart" if closed else None,
                    "closed_by_id": None,
                    "reminded_before_at": None,
                    "reminded_after_at": None,
                    "forwarded_topic_id": None,
                    "author_id": None,
                    "version": 1,
                    **self.stamp(),
                }
            )
        self.insert(ProtocolEntry, entry_rows, "protocol_entry")

    def contracts(self) -> None:
        n = self.missing("contract", Contract)
        n_ind = self.missing("indicator", Indicator)
        if n == 0 and n_ind == 0:
            return
        cids = self.ids(Contract, n)
        statuses = ["laufend"] * 5 + ["unterzeichnet", "ausgelaufen", "ausgelaufen", "Entwurf", "in Verhandlung"]
        statuses += ["gekündigt"]
        rows, parties, areas, terms, goals, links = [], [], [], [], [], []
        duties, reports, indicators, measurements = [], [], [], []
        orgs_by_area = defaultdict(list)
        for o in self.orgs:
            orgs_by_area[o[2]].append(o)
        ind_per_contract = self.weighted_split(n_ind, n, exponent=0.0) if n else []
        for i, cid in enumerate(cids):
            body = self.pick_body()
            area = self.pick_area(body.id)
            hf = self.rng.choice(self.hf)
            kind = self.rng.choice(self.contract_kinds)
            status = self.rng.choice(statuses)
            signed = status not in ("Entwurf", "in Verhandlung")
            start = self.today - timedelta(days=self.rng.randint(60, 1400))
            end = start + timedelta(days=self.rng.choice((730, 1095, 1460)))
            if status == "ausgelaufen":
                end = min(end, self.today - timedelta(days=self.rng.randint(1, 200)))
            rows.append(
                {
                    "id": cid,
                    "body_id": body.id,
                    "kind_id": kind.id,
                    "title": f"{kind.name} {hf.name} – {area.name}",
                    "reference": f"50.{start.year}/{cid:04d}",
                    "subject": f"Angebote im Handlungsfeld {hf.name} im Sozialraum {area.name}.",
                    "legal_basis": "§ 79 SGB VIII",
                    "product_number": "31.10.01",
                    "status": status,
                    "start_date": start,
                    "end_date": end,
                    "review_date": start + timedelta(days=365),
                    "clause_goal": "Die Partner verfolgen die unten genannten Ziele.",
                    "clause_service": "Beratung und Begleitung im Sozialraum.",
                    "clause_budget": None,
                    "clause_quality": None,
                    "clause_review": "Jährlicher Bericht mit Kennzahlen.",
                    "incentives": None,
                    "committee_id": self.rng.choice(self.new_committees) if self.new_committees else None,
                    "signed_on": start if signed else None,
                    "terminated_on": self.today - timedelta(days=10) if status == "gekündigt" else None,
                    "created_by_id": None,
                    "version": 1,
                    **self.stamp(),
                }
            )
            areas.append({"contract_id": cid, "area_id": area.id})
            terms.append({"contract_id": cid, "term_id": hf.id})
            pids = self.ids(ContractParty, 2)
            partner = self.rng.choice(orgs_by_area.get(area.id) or self.orgs)
            parties.append(
                {
                    "id": pids[0],
                    "contract_id": cid,
                    "organisation_id": None,
                    "body_id": body.id,
                    "role": "Auftraggeber",
                    "signatory": "Dezernat Soziales",
                    "signed_on": start if signed else None,
                    **self.stamp(),
                }
            )
            parties.append(
                {
                    "id": pids[1],
                    "contract_id": cid,
                    "organisation_id": partner[0],
                    "body_id": None,
                    "role": "Auftragnehmer",
                    "signatory": "Geschäftsführung",
                    "signed_on": start if signed else None,
                    **self.stamp(),
                }
            )
            gids = self.ids(Goal, 3)
            for j, gid in enumerate(gids):
                goals.append(
                    {
                        "id": gid,
                        "body_id": body.id,
                        "parent_id": None if j == 0 else gids[0],
                        "level": "Leitziel" if j == 0 else "Handlungsziel",
                        "field": "Wirkung" if j == 0 else self.rng.choice(("Leistung", "Prozess", "Wirkung")),
                        "title": f"{'Teilhabe stärken' if j == 0 else 'Angebot ausbauen'}: {hf.name} in {area.name}",
                        "description": None,
                        "status": "beschlossen" if signed else "Entwurf",
                        "target_group_id": self.rng.choice(self.zg).id,
                        "area_id": area.id,
                        "due_date": end,
                        "smart_specific": True,
                        "smart_measurable": j > 0,
                        "smart_accepted": True,
                        "smart_realistic": True,
                        "smart_timed": j > 0,
                        "smart_hint": None,
                        "source_finding_id": None,
                        "version": 1,
                        **self.stamp(),
                    }
                )
                links.append({"contract_id": cid, "goal_id": gid})
            report_ids_by_year = {}
            if signed:
                (did,) = self.ids(ReportingDuty, 1)
                duties.append(
                    {
                        "id": did,
                        "contract_id": cid,
                        "party_id": pids[1],
                        "title": "Jahresbericht",
                        "periodicity": "jährlich",
                        "due_days": 60,
                        **self.stamp(),
                    }
                )
                period_start = start
                while period_start + timedelta(days=365) <= min(end, self.today) + timedelta(days=365):
                    period_end = period_start + timedelta(days=364)
                    if period_start > self.today:
                        break
                    (rid,) = self.ids(Report, 1)
                    due = period_end + timedelta(days=60)
                    past = due < self.today
                    state = (
                        ("angenommen" if self.rng.random() < 0.85 else "zurückgegeben")
                        if past
                        else self.rng.choice(("offen", "eingereicht"))
                    )
                    reports.append(
                        {
                            "id": rid,
                            "duty_id": did,
                            "contract_id": cid,
                            "period_start": period_start,
                            "period_end": period_end,
                            "due_date": due,
                            "status": state,
                            "narrative": "Die Angebote wurden gut angenommen." if state != "offen" else None,
                            "submitted_at": datetime.combine(due, time(10, 0)) if state != "offen" else None,
                            "submitted_by_id": None,
                            "reviewed_at": None,
                            "reviewed_by_id": None,
                            "review_comment": None,
                            "reminded_at": None,
                            "topic_proposal_id": None,
                            "version": 1,
                            **self.stamp(),
                        }
                    )
                    report_ids_by_year[period_end] = rid
                    period_start = period_end + timedelta(days=1)
            for _ in range(ind_per_contract[i] if i < len(ind_per_contract) else 0):
                self.indicator(
                    indicators, measurements, cid, body.id, area, gids[self.rng.randint(1, 2)], start, end, signed
                )
        if not cids and n_ind and db.session.scalar(select(func.count()).select_from(Contract)):
            # no new contracts needed: the missing Kennzahlen go to the existing ones
            existing = db.session.execute(
                select(Contract.id, Contract.body_id, Contract.start_date, Contract.end_date, Contract.status).order_by(
                    Contract.id
                )
            ).all()
            for k in range(n_ind):
                c = existing[k % len(existing)]
                start = c.start_date or self.today - timedelta(days=400)
                self.indicator(
                    indicators,
                    measurements,
                    c.id,
                    c.body_id,
                    self.pick_area(c.body_id),
                    None,
                    start,
                    c.end_date or start + timedelta(days=1460),
                    c.status not in ("Entwurf", "in Verhandlung"),
                )
        self.insert(Contract, rows, "contract")
        self.insert(contract_area, areas)
        self.insert(contract_term, terms)
        self.insert(ContractParty, parties)
        self.insert(Goal, [g for g in goals if g["parent_id"] is None], "goal")
        self.insert(Goal, [g for g in goals if g["parent_id"] is not None], "goal")
        self.insert(contract_goal, links)
        self.insert(ReportingDuty, duties)
        self.insert(Report, reports, "report")
        self.insert(Indicator, indicators, "indicator")
        self.insert(Measurement, measurements, "measurement")
        # The stored Ampel (services/kontrakte/ampel.py): Core inserts pass by the ORM flush hook.
        from beteiligung.services.kontrakte.ampel import refresh

        refresh(db.session.connection(), [i["id"] for i in indicators])

    def indicator(self, indicators, measurements, cid, body_id, area, goal_id, start, end, signed) -> None:
        """One Kennzahl of a contract with its Ist-Werte up to today."""
        (iid,) = self.ids(Indicator, 1)
        baseline = Decimal(self.rng.randint(20, 400))
        higher = self.rng.random() < 0.6
        target = baseline * (Decimal("1.2") if higher else Decimal("0.8"))
        periodicity = self.rng.choice(("jährlich", "halbjährlich", "quartalsweise"))
        indicators.append(
            {
                "id": iid,
                "body_id": body_id,
                "contract_id": cid,
                "goal_id": goal_id,
                "name": self.rng.choice(
                    (
                        "Erreichte Familien",
                        "Beratungskontakte",
                        "Teilnehmende an Kursen",
                        "Wartezeit in Tagen",
                        "Vermittlungen in Arbeit",
                    )
                )
                + f" ({area.name})",
                "definition": "Anzahl je Berichtszeitraum laut Dokumentation.",
                "base_population": None,
                "unit": "Anzahl",
                "baseline_value": baseline,
                "baseline_date": start,
                "target_mode": "absolut",
                "target_input": target.quantize(Decimal("1")),
                "target_date": end,
                "direction": "hoeher" if higher else "niedriger",
                "data_source": "Berichte der Träger",
                "periodicity": periodicity,
                "area_id": area.id,
                "sensitive": False,
                "green_limit": Decimal("5"),
                "yellow_limit": Decimal("10"),
                "plausible_min": None,
                "plausible_max": None,
                "version": 1,
                **self.stamp(),
            }
        )
        step = {"jährlich": 365, "halbjährlich": 182, "quartalsweise": 91}[periodicity]
        day = start + timedelta(days=step)
        value = baseline
        while day < self.today and signed:
            value = max(Decimal(0), value + Decimal(self.rng.randint(-10, 25 if higher else 5)))
            measurements.append(
                {
                    "indicator_id": iid,
                    "period_end": day,
                    "value": value,
                    "report_id": None,
                    "note": None,
                    "created_by_id": None,
                    **self.stamp(),
                }
            )
            day += timedelta(days=step)

    def surveys(self) -> None:
        n = self.missing("survey_response", SurveyResponse)
        if n == 0:
            return
        n_surveys = max(1, round(self.faktor))
        shares = [n] if n_surveys == 1 else [n // 4] + self.weighted_split(n - n // 4, n_surveys - 1, exponent=0.0)
        rng = self.rng
        for k, share in enumerate(shares):
            body = self.kommunen[k % len(self.kommunen)]
            body_areas = [a for a in self.areas_by_body.get(body.id, []) if a.kind != "Stadtbezirk"] or self.areas
            (sid,) = self.ids(Survey, 1)
            title = "Wie lebt es sich in unserer Kommune?" if k else "Große Bürgerbefragung im Kreis"
            db.session.execute(
                insert(Survey.__table__),
                [
                    {
                        "id": sid,
                        "body_id": body.id,
                        "public_key": f"skal{self.seed:04d}{sid:06d}{rng.getrandbits(40):010x}"[:32],
                        "title": f"{title} ({body.name}, {sid})",
                        "intro": "Die Befragung dauert etwa 5 Minuten.",
                        "purpose": "Bedarfe im Sozialraum erkennen.",
                        "decided_by": "Sozialplanungskonferenz",
                        "privacy_notice": "Die Befragung ist anonym.",
                        "questions_checked": True,
                        "access": "offen",
                        "status": "offen" if k % 3 == 0 else "ausgewertet",
                        "starts_on": self.today - timedelta(days=60),
                        "ends_on": self.today + timedelta(days=30),
                        "threshold": None,
                        "languages": ["de", "tr"],
                        "i18n": None,
                        "results_public": k % 2 == 0,
                        "shared_with_kreis": True,
                        "shared_at": self.today - timedelta(days=5),
                        "version": 1,
                        **self.stamp(),
                    }
                ],
            )
            self.result.added["survey"] += 1
            self.insert(survey_area, [{"survey_id": sid, "area_id": a.id} for a in body_areas])
            zgs = rng.sample(self.zg, k=min(3, len(self.zg)))
            self.insert(survey_term, [{"survey_id": sid, "term_id": z.id} for z in zgs])
            qids = self.ids(Question, 7)
            specs = [
                ("sozialraum", "In welchem Sozialraum wohnen Sie?", True, False, None, None, []),
                (
                    "einfach",
                    "Wer lebt in Ihrem Haushalt?",
                    False,
                    False,
                    None,
                    None,
                    [z.name for z in zgs] + ["Andere"],
                ),
                ("janein", "Nutzen Sie Angebote im Stadtteilbüro?", False, False, None, None, ["Ja", "Nein"]),
                (
                    "skala",
                    "Wie zufrieden sind Sie mit diesen Angeboten?",
                    False,
                    False,
                    None,
                    None,
                    ["sehr unzufrieden", "eher unzufrieden", "teils, teils", "eher zufrieden", "sehr zufrieden"],
                ),
                (
                    "mehrfach",
                    "Was fehlt Ihnen im Viertel?",
                    False,
                    True,
                    None,
                    None,
                    ["Treffpunkte", "Bänke und Schatten", "Spielplätze", "Beratung in meiner Sprache", "Busverbindung"],
                ),
                ("zahl", "Wie alt sind Sie?", False, False, 14.0, 99.0, []),
                ("freitext", "Was sollte sich in Ihrem Viertel ändern?", False, False, None, None, []),
            ]
            options: dict[int, list[int]] = {}
            opt_rows = []
            for qid, (_kind, _t, _r, _o, _mn, _mx, labels) in zip(qids, specs, strict=True):
                oids = self.ids(QuestionOption, len(labels))
                options[qid] = oids
                for pos, (oid, label) in enumerate(zip(oids, labels, strict=True)):
                    zg_id = zgs[pos].id if _kind == "einfach" and pos < len(zgs) else None
                    opt_rows.append(
                        {
                            "id": oid,
                            "question_id": qid,
                            "position": pos,
                            "label": label,
                            "zielgruppe_id": zg_id,
                            "i18n": None,
                        }
                    )
            q_rows = []
            for pos, (qid, (kind, qtext, required, other, mn, mx, _labels)) in enumerate(zip(qids, specs, strict=True)):
                q_rows.append(
                    {
                        "id": qid,
                        "survey_id": sid,
                        "section_id": None,
                        "position": pos + 1,
                        "kind": kind,
                        "text": qtext,
                        "help": None,
                        "required": required,
                        "allow_other": other,
                        "min_value": mn,
                        "max_value": mx,
                        "max_length": 2000,
                        # the satisfaction scale is only asked after "Ja" to using the offers
                        "condition_option_id": options[qids[2]][0] if kind == "skala" else None,
                        "i18n": None,
                        **self.stamp(),
                    }
                )
            self.insert(Question, q_rows)
            self.insert(QuestionOption, opt_rows)
            self.result.added["question"] += len(q_rows)
            # uneven areas and groups: a few large Sozialräume, a tail of small ones (suppression matters)
            area_w = [1 / (i + 1) ** 1.6 for i in range(len(body_areas))]
            home_opts = options[qids[1]]
            home_zg = {o: (zgs[i].id if i < len(zgs) else None) for i, o in enumerate(home_opts)}
            home_w = [5, 3, 1, 2][: len(home_opts)] + [1] * max(0, len(home_opts) - 4)
            weeks = [self.today - timedelta(days=7 * w) for w in range(9)]
            week_labels = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in weeks]
            q_area, q_home, q_use, q_sat, q_miss, q_age, q_text = qids
            miss_w = [0.55, 0.5, 0.25, 0.15, 0.3]
            self._responses(
                share, sid, body_areas, area_w, home_opts, home_w, home_zg, week_labels, options, qids, miss_w
            )
            # bulk insert without the ORM: the survey's running counts are counted once at the end
            zaehler.nachzaehlen(db.session.connection(), sid)

    def _responses(
        self, share, sid, body_areas, area_w, home_opts, home_w, home_zg, week_labels, options, qids, miss_w
    ):
        rng = self.rng
        q_area, q_home, q_use, q_sat, q_miss, q_age, q_text = qids
        seen_ids: set[int] = set()

        def new_id() -> int:
            while True:
                v = rng.getrandbits(52) + 1
                if v not in seen_ids:
                    seen_ids.add(v)
                    return v

        answers: list[dict] = []

        def ans(rid, qid, option=None, text_value=None, number=None, area_value=None):
            answers.append(
                {
                    "id": new_id(),
                    "response_id": rid,
                    "question_id": qid,
                    "option_id": option,
                    "text_value": text_value,
                    "number_value": number,
                    "area_value_id": area_value,
                }
            )

        done = 0
        while done < share:
            size = min(2000, share - done)
            responses = []
            answers.clear()
            for i in range(size):
                rid = new_id()
                # the last Sozialraum stays tiny at any scale (below the threshold: suppressed)
                tiny = len(body_areas) > 1 and done + i < min(6, share // 20)
                area = (
                    body_areas[-1]
                    if tiny
                    else rng.choices(body_areas[:-1] or body_areas, weights=area_w[:-1] or area_w)[0]
                )
                home = rng.choices(home_opts, weights=home_w)[0]
                responses.append(
                    {
                        "id": rid,
                        "survey_id": sid,
                        "submission_key": f"skal-{rid:x}-{rng.getrandbits(64):016x}",
                        "week": rng.choice(week_labels),
                        "language": "tr" if rng.random() < 0.12 else "de",
                        "area_id": area.id,
                        "zielgruppe_id": home_zg[home],
                        "paper": rng.random() < 0.08,
                    }
                )

                ans(rid, q_area, area_value=area.id)
                ans(rid, q_home, option=home)
                uses = rng.random() < 0.6
                ans(rid, q_use, option=options[q_use][0 if uses else 1])
                if uses:  # conditional question
                    ans(rid, q_sat, option=rng.choices(options[q_sat], weights=[1, 2, 3, 5, 3])[0])
                for oid, w in zip(options[q_miss], miss_w, strict=True):
                    if rng.random() < w:
                        ans(rid, q_miss, option=oid)
                if rng.random() < 0.05:
                    ans(rid, q_miss, text_value="Ein Café für alle")
                if rng.random() < 0.85:
                    ans(rid, q_age, number=float(rng.randint(14, 92)))
                if rng.random() < 0.25:
                    ans(rid, q_text, text_value=rng.choice(FREITEXTE))
            self.insert(SurveyResponse, responses, "survey_response")
            self.insert(SurveyAnswer, answers, "survey_answer")
            done += size

    def fix_sequences(self) -> None:
        """PostgreSQL: move every serial sequence past the ids assigned here."""
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for name in self._next:
            db.session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "  # table names are ours
                    f"(SELECT COALESCE(MAX(id), 1) FROM {name}))"
                )
            )

    def run(self) -> Ergebnis:
        import time as _time

        t0 = _time.perf_counter()
        self.load_context()
        self.organisations()
        self.persons_step()
        steps = {
            "netzwerk": self.relations,
            "gremien": self.committees_and_meetings,
            "kontrakte": self.contracts,
            "befragungen": self.surveys,
        }
        for key, step in steps.items():
            if self.nur is None or key in self.nur:
                step()
        self.fix_sequences()
        from beteiligung.services.netzwerk.beziehungen import bump_data_version

        bump_data_version()
        db.session.flush()
        self.result.seconds = _time.perf_counter() - t0
        return self.result


BEREICHE = ("netzwerk", "gremien", "kontrakte", "befragungen")


def skalieren(faktor: float, seed: int = 1, nur: set[str] | None = None) -> Ergebnis:
    """Grow the database to `targets(faktor)`; the caller commits (unit of work).

    `nur` limits the growth to some areas (BEREICHE: relations, committees with meetings and protocols,
    contracts with indicators, surveys with responses); organisations and persons always grow."""
    if nur is not None and not set(nur) <= set(BEREICHE):
        raise SkalierungFehler(f"Unbekannter Bereich: {', '.join(sorted(set(nur) - set(BEREICHE)))}.")
    gen = _Generator(faktor, seed)
    gen.nur = set(nur) if nur is not None else None
    return gen.run()
