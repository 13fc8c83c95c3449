"""Schemathesis against each service's own OpenAPI document, on a real worker: no answer
is a 500, every answer is what the document says, and no invalid input is accepted.

Requests carry an operator's token, so every operation is reached past the gate; a
request whose headers are made invalid on purpose (its token left out, say) goes as it
was made, and must be refused.

Requests are generated both valid and invalid by the document, for every operation.
Not checked: that every request the document allows is accepted. One rule cannot be
written in JSON Schema ("one line per product" in an order or a reservation: its body's
description says it), so a generated request may be refused for it, with a 400 that
names the rule.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.core.parameters import ParameterLocation
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.processes import Worker
from tests.tokens import bearer

#: Requests per operation and mode: enough to find a shape that breaks, bounded in time.
EXAMPLES = 20
SERVICES = ["order", "inventory", "payment"]


@pytest.fixture(scope="module")
def workers(start_worker: Callable[..., Worker]) -> dict[str, Worker]:
    """One worker per service for every run: a second one would rebalance the first (503).

    The order worker reads the others for its saga page: these, not whatever listens on
    the default ports.
    """
    peers = {service: start_worker(service).wait_ready() for service in ("inventory", "payment")}
    urls = {f"OMS_{service.upper()}_URL": worker.url for service, worker in peers.items()}
    return {"order": start_worker("order", **urls).wait_ready(), **peers}


def streams(operation: Any) -> bool:
    """Whether the operation answers a stream that never ends (server-sent events): no
    request to it would return, so it is left to the saga page's browser test."""
    answers = operation.definition.raw["responses"].get("200", {})
    return "text/event-stream" in answers.get("content", {})


def invalid_headers(case: Any) -> bool:
    """Whether the case's headers were made invalid on purpose (a token left out, say)."""
    headers = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
    return headers is not None and headers.mode is GenerationMode.NEGATIVE


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("mode", list(GenerationMode), ids=lambda mode: mode.value)
def test_every_operation_answers_as_the_document_says(
    workers: dict[str, Worker], service: str, mode: GenerationMode
) -> None:
    worker = workers[service]
    schema = schemathesis.openapi.from_url(f"{worker.url}/openapi.json")

    for found in schema.get_all_operations():
        operation = found.ok()
        if streams(operation):
            continue

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def answers_as_documented(case: Any) -> None:
            headers = {} if invalid_headers(case) else bearer()
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])

        try:
            answers_as_documented()
        except Unsatisfiable:
            # An operation without inputs (GET /health) has no invalid request to make.
            assert mode is GenerationMode.NEGATIVE, operation.label
