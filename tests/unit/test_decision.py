"""The shape of every decision: a state kept is there when its caller relies on it."""

from __future__ import annotations

import pytest

from apps.platform.decision import Decision, NoState, state_of
from tests.unit.values import a_payment


def test_the_state_of_a_decision_is_the_state_it_keeps() -> None:
    payment = a_payment()

    assert state_of(Decision(payment, changed=True)) is payment


def test_a_decision_that_keeps_no_state_where_one_is_relied_on_is_a_named_error() -> None:
    with pytest.raises(NoState):
        state_of(Decision(None))
