"""Page-first lists: one page of a long list per request, whatever the size of the data.

`sql_page` counts the rows in SQL, clamps the requested page to the last one, selects the ids of
that page with ORDER BY … LIMIT … OFFSET in SQL, and only then loads those rows with their
relations (eager loads on a LIMIT query would otherwise join every related row before the page is
cut). The result has the interface of `pagination_nav` in templates/macros.html; `param` names the
query argument, so that several lists on one page (members, meetings, topics of a committee) page
independently.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from sqlalchemy import Select, func, select

from beteiligung.extensions import db

from . import current_page


class PageNav:
    """The page numbers pagination_nav shows (first, last, two either side of the current, None for a gap);
    shared by every page object (SqlPage here, in-memory lists in netzwerk and planung)."""

    def iter_pages(self, left_edge=1, right_edge=1, left_current=2, right_current=2):
        last = 0
        for num in range(1, self.pages + 1):
            if (
                num <= left_edge
                or num > self.pages - right_edge
                or (self.page - left_current <= num <= self.page + right_current)
            ):
                if last + 1 != num:
                    yield None
                yield num
                last = num


class SqlPage(PageNav):
    """One page of a list whose rows were selected in SQL (see module docstring)."""

    def __init__(
        self, items: Sequence, page: int, per_page: int, total: int, param: str = "seite", capped: bool = False
    ):
        self.items = list(items)
        self.page, self.per_page, self.total, self.param = page, per_page, total, param
        # capped: there are more than `total` rows (counted only so far); the last page shown is not the end
        self.capped = capped
        self.pages = max(1, math.ceil(total / per_page))
        self.has_prev, self.prev_num = page > 1, page - 1
        self.has_next, self.next_num = page < self.pages or capped, page + 1


def sql_page(
    ids: Select,
    load: Callable[[list], Select] | None = None,
    *,
    per_page: int = 25,
    param: str = "seite",
    page: int | None = None,
    count_pages: int | None = None,
    total: int | None = None,
) -> SqlPage:
    """`ids`: a SELECT of one id column, filtered and ordered (the order must be total, e.g. end on the id).
    `load(ids)`: a SELECT of the entities with those ids and their eager loads; without it `ids`
    already selects the rows to show (a plain select without collection loads).
    `count_pages`: count the rows only up to this many pages beyond the requested one (a long list of a
    large Kreis then costs the same as a short one; the navigation says "mehr als …" and goes on from there).
    An out-of-range page shows the last page. `total`: the number of rows of `ids` where the caller
    counted them already (e.g. from counts per status), so they are not counted a second time."""
    page = current_page(param) if page is None else page
    capped = False
    if total is None:
        counted = ids.order_by(None)
        limit = None
        if count_pages:
            limit = (page - 1 + count_pages) * per_page
            counted = counted.limit(limit + 1)
        total = db.session.scalar(select(func.count()).select_from(counted.subquery())) or 0
        capped = limit is not None and total > limit
        if capped:
            total = limit
    pages = max(1, math.ceil(total / per_page))
    page = min(page, pages)
    window = ids.limit(per_page).offset((page - 1) * per_page)
    # Always the same statements, whether the list is empty or not (the query-count guard).
    if load is None:
        items = db.session.scalars(window).unique().all()
    else:
        page_ids = db.session.scalars(window).all()
        by_id = {row.id: row for row in db.session.scalars(load(page_ids)).unique()}
        items = [by_id[i] for i in page_ids if i in by_id]
    return SqlPage(items, page, per_page, total, param, capped=capped)
