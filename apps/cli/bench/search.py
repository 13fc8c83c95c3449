"""The search for the highest rate the system keeps up with: judging a step, choosing the next.

A step offers one rate for a while. It passes only if every order ended as its kind
must, none was refused, completions kept up with arrivals (few orders still open a
little after the step), and latency did not grow: the p99 of the step's last third is
not much above that of its first third. The search grows the rate while steps pass,
then halves the gap between the best pass and the lowest failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from apps.cli.bench.records import OrderRecord, terminal_latencies
from apps.cli.bench.stats import percentile

#: Each step offers this many times the last passing rate, until one fails.
GROWTH = 1.5
#: The search stops once the gap between a pass and a failure is within this fraction.
PRECISION = 0.10
#: Below this many orders a second there is nothing left to search.
MIN_RATE = 1.0
#: Seconds after a step's arrivals end by which its orders should have settled.
KEEP_UP_GRACE_S = 2.0
#: At most this fraction of a step's orders may still be open after the grace.
MAX_BACKLOG = 0.05
#: The last third's p99 may exceed the first third's by this factor, and by the slack: a
#: queue that grows without bound soon passes both, while one stall of a few hundred ms
#: (a commit, a GC pause: measured on this machine) passes neither.
P99_GROWTH = 2.0
P99_SLACK_S = 0.5


@dataclass(frozen=True)
class Step:
    """What one step of the search saw; times are seconds since the step began."""

    rate: float
    duration: float
    sent: int
    mismatched: int  # did not end as their kind must, refused ones included
    refused: int  # POSTs not answered 201
    backlog: int  # orders not settled by the end of the step plus the grace
    p99_first_s: float | None
    p99_last_s: float | None
    completed_per_s: float


def step_of(records: Sequence[OrderRecord], rate: float, duration: float) -> Step:
    """The step's figures from its orders' records."""
    by_due = sorted(records, key=lambda r: r.sent)
    third = len(by_due) // 3
    first, last = by_due[:third], by_due[len(by_due) - third :]
    settled_by = duration + KEEP_UP_GRACE_S
    ends = [r.ended for r in records if r.ended is not None]
    return Step(
        rate=rate,
        duration=duration,
        sent=len(records),
        mismatched=sum(not r.as_expected for r in records),
        refused=sum(not r.accepted for r in records),
        backlog=sum(r.ended is None or r.ended > settled_by for r in records),
        p99_first_s=_p99(first),
        p99_last_s=_p99(last),
        completed_per_s=len(ends) / max(ends) if ends else 0.0,
    )


def _p99(records: Sequence[OrderRecord]) -> float | None:
    latencies = terminal_latencies(records)
    return percentile(latencies, 0.99) if latencies else None


def verdict(step: Step) -> list[str]:
    """Why the step failed; an empty list when it passed."""
    reasons = []
    if step.sent == 0:
        return ["no order was sent"]
    if step.refused:
        reasons.append(f"{step.refused} POSTs refused")
    if step.mismatched:
        reasons.append(f"{step.mismatched} orders did not end as their kind must")
    if step.backlog > MAX_BACKLOG * step.sent:
        reasons.append(
            f"completions fell behind: {step.backlog} of {step.sent} orders "
            f"still open {KEEP_UP_GRACE_S:g} s after the step"
        )
    first, last = step.p99_first_s, step.p99_last_s
    if first is not None and last is not None and latency_grew(first, last):
        reasons.append(
            f"latency grew: p99 {first * 1000:.0f} ms in the first third, "
            f"{last * 1000:.0f} ms in the last"
        )
    return reasons


def latency_grew(p99_first: float, p99_last: float) -> bool:
    """Whether the last third's p99 is well above the first third's (not mere jitter)."""
    return p99_last > max(p99_first * P99_GROWTH, p99_first + P99_SLACK_S)


def next_rate(tried: Sequence[tuple[float, bool]]) -> float | None:
    """The rate to try after the steps `tried` (rate, passed); None once the search is done."""
    if not tried:
        raise ValueError("the search starts from a rate the caller chooses")
    passed = [rate for rate, ok in tried if ok]
    best = max(passed, default=0.0)
    failed = [rate for rate, ok in tried if not ok and rate > best]
    if not failed:
        return best * GROWTH
    lowest_failure = min(failed)
    if best == 0.0:
        lower = lowest_failure / 2
        return lower if lower >= MIN_RATE else None
    if lowest_failure - best <= PRECISION * best:
        return None
    return (best + lowest_failure) / 2


def max_sustained(tried: Sequence[tuple[float, bool]]) -> float | None:
    """The highest rate that passed, if any did."""
    return max((rate for rate, ok in tried if ok), default=None)
