"""Admission control: the sagas this worker has open, and whether it takes another.

Past its capacity a system that takes every order only makes every order slower, until
callers time out not knowing whether their order exists. So the order views refuse a
new order at once (429, with Retry-After) while this worker has `bound` sagas open: the
rest then move at full speed, and a refused order certainly does not exist.

The agent notes every order it writes. Sagas are counted by partition, so a partition
that moves to another worker takes its sagas with it; the sagas of a partition gained
are not known until they next change, which errs on the side of admitting.
"""

from __future__ import annotations

from collections.abc import Iterable

from models.orders import SETTLED, Order


class OpenSagas:
    """The ids of the orders this worker owns that are not settled, by partition."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self._by_partition: dict[int, set[str]] = {}

    def note(self, partition: int, order: Order) -> None:
        """Count `order` while it is open; forget it once it settles."""
        if order.status in SETTLED:
            self._by_partition.get(partition, set()).discard(order.id)
        else:
            self._by_partition.setdefault(partition, set()).add(order.id)

    def keep_only(self, partitions: Iterable[int]) -> None:
        """After a rebalance: forget the partitions this worker no longer owns."""
        kept = set(partitions)
        self._by_partition = {p: ids for p, ids in self._by_partition.items() if p in kept}

    def __len__(self) -> int:
        return sum(map(len, self._by_partition.values()))

    @property
    def full(self) -> bool:
        """Whether a new order must wait: as many sagas open as the bound allows."""
        return len(self) >= self.bound
