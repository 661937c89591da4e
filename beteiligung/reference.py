"""Reference data every installation starts with (configurable afterwards).

Migrations seed these rows; `ensure_reference_data()` adds any that are
missing (used by the tests after wiping the tables, and safe to run anytime).
Modules append (model path, key column, rows) to SEEDS.
"""

from __future__ import annotations

import importlib

from sqlalchemy import select

from .extensions import db
from .uow import unit_of_work


def _committee_types():
    from models.committees import DEFAULT_COMMITTEE_TYPES

    return [{"name": n, "public_default": pub, "description": d} for n, pub, d in DEFAULT_COMMITTEE_TYPES]


def _contract_kinds():
    from models.contracts import DEFAULT_CONTRACT_KINDS

    return [{"name": n, "description": d} for n, d in DEFAULT_CONTRACT_KINDS]


def _relation_kinds():
    from models.network import DEFAULT_RELATION_KINDS

    return [{"name": n, "directed_default": d, "description": t} for n, d, t in DEFAULT_RELATION_KINDS]


def _network_data_version():
    return [{"id": 1, "version": 0}]


# (module:Class, unique key attribute, callable returning a list of dicts)
SEEDS = [
    ("models.committees:CommitteeType", "name", _committee_types),
    ("models.contracts:ContractKind", "name", _contract_kinds),
    ("models.network:RelationKind", "name", _relation_kinds),
    ("models.network:NetworkDataVersion", "id", _network_data_version),
]


def ensure_reference_data() -> int:
    """A job: adds the missing rows in one unit of work."""
    added = 0
    with unit_of_work():
        for path, key, rows in SEEDS:
            module, cls_name = path.split(":")
            model = getattr(importlib.import_module(module), cls_name)
            existing = set(db.session.scalars(select(getattr(model, key))))
            for row in rows():
                if row[key] not in existing:
                    db.session.add(model(**row))
                    added += 1
    return added
