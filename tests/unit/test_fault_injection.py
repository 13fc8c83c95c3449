"""The faults a worker injects into itself for the fault suite: none unless asked."""

from __future__ import annotations

import pytest

from apps.platform.dead_letters import TRANSIENT_ERRORS
from apps.platform.fault_injection import FaultInjector, InjectedFault
from tests.chance import Draws


def test_by_default_no_handler_fails_and_no_worker_crashes() -> None:
    faults = FaultInjector()

    for _ in range(1000):
        faults.after_write("orders", "o-1")

    assert faults.failures == 0
    assert not any(faults.crashes_after_these_sends() for _ in range(1000))


def test_a_handler_fails_when_the_draw_falls_within_the_share() -> None:
    faults = FaultInjector(handler_failures=0.01, chance=Draws(0.5, 0.009, 0.01))

    faults.after_write("orders", "o-1")
    with pytest.raises(InjectedFault, match="injected after writing orders o-2"):
        faults.after_write("orders", "o-2")
    faults.after_write("orders", "o-3")

    assert faults.failures == 1


def test_an_injected_failure_is_transient_so_the_handler_is_tried_again() -> None:
    assert issubclass(InjectedFault, TRANSIENT_ERRORS)


def test_a_worker_crashes_after_the_nth_decision_that_sent_and_only_that_one() -> None:
    faults = FaultInjector(crash_after_sends=3)

    crashes = [faults.crashes_after_these_sends() for _ in range(6)]

    assert crashes == [False, False, True, False, False, False]


def test_a_worker_started_again_does_not_crash_again() -> None:
    faults = FaultInjector(crash_after_sends=1, restarts=1)

    assert not any(faults.crashes_after_these_sends() for _ in range(10))
