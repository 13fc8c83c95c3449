"""The figures of a bench run, as one JSON-ready dict: pure functions of what was measured."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from apps.cli.bench import cpu, records, wire
from apps.cli.bench.metrics import events_per_s
from apps.cli.bench.mix import OK
from apps.cli.bench.records import OrderRecord
from apps.cli.bench.search import Step
from apps.cli.bench.stats import percentile, rate, ratio, summary_ms

#: Hops on the critical path of a confirmed order, each a topic read by an agent:
#: order commands -> ORDER.CREATED -> stock commands (hold) -> line results ->
#: INVENTORY.RESERVED -> gateway requests -> payment commands -> PAYMENT.STATUS_UPDATE.
#: The system's latency per hop is estimated as POST-to-CONFIRMED over these.
SAGA_HOPS = 8
#: Mismatched orders named in the report at most; the counts cover them all.
NAMED_MISMATCHES = 20


@dataclass(frozen=True)
class Measurement:
    """One stretch of load and what the machine did meanwhile (readings around it)."""

    label: str
    offered_per_s: float | None  # None in the closed loop, where no rate is offered
    records: Sequence[OrderRecord]
    cpu_before: cpu.Reading
    cpu_after: cpu.Reading
    events_before: Mapping[str, float | None]
    events_after: Mapping[str, float | None]
    #: Under overload, the highest rate sustained, which this stretch offers twice.
    overload_of: float | None = None
    #: Each service's wire counters on either side (see `wire`); empty if not scraped.
    wire_before: Mapping[str, wire.Totals | None] = field(default_factory=dict)
    wire_after: Mapping[str, wire.Totals | None] = field(default_factory=dict)


def load_figures(m: Measurement) -> dict[str, Any]:
    """Throughput, latency, statuses, CPU, events and wire counts of one stretch of load."""
    completed = [r for r in m.records if r.ended is not None]
    span = records.span(m.records)
    window = m.cpu_after.at - m.cpu_before.at
    used = cpu.used(m.cpu_before, m.cpu_after)
    system_used = cpu.system_only(used)
    per_saga = cpu.ms_per_saga(system_used, len(completed))
    return {
        "label": m.label,
        "offered_per_s": m.offered_per_s,
        "orders": {
            "sent": len(m.records),
            "accepted": sum(r.accepted for r in m.records),
            "completed": len(completed),
            "as_expected": sum(r.as_expected for r in m.records),
        },
        "completed_per_s": round(rate(len(completed), span), 2),
        "span_s": round(span, 3),
        "latency_ms": {
            "post": summary_ms(records.post_latencies(m.records)),
            "terminal": summary_ms(records.terminal_latencies(m.records)),
        },
        "by_final_status": records.by_final_status(m.records),
        "by_http_status": records.by_http_status(m.records),
        "by_kind": records.by_kind(m.records),
        "mismatches": [records.describe(r) for r in records.mismatches(m.records)][
            :NAMED_MISMATCHES
        ],
        "cpu": {
            "window_s": round(window, 3),
            "seconds": {name: round(s, 3) for name, s in system_used.items()},
            "total_s": round(sum(system_used.values()), 3) if system_used else None,
            "cores": {n: round(s / window, 3) for n, s in system_used.items()} if window else {},
            "ms_per_saga": None
            if per_saga is None
            else {n: round(v, 2) for n, v in per_saga.items()},
        },
        "generator": {
            "cpu_s": round(used.get(cpu.GENERATOR, 0.0), 3),
            "max_lag_ms": round(max((r.lag for r in m.records), default=0.0) * 1000, 2),
        },
        "events_per_s": events_per_s(m.events_before, m.events_after, window),
        "wire_per_saga": wire.per_saga(m.wire_before, m.wire_after, len(completed)),
        "timeline": timeline(m.records),
        "overload": None if m.overload_of is None else overload(m, rate(len(completed), span)),
    }


def overload(m: Measurement, completed_per_s: float) -> dict[str, Any]:
    """How the system shed twice the load it sustains."""
    max_rate = m.overload_of or 0.0
    return {
        "max_sustained_per_s": max_rate,
        "fraction_of_max": _round(ratio(completed_per_s, max_rate)),
        "refused_at_once": sum(r.refused_at_once for r in m.records),
        "waited_into_504": sum(r.timed_out for r in m.records),
        "accepted": sum(r.accepted for r in m.records),
        "every_accepted_settled": not records.accepted_mismatches(m.records),
    }


def timeline(rows: Sequence[OrderRecord]) -> list[dict[str, Any]]:
    """Per second of the run: orders completed in it, and their POST-to-terminal p50 and p99."""
    seconds: dict[int, list[float]] = {}
    for r in rows:
        if r.ended is not None and (latency := r.terminal_latency) is not None:
            seconds.setdefault(math.floor(r.ended), []).append(latency)
    last = max(seconds, default=-1)
    return [
        {
            "second": s,
            "completed": len(seconds.get(s, [])),
            "p50_ms": _ms(percentile(seconds[s], 0.5)) if s in seconds else None,
            "p99_ms": _ms(percentile(seconds[s], 0.99)) if s in seconds else None,
        }
        for s in range(last + 1)
    ]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def estimated_hop_ms(rows: Sequence[OrderRecord]) -> dict[str, float] | None:
    """The system's latency per hop: POST-to-CONFIRMED of the orders that succeed / SAGA_HOPS."""
    confirmed = records.terminal_latencies(r for r in rows if r.kind == OK and r.as_expected)
    if not confirmed:
        return None
    return {
        name: _ms(percentile(confirmed, q) / SAGA_HOPS) for name, q in (("p50", 0.5), ("p99", 0.99))
    }


