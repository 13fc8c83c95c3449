"""What `oms bench` reports, from plain outcomes: percentiles, rates, statuses, exit."""

from __future__ import annotations

import pytest

from apps.cli import bench
from apps.cli.bench import Sample


def confirmed(order_id: str, sent: float, accepted: float, settled: float) -> Sample:
    return Sample(order_id, "CONFIRMED", sent, accepted, settled)


def test_percentiles_of_one_to_a_hundred_are_their_ranks() -> None:
    samples = [float(n) for n in range(100, 0, -1)]

    assert [bench.percentile(samples, q) for q in (0.50, 0.95, 0.99, 1.0)] == [50, 95, 99, 100]


def test_a_percentile_takes_the_next_sample_up_rather_than_interpolating() -> None:
    assert bench.percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert bench.percentile([1.0, 2.0, 3.0, 4.0], 0.51) == 3.0


def test_every_percentile_of_one_sample_is_that_sample() -> None:
    assert {bench.percentile([7.0], q) for q in (0.01, 0.5, 0.99)} == {7.0}


def test_a_percentile_of_no_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        bench.percentile([], 0.5)


def test_latencies_are_timed_from_each_post_and_skip_what_never_came_back() -> None:
    outcomes = [
        confirmed("a", sent=1.0, accepted=1.25, settled=2.0),
        Sample("b", "RESERVED", sent=1.5, accepted=2.0),
        Sample("#3", "REFUSED 503", sent=2.0),
    ]

    assert bench.post_latencies(outcomes) == [0.25, 0.5]
    assert bench.settle_latencies(outcomes) == [1.0]


def test_the_report_gives_rates_percentiles_and_counts_by_status() -> None:
    outcomes = [
        confirmed("a", sent=0.0, accepted=0.010, settled=0.5),
        confirmed("b", sent=0.0, accepted=0.020, settled=1.0),
        Sample("c", "FAILED", sent=0.5, accepted=0.540, settled=2.0),
        confirmed("d", sent=0.5, accepted=1.000, settled=2.5),
    ]

    lines = bench.report(outcomes, concurrency=2)

    assert lines[0] == "4 orders, 2 concurrent clients"
    assert lines[1].split() == ["accepted", "4", "in", "1.00", "s", "4.0", "orders/s"]
    assert lines[2].split() == ["settled", "4", "in", "2.50", "s", "1.6", "orders/s"]
    assert lines[3].split() == ["latency", "(ms)", "p50", "p95", "p99", "max"]
    assert lines[4].split() == ["POST", "20.0", "500.0", "500.0", "500.0"]
    assert lines[5].split() == ["POST→terminal", "1000.0", "2000.0", "2000.0", "2000.0"]
    assert lines[6] == "status: CONFIRMED 3, FAILED 1"
    assert lines[7] == "not confirmed (1): c FAILED"


def test_a_report_where_every_order_is_confirmed_names_none() -> None:
    lines = bench.report([confirmed("a", 0.0, 0.1, 0.2)], concurrency=1)

    assert lines[-1] == "status: CONFIRMED 1"
    assert not any(line.startswith("not confirmed") for line in lines)


def test_a_report_where_no_post_was_accepted_still_reads() -> None:
    lines = bench.report([Sample("#1", "REFUSED 503", sent=0.0)], concurrency=1)

    assert lines[1].split() == ["accepted", "0"]
    assert lines[4].split() == ["POST", "-"]
    assert lines[-1] == "not confirmed (1): #1 REFUSED 503"


def test_the_bench_passes_when_every_order_is_confirmed() -> None:
    outcomes = [confirmed("a", 0.0, 0.1, 0.2), confirmed("b", 0.0, 0.1, 0.3)]

    assert bench.exit_status(outcomes) == 0


@pytest.mark.parametrize(
    "odd_one",
    [
        Sample("b", "FAILED", 0.0, 0.1, 0.3),
        Sample("b", "RESERVED", 0.0, 0.1),
        Sample("#2", "REFUSED 409", 0.0),
    ],
    ids=["failed", "never-settled", "refused"],
)
def test_the_bench_fails_when_any_order_is_not_confirmed(odd_one: Sample) -> None:
    outcomes = [confirmed("a", 0.0, 0.1, 0.2), odd_one]

    assert bench.exit_status(outcomes) == 1
    assert bench.not_confirmed(outcomes) == [odd_one]


def test_the_bench_fails_when_it_placed_nothing() -> None:
    assert bench.exit_status([]) == 1
