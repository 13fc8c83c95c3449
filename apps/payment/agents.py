"""The payment agents: the payments table's owner, the gateway caller, and the timeout timer.

- `take_payments` owns the payments table (keyed by order id): it applies the saga's
  events, the REST commands, the gateway's answers and timeouts through the pure core,
  and sends what the core decides: gateway requests, saga events, REST replies.
- `call_gateway` holds no state: it calls the gateway (retrying transient errors) and
  sends the answer back to `take_payments` as a command, so a crash between the call
  and the table write is redelivered safely (the payment id keys the gateway).
- `time_out_payments` is a timer: it only sends a command for each payment pending too
  long; the owning agent decides. It reads only the payments it knows to be pending,
  not the whole table, which grows with every order ever paid.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from functools import partial
from typing import Any

from opentelemetry.trace import SpanKind

from apps.payment.app import app, gateway, gateway_requests_topic, payment_inputs_topic, payments
from apps.payment.core import payments as payment_rules
from apps.payment.core import timeouts
from apps.payment.gateway import GatewayResult, with_retries
from apps.platform import tracing
from apps.platform.decision import Decision
from apps.platform.replies import reply_address
from apps.platform.shell import apply, each_event
from apps.platform.watched_rows import WatchedRows
from models.base import utcnow
from models.payments import Charge, GatewayAnswered, Payment, PaymentFilter


@app.agent(payment_inputs_topic)
async def take_payments(stream: Any) -> AsyncIterator[Decision[Payment] | None]:
    """Apply the saga's events and payment commands; the only writer of the payments table."""
    async for decision in each_event(app, stream, apply_payment_input):
        yield decision


async def apply_payment_input(event: Any) -> Decision[Payment]:
    message = event.value
    before = payments.get(message.order_id)
    decision = payment_rules.decide(before, message, utcnow(), reply_address(event))
    written = partial(pending_payments.note, message.order_id)
    await apply(app, payments, message.order_id, before, decision, written)
    return decision


@app.agent(gateway_requests_topic)
async def call_gateway(stream: Any) -> AsyncIterator[GatewayAnswered | None]:
    """Make the charges and refunds the payment agent asks for, and report the answers."""
    async for answer in each_event(app, stream, make_gateway_request):
        yield answer


async def make_gateway_request(event: Any) -> GatewayAnswered:
    request = event.value
    result: GatewayResult
    with tracing.span(
        f"gateway {request.type}", SpanKind.CLIENT, **{"oms.payment_id": request.payment_id}
    ) as round_trip:
        if isinstance(request, Charge):
            call = partial(
                gateway.charge, request.payment_id, request.amount, request.payment_token
            )
        else:
            call = partial(gateway.refund, request.payment_id, request.amount)
        result = await with_retries(call)
        round_trip.set_attribute("oms.gateway.outcome", result.outcome)
    answer = GatewayAnswered(
        order_id=request.order_id,
        payment_id=request.payment_id,
        request=request.type,
        outcome=result.outcome,
        reason=result.reason,
    )
    await app.publish(answer)
    return answer


#: The payments this worker owns that are PENDING: all the timeout timer looks at.
pending_payments: WatchedRows[Payment] = WatchedRows(payments, PaymentFilter(status="PENDING"))


class TimeoutTimer:
    """Asks the payment agent to fail each payment this worker sees pending too long.

    It keeps what it asked and has not yet seen answered (`timeouts.TimeoutsAsked`), so
    it asks once per charge.
    """

    def __init__(self, timeout: timedelta) -> None:
        self.timeout = timeout
        self.asked = timeouts.TimeoutsAsked()

    async def tick(self) -> None:
        rows = await pending_payments.rows()
        if rows is None:
            return
        self.asked, fresh = self.asked.ask(timeouts.overdue(rows, utcnow(), self.timeout))
        if not fresh:
            return
        by_order = {payment.order_id: payment for payment in rows}
        for timed_out in fresh:
            with tracing.continuing(by_order[timed_out.order_id], "time out payment"):
                await app.publish(timed_out)


#: How long a payment may stay pending: OMS_PAYMENT_TIMEOUT.
timeout_timer = TimeoutTimer(timedelta(seconds=app.settings.payment_timeout))
time_out_payments = app.timer(interval=1.0, name="time_out_payments")(timeout_timer.tick)


@app.on_partitions_assigned.connect
async def read_pending_payments_anew(app: object, assigned: object, **kwargs: object) -> None:
    pending_payments.forget()
