"""Staff listings at any size: pages named by a row (keyset cursors), counts up to a cap.

A listing is read newest first along an index that matches its filter and order. The first
page has no parameter; every other page is named by the row just above it, `?before=<id>`,
and holds the rows after that one in the listing's order. A page reads one row more than it
shows to know whether there is an older page, and the few rows above its first for its Newer
link, so the last page of a million rows costs what the first does, and nothing counts the
listing. Counts shown to staff are counted up to a cap ("1,000+").

A listing may be read in parts (Segment): the article list puts undated drafts first, then
the rest by date, and each part follows an index of its own. Rows of several kinds (Branch,
e.g. one per article status) are merged, each branch read from its own index.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort
from sqlalchemy.sql import ColumnElement, Select

from blog.extensions import db
from blog.inputs import MAX_ID

#: What a cursor looks like: a row id, digits only, no sign or leading zero.
_CURSOR = re.compile(r"[1-9][0-9]{0,9}")


@dataclass(frozen=True)
class Count:
    """A number of rows counted up to cap: shown as "1,000+" when there are more."""

    value: int
    cap: int

    @property
    def over(self) -> bool:
        """Whether there are more rows than the cap (the value is then cap + 1)."""
        return self.value > self.cap

    def __str__(self) -> str:
        return f"{self.cap:,}+" if self.over else f"{self.value:,}"

    def __bool__(self) -> bool:
        return self.value > 0


def capped_count(rows: Select, cap: int) -> sa.ScalarSelect:
    """A scalar subquery counting the rows of `rows`, but no more than cap + 1 of them."""
    return sa.select(sa.func.count()).select_from(rows.limit(cap + 1).subquery()).scalar_subquery()


def parse_cursor(text: str | None) -> int | None:
    """The row id a ?before= names; None when absent. Anything but a row id is a 404."""
    if text is None:
        return None
    if _CURSOR.fullmatch(text) is None or int(text) > MAX_ID:
        abort(404)
    return int(text)


def values_of(columns: Sequence[sa.ColumnElement], values: Sequence) -> sa.Tuple:
    """A row of bound values, each with its column's type (so dates are stored alike)."""
    bound = [sa.bindparam(None, v, type_=c.type) for c, v in zip(columns, values, strict=True)]
    return sa.tuple_(*bound)


