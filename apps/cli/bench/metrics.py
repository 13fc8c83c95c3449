"""Each worker's `GET /metrics` (Prometheus text), scraped per service; the events handled."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import aiohttp
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

#: The counter each worker keeps of the events its agents handled.
EVENTS_HANDLED = "oms_events_handled_total"


def samples(text: str, name: str) -> list[Sample]:
    """Every sample named `name` in the Prometheus text `text`, one for each set of labels."""
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


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


def events_handled(texts: Mapping[str, Sequence[str] | None]) -> dict[str, float | None]:
    """Per service, events handled summed over its workers' `/metrics` texts; None if any
    worker's text is missing or lacks the counter."""
    totals: dict[str, float | None] = {}
    for service, worker_texts in texts.items():
        counts = [counter_sum(text) for text in worker_texts or ()]
        known = worker_texts is not None and None not in counts
        totals[service] = sum(c for c in counts if c is not None) if known else None
    return totals


# -- the shell: scraping -----------------------------------------------------------------


async def scrape(
    session: aiohttp.ClientSession, urls: Mapping[str, list[str]]
) -> dict[str, list[str] | None]:
    """Per service, the `/metrics` text of each of its workers; None if any has none.

    A worker without `/metrics` (404) or out of reach makes its service's figures
    unknown rather than wrong.
    """
    texts: dict[str, list[str] | None] = {}
    for service, worker_urls in urls.items():
        found = [await _text_of(session, url) for url in worker_urls]
        texts[service] = None if None in found else [t for t in found if t is not None]
    return texts


async def _text_of(session: aiohttp.ClientSession, url: str) -> str | None:
    try:
        async with session.get(f"{url}/metrics") as response:
            if response.status != 200:
                return None
            return await response.text()
    except (aiohttp.ClientError, TimeoutError):
        return None
