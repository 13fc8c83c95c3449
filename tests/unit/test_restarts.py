"""The supervisor's restart policy: a doubling pause, and a crash loop that stops it all."""

from __future__ import annotations

from apps.cli.restarts import Restarts


def test_each_death_in_a_row_doubles_the_pause_up_to_the_cap() -> None:
    restarts = Restarts(first_pause=0.5, max_pause=3.0, window=60.0, max_deaths=10)

    pauses = [restarts.pause_after_death("payment", now=float(t)) for t in range(5)]

    assert pauses == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_deaths_older_than_the_window_are_forgotten() -> None:
    restarts = Restarts(first_pause=0.5, window=60.0)
    restarts.pause_after_death("payment", now=0.0)
    restarts.pause_after_death("payment", now=10.0)

    assert restarts.pause_after_death("payment", now=100.0) == 0.5


def test_one_death_too_many_within_the_window_is_a_crash_loop() -> None:
    restarts = Restarts(window=60.0, max_deaths=3)
    pauses = [restarts.pause_after_death("order", now=float(t)) for t in range(4)]

    assert pauses[-1] is None and None not in pauses[:-1]


def test_each_child_is_counted_apart() -> None:
    restarts = Restarts(max_deaths=1)
    restarts.pause_after_death("order", now=0.0)

    assert restarts.pause_after_death("payment", now=1.0) == restarts.first_pause
