"""Import political outcomes from the council information system's OParl endpoint.

`flask --app beteiligung oparl ergebnisse-abrufen URL` walks the council's Papers (paginated, from
the System, a Body or a paper list URL), picks those whose reference number we know (our published
Vorlagen), follows their Consultations to the deciding AgendaItem and Meeting and records the
result (beschlossen / geändert beschlossen / abgelehnt / vertagt) with the meeting's date.

Nothing is written until the whole walk succeeded: a council endpoint that is down, too slow,
paginates wrongly or returns invalid JSON stops the import with a message naming the URL where
it stopped, and the caller's unit of work rolls back. Recording is idempotent.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from beteiligung.extensions import db
from models import utcnow
from models.oparl import Paper, PaperConsultation, PaperState, PoliticalOutcome

from .papers import record_outcome

BERLIN = ZoneInfo("Europe/Berlin")
MAX_PAGES = 500
USER_AGENT = "beteiligung-oparl-import/1.0"


class ImportStopped(Exception):
    """The walk could not be completed; nothing was recorded."""


@dataclass
class Found:
    paper: Paper
    outcome: str
    day: date
    council_paper: str
    consultation: str | None
    organization: str | None
    meeting: str | None
    agenda_item: str | None
    raw_result: str


@dataclass
class Report:
    pages: int = 0
    papers_seen: int = 0
    matched: list[tuple[str, str, date, bool]] = field(default_factory=list)  # reference, outcome, day, new?
    pending: list[str] = field(default_factory=list)  # known reference, no decision yet
    unknown_results: list[tuple[str, str]] = field(default_factory=list)  # reference, council text
    not_found: list[str] = field(default_factory=list)  # our references the council does not list

    def lines(self) -> list[str]:
        out = [f"{self.pages} Seiten, {self.papers_seen} Vorlagen des Ratsinformationssystems gelesen."]
        for ref, outcome, day, new in self.matched:
            verb = "eingetragen" if new else "war bereits eingetragen"
            out.append(f"{ref}: {outcome} am {day.strftime('%d.%m.%Y')} – {verb}")
        for ref in self.pending:
            out.append(f"{ref}: gefunden, aber noch ohne Entscheidung")
        for ref, text in self.unknown_results:
            out.append(f"{ref}: Ergebnis „{text}“ nicht zuordenbar – nichts eingetragen")
        for ref in self.not_found:
            out.append(f"{ref}: im Ratsinformationssystem nicht gefunden")
        return out


def map_result(text: str | None) -> str | None:
    t = " ".join((text or "").lower().replace("-", " ").split())
    if not t:
        return None
    if "vertagt" in t or "zurückgestellt" in t or "zurückgezogen" in t:
        return PoliticalOutcome.VERTAGT.value
    if "abgelehnt" in t:
        return PoliticalOutcome.ABGELEHNT.value
    if "geändert" in t or "änderung" in t:
        if "unverändert" not in t and "ungeändert" not in t:
            return PoliticalOutcome.GEAENDERT_BESCHLOSSEN.value
    if "beschlossen" in t or "zugestimmt" in t or "angenommen" in t:
        return PoliticalOutcome.BESCHLOSSEN.value
    return None


class Client:
    def __init__(self, timeout: float = 10.0):
        self.timeout = timeout
        self.cache: dict[str, dict] = {}

    def get(self, url: str, where: str) -> dict:
        if url in self.cache:
            return self.cache[url]
        if not url.startswith(("http://", "https://")):
            raise ImportStopped(f"{where}: keine gültige Adresse: {url!r}")
        req = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                body = resp.read()
        except urllib.error.HTTPError as exc:
            raise ImportStopped(f"{where}: {url} antwortet mit HTTP {exc.code}.") from None
        except TimeoutError:
            raise ImportStopped(f"{where}: {url} antwortet nicht innerhalb von {self.timeout:g} Sekunden.") from None
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ImportStopped(f"{where}: {url} ist nicht erreichbar ({reason}).") from None
        try:
            data = json.loads(body.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ImportStopped(f"{where}: {url} liefert kein gültiges JSON.") from None
        if not isinstance(data, dict):
            raise ImportStopped(f"{where}: {url} liefert kein OParl-Objekt.")
        self.cache[url] = data
        return data

    def obj(self, ref, where: str) -> dict | None:
        """An embedded object or the object behind a URL."""
        if ref is None:
            return None
        if isinstance(ref, dict):
            return ref
        if isinstance(ref, str):
            return self.get(ref, where)
        raise ImportStopped(f"{where}: unerwarteter Verweis {ref!r}.")


def _type(obj: dict) -> str:
    return str(obj.get("type", "")).rstrip("/").rsplit("/", 1)[-1]


def paper_lists(client: Client, url: str) -> list[str]:
    start = client.get(url, "Einstieg")
    if "data" in start:
        return [url]
    kind = _type(start)
    if kind == "System":
        bodies = start.get("body")
        urls = []
        for b in _walk(client, bodies, "Körperschaften", Report()):
            if isinstance(b, dict) and b.get("paper"):
                urls.append(b["paper"])
        return urls
    if kind == "Body" and start.get("paper"):
        return [start["paper"]]
    raise ImportStopped(f"Einstieg: {url} ist weder System, Body noch eine Liste von Vorlagen.")


def _walk(client: Client, url: str, label: str, report: Report):
    """All objects of a paginated list, following links.next; stops on loops and broken pages."""
    seen: set[str] = set()
    page = 0
    while url:
        if url in seen:
            raise ImportStopped(f"{label}, Seite {page + 1}: Die Seitenverweise führen im Kreis ({url}).")
        if page >= MAX_PAGES:
            raise ImportStopped(f"{label}: mehr als {MAX_PAGES} Seiten – abgebrochen bei {url}.")
        seen.add(url)
        page += 1
        data = client.get(url, f"{label}, Seite {page}")
        items = data.get("data")
        if not isinstance(items, list):
            raise ImportStopped(f"{label}, Seite {page}: {url} ist keine OParl-Liste (\"data\" fehlt).")
        report.pages += 1
        yield from items
        links = data.get("links") or {}
        if not isinstance(links, dict):
            raise ImportStopped(f"{label}, Seite {page}: ungültige \"links\" in {url}.")
        nxt = links.get("next")
        if nxt is not None and not isinstance(nxt, str):
            raise ImportStopped(f"{label}, Seite {page}: ungültiger Verweis auf die nächste Seite in {url}.")
        url = nxt


def _day(value: str | None) -> date | None:
    if not value:
        return None
    try:
        if "T" in value:
            dtv = datetime.fromisoformat(value)
            if dtv.tzinfo is not None:
                dtv = dtv.astimezone(BERLIN)
            return dtv.date()
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def collect(url: str, timeout: float = 10.0) -> tuple[list[Found], Report]:
    """Read only: walk the council's papers and find decisions on our Vorlagen."""
    known = {
        p.reference: p for p in db.session.scalars(select(Paper).where(Paper.state == PaperState.VEROEFFENTLICHT.value))
    }
    client = Client(timeout)
    report = Report()
    found: list[Found] = []
    seen_refs: set[str] = set()
    for list_url in paper_lists(client, url):
        for raw in _walk(client, list_url, "Vorlagen", report):
            report.papers_seen += 1
            if not isinstance(raw, dict) or raw.get("deleted"):
                continue
            ref = (raw.get("reference") or "").strip()
            paper = known.get(ref)
            if paper is None or ref in seen_refs:
                continue
            seen_refs.add(ref)
            where = f"Vorlage {ref}"
            decision = None
            for cref in raw.get("consultation") or []:
                c = client.obj(cref, where)
                if c is None or c.get("deleted"):
                    continue
                item = client.obj(c.get("agendaItem"), where) if c.get("agendaItem") else None
                if item is None or not item.get("result"):
                    continue
                meeting_ref = item.get("meeting") or c.get("meeting")
                meeting = client.obj(meeting_ref, where) if meeting_ref else None
                day = _day((meeting or {}).get("start")) or _day(item.get("start"))
                candidate = (c, item, meeting, day)
                # The authoritative consultation decides; otherwise the last one with a result.
                if c.get("authoritative") or decision is None or not decision[0].get("authoritative"):
                    decision = candidate
            if decision is None:
                report.pending.append(ref)
                continue
            c, item, meeting, day = decision
            outcome = map_result(item.get("result"))
            if outcome is None or day is None:
                report.unknown_results.append((ref, item.get("result") or "ohne Datum"))
                continue
            orgs = c.get("organization") or []
            found.append(
                Found(
                    paper=paper,
                    outcome=outcome,
                    day=day,
                    council_paper=raw.get("id"),
                    consultation=c.get("id"),
                    organization=orgs[0] if orgs else None,
                    meeting=(meeting or {}).get("id"),
                    agenda_item=item.get("id"),
                    raw_result=item.get("result"),
                )
            )
    report.not_found = sorted(set(known) - seen_refs)
    return found, report


def import_outcomes(url: str, timeout: float = 10.0, user=None) -> Report:
    """Walk first, then write everything (in the caller's unit of work)."""
    found, report = collect(url, timeout)
    for f in found:
        new = record_outcome(
            user,
            f.paper,
            f.outcome,
            f.day,
            f"laut Ratsinformationssystem: {f.raw_result}",
            "Import aus dem Ratsinformationssystem",
        )
        f.paper.council_paper_url = f.council_paper
        political = next((c for c in f.paper.consultations if c.authoritative), None)
        if political is None:
            political = PaperConsultation(
                position=len(f.paper.consultations) + 1, authoritative=True, role="Entscheidung"
            )
            f.paper.consultations.append(political)
        political.council_consultation_url = f.consultation
        political.council_organization_url = f.organization
        political.council_meeting_url = f.meeting
        political.council_agenda_item_url = f.agenda_item
        if new:
            f.paper.result_imported_at = utcnow()
        report.matched.append((f.paper.reference, f.outcome, f.day, new))
    db.session.flush()
    return report
