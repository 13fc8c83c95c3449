"""The whole run as one JSON-ready dict: every stretch of load, the references, the verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from apps.cli.bench.options import CLOSED, RATE, Options
from apps.cli.bench.report import (
    Measurement,
    comparison,
    estimated_hop_ms,
    failures,
    load_figures,
)


def basis(measured: Sequence[Measurement], steps: Sequence[Mapping[str, Any]]) -> int:
    """The stretch the references are compared with: the best passing step, else the first."""
    passed = [i for i, step in enumerate(steps) if step["passed"]]
    return max(passed, key=lambda i: steps[i]["rate"]) if passed else 0


def assemble(
    options: Options,
    measured: Sequence[Measurement],
    *,
    pids: Mapping[str, int],
    idle: Mapping[str, float],
    steps: Sequence[Mapping[str, Any]],
    best: float | None,
    references: Mapping[str, Mapping[str, Any]],
    check_status: int,
    check_lines: Sequence[str],
    recoveries: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Every figure of the run, and whether it passed."""
    loads = [load_figures(m) for m in measured]
    compared = None
    if measured:
        chosen = basis(measured, steps)
        compared = {
            "basis": loads[chosen]["label"],
            "rows": comparison(
                loads[chosen]["events_per_s"],
                estimated_hop_ms(measured[chosen].records),
                references,
            ),
        }
    reasons = failures(
        measured, refusals_fail=options.mode in (RATE, CLOSED), check_status=check_status
    )
    return {
        "options": {name: _plain(value) for name, value in asdict(options).items()},
        "pids": dict(pids),
        "idle_cpu_cores": dict(idle),
        "loads": loads,
        "find_max": {"steps": list(steps), "max_sustained_per_s": best} if steps else None,
        "recoveries": [dict(r) for r in recoveries],
        "references": dict(references),
        "comparison": compared,
        "check": {"status": check_status, "lines": list(check_lines)},
        "verdict": {"passed": not reasons, "failures": reasons},
    }


def _plain(value: Any) -> Any:
    """An option as JSON holds it: paths as text, mappings as objects, the rest as is."""
    if isinstance(value, Path):
        return str(value)
    return dict(value) if isinstance(value, Mapping) else value
