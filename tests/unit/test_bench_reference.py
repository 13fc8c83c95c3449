"""A raw reference's line of the report, from what its probe and /proc said."""

from __future__ import annotations

from apps.cli.bench.reference import figures


def test_a_reference_reports_events_per_second_cpu_per_event_and_its_hop_latency() -> None:
    line = figures(messages=2000, seconds=0.5, cpu_s=0.2, hops_s=[0.010, 0.012, 0.030])

    assert line == {
        "messages": 2000,
        "seconds": 0.5,
        "events_per_s": 4000.0,
        "cpu_s": 0.2,
        "cpu_ms_per_event": 0.1,
        "hop_ms": {"p50": 12.0, "p90": 30.0, "p99": 30.0, "max": 30.0},
    }


def test_a_reference_whose_process_could_not_be_read_has_no_cpu_figures() -> None:
    line = figures(messages=2000, seconds=0.5, cpu_s=None, hops_s=[])

    assert (line["cpu_s"], line["cpu_ms_per_event"], line["hop_ms"]) == (None, None, None)
