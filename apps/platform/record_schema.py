"""Faust's schema for every record: its version header written on send, read on receive.

Every topic and changelog of the app uses it (the app's `Schema` setting), so one
place labels what is written (`oms-schema: Order.v1`, see models/versions.py) and
reads what arrives by its label: tolerant of fields it does not know, older versions
upcast, a version it cannot read refused as a value-decode error, which dead-letters
the record with the reason (apps/platform/dead_letters.py).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import faust
from faust.agents.replies import ReqRepResponse
from faust.exceptions import ValueDecodeError
from faust.types.core import merge_headers

from models.base import Model
from models.versions import HEADER, RecordReader, label_of


def header_value(headers: Any, name: str) -> bytes | None:
    """The value of header `name` in a record's headers (a mapping or pairs), if any."""
    if not headers:
        return None
    if isinstance(headers, Mapping):
        return headers.get(name)  # type: ignore[no-any-return]
    return next((value for key, value in headers if key == name), None)


@functools.cache
def _reader_of(value_type: Any) -> RecordReader | None:
    """The reader of a topic's values: a wire type's own, or one for a model (a table's)."""
    reader = getattr(value_type, "reader", None)
    if reader is not None:
        return reader  # type: ignore[no-any-return]
    if isinstance(value_type, type) and issubclass(value_type, Model):
        return RecordReader(value_type)
    return None


class RecordSchema(faust.Schema):  # type: ignore[misc]
    """Labels each record with its schema's version, and reads each by its label."""

    def on_dumps_value_prepare_headers(self, value: Any, headers: Any) -> Any:
        # A reply travels inside Faust's response: the answer is the record.
        record = value.value if isinstance(value, ReqRepResponse) else value
        if not isinstance(record, Model):
            return headers
        label = {HEADER: str(label_of(type(record)))}
        if headers is None:
            headers = {}
        merge_headers(headers, label)
        return headers

    def loads_value(self, app: Any, message: Any, **options: Any) -> Any:
        reader = _reader_of(self.value_type)
        if reader is None or message.value is None:
            return super().loads_value(app, message, **options)
        try:
            return reader.read(message.value, header_value(message.headers, HEADER))
        except ValueError as exc:  # unreadable, invalid, or not JSON at all
            raise ValueDecodeError(str(exc)) from exc
