"""The HTTP client the `oms` commands use to read and drive the services' REST APIs."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from apps.cli.credentials import NoCredential, authorization

#: Items per page when reading a whole list.
PAGE = 1000
#: How long a request answered 503 (not ready) is asked again, and how often.
NOT_READY_PATIENCE_S = 30.0
NOT_READY_PAUSE_S = 0.2


class ServiceError(RuntimeError):
    """A service cannot be reached, or answered what it should not."""


def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """One request: the status and the JSON body, whatever the status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        for name, value in authorization().items():
            request.add_header(name, value)
    except NoCredential as exc:
        raise ServiceError(str(exc)) from None
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except OSError as exc:  # not listening: the system is not running
        raise ServiceError(f"{url} does not answer ({exc}): is the system up (make run)?") from None


def expect(status: int, method: str, url: str, body: Any = None) -> Any:
    """The JSON body of the request; ServiceError unless it answers `status`.

    A 503 (a worker still starting, or rebalancing) is asked again for a while: it
    says "not yet", not "no".
    """
    deadline = time.monotonic() + NOT_READY_PATIENCE_S
    answered, reply = call(method, url, body)
    while answered == 503 and time.monotonic() < deadline:
        time.sleep(NOT_READY_PAUSE_S)
        answered, reply = call(method, url, body)
    if answered != status:
        raise ServiceError(f"{method} {url} answered {answered}: {reply}")
    return reply


def get(url: str) -> Any:
    """The JSON body of `GET url`; ServiceError unless it answers 200."""
    return expect(200, "GET", url)


def post(url: str, body: Any) -> Any:
    """The JSON body of `POST url`; ServiceError unless it answers 201 (created)."""
    return expect(201, "POST", url, body)


def require_ready(*urls: str) -> None:
    """ServiceError unless the service at each of `urls` says it is ready."""
    for url in urls:
        status, health = call("GET", f"{url}/health")
        if status != 200:
            raise ServiceError(f"{url} is not ready: {health}")


def every_entry(table_url: str) -> Iterator[dict[str, Any]]:
    """Every entry of a table (`/tables/{name}`), by key, each page after the last key of
    the one before: every page costs the same, however large the table."""
    after = ""
    while True:
        page = get(f"{table_url}?limit={PAGE}" + (f"&after={quote(after)}" if after else ""))
        yield from page["items"]
        if len(page["items"]) < PAGE:
            return
        after = str(page["items"][-1]["key"])


def every_item(url: str) -> Iterator[dict[str, Any]]:
    """Every item of a list endpoint, in its order, page by page."""
    offset = 0
    while True:
        page = get(f"{url}{'&' if '?' in url else '?'}limit={PAGE}&offset={offset}")
        yield from page["items"]
        offset += PAGE
        if offset >= page["total"]:
            return
