"""The payment agents: the payments table's owner, the gateway caller, and the timeout timer.

- `take_payments` owns the payments table (keyed by order id): it applies the saga's
  events, the REST commands, the gateway's answers and timeouts through the pure core,
  and sends what the core asks: gateway requests, saga events, REST replies.
- `call_gateway` holds no state: it calls the gateway (retrying transient errors) and
  sends the answer back to `take_payments` as a command, so a crash between the call
  and the table write is redelivered safely (the payment id keys the gateway).
- `time_out_payments` is a timer: it only sends a command for each payment pending too
  long; the owning agent decides.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from apps.payment import core
from apps.payment.app import (
    app,
    commands_topic,
    event_topics,
    gateway,
    gateway_requests_topic,
    payment_inputs_topic,
    payments,
)
from apps.payment.gateway import GatewayResult, with_retries
from apps.readiness import not_ready_reason
from apps.replies import reply_address
from apps.shell import apply, each_event
from models.base import utcnow
from models.payments import Charge, GatewayAnswered


@app.agent(payment_inputs_topic)
async def take_payments(stream: Any) -> AsyncIterator[core.Decision | None]:
    """Apply the saga's events and payment commands; the only writer of the payments table."""
    async for decision in each_event(app, stream, apply_payment_input):
        yield decision


async def apply_payment_input(event: Any) -> core.Decision:
    message = event.value
    before = payments.get(message.order_id)
    decision = core.decide(before, message, utcnow(), reply_address(event))
    for request in decision.requests:
        await gateway_requests_topic.send(key=message.order_id, value=request)
    await apply(
        app,
        payments,
        message.order_id,
        before=before,
        after=decision.payment,
        changed=decision.changed,
        events=decision.events,
        event_topics=event_topics,
        replies=decision.replies,
    )
    return decision


@app.agent(gateway_requests_topic)
async def call_gateway(stream: Any) -> AsyncIterator[GatewayAnswered | None]:
    """Make the charges and refunds the payment agent asks for, and report the answers."""
    async for answer in each_event(app, stream, make_gateway_request):
        yield answer


async def make_gateway_request(event: Any) -> GatewayAnswered:
    request = event.value
    result: GatewayResult
    if isinstance(request, Charge):
        result = await with_retries(
            partial(gateway.charge, request.payment_id, request.amount, request.payment_token)
        )
    else:
        result = await with_retries(partial(gateway.refund, request.payment_id, request.amount))
    answer = GatewayAnswered(
        order_id=request.order_id,
        payment_id=request.payment_id,
        request=request.type,
        outcome=result.outcome,
        reason=result.reason,
    )
    await commands_topic.send(key=request.order_id, value=answer)
    return answer


#: How long a payment may stay pending (OMS_PAYMENT_TIMEOUT).
PAYMENT_TIMEOUT = timedelta(seconds=app.settings.payment_timeout)
#: Timeouts sent and not yet answered, so the timer asks once per pending charge.
_timeouts_sent: set[tuple[str, datetime]] = set()


@app.timer(interval=1.0)
async def time_out_payments() -> None:
    """Ask the owning agent to fail each payment this worker sees pending too long."""
    if await not_ready_reason(app) is not None:
        return
    due = core.overdue(payments.values(), utcnow(), PAYMENT_TIMEOUT)
    # Forget what was answered since, so the set holds only what is still due.
    _timeouts_sent.intersection_update((t.order_id, t.charged_at) for t in due)
    for timed_out in due:
        if (timed_out.order_id, timed_out.charged_at) in _timeouts_sent:
            continue
        _timeouts_sent.add((timed_out.order_id, timed_out.charged_at))
        await commands_topic.send(key=timed_out.order_id, value=timed_out)
