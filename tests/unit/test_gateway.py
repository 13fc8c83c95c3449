"""The simulated gateway answers by token, once per payment id, and flaky calls are retried."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.payment.gateway import (
    GatewayResult,
    SimulatedGateway,
    TransientGatewayError,
    with_retries,
)

LIMIT = Decimal("100.00")


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (None, GatewayResult("CAPTURED")),
        ("tok_ok", GatewayResult("CAPTURED")),
        ("tok_declined", GatewayResult("DECLINED", "CARD_DECLINED")),
        ("tok_pending", GatewayResult("PENDING")),
        ("tok_whatever", GatewayResult("DECLINED", "INVALID_TOKEN")),
    ],
)
async def test_the_simulator_answers_by_token(token: str | None, expected: GatewayResult) -> None:
    assert await SimulatedGateway(LIMIT).charge("pay-1", Decimal("10.00"), token) == expected


async def test_an_amount_over_the_limit_is_declined_whatever_the_token() -> None:
    result = await SimulatedGateway(LIMIT).charge("pay-1", Decimal("100.01"), "tok_ok")

    assert result == GatewayResult("DECLINED", "LIMIT_EXCEEDED")


async def test_the_payment_id_is_the_idempotency_key() -> None:
    gateway = SimulatedGateway(LIMIT)

    first = await gateway.charge("pay-1", Decimal("10.00"), "tok_declined")
    again = await gateway.charge("pay-1", Decimal("10.00"), "tok_ok")

    assert first == again == GatewayResult("DECLINED", "CARD_DECLINED")


async def test_a_flaky_token_fails_twice_then_captures_when_retried() -> None:
    gateway = SimulatedGateway(LIMIT)

    for _ in range(2):
        with pytest.raises(TransientGatewayError):
            await gateway.charge("pay-1", Decimal("10.00"), "tok_flaky")
    retried = await with_retries(
        lambda: gateway.charge("pay-2", Decimal("10.00"), "tok_flaky"), first_backoff=0.001
    )

    assert retried == GatewayResult("CAPTURED")


async def test_retries_give_up_after_their_attempts() -> None:
    calls = 0

    async def always_down() -> GatewayResult:
        nonlocal calls
        calls += 1
        raise TransientGatewayError("down")

    with pytest.raises(TransientGatewayError):
        await with_retries(always_down, attempts=3, first_backoff=0.001)
    assert calls == 3
