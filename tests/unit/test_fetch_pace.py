"""The fetch wait: short while the worker is busy, long once it has been idle a while."""

from __future__ import annotations

from apps.platform.fetch_pace import FetchPace


def pace() -> FetchPace:
    return FetchPace(busy_ms=10, idle_ms=200, idle_after_s=2.0)


def test_a_worker_that_never_saw_anything_waits_long() -> None:
    assert pace().wait_ms(now=100.0) == 200


def test_activity_shortens_the_wait_at_once() -> None:
    fetching = pace()

    assert fetching.busy(now=100.0) == 10
    assert fetching.wait_ms(now=101.9) == 10


def test_the_wait_grows_long_again_once_idle_for_the_bound() -> None:
    fetching = pace()
    fetching.busy(now=100.0)

    assert fetching.wait_ms(now=102.0) == 200
