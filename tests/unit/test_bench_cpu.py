"""CPU accounting from /proc/<pid>/stat lines given as values: seconds, cores, ms per saga."""

from __future__ import annotations

import pytest

from apps.cli.bench import cpu
from apps.cli.bench.cpu import Reading


def stat_line(name: str, utime: int, stime: int) -> str:
    """A /proc/<pid>/stat line with `utime` and `stime` in fields 14 and 15."""
    fields = ["S", "1", "1", "1", "0", "-1", "4194560", "0", "0", "0", "0"]
    return f"4242 ({name}) " + " ".join([*fields, str(utime), str(stime), "0", "0", "20"])


def test_cpu_seconds_are_user_plus_system_ticks_over_ticks_per_second() -> None:
    assert cpu.cpu_seconds(stat_line("python", 250, 50), ticks_per_s=100) == 3.0


def test_a_command_name_with_spaces_and_parentheses_does_not_shift_the_fields() -> None:
    line = stat_line("tansu (broker) x", 100, 100)

    assert cpu.cpu_seconds(line, ticks_per_s=100) == 2.0


def test_the_cpu_used_between_readings_covers_processes_read_both_times() -> None:
    before = Reading(10.0, {"broker": 5.0, "order": 1.0, "gone": 3.0})
    after = Reading(20.0, {"broker": 9.0, "order": 1.5, "new": 1.0})

    assert cpu.used(before, after) == {"broker": 4.0, "order": 0.5}
    assert cpu.cores(before, after) == {"broker": 0.4, "order": 0.05}


def test_readings_out_of_order_are_refused() -> None:
    with pytest.raises(ValueError, match="after the first"):
        cpu.cores(Reading(2.0, {}), Reading(1.0, {}))


def test_cpu_ms_per_saga_is_given_per_process_and_in_total() -> None:
    per_saga = cpu.ms_per_saga({"broker": 2.0, "order": 1.0, "payment": 0.5}, sagas=100)

    assert per_saga == {"broker": 20.0, "order": 10.0, "payment": 5.0, "total": 35.0}


def test_cpu_per_saga_with_no_saga_completed_is_unknown() -> None:
    assert cpu.ms_per_saga({"broker": 2.0}, sagas=0) is None


def test_the_load_generators_own_cpu_is_kept_out_of_the_systems() -> None:
    assert cpu.system_only({"broker": 1.0, cpu.GENERATOR: 2.0}) == {"broker": 1.0}
