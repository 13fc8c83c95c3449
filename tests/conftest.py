"""Each test carries the marker of its level, from the folder it lives in; every
end-to-end and fault test ends by showing that no record was lost.

`make test-unit` (or `pytest -m unit`) runs one level: unit, agents, integration, e2e.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path

import pytest

#: The secret every worker the tests start checks tokens with (see tests/tokens.py): set
#: before anything reads the settings, and inherited by every process the tests start.
os.environ.setdefault("OMS_AUTH_SECRET", "a-test-secret-of-at-least-thirty-two-bytes-long")

# After the secret: the tests' tokens are signed with it when their module is imported.
from tests import losses

LEVELS = ("unit", "agents", "integration", "e2e")
#: The tests that drive a whole system and must see a loss (see `tests.losses`).
WHOLE_SYSTEM = frozenset({"e2e", "faults"})


def level_of(item: pytest.Item) -> str:
    return Path(item.path).relative_to(Path(__file__).parent).parts[0]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if (level := level_of(item)) in LEVELS:
            item.add_marker(level)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    """Around the test itself, its fixtures up: no order nudged and no record dead-lettered
    on any running broker, but those the test put there (`tests.losses`)."""
    if level_of(item) not in WHOLE_SYSTEM:
        return (yield)
    before = losses.look()
    outcome = yield
    marker = item.get_closest_marker("dead_letters")
    logs = item.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    losses.assert_nothing_lost(before, marker.args[0] if marker else 0, logs)
    return outcome
