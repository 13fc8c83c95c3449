"""`oms schemas`: write each record type's JSON Schema at its version under models/schemas.

A version's file, once written, is never rewritten: it is what that version wrote, and
records of it are read forever after (docs/evolution.md). A model changed since its
file was written needs a new version (raise its `schema_version`); the compatibility
gate (tests/unit/test_compatibility_gate.py) then says whether the step needs an upcaster.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.records import RECORDS, schema_file, schema_of


def render(schema: dict[str, object]) -> str:
    """A schema as it is kept: sorted keys, two spaces, a final newline (stable diffs)."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas() -> tuple[list[Path], list[str]]:
    """Write the schema of every record's version that has none; the files written, and
    the records whose model is no longer what its version's file says."""
    written, stale = [], []
    for record in RECORDS:
        path = schema_file(record, record.schema_version)
        text = render(schema_of(record))
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
        elif path.read_text() != text:
            stale.append(
                f"{record.__name__} changed since {path.name} was written: raise "
                f"{record.__name__}.schema_version to {record.schema_version + 1}"
            )
    return written, stale


def run() -> int:
    written, stale = write_schemas()
    for path in written:
        print(f"wrote {path}")
    for problem in stale:
        print(f"oms schemas: {problem}")
    print(
        f"oms schemas: {len(written)} written; the gate says if each change is safe: make test-unit"
    )
    return 1 if stale else 0
