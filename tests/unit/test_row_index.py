"""The index a worker keeps of its rows: lists read a page of it, never the whole table."""

from __future__ import annotations

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


@given(writes, queries, st.integers(0, 40))
def test_the_index_lists_what_a_walk_of_the_table_would(
    written: list[tuple[int, str, str, int]], query: OrderFilter, split: int
) -> None:
    table: dict[str, Any] = {}
    index = RowIndex(OrderFilter, {})
    for step, (number, status, customer, created) in enumerate(written):
        if step == split:  # a rebalance: the index is built anew from the table so far
            index = RowIndex.of(OrderFilter, table.items())
        value = an_order(
            id=f"o-{number}",
            status=status,
            customer_id=customer,
            created_at=NOW + timedelta(seconds=created),
        )
        table[value.id] = value
        write(index, value.id, value)

    walked = sorted(
        (value for value in table.values() if query.matches(value)),
        key=lambda value: (value.created_at, value.id),
        reverse=True,
    )
    assert listed(index, query) == ([value.id for value in walked], len(walked))
