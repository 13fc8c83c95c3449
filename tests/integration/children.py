"""Helpers for tests of real child processes: a Python snippet to run, a pid, a bounded wait."""

from __future__ import annotations

import asyncio
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

#: Every wait in these tests is bounded by this, and ends as soon as its condition holds.
BOUND_S = 15.0


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def is_alive(pid: int) -> bool:
    """Whether `pid` runs; a zombie waiting for its reaper counts as gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def eventually(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + BOUND_S
    while not condition():
        assert time.monotonic() < deadline, f"not within {BOUND_S} s: {what}"
        await asyncio.sleep(0.02)


def printed(lines: list[str], text: str) -> Callable[[], bool]:
    return lambda: any(text in line for line in lines)


SLEEPER = """
    import time
    print("up", flush=True)
    time.sleep(60)
"""
