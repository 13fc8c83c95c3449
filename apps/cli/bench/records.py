"""What the load generator records of each order, and the counts a report draws from them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from apps.cli.bench.mix import EXPECTED_END

#: A POST answered at once with "come back later": the system sheds load it cannot take.
REFUSAL_STATUSES = frozenset({429, 503})
GATEWAY_TIMEOUT = 504


@dataclass(frozen=True)
class OrderRecord:
    """One order as the load generator saw it; times are seconds since the run began.

    `sent` is when the order was due by the schedule, not when it left: latencies are
    counted from it, so a generator that falls behind cannot hide the wait (and `lag`
    says how far behind it was).
    """

    kind: str
    sent: float
    lag: float = 0.0
    post_status: int | None = None  # None: no answer at all (connection lost, timed out)
    post_latency: float | None = None
    retry_after: bool = False  # the refusal carried a Retry-After header
    order_id: str | None = None
    final_status: str | None = None  # the last status seen; terminal once `ended` is set
    ended: float | None = None  # when the terminal status came back
    delete_status: int | None = None  # cancelled kind: the answer to its DELETE

    @property
    def accepted(self) -> bool:
        return self.post_status == 201

    @property
    def refused_at_once(self) -> bool:
        """Shed by the system: 429, or 503 with Retry-After (a 503 without is not ready)."""
        return self.post_status == 429 or (self.post_status == 503 and self.retry_after)

    @property
    def timed_out(self) -> bool:
        """The POST waited for the order agent until the gateway gave up (504)."""
        return self.post_status == GATEWAY_TIMEOUT

    @property
    def terminal_latency(self) -> float | None:
        return None if self.ended is None else self.ended - self.sent

    @property
    def as_expected(self) -> bool:
        """Accepted, and ended in the status its kind must end in."""
        return self.ended is not None and self.final_status == EXPECTED_END[self.kind]


def post_latencies(records: Iterable[OrderRecord]) -> list[float]:
    return [r.post_latency for r in records if r.post_latency is not None]


def terminal_latencies(records: Iterable[OrderRecord]) -> list[float]:
    return [latency for r in records if (latency := r.terminal_latency) is not None]


def by_final_status(records: Iterable[OrderRecord]) -> dict[str, int]:
    """Orders by how they ended: a terminal status, `UNSETTLED <last>`, or `NOT PLACED`."""
    counts: Counter[str] = Counter()
    for r in records:
        if not r.accepted:
            counts["NOT PLACED"] += 1
        elif r.ended is None:
            counts[f"UNSETTLED {r.final_status or 'PENDING'}"] += 1
        else:
            counts[str(r.final_status)] += 1
    return dict(sorted(counts.items()))


def by_http_status(records: Iterable[OrderRecord]) -> dict[str, int]:
    """POSTs by the status they answered (`no answer` when none came)."""
    counts = Counter("no answer" if r.post_status is None else str(r.post_status) for r in records)
    return dict(sorted(counts.items()))


def by_kind(records: Iterable[OrderRecord]) -> dict[str, dict[str, int]]:
    """For each kind: orders sent, ended as they must, and not."""
    table: dict[str, dict[str, int]] = {}
    for r in records:
        row = table.setdefault(r.kind, {"sent": 0, "as_expected": 0, "mismatched": 0})
        row["sent"] += 1
        row["as_expected" if r.as_expected else "mismatched"] += 1
    return dict(sorted(table.items()))


def mismatches(records: Iterable[OrderRecord]) -> list[OrderRecord]:
    """Orders that did not end as their kind must (refused ones included)."""
    return [r for r in records if not r.as_expected]


def accepted_mismatches(records: Iterable[OrderRecord]) -> list[OrderRecord]:
    """Accepted orders that did not end as their kind must: under overload, the failures."""
    return [r for r in records if r.accepted and not r.as_expected]


def describe(record: OrderRecord) -> str:
    """One order for an error message: its id (or kind and due time) and how it ended."""
    name = record.order_id or f"{record.kind}@{record.sent:.2f}s"
    if not record.accepted:
        return f"{name} POST {record.post_status or 'no answer'}"
    return f"{name} ({record.kind}) {record.final_status or 'PENDING'}"


def span(records: Sequence[OrderRecord]) -> float:
    """From the run's start to the last terminal answer (or the last due time)."""
    moments = [r.ended for r in records if r.ended is not None] + [r.sent for r in records]
    return max(moments, default=0.0)
