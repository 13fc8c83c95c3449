"""Every record type: what is written to a topic or a changelog and read by another version.

Each is kept as a JSON Schema per version under models/schemas (`make schemas`), and
the compatibility gate (tests/unit/test_compatibility_gate.py) holds every change to
the rule of docs/evolution.md. A test holds this list to the topics and the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from models.base import Model
from models.dead_letters import DeadLetter
from models.events import (
    InventoryReserved,
    InventoryStatusUpdated,
    OrderCancelledConfirmed,
    OrderCancelRequested,
    OrderCreated,
    PaymentCancelled,
    PaymentFailed,
    PaymentRefunded,
    PaymentStatusUpdated,
    StockReleased,
)
from models.inventory import (
    AddStock,
    CommitStock,
    CreateProduct,
    HoldStock,
    Product,
    ReleaseStock,
    RemoveStock,
    StockReply,
    UpdateProduct,
)
from models.orders import CancelOrder, NudgeOrder, Order, OrderReply, PlaceOrder
from models.payments import (
    ChangePaymentStatus,
    Charge,
    GatewayAnswered,
    Payment,
    PaymentReply,
    Prepay,
    Refund,
    TimeOutPayment,
)
from models.reservations import (
    LineCommitted,
    LineGranted,
    LineRefused,
    LineReleased,
    ReleaseReservation,
    Reservation,
    ReservationReply,
    ReserveStock,
)

#: Where the schemas of every version are kept: `<Record>.v<version>.json`.
SCHEMAS = Path(__file__).parent / "schemas"

#: The saga's events (their topics are the public contract).
EVENTS: tuple[type[Model], ...] = (
    OrderCreated,
    OrderCancelRequested,
    OrderCancelledConfirmed,
    InventoryReserved,
    InventoryStatusUpdated,
    StockReleased,
    PaymentStatusUpdated,
    PaymentFailed,
    PaymentCancelled,
    PaymentRefunded,
)
#: What a service sends itself: commands, line results, gateway requests and answers.
COMMANDS: tuple[type[Model], ...] = (
    PlaceOrder,
    CancelOrder,
    NudgeOrder,
    CreateProduct,
    UpdateProduct,
    AddStock,
    RemoveStock,
    HoldStock,
    ReleaseStock,
    CommitStock,
    LineGranted,
    LineRefused,
    LineReleased,
    LineCommitted,
    ReserveStock,
    ReleaseReservation,
    GatewayAnswered,
    TimeOutPayment,
    Prepay,
    ChangePaymentStatus,
    Charge,
    Refund,
)
#: An agent's answers to a view (on the asking worker's reply topic).
REPLIES: tuple[type[Model], ...] = (OrderReply, StockReply, ReservationReply, PaymentReply)
#: The values of the tables, kept in their changelogs (and dead letters, on their topic too).
TABLE_VALUES: tuple[type[Model], ...] = (Order, Product, Reservation, Payment, DeadLetter)

RECORDS: tuple[type[Model], ...] = (*EVENTS, *COMMANDS, *REPLIES, *TABLE_VALUES)


def schema_of(record: type[Model]) -> dict[str, Any]:
    """The JSON Schema of `record` as it is today (what its version's file holds)."""
    return record.model_json_schema()


def schema_file(record: type[Model], version: int) -> Path:
    """Where the schema of `record` at `version` is kept."""
    return SCHEMAS / f"{record.__name__}.v{version}.json"
