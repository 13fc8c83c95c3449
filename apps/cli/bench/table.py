"""The report on the terminal: the JSON figures as lines a person reads."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apps.cli.bench.report import SAGA_HOPS

NA = "n/a"


def _num(value: float | None, digits: int = 1) -> str:
    return NA if value is None else f"{value:.{digits}f}"


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{name} {n}" for name, n in counts.items()) or "none"


def load_lines(figures: Mapping[str, Any]) -> list[str]:
    """One stretch of load: throughput, latency, statuses, CPU and events."""
    orders = figures["orders"]
    offered = figures["offered_per_s"]
    lines = [
        f"== {figures['label']}"
        + (f" (offered {offered:.1f} orders/s)" if offered is not None else ""),
        f"orders: {orders['sent']} sent, {orders['accepted']} accepted, "
        f"{orders['completed']} completed, {orders['as_expected']} ended as their kind must; "
        f"{figures['completed_per_s']:.1f} sagas/s",
        f"{'latency (ms)':<16}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}",
    ]
    for name, label in (("post", "POST"), ("terminal", "POST→terminal")):
        summary = figures["latency_ms"][name]
        cells = (
            [NA] * 4
            if summary is None
            else [f"{summary[q]:.1f}" for q in ("p50", "p90", "p99", "max")]
        )
        lines.append(f"{label:<16}" + "".join(f"{cell:>9}" for cell in cells))
    lines += [
        f"final status: {_counts(figures['by_final_status'])}",
        f"HTTP status of POST: {_counts(figures['by_http_status'])}",
        "kinds (ended as they must / sent): "
        + ", ".join(f"{k} {v['as_expected']}/{v['sent']}" for k, v in figures["by_kind"].items()),
    ]
    lines += cpu_lines(figures["cpu"])
    events = figures["events_per_s"]
    lines.append("events/s: " + ", ".join(f"{s} {_num(v)}" for s, v in events.items()))
    lines += wire_lines(figures.get("wire_per_saga"))
    generator = figures["generator"]
    lines.append(
        f"load generator: {generator['cpu_s']:.2f} CPU s, "
        f"sent at most {generator['max_lag_ms']:.1f} ms late"
    )
    if figures.get("overload"):
        lines.append(overload_line(figures["overload"], figures["completed_per_s"]))
    if figures["mismatches"]:
        lines.append("not as their kind must: " + ", ".join(figures["mismatches"]))
    return lines


def row(label: str, cells: list[str], width: int = 9) -> str:
    """A label, then right-aligned cells: one line of a table."""
    return f"{label:<16}" + "".join(f"{cell:>{width}}" for cell in cells)


def cpu_lines(cpu: Mapping[str, Any]) -> list[str]:
    if not cpu["seconds"]:
        return ["CPU: n/a (no pids: run with --start, or beside `oms up`, or give --pids)"]
    per_saga = cpu["ms_per_saga"] or {}
    lines = [row(f"CPU over {cpu['window_s']:.1f} s", ["s", "cores", "ms/saga"])]
    for name, seconds in cpu["seconds"].items():
        cores = cpu["cores"].get(name, 0.0)
        lines.append(row(name, [f"{seconds:.2f}", f"{cores:.2f}", _num(per_saga.get(name), 2)]))
    cores = sum(cpu["cores"].values())
    total = [f"{cpu['total_s']:.2f}", f"{cores:.2f}", _num(per_saga.get("total"), 2)]
    lines.append(row("all", total))
    return lines


#: The wire table's columns: records sent by topic kind, then requests and wake-ups.
WIRE_COLUMNS = (
    "saga ev",
    "changelog",
    "reply",
    "internal",
    "produce",
    "fetch",
    "empty",
    "wake-ups",
)
WIRE_RECORDS = ("saga_event", "changelog", "reply", "internal")
WIRE_COUNTS = ("produce_requests", "fetch_requests", "empty_fetches", "wakeups")


def wire_lines(per_saga: Mapping[str, Any] | None) -> list[str]:
    """What one saga cost on the wire, per service: records sent, requests, wake-ups."""
    if not per_saga:
        return ["wire per saga: n/a (no saga completed, or the workers keep no wire counts)"]
    lines = [row("wire per saga", list(WIRE_COLUMNS), 10)]
    for service, figures in per_saga.items():
        if figures is None:
            lines.append(row(service, [NA] * len(WIRE_COLUMNS), 10))
            continue
        cells = [figures["records"][kind] for kind in WIRE_RECORDS]
        cells += [figures[name] for name in WIRE_COUNTS]
        lines.append(row(service, [_num(cell, 2) for cell in cells], 10))
    lines.append(
        "(records sent by topic kind; produce and fetch requests, fetches answered empty; "
        "wake-ups of the main loop by the consumer thread)"
    )
    return lines


def overload_line(overload: Mapping[str, Any], completed_per_s: float) -> str:
    return (
        f"overload: {completed_per_s:.1f} sagas/s = {_num(overload['fraction_of_max'], 2)} of the "
        f"max {overload['max_sustained_per_s']:.1f}; {overload['refused_at_once']} POSTs refused "
        f"at once (429/503+Retry-After), {overload['waited_into_504']} waited into a 504; "
        f"every accepted order ({overload['accepted']}) settled as it must: "
        + ("yes" if overload["every_accepted_settled"] else "NO")
    )


def idle_line(idle: Mapping[str, float] | None) -> str:
    if not idle:
        return "idle CPU: n/a"
    return "idle CPU (cores, no load): " + ", ".join(f"{n} {v:.3f}" for n, v in idle.items())


def step_lines(steps: list[Mapping[str, Any]], best: float | None) -> list[str]:
    lines = ["== find-max: steps"]
    for step in steps:
        outcome = "pass" if step["passed"] else "FAIL: " + "; ".join(step["reasons"])
        lines.append(
            f"{step['rate']:8.1f} orders/s -> {step['completed_per_s']:7.1f} sagas/s, "
            f"p99 {_num(step['p99_first_ms'], 0)} -> {_num(step['p99_last_ms'], 0)} ms  {outcome}"
        )
    lines.append(f"highest rate kept up with: {_num(best)} orders/s")
    return lines


def comparison_lines(rows: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [
        "== raw references on the same broker; ratios are system / reference",
        row("", ["events/s", "CPU ms/ev", "hop p50", "hop p99", "ev/s x", "p50 x", "p99 x"], 10),
    ]
    for name, figures in rows.items():
        hop = figures.get("hop_ms") or {}
        cells = [
            _num(figures.get("events_per_s")),
            _num(figures.get("cpu_ms_per_event"), 3),
            _num(hop.get("p50"), 2),
            _num(hop.get("p99"), 2),
            _num(figures.get("system_events_per_s_ratio"), 3),
            _num(figures.get("system_hop_p50_ratio"), 2),
            _num(figures.get("system_hop_p99_ratio"), 2),
        ]
        lines.append(row(name, cells, 10))
    lines.append(
        f"(the system's hop: its POST-to-CONFIRMED latency over the saga's {SAGA_HOPS} hops)"
    )
    return lines


def lines_of(result: Mapping[str, Any]) -> list[str]:
    """The whole run on the terminal."""
    lines = [idle_line(result["idle_cpu_cores"])]
    if result["find_max"]:
        lines += step_lines(result["find_max"]["steps"], result["find_max"]["max_sustained_per_s"])
    for wait in result["recoveries"]:
        outcome = "caught up" if wait["caught_up"] else "still behind"
        lines.append(f"before {wait['before']}: {outcome} after {wait['seconds']:g} s")
    for figures in result["loads"]:
        lines += load_lines(figures)
    if result["comparison"] and result["references"]:
        lines.append(f"compared with: {result['comparison']['basis']}")
        lines += comparison_lines(result["comparison"]["rows"])
    for name, figures in result["references"].items():
        if "error" in figures:
            lines.append(f"reference {name} has no figures: {figures['error']}")
    lines += ["== oms check", *result["check"]["lines"]]
    return lines
