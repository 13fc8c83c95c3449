"""Admission control's count: orders open by partition, forgotten once settled or moved."""

from __future__ import annotations

from apps.order.open_sagas import OpenSagas
from tests.unit.values import an_order


def test_an_order_counts_until_it_settles() -> None:
    sagas = OpenSagas(bound=10)
    sagas.note(1, an_order(status="PENDING"))
    sagas.note(1, an_order(status="RESERVED"))
    counted = len(sagas)
    sagas.note(1, an_order(status="CONFIRMED"))

    assert (counted, len(sagas)) == (1, 0)


def test_a_cancelling_order_is_still_open() -> None:
    sagas = OpenSagas(bound=10)

    sagas.note(1, an_order(status="CANCELLING"))

    assert len(sagas) == 1


def test_a_settled_order_never_seen_open_changes_nothing() -> None:
    sagas = OpenSagas(bound=10)

    sagas.note(1, an_order(status="FAILED"))

    assert len(sagas) == 0


def test_sagas_of_partitions_no_longer_owned_are_forgotten() -> None:
    sagas = OpenSagas(bound=10)
    sagas.note(1, an_order(id="o-1"))
    sagas.note(2, an_order(id="o-2"))

    sagas.keep_only([2, 3])

    assert len(sagas) == 1


def test_the_count_is_full_at_the_bound() -> None:
    sagas = OpenSagas(bound=2)
    sagas.note(1, an_order(id="o-1"))
    below = sagas.full
    sagas.note(4, an_order(id="o-2"))

    assert (below, sagas.full) == (False, True)
