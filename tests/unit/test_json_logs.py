"""OMS_LOG_FORMAT=json: one JSON object a line, naming the event being handled."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from apps.platform.event_context import handling
from apps.platform.json_logs import JsonFormatter, iso_utc, logging_options
from tests.unit.test_event_context import CREATED, an_event

#: 2026-01-01T00:00:00.042Z
MOMENT = 1767225600.042


def a_record(message: object, *args: object, exc_info: Any = None) -> logging.LogRecord:
    record = logging.LogRecord(
        "apps.platform.shell", logging.INFO, __file__, 1, message, args, exc_info
    )
    record.created = MOMENT
    return record


def written(record: logging.LogRecord, service: str | None = "order") -> dict[str, Any]:
    line = JsonFormatter(service).format(record)
    assert "\n" not in line
    parsed: dict[str, Any] = json.loads(line)
    return parsed


STATUS = a_record("orders %s: %s", "o-7", "PENDING")


def test_a_line_has_the_time_in_utc_the_level_the_logger_the_service_and_the_message() -> None:
    assert written(STATUS) == {
        "time": "2026-01-01T00:00:00.042Z",
        "level": "INFO",
        "logger": "apps.platform.shell",
        "service": "order",
        "message": "orders o-7: PENDING",
    }


def test_a_line_written_while_an_event_is_handled_names_the_event() -> None:
    with handling(an_event(CREATED)):
        line = written(STATUS)

    assert line["message"] == "orders o-7: PENDING"
    assert (line["order_id"], line["event"]) == ("o-7", "ORDER.CREATED")
    assert (line["topic"], line["partition"], line["offset"]) == ("order.commands", 3, 41)


def test_a_line_written_outside_any_handler_names_no_event() -> None:
    assert not {"order_id", "event", "topic", "partition", "offset"} & written(STATUS).keys()


def test_an_exception_is_a_field_of_its_line_not_lines_of_its_own() -> None:
    try:
        raise RuntimeError("the gateway is down")
    except RuntimeError:
        record = a_record("handler failed", exc_info=sys.exc_info())

    line = written(record)

    assert line["message"] == "handler failed"
    assert line["exception"].startswith("Traceback")
    assert line["exception"].endswith("RuntimeError: the gateway is down")


def test_a_message_that_is_not_text_is_written_as_its_text() -> None:
    assert written(a_record({"partitions": {1, 2}}))["message"] == "{'partitions': {1, 2}}"


def test_a_worker_without_a_service_writes_no_service_field() -> None:
    assert "service" not in written(STATUS, service=None)


def test_times_are_iso_8601_in_utc_to_the_millisecond() -> None:
    assert (iso_utc(0), iso_utc(MOMENT)) == ("1970-01-01T00:00:00.000Z", "2026-01-01T00:00:00.042Z")


def test_text_logs_leave_faust_its_own_configuration() -> None:
    assert logging_options("order", "text") == {}


def test_json_logs_replace_only_the_handler_of_the_configuration_faust_builds() -> None:
    config = logging_options("payment", "json")["logging_config"]

    assert config["merge"] is True
    assert "root" not in config  # its level stays what --loglevel says
    assert config["handlers"]["default"]["formatter"] == "json"
    assert config["formatters"]["json"] == {"()": JsonFormatter, "service": "payment"}


def test_a_change_made_through_rest_has_its_audit_fields_in_its_line() -> None:
    audit = {
        "method": "DELETE",
        "path": "/orders/o-7",
        "route": "/orders/{order_id}",
        "status": 202,
        "sub": "c-1",
        "role": "customer",
    }
    audit_log = logging.getLogger("oms.audit")  # as web/kit/auth.py logs it, with `extra`
    record = audit_log.makeRecord(
        audit_log.name,
        logging.INFO,
        __file__,
        1,
        "DELETE /orders/o-7 202 by c-1 (customer)",
        (),
        None,
        extra={"audit": audit},
    )

    line = written(record)

    assert line["message"] == "DELETE /orders/o-7 202 by c-1 (customer)"
    assert {key: line[key] for key in audit} == audit


def test_a_line_without_audit_fields_has_none() -> None:
    assert not {"sub", "role", "route"} & written(STATUS).keys()
