"""What a running system wrote, held to the golden records (or added to them).

A kind of record (its topic and `oms-schema` label) that tests/golden/records.jsonl
lacks fails the test that wrote it, unless the tests run with GOLDEN_RECORDS=append,
which adds one record of each missing kind (docs/evolution.md).
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from apps.platform.settings import VERSION
from models.versions import HEADER
from tests.golden import RECORDS_FILE, golden, kind_of, read, readable
from tests.processes import Broker, from_the_start, read_to_the_end


def every_record(broker: Broker) -> list[dict[str, Any]]:
    """Every record on every topic of `broker`, from the start, as a golden line."""

    async def consume() -> list[dict[str, Any]]:
        consumer = from_the_start(broker)
        await consumer.start()
        try:
            consumer.subscribe(list(await consumer.topics()))
            found = []
            while not await read_to_the_end(consumer):
                for batch in (await consumer.getmany(timeout_ms=200)).values():
                    found += [line(record) for record in batch if record.value is not None]
            return found
        finally:
            await consumer.stop()

    return asyncio.run(consume())


def line(record: Any) -> dict[str, Any]:
    headers = dict(record.headers or ())
    header = headers[HEADER].decode() if HEADER in headers else None
    return {
        # Every record 0.2.0 writes is labelled: one without was written before.
        "release": VERSION if header else "before 0.2.0",
        "topic": record.topic,
        "header": header,
        "key": json.loads(record.key) if record.key else None,
        "value": json.loads(record.value),
    }


def hold_to_the_golden_records(broker: Broker, *, unlabelled: bool = False) -> None:
    """Every kind of record on `broker` is among the golden records (or is added).

    Records without a label are taken only if `unlabelled` (a release before 0.2.0 wrote
    them); otherwise they are what the test itself put there (a poison record, say).
    """
    known = {kind_of(record) for record in golden()}
    missing: dict[tuple[str, str], dict[str, Any]] = {}
    for record in every_record(broker):
        taken = (unlabelled or record["header"]) and readable(record)
        if kind_of(record) not in known and taken:
            missing.setdefault(kind_of(record), record)
    if os.environ.get("GOLDEN_RECORDS") == "append":
        with RECORDS_FILE.open("a") as records:
            for record in missing.values():
                records.write(json.dumps({**record, "reads_as": read(record)}, sort_keys=True))
                records.write("\n")
        return
    assert not missing, (
        f"kinds of record not among the golden records: {sorted(missing)}; run the tests "
        "with GOLDEN_RECORDS=append and commit tests/golden/records.jsonl (docs/evolution.md)"
    )
