"""Inventory: REST bodies, the stock commands and their reply, and the stock table value."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, ClassVar, Literal

from pydantic import ConfigDict, Field, StrictBool, model_validator

from models.actors import Actor, caller_unknown
from models.base import NOT_CONVERTED, Identifier, Model, Money, Page, Upcaster
from models.events import LineQuantity

Quantity = Annotated[int, Field(ge=1, le=1_000_000), NOT_CONVERTED]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Description = Annotated[str, Field(max_length=2000)]


# REST bodies ---------------------------------------------------------------


class NewProduct(Model):
    """Body of `POST /products`; the id is generated when absent."""

    id: Identifier | None = None
    name: Name
    description: Description = ""
    price: Money
    stock: Annotated[int, Field(ge=0, le=1_000_000), NOT_CONVERTED] = 0
    active: StrictBool = True


class ProductChanges(Model):
    """Body of `PUT /products/{id}`: the fields to change (null or absent: unchanged)."""

    # The document says it too: at least one field that is not null.
    model_config = ConfigDict(
        json_schema_extra={
            "anyOf": [
                {"required": [name], "properties": {name: {"not": {"type": "null"}}}}
                for name in ("name", "description", "price", "active")
            ]
        }
    )

    name: Name | None = None
    description: Description | None = None
    price: Money | None = None
    active: StrictBool | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> ProductChanges:
        if not self.changed():
            raise ValueError("give at least one of name, description, price, active")
        return self

    def changed(self) -> dict[str, object]:
        return self.model_dump(exclude_none=True)


class StockChange(Model):
    """Body of `PUT /inventory/add` and `PUT /inventory/remove`."""

    product_id: Identifier
    quantity: Quantity


class ProductFilter(Page):
    """Query of `GET /products`."""

    active: bool | None = None

    @staticmethod
    def facet_of(product: Product) -> bool:
        return product.active

    def wants(self, active: bool) -> bool:
        return self.active in (None, active)


# Table value ---------------------------------------------------------------


class Product(Model):
    """A catalog entry with its stock counters: the value of the stock table.

    `initial + added - removed == available + reserved + sold` always holds.
    `reserved` is the sum of `holds`. Two guards make redelivery harmless:
    `position` fences off a replay of the stock topic, and `recent_commands`
    catches the same command published twice.
    """

    id: Identifier
    name: Name
    description: Description
    price: Money
    active: bool
    available: int = 0
    reserved: int = 0
    sold: int = 0
    initial: int = 0
    added: int = 0
    removed: int = 0
    created_at: datetime
    updated_at: datetime
    #: Units held per order id, between a granted line and its release or commit.
    holds: dict[str, int] = Field(default_factory=dict)
    recent_commands: tuple[str, ...] = ()
    #: Offset of the last stock command applied to this product (see core.stock).
    position: int = -1
    #: Who last changed the product by REST (created it, changed it, added or removed stock).
    updated_by: Actor | None = None

    def public(self) -> dict[str, object]:
        """What a client sees of the product: the fields of `PublicProduct`."""
        return self.model_dump(mode="json", include=set(PublicProduct.model_fields))


class PublicProduct(Model):
    """What a client sees of a product (`Product.public()`)."""

    id: Identifier
    name: Name
    description: Description
    price: Money
    active: bool
    available: int
    reserved: int
    sold: int
    created_at: datetime
    updated_at: datetime


# Commands (one consumer: the stock agent) ----------------------------------


class StockCommand(Model):
    """What every stock command carries: its id (for redelivery) and when it was issued."""

    command_id: str
    product_id: Identifier
    issued_at: datetime


class RequestedStockCommand(StockCommand):
    """A stock command a REST caller sent: who asked is recorded on the product."""

    #: Version 2 says who asked (docs/evolution.md); version 1 may not.
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: caller_unknown("operator")}

    requested_by: Actor


class CreateProduct(RequestedStockCommand):
    type: Literal["CreateProduct"] = "CreateProduct"
    name: Name
    description: Description
    price: Money
    stock: int
    active: bool


class UpdateProduct(RequestedStockCommand):
    type: Literal["UpdateProduct"] = "UpdateProduct"
    changes: ProductChanges


class AddStock(RequestedStockCommand):
    type: Literal["AddStock"] = "AddStock"
    quantity: Quantity


class RemoveStock(RequestedStockCommand):
    type: Literal["RemoveStock"] = "RemoveStock"
    quantity: Quantity


class HoldStock(StockCommand):
    """Hold units of a product for an order's line (the saga's or a manual hold)."""

    type: Literal["HoldStock"] = "HoldStock"
    order_id: Identifier
    quantity: LineQuantity


class ReleaseStock(StockCommand):
    """Put an order's units back on the shelf: those held, or those sold (a refund)."""

    type: Literal["ReleaseStock"] = "ReleaseStock"
    order_id: Identifier
    quantity: LineQuantity
    sold: bool = False


class CommitStock(StockCommand):
    """The order is paid: its held units are sold."""

    type: Literal["CommitStock"] = "CommitStock"
    order_id: Identifier


#: Commands for one order's line; their result goes back to the reservation agent.
LineCommand = HoldStock | ReleaseStock | CommitStock

AnyStockCommand = Annotated[
    CreateProduct | UpdateProduct | AddStock | RemoveStock | HoldStock | ReleaseStock | CommitStock,
    Field(discriminator="type"),
]


class StockReply(Model):
    """The stock agent's answer to a REST command: the product as it now is, or why not."""

    product: Product | None = None
    error: Literal["PRODUCT_EXISTS", "PRODUCT_NOT_FOUND", "INSUFFICIENT_STOCK"] | None = None
    message: str | None = None
