"""The find-max search: when a step passes, and which rate it tries next."""

from __future__ import annotations

import dataclasses

import pytest

from apps.cli.bench import search
from apps.cli.bench.records import OrderRecord
from apps.cli.bench.search import Step, max_sustained, next_rate, step_of, verdict

STEADY = Step(
    rate=20.0,
    duration=20.0,
    sent=400,
    mismatched=0,
    refused=0,
    backlog=0,
    p99_first_s=0.30,
    p99_last_s=0.35,
    completed_per_s=19.8,
)


def confirmed(sent: float, latency: float) -> OrderRecord:
    return OrderRecord(
        "ok", sent, post_status=201, order_id="o", final_status="CONFIRMED", ended=sent + latency
    )


def test_a_step_that_keeps_up_with_steady_latency_passes() -> None:
    assert verdict(STEADY) == []


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"refused": 3}, "3 POSTs refused"),
        ({"mismatched": 1}, "1 orders did not end as their kind must"),
        ({"backlog": 21}, "completions fell behind: 21 of 400"),
        ({"p99_last_s": 1.0}, "latency grew: p99 300 ms in the first third, 1000 ms in the last"),
    ],
    ids=["refused", "mismatched", "fell-behind", "latency-grew"],
)
def test_a_step_fails_naming_why(change: dict[str, float], reason: str) -> None:
    reasons = verdict(dataclasses.replace(STEADY, **change))

    assert len(reasons) == 1 and reasons[0].startswith(reason)


def test_a_small_backlog_and_jitter_of_small_latencies_still_pass() -> None:
    jitter = dataclasses.replace(STEADY, backlog=20, p99_first_s=0.05, p99_last_s=0.50)

    assert verdict(jitter) == []


def test_a_step_without_orders_fails() -> None:
    assert verdict(dataclasses.replace(STEADY, sent=0)) == ["no order was sent"]


def test_a_steps_figures_come_from_its_orders_by_thirds_of_due_time() -> None:
    rows = [confirmed(sent=n / 10, latency=0.1) for n in range(30)]
    rows[-1] = confirmed(sent=2.9, latency=5.0)  # late, and still open at the step's end

    step = step_of(rows, rate=10.0, duration=3.0)

    assert (step.sent, step.refused, step.mismatched, step.backlog) == (30, 0, 0, 1)
    assert step.p99_first_s == pytest.approx(0.1)
    assert step.p99_last_s == pytest.approx(5.0)
    assert step.completed_per_s == pytest.approx(30 / 7.9)


def test_the_rate_grows_while_steps_pass() -> None:
    assert next_rate([(10.0, True)]) == 10.0 * search.GROWTH
    assert next_rate([(10.0, True), (15.0, True)]) == 15.0 * search.GROWTH


def test_after_a_failure_the_search_halves_the_gap() -> None:
    assert next_rate([(10.0, True), (15.0, True), (22.5, False)]) == pytest.approx(18.75)
    assert next_rate([(10.0, True), (20.0, False), (15.0, False)]) == 12.5


def test_the_search_stops_once_the_gap_is_within_its_precision() -> None:
    assert next_rate([(20.0, True), (21.0, False)]) is None


def test_a_first_step_that_fails_halves_the_rate_until_the_floor() -> None:
    assert next_rate([(10.0, False)]) == 5.0
    assert next_rate([(1.5, False)]) is None


def test_the_highest_passing_rate_is_the_max_sustained() -> None:
    tried = [(10.0, True), (15.0, True), (22.5, False), (18.75, True)]

    assert max_sustained(tried) == 18.75
    assert max_sustained([(10.0, False)]) is None
