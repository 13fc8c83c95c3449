"""Each test carries the marker of its level, from the folder it lives in.

`make test-unit` (or `pytest -m unit`) runs one level: unit, agents, integration, e2e.
"""

from __future__ import annotations

from pathlib import Path

import pytest

LEVELS = ("unit", "agents", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        level = Path(item.path).relative_to(Path(__file__).parent).parts[0]
        if level in LEVELS:
            item.add_marker(level)
