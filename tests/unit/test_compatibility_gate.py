"""The compatibility gate: every record's model against its committed schemas (models/schemas).

A version's schema, once committed, is what that version wrote forever: it is never
rewritten. So a model must be what its latest version's file says; a change to it
raises the version (`oms schemas` then writes the new file). Each step from one version
to the next must read both ways (docs/evolution.md), or have an upcaster.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar

import pytest

from models.base import Model
from models.compatibility import compare
from models.orders import Order, PlaceOrder
from models.records import RECORDS, SCHEMAS, TABLE_VALUES, schema_file, schema_of


def committed(record: type[Model]) -> dict[int, dict[str, Any]]:
    """The schemas of every committed version of `record`, by version."""
    versions = {}
    for path in SCHEMAS.glob(f"{record.__name__}.v*.json"):
        match = re.fullmatch(rf"{record.__name__}\.v(\d+)\.json", path.name)
        if match:
            versions[int(match[1])] = json.loads(path.read_text())
    return versions


def refusals(record: type[Model], versions: dict[int, dict[str, Any]]) -> list[str]:
    """Why the gate refuses `record` with these committed `versions` (none: it passes)."""
    name, today = record.__name__, record.schema_version
    if record in TABLE_VALUES and record.upcasters:
        # A worker's store keeps a value's bytes without its header and reads them as
        # today's: a table value changes by compatible steps only, until restore upcasts.
        return [f"{name} is a table value: it cannot have upcasters yet (evolution.md)"]
    if today not in versions:
        latest = max(versions, default=0)
        if today <= latest:
            return [f"{name}.schema_version is {today}, below its latest schema v{latest}"]
        if today > latest + 1:
            return [f"{name}.schema_version jumps from v{latest} to v{today}: raise it by one"]
        return [f"{name}.v{today} has no committed schema: run `make schemas` and commit it"]
    missing = [v for v in range(1, today) if v not in versions]
    if missing:
        return [f"{name}: the schemas of versions {missing} are missing from {SCHEMAS}"]
    found = []
    if schema_of(record) != versions[today]:
        verdict = compare(versions[today], schema_of(record))
        change = "" if verdict.full else "\n" + verdict.explain(name)
        found.append(
            f"{name} is not what {name}.v{today}.json says, and a committed version is never "
            f"rewritten: raise {name}.schema_version to {today + 1} and run `make schemas`" + change
        )
    for step in range(1, today):
        verdict = compare(versions[step], versions[step + 1])
        if not verdict.full and step not in record.upcasters:
            found.append(
                f"{name}.v{step} -> v{step + 1} breaks the rule and {name}.upcasters has no "
                f"upcaster from v{step}:\n" + verdict.explain(name)
            )
    return found


@pytest.mark.parametrize("record", RECORDS, ids=lambda record: record.__name__)
def test_every_record_keeps_to_the_rule_of_evolution(record: type[Model]) -> None:
    problems = refusals(record, committed(record))
    assert not problems, "\n\n".join(problems)


def test_no_schema_is_kept_for_a_record_that_is_not_one() -> None:
    names = {record.__name__ for record in RECORDS}
    kept = {path.name.split(".v")[0] for path in SCHEMAS.glob("*.json")}
    assert kept <= names, kept - names


# The change of issue 28, made the wrong way and the right way: `requested_by` became
# required in commands that did not always carry it.

V1_OF_PLACE_ORDER = json.loads(schema_file(PlaceOrder, 1).read_text())


class RequiredInPlace(PlaceOrder):
    """The wrong way: the field made required, the version left as it was."""

    schema_version: ClassVar[int] = 1
    upcasters: ClassVar[dict[int, Any]] = {}


class RaisedWithoutUpcaster(PlaceOrder):
    """Half the right way: the version raised, but nothing to read version 1 with."""

    upcasters: ClassVar[dict[int, Any]] = {}


def test_the_gate_refuses_a_field_made_required_without_a_new_version() -> None:
    verdict = compare(V1_OF_PLACE_ORDER, schema_of(RequiredInPlace))
    problems = refusals(RequiredInPlace, {1: V1_OF_PLACE_ORDER})

    assert [p.path for p in verdict.backward] == ["requested_by"]
    assert problems and "requested_by" in problems[0]
    assert "raise RequiredInPlace.schema_version to 2" in problems[0]
    assert "give it a default, or raise the record's version and add an upcaster" in problems[0]


def test_the_gate_refuses_a_new_version_without_an_upcaster_from_the_last() -> None:
    versions = {1: V1_OF_PLACE_ORDER, 2: schema_of(RaisedWithoutUpcaster)}
    problems = refusals(RaisedWithoutUpcaster, versions)
    assert len(problems) == 1
    assert "v1 -> v2 breaks the rule" in problems[0] and "requested_by" in problems[0]


def test_the_gate_passes_the_new_version_with_its_upcaster() -> None:
    versions = {1: V1_OF_PLACE_ORDER, 2: schema_of(PlaceOrder)}
    assert refusals(PlaceOrder, versions) == []


def test_the_gate_refuses_an_upcaster_for_a_table_value() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Order, "upcasters", {1: dict})
        assert refusals(Order, committed(Order)) == [
            "Order is a table value: it cannot have upcasters yet (evolution.md)"
        ]


def test_the_gate_asks_for_the_schema_of_a_new_version() -> None:
    assert refusals(PlaceOrder, {1: V1_OF_PLACE_ORDER}) == [
        "PlaceOrder.v2 has no committed schema: run `make schemas` and commit it"
    ]
