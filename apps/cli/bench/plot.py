"""The PNG of a run: completions per second and POST-to-terminal p50/p99 over time.

matplotlib is the optional extra `bench` (`pip install -e '.[bench]'`); without it the
bench says so and goes on without the plot.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def draw(path: Path, series: Mapping[str, Sequence[Mapping[str, Any]]]) -> str:
    """Plot each named timeline (from `report.timeline`) into `path`; what was done, in words."""
    try:
        import matplotlib

        matplotlib.use("Agg")  # files only: no display here
        from matplotlib import pyplot
    except ImportError:
        return "no plot: matplotlib is not installed (pip install -e '.[bench]')"
    figure, (completions, latency) = pyplot.subplots(2, 1, sharex=True, figsize=(10, 6))
    offset = 0
    for label, timeline in series.items():
        seconds = [offset + point["second"] for point in timeline]
        (line,) = completions.plot(seconds, [p["completed"] for p in timeline], label=label)
        # One colour per stretch of load: p50 solid, p99 dotted.
        for q, style in (("p50_ms", "-"), ("p99_ms", ":")):
            latency.plot(seconds, [p[q] for p in timeline], style, color=line.get_color())
        offset = seconds[-1] + 1 if seconds else offset
    completions.set_ylabel("completed sagas / s")
    completions.legend(fontsize="small")
    latency.set_ylabel("POST→terminal (ms)\np50 solid, p99 dotted")
    latency.set_xlabel("seconds (stretches of load one after another)")
    for axes in (completions, latency):
        axes.grid(alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    pyplot.close(figure)
    return f"plot written to {path}"
