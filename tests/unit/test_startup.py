"""A worker's start in steps, timed from its process's own start (apps/platform/startup.py)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from apps.platform.startup import process_age

#: A /proc/<pid>/stat line whose command name holds a space and a parenthesis; its start
#: time (field 22) is 5000 ticks after boot.
STAT = "4242 (faust (x) w) S 1 4242 4242 0 -1 4194560 900 0 0 0 120 30 0 0 20 0 9 0 5000 1 2"


def test_a_process_age_is_the_time_since_boot_less_its_start_time_in_ticks() -> None:
    assert process_age(STAT, since_boot=60.0, ticks_per_s=100) == pytest.approx(10.0)


def test_this_process_is_younger_than_the_machine_and_older_than_nothing() -> None:
    age = process_age(Path("/proc/self/stat").read_text(), time.clock_gettime(time.CLOCK_BOOTTIME))
    assert 0 < age < time.clock_gettime(time.CLOCK_BOOTTIME)
