"""While `oms up` runs its own broker: a warning once that broker holds more orders than
it serves well (the saga page's note; apps/platform/broker_load.py says why)."""

from __future__ import annotations

import asyncio

from apps.cli.rest import ServiceError, get
from apps.cli.supervisor import Supervisor

#: How often the order service's counts are read.
EVERY_S = 30.0


async def warn_when_full(supervisor: Supervisor, order_url: str, every_s: float = EVERY_S) -> None:
    """Read the counts every `every_s` until they carry the broker's note; log it once."""
    while True:
        try:
            counts = await asyncio.to_thread(get, f"{order_url}/ui/counts")
        except (ServiceError, OSError):
            counts = {}  # a worker restarting, say: the next look will do
        note = counts.get("broker_note")
        if note:
            supervisor.log(f"warning: {note}")
            return
        await asyncio.sleep(every_s)
