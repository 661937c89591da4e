"""Auswahl (issues 14 and 15): search and resolve persons and organisations for pickers.

One place answers "which persons/organisations may this user choose here": the search behind
`/auswahl/personen` and `/auswahl/organisationen`, the matches a form shows without JavaScript,
and the check of a posted id. All three use the named filters of `permissions.auswahl`, so a
guessed or foreign id is refused exactly like a search would not have found it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import delete, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from beteiligung.database import side_write
from beteiligung.extensions import db
from beteiligung.permissions import auswahl as perm
from models import Committee, Organisation, Person
from models.auswahl import Suchzaehler

MIN_CHARS = 2
MAX_CHARS = 100
LIMIT = 20
MAX_TOKENS = 4
# Printable text only: letters of any script, digits, spaces and the punctuation of names.
ALLOWED = re.compile(r"[^\w\s.,'’\-&/()+@]", re.UNICODE)


@dataclass(frozen=True)
class Choice:
    id: int | str
    label: str
    hint: str = ""

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "hint": self.hint}


class SearchError(ValueError):
    """A search text that cannot be searched (too short, too long); the message is German."""


def clean_query(raw: str | None) -> str:
    """The search text as searched: control and odd characters removed, spaces collapsed."""
    text = ALLOWED.sub(" ", raw or "")
    return " ".join(text.split())


def check_query(raw: str | None) -> str:
    if raw is not None and len(raw) > MAX_CHARS:
        raise SearchError(f"Der Suchbegriff ist zu lang (höchstens {MAX_CHARS} Zeichen).")
    text = clean_query(raw)
    if len(text) < MIN_CHARS:
        raise SearchError(f"Bitte mindestens {MIN_CHARS} Zeichen eingeben.")
    return text


def _escaped(token: str) -> str:
    return token.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like(token: str) -> str:
    return "%" + _escaped(token).lower() + "%"


def _starts(column, text: str):
    """`column` starts with the first word of `text` (ignoring case): for ordering those matches first."""
    first = _tokens(text)[0].lower() if text else ""
    return func.lower(column).like(_escaped(first) + "%", escape="\\")


def _contains(column, token: str):
    """`column` contains `token`, ignoring case. SQLite lowers ASCII only, so a word that starts
    with a capital umlaut ("Özdemir" for "öz") is also matched in its capitalised form."""
    conds = [func.lower(column).like(_like(token), escape="\\")]
    if token[:1].lower() != token[:1].upper() and not token[:1].isascii():
        conds.append(column.like(_like(token)[:1] + token[:1].upper() + _like(token)[2:], escape="\\"))
    return or_(*conds)


def _tokens(text: str) -> list[str]:
    return [t for t in text.split(" ") if t][:MAX_TOKENS]


def person_label(p: Person, org: Organisation | None = None) -> str:
    org = org if org is not None else p.organisation
    return f"{p.last_name}, {p.first_name}" + (f" ({org.short_name or org.name})" if org else "")


def organisation_label(o: Organisation) -> str:
    return o.name + (f" ({o.short_name})" if o.short_name and o.short_name != o.name else "")


def search_persons(user, text: str, zweck: str = "allgemein", limit: int = LIMIT) -> list[Choice]:
    """At most `limit` persons this user may choose for `zweck` whose name (or organisation)
    contains every word of `text`; surnames starting with the text first."""
    q = (
        select(Person, Organisation)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(perm.pickable_person_filter(user, zweck))
    )
    for token in _tokens(text):
        q = q.where(
            or_(
                _contains(Person.last_name, token),
                _contains(Person.first_name, token),
                _contains(func.coalesce(Organisation.short_name, ""), token),
                _contains(func.coalesce(Organisation.name, ""), token),
            )
        )
    q = q.order_by(_starts(Person.last_name, text).desc(), Person.last_name, Person.first_name, Person.id).limit(limit)
    return [Choice(p.id, person_label(p, o), p.function or "") for p, o in db.session.execute(q)]


def search_organisations(user, text: str, zweck: str = "allgemein", limit: int = LIMIT) -> list[Choice]:
    q = select(Organisation).where(perm.pickable_organisation_filter(user, zweck))
    for token in _tokens(text):
        q = q.where(
            or_(_contains(Organisation.name, token), _contains(func.coalesce(Organisation.short_name, ""), token))
        )
    q = q.order_by(Organisation.name, Organisation.id).limit(limit)
    return [Choice(o.id, organisation_label(o), o.kind or "") for o in db.session.scalars(q)]


def _asked(ids: Iterable[int], keep: Iterable[int], column, permitted):
    """The integer ids asked for, and the condition they must meet: `permitted()` (the permission filter, built
    only when ids were asked for), or being among `keep` – ids the record being edited holds already."""
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return ids, None
    keep = set(keep) & ids
    return ids, or_(permitted(), column.in_(keep)) if keep else permitted()


def persons_by_ids(user, ids: Iterable[int], zweck: str = "allgemein", keep: Iterable[int] = ()) -> dict[int, Choice]:
    """The given persons this user may choose for `zweck` (plus `keep`: ids the record being
    edited holds already and shows anyway); unknown and foreign ids are simply absent."""
    ids, cond = _asked(ids, keep, Person.id, lambda: perm.pickable_person_filter(user, zweck))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Person, Organisation)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .where(Person.id.in_(ids), cond)
    )
    return {p.id: Choice(p.id, person_label(p, o), p.function or "") for p, o in rows}


def organisations_by_ids(
    user, ids: Iterable[int], zweck: str = "allgemein", keep: Iterable[int] = ()
) -> dict[int, Choice]:
    ids, cond = _asked(ids, keep, Organisation.id, lambda: perm.pickable_organisation_filter(user, zweck))
    if not ids:
        return {}
    rows = db.session.scalars(select(Organisation).where(Organisation.id.in_(ids), cond))
    return {o.id: Choice(o.id, organisation_label(o), o.kind or "") for o in rows}


# --- committees (the committee filter of Nachhalten) -------------------------------------------------


def committee_label(c: Committee) -> str:
    return c.name


def search_committees(user, text: str, zweck: str = "allgemein", limit: int = LIMIT) -> list[Choice]:
    """At most `limit` committees this user may see whose name contains every word of `text`;
    names starting with the text first."""
    q = select(Committee.id, Committee.name, Committee.active).where(perm.pickable_committee_filter(user, zweck))
    for token in _tokens(text):
        q = q.where(_contains(Committee.name, token))
    q = q.order_by(_starts(Committee.name, text).desc(), Committee.name, Committee.id).limit(limit)
    return [Choice(cid, name, "" if active else "inaktiv") for cid, name, active in db.session.execute(q)]


def committees_by_ids(
    user, ids: Iterable[int], zweck: str = "allgemein", keep: Iterable[int] = ()
) -> dict[int, Choice]:
    """The given committees this user may see (plus `keep`); unknown and foreign ids are absent."""
    ids, cond = _asked(ids, keep, Committee.id, lambda: perm.pickable_committee_filter(user, zweck))
    if not ids:
        return {}
    rows = db.session.execute(select(Committee.id, Committee.name, Committee.active).where(Committee.id.in_(ids), cond))
    return {cid: Choice(cid, name, "" if active else "inaktiv") for cid, name, active in rows}


# --- actors: organisations and persons in one field (relation ends in the network) ------------------

ACTOR_KEY = re.compile(r"(org|person):(\d{1,10})")


def search_actors(user, text: str, zweck: str = "netzwerk", limit: int = LIMIT) -> list[Choice]:
    """Organisations and (consenting) persons, keys "org:<id>" and "person:<id>"; organisations first."""
    orgs = [Choice(f"org:{c.id}", c.label, "Organisation") for c in search_organisations(user, text, zweck, limit)]
    persons = []
    if perm.can_search_persons(user, "netzwerk"):
        persons = [Choice(f"person:{c.id}", c.label, "Person") for c in search_persons(user, text, "netzwerk", limit)]
    n_orgs = max(limit // 2, limit - len(persons))
    return (orgs[:n_orgs] + persons)[:limit]


def actors_by_keys(user, keys: Iterable[str], zweck: str = "netzwerk", keep: Iterable[str] = ()) -> dict[str, Choice]:
    parsed = [m.groups() for m in (ACTOR_KEY.fullmatch(str(k)) for k in keys) if m]
    keep = set(keep)
    org_ids = {int(i) for kind, i in parsed if kind == "org"}
    person_ids = {int(i) for kind, i in parsed if kind == "person"}
    keep_orgs = {int(k.split(":")[1]) for k in keep if str(k).startswith("org:")}
    keep_persons = {int(k.split(":")[1]) for k in keep if str(k).startswith("person:")}
    found = {
        f"org:{i}": Choice(f"org:{i}", c.label, "Organisation")
        for i, c in organisations_by_ids(user, org_ids, zweck, keep_orgs).items()
    }
    found |= {
        f"person:{i}": Choice(f"person:{i}", c.label, "Person")
        for i, c in persons_by_ids(user, person_ids, "netzwerk", keep_persons).items()
    }
    return found


KINDS = {
    "personen": (search_persons, persons_by_ids, perm.can_search_persons),
    "organisationen": (search_organisations, organisations_by_ids, perm.can_search_organisations),
    "akteure": (search_actors, actors_by_keys, perm.can_search_organisations),
    "gremien": (search_committees, committees_by_ids, perm.can_search_committees),
}


# --- rate limit ------------------------------------------------------------------------------
# Search-as-you-type sends a request per pause in typing; 60 searches in 30 seconds per account are
# far more than a person types and far fewer than a script that walks the address book.

WINDOW_SECONDS = 30


def allow_search(key: str, now: float | None = None) -> bool:
    """Count one search for `key` (an account); False when it has used up AUSWAHL_SUCHEN_JE_FENSTER searches in
    the last WINDOW_SECONDS. The window slides: the count of the current fixed window plus the previous window's
    count weighted by the part of it still inside the last WINDOW_SECONDS. The counts live in the database, so
    every process on every server counts against the same limit; a search is a GET, so they are written in a
    transaction of their own (side_write). If the database cannot count at that moment, the search is allowed:
    the limit is there against scripts, and a busy moment must not lock a person out."""
    now = time.time() if now is None else now
    limit = current_app.config["AUSWAHL_SUCHEN_JE_FENSTER"]
    window, into = divmod(now, WINDOW_SECONDS)
    window = int(window)
    allowed = True

    def count(conn) -> None:
        nonlocal allowed
        t = Suchzaehler.__table__
        counts = dict(
            conn.execute(
                select(t.c.fenster, t.c.anzahl).where(t.c.schluessel == key, t.c.fenster.in_((window - 1, window)))
            ).all()
        )
        used = counts.get(window - 1, 0) * (1 - into / WINDOW_SECONDS) + counts.get(window, 0)
        if used + 1 > limit:
            allowed = False
            return
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(
            insert(t)
            .values(schluessel=key, fenster=window, anzahl=1)
            .on_conflict_do_update(index_elements=[t.c.schluessel, t.c.fenster], set_={"anzahl": t.c.anzahl + 1})
        )
        if window not in counts:  # the first search of this window: windows before the previous one are done
            conn.execute(delete(t).where(t.c.fenster < window - 1))

    side_write(count)
    return allowed
