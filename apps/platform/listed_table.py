"""Tables that a list reads a page of, not the whole: each worker indexes its rows.

A list is newest first, with its total. Walking the table for each request would cost
more with every order ever placed, so each worker keeps in memory, for the partitions
it owns, an index of its rows: their keys in creation order, by facet (their status,
say) and by each of the list's selective fields (a customer, say). A page reads only the rows it
shows, from the lists of the facets it wants; its total is the length of those lists.

After each rebalance (partitions came or went, and were recovered from their
changelogs) the index is built anew by one walk of the table, in slices so the agents
and views go on meanwhile; every write since keeps it. Lists wait for it. Nothing else
writes a table: recovery happens before the worker serves.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
import time
from bisect import bisect_left, insort
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from operator import attrgetter
from typing import Any

import faust
from faust.types import TP

from apps.platform import startup
from apps.platform.restoring import ChangelogTopic
from models.base import Page

logger = logging.getLogger(__name__)

#: Where a row sorts: when it was created, then its key.
Position = tuple[datetime, str]


@dataclass(frozen=True, slots=True)
class Row:
    """What the index knows of one row."""

    position: Position
    facet: Hashable
    #: The values of the list's selective fields, in their order.
    selected: tuple[Hashable, ...]


def row_of(query: type[Page], key: str, value: Any) -> Row:
    """What the index of a list filtered by `query` keeps of the row `key`: `value`."""
    selected = tuple(getattr(value, field) for field in query.selective)
    return Row((value.created_at, key), query.facet_of(value), selected)


class RowIndex:
    """One table's rows on this worker, in creation order by facet and by selective fields."""

    def __init__(self, query: type[Page], rows: Mapping[str, Row]) -> None:
        self.query = query
        self._rows = dict(rows)
        #: The rows' positions by facet, oldest first: a list merges the facets it wants.
        self._by_facet: dict[Hashable, list[Position]] = {}
        #: ... and by (selective field's place, its value), if the list has such fields.
        self._selected: dict[tuple[int, Hashable], list[Position]] = {}
        for row in sorted(self._rows.values(), key=attrgetter("position")):
            self._place(row, list.append)

    @classmethod
    def of(cls, query: type[Page], values: Iterable[tuple[str, Any]]) -> RowIndex:
        """The index of these `(key, value)` rows."""
        return cls(query, {key: row_of(query, key, value) for key, value in values})

    def __len__(self) -> int:
        return len(self._rows)

    def counts(self) -> dict[Hashable, int]:
        """How many rows of each facet (an order's status, say)."""
        return {facet: len(positions) for facet, positions in self._by_facet.items()}

    def keys(self) -> Iterable[str]:
        return self._rows.keys()

    def note(self, key: str, row: Row | None) -> None:
        """`key` now holds the value of `row` (None: nothing)."""
        old = self._rows.pop(key, None)
        if old is not None:
            _remove(self._by_facet, old.facet, old.position)
            for place, selected in enumerate(old.selected):
                _remove(self._selected, (place, selected), old.position)
        if row is not None:
            self._rows[key] = row
            self._place(row, insort)

    def newest_first(self, query: Page) -> tuple[Iterator[str], int]:
        """The keys of the rows `query` keeps, newest first, and how many there are."""
        chosen = [(place, getattr(query, field)) for place, field in enumerate(query.selective)]
        chosen = [(place, value) for place, value in chosen if value is not None]
        if chosen:
            # The rows of the first field chosen, kept if they match the others too.
            rows = (self._rows[key] for _, key in reversed(self._selected.get(chosen[0], [])))
            keys = [
                row.position[1]
                for row in rows
                if query.wants(row.facet)
                and all(row.selected[place] == value for place, value in chosen[1:])
            ]
            return iter(keys), len(keys)
        wanted = [positions for facet, positions in self._by_facet.items() if query.wants(facet)]
        newest = heapq.merge(*map(reversed, wanted), reverse=True)
        return (key for _, key in newest), sum(map(len, wanted))

    def _place(self, row: Row, put: Callable[[list[Position], Position], None]) -> None:
        put(self._by_facet.setdefault(row.facet, []), row.position)
        for place, selected in enumerate(row.selected):
            put(self._selected.setdefault((place, selected), []), row.position)


def _remove(lists: dict[Any, list[Position]], name: Hashable, position: Position) -> None:
    """Take `position` out of the list `name` of `lists`, and the list once it is empty."""
    positions = lists[name]
    del positions[bisect_left(positions, position)]
    if not positions:
        del lists[name]


#: Rows the walk that builds an index reads between two yields to the event loop.
WALK_SLICE = 500


class Rebalanced(Exception):
    """The worker's partitions changed while a list waited for the index."""


