"""The bench's report: every figure of a run in the JSON, its verdict, and its terminal lines."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from apps.cli.bench import table
from apps.cli.bench.cpu import GENERATOR, Reading
from apps.cli.bench.options import FIND_MAX, OVERLOAD, Options, default_json_path, parse_pids
from apps.cli.bench.records import OrderRecord
from apps.cli.bench.report import SAGA_HOPS, Measurement, comparison, load_figures, timeline
from apps.cli.bench.summary import assemble

OPTIONS = Options("http://o", "http://i", "http://p", "kafka://b:9092", rate=2.0, duration=2.0)
REFERENCES = {
    "aiokafka_relay": {"events_per_s": 20000.0, "cpu_ms_per_event": 0.05,
                       "hop_ms": {"p50": 5.0, "p90": 6.0, "p99": 10.0, "max": 12.0}},
    "faust_forward": {"events_per_s": 3000.0, "cpu_ms_per_event": 0.3,
                      "hop_ms": {"p50": 10.0, "p90": 15.0, "p99": 20.0, "max": 30.0}},
}  # fmt: skip


def order(kind: str, status: str, sent: float, ended: float | None = None) -> OrderRecord:
    return OrderRecord(
        kind, sent, lag=0.001, post_status=201, post_latency=0.02, order_id=f"o-{sent}",
        final_status=status, ended=ended,
    )  # fmt: skip


def measurement(rows: list[OrderRecord], overload_of: float | None = None) -> Measurement:
    return Measurement(
        label="open loop: 2 orders/s for 2 s",
        offered_per_s=2.0,
        records=rows,
        cpu_before=Reading(0.0, {"broker": 10.0, "order": 1.0, GENERATOR: 0.5}),
        cpu_after=Reading(4.0, {"broker": 12.0, "order": 1.4, GENERATOR: 0.7}),
        events_before={"order": 100.0, "inventory": None, "payment": 0.0},
        events_after={"order": 140.0, "inventory": None, "payment": 8.0},
        overload_of=overload_of,
        wire_before={"order": {"records.saga_event": 2.0, "requests.consumer.Fetch": 10.0}},
        wire_after={"order": {"records.saga_event": 6.0, "requests.consumer.Fetch": 30.0}},
    )


ROWS = [
    order("ok", "CONFIRMED", 0.0, 0.8),
    order("ok", "CONFIRMED", 0.5, 1.3),
    order("declined", "FAILED", 1.0, 1.4),
    order("cancelled", "CANCELLED", 1.5, 4.0),
]


def test_a_load_reports_throughput_latency_statuses_cpu_and_events() -> None:
    figures = load_figures(measurement(ROWS))

    assert figures["orders"] == {"sent": 4, "accepted": 4, "completed": 4, "as_expected": 4}
    assert figures["completed_per_s"] == 1.0  # 4 sagas from the start to the last, at 4 s
    assert figures["latency_ms"]["post"] == {"p50": 20.0, "p90": 20.0, "p99": 20.0, "max": 20.0}
    assert figures["latency_ms"]["terminal"] == {
        "p50": 800.0, "p90": 2500.0, "p99": 2500.0, "max": 2500.0,
    }  # fmt: skip
    assert figures["by_final_status"] == {"CANCELLED": 1, "CONFIRMED": 2, "FAILED": 1}
    assert figures["by_http_status"] == {"201": 4}
    assert figures["cpu"]["seconds"] == {"broker": 2.0, "order": 0.4}
    assert figures["cpu"]["cores"] == {"broker": 0.5, "order": 0.1}
    assert figures["cpu"]["ms_per_saga"] == {"broker": 500.0, "order": 100.0, "total": 600.0}
    assert figures["generator"] == {"cpu_s": 0.2, "max_lag_ms": 1.0}
    assert figures["events_per_s"] == {"order": 10.0, "inventory": None, "payment": 2.0}
    wire = figures["wire_per_saga"]
    assert wire["order"]["records"]["saga_event"] == 1.0 and wire["order"]["fetch_requests"] == 5.0
    assert figures["overload"] is None


def test_the_timeline_counts_completions_per_second_with_their_latency() -> None:
    assert timeline(ROWS) == [
        {"second": 0, "completed": 1, "p50_ms": 800.0, "p99_ms": 800.0},
        {"second": 1, "completed": 2, "p50_ms": 400.0, "p99_ms": 800.0},
        {"second": 2, "completed": 0, "p50_ms": None, "p99_ms": None},
        {"second": 3, "completed": 0, "p50_ms": None, "p99_ms": None},
        {"second": 4, "completed": 1, "p50_ms": 2500.0, "p99_ms": 2500.0},
    ]


def test_an_overload_reports_its_share_of_the_max_and_how_load_was_shed() -> None:
    rows = [
        *ROWS,
        OrderRecord("ok", 1.6, post_status=429),
        OrderRecord("ok", 1.7, post_status=503, retry_after=True),
        OrderRecord("ok", 1.8, post_status=504),
    ]

    overload = load_figures(measurement(rows, overload_of=2.0))["overload"]

    assert overload == {
        "max_sustained_per_s": 2.0,
        "fraction_of_max": 0.5,
        "refused_at_once": 2,
        "waited_into_504": 1,
        "accepted": 4,
        "every_accepted_settled": True,
    }


def test_the_system_is_set_beside_each_reference_as_a_ratio() -> None:
    rows = comparison({"order": 100.0, "inventory": 200.0, "payment": 100.0},
                      {"p50": 50.0, "p99": 100.0}, REFERENCES)  # fmt: skip

    assert rows["system"] == {"events_per_s": 400.0, "hop_ms": {"p50": 50.0, "p99": 100.0}}
    assert rows["faust_forward"]["system_events_per_s_ratio"] == pytest.approx(0.133)
    assert rows["faust_forward"]["system_hop_p50_ratio"] == 5.0
    assert rows["aiokafka_relay"]["system_hop_p99_ratio"] == 10.0


def test_without_every_services_events_the_systems_events_are_unknown() -> None:
    rows = comparison({"order": None, "inventory": 1.0, "payment": 1.0}, None, REFERENCES)

    assert rows["system"]["events_per_s"] is None
    assert rows["aiokafka_relay"]["system_events_per_s_ratio"] is None


def run_result(rows: list[OrderRecord], options: Options = OPTIONS, check: int = 0) -> dict:
    return assemble(
        options, [measurement(rows)], pids={"broker": 1, "order": 2}, idle={"broker": 0.7},
        steps=[], best=None, references=REFERENCES, check_status=check, check_lines=["held"],
    )  # fmt: skip


def test_the_json_has_every_figure_of_the_run() -> None:
    result = json.loads(json.dumps(run_result(ROWS)))

    assert set(result) == {
        "options", "pids", "idle_cpu_cores", "loads", "find_max", "recoveries", "references",
        "comparison", "check", "verdict",
    }  # fmt: skip
    assert set(result["loads"][0]) == {
        "label", "offered_per_s", "orders", "completed_per_s", "span_s", "latency_ms",
        "by_final_status", "by_http_status", "by_kind", "mismatches", "cpu", "generator",
        "events_per_s", "wire_per_saga", "timeline", "overload",
    }  # fmt: skip
    assert result["options"]["rate"] == 2.0 and result["options"]["json_path"] is None
    ok_p50_ms = 800.0
    assert result["comparison"]["rows"]["system"]["hop_ms"]["p50"] == ok_p50_ms / SAGA_HOPS
    assert result["verdict"] == {"passed": True, "failures": []}


def test_an_order_that_did_not_end_as_its_kind_must_fails_the_run_naming_it() -> None:
    verdict = run_result([*ROWS, order("ok", "FAILED", 1.9, 2.0)])["verdict"]

    assert not verdict["passed"]
    assert "1 orders did not end as their kind must: o-1.9 (ok) FAILED" in verdict["failures"][0]


def test_a_refused_post_fails_a_rate_run_but_not_an_overload() -> None:
    rows = [*ROWS, OrderRecord("ok", 1.9, post_status=429)]

    assert not run_result(rows)["verdict"]["passed"]
    assert run_result(rows, Options(**{**vars(OPTIONS), "mode": OVERLOAD}))["verdict"]["passed"]
    assert run_result(rows, Options(**{**vars(OPTIONS), "mode": FIND_MAX}))["verdict"]["passed"]


def test_a_broken_invariant_fails_the_run() -> None:
    assert run_result(ROWS, check=1)["verdict"]["failures"] == [
        "an invariant of `oms check` is broken"
    ]


def test_the_terminal_report_shows_each_figure_and_says_n_a_where_unknown() -> None:
    text = "\n".join(table.lines_of(run_result(ROWS)))

    for expected in (
        "idle CPU (cores, no load): broker 0.700",
        "4 completed, 4 ended as their kind must; 1.0 sagas/s",
        "POST→terminal",
        "final status: CANCELLED 1, CONFIRMED 2, FAILED 1",
        "events/s: order 10.0, inventory n/a, payment 2.0",
        "wire per saga      saga ev",
        "order                 1.00      0.00      0.00      0.00      0.00      5.00",
        "faust_forward",
        "held",
    ):
        assert expected in text, expected


def test_pids_are_given_as_name_equals_pid_pairs() -> None:
    assert parse_pids("broker=12, order=34") == {"broker": 12, "order": 34}
    with pytest.raises(ValueError, match="'order' is not name=pid"):
        parse_pids("order")


def test_the_json_goes_to_a_timestamped_file_under_the_data_dir() -> None:
    moment = datetime(2026, 11, 29, 3, 4, 5, tzinfo=UTC)

    assert default_json_path(Path(".data"), moment) == Path(".data/bench/20261129T030405Z.json")


def test_each_wait_for_the_system_to_catch_up_is_reported() -> None:
    result = assemble(
        OPTIONS, [measurement(ROWS)], pids={}, idle={}, steps=[], best=None, references={},
        check_status=0, check_lines=[],
        recoveries=[{"before": "step 2: 30.0 orders/s", "seconds": 120.0, "caught_up": False}],
    )  # fmt: skip

    assert result["recoveries"] == [
        {"before": "step 2: 30.0 orders/s", "seconds": 120.0, "caught_up": False}
    ]
    assert "before step 2: 30.0 orders/s: still behind after 120 s" in table.lines_of(result)


def test_a_reference_that_failed_is_named_with_why_and_compares_as_unknown() -> None:
    broken = {**REFERENCES, "faust_forward": {"error": "faust_forward exited (1)"}}
    result = assemble(
        OPTIONS, [measurement(ROWS)], pids={}, idle={}, steps=[], best=None,
        references=broken, check_status=0, check_lines=[],
    )  # fmt: skip

    assert result["comparison"]["rows"]["faust_forward"]["system_hop_p50_ratio"] is None
    assert "reference faust_forward has no figures: faust_forward exited (1)" in table.lines_of(
        result
    )


def test_the_wire_table_says_n_a_for_a_service_without_counts_or_a_run_without_sagas() -> None:
    unknown = table.wire_lines({"order": None})
    no_saga = table.wire_lines(None)

    assert unknown[1].split() == ["order", *["n/a"] * len(table.WIRE_COLUMNS)]
    assert no_saga == ["wire per saga: n/a (no saga completed, or the workers keep no wire counts)"]
