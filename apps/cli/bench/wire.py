"""What a saga costs on the wire, per service: the workers' wire counters, per completed saga.

Each worker counts the records its producer is handed (by topic kind), the Kafka
requests of its clients (by API), the Fetch responses without a record, and the
wake-ups between its main loop and Faust's consumer thread (apps/platform/wire_counts.py
names them). Their growth over a stretch of load, divided by the sagas it completed,
is what one saga costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

#: The workers' counters, as their samples are named in the text format.
RECORDS_SENT = "oms_records_sent_total"
KAFKA_REQUESTS = "oms_kafka_requests_total"
EMPTY_FETCHES = "oms_kafka_empty_fetches_total"
CROSS_THREAD_WAKEUPS = "oms_cross_thread_wakeups_total"
#: The kinds of topic a record goes to, as the workers label them.
KINDS = ("saga_event", "changelog", "reply", "internal")
#: The wake-ups reported as such: the consumer thread waking the main loop.
WAKEUPS, WAKEUPS_TO_CONSUMER = "consumer_to_main", "main_to_consumer"

Totals = Mapping[str, float]


def worker_totals(text: str) -> dict[str, float] | None:
    """One worker's wire counters, summed into flat figures (`records.<kind>`,
    `requests.<client>.<api>`, `empty_fetches`, `wakeups.<path>`); None if it keeps none."""
    families = list(text_string_to_metric_families(text))
    if not any(family.name == RECORDS_SENT.removesuffix("_total") for family in families):
        return None
    totals: defaultdict[str, float] = defaultdict(float)
    for sample in (sample for family in families for sample in family.samples):
        labels = sample.labels
        if sample.name == RECORDS_SENT:
            totals[f"records.{labels['kind']}"] += sample.value
        elif sample.name == KAFKA_REQUESTS:
            totals[f"requests.{labels['client']}.{labels['api']}"] += sample.value
        elif sample.name == EMPTY_FETCHES:
            totals["empty_fetches"] += sample.value
        elif sample.name == CROSS_THREAD_WAKEUPS:
            totals[f"wakeups.{labels['path']}"] += sample.value
    return dict(totals)


def totals(texts: Mapping[str, Sequence[str] | None]) -> dict[str, Totals | None]:
    """Per service, its workers' wire counters summed; None if any worker's are unknown."""
    summed: dict[str, Totals | None] = {}
    for service, worker_texts in texts.items():
        each = [worker_totals(text) for text in worker_texts or ()]
        if worker_texts is None or any(figures is None for figures in each):
            summed[service] = None
            continue
        service_totals: defaultdict[str, float] = defaultdict(float)
        for figures in each:
            for key, value in (figures or {}).items():
                service_totals[key] += value
        summed[service] = dict(service_totals)
    return summed


def per_saga(
    before: Mapping[str, Totals | None], after: Mapping[str, Totals | None], sagas: int
) -> dict[str, dict[str, Any] | None] | None:
    """Per service (and `all` of them), what one completed saga cost on the wire between
    two scrapes; None with no saga. A service is None where either scrape lacks it or its
    counters went back (a worker restarted)."""
    if sagas <= 0 or not before:
        return None
    figures: dict[str, dict[str, Any] | None] = {}
    for service, start in before.items():
        end = after.get(service)
        grown = None if start is None or end is None else _growth(start, end)
        figures[service] = None if grown is None else _per_saga(grown, sagas)
    known = [f for f in figures.values() if f is not None]
    if known and len(known) == len(figures):
        figures["all"] = _summed(known)
    return figures


def _growth(start: Totals, end: Totals) -> dict[str, float] | None:
    grown = {key: end.get(key, 0.0) - start.get(key, 0.0) for key in {*start, *end}}
    return None if any(value < 0 for value in grown.values()) else grown


def _per_saga(grown: Mapping[str, float], sagas: int) -> dict[str, Any]:
    def each(value: float) -> float:
        return round(value / sagas, 2)

    records = {kind: grown.get(f"records.{kind}", 0.0) for kind in KINDS}
    requests = {
        key.removeprefix("requests."): value
        for key, value in grown.items()
        if key.startswith("requests.") and value
    }
    return {
        "records": {
            **{k: each(v) for k, v in records.items()},
            "total": each(sum(records.values())),
        },
        "produce_requests": each(_api(requests, "Produce")),
        "fetch_requests": each(_api(requests, "Fetch")),
        "empty_fetches": each(grown.get("empty_fetches", 0.0)),
        "wakeups": each(grown.get(f"wakeups.{WAKEUPS}", 0.0)),
        "wakeups_to_consumer": each(grown.get(f"wakeups.{WAKEUPS_TO_CONSUMER}", 0.0)),
        "requests": {key: each(value) for key, value in sorted(requests.items())},
    }


def _api(requests: Mapping[str, float], api: str) -> float:
    """Requests of `api`, whichever client sent them (keys are `<client>.<api>`)."""
    return sum(value for key, value in requests.items() if key.split(".", 1)[1] == api)


def _summed(services: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The services' figures added up: what a saga costs the whole system."""

    def add(values: Sequence[Any]) -> Any:
        if isinstance(values[0], Mapping):
            keys = dict.fromkeys(key for value in values for key in value)
            return {key: add([value.get(key, 0.0) for value in values]) for key in keys}
        return round(sum(values), 2)

    return {field: add([figures[field] for figures in services]) for field in services[0]}
