"""The list of records (models/records.py) holds every topic's messages, every table's
values and every reply: nothing written to a topic or a changelog escapes the gate."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import models
import topics
from apps.platform.settings import SERVICES
from models.base import Model
from models.records import RECORDS

ROOT = Path(__file__).resolve().parents[2]


def test_every_message_of_every_topic_is_a_record() -> None:
    specs = [*topics.ALL, *(topics.dead_letters(service) for service in SERVICES)]
    carried = {model for spec in specs for model in spec.carries()}
    assert carried <= set(RECORDS), carried - set(RECORDS)


def test_every_table_value_is_a_record() -> None:
    names = {record.__name__ for record in RECORDS}
    values = set()
    for path in (ROOT / "apps").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            named = isinstance(node, ast.keyword) and isinstance(node.value, ast.Name)
            if named and node.arg == "value_type":
                values.add(node.value.id)
    assert values and values <= names, values - names


def test_every_reply_of_an_agent_is_a_record() -> None:
    replies = {
        cls
        for module in models.__dict__.values()
        if inspect.ismodule(module)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Model) and cls.__name__.endswith("Reply")
    }
    assert replies and replies <= set(RECORDS), replies - set(RECORDS)
