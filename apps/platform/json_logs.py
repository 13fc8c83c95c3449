"""`OMS_LOG_FORMAT=json`: a worker writes one JSON object a line, naming the event it handles.

A line has `time` (ISO 8601, UTC), `level`, `logger`, `service` and `message`, an
`exception` when there is one, and, while an event is handled, its `order_id`, `event`
(its type), `topic`, `partition` and `offset` (see `event_context`), and, when traced,
`trace_id` and `span_id`. So one order can be followed through the three services with
`grep <order id>`, `grep <trace id>` or `jq`.

The formatter is a few lines over `json.dumps` rather than python-json-logger: the
fields are fixed and few, and a dependency would bring options (renaming, `extra`
merging) that nothing here needs. Faust installs it: the app's `logging_config` is
merged into the configuration mode builds from `--loglevel`, replacing only its handler.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from apps.platform import event_context, tracing


class JsonFormatter(logging.Formatter):
    """One JSON object a line; never a newline inside it (a traceback is a string field)."""

    def __init__(self, service: str | None = None) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": iso_utc(record.created),
            "level": record.levelname,
            "logger": record.name,
        }
        if self.service is not None:
            line["service"] = self.service
        line["message"] = record.getMessage()
        if record.exc_info:
            line["exception"] = record.exc_text or self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        if (event := event_context.current()) is not None:
            line.update(event)
        # Written inside a span: the trace's and the span's ids (see `tracing`).
        line.update(tracing.log_fields(record))
        # A change made through REST: who asked, what, and the answer (see web/kit/auth.py).
        audit = getattr(record, "audit", None)
        if isinstance(audit, dict):
            line.update(audit)
        return json.dumps(line)


def iso_utc(timestamp: float) -> str:
    """`2025-01-31T09:05:03.042Z`: ISO 8601 in UTC, to the millisecond."""
    moment = datetime.fromtimestamp(timestamp, UTC)
    return moment.isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def logging_options(service: str, log_format: str) -> dict[str, Any]:
    """The app options that make a worker of `service` log in `log_format`."""
    if log_format != "json":
        return {}  # Faust's own lines, for people
    return {
        "logging_config": {
            # Keep what mode sets from `--loglevel` (the root's level); replace its
            # handler, which colours lines for a terminal.
            "merge": True,
            "formatters": {"json": {"()": JsonFormatter, "service": service}},
            "handlers": {
                "default": {
                    "class": "logging.StreamHandler",
                    "formatter": "json",
                    # Resolved when logging is set up, before the worker sends what is
                    # printed to the log: the handler writes to the real stdout.
                    "stream": "ext://sys.stdout",
                }
            },
        }
    }
