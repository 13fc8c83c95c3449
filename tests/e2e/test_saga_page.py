"""The saga page in a real headless Chromium: orders placed over HTTP show up and move live."""

from __future__ import annotations

import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from tests.e2e.conftest import System

#: Debian's chromium, which `make test` and `make test-e2e` install when it is missing.
CHROMIUM = Path("/usr/bin/chromium")
#: How long a condition on the page may take: a saga, a poll, a slow shared machine.
PATIENCE_MS = 30_000
#: Rows the page keeps, however many orders pass (MAX_ROWS in web/ui/saga.js).
MAX_ROWS = 200


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: `make test-e2e` installs it"
    expect.set_options(timeout=PATIENCE_MS)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, system: System) -> Iterator[Page]:
    """The saga page, open and live; the test fails on any error in its script."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{system.order.url}/ui")
    expect(page.locator("#connection")).to_have_attribute("data-state", "live")
    # Set once: a reload would lose it, so it still being there proves there was none.
    page.evaluate("window.neverReloaded = true")
    yield page
    reloaded = not page.evaluate("window.neverReloaded === true")
    context.close()
    assert not errors, errors
    assert not reloaded, "the page was reloaded"


def row(page: Page, order: dict[str, Any]) -> Locator:
    return page.locator(f'#orders tbody tr[data-order-id="{order["id"]}"]')


def total(system: System, status: str | None = None) -> int:
    query = f"&status={status}" if status else ""
    return int(system.order.get(f"/orders?limit=1{query}").body["total"])


def test_orders_placed_over_http_appear_and_move_through_their_states_without_a_reload(
    page: Page, system: System, tmp_path: Path
) -> None:
    product = system.product(stock=10, price="4.50")

    confirmed = system.place("tok_ok", **{product: 2})
    # Held until the payment times out (3 s here): seen RESERVED, then FAILED.
    timed_out = system.place("tok_pending", **{product: 1})
    declined = system.place("tok_declined", **{product: 1})

    for order in (confirmed, timed_out, declined):
        expect(row(page, order)).to_be_visible()
    expect(row(page, timed_out).locator(".status")).to_have_text("RESERVED")
    expect(row(page, confirmed).locator(".status")).to_have_text("CONFIRMED")
    expect(row(page, declined).locator(".status")).to_have_text("FAILED")
    expect(row(page, declined).locator(".reason")).to_have_text("CARD_DECLINED")
    expect(row(page, timed_out).locator(".status")).to_have_text("FAILED")
    expect(row(page, timed_out).locator(".reason")).to_have_text("TIMEOUT")

    stock = page.locator(f'#stock tr[data-product-id="{product}"]')
    for column, level in zip(("available", "reserved", "sold"), (8, 0, 2), strict=True):
        expect(stock.locator(f"td.{column}")).to_have_text(str(level))
    for status in ("CONFIRMED", "FAILED"):
        count = page.locator(f'.step[data-status="{status}"] .count')
        expect(count).to_have_text(str(total(system, status)))
    expect(page.locator("#total")).to_have_text(str(total(system)))
    expect(page.locator("#rates")).to_contain_text(re.compile(r"settled p50 \d+ ms"))
    for service in ("order", "inventory", "payment"):
        letters = page.locator(f'#dead-letters [data-service="{service}"] h3')
        expect(letters).to_have_text(re.compile(rf"^{service}: \d+$"))

    row(page, confirmed).click()
    expect(page.locator("#details-id")).to_have_text(confirmed["id"])
    history = system.order.get(f"/orders/{confirmed['id']}").body["history"]
    assert [change["status"] for change in history] == ["PENDING", "RESERVED", "CONFIRMED"]
    shown = page.locator("#history li")
    expect(shown).to_have_count(len(history))
    for index, change in enumerate(history):
        expect(shown.nth(index)).to_contain_text(change["status"])
        expect(shown.nth(index)).to_contain_text(change["cause"])

    screenshot = tmp_path / "saga-page.png"
    page.screenshot(path=screenshot, full_page=True)
    print(f"saga page screenshot: {screenshot}")


def test_the_page_keeps_only_the_newest_rows_while_hundreds_of_orders_pass(
    page: Page, system: System
) -> None:
    product = system.product(stock=1000)
    count = MAX_ROWS + 50

    def place_and_follow(_: int) -> dict[str, Any]:
        # Each client waits for its order to settle: 8 sagas open at most, never enough
        # for admission control to refuse one (429).
        return system.settled(system.place("tok_ok", **{product: 1})["id"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        placed = list(pool.map(place_and_follow, range(count)))

    rows = page.locator("#orders tbody tr")
    expect(rows).to_have_count(MAX_ROWS)
    newest = max(
        placed, key=lambda order: (datetime.fromisoformat(order["created_at"]), order["id"])
    )
    expect(row(page, newest).locator(".status")).to_have_text("CONFIRMED")
    expect(page.locator("#total")).to_have_text(str(total(system)))
    assert page.evaluate("window.sagaPage.shown.size") == MAX_ROWS


def test_the_order_services_front_page_is_the_saga_page(browser: Browser, system: System) -> None:
    page = browser.new_page()
    try:
        page.goto(f"{system.order.url}/")
        expect(page.locator("#connection")).to_have_attribute("data-state", "live")
        expect(page.locator("#total")).to_have_text(str(total(system)))
    finally:
        page.close()
