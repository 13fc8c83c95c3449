"""`oms demo` runs every case against a running system and shows how each order went."""

from __future__ import annotations

import pytest

from apps.cli.broker import free_port
from apps.cli.main import main
from tests.e2e.conftest import System


def test_the_demo_shows_every_case_settled_and_the_stock_left(
    system: System, capsys: pytest.CaptureFixture[str]
) -> None:
    status = main(
        [
            "demo",
            "--order-url", system.order.url,
            "--inventory-url", system.inventory.url,
            "--payment-url", system.payment.url,
        ]
    )  # fmt: skip

    out = capsys.readouterr().out
    assert status == 0, out
    assert "ERROR" not in out
    for case, expected in [
        ("happy path", "CONFIRMED"),
        ("out of stock", "FAILED     (OUT_OF_STOCK"),
        ("payment timeout", "FAILED     (TIMEOUT)"),
        ("flaky payment, retried", "CONFIRMED"),
        ("cancel after payment", "CANCELLED"),
        ("two lines, one short", "FAILED     (OUT_OF_STOCK"),
    ]:
        assert any(line.startswith(case) and expected in line for line in out.splitlines()), case
    assert "available  reserved  sold" in out


def test_the_demo_says_plainly_when_the_system_is_not_running(
    capsys: pytest.CaptureFixture[str],
) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"

    status = main(
        ["demo", "--order-url", nowhere, "--inventory-url", nowhere, "--payment-url", nowhere]
    )

    assert status == 1
    assert "is the system up" in capsys.readouterr().out
