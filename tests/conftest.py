"""Each test carries the marker of its level, from the folder it lives in.

`make test-unit` (or `pytest -m unit`) runs one level: unit, agents, integration, e2e.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

#: The secret every worker the tests start checks tokens with (see tests/tokens.py): set
#: before anything reads the settings, and inherited by every process the tests start.
os.environ.setdefault("OMS_AUTH_SECRET", "a-test-secret-of-at-least-thirty-two-bytes-long")

LEVELS = ("unit", "agents", "integration", "e2e")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        level = Path(item.path).relative_to(Path(__file__).parent).parts[0]
        if level in LEVELS:
            item.add_marker(level)
