"""Percentiles, latency summaries and rates: the arithmetic every bench figure rests on."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: The percentiles every latency is summarised by, as (name, fraction).
PERCENTILES = (("p50", 0.50), ("p90", 0.90), ("p99", 0.99))


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest sample at or above `fraction` of them (no interpolation)."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def summary_ms(samples_s: Sequence[float]) -> dict[str, float] | None:
    """p50, p90, p99 and max of latencies given in seconds, in milliseconds; None if none."""
    if not samples_s:
        return None
    figures = {name: percentile(samples_s, q) for name, q in PERCENTILES}
    figures["max"] = max(samples_s)
    return {name: round(value * 1000, 2) for name, value in figures.items()}


def rate(count: int, seconds: float) -> float:
    """`count` per second over `seconds`; 0 over an empty span, which saw nothing happen."""
    return count / seconds if seconds > 0 else 0.0


def ratio(part: float | None, whole: float | None) -> float | None:
    """part / whole, or None when either is unknown or the whole is nothing."""
    if part is None or not whole:
        return None
    return part / whole
