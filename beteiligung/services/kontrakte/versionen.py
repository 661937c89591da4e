"""Fassungen eines Kontrakts vergleichen."""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from models.contracts import (
    ContractVersion,
)

from .vertraege import VERSION_LABELS, VERSIONED_FIELDS

# --- versions ---------------------------------------------------------------------


@dataclass
class DiffLine:
    tag: str  # equal / replace / delete / insert
    left: str
    right: str


def compare_versions(a: ContractVersion, b: ContractVersion) -> list[tuple[str, list[DiffLine], bool]]:
    """Per clause: (label, side-by-side lines, changed?) using difflib on lines."""
    result = []
    for name in VERSIONED_FIELDS + ["goals", "budget"]:
        if name == "budget" and "budget" not in a.data and "budget" not in b.data:
            continue  # versions stored before budgets were versioned
        left = a.data.get(name) or ""
        right = b.data.get(name) or ""
        if name in ("goals", "budget"):
            left, right = "\n".join(left or []), "\n".join(right or [])
        left_lines, right_lines = str(left).splitlines(), str(right).splitlines()
        lines = []
        matcher = difflib.SequenceMatcher(a=left_lines, b=right_lines, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                lines += [DiffLine("equal", l, r) for l, r in zip(left_lines[i1:i2], right_lines[j1:j2])]
            else:
                ls, rs = left_lines[i1:i2], right_lines[j1:j2]
                for k in range(max(len(ls), len(rs))):
                    l = ls[k] if k < len(ls) else ""
                    r = rs[k] if k < len(rs) else ""
                    lines.append(DiffLine("replace" if l and r else ("delete" if l else "insert"), l, r))
        label = {"goals": "Verknüpfte Ziele", "budget": "Budget"}.get(name) or VERSION_LABELS.get(name, name)
        result.append((label, lines, left != right))
    return result
