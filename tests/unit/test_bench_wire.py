"""What a saga costs on the wire: the workers' counters, summed per service, their growth
over a stretch, per completed saga."""

from __future__ import annotations

from apps.cli.bench import wire
from apps.platform import wire_counts


def exposition(records: float, fetches: float, empty: float, wakeups: float) -> str:
    """A worker's /metrics: its wire counters, and one unrelated."""
    return f"""\
# HELP oms_records_sent_total Records sent.
# TYPE oms_records_sent_total counter
oms_records_sent_total{{kind="saga_event",topic="ORDER.CREATED"}} {records}
oms_records_sent_total{{kind="changelog",topic="order-service-orders-changelog"}} {3 * records}
oms_records_sent_total{{kind="internal",topic="order.commands"}} {records}
oms_records_sent_created{{kind="internal",topic="order.commands"}} 1.7e9
# TYPE oms_kafka_requests_total counter
oms_kafka_requests_total{{client="producer",api="Produce"}} {2 * records}
oms_kafka_requests_total{{client="producer",api="Metadata"}} 4
oms_kafka_requests_total{{client="consumer",api="Fetch"}} {fetches}
oms_kafka_requests_total{{client="consumer",api="Heartbeat"}} 50
# TYPE oms_kafka_empty_fetches_total counter
oms_kafka_empty_fetches_total{{client="consumer"}} {empty}
# TYPE oms_cross_thread_wakeups_total counter
oms_cross_thread_wakeups_total{{path="consumer_to_main"}} {wakeups}
oms_cross_thread_wakeups_total{{path="main_to_consumer"}} {wakeups}
oms_cross_thread_wakeups_total{{path="other_to_main"}} 2
oms_events_handled_total{{topic="order.commands",outcome="handled"}} {records}
"""


def test_the_bench_reads_the_counters_the_workers_keep() -> None:
    names = {
        wire.RECORDS_SENT: wire_counts.RECORDS_SENT,
        wire.KAFKA_REQUESTS: wire_counts.KAFKA_REQUESTS,
        wire.EMPTY_FETCHES: wire_counts.EMPTY_FETCHES,
        wire.CROSS_THREAD_WAKEUPS: wire_counts.CROSS_THREAD_WAKEUPS,
    }

    assert all(sample == f"{counter._name}_total" for sample, counter in names.items())
    assert wire.KINDS == wire_counts.KINDS
    assert (wire.WAKEUPS, wire.WAKEUPS_TO_CONSUMER) == (
        wire_counts.CONSUMER_TO_MAIN,
        wire_counts.MAIN_TO_CONSUMER,
    )


def test_a_workers_counters_are_summed_by_kind_request_and_path() -> None:
    assert wire.worker_totals(exposition(10, 100, 40, 120)) == {
        "records.saga_event": 10.0,
        "records.changelog": 30.0,
        "records.internal": 10.0,
        "requests.producer.Produce": 20.0,
        "requests.producer.Metadata": 4.0,
        "requests.consumer.Fetch": 100.0,
        "requests.consumer.Heartbeat": 50.0,
        "empty_fetches": 40.0,
        "wakeups.consumer_to_main": 120.0,
        "wakeups.main_to_consumer": 120.0,
        "wakeups.other_to_main": 2.0,
    }


def test_a_worker_without_the_counters_is_unknown__one_that_sent_nothing_is_zero() -> None:
    declared = (
        "# HELP oms_records_sent_total Records sent.\n# TYPE oms_records_sent_total counter\n"
    )

    assert wire.worker_totals('oms_events_handled_total{topic="t",outcome="handled"} 3\n') is None
    assert wire.worker_totals(declared) == {}


def test_a_service_is_the_sum_of_its_workers__unknown_if_any_is() -> None:
    texts = {
        "order": [exposition(10, 100, 40, 120), exposition(5, 50, 10, 60)],
        "inventory": None,
        "payment": [exposition(1, 1, 1, 1), "oms_other_total 1\n"],
    }

    summed = wire.totals(texts)

    order = summed["order"]
    assert order is not None and order["records.saga_event"] == 15.0
    assert order["requests.consumer.Fetch"] == 150.0
    assert summed["inventory"] is None and summed["payment"] is None


def test_per_saga_is_each_counters_growth_over_the_sagas_completed() -> None:
    before = wire.totals(
        {"order": [exposition(10, 100, 40, 120)], "payment": [exposition(0, 0, 0, 0)]}
    )
    after = wire.totals(
        {"order": [exposition(30, 300, 100, 200)], "payment": [exposition(4, 9, 3, 5)]}
    )

    figures = wire.per_saga(before, after, sagas=4)

    assert figures is not None
    assert figures["order"] == {
        "records": {"saga_event": 5.0, "changelog": 15.0, "reply": 0.0, "internal": 5.0,
                    "total": 25.0},
        "produce_requests": 10.0,
        "fetch_requests": 50.0,
        "empty_fetches": 15.0,
        "wakeups": 20.0,
        "wakeups_to_consumer": 20.0,
        "requests": {"consumer.Fetch": 50.0, "producer.Produce": 10.0},
    }  # fmt: skip
    payment = figures["payment"]
    assert payment is not None and payment["fetch_requests"] == 2.25
    assert figures["all"]["records"]["total"] == 30.0
    assert figures["all"]["fetch_requests"] == 52.25
    assert figures["all"]["requests"] == {"consumer.Fetch": 52.25, "producer.Produce": 12.0}


def test_without_a_completed_saga_there_is_no_cost_per_saga() -> None:
    totals = wire.totals({"order": [exposition(1, 1, 1, 1)]})

    assert wire.per_saga(totals, totals, sagas=0) is None
    assert wire.per_saga({}, {}, sagas=3) is None


def test_a_service_unknown_or_restarted_in_the_stretch_is_unknown__and_so_is_the_sum() -> None:
    before = wire.totals({"order": [exposition(10, 10, 1, 1)], "payment": None})
    after = wire.totals({"order": [exposition(5, 20, 2, 2)], "payment": [exposition(1, 1, 1, 1)]})

    assert wire.per_saga(before, after, sagas=2) == {"order": None, "payment": None}
