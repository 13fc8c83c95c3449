"""Payment faults mixed into the load: declines, flaky captures, timeouts, callbacks in
time and too late, and the payment worker killed once: each order ends as its payment says."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from apps.cli import control
from tests.e2e.conftest import System
from tests.faults.conftest import Row
from tests.faults.load import RATE, SteadyLoad, ask_until_answered
from tests.faults.outcome import recovered
from tests.processes import poll

#: Seconds a payment may stay PENDING: short, so a late callback comes soon.
PAYMENT_TIMEOUT_S = "5"
#: Each token in turn; a `tok_pending` payment waits for a callback, in time or too late,
#: or for none (`CALLBACKS` in turn).
TOKENS = ("tok_ok", "tok_declined", "tok_flaky", "tok_pending")
CALLBACKS = ("in time", "too late", "none")


def change_status(system: System, order_id: str, status: str) -> int:
    """`PUT /payments/status` as a payment processor calls back: until it is answered."""
    body = {"order_id": order_id, "status": status}
    answer = ask_until_answered("PUT", f"{system.payment.url}/payments/status", body)
    assert answer is not None  # never abandoned
    return answer.status


def payment(system: System, order_id: str) -> dict[str, Any]:
    return dict(system.payment_of(order_id).body)


def pending(system: System, order_id: str) -> bool | None:
    """Whether the order's charge waits for a callback; None once it no longer can."""
    try:
        status = payment(system, order_id).get("status")
    except OSError:  # the payment worker is down: not known yet
        return False
    return True if status == "PENDING" else None if status in ("COMPLETED", "FAILED") else False


class Processor:
    """Calls back for each `tok_pending` order of `load` as it appears, each as its turn
    in `CALLBACKS` says; what each late callback was answered."""

    def __init__(self, system: System, load: SteadyLoad) -> None:
        self.system, self.load = system, load
        self.callback_of: dict[str, str] = {}
        self.late_answers: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._callbacks: list[threading.Thread] = []

    def __enter__(self) -> Processor:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        for callback in self._callbacks:
            callback.join()

    def _run(self) -> None:
        seen = 0
        while not self._stop.is_set() or seen < len(self.load.ids):
            if seen == len(self.load.ids):
                time.sleep(0.05)
                continue
            order_id = self.load.ids[seen]
            seen += 1
            if self.load.token_of[order_id] == "tok_pending":
                callback = CALLBACKS[len(self.callback_of) % len(CALLBACKS)]
                self.callback_of[order_id] = callback
                thread = threading.Thread(target=self._call_back, args=(order_id, callback))
                self._callbacks.append(thread)
                thread.start()

    def _call_back(self, order_id: str, callback: str) -> None:
        if callback == "in time":
            # As soon as the charge waits for it; it may still lose the race with the
            # timeout (say, while the payment worker was down).
            while (waits := pending(self.system, order_id)) is False:
                time.sleep(0.05)
            if waits:
                change_status(self.system, order_id, "COMPLETED")
        elif callback == "too late":
            self.system.settled(order_id)  # FAILED, TIMEOUT
            self.late_answers.append(change_status(self.system, order_id, "COMPLETED"))


@pytest.mark.parametrize("oms_env", [{"OMS_PAYMENT_TIMEOUT": PAYMENT_TIMEOUT_S}])
def test_payment_faults_mixed_in_end_each_order_as_its_payment_says(
    oms_up: tuple[System, Path], report: list[Row]
) -> None:
    system, log = oms_up
    product = system.product(stock=100_000)
    with (
        SteadyLoad(system.order.url, product, RATE, TOKENS) as load,
        Processor(system, load) as processor,
    ):
        load.wait_for_more(40)
        os.kill(control.pids(control.socket_path(system.order.data_dir))["payment"], signal.SIGKILL)
        last_fault = time.monotonic()
        poll(lambda: "is serving again" in log.read_text(), "the payment worker back")
        load.wait_for_more(20, "orders placed after the restart")

    seconds = recovered(system, load.ids, since=last_fault)

    outcomes: Counter[str] = Counter()
    confirmed = 0
    for order_id in load.ids:
        order, paid = system.settled(order_id), payment(system, order_id)
        token, callback = load.token_of[order_id], processor.callback_of.get(order_id)
        # The order is confirmed exactly when its payment completed: no money is kept
        # for an order that failed, and none is missing for one that was confirmed.
        assert (order["status"] == "CONFIRMED") == (paid.get("status") == "COMPLETED"), (
            order,
            paid,
        )
        if token in ("tok_ok", "tok_flaky"):
            # Captured, unless the charge waited past the timeout while the payment
            # worker was down: then it failed, and the capture is given back.
            assert order["status"] == "CONFIRMED" or order["reason"] == "TIMEOUT", order
        elif token == "tok_declined":
            assert order["status"] == "FAILED", order
            assert order["reason"] in ("CARD_DECLINED", "TIMEOUT"), order  # as above
        elif callback != "in time":  # none, or too late: the timeout came first
            assert (order["status"], order["reason"]) == ("FAILED", "TIMEOUT"), order
        confirmed += order["status"] == "CONFIRMED"
        outcomes[" ".join(filter(None, (token, callback, order["status"])))] += 1
    # A callback after the timeout is refused: the payment failed, and stays failed.
    assert processor.late_answers and set(processor.late_answers) == {409}
    assert system.level(product) == (100_000 - confirmed, 0, confirmed)
    print(f"payment outcomes: {dict(sorted(outcomes.items()))}")
    # Every order paid otherwise than by a plain tok_ok met a fault, and one kill.
    faults = sum(token != "tok_ok" for token in load.token_of.values()) + 1
    report.append(Row("payment faults mixed in", len(load.ids), faults, seconds))
