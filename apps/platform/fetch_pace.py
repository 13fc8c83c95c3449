"""How long a consumer's fetch may park on the broker: short while busy, long once idle.

Tansu does not answer a parked fetch when a record arrives: a hop waits for the fetch
in flight to time out. A short wait makes hops fast, and costs the broker CPU for
every empty fetch; a long one is cheap and slow. So the wait is short while the worker
is busy (it took records, or sent a message that others will answer, within the last
`idle_after_s` seconds) and long once it has been idle that long. Only the first hop
after a quiet spell pays the long wait.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.platform.settings import Settings


@dataclass
class FetchPace:
    """The fetch wait of one worker's consumer, from when it was last busy."""

    busy_ms: int
    idle_ms: int
    idle_after_s: float
    last_busy: float = float("-inf")

    def busy(self, now: float) -> int:
        """Note activity at `now`; the wait from then on."""
        self.last_busy = now
        return self.busy_ms

    def wait_ms(self, now: float) -> int:
        """The wait for a fetch sent at `now`."""
        return self.busy_ms if now - self.last_busy < self.idle_after_s else self.idle_ms

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchPace:
        """The pace the settings ask for; never idler than busy."""
        return cls(
            busy_ms=settings.fetch_wait_ms,
            idle_ms=max(settings.idle_fetch_wait_ms, settings.fetch_wait_ms),
            idle_after_s=settings.idle_after,
        )
