"""What a worker counts for Prometheus: events, saga outcomes, REST requests, rebalances.

One registry per worker process (prometheus_client's default); `web.kit.metrics` serves it.
What is read rather than counted (rows per table and facet, consumer lag) comes from a
collector over the app, asked at each scrape (see `WorkerGauges`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import REGISTRY, Counter, Gauge, Histogram, Info
from prometheus_client.core import GaugeMetricFamily, Metric

from apps.platform.settings import VERSION

logger = logging.getLogger(__name__)

#: From the shortest handler to a long-poll that waited its 30 s.
SECONDS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0)

EVENTS_HANDLED = Counter(
    "oms_events_handled",
    "Events the agents took from their topics, by topic and outcome (handled, dead_lettered).",
    ["topic", "outcome"],
)
HANDLING_SECONDS = Histogram(
    "oms_event_handling_seconds",
    "How long an agent took on one event, retries included, by topic.",
    ["topic"],
    buckets=SECONDS,
)
DEAD_LETTERS = Counter(
    "oms_dead_letters",
    "Messages put on the dead-letter topic, by the topic they came from.",
    ["topic"],
)
SAGA_OUTCOMES = Counter(
    "oms_saga_outcomes",
    "Values that reached the end of their story (an order settled), by table, status, reason.",
    ["table", "status", "reason"],
)
HTTP_REQUESTS = Counter(
    "oms_http_requests",
    "REST requests answered, by route, method and status code.",
    ["route", "method", "status"],
)
HTTP_SECONDS = Histogram(
    "oms_http_request_seconds",
    "How long a REST request took to answer (a long-poll included), by route and method.",
    ["route", "method"],
    buckets=SECONDS,
)
REBALANCES = Counter(
    "oms_rebalances",
    "Rebalances of this worker's consumer group it took part in (partitions assigned anew).",
)
SAGAS_NUDGED = Counter(
    "oms_sagas_nudged",
    "Orders found open and unchanged for OMS_SAGA_NUDGE_AFTER and nudged on (0 when all is well).",
)
CHANGELOG_RECORDS_RESTORED = Counter(
    "oms_changelog_records_restored",
    "Changelog records read into this worker's tables by its restores, by table: after a "
    "restart with its state intact, only those written since its stored offsets.",
    ["table"],
)
RESTORE_SECONDS = Gauge(
    "oms_changelog_restore_seconds",
    "How long this worker's last restore read its changelogs (see apps/platform/restoring.py).",
)
BUILD = Info(
    "oms_build",
    "The release this worker runs, and its service: a constant 1 labelled with them.",
)
RESTARTS = Gauge(
    "oms_worker_restarts",
    "How many times `oms up` started this worker again after it died (OMS_RESTARTS).",
)


def handled(topic: str, seconds: float, *, dead_lettered: bool) -> None:
    """Count one event an agent took from `topic`, and the time it took."""
    EVENTS_HANDLED.labels(topic, "dead_lettered" if dead_lettered else "handled").inc()
    HANDLING_SECONDS.labels(topic).observe(seconds)


def settled(table: str, status: str, reason: str | None) -> None:
    """Count one value of `table` that reached its outcome `status`."""
    SAGA_OUTCOMES.labels(table, status, reason or "").inc()


def answered(route: str, method: str, status: int, seconds: float) -> None:
    """Count one REST request, and the time it took."""
    HTTP_REQUESTS.labels(route, method, str(status)).inc()
    HTTP_SECONDS.labels(route, method).observe(seconds)


class WorkerGauges:
    """Rows per table and facet (from each table's index), and consumer lag per partition,
    of the apps of this process: a worker runs one (tests import all three)."""

    def __init__(self) -> None:
        self.apps: list[Any] = []

    def collect(self) -> Iterator[Metric]:
        rows = GaugeMetricFamily(
            "oms_table_rows",
            "Rows of each table on this worker, by facet (an order's status, say); "
            "absent until the table's index is built after a rebalance.",
            labels=["table", "facet"],
        )
        for table in (table for app in self.apps for table in app.tables.values()):
            for facet, count in (table.counts() or {}).items():
                rows.add_metric([table.name, _label(facet)], count)
        yield rows
        yield self._by_partition(
            "oms_consumer_lag",
            "Records of each partition this worker consumes that it has not yet committed "
            "(high watermark - committed offset).",
            _lag,
        )
        yield self._by_partition(
            "oms_standby_lag",
            "Records of each changelog partition this worker keeps a standby copy of that "
            "the copy has not read yet (high watermark - next offset to read); NaN until "
            "its first fetch.",
            _standby_lag,
        )

    def _by_partition(self, name: str, documentation: str, read: PartitionValues) -> Metric:
        """A gauge labelled by topic and partition, of what `read` finds in each app."""
        family = GaugeMetricFamily(name, documentation, labels=["topic", "partition"])
        for (topic, partition), value in (row for app in self.apps for row in read(app)):
            family.add_metric([topic, str(partition)], value)
        return family


#: What a gauge by partition reads of an app: ((topic, partition), value) for each.
PartitionValues = Callable[[Any], Iterator[tuple[tuple[str, int], float]]]


def _lag(app: Any) -> Iterator[tuple[tuple[str, int], float]]:
    consumer = app.consumer
    committed = consumer._committed_offset  # Faust's: the next offset to read, by TP
    try:
        assigned = consumer.assignment()
    except Exception:  # a scrape of a starting worker shows no lag
        return
    for tp in assigned:
        try:
            highwater = consumer.highwater(tp)
        except Exception:  # a partition just revoked has none
            continue
        offset = committed.get(tp)
        if highwater is not None and offset is not None:
            yield (tp.topic, tp.partition), max(0, highwater - offset)


def _standby_lag(app: Any) -> Iterator[tuple[tuple[str, int], float]]:
    recovery = app.tables.recovery
    for tp in list(recovery.standby_tps):
        try:
            highwater = app.consumer.highwater(tp)
        except Exception:  # a partition just revoked has none
            continue
        offset = recovery.standby_offsets.get(tp)  # the last record read, -1: none yet
        unknown = highwater is None or offset is None
        yield (tp.topic, tp.partition), math.nan if unknown else max(0, highwater - offset - 1)


def _label(facet: object) -> str:
    return "" if facet is None else str(facet)


GAUGES = WorkerGauges()
REGISTRY.register(GAUGES)


def watch(app: Any) -> None:
    """Read `app`'s tables and consumer at each scrape; label the worker's build."""
    BUILD.info({"version": VERSION, "service": app.service})
    GAUGES.apps.append(app)
