"""Outbox delivery in per-chat lanes: a slow or paced chat holds up no other chat's actions,
each chat's actions keep their order, no item is executed twice however drains overlap, and
`drain()` still returns only once what it claimed was attempted.

Slowness is an asyncio.Event gate the test opens (no sleeps for timing); time is FakeClock.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from typing import TypeVar

import pytest

from bot.app import App
from bot.core.actions import (
    ActionResult,
    AnyAction,
    DeleteMessage,
    EditMessage,
    Mute,
    SendMessage,
)
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.codec import encode_action
from bot.core.texts import Text
from bot.runtime.executor import target_chat

T = TypeVar("T")
SLOW = ChatRef("telegram", "-1001")
OTHER = ChatRef("telegram", "-1002")
THIRD = ChatRef("telegram", "-1003")


class GatedExecutor:
    """Records every call; a call to a chat with a closed gate waits until it opens."""

    platform = "telegram"

    def __init__(self) -> None:
        self.gates: dict[str, asyncio.Event] = {}
        self.started: list[AnyAction] = []
        self.done: list[AnyAction] = []
        self.waiting = asyncio.Event()  # some call is held at a gate

    def close(self, chat: ChatRef) -> asyncio.Event:
        gate = self.gates[str(chat)] = asyncio.Event()
        return gate

    async def execute(self, action: AnyAction) -> ActionResult:
        self.started.append(action)
        gate = self.gates.get(str(target_chat(action)))
        if gate is not None and not gate.is_set():
            self.waiting.set()
            await gate.wait()
        await asyncio.sleep(0)  # every call yields, as a network call does
        self.done.append(action)
        return ActionResult(ok=True, message_id=str(500 + len(self.done)))


def said(chat: ChatRef, text: str) -> SendMessage:
    return SendMessage(chat, Text.raw(text), "en")


def texts(actions: list[AnyAction], chat: ChatRef) -> list[str]:
    out = []
    for action in actions:
        if target_chat(action) != chat:
            continue
        if isinstance(action, SendMessage | EditMessage):
            out.append(str(action.text.params["text"]))
        elif isinstance(action, DeleteMessage):
            out.append(f"delete {action.message_id}")
        else:
            out.append(type(action).__name__)
    return out


async def bounded(step: Awaitable[T]) -> T:
    """Await `step`; the timeout only turns a hang (delivery one item at a time, as it
    was) into a failure."""
    return await asyncio.wait_for(step, timeout=10)


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until `condition` holds."""
    async def spin() -> None:
        while not condition():
            await asyncio.sleep(0)

    await bounded(spin())


async def queue(app: App, event_id: str, actions: list[AnyAction]) -> None:
    async with app.uow_factory() as uow:
        await uow.outbox.add(event_id, [encode_action(a) for a in actions], app.clock.now())
        await uow.commit()


async def states(app: App) -> dict[str, int]:
    """Items left to send (claimed in a transaction that is rolled back)."""
    async with app.uow_factory() as uow:
        left = await uow.outbox.claim_pending("inspector", app.clock.now(), 100)
    return {"pending": len(left)}


@pytest.fixture
async def executor(app: App) -> AsyncIterator[GatedExecutor]:
    gated = GatedExecutor()
    app.router.add(gated)
    yield gated
    for gate in gated.gates.values():  # a failing test leaves nothing hanging
        gate.set()
    await bounded(app.pipeline.settle())


async def test_a_slow_call_in_one_chat_does_not_delay_another_chats_delete(
        app: App, executor: GatedExecutor) -> None:
    """The Bot API hangs on a send to one group. A swear word in another group, decided
    after the hang began, is deleted (and its author muted) by the next drain at once; that
    drain returns once what was due when it was called is through, the held send too."""
    gate = executor.close(SLOW)
    await queue(app, "help", [said(SLOW, "help answer")])
    stuck = asyncio.ensure_future(app.pipeline.drain())
    await bounded(executor.waiting.wait())
    until_then = app.clock.now() + timedelta(minutes=10)
    await queue(app, "swear", [DeleteMessage(OTHER, "42"),
                               Mute(OTHER, UserRef("telegram", "7"), until_then)])
    second = asyncio.ensure_future(app.pipeline.drain())
    await until(lambda: texts(executor.done, OTHER) == ["delete 42", "Mute"])
    assert texts(executor.done, SLOW) == [] and not stuck.done() and not second.done()
    gate.set()
    assert await bounded(stuck) == 1
    assert await bounded(second) == 2
    assert texts(executor.done, SLOW) == ["help answer"]


