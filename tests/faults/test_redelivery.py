"""A redelivery storm: every service's consumer group rewound to the start and every event
handled again, under a steady load; what was settled before stays exactly as it was."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.e2e.conftest import System, running_system
from tests.faults.conftest import Row
from tests.faults.load import RATE, SteadyLoad
from tests.faults.outcome import all_ended, assert_all_confirmed, recovered
from tests.faults.rewind import events_handled, events_on_topics, rewind, table_digests
from tests.processes import poll

#: What running_system gives every topic.
PARTITIONS = 4
#: Reservations that will not change again.
ENDED = {"COMMITTED", "RELEASED", "REJECTED"}


@pytest.fixture
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    """A system of its own, whose workers the test stops and starts."""
    with running_system(tmp_path_factory) as fresh:
        yield fresh


def settle(system: System, ids: list[str]) -> None:
    """Wait until every order in `ids` has ended, and its reservation too."""
    all_ended(system, ids)

    def reservation_ended(order_id: str) -> bool:
        return system.inventory.get(f"/reservations/{order_id}").body["status"] in ENDED

    poll(lambda: all(map(reservation_ended, ids)), "every reservation ended")


def test_every_group_rewound_to_the_start_handles_every_event_again_and_changes_nothing(
    system: System, report: list[Row]
) -> None:
    workers = [system.order, system.inventory, system.payment]
    before_storm = system.product(stock=100_000)
    tokens = ("tok_ok", "tok_declined", "tok_flaky")
    with SteadyLoad(system.order.url, before_storm, RATE, tokens) as early:
        early.wait_for_more(30)
    settle(system, early.ids)
    digests = {worker.service: table_digests(worker) for worker in workers}

    during_storm = system.product(stock=100_000)
    with SteadyLoad(system.order.url, during_storm, RATE) as load:
        for worker in workers:
            worker.stop()
        replayed = {}
        for worker in workers:
            replayed[worker.service] = rewind(system.broker, worker.service, PARTITIONS)
            worker.start()
        for worker in workers:
            worker.wait_ready()
        rewound = time.monotonic()
        load.wait_for_more(10, "orders placed after the storm")

    seconds = recovered(system, load.ids, since=rewound)
    # Since they started again, the workers handled every event on their topics: those
    # from before the rewind (again), and the load's since.
    poll(
        lambda: all(events_handled(w) >= events_on_topics(system.broker, w) for w in workers),
        "every event on the topics handled since the rewind",
    )

    left_out = {during_storm, *load.ids}
    for worker in workers:
        assert table_digests(worker, left_out) == digests[worker.service], worker.service
    assert_all_confirmed(system, during_storm, 100_000, load.ids)
    orders = len(early.ids) + len(load.ids)
    report.append(Row("every group rewound and replayed", orders, sum(replayed.values()), seconds))
