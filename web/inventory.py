"""Inventory views: products and stock levels."""

from __future__ import annotations

from faust.web import Request, Response

from apps.inventory.app import app, stock
from models.base import Listing, utcnow
from models.inventory import (
    AddStock,
    CreateProduct,
    NewProduct,
    Product,
    ProductChanges,
    ProductFilter,
    PublicProduct,
    RemoveStock,
    StockChange,
    StockReply,
    UpdateProduct,
)
from web import access
from web.kit import pages
from web.kit.auth import grant_of
from web.kit.base import ServiceView, path_id
from web.kit.commands import Refusals, answer_in, new_id, send_command
from web.kit.errors import Conflict, GatewayTimeout, NotFound
from web.kit.openapi import Operation

pages.register(app, access.TABLE)  # /health, /tables, /docs... and the gate

#: How the stock agent's rejections read over HTTP: each keeps its own code.
REFUSALS: Refusals = {
    "PRODUCT_NOT_FOUND": (NotFound, "NOT_FOUND"),  # one code for "no such id", as GET says
    "PRODUCT_EXISTS": (Conflict, "PRODUCT_EXISTS"),
    "INSUFFICIENT_STOCK": (Conflict, "INSUFFICIENT_STOCK"),
}


async def send(command: CreateProduct | UpdateProduct | AddStock | RemoveStock) -> Product:
    """Have the stock agent apply `command`; its product, or the rejection as an error."""
    reply = await send_command(app, command, StockReply, REFUSALS)
    return answer_in(reply.product, command)


def command_fields(request: Request, product_id: str) -> dict[str, object]:
    return {
        "command_id": new_id(),
        "product_id": product_id,
        "issued_at": utcnow(),
        "requested_by": grant_of(request).asker,
    }


@app.page("/products")
class Products(ServiceView):
    @Operation("List products, newest first", {200: Listing[PublicProduct]}, query=ProductFilter)
    async def get(self, request: Request) -> Response:
        query = self.query(request, ProductFilter)
        return await self.listed(request, stock, query, Product.public)

    @Operation(
        "Create a product", {201: PublicProduct}, body=NewProduct, errors=(Conflict, GatewayTimeout)
    )
    async def post(self, request: Request) -> Response:
        body = await self.body(request, NewProduct)
        fields = body.model_dump(exclude={"id"})
        product = await send(
            CreateProduct(**command_fields(request, body.id or new_id()), **fields)
        )
        return self.json(
            product.public(), status=201, headers={"Location": f"/products/{product.id}"}
        )


@app.page("/products/{product_id}")
class ProductById(ServiceView):
    @Operation("A product", {200: PublicProduct})
    async def get(self, request: Request, product_id: str) -> Response:
        async def answer() -> Response:
            product = stock.get(product_id)
            if product is None:
                raise NotFound(f"no product {product_id!r}")
            return self.json(product.public())

        return await self.routed(request, stock, path_id(product_id, "product"), answer)

    @Operation(
        "Change a product's name, description, price or active flag",
        {200: PublicProduct},
        body=ProductChanges,
        errors=(GatewayTimeout,),
    )
    async def put(self, request: Request, product_id: str) -> Response:
        changes = await self.body(request, ProductChanges)
        product = await send(
            UpdateProduct(
                **command_fields(request, path_id(product_id, "product")), changes=changes
            )
        )
        return self.json(product.public())


@app.page("/inventory/add")
class AddToStock(ServiceView):
    @Operation(
        "Add units to a product's stock",
        {200: PublicProduct},
        body=StockChange,
        errors=(NotFound, GatewayTimeout),
    )
    async def put(self, request: Request) -> Response:
        change = await self.body(request, StockChange)
        product = await send(
            AddStock(**command_fields(request, change.product_id), quantity=change.quantity)
        )
        return self.json(product.public())


@app.page("/inventory/remove")
class RemoveFromStock(ServiceView):
    @Operation(
        "Remove available units from a product's stock",
        {200: PublicProduct},
        body=StockChange,
        errors=(NotFound, Conflict, GatewayTimeout),
    )
    async def put(self, request: Request) -> Response:
        change = await self.body(request, StockChange)
        fields = command_fields(request, change.product_id)
        command = RemoveStock(**fields, quantity=change.quantity)
        return self.json((await send(command)).public())
