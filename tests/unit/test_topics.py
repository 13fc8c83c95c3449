"""The topic contract: every message type travels on one topic, under that topic's key."""

from __future__ import annotations

import ast
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import topics
from models.events import PaymentFailed
from models.inventory import HoldStock
from models.payments import Charge


def test_every_message_type_travels_on_exactly_one_topic() -> None:
    carried = Counter(member for spec in topics.ALL for member in spec.carries())

    assert [member.__name__ for member, count in carried.items() if count > 1] == []
    assert set(topics.ROUTES) == set(carried)


def test_a_message_goes_to_its_topic_under_the_key_that_topic_names() -> None:
    now = datetime.now(UTC)
    hold = HoldStock(command_id="c1", product_id="lamp", issued_at=now, order_id="o1", quantity=1)
    charge = Charge(order_id="o1", payment_id="pay-o1", amount=1, payment_token=None)
    failed = PaymentFailed(event_id="e1", order_id="o1", occurred_at=now, reason="DECLINED")

    routed = [(topics.route(m).name, topics.route(m).key_of(m)) for m in (hold, charge, failed)]

    assert routed == [
        ("inventory.stock-commands", "lamp"),
        ("payment.gateway-requests", "o1"),
        ("PAYMENT.FAIL", "o1"),
    ]


def test_the_topics_import_only_the_models_and_faust_only_for_types() -> None:
    tree = ast.parse(Path(topics.__file__).read_text())
    type_only = {
        id(node)
        for guard in ast.walk(tree)
        if isinstance(guard, ast.If) and ast.unparse(guard.test) == "TYPE_CHECKING"
        for node in ast.walk(guard)
    }
    imported = {
        (node.module or "") if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in type_only
        for alias in node.names
    }

    ours = {name for name in imported if name.split(".")[0] in {"apps", "web", "models"}}
    assert ours and all(name.startswith("models") for name in ours)
    assert not {name for name in imported if name.split(".")[0] in {"faust", "mode", "aiokafka"}}
