"""A payment left pending when its worker stops still times out once a worker is back."""

from __future__ import annotations

from collections.abc import Callable

from tests.processes import Broker, Worker
from tests.saga import failure_reason, payment_events, reserved_order

TIMEOUT_S = "3"


def test_a_payment_pending_across_a_restart_still_times_out(
    start_worker: Callable[..., Worker], broker: Broker
) -> None:
    first = start_worker("payment", OMS_PAYMENT_TIMEOUT=TIMEOUT_S).wait_ready()
    order_id = reserved_order(broker, "tok_pending")
    assert payment_events(broker, order_id, count=1) == ["PAYMENT.STATUS_UPDATE PENDING"]
    first.stop()

    start_worker("payment", first.data_dir, OMS_PAYMENT_TIMEOUT=TIMEOUT_S).wait_ready()

    assert sorted(payment_events(broker, order_id, count=2)) == [
        "PAYMENT.FAIL",
        "PAYMENT.STATUS_UPDATE PENDING",
    ]
    assert failure_reason(broker, order_id) == "TIMEOUT"
