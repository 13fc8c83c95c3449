"""Agent tests run the real agents on a real RocksDB store, without a broker.

Outbound sends are recorded instead of produced: `sent` lists `(topic, key, value)`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import faust
import pytest

from apps.inventory import app as inventory_app
from apps.order import app as order_app
from apps.payment import app as payment_app
from apps.platform.fault_injection import FaultInjector
from tests.chance import Draws

Sent = list[tuple[str, Any, Any]]


@pytest.fixture(scope="session", autouse=True)
def rocksdb_in_a_temporary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test session gets fresh tables: RocksDB keeps partitions apart, memory does not."""
    datadir = tmp_path_factory.mktemp("tables")
    for app in (order_app, inventory_app, payment_app):
        app.conf.datadir = datadir / app.conf.id
        assert app.conf.store.scheme == "rocksdb"
    return datadir


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    """Record what agents send to topics (table changelogs still go through Faust)."""
    records: Sent = []

    async def record(self: faust.Topic, *, key: Any = None, value: Any = None, **_: Any) -> None:
        records.append((self.get_topic_name(), key, value))

    monkeypatch.setattr(faust.Topic, "send", record)
    return records


@pytest.fixture
def fail_once_after_write(monkeypatch: pytest.MonkeyPatch) -> None:
    """The next decision that writes fails after its write, as a broker error would; the
    ones after it do not."""
    for app in (order_app, inventory_app, payment_app):
        faults = FaultInjector(handler_failures=0.5, chance=Draws(0.0))
        monkeypatch.setattr(app, "faults", faults)
