"""Records of other versions meet the running system: an old command is read with its
caller not known, a newer one that still reads is handled, one that does not is
dead-lettered naming its version (docs/evolution.md)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from models.actors import UNKNOWN_CALLER
from models.versions import HEADER
from tests.e2e.conftest import System
from tests.processes import publish


def placed(system: System, order_id: str) -> dict[str, Any]:
    """The order `order_id` once it is settled (the command is on its way: wait for it)."""
    system.poll(lambda: system.order.get(f"/orders/{order_id}").status == 200, order_id)
    return system.settled(order_id)


def place_order(system: System, product: str) -> dict[str, Any]:
    """A PlaceOrder as a worker writes it, for a new order of one `product`."""
    order_id = f"o-{uuid4().hex[:24]}"
    body = {"customer_id": "c1", "items": [{"product_id": product, "quantity": 1}]}
    return {
        "type": "PlaceOrder",
        "command_id": uuid4().hex,
        "order_id": order_id,
        "order": {**body, "payment_token": "tok_ok"},
        "fingerprint": "f",
        "issued_at": datetime.now(UTC).isoformat(),
        "requested_by": {"sub": "c1", "role": "customer"},
    }


def test_a_command_from_before_who_asked_was_recorded_places_its_order(system: System) -> None:
    command = place_order(system, system.product())
    del command["requested_by"]  # as the oldest releases wrote it, without a header
    publish(system.broker, "order.commands", [(command["order_id"], command)])

    order = placed(system, command["order_id"])

    assert order["status"] == "CONFIRMED"
    assert order["history"][0]["by"] == {"sub": UNKNOWN_CALLER, "role": "customer"}


def test_a_newer_command_that_still_reads_is_handled(system: System) -> None:
    command = {**place_order(system, system.product()), "channel": "web"}
    publish(
        system.broker, "order.commands", [(command["order_id"], command)], {HEADER: "PlaceOrder.v3"}
    )

    assert placed(system, command["order_id"])["status"] == "CONFIRMED"


@pytest.mark.dead_letters(1)
def test_a_newer_command_that_does_not_read_is_dead_lettered_naming_its_version(
    system: System,
) -> None:
    command = {**place_order(system, system.product()), "order": {"lines": "changed"}}
    publish(
        system.broker, "order.commands", [(command["order_id"], command)], {HEADER: "PlaceOrder.v3"}
    )

    def letter() -> dict[str, Any] | None:
        letters = system.order.get("/dead-letters?limit=1000").body["items"]
        mine = [item for item in letters if "PlaceOrder.v3" in item["error"]]
        return mine[0] if mine else None

    system.poll(lambda: letter() is not None, "the dead letter")
    assert "is newer than this reader knows (PlaceOrder.v2)" in letter()["error"]  # type: ignore[index]
    assert system.order.get(f"/orders/{command['order_id']}").status == 404
    assert system.order.get("/health").status == 200
