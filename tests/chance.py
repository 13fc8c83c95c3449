"""Chance made to order, for the faults a worker injects into itself."""

from __future__ import annotations

import random


class Draws(random.Random):
    """Draws the given numbers in turn, then 1.0 (above any share) for ever."""

    def __init__(self, *draws: float) -> None:
        super().__init__()
        self.draws = list(draws)

    def random(self) -> float:
        return self.draws.pop(0) if self.draws else 1.0
