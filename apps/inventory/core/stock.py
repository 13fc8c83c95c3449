"""The stock rules, pure: given a product (or none) and a command, what happens.

Two kinds of command reach a product. Catalog and stock-level commands come from the
REST views and get a reply. Line commands come from the reservation agent (hold,
release or commit one order's line), and each gets a line result back (an event).

Redelivery is harmless:
- `position` is the offset of the last command applied to the product, so a replay of
  the stock topic changes nothing twice.
- `recent_commands` catches the same command published twice.
- A product holds at most one line per order.
A repeated line command re-emits its result, in case the first result was lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from apps.platform.decision import Decision, answered
from models.base import ReplyAddress, updated
from models.inventory import (
    AddStock,
    AnyStockCommand,
    CommitStock,
    CreateProduct,
    HoldStock,
    Product,
    ReleaseStock,
    RemoveStock,
    StockCommand,
    StockReply,
    UpdateProduct,
)
from models.reservations import (
    AnyLineResult,
    LineCommitted,
    LineGranted,
    LineRefused,
    LineReleased,
)

#: How many applied command ids a product remembers to recognise a repeated publish.
REMEMBERED_COMMANDS = 64


def decide(
    product: Product | None,
    command: AnyStockCommand,
    position: int,
    reply_to: ReplyAddress | None = None,
) -> Decision[Product]:
    """Apply the command found at `position` of the stock topic to the product it names.

    A REST caller at `reply_to` is answered with the product as it then is, or why not.
    """
    decision = _decide(product, command, position, reply_to)
    if decision.replies:  # refused, and told why
        return decision
    reply = StockReply(product=decision.state)
    return replace(decision, replies=answered(decision.state, reply_to, reply).replies)


def _decide(
    product: Product | None,
    command: AnyStockCommand,
    position: int,
    reply_to: ReplyAddress | None,
) -> Decision[Product]:
    if product is not None and (
        position <= product.position or command.command_id in product.recent_commands
    ):
        return _repeated(product, command)
    match command:
        case CreateProduct():
            return _create(product, command, position, reply_to)
        case HoldStock():
            return _hold(product, command, position)
        case ReleaseStock():
            return _release(product, command, position)
        case CommitStock():
            return _commit(product, command, position)
        case _ if product is None:
            return _reject(
                None, reply_to, "PRODUCT_NOT_FOUND", f"no product {command.product_id!r}"
            )
        case UpdateProduct():
            changes = {**command.changes.changed(), "updated_by": command.requested_by}
            return _applied(product, command, position, changes)
        case AddStock():
            return _applied(
                product,
                command,
                position,
                dict(
                    available=product.available + command.quantity,
                    added=product.added + command.quantity,
                    updated_by=command.requested_by,
                ),
            )
        case RemoveStock():
            if command.quantity > product.available:
                return _reject(
                    product,
                    reply_to,
                    "INSUFFICIENT_STOCK",
                    f"cannot remove {command.quantity} of {product.id!r}: "
                    f"only {product.available} available",
                )
            return _applied(
                product,
                command,
                position,
                dict(
                    available=product.available - command.quantity,
                    removed=product.removed + command.quantity,
                    updated_by=command.requested_by,
                ),
            )


def _create(
    existing: Product | None,
    command: CreateProduct,
    position: int,
    reply_to: ReplyAddress | None,
) -> Decision[Product]:
    if existing is not None:
        return _reject(
            existing, reply_to, "PRODUCT_EXISTS", f"product {command.product_id!r} exists"
        )
    product = Product(
        id=command.product_id,
        name=command.name,
        description=command.description,
        price=command.price,
        active=command.active,
        available=command.stock,
        initial=command.stock,
        created_at=command.issued_at,
        updated_at=command.issued_at,
        recent_commands=(command.command_id,),
        position=position,
        updated_by=command.requested_by,
    )
    return Decision(product, changed=True)


def _hold(product: Product | None, command: HoldStock, position: int) -> Decision[Product]:
    order_id, product_id = command.order_id, command.product_id
    if product is None:
        return _refuse(None, command, "UNKNOWN_PRODUCT", f"no product {product_id!r}")
    if order_id in product.holds:
        return Decision(product, events=(_granted(product, order_id),))
    if not product.active:
        return _refuse(product, command, "PRODUCT_INACTIVE", f"{product_id!r} is not for sale")
    if command.quantity > product.available:
        message = f"{command.quantity} of {product_id!r} asked, {product.available} available"
        return _refuse(product, command, "OUT_OF_STOCK", message)
    granted = LineGranted(
        order_id=order_id,
        product_id=product_id,
        quantity=command.quantity,
        unit_price=product.price,
    )
    return _applied(
        product,
        command,
        position,
        dict(
            available=product.available - command.quantity,
            reserved=product.reserved + command.quantity,
            holds={**product.holds, order_id: command.quantity},
        ),
        events=(granted,),
    )


def _release(product: Product | None, command: ReleaseStock, position: int) -> Decision[Product]:
    released = LineReleased(order_id=command.order_id, product_id=command.product_id)
    if product is None:
        return Decision(None, events=(released,))
    if command.sold:
        # A refund: the units were sold; this command id is applied once (see `handle`).
        returned = min(command.quantity, product.sold)
        return _applied(
            product,
            command,
            position,
            dict(
                available=product.available + returned,
                sold=product.sold - returned,
            ),
            events=(released,),
        )
    if command.order_id in product.holds:
        held = product.holds[command.order_id]
        return _applied(
            product,
            command,
            position,
            dict(
                available=product.available + held,
                reserved=product.reserved - held,
                holds=_without(product.holds, command.order_id),
            ),
            events=(released,),
        )
    return Decision(product, events=(released,))  # nothing held: released already


def _commit(product: Product | None, command: CommitStock, position: int) -> Decision[Product]:
    committed = LineCommitted(order_id=command.order_id, product_id=command.product_id)
    if product is None or command.order_id not in product.holds:
        return Decision(product, events=(committed,))  # committed already
    held = product.holds[command.order_id]
    return _applied(
        product,
        command,
        position,
        dict(
            reserved=product.reserved - held,
            sold=product.sold + held,
            holds=_without(product.holds, command.order_id),
        ),
        events=(committed,),
    )


def _repeated(product: Product, command: AnyStockCommand) -> Decision[Product]:
    """A command applied before: change nothing, and answer as the first time."""
    order_id, product_id = getattr(command, "order_id", None), command.product_id
    match command:
        case HoldStock() if command.order_id in product.holds:
            return Decision(product, events=(_granted(product, command.order_id),))
        case ReleaseStock():
            return Decision(
                product, events=(LineReleased(order_id=order_id, product_id=product_id),)
            )
        case CommitStock():
            return Decision(
                product, events=(LineCommitted(order_id=order_id, product_id=product_id),)
            )
        case _:
            # A hold no longer in place was released or committed since: nothing to say.
            return Decision(product)


def _granted(product: Product, order_id: str) -> LineGranted:
    return LineGranted(
        order_id=order_id,
        product_id=product.id,
        quantity=product.holds[order_id],
        unit_price=product.price,
    )


def _refuse(
    product: Product | None, command: HoldStock, reason: str, message: str
) -> Decision[Product]:
    refused = LineRefused.model_validate(
        {
            "order_id": command.order_id,
            "product_id": command.product_id,
            "reason": reason,
            "message": message,
        }
    )
    return Decision(product, events=(refused,))


def _applied(
    product: Product,
    command: StockCommand,
    position: int,
    changes: Mapping[str, object],
    events: tuple[AnyLineResult, ...] = (),
) -> Decision[Product]:
    """The product with `changes` made by `command`, to be written, and `events` to send."""
    remembered = (*product.recent_commands, command.command_id)[-REMEMBERED_COMMANDS:]
    after = updated(
        product,
        command.issued_at,
        **changes,
        recent_commands=remembered,
        position=position,
    )
    return Decision(after, changed=True, events=events)


def _reject(
    product: Product | None, reply_to: ReplyAddress | None, code: str, message: str
) -> Decision[Product]:
    reply = StockReply.model_validate({"product": product, "error": code, "message": message})
    return answered(product, reply_to, reply)


def _without(holds: dict[str, int], order_id: str) -> dict[str, int]:
    return {order: units for order, units in holds.items() if order != order_id}
