"""Records of every version read as today's: the version header, upcasters, tolerant reading.

A record (what is written to a topic or a changelog) says which version of its schema
it is in the `oms-schema` header, as `PlaceOrder.v2`: the name of its committed schema
file (models/schemas/PlaceOrder.v2.json). A record written before headers existed is
version 1. A reader:
- ignores fields it does not know (a newer writer may add them; see docs/evolution.md);
- turns an older version into today's with the model's upcasters, one per version step;
- reads a newer version as today's if it can, and otherwise refuses it with an error
  that names both versions (the worker dead-letters it; it never crashes).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter, ValidationError

from models.base import Model, Upcaster, members_of

#: The record header that names the record's schema and version.
HEADER = "oms-schema"


class UnreadableRecord(ValueError):
    """A record this reader cannot read: a newer version that does not read as today's, a
    record type the topic does not carry."""


@dataclass(frozen=True)
class Label:
    """A record's schema and version, as its header says."""

    name: str
    version: int

    def __str__(self) -> str:
        return f"{self.name}.v{self.version}"


def label_of(model: type[Model]) -> Label:
    """The label a record of `model` is written with today."""
    return Label(model.__name__, model.schema_version)


def parse_label(raw: bytes | str | None) -> Label | None:
    """The label in a header's value, or None if the header is absent or is not one."""
    if raw is None:
        return None
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else raw
    name, dot_v, version = text.rpartition(".v")
    if not name or not dot_v or not version.isdigit():
        return None
    return Label(name, int(version))


def upcast(model: type[Model], data: dict[str, Any], version: int) -> dict[str, Any]:
    """`data`, a record of `model` at `version`, in today's shape: each step's upcaster in
    turn (a step without one reads both ways: the compatibility gate holds it so)."""
    steps: Mapping[int, Upcaster] = model.upcasters
    for step in range(version, model.schema_version):
        if step in steps:
            data = steps[step](data)
    return data


def read(model: type[Model], data: bytes | str, version: int) -> Model:
    """A record of `model` written at `version`, read as today's (tolerant of new fields)."""
    today = model.schema_version
    if version == today:
        return model.model_validate_json(data, extra="ignore")
    if version < today:
        return model.model_validate(upcast(model, json.loads(data), version), extra="ignore")
    try:
        return model.model_validate_json(data, extra="ignore")
    except ValidationError as exc:
        raise UnreadableRecord(
            f"{model.__name__}.v{version} is newer than this reader knows "
            f"({label_of(model)}) and does not read as it: {exc}"
        ) from exc


class RecordReader:
    """Reads the records of a topic or a table: one model, or a union told apart by `type`."""

    def __init__(self, value: Any) -> None:
        self.members: dict[str, type[Model]] = {m.__name__: m for m in members_of(value)}
        self._adapter: TypeAdapter[Any] = TypeAdapter(value)
        self._by_type = {
            m.model_fields["type"].default: m
            for m in self.members.values()
            if "type" in m.model_fields
        }
        #: Whether every member is at version 1 (no record written before headers needs
        #: upcasting: they are read in one pass).
        self._all_first = all(m.schema_version == 1 for m in self.members.values())

    def read(self, data: bytes | str, header: bytes | str | None) -> Any:
        """The record in `data`, whose `oms-schema` header is `header` (None: absent)."""
        label = parse_label(header)
        if label is not None:
            model = self.members.get(label.name)
            if model is None:
                raise UnreadableRecord(
                    f"{label} is not a record this reader knows here "
                    f"(it reads {', '.join(sorted(self.members))})"
                )
            return read(model, data, label.version)
        if self._all_first:
            return self._adapter.validate_json(data, extra="ignore")
        # Written before headers: version 1 of the member its `type` names.
        return read(self._member_of(json.loads(data)), data, 1)

    def _member_of(self, parsed: Any) -> type[Model]:
        if len(self.members) == 1:
            return next(iter(self.members.values()))
        kind = parsed.get("type") if isinstance(parsed, dict) else None
        model = self._by_type.get(kind)
        if model is None:
            raise UnreadableRecord(f"a record of no type this reader knows: {kind!r}")
        return model


def wire_type(value: Any, name: str) -> type:
    """A Faust value type that reads records of `value` (a model or a union of them).

    Faust needs a class with `from_data` (given a record without its headers: version
    1); the platform's record schema calls its `reader` with the record's header.
    """
    reader = RecordReader(value)

    def from_data(cls: type, data: Any, *, preferred_type: Any = None) -> Any:
        if not isinstance(data, bytes | str):
            data = json.dumps(data)
        return reader.read(data, None)

    namespace = {"from_data": classmethod(from_data), "reader": reader}
    return type(name, (), {**namespace, "__doc__": f"Wire type {name}"})
