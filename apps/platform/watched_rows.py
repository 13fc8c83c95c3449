"""The rows of a listed table that a timer watches, without walking the table each tick.

A timer looks at few rows (the payments pending, the orders not yet settled) of a table
that grows with every order ever placed. The owning agent notes each row it writes;
after a rebalance the partitions gained hold rows never seen here, so the keys are read
once from the table's index (see `ListedTable`) and kept from then on.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from apps.platform.listed_table import ListedTable, Rebalanced
from apps.platform.readiness import not_ready_reason
from models.base import Page

V = TypeVar("V")


class WatchedRows(Generic[V]):
    """The rows of `table` that `query` keeps, read from its index after a rebalance."""

    def __init__(self, table: ListedTable, query: Page) -> None:
        self.table = table
        self.query = query
        #: The keys of the rows watched; None until read from the index after a rebalance.
        self.keys: set[str] | None = None

    def note(self, key: str, value: V) -> None:
        """The agent wrote `value` under `key`: watch it if it is to be watched."""
        if self.keys is not None and self.query.matches(value):
            self.keys.add(key)

    def forget(self) -> None:
        """The partitions changed: read the keys from the index again."""
        self.keys = None

    async def rows(self) -> list[V] | None:
        """The rows watched now; None while the worker is not ready to serve (rebalancing,
        recovering), when the rows are not all its own."""
        if not_ready_reason(self.table.app) is not None:
            return None
        if self.keys is None:
            try:
                keys, _ = (await self.table.ready_index()).newest_first(self.query)
            except Rebalanced:
                return None  # the next tick reads the new partitions
            self.keys = set(keys)
        rows: dict[str, Any] = {key: self.table.get(key) for key in self.keys}
        kept = self.query.matches
        watched = {key: row for key, row in rows.items() if row is not None and kept(row)}
        self.keys = set(watched)  # a row no longer watched (settled, say) is not read again
        return list(watched.values())