def comparison(
    system_events_per_s: Mapping[str, float | None],
    system_hop_ms: Mapping[str, float] | None,
    references: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    """The system beside each reference: its events/s and per-hop latency as ratios of theirs."""
    known = [v for v in system_events_per_s.values() if v is not None]
    events = sum(known) if known and len(known) == len(system_events_per_s) else None
    rows: dict[str, Any] = {"system": {"events_per_s": events, "hop_ms": system_hop_ms}}
    for name, ref in references.items():
        hop = ref.get("hop_ms") or {}
        rows[name] = {
            "events_per_s": ref.get("events_per_s"),
            "cpu_ms_per_event": ref.get("cpu_ms_per_event"),
            "hop_ms": {q: hop.get(q) for q in ("p50", "p99")} if hop else None,
            "system_events_per_s_ratio": _round(ratio(events, ref.get("events_per_s"))),
            "system_hop_p50_ratio": _round(ratio((system_hop_ms or {}).get("p50"), hop.get("p50"))),
            "system_hop_p99_ratio": _round(ratio((system_hop_ms or {}).get("p99"), hop.get("p99"))),
        }
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def failures(
    measured: Sequence[Measurement], *, refusals_fail: bool, check_status: int | None
) -> list[str]:
    """Why the run failed: orders that did not end as their kind must, a broken invariant."""
    reasons = []
    for m in measured:
        wrong = (
            records.mismatches(m.records)
            if refusals_fail
            else records.accepted_mismatches(m.records)
        )
        if wrong:
            named = ", ".join(records.describe(r) for r in wrong[:NAMED_MISMATCHES])
            reasons.append(
                f"{m.label}: {len(wrong)} orders did not end as their kind must: {named}"
            )
    if check_status:
        reasons.append("an invariant of `oms check` is broken")
    return reasons


def step_figures(step: Step, reasons: Sequence[str]) -> dict[str, Any]:
    """One step of the search, with its verdict."""
    return {
        "rate": round(step.rate, 2),
        "duration_s": step.duration,
        "sent": step.sent,
        "refused": step.refused,
        "mismatched": step.mismatched,
        "backlog": step.backlog,
        "p99_first_ms": None if step.p99_first_s is None else _ms(step.p99_first_s),
        "p99_last_ms": None if step.p99_last_s is None else _ms(step.p99_last_s),
        "completed_per_s": round(step.completed_per_s, 2),
        "passed": not reasons,
        "reasons": list(reasons),
    }
