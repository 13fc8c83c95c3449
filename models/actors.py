"""Who asked for a change: the caller's subject and role, recorded on commands and events."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

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
