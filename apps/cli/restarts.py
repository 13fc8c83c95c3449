"""When the supervisor starts a worker that died again, pure: a doubling backoff, and a bound.

A worker that dies is started again after a pause that doubles with each death in a
row (0.5 s, 1 s, 2 s ... at most 10 s); one that dies more than `max_deaths` times
within `window` seconds is in a crash loop, and starting it again would only hide that:
the supervisor stops the system and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Restarts:
    """The deaths of each child within the window, and the pause before its next start."""

    first_pause: float = 0.5
    max_pause: float = 10.0
    window: float = 60.0
    max_deaths: int = 5
    _deaths: dict[str, list[float]] = field(default_factory=dict)

    def pause_after_death(self, name: str, now: float) -> float | None:
        """Note that `name` died at `now`; the seconds to wait before starting it again,
        or None if it is in a crash loop."""
        deaths = [t for t in self._deaths.get(name, []) if now - t < self.window] + [now]
        self._deaths[name] = deaths
        if len(deaths) > self.max_deaths:
            return None
        return min(self.first_pause * 2 ** (len(deaths) - 1), self.max_pause)

    def deaths(self, name: str) -> int:
        """How many times `name` died within the window, at the last count."""
        return len(self._deaths.get(name, []))
