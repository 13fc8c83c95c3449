"""The fetch wait: short while the worker is busy, long once it has been idle a while."""

from __future__ import annotations

from apps.platform.fetch_pace import FetchPace
from apps.platform.settings import Settings


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


def test_an_idle_wait_set_below_the_busy_one_is_raised_to_it() -> None:
    settings = Settings.from_env({"OMS_FETCH_WAIT_MS": "50", "OMS_IDLE_FETCH_WAIT_MS": "5"})

    fetching = FetchPace.from_settings(settings)

    assert (fetching.busy_ms, fetching.idle_ms) == (50, 50)
