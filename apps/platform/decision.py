"""The one shape of decision every core returns, pure: the state after an input, and why.

An owning agent reads its table, calls its core's `decide` with the input, and hands
the `Decision` to `shell.apply`. Every agent does exactly this, so a reader who knows
one knows all four. The helpers here build the parts every core needs the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Generic, TypeVar

from models.base import Model, ReplyAddress, updated

State = TypeVar("State", bound=Model)
Reply = tuple[ReplyAddress, Model]


@dataclass(frozen=True)
class Decision(Generic[State]):
    """What an input does to the one key it names, and what to send because of it.

    `apply` writes `state` if `changed`, then sends `commands` (to other agents),
    `events` (facts, announced once the state that stands for them is written) and
    `replies` (to the REST callers waiting), in that order. Each message goes to the
    topic `topics.py` declares for its type, under the key that topic names.
    """

    state: State | None
    changed: bool = False
    commands: tuple[Model, ...] = ()
    events: tuple[Model, ...] = ()
    replies: tuple[Reply, ...] = ()


class NoState(RuntimeError):
    """A decision its caller relies on to keep a state keeps none: a bug in a core."""


def state_of(decision: Decision[State]) -> State:
    """The state `decision` keeps, which its caller knows it has (else `NoState`)."""
    if decision.state is None:
        raise NoState(f"expected a state, got {decision!r}")
    return decision.state


def answered(state: State | None, reply_to: ReplyAddress | None, reply: Model) -> Decision[State]:
    """Change nothing; answer `reply` to the caller at `reply_to`, if there is one."""
    return Decision(state, replies=((reply_to, reply),) if reply_to is not None else ())


def addresses(reply_to: ReplyAddress | None) -> tuple[ReplyAddress, ...]:
    """The caller's address as a tuple: none, or the one."""
    return (reply_to,) if reply_to is not None else ()


def answer_waiting(
    decision: Decision[State],
    now: datetime,
    reply: Callable[[State], Model],
    *,
    settled: Callable[[State], bool],
) -> Decision[State]:
    """Answer every caller waiting on the state (its `waiting`) once it is `settled`."""
    state: Any = decision.state
    if state is None or not state.waiting or not settled(state):
        return decision
    answered_state = updated(state, now, waiting=())
    answer = reply(answered_state)
    replies = tuple((address, answer) for address in state.waiting)
    return replace(decision, state=answered_state, changed=True, replies=decision.replies + replies)
