"""A steady load of orders, as a careful client places them: each with an Idempotency-Key,
asked again until the service says it exists, so no order is lost or doubled by a fault."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from tests.processes import Response, http, poll

#: Orders a second while faults are injected.
RATE = 4.0
#: Answers after which a careful client asks again with the same key.
RETRIED = {429, 500, 502, 503, 504}


class SteadyLoad:
    """Places `rate` orders a second of one product until stopped, paid with `tokens` in
    turn; the ids it placed, and the token of each."""

    def __init__(
        self, order_url: str, product: str, rate: float, tokens: Sequence[str] = ("tok_ok",)
    ) -> None:
        self.order_url, self.product, self.rate = order_url, product, rate
        self.tokens = tokens
        self.ids: list[str] = []
        self.token_of: dict[str, str] = {}
        self._stop = threading.Event()
        self._abandon = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SteadyLoad:
        self._thread.start()
        return self

    def wait_for_more(self, count: int, what: str = "orders placed") -> None:
        """Return once `count` more orders than now have been placed."""
        placed = len(self.ids)
        poll(lambda: len(self.ids) >= placed + count, f"{count} more {what}")

    def __exit__(self, failed: type[BaseException] | None, *exc: Any) -> None:
        self._stop.set()
        if failed is not None:  # the test failed: its error matters, not the last order
            self._abandon.set()
        self._thread.join()

    def _run(self) -> None:
        n = 0
        while not self._stop.is_set():
            token = self.tokens[n % len(self.tokens)]
            key = f"{self.product}-{n}"
            order_id = place_carefully(self.order_url, self.product, key, token, self._abandon)
            if order_id is None:
                return
            self.ids.append(order_id)
            self.token_of[order_id] = token
            n += 1
            self._stop.wait(1 / self.rate)


def place_carefully(
    order_url: str,
    product: str,
    key: str,
    token: str = "tok_ok",
    abandon: threading.Event | None = None,
) -> str | None:
    """Place an order for one `product` under `key`, asking until it exists; its id
    (None if `abandon` is set meanwhile)."""
    line = {"product_id": product, "quantity": 1}
    body = {"customer_id": "c1", "items": [line], "payment_token": token}
    headers = {"Idempotency-Key": key}
    response = ask_until_answered("POST", f"{order_url}/orders", body, headers, abandon)
    if response is None:
        return None
    assert response.status == 201, (response.status, response.body)
    return str(response.body["id"])


def ask_until_answered(
    method: str,
    url: str,
    body: Any,
    headers: dict[str, str] | None = None,
    abandon: threading.Event | None = None,
) -> Response | None:
    """The first answer that is not one to ask again after (`RETRIED`, or the worker
    down), asking every 0.2 s; None if `abandon` is set meanwhile."""
    while abandon is None or not abandon.is_set():
        try:
            response = http(method, url, body, headers=headers)
        except OSError:  # the worker is down: ask again
            response = None
        if response is not None and response.status not in RETRIED:
            return response
        time.sleep(0.2)
    return None
