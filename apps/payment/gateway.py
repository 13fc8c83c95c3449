"""The payment gateway: a port, a deterministic simulator as its adapter, and retries.

The simulator answers by token, so runs are reproducible:

| token                 | answer                                              |
|-----------------------|-----------------------------------------------------|
| none, `tok_ok`        | captured                                            |
| `tok_declined`        | declined, CARD_DECLINED                             |
| `tok_pending`         | pending: waits for `PUT /payments/status` or timeout |
| `tok_flaky`           | a transient error twice, then captured              |
| any other             | declined, INVALID_TOKEN                             |

An amount above the limit is declined with LIMIT_EXCEEDED, whatever the token. The
payment id is the idempotency key: asking again for the same payment gives the first
answer (kept in the simulator's memory, like a real gateway keeps it).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, Protocol

from apps.platform.retrying import ATTEMPTS, FIRST_BACKOFF_S, retrying

GatewayOutcome = Literal["CAPTURED", "DECLINED", "PENDING", "REFUNDED"]


class TransientGatewayError(Exception):
    """The gateway could not answer this time; the same request may succeed later."""


@dataclass(frozen=True)
class GatewayResult:
    outcome: GatewayOutcome
    reason: str | None = None


class Gateway(Protocol):
    async def charge(
        self, payment_id: str, amount: Decimal, token: str | None
    ) -> GatewayResult: ...

    async def refund(self, payment_id: str, amount: Decimal) -> GatewayResult: ...


class SimulatedGateway:
    """A gateway that answers by token (see the module's table)."""

    FLAKY_FAILURES = 2

    def __init__(self, limit: Decimal) -> None:
        self.limit = limit
        self._answers: dict[str, GatewayResult] = {}
        self._attempts: Counter[str] = Counter()

    async def charge(self, payment_id: str, amount: Decimal, token: str | None) -> GatewayResult:
        if payment_id in self._answers:
            return self._answers[payment_id]
        self._attempts[payment_id] += 1
        if token == "tok_flaky" and self._attempts[payment_id] <= self.FLAKY_FAILURES:
            raise TransientGatewayError(
                f"gateway unavailable (attempt {self._attempts[payment_id]})"
            )
        answer = self._decide(amount, token)
        if answer.outcome != "PENDING":
            self._answers[payment_id] = answer
        return answer

    async def refund(self, payment_id: str, amount: Decimal) -> GatewayResult:
        return GatewayResult("REFUNDED")

    def _decide(self, amount: Decimal, token: str | None) -> GatewayResult:
        if amount > self.limit:
            return GatewayResult("DECLINED", "LIMIT_EXCEEDED")
        match token:
            case None | "tok_ok" | "tok_flaky":
                return GatewayResult("CAPTURED")
            case "tok_declined":
                return GatewayResult("DECLINED", "CARD_DECLINED")
            case "tok_pending":
                return GatewayResult("PENDING")
            case _:
                return GatewayResult("DECLINED", "INVALID_TOKEN")


async def with_retries(
    call: Callable[[], Awaitable[GatewayResult]],
    *,
    attempts: int = ATTEMPTS,
    first_backoff: float = FIRST_BACKOFF_S,
) -> GatewayResult:
    """`call()`, retried with backoff (the one policy) while the gateway fails transiently."""
    return await retrying(
        call,
        on=(TransientGatewayError,),
        what="gateway",
        attempts=attempts,
        first_backoff=first_backoff,
    )
