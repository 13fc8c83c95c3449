"""The live feed's fan-out: every subscriber gets every value, and none can hold up the agent."""

from __future__ import annotations

from apps.platform.broadcast import Broadcast


def same(value: object) -> object:
    return value


async def test_each_subscriber_gets_what_is_published_while_it_listens__in_order() -> None:
    feed: Broadcast[int] = Broadcast()
    feed.publish(0)  # before anyone listens: nobody gets it
    with feed.subscribe(same) as first, feed.subscribe(same) as second:
        feed.publish(1)
        feed.publish(2)

        batches = [await first.next_batch(1), await second.next_batch(1)]

    assert batches == [[1, 2], [1, 2]]
    assert len(feed) == 0


async def test_each_subscriber_gets_values_as_its_own_render_makes_them() -> None:
    feed: Broadcast[int] = Broadcast()
    with feed.subscribe(str) as text, feed.subscribe(lambda n: n * 10) as tens:
        feed.publish(1)

        batches = [await text.next_batch(1), await tens.next_batch(1)]

    assert batches == [["1"], [10]]


async def test_a_subscriber_with_nothing_new_gets_an_empty_batch_after_the_wait() -> None:
    feed: Broadcast[int] = Broadcast()
    with feed.subscribe(same) as subscription:
        batch = await subscription.next_batch(0.01)

    assert (batch, subscription.ended) == ([], False)


async def test_a_subscriber_that_falls_behind_is_ended_and_the_others_go_on() -> None:
    feed: Broadcast[int] = Broadcast(bound=2)
    with feed.subscribe(same) as slow, feed.subscribe(same) as fast:
        feed.publish(1)
        feed.publish(2)
        kept = await fast.next_batch(1)
        feed.publish(3)  # `slow` already has 2 waiting: it is ended, not grown

        slow_batches = [await slow.next_batch(1), await slow.next_batch(1)]
        fast_batch = await fast.next_batch(1)

    assert (slow.ended, slow.reason) == (True, "overflow")
    assert slow_batches == [[1, 2], []]
    assert (kept, fast_batch, fast.ended) == ([1, 2], [3], False)


async def test_ending_all_lets_each_reader_finish_what_waits_then_stop() -> None:
    feed: Broadcast[str] = Broadcast()
    with feed.subscribe(same) as subscription:
        feed.publish("last")
        feed.end_all("shutdown")
        feed.publish("too late")

        batches = [await subscription.next_batch(1), await subscription.next_batch(1)]

    assert batches == [["last"], []]
    assert (subscription.ended, subscription.reason) == (True, "shutdown")
