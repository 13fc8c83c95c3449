"""The HTTP client the `oms` commands use to read and drive the services' REST APIs."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

#: Items per page when reading a whole list.
PAGE = 1000


class ServiceError(RuntimeError):
    """A service cannot be reached, or answered what it should not."""


def call(method: str, url: str, body: Any = None) -> tuple[int, Any]:
    """One request: the status and the JSON body, whatever the status."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
    except OSError as exc:  # not listening: the system is not running
        raise ServiceError(f"{url} does not answer ({exc}): is the system up (make run)?") from None


def get(url: str) -> Any:
    """The JSON body of `GET url`; ServiceError unless it answers 200."""
    status, body = call("GET", url)
    if status != 200:
        raise ServiceError(f"GET {url} answered {status}: {body}")
    return body


def every_item(url: str) -> Iterator[dict[str, Any]]:
    """Every item of a list endpoint, in its order, page by page."""
    offset = 0
    while True:
        page = get(f"{url}{'&' if '?' in url else '?'}limit={PAGE}&offset={offset}")
        yield from page["items"]
        offset += PAGE
        if offset >= page["total"]:
            return
