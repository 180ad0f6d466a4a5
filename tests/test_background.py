"""The helper threads of a cold open (``dataset/background.py``): a fed fold sees every
item in order, errors reach the caller, and a failed producer stops the helper."""

from __future__ import annotations

import threading

import pytest

from pytest_statharness.dataset.background import BackgroundCall, BackgroundFeed


def test_feed_keeps_the_order_and_runs_off_the_calling_thread() -> None:
    seen: list[int] = []
    threads: set[int] = set()

    def consume(item: int) -> None:
        seen.append(item)
        threads.add(threading.get_ident())

    with BackgroundFeed(consume) as feed:
        for i in range(500):
            feed.put(i)
    assert seen == list(range(500))
    assert threads and threading.get_ident() not in threads


def test_feed_error_is_raised_to_the_producer() -> None:
    def consume(item: int) -> None:
        if item == 3:
            raise ValueError("bad item")

    with pytest.raises(ValueError, match="bad item"):
        with BackgroundFeed(consume) as feed:
            for i in range(100):
                feed.put(i)


def test_producer_error_stops_the_helper_and_propagates_alone() -> None:
    seen: list[int] = []

    def consume(item: int) -> None:
        if item == 1:
            raise ValueError("not this one")
        seen.append(item)

    with pytest.raises(KeyError):
        with BackgroundFeed(consume) as feed:
            feed.put(0)
            feed.put(1)
            raise KeyError("the producer's")
    assert seen in ([], [0])


def test_call_returns_or_raises_every_time() -> None:
    assert BackgroundCall(sum, [1, 2, 3]).result() == 6
    failing = BackgroundCall(int, "x")
    for _ in range(2):
        with pytest.raises(ValueError):
            failing.result()
