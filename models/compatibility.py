"""Whether records written under one pydantic JSON Schema can be read under another."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

Schema = Mapping[str, Any]

#: Words that describe values without constraining them. A discriminator only picks the
#: branch faster: the branches themselves are compared.
_IGNORED = frozenset(
    {"title", "description", "default", "examples", "discriminator", "readOnly", "deprecated"}
    | {"$defs"}  # the definitions are compared where a `$ref` names them
)

#: A bound the reader has, and the writer's bounds that keep every written value within
#: it: `holds(writer's bound, reader's bound)`.
_BOUNDS: Mapping[str, tuple[tuple[str, Callable[[Any, Any], bool]], ...]] = {
    "maximum": (("maximum", operator.le), ("exclusiveMaximum", operator.le)),
    "exclusiveMaximum": (("exclusiveMaximum", operator.le), ("maximum", operator.lt)),
    "maxLength": (("maxLength", operator.le),),
    "maxItems": (("maxItems", operator.le),),
    "minimum": (("minimum", operator.ge), ("exclusiveMinimum", operator.ge)),
    "exclusiveMinimum": (("exclusiveMinimum", operator.ge), ("minimum", operator.gt)),
    "minLength": (("minLength", operator.ge),),
    "minItems": (("minItems", operator.ge),),
}
#: Constraints a reader may have only as the writer has them.
_EXACT = ("pattern", "multipleOf", "format")

#: Every keyword the rules below compare; any other that differs is a change.
_COMPARED = frozenset(
    {"$ref", "type", "enum", "const", "anyOf", "oneOf", "properties", "required"}
    | {"additionalProperties", "propertyNames", "items", "prefixItems", *_BOUNDS, *_EXACT}
)

_BACKWARD = "A reader of this release cannot read records written by the last"
_FORWARD = "The last release cannot read records written by this one"
_ADVICE = {
    "required_added": (
        "give it a default, or raise the record's version and add an upcaster that fills it."
    ),
    "removed": (
        "keep the field (stop reading it first, remove it in a later version with an "
        "upcaster); to rename, add the new field beside the old one (expand), write both, "
        "then drop the old one in a later version (contract)."
    ),
    "type_changed": (
        "add a new field of the new type beside the old one (expand, migrate, contract), "
        "or raise the version and add an upcaster."
    ),
    "enum_added": (
        "a new value is safe only where every reader handles one it does not know; "
        "otherwise raise the version and add an upcaster, and release readers that know it "
        "first."
    ),
}
_ADVICE["narrowed"] = _ADVICE["changed"] = _ADVICE["type_changed"]


@dataclass(frozen=True)
class Problem:
    """One thing that stops a record from being read: where, why, and the kind of change."""

    #: A dotted path from the record: "status", "order.customer_id", "items[].quantity"
    #: ("[]" an array's items, "{}" a dict's values, "{key}" its keys).
    path: str
    why: str
    #: "required_added", "removed", "type_changed", "narrowed", "enum_added" or "changed".
    kind: str

    def __str__(self) -> str:
        return f"{self.path or '(the record)'}: {self.why}"


@dataclass(frozen=True)
class Verdict:
    """What stops records from crossing between the last release and this one."""

    #: A new reader of an old record: `unreadable(new, old)`.
    backward: tuple[Problem, ...]
    #: An old reader of a new record: `unreadable(old, new)`.
    forward: tuple[Problem, ...]

    @property
    def full(self) -> bool:
        return not self.backward and not self.forward

    def explain(self, record: str) -> str:
        """A message for a failing test: each problem, its direction, and what to do instead."""
        if self.full:
            return f"{record} reads both ways. See docs/evolution.md."
        lines = [f"{record} changed in a way its records cannot survive."]
        for direction, problems in ((_BACKWARD, self.backward), (_FORWARD, self.forward)):
            if problems:
                lines.append(f"{direction}:")
                for problem in problems:
                    lines += [f"  - {problem}", f"    Instead: {_ADVICE[problem.kind]}"]
        lines.append("See docs/evolution.md.")
        return "\n".join(lines)


def compare(old: dict[str, Any], new: dict[str, Any]) -> Verdict:
    """The problems of the change from schema `old` to `new`, in both directions."""
    return Verdict(
        backward=tuple(unreadable(new, old, reader_is_newer=True)),
        forward=tuple(unreadable(old, new, reader_is_newer=False)),
    )


def unreadable(
    reader: dict[str, Any], writer: dict[str, Any], *, reader_is_newer: bool
) -> list[Problem]:
    """What stops a record written under schema `writer` from being read under `reader`.

    A property only the writer has was added if the reader is the older (it ignores it)
    and removed if the reader is the newer (a problem): the schemas alone cannot tell.
    """
    problems = _Comparison(reader, writer, reader_is_newer).problems(reader, writer, "")
    return list(dict.fromkeys(problems))  # one problem found through two branches, once


@dataclass
class _Comparison:
    reader_root: Schema
    writer_root: Schema
    reader_is_newer: bool
    #: The pairs (reader, writer) being compared further up, by `$ref` (or by identity,
    #: beside a `$ref`): met again, a recursive model is accepted rather than entered.
    in_progress: set[tuple[str | int, str | int]] = field(default_factory=set)

    def problems(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        if "$ref" in reader or "$ref" in writer:
            pair = (reader.get("$ref") or id(reader), writer.get("$ref") or id(writer))
            if pair in self.in_progress:
                return []
            self.in_progress.add(pair)
            try:
                return self.problems(
                    _resolve(self.reader_root, reader), _resolve(self.writer_root, writer), path
                )
            finally:
                self.in_progress.discard(pair)
        writer_branches = writer.get("anyOf") or writer.get("oneOf")
        if writer_branches is not None:
            return [p for branch in writer_branches for p in self.problems(reader, branch, path)]
        if "anyOf" in reader or "oneOf" in reader:
            return self._union(reader, writer, path)
        return self._one(reader, writer, path)

    def _union(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        """A writer that is not a union, read by a union: accepted if one branch accepts it."""
        branches = reader.get("anyOf") or reader["oneOf"]
        tried = [self.problems(branch, writer, path) for branch in branches]
        if not all(tried):
            return []
        # Which branch the writer meant: the one with its tag, else one of its type.
        tag_name = reader.get("discriminator", {}).get("propertyName")
        tag = _tag(self.writer_root, writer, tag_name) if tag_name else None
        if tag is not None:
            tags = [_tag(self.reader_root, branch, tag_name) for branch in branches]
            if tag not in tags:
                return [self._unknown_values([tag], _join(path, tag_name))]
            return tried[tags.index(tag)]
        writer_types = _types(writer)
        resolved = [_resolve(self.reader_root, branch) for branch in branches]
        typed = [t for b, t in zip(resolved, tried, strict=True) if _accepts(b, writer_types)]
        if not typed:
            reader_types = frozenset(t for b in resolved for t in _types(b) or ())
            return [self._type_changed(reader_types, writer_types, path)]
        return min(typed, key=len)

    def _one(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        """Two schemas, neither a union nor a `$ref`."""
        writer_types = _types(writer)
        if not _accepts(reader, writer_types):
            return [self._type_changed(_types(reader), writer_types, path)]
        problems = self._values(reader, writer, path)
        if "properties" in reader or "properties" in writer:
            problems += self._properties(reader, writer, path)
        elif {"additionalProperties", "propertyNames"} & (reader.keys() | writer.keys()):
            problems += self._dict(reader, writer, path)
        problems += self._items(reader, writer, path)
        problems += self._constraints(reader, writer, path)
        others = (reader.keys() | writer.keys()) - _COMPARED - _IGNORED
        for key in sorted(others):
            if reader.get(key) != writer.get(key):
                old, new = self._old_new(reader.get(key), writer.get(key))
                problems.append(Problem(path, f"changed {key} from {old!r} to {new!r}", "changed"))
        return problems

    def _properties(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        """A nested model (or the record): the rule of docs/evolution.md, field by field.

        `additionalProperties: false` is not compared: readers ignore unknown fields."""
        writer_properties = writer.get("properties", {})
        writer_required = set(writer.get("required", ()))
        problems = []
        for name, read in reader.get("properties", {}).items():
            at = _join(path, name)
            written = writer_properties.get(name)
            # Pydantic writes every field, so one with a default is always in the record.
            always_written = written is not None and (
                name in writer_required or "default" in written
            )
            if name in reader.get("required", ()) and not always_written:
                problems.append(self._missing(at, absent=written is None))
            if written is not None:
                problems += self.problems(read, written, at)
        if self.reader_is_newer:
            why = "removed or renamed: records written before hold it, and this reader drops it"
            problems += [
                Problem(_join(path, name), why, "removed")
                for name in writer_properties
                if name not in reader.get("properties", {})
            ]
        return problems

    def _dict(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        """A dict: its values (`additionalProperties`) and its keys (`propertyNames`)."""
        read = reader.get("additionalProperties", True)
        written = writer.get("additionalProperties", True)
        if written is False:  # the writer writes no keys at all
            return []
        if read is False:
            old, new = self._old_new(read, written)
            why = f"changed additionalProperties from {old!r} to {new!r}"
            return [Problem(path, why, "changed")]
        return self.problems(_schema(read), _schema(written), f"{path}{{}}") + self.problems(
            _schema(reader.get("propertyNames")),
            _schema(writer.get("propertyNames")),
            f"{path}{{key}}",
        )

    def _items(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        read_prefix, written_prefix = reader.get("prefixItems"), writer.get("prefixItems")
        if read_prefix is None and written_prefix is None:
            if "items" not in reader and "items" not in writer:
                return []
            return self.problems(
                _schema(reader.get("items")), _schema(writer.get("items")), f"{path}[]"
            )
        # A tuple: position by position, a position past one side's prefix read (or
        # written) by that side's `items`.
        read_prefix, written_prefix = read_prefix or [], written_prefix or []
        problems = []
        for i in range(max(len(read_prefix), len(written_prefix))):
            read = read_prefix[i] if i < len(read_prefix) else _schema(reader.get("items"))
            written = written_prefix[i] if i < len(written_prefix) else _schema(writer.get("items"))
            problems += self.problems(read, written, f"{path}[{i}]")
        if "items" in reader and "items" in writer:
            problems += self.problems(reader["items"], writer["items"], f"{path}[]")
        return problems

    def _constraints(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        problems = []
        for key, within in _BOUNDS.items():
            bound = reader.get(key)
            if bound is not None and not any(
                writer.get(own) is not None and holds(writer[own], bound) for own, holds in within
            ):
                problems.append(self._bound(key, bound, writer.get(key), path))
        for key in _EXACT:
            if key in reader and reader[key] != writer.get(key):
                problems.append(self._exact(key, reader[key], writer.get(key), path))
        return problems

    def _values(self, reader: Schema, writer: Schema, path: str) -> list[Problem]:
        known, written = _values_of(reader), _values_of(writer)
        if known is None:
            return []
        if written is None:
            if self.reader_is_newer:
                return [Problem(path, f"narrowed to the values {_listed(known)}", "narrowed")]
            why = f"any value may be written, and the reader knows only {_listed(known)}"
            return [Problem(path, why, "enum_added")]
        unknown = [value for value in written if value not in known]
        return [self._unknown_values(unknown, path)] if unknown else []

    # The problems, phrased for the direction they are found in.

    def _old_new(self, read: Any, written: Any) -> tuple[Any, Any]:
        return (written, read) if self.reader_is_newer else (read, written)

    def _missing(self, path: str, *, absent: bool) -> Problem:
        lacking = "absent from" if absent else "may be absent from"
        if self.reader_is_newer:
            why = f"required by the reader but {lacking} records written before"
            return Problem(path, why, "required_added")
        why = f"removed or renamed: required by the reader but {lacking} records written now"
        return Problem(path, why, "removed")

    def _type_changed(
        self, read: frozenset[str] | None, written: frozenset[str] | None, path: str
    ) -> Problem:
        if written == frozenset({"null"}):
            why = (
                "records written before may hold null, which the reader does not accept"
                if self.reader_is_newer
                else "may now be null, which the reader does not accept"
            )
        else:
            old, new = self._old_new(_described(read), _described(written))
            why = f"type changed from {old} to {new}"
        return Problem(path, why, "type_changed")

    def _unknown_values(self, values: list[Any], path: str) -> Problem:
        if self.reader_is_newer:
            why = f"no longer accepts {_listed(values)}, which records written before may hold"
            return Problem(path, why, "narrowed")
        new = "a new value" if len(values) == 1 else "new values"
        return Problem(path, f"{new} {_listed(values)} the reader does not know", "enum_added")

    def _bound(self, key: str, read: Any, written: Any, path: str) -> Problem:
        upper = key.startswith(("max", "exclusiveMax"))
        if self.reader_is_newer:
            why = (
                f"narrowed: {key} {read}, none before"
                if written is None
                else f"narrowed: {key} {read} {'<' if upper else '>'} {written}"
            )
        else:
            why = (
                f"widened: no {key}, the reader's is {read}"
                if written is None
                else f"widened: {key} {written} {'>' if upper else '<'} {read}, the reader's"
            )
        return Problem(path, why, "narrowed")

    def _exact(self, key: str, read: Any, written: Any, path: str) -> Problem:
        if self.reader_is_newer:
            before = "none before" if written is None else f"was {written!r}"
            return Problem(path, f"narrowed: {key} {read!r}, {before}", "narrowed")
        now = f"no {key}" if written is None else f"{key} {written!r}"
        return Problem(path, f"widened: {now}, the reader's is {read!r}", "narrowed")


def _resolve(root: Schema, schema: Schema) -> Schema:
    """`schema` with its `$ref` (a pointer into its own side's document) replaced by what it
    names, the words beside the `$ref` kept."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    target: Any = root
    for part in ref.removeprefix("#").split("/")[1:]:
        target = target[part.replace("~1", "/").replace("~0", "~")]
    siblings = {key: value for key, value in schema.items() if key != "$ref"}
    return {**target, **siblings} if siblings else target


def _schema(value: Any) -> Schema:
    """A subschema that may be absent or `true` (any value): a schema."""
    return value if isinstance(value, Mapping) else {}


def _values_of(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    return list(schema["enum"]) if "enum" in schema else None


def _types(schema: Schema) -> frozenset[str] | None:
    """The JSON types a schema's values may have; None for any."""
    declared = schema.get("type")
    if declared is not None:
        return frozenset([declared] if isinstance(declared, str) else declared)
    values = _values_of(schema)
    if values is not None:
        return frozenset(_json_type(value) for value in values)
    return frozenset({"object"}) if "properties" in schema else None


def _json_type(value: Any) -> str:
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string")):
        if isinstance(value, kind):
            return name
    return {type(None): "null", list: "array", dict: "object"}.get(type(value), "any")


def _accepts(reader: Schema, written: frozenset[str] | None) -> bool:
    """Whether a reader accepts values of the types `written` (an integer is a number)."""
    read = _types(reader)
    if read is None:
        return True
    if written is None:
        return False
    return all(t in read or (t == "integer" and "number" in read) for t in written)


def _tag(root: Schema, branch: Schema, name: str) -> Any:
    """The value of a discriminated union's branch in its tag property `name`, if one."""
    tag = _resolve(root, _resolve(root, branch).get("properties", {}).get(name, {}))
    values = _values_of(tag)
    return values[0] if values is not None and len(values) == 1 else None


def _described(types: frozenset[str] | None) -> str:
    return " or ".join(sorted(types)) if types else "any"


def _listed(values: list[Any]) -> str:
    return ", ".join(repr(value) for value in values)


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
