"""What a worker counts for Prometheus: the events its agents handle, and how long each takes.

One registry per worker process (prometheus_client's default); `web.kit.metrics` serves it.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_HANDLED = Counter(
    "oms_events_handled",
    "Events the agents took from their topics, by topic and outcome (handled, dead_lettered).",
    ["topic", "outcome"],
)
HANDLING_SECONDS = Histogram(
    "oms_event_handling_seconds",
    "How long an agent took on one event, retries included, by topic.",
    ["topic"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
DEAD_LETTERS = Counter(
    "oms_dead_letters",
    "Messages put on the dead-letter topic, by the topic they came from.",
    ["topic"],
)


def handled(topic: str, seconds: float, *, dead_lettered: bool) -> None:
    """Count one event an agent took from `topic`, and the time it took."""
    EVENTS_HANDLED.labels(topic, "dead_lettered" if dead_lettered else "handled").inc()
    HANDLING_SECONDS.labels(topic).observe(seconds)
