"""The stock rules, pure: given a product (or none) and a command, what happens."""

from __future__ import annotations

from dataclasses import dataclass

from models.inventory import (
    AddStock,
    AnyStockCommand,
    CreateProduct,
    Product,
    Rejection,
    RemoveStock,
    StockCommand,
    UpdateProduct,
)

#: How many applied command ids a product remembers to recognise redeliveries.
REMEMBERED_COMMANDS = 64


@dataclass(frozen=True)
class Outcome:
    """The product after the command, whether it must be written, and any rejection."""

    product: Product | None
    changed: bool = False
    rejection: Rejection | None = None


def handle(product: Product | None, command: AnyStockCommand) -> Outcome:
    """Apply one stock command to the product it names."""
    if product is not None and command.command_id in product.recent_commands:
        return Outcome(product)  # a redelivery: already applied
    match command:
        case CreateProduct():
            return _create(product, command)
        case _ if product is None:
            return _reject(None, "PRODUCT_NOT_FOUND", f"no product {command.product_id!r}")
        case UpdateProduct():
            return _applied(product, command, **command.changes.changed())
        case AddStock():
            return _applied(
                product,
                command,
                available=product.available + command.quantity,
                added=product.added + command.quantity,
            )
        case RemoveStock():
            if command.quantity > product.available:
                return _reject(
                    product,
                    "INSUFFICIENT_STOCK",
                    f"cannot remove {command.quantity} of {product.id!r}: "
                    f"only {product.available} available",
                )
            return _applied(
                product,
                command,
                available=product.available - command.quantity,
                removed=product.removed + command.quantity,
            )


def _create(existing: Product | None, command: CreateProduct) -> Outcome:
    if existing is not None:
        return _reject(existing, "PRODUCT_EXISTS", f"product {command.product_id!r} exists")
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
    )
    return Outcome(product, changed=True)


def _applied(product: Product, command: StockCommand, **changes: object) -> Outcome:
    remembered = (*product.recent_commands, command.command_id)[-REMEMBERED_COMMANDS:]
    updated = product.model_copy(
        update={**changes, "updated_at": command.issued_at, "recent_commands": remembered}
    )
    return Outcome(updated, changed=True)


def _reject(product: Product | None, code: str, message: str) -> Outcome:
    return Outcome(product, rejection=Rejection.model_validate({"code": code, "message": message}))
