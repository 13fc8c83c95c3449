"""Events handled per service, from each worker's `GET /metrics` (Prometheus text format)."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

#: The counter each worker keeps of the events its agents handled.
EVENTS_HANDLED = "oms_events_handled_total"


def counter_sum(text: str, name: str = EVENTS_HANDLED) -> float | None:
    """The sum of every sample of the counter `name`, whatever its labels; None if absent."""
    families = list(text_string_to_metric_families(text))
    values = [
        sample.value for family in families for sample in family.samples if sample.name == name
    ]
    declared = any(family.name == name.removesuffix("_total") for family in families)
    return float(sum(values)) if values or declared else None


def events_per_s(
    before: Mapping[str, float | None], after: Mapping[str, float | None], seconds: float
) -> dict[str, float | None]:
    """Per service, events handled per second between two scrapes; None where unknown."""
    rates: dict[str, float | None] = {}
    for service, start in before.items():
        end = after.get(service)
        if start is None or end is None or seconds <= 0:
            rates[service] = None
        else:
            rates[service] = (end - start) / seconds
    return rates


# -- the shell: scraping -----------------------------------------------------------------


async def scrape(
    session: aiohttp.ClientSession, urls: Mapping[str, list[str]]
) -> dict[str, float | None]:
    """Per service, the counter summed over its workers; None if any worker lacks it.

    A worker without `/metrics` (404) or without the counter makes its service's
    figure unknown rather than wrong.
    """
    totals: dict[str, float | None] = {}
    for service, worker_urls in urls.items():
        total: float | None = 0.0
        for url in worker_urls:
            value = await _counter_of(session, url)
            total = None if value is None or total is None else total + value
        totals[service] = total
    return totals


async def _counter_of(session: aiohttp.ClientSession, url: str) -> float | None:
    try:
        async with session.get(f"{url}/metrics") as response:
            if response.status != 200:
                return None
            return counter_sum(await response.text())
    except (aiohttp.ClientError, TimeoutError):
        return None
