"""Stammdaten demo step: nothing beyond beteiligung.demo itself; kept as the first step and as an example."""

from __future__ import annotations


def run(ctx) -> None:
    # Bodies, areas, organisations, persons and users are created by beteiligung.demo.load_demo().
    assert ctx.kreis is not None
