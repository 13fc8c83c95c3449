"""How `oms up` runs a worker that logs JSON and prints its lines: whole, for `grep` and `jq`."""

from __future__ import annotations

import json

from apps.cli.children import shown
from apps.cli.workers import worker_command

JSON_LINE = json.dumps({"level": "INFO", "service": "order", "message": "orders o-7: PENDING"})


def test_a_json_line_of_a_worker_that_logs_json_is_printed_as_it_was_written() -> None:
    assert shown("order", JSON_LINE, json_lines=True) == JSON_LINE


def test_what_else_such_a_worker_prints_is_labelled_with_its_name() -> None:
    assert shown("order", "Traceback (most recent call last):", json_lines=True) == (
        "order       | Traceback (most recent call last):"
    )


def test_the_lines_of_a_worker_that_logs_text_are_labelled__even_one_that_looks_like_json() -> None:
    assert shown("inventory-2", JSON_LINE) == f"inventory-2 | {JSON_LINE}"


def test_a_worker_that_logs_json_prints_no_banner() -> None:
    json_worker = worker_command("order", 8070, "debug", "json")
    text_worker = worker_command("order", 8070, "debug")

    assert json_worker[json_worker.index("worker") - 1] == "--quiet"
    assert "--quiet" not in text_worker
    assert json_worker[-2:] == text_worker[-2:] == ["--loglevel", "debug"]
