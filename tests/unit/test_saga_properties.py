"""Whatever the interleaving, redeliveries, failing handlers, cancels, callbacks and timeouts,
the saga across the three cores never oversells, a cancellation ends only once the stock is
back, and every order ends as its payment did."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.unit.saga_model import ARROWS, TERMINAL, TOKENS, Queue, Saga, Schedule

#: "a" and "b" are in the catalogue from the start, "c" only once a rule creates it.
PRODUCTS = ("a", "b", "c")

#: A line names "c" (perhaps not in the catalogue, so refused) one time in five.
line_products = st.sampled_from(("a", "b", "a", "b", "c"))
order_lines = st.dictionaries(line_products, st.integers(1, 2), min_size=1, max_size=2)


class TheWholeSaga(RuleBasedStateMachine):
    """Clients, a processor, the timeout timer and Kafka's deliveries, in any order."""

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.saga = Saga()

    @initialize(stocks=st.tuples(st.integers(0, 12), st.integers(0, 12)))
    def a_catalogue_of_two_products(self, stocks: tuple[int, int]) -> None:
        for product_id, stock in zip(("a", "b"), stocks, strict=True):
            self.saga.create_product(product_id, stock)

    # -- the outside world ------------------------------------------------------------

    @rule(product_id=st.sampled_from(PRODUCTS), stock=st.integers(0, 5))
    def create_a_product(self, product_id: str, stock: int) -> None:
        self.saga.create_product(product_id, stock)

    @rule(product_id=st.sampled_from(PRODUCTS), change=st.sampled_from((-2, -1, 1, 2)))
    def add_or_remove_stock(self, product_id: str, change: int) -> None:
        self.saga.change_stock(product_id, change)

    @rule(target=orders, lines=order_lines, token=st.sampled_from(TOKENS))
    def place_an_order(self, lines: dict[str, int], token: str) -> str:
        order_id = f"o{len(self.saga.bodies)}"
        self.saga.place_order(order_id, lines, token)
        return order_id

    @rule(order_id=orders)
    def retry_the_post_of_an_order(self, order_id: str) -> None:
        self.saga.place_again(order_id)

    # Enough for any order of the lines above (2 units of 2 products at 2.50), or too little.
    @rule(order_id=orders, amount=st.sampled_from(("2.50", "10.00")), token=st.sampled_from(TOKENS))
    def prepay_an_order(self, order_id: str, amount: str, token: str) -> None:
        self.saga.prepay(order_id, Decimal(amount), token)

    @rule(order_id=orders)
    def cancel_an_order(self, order_id: str) -> None:
        self.saga.cancel(order_id)

    # The races that matter start while a payment is pending: these rules aim at them.
    def a_pending_payment(self, data: st.DataObject) -> str:
        return data.draw(st.sampled_from(self.saga.pending_payments()), label="pending")

    @precondition(lambda self: self.saga.pending_payments())
    @rule(data=st.data())
    def cancel_an_order_whose_payment_is_pending(self, data: st.DataObject) -> None:
        self.saga.cancel(self.a_pending_payment(data))

    @precondition(lambda self: self.saga.pending_payments())
    @rule(data=st.data())
    def time_out_a_pending_payment(self, data: st.DataObject) -> None:
        self.saga.time_out(self.a_pending_payment(data))

    @precondition(lambda self: self.saga.pending_payments())
    @rule(data=st.data(), status=st.sampled_from(("COMPLETED", "FAILED")))
    def the_processor_calls_back(self, data: st.DataObject, status: str) -> None:
        self.saga.call_back(self.a_pending_payment(data), status)

    @precondition(lambda self: self.saga.once_pending)
    @rule(data=st.data(), status=st.sampled_from(("COMPLETED", "FAILED")))
    def the_processor_calls_back_late(self, data: st.DataObject, status: str) -> None:
        self.saga.call_back(data.draw(st.sampled_from(sorted(self.saga.once_pending))), status)

    @precondition(lambda self: self.saga.completed_payments())
    @rule(data=st.data())
    def an_operator_refunds_a_completed_payment(self, data: st.DataObject) -> None:
        self.saga.call_back(data.draw(st.sampled_from(self.saga.completed_payments())), "REFUNDED")

    # -- Kafka's deliveries --------------------------------------------------------------

    def some_queue(self, data: st.DataObject) -> Queue:
        return data.draw(st.sampled_from(self.saga.busy()), label="queue")

    def comes_again_behind(self, data: st.DataObject, queue: Queue) -> int:
        return data.draw(st.integers(0, len(self.saga.queues[queue]) - 1), label="behind")

    @precondition(lambda self: self.saga.busy())
    @rule(data=st.data())
    def deliver_a_message(self, data: st.DataObject) -> None:
        self.saga.deliver(self.some_queue(data))

    # A saga takes some twenty deliveries: a burst lets clients and the processor act on
    # sagas half-way through, not only on those not started or ended.
    @precondition(lambda self: self.saga.busy())
    @rule(data=st.data(), count=st.integers(1, 30))
    def deliver_a_burst_of_messages(self, data: st.DataObject, count: int) -> None:
        deliver_one = self.any_schedule(data)
        for _ in range(count):
            if busy := self.saga.busy():
                deliver_one(busy)

    @precondition(lambda self: self.saga.busy())
    @rule(data=st.data())
    def deliver_a_message_that_comes_again_later(self, data: st.DataObject) -> None:
        queue = self.some_queue(data)
        self.saga.deliver(queue, again_at=self.comes_again_behind(data, queue))

    @precondition(lambda self: self.saga.busy())
    @rule(data=st.data())
    def deliver_a_message_to_a_handler_that_fails_after_its_write(
        self, data: st.DataObject
    ) -> None:
        self.saga.deliver(self.some_queue(data), fails=True)

    # A slow gateway (a flaky token's retries back off) leaves charges in flight.
    @precondition(lambda self: self.saga.busy())
    @rule(data=st.data(), slow_gateway=st.booleans())
    def deliver_everything_queued_leaving_payments_pending(
        self, data: st.DataObject, slow_gateway: bool
    ) -> None:
        but = "gateway" if slow_gateway else None
        self.saga.drain(self.any_schedule(data), time_out=False, but=but)

    @precondition(lambda self: self.saga.busy())
    @rule(data=st.data())
    def deliver_a_message_to_a_worker_that_dies_after_its_write(self, data: st.DataObject) -> None:
        self.saga.die_after_write(self.some_queue(data))

    def any_schedule(self, data: st.DataObject) -> Schedule:
        """Any queue next; one delivery in ten comes again later, one in twenty fails after
        its write, and one in twenty kills its worker after its write."""

        def deliver_one(busy: list[Queue]) -> None:
            queue = data.draw(st.sampled_from(busy), label="queue")
            fault = data.draw(st.integers(0, 19), label="fault")
            if fault in (1, 2):
                self.saga.deliver(queue, again_at=self.comes_again_behind(data, queue))
            elif fault == 3:
                self.saga.deliver(queue, fails=True)
            elif fault == 4:
                self.saga.die_after_write(queue)
            else:
                self.saga.deliver(queue)

        return deliver_one

    # -- what holds at every moment -----------------------------------------------------

    @invariant()
    def stock_is_balanced_and_never_oversold(self) -> None:
        for product in self.saga.products.values():
            supplied = product.initial + product.added - product.removed
            assert product.available >= 0, product
            assert product.reserved == sum(product.holds.values()), product
            assert product.available + product.reserved + product.sold == supplied, product
            assert product.sold <= supplied, product

    @invariant()
    def orders_move_only_along_the_sagas_arrows(self) -> None:
        for order_id, statuses in self.saga.statuses.items():
            assert statuses[0] == "PENDING", (order_id, statuses)
            steps = set(pairwise(statuses))
            assert steps <= ARROWS, (order_id, statuses, steps - ARROWS)

    @invariant()
    def a_cancellation_ends_only_once_the_stock_is_back(self) -> None:
        for order_id, order in self.saga.orders.items():
            if order.status != "CANCELLED":
                continue
            # Released (a refund's units returned too), or rejected: nothing held or sold.
            reservation = self.saga.reservations.get(order_id)
            assert reservation is not None, order_id
            assert reservation.status in {"RELEASED", "REJECTED"}, (order_id, reservation)
            held = [p.id for p in self.saga.products.values() if order_id in p.holds]
            assert not held, (order_id, held)

    # -- what holds once everything is delivered ----------------------------------------

    @rule(data=st.data())
    def once_everything_is_delivered_every_order_ends_as_its_payment_did(
        self, data: st.DataObject
    ) -> None:
        saga = self.saga
        saga.drain(self.any_schedule(data))
        for order_id, order in saga.orders.items():
            payment = saga.payments.get(order_id)
            paid = payment is not None and payment.status == "COMPLETED"
            assert order.status in TERMINAL, (order_id, order.status, payment)
            assert (order.status == "CONFIRMED") == paid, (order_id, order.status, payment)
            # The gateway's money says it too: kept for a confirmed order, given back otherwise.
            kept = order_id in saga.captured and order_id not in saga.refunded
            if order_id in saga.captured:
                assert kept == (order.status == "CONFIRMED"), (order_id, order.status, payment)
            if payment is not None and payment.captured and order.status != "CONFIRMED":
                assert payment.refunded, (order_id, order.status, payment)
        for reservation in saga.reservations.values():
            assert not reservation.settling, reservation
        for product_id, product in saga.products.items():
            assert product.reserved == 0 and not product.holds, product
            assert product.sold == saga.units_confirmed(product_id), product


# Each step draws its message, so even a short run makes a long example.
SETTINGS = settings(
    max_examples=200,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.large_base_example],
)


def test_the_saga_never_oversells_and_every_order_ends_as_its_payment_did() -> None:
    run_state_machine_as_test(TheWholeSaga, settings=SETTINGS)
