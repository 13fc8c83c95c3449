"""Answers of the REST API that are not domain values: errors, health, table inspection."""

from __future__ import annotations

from typing import Any, Literal

from models.base import Listing, Model


class ErrorBody(Model):
    """Every error: a message, a stable code, and details (the fields at fault for a 400)."""

    error: str
    code: str
    details: list[Any]


class HealthReport(Model):
    """Whether this worker serves (`ready`) or not yet (`starting`, and the `reason`)."""

    status: Literal["ready", "starting"]
    reason: str | None = None
    service: str
    worker: str
    #: The release the worker runs (CHANGELOG.md): two may serve side by side in an upgrade.
    version: str


class TableSummary(Model):
    """A table, with its key count over all workers."""

    name: str
    keys: int
    help: str


class TableList(Model):
    items: tuple[TableSummary, ...]


class Entry(Model):
    """One key of a table and its value, as JSON."""

    key: str
    value: Any


#: A page of a table's entries.
Entries = Listing[Entry]