async def test_one_chats_items_keep_their_order_while_chats_run_side_by_side(
        app: App, executor: GatedExecutor) -> None:
    """Sends and an edit of one chat go out in the order they were decided, also when later
    ones are claimed by another drain while the chat's first call is held; the chat's
    deletions have a lane of their own (the platform paces messages, not deletions), so a
    delete is not held behind the chat's message (here the gate holds it as well)."""
    gate = executor.close(SLOW)
    await queue(app, "a", [said(SLOW, "s1"), said(OTHER, "o1"), DeleteMessage(SLOW, "10"),
                           said(THIRD, "t1")])
    first = asyncio.ensure_future(app.pipeline.drain())
    await bounded(executor.waiting.wait())
    await queue(app, "b", [EditMessage(SLOW, "10", Text.raw("e1"), "en"), said(OTHER, "o2"),
                           said(SLOW, "s2"), DeleteMessage(THIRD, "11")])
    second = asyncio.ensure_future(app.pipeline.drain())
    await until(lambda: texts(executor.done, OTHER) == ["o1", "o2"]
                and len(texts(executor.done, THIRD)) == 2)
    # the chat's messages wait behind s1; its deletion has started beside it
    assert texts(executor.started, SLOW) == ["s1", "delete 10"]
    gate.set()
    assert await bounded(first) + await bounded(second) == 8
    assert [t for t in texts(executor.done, SLOW) if t != "delete 10"] == ["s1", "e1", "s2"]
    assert "delete 10" in texts(executor.done, SLOW)
    assert texts(executor.done, OTHER) == ["o1", "o2"]
    assert texts(executor.done, THIRD) == ["t1", "delete 11"]


async def test_no_item_is_executed_twice_when_drains_overlap(
        app: App, clock: FakeClock, executor: GatedExecutor) -> None:
    """Several drains at once (the poller's, housekeeping's, a webhook's kick), and one more
    after the held call has been in flight for over five minutes (when the outbox hands a
    'sending' item out again as stale, for an instance that died): each item runs once."""
    gate = executor.close(SLOW)
    await queue(app, "many", [said(chat, f"{chat.chat_id} #{n}")
                              for n in range(4) for chat in (SLOW, OTHER, THIRD)])
    drains = [asyncio.ensure_future(app.pipeline.drain()) for _ in range(3)]
    await bounded(app.pipeline.kick())
    await bounded(executor.waiting.wait())
    clock.advance(timedelta(minutes=6))
    await bounded(app.pipeline.kick())  # claims the held chat's items again, as stale
    drains.append(asyncio.ensure_future(app.pipeline.drain()))
    await until(lambda: len(executor.done) == 8)
    assert texts(executor.started, SLOW) == ["-1001 #0"]
    gate.set()
    attempted = sum([await bounded(d) for d in drains])
    await bounded(app.pipeline.settle())
    assert attempted == len(executor.started) == 12
    for chat in (SLOW, OTHER, THIRD):
        assert texts(executor.started, chat) == [f"{chat.chat_id} #{n}" for n in range(4)]
        assert texts(executor.done, chat) == texts(executor.started, chat)
    assert await states(app) == {"pending": 0}


async def test_drain_returns_only_once_its_claimed_items_were_attempted(
        app: App, executor: GatedExecutor) -> None:
    """Callers (an update's `process`, `tick`) rely on it: what the drain claimed was sent."""
    gate = executor.close(SLOW)
    await queue(app, "x", [said(OTHER, "quick"), said(SLOW, "slow")])
    drain = asyncio.ensure_future(app.pipeline.drain())
    await bounded(executor.waiting.wait())
    await until(lambda: texts(executor.done, OTHER) == ["quick"])
    for _ in range(20):
        await asyncio.sleep(0)
    assert not drain.done()
    gate.set()
    assert await bounded(drain) == 2
    assert texts(executor.done, SLOW) == ["slow"]


async def test_a_kick_delivers_in_the_background_and_tells_when_its_event_went_out(
        app: App, executor: GatedExecutor) -> None:
    """The webhook's path: the update is committed, a kick starts its delivery without
    waiting for it; the kick's future is done once that event's items were attempted, and
    `settle` waits for the background work to end."""
    gate = executor.close(SLOW)
    await queue(app, "slow-one", [said(SLOW, "slow")])
    await queue(app, "quick-one", [DeleteMessage(OTHER, "5")])
    slow, quick = app.pipeline.kick(["slow-one"]), app.pipeline.kick(["quick-one"])
    await bounded(quick)
    assert texts(executor.done, OTHER) == ["delete 5"]
    assert not slow.done()
    gate.set()
    await bounded(slow)
    await bounded(app.pipeline.settle())
    assert texts(executor.done, SLOW) == ["slow"]
