"""The VK adapter end to end: the real poller and executor over HTTP against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from vk_emulator import VkEmulator
from vk_emulator.harness import (
    CHAT,
    MEMBER,
    MODERATOR,
    RunningBot,
    vk_config_text,
    write_vk_config,
)

from bot.app import create_app
from bot.core.clock import FakeClock


@pytest.fixture
async def bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = RunningBot(write_vk_config(tmp_path, vk_config_text(emulator)), clock, emulator)
    await running.start()
    yield running
    await running.stop()


async def test_help_in_a_chat_is_answered_as_a_reply_and_cleaned_up_later(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    cmid = emulator.post_message(CHAT, MEMBER, "/help")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert len(sent) == 1
    assert "/report" in sent[0].text and sent[0].reply_to == cmid
    call = emulator.calls_to("messages.send")[0]
    assert call.token == "group" and int(call["random_id"]) > 0
    clock.advance(timedelta(minutes=3))
    await emulator.wait_calls("messages.delete")
    assert sent[0].deleted
    delete = emulator.calls_to("messages.delete")[0]
    assert (delete["cmids"], delete["peer_id"], delete["delete_for_all"]) == (
        str(sent[0].cmid), str(CHAT), "1")


async def test_bang_help_works_and_moderators_get_their_help(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_message(CHAT, MODERATOR, "!help")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "/warn" in sent[0].text


async def test_help_addressed_to_the_bot_by_mention_works(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_message(CHAT, MEMBER, f"[club{emulator.group_id}|@modbot] /help")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "/report" in sent[0].text


async def test_chat_admins_come_from_get_conversation_members(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, 321)
    emulator.post_message(CHAT, 321, "/help")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "/warn" in sent[0].text
    assert emulator.calls_to("messages.getConversationMembers")


async def test_private_help_greets(emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, "/start")
    sent = await emulator.wait_for(lambda: len(emulator.sent(MEMBER)) >= 2 and emulator.sent(MEMBER))
    assert "modbot here" in sent[0].text


def _answers(emulator: VkEmulator) -> list[int]:
    """The member messages the bot answered in the chat, by the cmid it replied to."""
    return sorted(m.reply_to for m in emulator.sent(CHAT) if m.reply_to is not None)


@pytest.mark.parametrize("failed", [1, 2, 3])
async def test_long_poll_failures_are_recovered_without_losing_or_doubling_events(
        emulator: VkEmulator, bot: RunningBot, failed: int) -> None:
    first = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [first])
    servers = len(emulator.calls_to("groups.getLongPollServer"))
    emulator.fail_longpoll(failed)
    if failed == 3:  # VK lost the history: only events after the new key can be delivered
        await emulator.wait_for(
            lambda: len(emulator.calls_to("groups.getLongPollServer")) > servers)
    # For 1 and 2 the message is posted before the bot recovers: it must still arrive.
    second = emulator.post_message(CHAT, MEMBER, "!help")
    await emulator.wait_for(lambda: _answers(emulator) == [first, second])
    third = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [first, second, third])
    if failed in (2, 3):
        assert len(emulator.calls_to("groups.getLongPollServer")) == servers + 1
    assert len(emulator.calls_to("messages.send")) == 3


async def test_network_errors_on_the_long_poll_back_off_and_recover(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.break_longpoll(times=3)
    await emulator.wait_for(lambda: emulator.longpoll_http_errors == 0)
    cmid = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [cmid])
    assert bot.sleeps.delays[:3] == [1.0, 2.0, 4.0]


async def test_restart_resumes_from_the_stored_ts_without_doubling(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    config = write_vk_config(tmp_path, vk_config_text(emulator))
    first_run = RunningBot(config, clock, emulator)
    await first_run.start()
    one = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [one])
    await first_run.stop()
    # Posted while the bot is down: VK keeps them for the stored ts.
    two = emulator.post_message(CHAT, MEMBER, "/help")
    three = emulator.post_message(CHAT, MEMBER, "!help")
    second_run = RunningBot(config, clock, emulator)
    await second_run.start(wait_polling=False)
    await emulator.wait_for(lambda: _answers(emulator) == [one, two, three])
    await second_run.stop()
    assert len(emulator.calls_to("messages.send")) == 3


async def test_a_kill_before_the_ts_is_stored_redelivers_and_the_pipeline_dedups(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """kill -9 after the effects were committed but before ts moved: same batch again."""
    from handlers.vk.poller import TS_KEY

    config = write_vk_config(tmp_path, vk_config_text(emulator))
    first_run = RunningBot(config, clock, emulator)
    app = await first_run.start()
    async with app.uow_factory() as uow:
        start_ts = await uow.state.get(TS_KEY)
    one = emulator.post_message(CHAT, MEMBER, "/help")
    two = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [one, two])
    # Kill while the poller waits on the next long poll, not mid-transaction: an in-process
    # cancel cannot free a SQLite lock the way a dead process does (the ts is rewound below).
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls)
    await first_run.kill()
    rewind = await create_app(config, clock=clock, instance_id="rewind")
    try:
        async with rewind.uow_factory() as uow:  # as if the kill came before ts was written
            assert start_ts is not None
            await uow.state.put(TS_KEY, start_ts, clock.now())
            await uow.commit()
    finally:
        await rewind.close()
    clock.advance(timedelta(minutes=5))  # the killed instance's lease has expired
    second_run = RunningBot(config, clock, emulator)
    await second_run.start()
    checks = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > checks + 2)
    three = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [one, two, three])
    await second_run.stop()
    assert len(emulator.calls_to("messages.send")) == 3


async def test_bot_invited_to_an_unknown_chat_says_one_message_and_leaves(
        emulator: VkEmulator, bot: RunningBot) -> None:
    stranger = 2_000_000_077
    emulator.invite_bot(stranger, inviter=MEMBER)
    leave = await emulator.wait_calls("messages.removeChatUser")
    assert (leave[0]["chat_id"], leave[0]["member_id"]) == ("77", str(-emulator.group_id))
    said = emulator.sent(stranger)
    assert len(said) == 1 and "Leaving" in said[0].text
    assert -emulator.group_id not in emulator.peer(stranger).members


async def test_a_message_in_an_unknown_chat_also_makes_the_bot_leave_once(
        emulator: VkEmulator, bot: RunningBot) -> None:
    stranger = 2_000_000_078
    emulator.post_message(stranger, MEMBER, "hello")
    emulator.post_message(stranger, MEMBER, "hello again")  # sent before the bot left
    after = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [after])  # all three decided
    await emulator.wait_calls("messages.removeChatUser")
    assert bot.app is not None
    await bot.app.pipeline.settle()  # the stranger's chat has its own lane: all of it sent
    assert len(emulator.sent(stranger)) == 1
    assert len(emulator.calls_to("messages.removeChatUser")) == 1


async def test_only_the_lease_holder_polls_the_other_instance_waits(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    config = write_vk_config(tmp_path, vk_config_text(emulator))
    first = RunningBot(config, clock, emulator, instance_id="first")
    await first.start()
    second = RunningBot(config, clock, emulator, instance_id="second")
    await second.start(wait_polling=False)
    await emulator.wait_for(lambda: len(second.sleeps.delays) >= 3)  # lease busy, retrying
    assert len(emulator.calls_to("groups.getLongPollServer")) == 1
    one = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [one])
    await first.stop()  # releases the lease: the second instance takes over
    await emulator.wait_calls("groups.getLongPollServer", 2)
    two = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [one, two])
    await second.stop()
    assert len(emulator.calls_to("messages.send")) == 2


async def test_a_button_press_is_answered_through_send_message_event_answer(
        emulator: VkEmulator, bot: RunningBot) -> None:
    event_id = emulator.press(CHAT, MEMBER, cmid=5, data="nothing-knows-this")
    answer = (await emulator.wait_calls("messages.sendMessageEventAnswer"))[0]
    assert (answer["event_id"], answer["user_id"], answer["peer_id"]) == (
        event_id, str(MEMBER), str(CHAT))


async def test_a_failing_action_is_logged_and_the_loop_goes_on(
        emulator: VkEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    emulator.fail("messages.send", 917)
    one = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: bot.app is not None and bot.app.pipeline.delivered)
    assert bot.app is not None
    _action, result = bot.app.pipeline.delivered[0]
    assert not result.ok and result.permanent and "[917]" in (result.error or "")
    assert "event=vk.api_error code=917 method=messages.send" in caplog.text
    two = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [two])
    assert one != two


async def test_stop_does_not_wait_for_a_long_poll_to_time_out(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    import time

    running = RunningBot(write_vk_config(tmp_path, vk_config_text(emulator, poll_wait=30)),
                         clock, emulator)
    await running.start()
    started = time.monotonic()
    await running.stop()
    assert time.monotonic() - started < 5


async def test_an_event_the_core_keeps_failing_on_is_dropped_after_retries_not_forever(
        emulator: VkEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture) -> None:
    assert bot.app is not None
    core = bot.app.pipeline.core
    real_handle = core.handle

    async def handle(event, uow):  # type: ignore[no-untyped-def]
        if getattr(event, "text", "") == "boom":
            raise RuntimeError("a bug in some feature")
        return await real_handle(event, uow)

    core.handle = handle  # type: ignore[method-assign]
    emulator.post_message(CHAT, MEMBER, "boom")
    after = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: _answers(emulator) == [after])
    assert "event=vk.event_dropped" in caplog.text
    assert bot.sleeps.delays[:2] == [1.0, 2.0]  # retried with backoff before giving up
