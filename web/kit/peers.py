"""Reading another service's REST API on a page's behalf, so the page needs no CORS."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
from aiohttp.web import json_response
from faust.web import Response
from yarl import URL

from web.kit.errors import UNREACHABLE, NotReady

#: A page polls; a peer slower than this is reported down rather than waited for.
PEER_TIMEOUT_S = 5.0


async def read_peer(
    app: Any, base_url: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> Response:
    """`GET base_url + path?query` from another service, answered as it answered (JSON);
    503 if it cannot be reached. `headers` carry the reader's credential, which the other
    service checks."""
    target = URL(base_url).with_path(path).with_query(dict(query))
    try:
        async with app.http_client.get(
            target, timeout=aiohttp.ClientTimeout(total=PEER_TIMEOUT_S), headers=headers
        ) as response:
            body = await response.json(content_type=None)
            return json_response(body, status=response.status)
    except (*UNREACHABLE, ValueError) as exc:  # ValueError: an answer that is not JSON
        raise NotReady(f"{base_url} could not be read: {exc!r}") from None
