"""A view's command answered: the answer an agent's reply carries, or a named error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from models.orders import CancelOrder
from tests.unit.values import OPERATOR, an_order
from web.kit.commands import IncompleteReply, answer_in

CANCEL = CancelOrder(
    order_id="o-1", issued_at=datetime(2026, 1, 1, tzinfo=UTC), requested_by=OPERATOR
)


def test_the_answer_in_a_reply_is_what_the_agent_answered() -> None:
    order = an_order()

    assert answer_in(order, CANCEL) is order


def test_a_reply_that_refuses_nothing_and_answers_nothing_is_a_named_error() -> None:
    with pytest.raises(IncompleteReply, match="CancelOrder"):
        answer_in(None, CANCEL)
