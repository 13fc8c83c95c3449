"""The bench's arithmetic: nearest-rank percentiles, latency summaries, rates and ratios."""

from __future__ import annotations

import pytest

from apps.cli.bench.stats import percentile, rate, ratio, summary_ms


def test_percentiles_of_one_to_a_hundred_are_their_ranks() -> None:
    samples = [float(n) for n in range(100, 0, -1)]

    assert [percentile(samples, q) for q in (0.50, 0.90, 0.99, 1.0)] == [50, 90, 99, 100]


def test_a_percentile_takes_the_next_sample_up_rather_than_interpolating() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.51) == 3.0


def test_every_percentile_of_one_sample_is_that_sample() -> None:
    assert {percentile([7.0], q) for q in (0.01, 0.5, 0.99)} == {7.0}


def test_a_percentile_of_no_samples_is_refused() -> None:
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


def test_a_latency_summary_gives_p50_p90_p99_and_max_in_milliseconds() -> None:
    samples_s = [n / 1000 for n in range(1, 101)]

    assert summary_ms(samples_s) == {"p50": 50.0, "p90": 90.0, "p99": 99.0, "max": 100.0}


def test_a_summary_of_no_latencies_is_none_rather_than_zero() -> None:
    assert summary_ms([]) is None


def test_a_rate_over_no_time_is_zero_rather_than_infinite() -> None:
    assert (rate(30, 2.0), rate(5, 0.0)) == (15.0, 0.0)


def test_a_ratio_is_unknown_when_either_side_is() -> None:
    assert (ratio(1.0, 4.0), ratio(None, 4.0), ratio(1.0, None), ratio(1.0, 0.0)) == (
        0.25,
        None,
        None,
        None,
    )
