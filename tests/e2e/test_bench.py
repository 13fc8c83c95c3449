"""`oms bench` against the running system: every figure in its JSON, every order as it must."""

from __future__ import annotations

import json
from pathlib import Path

from apps.cli.bench.mix import DEFAULT_WEIGHTS
from apps.cli.main import main
from tests.e2e.conftest import System

RATE, DURATION = 10, 10
SERVICES = ("order", "inventory", "payment")


def test_a_short_open_loop_run_reports_every_figure_and_every_order_ends_as_it_must(
    system: System, tmp_path: Path
) -> None:
    processes = {
        "broker": system.broker.process,
        **{s: getattr(system, s).process for s in SERVICES},
    }
    pids = ",".join(f"{name}={p.pid}" for name, p in processes.items() if p is not None)
    report = tmp_path / "bench.json"

    status = main(
        [
            "bench", "--rate", str(RATE), "--duration", str(DURATION), "--idle-seconds", "1",
            "--order-url", system.order.url, "--inventory-url", system.inventory.url,
            "--payment-url", system.payment.url, "--broker-url", system.broker.url,
            "--pids", pids, "--reference-messages", "2000", "--hops", "20",
            "--json", str(report),
        ]
    )  # fmt: skip

    result = json.loads(report.read_text())
    assert status == 0, result["verdict"]
    (figures,) = result["loads"]
    sent = RATE * DURATION
    assert figures["orders"] == {
        "sent": sent,
        "accepted": sent,
        "completed": sent,
        "as_expected": sent,
    }
    assert figures["by_kind"] == {
        kind: {"sent": share * sent // 100, "as_expected": share * sent // 100, "mismatched": 0}
        for kind, share in sorted(DEFAULT_WEIGHTS.items())
    }
    assert figures["by_final_status"] == {"CANCELLED": 5, "CONFIRMED": 85, "FAILED": 10}
    assert figures["by_http_status"] == {"201": sent}
    assert figures["completed_per_s"] > 0
    for latency in ("post", "terminal"):
        assert set(figures["latency_ms"][latency]) == {"p50", "p90", "p99", "max"}
    assert set(figures["cpu"]["seconds"]) == set(processes)
    assert set(figures["cpu"]["ms_per_saga"]) == {*processes, "total"}
    assert figures["cpu"]["ms_per_saga"]["total"] > 0
    assert figures["generator"]["cpu_s"] > 0
    assert set(figures["events_per_s"]) == set(SERVICES)  # each a number, or None without /metrics
    wire = figures["wire_per_saga"]
    assert set(wire) == {*SERVICES, "all"}
    assert wire["all"]["records"]["saga_event"] > 0 and wire["all"]["fetch_requests"] > 0
    assert sum(second["completed"] for second in figures["timeline"]) == sent
    assert set(result["idle_cpu_cores"]) == set(processes)
    for name in ("aiokafka_relay", "faust_forward"):
        reference = result["references"][name]
        assert reference["messages"] == 2000 and reference["events_per_s"] > 0
        assert reference["cpu_ms_per_event"] > 0
        assert set(reference["hop_ms"]) == {"p50", "p90", "p99", "max"}
        assert result["comparison"]["rows"][name]["system_hop_p50_ratio"] > 0
    assert result["check"]["status"] == 0
    assert result["verdict"] == {"passed": True, "failures": []}
