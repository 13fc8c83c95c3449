"""`oms schemas`: write each record type's JSON Schema at its version under models/schemas.

A record's file for an older version is never rewritten: it is what that version
wrote, and records of it are read forever after (docs/evolution.md). Today's version's
file is written anew, so a compatible change (a new optional field, say) is committed
with the change; the compatibility gate refuses any other.
"""

from __future__ import annotations

import json
from pathlib import Path

from models.records import RECORDS, schema_file, schema_of


def render(schema: dict[str, object]) -> str:
    """A schema as it is kept: sorted keys, two spaces, a final newline (stable diffs)."""
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def write_schemas() -> list[Path]:
    """Write every record's schema at its version; the files that changed."""
    changed = []
    for record in RECORDS:
        path = schema_file(record, record.schema_version)
        text = render(schema_of(record))
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            changed.append(path)
    return changed


def run() -> int:
    changed = write_schemas()
    for path in changed:
        print(f"wrote {path}")
    print(f"oms schemas: {len(changed)} changed; run the gate: make test-unit")
    return 0
