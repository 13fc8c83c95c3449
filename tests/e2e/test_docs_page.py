"""Swagger UI at /docs in a real headless Chromium: an operation tried without a token is
refused (401), and once a token is given through the Authorize button, it answers."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.e2e.conftest import System
from tests.tokens import token


def try_out(page: Page, operation: str) -> str:
    """Run `operation` (its element id) from the page; the status it answered."""
    block = page.locator(f"#{operation}")
    if not block.locator(".execute").is_visible():
        if not block.locator(".try-out__btn").is_visible():
            block.locator(".opblock-summary").click()
        block.locator(".try-out__btn").click()
    block.locator(".execute").click()
    status = block.locator(".live-responses-table tbody .response-col_status").first
    expect(status).to_have_text(re.compile(r"^\s*\d{3}"))
    answered = status.inner_text().split()[0]
    block.locator(".btn-clear").click()
    return answered


def test_swagger_uis_authorize_button_takes_a_bearer_token(
    browser: Browser, system: System
) -> None:
    page = browser.new_page()
    refused: list[str] = []

    def console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            refused.append(message.text)

    page.on("console", console)
    page.goto(f"{system.order.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("order-service")

    before = try_out(page, "operations-orders-getOrders")
    page.locator(".auth-wrapper .authorize").click()
    page.locator(".modal-ux input").fill(token("operator"))
    page.locator(".modal-ux .auth-btn-wrapper .authorize").click()
    page.locator(".modal-ux .btn-done").click()
    after = try_out(page, "operations-orders-getOrders")

    assert (before, after) == ("401", "200")
    assert not refused, refused
    page.close()
