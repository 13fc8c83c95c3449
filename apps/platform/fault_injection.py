"""Faults a worker injects into itself on purpose, for the fault suite; off unless set.

Two faults that cannot be caused from outside the process at the right moment:
- a handler that fails after its write and before its sends (`OMS_FAULT_HANDLER_FAILURES`,
  a share of decisions): the error is transient, so the event is tried again, and the
  second try meets the write already made, a repeat that must re-send what is owed;
- a worker that dies right after its messages reached the broker, before the offset of
  the event that caused them is committed (`OMS_FAULT_CRASH_AFTER_SENDS`, the nth
  decision that sent any): the event comes again after the restart, and so do its
  messages. Only in a worker's first life (`OMS_RESTARTS` 0), so a restart heals it.
"""

from __future__ import annotations

import logging
import os
import random
from typing import Any

logger = logging.getLogger(__name__)

#: The exit status of a worker that crashed on purpose (as if killed: 128 + SIGKILL).
CRASH_EXIT_STATUS = 137


class InjectedFault(OSError):
    """A failure injected on purpose: transient, as a broker's error is."""


class FaultInjector:
    """Decides, decision by decision, whether to fail or crash; does nothing by default."""

    def __init__(
        self,
        handler_failures: float = 0.0,
        crash_after_sends: int = 0,
        *,
        restarts: int = 0,
        chance: random.Random | None = None,
    ) -> None:
        self.handler_failures = handler_failures
        #: The decision with sends to crash after (counted from 1); 0: none.
        self.crash_at = crash_after_sends if restarts == 0 else 0
        self._chance = chance or random.Random()
        self._decisions_sent = 0
        #: How many handler failures were injected so far.
        self.failures = 0

    def after_write(self, table: str, key: str) -> None:
        """Raise InjectedFault for the configured share of decisions."""
        if self.handler_failures and self._chance.random() < self.handler_failures:
            self.failures += 1
            logger.warning("injected a handler failure after writing %s %s", table, key)
            raise InjectedFault(f"injected after writing {table} {key}")

    def crashes_after_these_sends(self) -> bool:
        """Whether the decision that just sent its messages is the one to crash after."""
        if not self.crash_at:
            return False
        self._decisions_sent += 1
        return self._decisions_sent == self.crash_at

    async def crash(self, app: Any, table: str, key: str) -> None:
        """Once the messages sent are on the broker, exit without committing an offset."""
        await app.producer.flush()
        logger.warning(
            "injected crash: what %s %s decided was sent, its offset not committed", table, key
        )
        logging.shutdown()
        os._exit(CRASH_EXIT_STATUS)
