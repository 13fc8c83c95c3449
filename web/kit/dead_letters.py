"""`GET /dead-letters`: what this service could not decode or handle, newest first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from faust.web import Request, Response

from models.base import Listing, Page
from models.dead_letters import DeadLetter, PublicDeadLetter
from web.kit.base import ServiceView
from web.kit.listing import Item
from web.kit.openapi import Operation


def newest_first(letters: Iterable[Item]) -> list[Item]:
    return sorted(letters, key=lambda letter: (letter["failed_at"], letter["id"]), reverse=True)


def register(app: Any) -> None:
    @app.page("/dead-letters")
    class DeadLetters(ServiceView):
        @Operation(
            "What this service could not decode or handle (read-only), newest first",
            {200: Listing[PublicDeadLetter]},
            query=Page,
        )
        async def get(self, request: Request) -> Response:
            page = self.query(request, Page)
            table = app.dead_letters_table
            return await self.listed(request, table, page, DeadLetter.public, newest_first)
