"""Replay: rebuild a service's tables from their changelogs, and prove nothing changed.

The procedure:
1. Record a digest of every table, read through the service's table inspection.
2. Restart the service's workers with their local state removed, so every table is
   rebuilt from its changelog topic.
3. Take the digests again and compare them.

Who restarts the workers is the caller's business: `oms up` does it through its
supervisor, and the tests with the processes they started. Run it on a quiet system:
a write in between changes a digest.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from apps.cli.rest import every_entry, get


@dataclass(frozen=True)
class TableDigest:
    keys: int
    digest: str


def table_digests(service_url: str) -> dict[str, TableDigest]:
    """A digest of every table of the service: sha256 over its entries in key order."""
    tables = get(f"{service_url}/tables")["items"]
    return {table["name"]: _digest(service_url, table["name"]) for table in tables}


def _digest(service_url: str, name: str) -> TableDigest:
    hashed = hashlib.sha256()
    keys = 0
    for item in every_entry(f"{service_url}/tables/{name}"):
        hashed.update(json.dumps(item, sort_keys=True).encode() + b"\n")
        keys += 1
    return TableDigest(keys, hashed.hexdigest()[:16])


async def replay(
    service_url: str,
    restart_without_state: Callable[[], Awaitable[None]],
    emit: Callable[[str], None] = print,
) -> bool:
    """Digest, restart without local state, digest again; whether every table matches."""
    before = await asyncio.to_thread(table_digests, service_url)
    emit(f"before: {_describe(before)}")
    await restart_without_state()
    after = await asyncio.to_thread(table_digests, service_url)
    emit(f"after:  {_describe(after)}")
    same = before == after
    for name in sorted(before.keys() | after.keys()):
        verdict = "same" if before.get(name) == after.get(name) else "DIFFERENT"
        emit(f"{name:<14} {_show(before.get(name))} -> {_show(after.get(name))}  {verdict}")
    return same


def _describe(digests: dict[str, TableDigest]) -> str:
    return ", ".join(f"{name} {_show(d)}" for name, d in sorted(digests.items()))


def _show(digest: TableDigest | None) -> str:
    return "missing" if digest is None else f"{digest.keys} keys {digest.digest}"