def escape_like(text: str) -> str:
    """text for a LIKE pattern with backslash as the escape: its % and _ match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class NoSuchPage(Exception):
    """A well-formed cursor that names no page of the listing (its row is gone or moved, or
    nothing follows it)."""


@dataclass(frozen=True)
class Segment:
    """A part of a listing, read in the order of key (newest first, ending in a unique id)."""

    where: ColumnElement[bool]
    key: tuple[sa.ColumnElement, ...]


@dataclass
class Page:
    """One page: its rows, and the cursors of its neighbours."""

    items: list
    #: ?before= for the Older link; None on the last page.
    older: int | None
    #: Whether there is a Newer page, and its ?before= (None: the first page, no parameter).
    has_newer: bool
    newer: int | None


class Keyset:
    """A listing of `entity` rows matching filters, read in segments, merged over branches."""

    def __init__(
        self,
        load: Select,
        ident: sa.ColumnElement,
        filters: Sequence[ColumnElement[bool]],
        segments: Sequence[Segment],
        branches: Sequence[ColumnElement[bool]] = (sa.true(),),
    ) -> None:
        self.load = load
        self.ident = ident
        self.filters = list(filters)
        self.segments = segments
        self.branches = branches

    def _keys(
        self, segment: Segment, bound: tuple | None, newer: bool, limit: int, skip: int = 0
    ) -> list:
        """(id, *key) of up to limit rows of segment after bound (before it if newer), the
        first `skip` of them passed over inside the database."""
        parts = []
        for branch in self.branches:
            rows = sa.select(self.ident, *segment.key).where(*self.filters, segment.where, branch)
            if bound is not None:
                row, anchor = sa.tuple_(*segment.key), values_of(segment.key, bound)
                rows = rows.where(row > anchor if newer else row < anchor)
            order = [c.asc() if newer else c.desc() for c in segment.key]
            parts.append(rows.order_by(*order))
        if len(parts) == 1:
            return db.session.execute(parts[0].offset(skip).limit(limit)).all()
        merged = sa.union_all(*(p.limit(skip + limit).subquery().select() for p in parts))
        merged = merged.subquery()
        order = [c.asc() if newer else c.desc() for c in list(merged.c)[1:]]
        query = sa.select(merged).order_by(*order).offset(skip).limit(limit)
        return db.session.execute(query).all()

    def _size(self, segment: Segment, cap: int) -> int:
        """How many rows segment holds, counted up to cap."""
        counts = [
            capped_count(sa.select(self.ident).where(*self.filters, segment.where, branch), cap)
            for branch in self.branches
        ]
        return min(cap, sum(db.session.execute(sa.select(*counts)).one()))

    def newest(self, count: int) -> bool:
        """Keep only the listing's newest `count` rows (before a filter with no index to
        follow, such as a search inside text); whether that left any out. The rows are
        passed over in the database, along the index, not brought here."""
        remaining = count
        for index, segment in enumerate(self.segments):
            rows = self._keys(segment, None, newer=False, limit=2, skip=remaining - 1)
            if not rows:
                remaining -= self._size(segment, remaining)
                continue
            later = len(rows) > 1 or bool(self._walk(index + 1, None, newer=False, limit=1))
            if later:
                within = sa.tuple_(*segment.key) >= values_of(segment.key, rows[0][1:])
                self.segments = [
                    *self.segments[:index],
                    Segment(sa.and_(segment.where, within), segment.key),
                ]
            return later
        return False

    def where(self, *clauses: ColumnElement[bool]) -> None:
        """Narrow the listing."""
        self.filters.extend(clauses)

    def _find(self, row_id: int) -> tuple[int, tuple] | None:
        """The segment and key of the listing's row row_id, or None if it is not in it."""
        for index, segment in enumerate(self.segments):
            found = db.session.execute(
                sa.select(*segment.key).where(*self.filters, segment.where, self.ident == row_id)
            ).first()
            if found is not None:
                return index, tuple(found)
        return None

    def _walk(self, start: int, bound: tuple | None, newer: bool, limit: int) -> list:
        """(segment index, id, *key) of up to limit rows from bound on, across segments."""
        found: list = []
        steps = range(start, -1, -1) if newer else range(start, len(self.segments))
        for index in steps:
            rows = self._keys(
                self.segments[index], bound if index == start else None, newer, limit - len(found)
            )
            found += [(index, *row) for row in rows]
            if len(found) >= limit:
                break
        return found

    def page(self, before: int | None, per_page: int) -> Page:
        """The page after the row `before` (the first page when None); NoSuchPage if there is
        no such page."""
        start, bound = 0, None
        if before is not None:
            anchor = self._find(before)
            if anchor is None:
                raise NoSuchPage
            start, bound = anchor
        rows = self._walk(start, bound, newer=False, limit=per_page + 1)
        if before is not None and not rows:
            raise NoSuchPage
        shown = rows[:per_page]
        by_id = {}
        if shown:
            loaded = db.session.scalars(self.load.where(self.ident.in_([r[1] for r in shown])))
            by_id = {self._id_of(item): item for item in loaded.unique()}
        items = [by_id[row[1]] for row in shown if row[1] in by_id]
        older = shown[-1][1] if len(rows) > per_page else None
        newer = None
        if before is not None:
            first = shown[0]
            above = self._walk(first[0], tuple(first[2:]), newer=True, limit=per_page + 1)
            newer = above[per_page][1] if len(above) > per_page else None
        return Page(items=items, older=older, has_newer=before is not None, newer=newer)

    def _id_of(self, item: object) -> int:
        return getattr(item, self.ident.key)
