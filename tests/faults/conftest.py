"""The fault suite: each scenario injects faults under a steady load of orders, waits for
every order to end and `oms check` to hold, and adds a row to the table printed at the end.

Run with `make faults`; `make test` leaves it out (see the `faults` marker).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_healing import oms_env, oms_up  # noqa: F401 - the system scenarios run on


@dataclass(frozen=True)
class Row:
    scenario: str
    orders: int
    faults: int
    #: From the last fault until every order ended and `oms check` held (so a row is
    #: only written when the invariants held).
    recovered_s: float


ROWS: list[Row] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.faults)


@pytest.fixture
def report() -> list[Row]:
    """Where a scenario puts its row."""
    return ROWS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not ROWS:
        return
    write = terminalreporter.write_line
    write("")
    write(f"{'scenario':<40} {'orders':>6} {'faults':>6} {'invariants':>10} {'recovered':>10}")
    for row in ROWS:
        recovered = f"{row.recovered_s:.1f} s"
        write(f"{row.scenario:<40} {row.orders:>6} {row.faults:>6} {'held':>10} {recovered:>10}")
