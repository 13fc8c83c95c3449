"""Each service keeps the dead letters it wrote in a table of its own, so they can be seen.

An agent reads the service's dead-letter topic back into the `dead_letters` table, keyed
by where the message came from (`topic:partition:offset`), so a letter written twice
(its message was redelivered) is kept once. `GET /dead-letters` lists them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from apps.platform.listed_table import listed_table
from models.base import Page
from models.dead_letters import DeadLetter


def keep_dead_letters(app: Any) -> Any:
    """Give `app` its `dead_letters` table and the agent that fills it; the table."""
    table = listed_table(
        app,
        "dead_letters",
        query=Page,
        key_type=str,
        value_type=DeadLetter,
        help="What this service could not decode or handle, by topic:partition:offset.",
    )

    @app.agent(app.dead_letters_topic, name="keep_dead_letters")
    async def keep(letters: Any) -> AsyncIterator[None]:
        async for letter in letters:
            table[letter.origin] = letter
            yield None

    return table
