"""The index a worker keeps of its rows: lists read a page of it, never the whole table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from apps.platform.listed_table import RowIndex, row_of
from models.base import Page
from models.orders import Order, OrderFilter
from models.payments import PaymentFilter
from tests.unit.values import NOW, a_payment, an_order

STATUSES = ("PENDING", "CONFIRMED", "FAILED", "CANCELLED")


def order(number: int, status: str = "PENDING", customer: str = "c-1") -> Order:
    return an_order(
        id=f"o-{number}",
        status=status,
        customer_id=customer,
        created_at=NOW + timedelta(seconds=number),
    )


def write(index: RowIndex, key: str, value: Any) -> None:
    index.note(key, row_of(index.query, key, value))


def listed(index: RowIndex, query: Page) -> tuple[list[str], int]:
    keys, total = index.newest_first(query)
    return list(keys), total


def test_rows_come_newest_first_and_the_total_counts_them_all() -> None:
    index = RowIndex(OrderFilter, {})
    for number in (2, 1, 3):
        write(index, f"o-{number}", order(number))

    assert listed(index, OrderFilter()) == (["o-3", "o-2", "o-1"], 3)


def test_a_status_change_moves_a_row_between_counts_and_keeps_its_place() -> None:
    index = RowIndex.of(OrderFilter, [(f"o-{n}", order(n)) for n in (1, 2, 3)])

    write(index, "o-2", order(2, "CONFIRMED"))

    assert listed(index, OrderFilter(status="CONFIRMED")) == (["o-2"], 1)
    assert listed(index, OrderFilter(status="PENDING")) == (["o-3", "o-1"], 2)
    assert listed(index, OrderFilter()) == (["o-3", "o-2", "o-1"], 3)


def test_a_selective_filter_reads_only_the_rows_it_selects() -> None:
    rows = [(f"o-{n}", order(n, customer=f"c-{n % 2}")) for n in range(1, 7)]
    index = RowIndex.of(OrderFilter, rows)
    write(index, "o-5", order(5, "FAILED", customer="c-1"))

    assert listed(index, OrderFilter(customer_id="c-1")) == (["o-5", "o-3", "o-1"], 3)
    assert listed(index, OrderFilter(customer_id="c-1", status="PENDING")) == (["o-3", "o-1"], 2)
    assert listed(index, OrderFilter(customer_id="c-9")) == ([], 0)


def test_a_facet_a_filter_never_lists_is_never_counted() -> None:
    index = RowIndex(PaymentFilter, {})
    write(index, "o-1", a_payment(order_id="o-1", payment_id="pay-o-1", status="AWAITING"))
    write(index, "o-2", a_payment(order_id="o-2", payment_id="pay-o-2", status="COMPLETED"))

    assert listed(index, PaymentFilter()) == (["o-2"], 1)
    assert listed(index, PaymentFilter(order_id="o-1")) == ([], 0)


def test_a_deleted_row_is_gone_from_the_order_the_counts_and_the_selection() -> None:
    index = RowIndex.of(OrderFilter, [(f"o-{n}", order(n)) for n in (1, 2)])

    index.note("o-1", None)
    index.note("o-404", None)

    assert listed(index, OrderFilter()) == (["o-2"], 1)
    assert listed(index, OrderFilter(customer_id="c-1")) == (["o-2"], 1)
    assert len(index) == 1


writes = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.sampled_from(STATUSES),
        st.sampled_from(("c-1", "c-2")),
        st.integers(0, 3),
    ),
    max_size=40,
)
queries = st.builds(
    OrderFilter,
    status=st.none() | st.sampled_from(STATUSES),
    customer_id=st.none() | st.sampled_from(("c-1", "c-2", "c-3")),
)


def assert_lists_as_a_walk_would(
    query: Page, written: list[Any], split: int, row: Callable[..., tuple[str, Any]]
) -> None:
    """Write `row(*fields)` for each of `written` (the index built anew from the table
    at `split`, as after a rebalance): the index then lists what a walk of the table would."""
    table: dict[str, Any] = {}
    index = RowIndex(type(query), {})
    for step, fields in enumerate(written):
        if step == split:
            index = RowIndex.of(type(query), table.items())
        key, value = row(*fields)
        table[key] = value
        write(index, key, value)

    walked = sorted(
        ((key, value) for key, value in table.items() if query.matches(value)),
        key=lambda item: (item[1].created_at, item[0]),
        reverse=True,
    )
    assert listed(index, query) == ([key for key, _ in walked], len(walked))


@given(writes, queries, st.integers(0, 40))
def test_the_index_lists_what_a_walk_of_the_table_would(
    written: list[tuple[int, str, str, int]], query: OrderFilter, split: int
) -> None:
    def row(number: int, status: str, customer: str, created: int) -> tuple[str, Any]:
        value = an_order(
            id=f"o-{number}",
            status=status,
            customer_id=customer,
            created_at=NOW + timedelta(seconds=created),
        )
        return value.id, value

    assert_lists_as_a_walk_would(query, written, split, row)


def payment(number: int, customer: str | None = "c-1", status: str = "COMPLETED") -> Any:
    return a_payment(
        order_id=f"o-{number}",
        payment_id=f"pay-o-{number}",
        customer_id=customer,
        status=status,
        created_at=NOW + timedelta(seconds=number),
    )


def payments(*rows: Any) -> RowIndex:
    return RowIndex.of(PaymentFilter, [(row.order_id, row) for row in rows])


def test_a_list_selects_by_either_of_its_selective_fields_or_by_both() -> None:
    index = payments(payment(1, "c-1"), payment(2, "c-2"), payment(3, "c-1"), payment(4, None))

    assert listed(index, PaymentFilter(customer_id="c-1")) == (["o-3", "o-1"], 2)
    assert listed(index, PaymentFilter(order_id="o-2")) == (["o-2"], 1)
    assert listed(index, PaymentFilter(order_id="o-3", customer_id="c-1")) == (["o-3"], 1)
    assert listed(index, PaymentFilter(order_id="o-3", customer_id="c-2")) == ([], 0)
    assert listed(index, PaymentFilter()) == (["o-4", "o-3", "o-2", "o-1"], 4)


def test_selecting_by_both_fields_keeps_only_the_facets_asked() -> None:
    index = payments(payment(1, "c-1", "FAILED"), payment(2, "c-1"))

    assert listed(index, PaymentFilter(customer_id="c-1", status="FAILED")) == (["o-1"], 1)
    assert listed(index, PaymentFilter(order_id="o-2", status="FAILED")) == ([], 0)


def test_a_row_whose_selective_value_is_learnt_later_moves_to_it() -> None:
    # A prepayment is a payment before the order is known: no customer yet.
    index = payments(payment(1, None, "PENDING"), payment(2, "c-2"))
    assert listed(index, PaymentFilter(customer_id="c-1")) == ([], 0)

    write(index, "o-1", payment(1, "c-1", "PENDING"))

    assert listed(index, PaymentFilter(customer_id="c-1")) == (["o-1"], 1)
    assert listed(index, PaymentFilter(order_id="o-1", customer_id="c-1")) == (["o-1"], 1)
    assert listed(index, PaymentFilter()) == (["o-2", "o-1"], 2)
    assert len(index) == 2


def test_a_deleted_row_is_gone_from_both_selections() -> None:
    index = payments(payment(1, "c-1"), payment(2, "c-1"))

    index.note("o-1", None)

    assert listed(index, PaymentFilter(customer_id="c-1")) == (["o-2"], 1)
    assert listed(index, PaymentFilter(order_id="o-1")) == ([], 0)


payment_writes = st.lists(
    st.tuples(
        st.integers(0, 9),
        st.sampled_from(("AWAITING", "PENDING", "COMPLETED", "FAILED")),
        st.none() | st.sampled_from(("c-1", "c-2")),
        st.integers(0, 3),
    ),
    max_size=40,
)
payment_queries = st.builds(
    PaymentFilter,
    status=st.none() | st.sampled_from(("PENDING", "COMPLETED", "FAILED")),
    order_id=st.none() | st.sampled_from(("o-1", "o-2", "o-9")),
    customer_id=st.none() | st.sampled_from(("c-1", "c-2", "c-3")),
)


@given(payment_writes, payment_queries, st.integers(0, 40))
def test_the_index_of_two_selective_fields_lists_what_a_walk_of_the_table_would(
    written: list[tuple[int, str, str | None, int]], query: PaymentFilter, split: int
) -> None:
    def row(number: int, status: str, customer: str | None, created: int) -> tuple[str, Any]:
        value = a_payment(
            order_id=f"o-{number}",
            payment_id=f"pay-o-{number}",
            status=status,
            customer_id=customer,
            created_at=NOW + timedelta(seconds=created),
        )
        return value.order_id, value

    assert_lists_as_a_walk_would(query, written, split, row)
