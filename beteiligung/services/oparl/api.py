"""OParl 1.1 read API: the public objects as OParl JSON, lists with pagination and filters.

Only what beteiligung.permissions.oparl calls public is read here. Every list page costs a fixed
number of queries (count, page, eager loads, the consent set), whatever the page size.
Ids are URLs built from BASE_URL, so they stay stable across requests and hosts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from beteiligung.extensions import db
from beteiligung.permissions import oparl as pub
from models import AgendaItem, Body, Committee, Meeting, Membership, Organisation, Person
from models.oparl import LegislativeTerm, Paper, PaperConsultation, PaperFile, Tombstone

BERLIN = ZoneInfo("Europe/Berlin")
OPARL = "https://schema.oparl.org/1.1/"
PAGE_SIZE = 50
MAX_PAGE_SIZE = 100

MEETING_STATE = {
    "geplant": "terminiert",
    "verschoben": "terminiert",
    "eingeladen": "eingeladen",
    "durchgeführt": "durchgeführt",
    "protokolliert": "durchgeführt",
    "abgesagt": "abgesagt",
}


class BadFilter(ValueError):
    """A filter parameter that is not a date-time (→ 400)."""


# --- URLs and formats ---------------------------------------------------------------------


def url(endpoint: str, **kw) -> str:
    return current_app.config["BASE_URL"] + url_for(endpoint, **kw)


def obj_url(kind: str, ident) -> str:
    return url("oparl.obj", kind=kind, ident=ident)


def org_key(committee_id=None, organisation_id=None) -> str:
    return f"gremium-{committee_id}" if committee_id is not None else f"akteur-{organisation_id}"


def dt(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(BERLIN).replace(microsecond=0).isoformat()


def d(value) -> str | None:
    return value.isoformat() if value is not None else None


def parse_filter(name: str, raw: str | None) -> datetime | None:
    """An OParl filter value (full date-time, e.g. 2026-01-01T00:00:00+01:00) as naive UTC."""
    if raw is None or raw == "":
        return None
    if "T" not in raw:
        raise BadFilter(f"Der Filter {name} erwartet Datum und Uhrzeit, z. B. 2026-01-01T00:00:00+01:00.")
    try:
        value = datetime.fromisoformat(raw.replace(" ", "+"))
    except ValueError:
        raise BadFilter(
            f"Der Filter {name} ist kein gültiger Zeitpunkt: {raw!r}. Erwartet wird z. B. 2026-01-01T00:00:00+01:00."
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=BERLIN)
    return value.astimezone(UTC).replace(tzinfo=None)


def _clean(data: dict) -> dict:
    """Drop empty optional values (OParl: leave out what is unknown)."""
    return {k: v for k, v in data.items() if v is not None and v != [] and v != ""}


# --- request context: data shared by the objects of one response ---------------------------


@dataclass
class Ctx:
    _consents: set[int] | None = None
    _contact: set[int] | None = None
    consultations_by_item: dict[int, PaperConsultation] = field(default_factory=dict)
    _items_loaded: set[int] = field(default_factory=set)
    memberships_by_person: dict[int, list[Membership]] = field(default_factory=dict)

    def load_memberships(self, person_ids) -> None:
        if not person_ids:
            return
        for m in db.session.scalars(
            select(Membership)
            .join(Committee, Committee.id == Membership.committee_id)
            .where(Membership.person_id.in_(person_ids), pub.committee_public_filter())
            .options(joinedload(Membership.committee))
            .order_by(Membership.id)
        ):
            self.memberships_by_person.setdefault(m.person_id, []).append(m)

    @property
    def consent_ids(self) -> set[int]:
        if self._consents is None:
            from models.oparl import PublicationConsent

            rows = db.session.execute(select(PublicationConsent.person_id, PublicationConsent.contact)).all()
            self._consents = {pid for pid, _ in rows}
            self._contact = {pid for pid, contact in rows if contact}
        return self._consents

    @property
    def contact_ids(self) -> set[int]:
        self.consent_ids  # noqa: B018 - loads both sets
        return self._contact or set()

    def load_item_consultations(self, item_ids) -> None:
        ids = [i for i in item_ids if i not in self._items_loaded]
        if not ids:
            return
        self._items_loaded.update(ids)
        for c in db.session.scalars(
            select(PaperConsultation)
            .join(Paper)
            .where(PaperConsultation.agenda_item_id.in_(ids), pub.paper_public_filter())
            .order_by(PaperConsultation.id)
        ):
            self.consultations_by_item.setdefault(c.agenda_item_id, c)


# --- serializers ------------------------------------------------------------------------------


def system() -> dict:
    return _clean(
        {
            "id": url("oparl.system"),
            "type": OPARL + "System",
            "oparlVersion": OPARL,
            "name": current_app.config.get("OPARL_SYSTEM_NAME", "Beteiligung – Sozialplanung"),
            "body": url("oparl.bodies"),
            "website": current_app.config["BASE_URL"] + "/",
            "web": url("oparl.offene_daten"),
        }
    )


def body(b: Body, ctx: Ctx, terms: list[LegislativeTerm]) -> dict:
    lists = {
        "organization": "organization",
        "person": "person",
        "meeting": "meeting",
        "paper": "paper",
        "agendaItem": "agendaItem",
        "consultation": "consultation",
        "file": "file",
        "locationList": "location",
        "legislativeTermList": "legislativeTerm",
        "membership": "membership",
    }
    data = {
        "id": obj_url("body", b.id),
        "type": OPARL + "Body",
        "system": url("oparl.system"),
        "name": b.name,
        "ags": b.code,
        "classification": b.kind,
        "legislativeTerm": [legislative_term(t, ctx, embedded=True) for t in terms],
        "created": dt(b.created_at),
        "modified": dt(b.updated_at),
    }
    for prop, kind in lists.items():
        data[prop] = url("oparl.body_list", body_id=b.id, kind=kind)
    return _clean(data) | {"legislativeTerm": data["legislativeTerm"]}


def legislative_term(t: LegislativeTerm, ctx: Ctx, embedded: bool = False) -> dict:
    return _clean(
        {
            "id": obj_url("legislativeTerm", t.id),
            "type": OPARL + "LegislativeTerm",
            "body": None if embedded else obj_url("body", t.body_id),
            "name": t.name,
            "startDate": d(t.start_date),
            "endDate": d(t.end_date),
            "created": dt(t.created_at),
            "modified": dt(t.updated_at),
        }
    )


def organization(c: Committee, ctx: Ctx) -> dict:
    members = [m for m in c.memberships if pub.is_public_membership(m, ctx.consent_ids)]
    return _clean(
        {
            "id": obj_url("organization", org_key(committee_id=c.id)),
            "type": OPARL + "Organization",
            "body": obj_url("body", c.body_id),
            "name": c.name,
            "organizationType": "Gremium",
            "classification": c.type.name,
            "membership": [obj_url("membership", m.id) for m in members],
            "meeting": url("oparl.organization_meetings", key=org_key(committee_id=c.id)),
            "keyword": ["aktiv" if c.active else "inaktiv"],
            "created": dt(c.created_at),
            "modified": dt(c.updated_at),
        }
    )


def akteur(o: Organisation, ctx: Ctx) -> dict:
    """An organisation of the network (Träger, Verband, political body) as OParl Organization:
    only name, kind and website – what anyone reads on its own website."""
    return _clean(
        {
            "id": obj_url("organization", org_key(organisation_id=o.id)),
            "type": OPARL + "Organization",
            "body": obj_url("body", o.body_id),
            "name": o.name,
            "shortName": o.short_name,
            "organizationType": "Institution",
            "classification": o.kind,
            "website": o.website if (o.website or "").startswith(("http://", "https://")) else None,
            "created": dt(o.created_at),
            "modified": dt(o.updated_at),
        }
    )


def person(p: Person, ctx: Ctx) -> dict:
    members = [m for m in ctx.memberships_by_person.get(p.id, []) if pub.is_public_committee(m.committee)]
    contact = p.id in ctx.contact_ids
    return _clean(
        {
            "id": obj_url("person", p.id),
            "type": OPARL + "Person",
            "body": obj_url("body", p.body_id),
            "name": f"{p.first_name} {p.last_name}",
            "familyName": p.last_name,
            "givenName": p.first_name,
            "status": [p.function] if p.function else [],
            "email": [p.email] if contact and p.email else [],
            "phone": [p.phone] if contact and p.phone else [],
            "membership": [membership(m, ctx, embedded=True) for m in members],
            "created": dt(p.created_at),
            "modified": dt(p.updated_at),
        }
    )


def membership(m: Membership, ctx: Ctx, embedded: bool = False) -> dict:
    return _clean(
        {
            "id": obj_url("membership", m.id),
            "type": OPARL + "Membership",
            "person": None if embedded else obj_url("person", m.person_id),
            "organization": obj_url("organization", org_key(committee_id=m.committee_id)),
            "role": m.role or ("Mitglied mit Mandat" if m.has_mandate else "Mitglied"),
            "votingRight": m.has_mandate,
            "startDate": d(m.start_date),
            "endDate": d(m.end_date),
            "onBehalfOf": obj_url("organization", org_key(organisation_id=m.organisation_id))
            if m.organisation_id
            else None,
            "keyword": [m.circle] if m.circle else [],
            "created": dt(m.created_at),
            "modified": dt(m.updated_at),
        }
    )


def location(m: Meeting, ctx: Ctx, embedded: bool = False) -> dict:
    return _clean(
        {
            "id": obj_url("location", m.id),
            "type": OPARL + "Location",
            "description": m.location,
            "meetings": None if embedded else [obj_url("meeting", m.id)],
            "created": dt(m.created_at),
            "modified": dt(m.updated_at),
        }
    )


def meeting(m: Meeting, ctx: Ctx) -> dict:
    items = [i for i in m.agenda_items if i.is_public]
    ctx.load_item_consultations([i.id for i in items])
    return _clean(
        {
            "id": obj_url("meeting", m.id),
            "type": OPARL + "Meeting",
            "name": m.title,
            "meetingState": MEETING_STATE.get(m.status, m.status),
            "cancelled": True if m.status == "abgesagt" else None,
            "start": dt(m.start),
            "end": dt(m.end),
            "location": location(m, ctx, embedded=True) if m.location else None,
            "organization": [obj_url("organization", org_key(committee_id=m.committee_id))],
            "agendaItem": [agenda_item(i, ctx, embedded=True) for i in items],
            "web": url("oeffentlich.meeting", meeting_id=m.id),
            "created": dt(m.created_at),
            "modified": dt(m.updated_at),
        }
    )


def agenda_item(i: AgendaItem, ctx: Ctx, embedded: bool = False) -> dict:
    c = ctx.consultations_by_item.get(i.id)
    return _clean(
        {
            "id": obj_url("agendaItem", i.id),
            "type": OPARL + "AgendaItem",
            "meeting": None if embedded else obj_url("meeting", i.meeting_id),
            "number": i.number,
            "order": i.position,
            "name": i.title,
            "public": True,
            "consultation": obj_url("consultation", c.id) if c is not None else None,
            "web": url("oeffentlich.meeting", meeting_id=i.meeting_id) + f"#top-{i.id}",
            "created": dt(i.created_at),
            "modified": dt(i.updated_at),
        }
    )


def file(f: PaperFile, ctx: Ctx, embedded: bool = False) -> dict:
    return _clean(
        {
            "id": obj_url("file", f.id),
            "type": OPARL + "File",
            "name": f.name,
            "fileName": f.file_name,
            "mimeType": f.mime_type,
            "date": d(f.paper.paper_date),
            "size": f.size,
            "sha1Checksum": f.sha1,
            "sha512Checksum": f.sha512,
            "text": f.text,
            "accessUrl": url("oparl.file_access", file_id=f.id),
            "downloadUrl": url("oparl.file_download", file_id=f.id),
            "paper": None if embedded else [obj_url("paper", f.paper_id)],
            "created": dt(f.created_at),
            "modified": dt(f.updated_at),
        }
    )


def consultation(c: PaperConsultation, ctx: Ctx, embedded: bool = False) -> dict:
    item = c.agenda_item
    public_item = item is not None and pub.is_public_agenda_item(item)
    orgs, keywords = [], []
    if c.authoritative:
        paper = c.paper
        if paper.addressee_org_id:
            orgs.append(obj_url("organization", org_key(organisation_id=paper.addressee_org_id)))
        if c.council_organization_url:
            orgs.append(c.council_organization_url)
        entry = paper.protocol_entry
        if entry is not None and entry.political_outcome:
            keywords.append(f"Ergebnis: {entry.political_outcome}")
            if entry.political_date:
                keywords.append(f"entschieden am {entry.political_date.strftime('%d.%m.%Y')}")
    elif item is not None and pub.is_public_committee(item.meeting.committee):
        orgs.append(obj_url("organization", org_key(committee_id=item.meeting.committee_id)))
    meeting_url = None
    if public_item:
        meeting_url = obj_url("meeting", item.meeting_id)
    elif c.council_meeting_url:
        meeting_url = c.council_meeting_url
    return _clean(
        {
            "id": obj_url("consultation", c.id),
            "type": OPARL + "Consultation",
            "paper": None if embedded else obj_url("paper", c.paper_id),
            "agendaItem": obj_url("agendaItem", item.id) if public_item else c.council_agenda_item_url,
            "meeting": meeting_url,
            "organization": orgs,
            "authoritative": c.authoritative,
            "role": c.role,
            "keyword": keywords,
            "created": dt(c.created_at),
            "modified": dt(c.updated_at),
        }
    )


def paper(p: Paper, ctx: Ctx) -> dict:
    main = next((f for f in p.files if f.is_main), None)
    entry = p.protocol_entry
    origin_committee = entry.protocol.meeting.committee if entry is not None else None
    return _clean(
        {
            "id": obj_url("paper", p.id),
            "type": OPARL + "Paper",
            "body": obj_url("body", p.body_id),
            "name": p.name,
            "reference": p.reference,
            "date": d(p.paper_date),
            "paperType": p.paper_type,
            "mainFile": file(main, ctx, embedded=True) if main else None,
            "auxiliaryFile": [file(f, ctx, embedded=True) for f in p.files if not f.is_main],
            "originatorOrganization": [obj_url("organization", org_key(committee_id=origin_committee.id))]
            if pub.is_public_committee(origin_committee)
            else [],
            "consultation": [consultation(c, ctx, embedded=True) for c in p.consultations],
            "web": url("oparl.paper_page", paper_id=p.id),
            "created": dt(p.created_at),
            "modified": dt(p.updated_at),
        }
    )


def tombstone(t: Tombstone, kind: str, ident) -> dict:
    """A deleted object: id, type, created, modified, deleted – plus what the schema requires
    (AgendaItem.order, File.accessUrl, which now answers 404)."""
    data = {"id": obj_url(kind, ident), "type": OPARL + TYPE_NAMES[kind]}
    data.update(t.keep or {})
    if kind == "file":
        data["accessUrl"] = url("oparl.file_access", file_id=t.object_id)
    data.update({"created": dt(t.created), "modified": dt(t.deleted_at), "deleted": True})
    return data


# Internal lists a client may ask to leave out (omit_internal=true, OParl 1.1). Body.legislativeTerm
# stays: the 1.1 schema requires it.
INTERNAL_LISTS = {
    "Meeting": ("agendaItem", "auxiliaryFile"),
    "Person": ("membership",),
    "Paper": ("auxiliaryFile", "location"),
    "AgendaItem": ("auxiliaryFile",),
}


def omit_internal(obj: dict) -> dict:
    drop = INTERNAL_LISTS.get(obj.get("type", "").rsplit("/", 1)[-1], ())
    return {k: v for k, v in obj.items() if k not in drop}


# --- kinds: query, eager loads, serializer ----------------------------------------------------


@dataclass
class Kind:
    name: str  # URL segment and OParl type key, e.g. "agendaItem"
    model: type
    tomb: str  # Tombstone.object_type
    query: Callable[[], object]  # select of the public rows (all bodies)
    body_col: Callable[[], object]  # column holding the body id in that select
    serialize: Callable
    options: tuple = ()


TYPE_NAMES = {
    "body": "Body",
    "organization": "Organization",
    "person": "Person",
    "membership": "Membership",
    "meeting": "Meeting",
    "agendaItem": "AgendaItem",
    "paper": "Paper",
    "consultation": "Consultation",
    "file": "File",
    "location": "Location",
    "legislativeTerm": "LegislativeTerm",
}


def _committees():
    return select(Committee).where(pub.committee_public_filter())


def _akteure():
    from sqlalchemy import union

    via_members = (
        select(Membership.organisation_id)
        .join(Committee, Committee.id == Membership.committee_id)
        .join(Person, Person.id == Membership.person_id)
        .where(pub.membership_public_filter())
    )
    via_papers = select(Paper.addressee_org_id).where(pub.paper_public_filter())
    return select(Organisation).where(Organisation.id.in_(union(via_members, via_papers).subquery().select()))


def _persons():
    return select(Person).where(pub.person_public_filter())


def _memberships():
    return (
        select(Membership)
        .join(Committee, Committee.id == Membership.committee_id)
        .join(Person, Person.id == Membership.person_id)
        .where(pub.membership_public_filter())
    )


def _meetings():
    return select(Meeting).join(Committee, Committee.id == Meeting.committee_id).where(pub.meeting_public_filter())


def _items():
    return (
        select(AgendaItem)
        .join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .join(Committee, Committee.id == Meeting.committee_id)
        .where(pub.agenda_item_public_filter())
    )


def _papers():
    return select(Paper).where(pub.paper_public_filter())


def _consultations():
    return (
        select(PaperConsultation).join(Paper, Paper.id == PaperConsultation.paper_id).where(pub.paper_public_filter())
    )


def _files():
    return select(PaperFile).join(Paper, Paper.id == PaperFile.paper_id).where(pub.paper_public_filter())


def _locations():
    return _meetings().where(Meeting.location.is_not(None), Meeting.location != "")


def _terms():
    return select(LegislativeTerm)


def _paper_options():
    from models.protocols import Protocol, ProtocolEntry

    return (
        selectinload(Paper.files),
        selectinload(Paper.consultations)
        .joinedload(PaperConsultation.agenda_item)
        .joinedload(AgendaItem.meeting)
        .joinedload(Meeting.committee),
        selectinload(Paper.consultations).joinedload(PaperConsultation.paper),
        joinedload(Paper.protocol_entry)
        .joinedload(ProtocolEntry.protocol)
        .joinedload(Protocol.meeting)
        .joinedload(Meeting.committee),
    )


def _consultation_options():
    from models.protocols import ProtocolEntry

    return (
        joinedload(PaperConsultation.agenda_item).joinedload(AgendaItem.meeting).joinedload(Meeting.committee),
        joinedload(PaperConsultation.paper).joinedload(Paper.protocol_entry).joinedload(ProtocolEntry.protocol),
    )


KINDS: dict[str, Kind] = {}


def _register(*kinds: Kind) -> None:
    for k in kinds:
        KINDS[k.name] = k


_register(
    Kind(
        "organization",
        Committee,
        "committee",
        _committees,
        lambda: Committee.body_id,
        organization,
        (selectinload(Committee.memberships).joinedload(Membership.person), joinedload(Committee.type)),
    ),
    Kind("person", Person, "person", _persons, lambda: Person.body_id, person, ()),
    Kind("membership", Membership, "membership", _memberships, lambda: Committee.body_id, membership, ()),
    Kind(
        "meeting",
        Meeting,
        "meeting",
        _meetings,
        lambda: Committee.body_id,
        meeting,
        (selectinload(Meeting.agenda_items),),
    ),
    Kind("agendaItem", AgendaItem, "agenda_item", _items, lambda: Committee.body_id, agenda_item, ()),
    Kind("paper", Paper, "paper", _papers, lambda: Paper.body_id, paper, ()),
    Kind("consultation", PaperConsultation, "consultation", _consultations, lambda: Paper.body_id, consultation, ()),
    Kind("file", PaperFile, "file", _files, lambda: Paper.body_id, file, (joinedload(PaperFile.paper),)),
    Kind("location", Meeting, "location", _locations, lambda: Committee.body_id, location, ()),
    Kind(
        "legislativeTerm",
        LegislativeTerm,
        "legislative_term",
        _terms,
        lambda: LegislativeTerm.body_id,
        legislative_term,
        (),
    ),
)


def _options(kind: str):
    if kind == "paper":
        return _paper_options()
    if kind == "consultation":
        return _consultation_options()
    return KINDS[kind].options


def _prepare(kind: str, rows: list, ctx: Ctx) -> None:
    """Per-page batch loads that the serializers need (constant number of queries)."""
    if kind == "agendaItem":
        ctx.load_item_consultations([r.id for r in rows])
    elif kind == "person":
        ctx.load_memberships([r.id for r in rows])
    elif kind == "meeting":
        ctx.load_item_consultations([i.id for r in rows for i in r.agenda_items if i.is_public])


# --- single objects -----------------------------------------------------------------------------


def get_object(kind: str, ident: str) -> dict | None:
    """The object as OParl JSON, a tombstone for a vanished public object, or None (→ 404)."""
    ctx = Ctx()
    if kind == "body":
        b = db.session.get(Body, _int(ident))
        if b is None:
            return None
        return body(b, ctx, _terms_of(b.id))
    if kind == "organization":
        return _get_organization(ident, ctx)
    if kind not in KINDS:
        return None
    k = KINDS[kind]
    oid = _int(ident)
    if oid is None:
        return None
    row = db.session.scalars(k.query().where(k.model.id == oid).options(*_options(kind))).unique().first()
    if row is not None:
        _prepare(kind, [row], ctx)
        return k.serialize(row, ctx)
    return _tombstone(k.tomb, oid, kind, ident)


def _get_organization(ident: str, ctx: Ctx) -> dict | None:
    prefix, _, raw = ident.partition("-")
    oid = _int(raw)
    if oid is None or prefix not in ("gremium", "akteur"):
        return None
    if prefix == "gremium":
        k = KINDS["organization"]
        row = db.session.scalars(k.query().where(Committee.id == oid).options(*k.options)).unique().first()
        return organization(row, ctx) if row else _tombstone("committee", oid, "organization", ident)
    row = db.session.scalars(_akteure().where(Organisation.id == oid)).first()
    return akteur(row, ctx) if row else _tombstone("organisation", oid, "organization", ident)


def _tombstone(tomb_kind: str, oid: int, kind: str, ident) -> dict | None:
    t = db.session.scalar(select(Tombstone).where(Tombstone.object_type == tomb_kind, Tombstone.object_id == oid))
    return tombstone(t, kind, ident) if t is not None else None


def _int(raw) -> int | None:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**31 else None


def _terms_of(body_id: int) -> list[LegislativeTerm]:
    return list(
        db.session.scalars(
            select(LegislativeTerm)
            .where(LegislativeTerm.body_id == body_id)
            .order_by(LegislativeTerm.start_date, LegislativeTerm.id)
        )
    )


# --- lists ----------------------------------------------------------------------------------------


@dataclass
class Filters:
    created_since: datetime | None = None
    created_until: datetime | None = None
    modified_since: datetime | None = None
    modified_until: datetime | None = None

    @classmethod
    def from_args(cls, args) -> Filters:
        return cls(
            **{
                name: parse_filter(name, args.get(name))
                for name in ("created_since", "created_until", "modified_since", "modified_until")
            }
        )

    def apply(self, stmt, created_col, modified_col):
        if self.created_since:
            stmt = stmt.where(created_col >= self.created_since)
        if self.created_until:
            stmt = stmt.where(created_col <= self.created_until)
        if self.modified_since:
            stmt = stmt.where(modified_col >= self.modified_since)
        if self.modified_until:
            stmt = stmt.where(modified_col <= self.modified_until)
        return stmt


def page_size(raw) -> int:
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return PAGE_SIZE
    return min(max(value, 1), MAX_PAGE_SIZE)


def list_page(
    kind: str, filters: Filters, page: int, per_page: int, body_id: int | None = None, committee_id: int | None = None
) -> tuple[list[dict], int]:
    """One page of a list: (objects, total). Live objects by id, then – only with
    modified_since, as OParl 1.1 requires – the tombstones of vanished ones."""
    ctx = Ctx()
    if kind == "body":
        stmt = select(Body)
        model, created, modified = Body, Body.created_at, Body.updated_at
        tomb_kind = None
    elif kind == "organization":
        return _organization_page(filters, page, per_page, body_id, ctx)
    else:
        k = KINDS[kind]
        stmt = k.query()
        model = k.model
        created, modified = model.created_at, model.updated_at
        if body_id is not None:
            stmt = stmt.where(k.body_col() == body_id)
        if committee_id is not None:
            stmt = stmt.where(Meeting.committee_id == committee_id)
        tomb_kind = k.tomb
    stmt = filters.apply(stmt, created, modified)
    total_live = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    offset = (page - 1) * per_page
    rows = []
    if offset < total_live:
        opts = _options(kind) if kind != "body" else ()
        rows = list(db.session.scalars(stmt.options(*opts).order_by(model.id).offset(offset).limit(per_page)).unique())
    if kind == "body":
        terms = {}
        for t in db.session.scalars(select(LegislativeTerm).order_by(LegislativeTerm.start_date, LegislativeTerm.id)):
            terms.setdefault(t.body_id, []).append(t)
        data = [body(b, ctx, terms.get(b.id, [])) for b in rows]
    else:
        _prepare(kind, rows, ctx)
        data = [KINDS[kind].serialize(r, ctx) for r in rows]
    total_dead, dead = 0, []
    if tomb_kind and filters.modified_since is not None and committee_id is None:
        tq = _tomb_query([tomb_kind], filters, body_id)
        total_dead = db.session.scalar(select(func.count()).select_from(tq.subquery()))
        room = per_page - len(data)
        if room > 0:
            dead_offset = max(offset - total_live, 0)
            dead = list(db.session.scalars(tq.order_by(Tombstone.id).offset(dead_offset).limit(room)))
    data += [tombstone(t, kind, t.object_id) for t in dead]
    return data, total_live + total_dead


def _tomb_query(kinds, filters: Filters, body_id):
    tq = select(Tombstone).where(Tombstone.object_type.in_(kinds))
    if body_id is not None:
        tq = tq.where(or_(Tombstone.body_id == body_id, Tombstone.body_id.is_(None)))
    tq = filters.apply(tq, Tombstone.created, Tombstone.deleted_at)
    return tq


def _organization_page(filters, page, per_page, body_id, ctx):
    """Gremien, then the Akteure they link to (onBehalfOf, addressees), then tombstones."""
    cq = filters.apply(_committees(), Committee.created_at, Committee.updated_at)
    aq = filters.apply(_akteure(), Organisation.created_at, Organisation.updated_at)
    if body_id is not None:
        cq = cq.where(Committee.body_id == body_id)
        aq = aq.where(Organisation.body_id == body_id)
    n_c = db.session.scalar(select(func.count()).select_from(cq.subquery()))
    n_a = db.session.scalar(select(func.count()).select_from(aq.subquery()))
    offset = (page - 1) * per_page
    data = []
    if offset < n_c:
        rows = db.session.scalars(
            cq.options(*KINDS["organization"].options).order_by(Committee.id).offset(offset).limit(per_page)
        ).unique()
        data += [organization(c, ctx) for c in rows]
    room = per_page - len(data)
    if room > 0 and offset + len(data) < n_c + n_a:
        a_off = max(offset - n_c, 0)
        data += [akteur(o, ctx) for o in db.session.scalars(aq.order_by(Organisation.id).offset(a_off).limit(room))]
    n_t = 0
    if filters.modified_since is not None:
        tq = _tomb_query(["committee", "organisation"], filters, body_id)
        n_t = db.session.scalar(select(func.count()).select_from(tq.subquery()))
        room = per_page - len(data)
        if room > 0:
            t_off = max(offset - n_c - n_a, 0)
            for t in db.session.scalars(tq.order_by(Tombstone.id).offset(t_off).limit(room)):
                key = (
                    org_key(committee_id=t.object_id)
                    if t.object_type == "committee"
                    else org_key(organisation_id=t.object_id)
                )
                data.append(tombstone(t, "organization", key))
    return data, n_c + n_a + n_t
