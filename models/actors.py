"""Who asked for a change: the caller's subject and role, recorded on commands and events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal, get_args

from pydantic import Field

from models.base import Model

Role = Literal["customer", "operator", "processor"]
#: Every role a token may carry that this system knows; any other is ignored.
ROLES: tuple[Role, ...] = get_args(Role)


class Actor(Model):
    """The caller of a REST request that changed something: its token's `sub` and the role
    it acted in (a customer's `sub` is its customer id)."""

    sub: Annotated[str, Field(min_length=1, max_length=255)]
    role: Role

    def __str__(self) -> str:
        return f"{self.sub} ({self.role})"


#: The `sub` of a caller a record does not name: it was written before commands recorded
#: who asked (their version 1). No token's subject or customer id can be this text.
UNKNOWN_CALLER = "(unknown: sent before commands recorded who asked)"


def caller_unknown(
    role: Role | Callable[[dict[str, Any]], Role],
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The upcaster of a command from version 1 to 2: who asked, when the record says not.

    Version 1 is every command written before versions were recorded; the oldest of
    them did not say who asked. Those now say the caller is not known, in `role` (the
    least role that may send the command, or a function of the record that says it).
    """

    def upcast(record: dict[str, Any]) -> dict[str, Any]:
        if "requested_by" in record:
            return record
        acted_as = role(record) if callable(role) else role
        return {**record, "requested_by": {"sub": UNKNOWN_CALLER, "role": acted_as}}

    return upcast
