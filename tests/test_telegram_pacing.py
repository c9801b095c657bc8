"""Per-chat pacing: bursts, the steady rate, flood penalties, and the hand-back threshold."""

from __future__ import annotations

import pytest

from handlers.telegram.pacing import Pacer, Rate


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_a_group_gets_a_burst_then_twenty_a_minute() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    delays = [pacer.reserve(-100, max_wait=1000)[1] for _ in range(8)]
    assert delays[:5] == [0, 0, 0, 0, 0]
    assert delays[5:] == [pytest.approx(3.0), pytest.approx(6.0), pytest.approx(9.0)]


def test_chats_are_paced_independently() -> None:
    pacer = Pacer(Clock())
    for _ in range(5):
        pacer.reserve(-100, max_wait=0)
    assert pacer.reserve(-100, max_wait=0) == (False, pytest.approx(3.0))
    assert pacer.reserve(-200, max_wait=0) == (True, 0)


def test_a_refused_reservation_books_nothing() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    for _ in range(5):
        pacer.reserve(-100, max_wait=0)
    for _ in range(3):
        assert pacer.reserve(-100, max_wait=1)[0] is False
    clock.now += 3.0
    assert pacer.reserve(-100, max_wait=0) == (True, 0)


def test_flood_penalty_blocks_the_chat_until_retry_after() -> None:
    clock = Clock()
    pacer = Pacer(clock)
    pacer.penalize(-100, 12)
    assert pacer.reserve(-100, max_wait=100) == (True, pytest.approx(12.0))
    assert pacer.reserve(-300, max_wait=0) == (True, 0)


def test_the_global_rate_applies_across_chats() -> None:
    pacer = Pacer(Clock(), overall=Rate(per_minute=60, burst=2))
    assert pacer.reserve(-1, max_wait=0)[0]
    assert pacer.reserve(-2, max_wait=0)[0]
    assert pacer.reserve(-3, max_wait=0) == (False, pytest.approx(1.0))
