"""The list of records (models/records.py) holds every topic's messages, every table's
values and every reply: nothing written to a topic or a changelog escapes the gate."""

from __future__ import annotations

import inspect

import models
from models.base import Model
from models.records import RECORDS, TABLE_VALUES
from tests.golden import CHANGELOGS
from web.kit.asyncapi import catalogue


def test_every_message_of_every_topic_is_a_record() -> None:
    carried = {model for spec in catalogue() for model in spec.carries()}
    assert carried <= set(RECORDS), carried - set(RECORDS)


def test_every_table_value_is_a_record() -> None:
    assert set(CHANGELOGS.values()) == set(TABLE_VALUES)


def test_every_reply_of_an_agent_is_a_record() -> None:
    replies = {
        cls
        for module in models.__dict__.values()
        if inspect.ismodule(module)
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if issubclass(cls, Model) and cls.__name__.endswith("Reply")
    }
    assert replies and replies <= set(RECORDS), replies - set(RECORDS)
