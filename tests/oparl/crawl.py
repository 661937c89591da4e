"""Shared by the OParl tests: validation against the official OParl 1.1 JSON schemas (schema/)
and a crawler that walks the whole API from the System object."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from jsonschema import Draft7Validator, FormatChecker

SCHEMA_DIR = Path(__file__).parent / "schema"
OPARL = "https://schema.oparl.org/1.1/"
TYPES = (
    "System",
    "Body",
    "Organization",
    "Person",
    "Membership",
    "Meeting",
    "AgendaItem",
    "Paper",
    "Consultation",
    "File",
    "Location",
    "LegislativeTerm",
)
_VALIDATORS: dict[str, Draft7Validator] = {}


def validator(type_name: str) -> Draft7Validator:
    if type_name not in _VALIDATORS:
        schema = json.loads((SCHEMA_DIR / f"{type_name}.json").read_text(encoding="utf-8"))
        _VALIDATORS[type_name] = Draft7Validator(schema, format_checker=FormatChecker())
    return _VALIDATORS[type_name]


def type_of(obj: dict) -> str:
    t = obj.get("type", "")
    assert t.startswith(OPARL), f"kein OParl-1.1-Typ: {t!r} in {obj.get('id')}"
    name = t[len(OPARL) :]
    assert name in TYPES, f"unbekannter Typ {name}"
    return name


def validate(obj: dict, expected: str | None = None) -> list[dict]:
    """Validate obj against its schema and every embedded object against its own schema
    (the OParl schemas name them with "schema": "X.json"); returns the embedded objects."""
    name = type_of(obj)
    if expected:
        assert name == expected, f"{obj.get('id')}: erwartet {expected}, bekommen {name}"
    errors = sorted(validator(name).iter_errors(obj), key=lambda e: list(e.path))
    assert not errors, f"{obj.get('id')} ({name}) verletzt das OParl-Schema: " + "; ".join(
        f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors
    )
    if obj.get("deleted"):
        assert set(obj) <= {"id", "type", "created", "modified", "deleted", "order", "accessUrl"}, obj
        return []
    embedded = []
    props = validator(name).schema["properties"]
    for key, spec in props.items():
        if key not in obj:
            continue
        sub = spec.get("schema") or (spec.get("items") or {}).get("schema")
        if not sub or spec.get("references") == "externalList":
            continue
        values = obj[key] if isinstance(obj[key], list) else [obj[key]]
        for v in values:
            assert isinstance(v, dict), f"{obj['id']}.{key}: eingebettetes Objekt erwartet"
            inner = sub.removesuffix(".json")
            embedded.append(v)
            embedded += validate(v, inner)
    return embedded


@dataclass
class CrawlResult:
    objects: dict[str, dict] = field(default_factory=dict)  # id → object as served under its id
    embedded: dict[str, list[dict]] = field(default_factory=dict)  # id → embedded copies
    lists: dict[str, dict] = field(default_factory=dict)  # list page URL → page
    fetched: dict[str, int] = field(default_factory=dict)  # URL → status
    files: dict[str, tuple[int, dict, bytes]] = field(default_factory=dict)

    def of_type(self, name: str) -> list[dict]:
        return [o for o in self.objects.values() if o["type"] == OPARL + name]


def _urls(value, prefix: str):
    if isinstance(value, dict):
        for v in value.values():
            yield from _urls(v, prefix)
    elif isinstance(value, list):
        for v in value:
            yield from _urls(v, prefix)
    elif isinstance(value, str) and value.startswith(prefix):
        yield value


def crawl(fetch, entry: str, api_prefix: str, limit: int = 5000) -> CrawlResult:
    """Walk every link under api_prefix, starting at the System object.

    fetch(url) -> (status, headers, body bytes). Every JSON response must be OParl-valid and carry
    CORS; every object must be served under its own id; file URLs must answer.
    """
    res = CrawlResult()
    todo = [entry]
    while todo:
        url = todo.pop()
        if url in res.fetched:
            continue
        assert len(res.fetched) < limit, "zu viele Adressen – läuft der Crawler im Kreis?"
        status, headers, body = fetch(url)
        res.fetched[url] = status
        assert status == 200, f"toter Verweis: {url} → {status}"
        ctype = headers.get("Content-Type", "")
        if not ctype.startswith("application/json"):
            res.files[url] = (status, headers, body)
            continue
        assert headers.get("Access-Control-Allow-Origin") == "*", f"CORS fehlt: {url}"
        data = json.loads(body.decode("utf-8"))
        if "data" in data:
            res.lists[url] = data
            assert set(data) >= {"data", "pagination", "links"}, url
            p = data["pagination"]
            assert p["currentPage"] <= p["totalPages"] and len(data["data"]) <= p["elementsPerPage"], url
            if p["currentPage"] < p["totalPages"]:
                assert "next" in data["links"], f"{url}: next fehlt"
            for obj in data["data"]:
                for e in validate(obj):
                    res.embedded.setdefault(e["id"], []).append(e)
                res.embedded.setdefault(obj["id"], []).append(obj)
        else:
            for e in validate(data):
                res.embedded.setdefault(e["id"], []).append(e)
            assert data["id"] == url, f"Objekt {data['id']} unter fremder Adresse {url} ausgeliefert"
            res.objects[url] = data
        for link in _urls(data, api_prefix):
            if link not in res.fetched:
                todo.append(link)
    # every object seen inside a list or embedded is also reachable under its own id
    for oid in res.embedded:
        if oid not in res.fetched:
            status, headers, body = fetch(oid)
            res.fetched[oid] = status
            assert status == 200, f"eingebettetes Objekt {oid} ist einzeln nicht abrufbar ({status})"
            obj = json.loads(body)
            validate(obj)
            res.objects[oid] = obj
    return res
