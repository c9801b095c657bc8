"""The pipeline: each event acted on once, actions survive a crash, transient errors retried."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.app import App, create_app
from bot.config import LoadedConfig
from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Ban,
    Button,
    EditMessage,
    SendMessage,
)
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.codec import decode_action, encode_action
from bot.core.core import RELEAVE_AFTER
from bot.core.events import Author, IncomingMessage, MemberChanged
from bot.core.texts import Text
from bot.runtime.executor import TransientError
from bot.runtime.pipeline import backoff

GROUP = ChatRef("telegram", "-1001")
QUEUE = ChatRef("telegram", "-1009")


class Recorder:
    platform = "telegram"

    def __init__(self, fail_times: int = 0) -> None:
        self.actions: list[AnyAction] = []
        self.fail_times = fail_times
        self.calls = 0

    async def execute(self, action: AnyAction) -> ActionResult:
        self.calls += 1
        if self.fail_times > 0:
            self.fail_times -= 1
            raise TransientError("HTTP 429", retry_after=7)
        self.actions.append(action)
        return ActionResult(ok=True, message_id=str(100 + len(self.actions)))


def message(text: str, message_id: str = "1", user: str = "5") -> IncomingMessage:
    return IncomingMessage(
        event_id=f"telegram:-1001:{message_id}", chat=GROUP, message_id=message_id,
        author=Author(UserRef("telegram", user), "Ann"), text=text,
        date=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )


async def test_redelivered_event_acts_once(app: App) -> None:
    recorder = Recorder()
    app.router.add(recorder)
    assert await app.pipeline.process(message("/help")) is True
    assert await app.pipeline.process(message("/help")) is False
    assert len([a for a in recorder.actions if isinstance(a, SendMessage)]) == 1


async def test_actions_committed_before_delivery_survive_a_crash(
        basic_config: LoadedConfig, clock: FakeClock) -> None:
    first = await create_app(basic_config, clock=clock, instance_id="a")
    crashed = Recorder()
    first.router.add(crashed)

    async def crash_before_delivery(limit: int = 100) -> int:
        return 0

    first.pipeline.drain = crash_before_delivery  # type: ignore[method-assign]
    await first.pipeline.process(message("/help"))
    await first.close()
    assert crashed.actions == []

    second = await create_app(basic_config, clock=clock, instance_id="b")
    recorder = Recorder()
    second.router.add(recorder)
    try:
        assert await second.pipeline.process(message("/help")) is False
        assert await second.pipeline.drain() == 1
        assert [type(a) for a in recorder.actions] == [SendMessage]
        assert await second.pipeline.drain() == 0
    finally:
        await second.close()


async def test_transient_error_is_retried_after_retry_after(app: App, clock: FakeClock) -> None:
    recorder = Recorder(fail_times=1)
    app.router.add(recorder)
    await app.pipeline.process(message("/help"))
    assert recorder.actions == []
    clock.advance(timedelta(seconds=6))
    await app.pipeline.drain()
    assert recorder.actions == []
    clock.advance(timedelta(seconds=2))
    await app.pipeline.drain()
    assert len(recorder.actions) == 1 and recorder.calls == 2


async def test_notice_is_deleted_after_its_ttl(app: App, clock: FakeClock) -> None:
    recorder = Recorder()
    app.router.add(recorder)
    await app.pipeline.process(message("/help"))
    sent = recorder.actions[0]
    assert isinstance(sent, SendMessage) and sent.delete_after is not None
    clock.advance(sent.delete_after + timedelta(seconds=1))
    await app.pipeline.drain()
    assert type(recorder.actions[-1]).__name__ == "DeleteMessage"


async def test_unknown_group_gets_one_message_then_leave(app: App, clock: FakeClock) -> None:
    """Messages already on their way when the bot left make no second leave each; one
    arriving after RELEAVE_AFTER leaves again (the first leave may have failed), as does an
    invitation back."""
    recorder = Recorder()
    app.router.add(recorder)
    stranger = ChatRef("telegram", "-777")

    def said(n: int) -> IncomingMessage:
        return IncomingMessage(f"telegram:-777:{n}", stranger, str(n),
                               Author(UserRef("telegram", "5"), "Ann"), "hi", clock.now())

    for n in range(3):
        await app.pipeline.process(said(n))
    kinds = [type(a).__name__ for a in recorder.actions]
    assert (kinds.count("SendMessage"), kinds.count("LeaveChat")) == (1, 1)
    clock.advance(RELEAVE_AFTER + timedelta(seconds=1))
    await app.pipeline.process(said(3))
    await app.pipeline.process(MemberChanged(
        "telegram:-777:join", stranger, Author(UserRef("telegram", "1"), "modbot"),
        joined=True, is_bot_itself=True, date=clock.now()))
    kinds = [type(a).__name__ for a in recorder.actions]
    assert (kinds.count("SendMessage"), kinds.count("LeaveChat")) == (1, 3)


def test_backoff_grows_and_honours_retry_after() -> None:
    assert [backoff(n) for n in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert backoff(20) == 60
    assert backoff(3, retry_after=12) == 12


def test_codec_round_trip() -> None:
    actions: list[AnyAction] = [
        SendMessage(GROUP, Text("x.y", {"n": 3, "who": "@a"}), "ru", reply_to="5",
                    buttons=((Button(Text("b.c"), "t:claim:1"),),),
                    delete_after=timedelta(minutes=2), ref="r"),
        Ban(GROUP, UserRef("telegram", "9"), datetime(2026, 1, 1, tzinfo=UTC), sender_chat=True),
    ]
    for action in actions:
        assert decode_action(encode_action(action)) == action


async def test_pipeline_on_postgresql(write_config: object, pg_url: str, clock: FakeClock) -> None:
    from collections.abc import Callable
    from pathlib import Path

    from bot.config import load_config
    from tests.conftest import BASIC_CONFIG

    assert callable(write_config)
    writer: Callable[[str], Path] = write_config
    text = BASIC_CONFIG.replace('url = "sqlite+aiosqlite:///modbot.db"', f'url = "{pg_url}"')
    config = load_config(writer(text))
    pg_app = await create_app(config, clock=clock, instance_id="pg")
    recorder = Recorder()
    pg_app.router.add(recorder)
    try:
        assert await pg_app.pipeline.process(message("/help")) is True
        assert await pg_app.pipeline.process(message("/help")) is False
        assert len(recorder.actions) == 1
    finally:
        await pg_app.close()


async def test_staying_silent_in_unknown_groups_when_leaving_is_off(
        write_config: object, clock: FakeClock) -> None:
    from collections.abc import Callable
    from pathlib import Path

    from bot.config import load_config
    from tests.conftest import BASIC_CONFIG

    assert callable(write_config)
    writer: Callable[[str], Path] = write_config
    text = BASIC_CONFIG.replace('token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"',
                                'token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"\n'
                                'leave_unknown_chats = false')
    quiet = await create_app(load_config(writer(text)), clock=clock, instance_id="quiet")
    recorder = Recorder()
    quiet.router.add(recorder)
    try:
        event = IncomingMessage("telegram:-777:1", ChatRef("telegram", "-777"), "1",
                                Author(UserRef("telegram", "5"), "Ann"), "hi",
                                datetime(2026, 3, 2, tzinfo=UTC))
        await quiet.pipeline.process(event)
        assert recorder.actions == []
    finally:
        await quiet.close()


async def _queue(app: App, event_id: str, actions: list[AnyAction]) -> None:
    async with app.uow_factory() as uow:
        await uow.outbox.add(event_id, [encode_action(a) for a in actions], app.clock.now())
        await uow.commit()


def _said(text: str) -> SendMessage:
    return SendMessage(GROUP, Text.raw(text), "en")


async def test_a_stop_leaves_the_unsent_backlog_in_the_outbox_for_the_next_start(
        app: App) -> None:
    class StopsAfterOne(Recorder):
        async def execute(self, action: AnyAction) -> ActionResult:
            app.pipeline.request_stop()  # SIGTERM arrives while the first one is sent
            return await super().execute(action)

    recorder = StopsAfterOne()
    app.router.add(recorder)
    await _queue(app, "backlog", [_said(f"ack {n}") for n in range(4)])
    assert await app.pipeline.drain() == 1
    assert [a.text.params["text"] for a in recorder.actions] == ["ack 0"]
    async with app.uow_factory() as uow:
        left = await uow.outbox.claim_pending("next-start", app.clock.now(), 10)
    assert [decode_action(i.payload).text.params["text"] for i in left] == [
        "ack 1", "ack 2", "ack 3"]


def _card(state: str) -> EditMessage:
    return EditMessage(QUEUE, "77", Text.raw(f"Ticket #1 · {state}"), "en")


async def test_an_edit_back_from_a_retry_does_not_overwrite_a_newer_edit(
        app: App, clock: FakeClock) -> None:
    """A card's "claimed" edit hits the queue chat's rate limit and waits; "resolved" goes
    out meanwhile. When "claimed" comes due it is dropped: the card must end "resolved"."""
    class PacedOnce(Recorder):
        async def execute(self, action: AnyAction) -> ActionResult:
            self.calls += 1
            if self.calls == 1:
                raise TransientError("chat is paced", retry_after=30)
            self.actions.append(action)
            return ActionResult(ok=True)

    recorder = PacedOnce()
    app.router.add(recorder)
    await _queue(app, "press:claim", [_card("claimed")])
    await app.pipeline.drain()
    await _queue(app, "press:resolve", [_card("resolved")])
    await app.pipeline.drain()
    clock.advance(timedelta(seconds=31))
    await app.pipeline.drain()
    texts = [a.text.params["text"] for a in recorder.actions if isinstance(a, EditMessage)]
    assert texts == ["Ticket #1 · resolved"]
    async with app.uow_factory() as uow:
        assert await uow.outbox.claim_pending("later", clock.now(), 10) == []


async def test_edits_of_different_messages_are_not_dropped(app: App, clock: FakeClock) -> None:
    recorder = Recorder(fail_times=1)
    app.router.add(recorder)
    await _queue(app, "press:a", [_card("claimed")])
    await app.pipeline.drain()
    other = EditMessage(QUEUE, "78", Text.raw("Ticket #2 · resolved"), "en")
    await _queue(app, "press:b", [other])
    await app.pipeline.drain()
    clock.advance(timedelta(seconds=8))
    await app.pipeline.drain()
    assert [a.message_id for a in recorder.actions] == ["78", "77"]


async def test_button_answers_go_before_the_card_edits_waiting_with_them(app: App) -> None:
    """Ten presses decided while the queue chat's edits wait: every press is answered first
    (Telegram refuses a late answer), and the edits keep their order."""
    recorder = Recorder()
    app.router.add(recorder)
    for n in range(3):
        answer = AnswerCallback(f"q{n}", QUEUE, Text.raw("Resolved"), "en")
        await _queue(app, f"press:{n}", [_card(f"resolved {n}"), answer])
    await app.pipeline.drain()
    kinds = [type(a).__name__ for a in recorder.actions]
    assert kinds == ["AnswerCallback"] * 3 + ["EditMessage"] * 3
    assert [a.text.params["text"] for a in recorder.actions[3:]] == [
        f"Ticket #1 · resolved {n}" for n in range(3)]
