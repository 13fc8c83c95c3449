"""A worker for `test_no_record_lost.py`: the services' own app, consumer and flow control,
with one slow agent on topic `slowed`, a table, and three delays that hold open the
windows a rebalance opens in a real service.

Run as `python -m tests.integration.slowed_worker`, with the environment:
- OMS_BROKER_URL, OMS_DATA_DIR, WEB_PORT: the broker, where the worker keeps its table,
  and where it listens;
- TOPIC, PARTITIONS: what it reads;
- HANDLED: the file each record's partition and offset are written to as it is handled;
- AGENT_S: how long the agent takes over a record, so records wait in its buffer;
- BUFFER_FULL_S: how long each record waits to get into a buffer, so a revoke finds the
  fetcher in the middle of handing one over;
- SEEK_S: how long the consumer thread holds the seek after a rebalance (its fetcher
  goes on meanwhile), so records are fetched again before the seek is done.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import faust

from apps.platform import transport
from apps.platform.adjusted_app import broker_options
from apps.platform.app import ServiceApp
from apps.platform.settings import Settings

TOPIC = os.environ["TOPIC"]
PARTITIONS = int(os.environ["PARTITIONS"])
AGENT_S = float(os.environ.get("AGENT_S", "0"))
BUFFER_FULL_S = float(os.environ.get("BUFFER_FULL_S", "0"))
SEEK_S = float(os.environ.get("SEEK_S", "0"))


class SlowSeekThread(transport.ConsumerThread):
    async def _seek_to_committed_or_start(self) -> Any:
        positions = await super()._seek_to_committed_or_start()
        await asyncio.sleep(SEEK_S)  # in the consumer thread: its fetcher goes on
        return positions


class FullBufferConsumer(transport.Consumer):
    def __init__(
        self, transport_: Any, callback: Callable[[Any], Awaitable[None]], **kwargs: Any
    ) -> None:
        async def into_a_full_buffer(message: Any) -> None:
            await asyncio.sleep(BUFFER_FULL_S)
            await callback(message)

        super().__init__(transport_, callback=into_a_full_buffer, **kwargs)

    def _new_consumer_thread(self) -> SlowSeekThread:
        return SlowSeekThread(self, loop=self.loop, beacon=self.beacon)


class SlowedTransport(transport.Transport):
    Consumer = FullBufferConsumer


class SlowedApp(ServiceApp):
    def _new_transport(self) -> SlowedTransport:
        return SlowedTransport(self.conf.broker_consumer, self)


settings = replace(Settings.from_env(), partitions=PARTITIONS)
app = SlowedApp(
    "slowed",
    settings,
    **broker_options(settings),
    datadir=os.environ["OMS_DATA_DIR"],
    store="rocksdb://",
    web_port=int(os.environ["WEB_PORT"]),
    web_host="127.0.0.1",
    web_bind="127.0.0.1",
)
records = app.topic(TOPIC, key_type=str, value_type=bytes, internal=True)
last_handled = app.Table("last-handled", default=int)
handled = open(os.environ["HANDLED"], "a", buffering=1)  # noqa: SIM115 - for the worker's life


@app.agent(records)
async def handle(stream: faust.StreamT[bytes]) -> None:
    async for event in stream.events():
        message = event.message
        handled.write(f"{message.partition} {message.offset}\n")
        last_handled[event.key] = message.offset
        await asyncio.sleep(AGENT_S)


if __name__ == "__main__":
    faust.Worker(app, loglevel="INFO").execute_from_commandline()
