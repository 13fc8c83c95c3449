"""Events per service from Prometheus text: the counter's samples summed, rates between scrapes."""

from __future__ import annotations

from apps.cli.bench.metrics import EVENTS_HANDLED, counter_sum, events_handled, events_per_s

EXPOSITION = f"""\
# HELP {EVENTS_HANDLED} Events the agents handled.
# TYPE {EVENTS_HANDLED} counter
{EVENTS_HANDLED}{{agent="orders",topic="ORDER.CREATED"}} 120
{EVENTS_HANDLED}{{agent="orders",topic="PAYMENT.FAIL"}} 3.0 1700000000000
oms_events_handled_created{{agent="orders"}} 1.7e9
oms_other_total 99
"""


def test_every_sample_of_the_counter_is_summed_whatever_its_labels() -> None:
    assert counter_sum(EXPOSITION) == 123.0


def test_a_counter_without_labels_is_read_too() -> None:
    assert counter_sum(f"{EVENTS_HANDLED} 7\n") == 7.0


def test_an_exposition_without_the_counter_gives_unknown_not_zero() -> None:
    assert counter_sum("oms_other_total 99\n") is None
    assert counter_sum("") is None


def test_events_per_second_are_the_counters_growth_over_the_window() -> None:
    rates = events_per_s(
        {"order": 100.0, "inventory": 50.0, "payment": None},
        {"order": 400.0, "inventory": 50.0, "payment": 10.0},
        seconds=10.0,
    )

    assert rates == {"order": 30.0, "inventory": 0.0, "payment": None}


def test_events_handled_are_summed_over_a_services_workers__unknown_if_any_is() -> None:
    texts = {"order": [f"{EVENTS_HANDLED} 10\n", f"{EVENTS_HANDLED} 5\n"], "payment": None}

    assert events_handled(texts) == {"order": 15.0, "payment": None}
    assert events_handled({"inventory": ["oms_other_total 1\n"]}) == {"inventory": None}
