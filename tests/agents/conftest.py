"""Agent tests run the real agents on a real RocksDB store, without a broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.inventory import app as inventory_app


@pytest.fixture(scope="session", autouse=True)
def rocksdb_in_a_temporary_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Each test session gets fresh tables: RocksDB keeps partitions apart, memory does not."""
    datadir = tmp_path_factory.mktemp("tables")
    inventory_app.conf.datadir = datadir
    assert inventory_app.conf.store.scheme == "rocksdb"
    return datadir
