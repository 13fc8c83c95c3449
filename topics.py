"""Every topic of the system, declared once: its name, key, value type and one writer.

A service binds the topics it uses to its app with `bind`; nothing else names a topic.
Keys are JSON-serialized app-wide, so a key hashes to the same partition in a topic
and in the changelog of the table keyed the same way (BROKER.md, "Keys").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import faust

from models.base import wire_type
from models.inventory import AnyStockCommand


@dataclass(frozen=True)
class TopicSpec:
    """A topic's contract."""

    name: str
    key: str
    value_type: Any
    writer: str
    readers: tuple[str, ...]

    def bind(self, app: faust.App) -> faust.TopicT:
        """The topic on `app`, created at start with the app's partition count.

        `internal=True` is what makes Faust declare it; otherwise the broker would
        create it on first use with its own default partition count.
        """
        return app.topic(self.name, key_type=str, value_type=self.value_type, internal=True)


STOCK_COMMANDS = TopicSpec(
    name="inventory.stock-commands",
    key="product id",
    value_type=wire_type(AnyStockCommand, "StockCommandWire"),
    writer="inventory REST views",
    readers=("inventory stock agent",),
)

ALL = (STOCK_COMMANDS,)