class ListedTable(faust.Table):  # type: ignore[misc,type-arg]
    """A table that keeps a `RowIndex` of this worker's rows, so lists read only a page."""

    def __init__(self, app: Any, *, query: type[Page], **kwargs: Any) -> None:
        super().__init__(app, **kwargs)
        # Rows are stored, and sent to the changelog, as their models' JSON and parsed in
        # one pass (`model_codec`). Faust takes a table's serializer only from a
        # faust.Record value type; its store is made on first use, after this.
        self.value_serializer = "model"
        #: The filter of this table's list: what rows are counted by, and selected by.
        self.query = query
        self._index: RowIndex | None = None
        #: Counts rebalances, so a walk begun before the last one knows it is stale.
        self._generation = 0
        self._building: asyncio.Future[None] | None = None
        #: While a walk builds the index: every write since it began (None: deleted).
        self._written: dict[str, Row | None] | None = None

    def _new_changelog_topic(self, **kwargs: Any) -> Any:
        """The changelog Faust makes, read as bytes on a restore (see `restoring`)."""
        return ChangelogTopic.like(super()._new_changelog_topic(**kwargs))

    @property
    def indexed(self) -> bool:
        """Whether this worker's index of the table is built (lists need not wait)."""
        return self._index is not None

    async def ready_index(self) -> RowIndex:
        """This worker's index, once built (raises `Rebalanced` if a rebalance came first)."""
        if self._index is None:
            building = self.start_index()
            await asyncio.shield(building)
            if self._index is None:
                raise Rebalanced(f"the partitions of {self.name} changed; ask again")
        return self._index

    def counts(self) -> dict[Hashable, int] | None:
        """Rows by facet here, once the index is built (see `metrics`); else None."""
        return None if self._index is None else self._index.counts()

    def start_index(self) -> asyncio.Future[None]:
        """Start the walk that builds the index, unless it is built or being built."""
        if self._building is None:
            self._building = asyncio.ensure_future(self._build(self._generation))
        return self._building

    async def _build(self, generation: int) -> None:
        if generation != self._generation:
            return
        started = time.monotonic()
        written: dict[str, Row | None] = {}
        self._written = written
        walked: dict[str, Row] = {}
        try:
            for count, (key, value) in enumerate(self.items(), 1):
                walked[key] = row_of(self.query, key, value)
                if count % WALK_SLICE == 0:
                    await asyncio.sleep(0)  # the agents and views go on meanwhile
                    if generation != self._generation:
                        return
        except Exception:
            self._building = self._written = None  # the next list walks again
            raise
        if generation != self._generation:
            return
        index = RowIndex(self.query, walked)
        for key, row in written.items():  # a write since the walk began is newer
            index.note(key, row)
        self._index, self._written = index, None
        elapsed = time.monotonic() - started
        logger.info("%s: indexed %d rows for lists in %.2f s", self.name, len(index), elapsed)
        if all(table.indexed for table in self.app.tables.values()):
            startup.reached("indexed")

    async def page(self, query: Page, *, skip: int = 0) -> tuple[list[Any], int]:
        """The values `query` keeps here, newest first, after `skip` of them and up to its
        `offset + limit`; and how many it keeps."""
        keys, total = (await self.ready_index()).newest_first(query)
        end = min(query.offset + query.limit, total)  # an offset may be past any index
        values = (self.get(key) for key in islice(keys, min(skip, end), end))
        return [value for value in values if value is not None], total

    async def first_keys(self, count: int, after: str | None = None) -> tuple[list[str], int]:
        """The `count` smallest keys here, past `after` if given (tables are paged by key for
        inspection), and how many keys there are in all."""
        index = await self.ready_index()
        keys = index.keys()
        past = keys if after is None else (key for key in keys if key > after)
        return heapq.nsmallest(count, past), len(index)

    def on_key_set(self, key: str, value: Any) -> None:
        super().on_key_set(key, value)
        self._note(key, row_of(self.query, key, value))

    def on_key_del(self, key: str) -> None:
        super().on_key_del(key)
        self._note(key, None)

    def _note(self, key: str, row: Row | None) -> None:
        if self._index is not None:
            self._index.note(key, row)
        elif self._written is not None:
            self._written[key] = row

    async def on_rebalance(
        self, assigned: set[TP], revoked: set[TP], newly_assigned: set[TP], generation_id: int = 0
    ) -> None:
        # Partitions came or went, and those that came are recovered after this: the
        # index is built anew once they are (see `listed_table`).
        self._generation += 1
        self._index = self._building = self._written = None
        await super().on_rebalance(assigned, revoked, newly_assigned, generation_id)


def listed_table(app: Any, name: str, *, query: type[Page], **options: Any) -> ListedTable:
    """A `ListedTable` of `app`, listed with `query`: what `app.Table(name, ...)` would make,
    its rows written by the `model` codec."""
    table = ListedTable(app, name=name, query=query, beacon=app.tables.beacon, **options)
    app.tables.add(table)

    async def index_recovered_rows(sender: Any, **kwargs: Any) -> None:
        table.start_index()  # before a list asks: the first list need not wait the walk

    app.on_rebalance_complete.connect(index_recovered_rows)
    return table
