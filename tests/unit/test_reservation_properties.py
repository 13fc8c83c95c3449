"""Whatever the interleaving, the redeliveries and the handlers failing after their write,
stock is never oversold or leaked."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.saga_world import World, cancelled, failed, paid, refunded

PRODUCTS = ("a", "b", "c")
PAYMENT_OUTCOMES = (paid, failed, cancelled, refunded)

orders = st.lists(
    st.dictionaries(st.sampled_from(PRODUCTS), st.integers(1, 4), min_size=1, max_size=3),
    min_size=1,
    max_size=6,
)
payments = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(PAYMENT_OUTCOMES)), max_size=8)


# A schedule draws a choice for every delivery, so even the smallest example is long.
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow],
)
@given(
    stock_levels=st.tuples(*(st.integers(0, 6) for _ in PRODUCTS)),
    orders=orders,
    payments=payments,
    schedule=st.data(),
)
def test_stock_stays_balanced_and_every_reservation_settles_consistently(
    stock_levels: tuple[int, ...],
    orders: list[dict[str, int]],
    payments: list[tuple[int, object]],
    schedule: st.DataObject,
) -> None:
    world = World()
    for product_id, level in zip(PRODUCTS, stock_levels, strict=True):
        world.create_product(product_id, level)
    for n, lines in enumerate(orders):
        world.order(f"o{n}", **lines)
    for n, outcome in payments:
        if n < len(orders):
            world.send_order(outcome(f"o{n}"))  # type: ignore[operator]

    while busy := world.busy():
        queue = schedule.draw(st.sampled_from(busy))
        redeliver = schedule.draw(st.integers(0, 9)) == 0  # one delivery in ten comes twice
        fails = schedule.draw(st.integers(0, 9)) == 0  # ... and one in ten fails after its write
        world.step(queue, again=redeliver, fails=fails)
        world.check_stock_is_balanced()

    for order_id, reservation in world.reservations.items():
        assert not reservation.settling, reservation
        held = {p: product.holds.get(order_id) for p, product in world.products.items()}
        expected = (
            {line.product_id: line.quantity for line in reservation.lines}
            if reservation.status == "RESERVED"
            else {}
        )
        assert {p: q for p, q in held.items() if q} == expected, (order_id, reservation.status)
    sold = sum(product.sold for product in world.products.values())
    committed = sum(
        line.quantity
        for reservation in world.reservations.values()
        if reservation.status == "COMMITTED"
        for line in reservation.lines
    )
    assert sold == committed
