"""The golden records hold one record of each kind the running system writes: every case
of the saga (the demo's), a manual hold, a prepayment, stock changes and a dead letter."""

from __future__ import annotations

from uuid import uuid4

import pytest

from apps.cli.main import main
from tests.e2e.conftest import System
from tests.e2e.golden import hold_to_the_golden_records
from tests.processes import publish


@pytest.mark.dead_letters(1)
def test_every_kind_of_record_the_system_writes_is_among_the_golden_records(
    system: System, capsys: pytest.CaptureFixture[str]
) -> None:
    services = {"order": system.order, "inventory": system.inventory, "payment": system.payment}
    assert main(["demo", *(f"--{s}-url={w.url}" for s, w in services.items())]) == 0, (
        capsys.readouterr().out
    )
    product = system.product(stock=5)
    for path in ("/inventory/add", "/inventory/remove"):
        changed = system.inventory.put(path, {"product_id": product, "quantity": 1})
        assert changed.status == 200, changed.body
    renamed = system.inventory.put(f"/products/{product}", {"name": "renamed"})
    assert renamed.status == 200, renamed.body
    hold = f"hold-{uuid4().hex[:8]}"
    line = {"product_id": product, "quantity": 1}
    held = system.inventory.post("/reservations", {"order_id": hold, "items": [line]})
    assert held.status == 201, held.body
    assert system.inventory.delete(f"/reservations/{hold}").status == 200
    order_id = f"o-{uuid4().hex[:24]}"
    prepaid = {"order_id": order_id, "amount": "5.00", "payment_token": "tok_ok"}
    assert system.payment.post("/payments", prepaid).status == 201
    publish(system.broker, "order.commands", [("o-bad", {"type": "NoSuchCommand"})])
    system.poll(lambda: system.order.get("/dead-letters").body["total"] >= 1, "the dead letter")

    hold_to_the_golden_records(system.broker)
