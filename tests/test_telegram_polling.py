"""The Telegram adapter end to end: a real bot long-polling the local Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)

from bot.app import App, create_app
from bot.core.clock import FakeClock
from bot.core.texts import Text
from bot.texts import catalog
from handlers.telegram.polling import LEASE_NAME, OFFSET_KEY


def render(key: str, **params: object) -> str:
    return catalog().render(Text(key, params), "en")


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(GROUP, title="Demo", admins=(ADMIN,))
        emulator.group(QUEUE, title="Queue")
        yield emulator


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock) -> AsyncIterator[App]:
    built = await create_app(telegram_config(tmp_path, emu.api_base), clock=clock,
                             instance_id="one")
    yield built
    await built.close()


@pytest.fixture
def fake() -> FakeTime:
    return FakeTime()


async def test_help_is_answered_as_a_reply(app: App, emu: TelegramEmulator,
                                           fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the /help answer")
    assert emu.sent_texts(GROUP) == [render("common.help_member")]
    (call,) = emu.calls_of("sendMessage")
    assert call.params["reply_parameters"]["message_id"] == asked["message_id"]
    assert call.params["reply_parameters"]["allow_sending_without_reply"] is True


async def test_private_help_greets_first(app: App, emu: TelegramEmulator,
                                         fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: len(emu.sent_texts(MEMBER)) == 2, what="two replies")
    # in private there is nothing to reply to: the help names /complaint instead of /report
    assert emu.sent_texts(MEMBER) == [render("common.greeting"), render("common.help_private")]


async def test_admin_gets_moderator_help_via_get_chat_administrators(
        app: App, emu: TelegramEmulator, fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, ADMIN, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the /help answer")
    assert emu.sent_texts(GROUP) == [render("common.help_moderator")]
    assert emu.calls_of("getChatAdministrators")


async def test_help_notice_is_deleted_after_its_ttl(app: App, emu: TelegramEmulator,
                                                   fake: FakeTime, clock: FakeClock) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_messages(GROUP), what="the /help answer")
        notice = emu.sent_messages(GROUP)[0]["message_id"]
        assert not emu.is_deleted(GROUP, notice)
        clock.advance(timedelta(minutes=3))  # default notice_ttl is 2 minutes
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice), what="the notice deleted")


async def test_flood_wait_is_honoured_and_the_message_sent_once(
        app: App, emu: TelegramEmulator, fake: FakeTime) -> None:
    emu.fail_next("sendMessage", status=429, retry_after=3)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the delayed answer")
    assert len(emu.calls_of("sendMessage", ok=False)) == 1
    assert len(emu.calls_of("sendMessage")) == 1
    assert 3.0 in fake.sleeps
    first_try, retry = emu.calls_of("sendMessage", ok=None)
    assert first_try.status == 429 and retry.ok


async def test_a_long_flood_wait_goes_back_to_the_outbox_not_lost(
        app: App, emu: TelegramEmulator, fake: FakeTime, clock: FakeClock) -> None:
    emu.fail_next("sendMessage", status=429, retry_after=40)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="the 429")
        await emu.wait_for(lambda: not emu.pending_updates, what="the update confirmed")
        assert emu.sent_texts(GROUP) == []
        assert 40.0 not in fake.sleeps  # long waits are not slept inline
        clock.advance(timedelta(seconds=41))
        fake.now += 41
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the retried answer")
    assert emu.sent_texts(GROUP) == [render("common.help_member")]


async def test_server_errors_are_retried_with_backoff(app: App, emu: TelegramEmulator,
                                                      fake: FakeTime) -> None:
    emu.fail_next("sendMessage", 2, status=500)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the answer")
    assert len(emu.calls_of("sendMessage")) == 1
    assert fake.sleeps[:2] == [0.5, 1.0]


async def test_a_malformed_update_does_not_stop_the_loop(app: App, emu: TelegramEmulator,
                                                         fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.inject_malformed()
        emu.inject_raw({"message": "not even an object"})
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the answer after junk")
        await emu.wait_for(lambda: not emu.pending_updates, what="all confirmed")


async def test_getupdates_errors_are_survived(app: App, emu: TelegramEmulator,
                                              fake: FakeTime) -> None:
    emu.fail_next("getUpdates", status=502)
    emu.fail_next("getUpdates", status=429, retry_after=1)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), timeout=8, what="the answer")


async def test_bot_added_to_an_unknown_group_says_one_message_and_leaves(
        app: App, emu: TelegramEmulator, fake: FakeTime) -> None:
    stranger = -3003
    async with RunningBot(app, fast_options(fake)):
        emu.add_bot_to_group(stranger, "Somebody else's group")
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="leaveChat")
        emu.add_bot_to_group(stranger, "Somebody else's group")  # re-added: no second message
        await emu.wait_for(lambda: len(emu.calls_of("leaveChat")) == 2, what="second leave")
    assert emu.sent_texts(stranger) == [render("common.unknown_chat")]
    assert emu.world.chats[stranger].bot_status == "left"


async def test_a_button_press_is_answered(app: App, emu: TelegramEmulator,
                                          fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_messages(GROUP), what="a bot message")
        card = emu.sent_messages(GROUP)[0]["message_id"]
        query_id = emu.press(GROUP, card, MEMBER, "nobody:handles:this")
        await emu.wait_for(lambda: emu.calls_of("answerCallbackQuery"), what="the answer")
    assert emu.world.callbacks[query_id]["answered"]["text"] == render("common.button_unknown")


async def test_offset_is_kept_in_the_database(app: App, emu: TelegramEmulator,
                                              fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hello")
        await emu.wait_for(lambda: not emu.pending_updates, what="the update confirmed")
        update_id = max(u["update_id"] for c in emu.calls_of("getUpdates") for u in c.result)

        async def stored() -> str | None:
            async with app.uow_factory() as uow:
                return await uow.state.get(OFFSET_KEY)

        for _ in range(50):
            if await stored() == str(update_id + 1):
                break
            await asyncio.sleep(0.02)
    assert await stored() == str(update_id + 1)


class Crash(BaseException):
    """Stands for the process being killed: nothing after it runs."""


async def test_processed_but_unconfirmed_update_is_not_acted_on_twice(
        tmp_path: Path, emu: TelegramEmulator, fake: FakeTime, clock: FakeClock) -> None:
    config = telegram_config(tmp_path, emu.api_base)
    first = await create_app(config, clock=clock, instance_id="first")
    real_process = first.pipeline.process_many

    async def process_then_die(events, **options):  # type: ignore[no-untyped-def]
        await real_process(events, **options)
        await first.pipeline.drain()  # its answer is sent; the process dies before confirming
        raise Crash

    first.pipeline.process_many = process_then_die  # type: ignore[method-assign]
    stop = asyncio.Event()
    from handlers.telegram.runner import run_telegram

    task = asyncio.create_task(run_telegram(first, stop, options=fast_options(fake)))
    emu.user_message(GROUP, MEMBER, "/help")
    with pytest.raises(Crash):
        await asyncio.wait_for(task, 5)
    assert emu.sent_texts(GROUP) == [render("common.help_member")]
    assert emu.pending_updates, "the update must still be unconfirmed"
    async with first.uow_factory() as uow:  # a killed process keeps its lease until it expires
        assert await uow.leases.acquire(LEASE_NAME, "first", clock.now(), 60)
        await uow.commit()
    await first.close()

    second = await create_app(config, clock=clock, instance_id="second")
    try:
        async with RunningBot(second, fast_options(fake)):
            await asyncio.sleep(0.2)
            assert emu.pending_updates, "the dead instance's lease must hold until it expires"
            clock.advance(timedelta(minutes=2))
            await emu.wait_for(lambda: not emu.pending_updates, what="redelivery confirmed")
            emu.user_message(GROUP, MEMBER, "/help")
            await emu.wait_for(lambda: len(emu.sent_texts(GROUP)) == 2, what="a new answer")
        assert emu.sent_texts(GROUP) == [render("common.help_member")] * 2
    finally:
        await second.close()


async def test_only_one_instance_polls(tmp_path: Path, emu: TelegramEmulator, fake: FakeTime,
                                       clock: FakeClock) -> None:
    config = telegram_config(tmp_path, emu.api_base)
    one = await create_app(config, clock=clock, instance_id="one")
    two = await create_app(config, clock=clock, instance_id="two", migrate=False)
    try:
        async with RunningBot(one, fast_options(fake)):
            emu.user_message(GROUP, MEMBER, "hello")
            await emu.wait_for(lambda: not emu.pending_updates, what="first instance polling")
            async with RunningBot(two, fast_options(fake, check_rights=False)):
                await asyncio.sleep(0.2)
                async with two.uow_factory() as uow:
                    assert not await uow.leases.acquire(LEASE_NAME, "two", clock.now(), 60)
        async with two.uow_factory() as uow:  # a clean stop released the lease
            assert await uow.leases.acquire(LEASE_NAME, "two", clock.now(), 60)
    finally:
        await one.close()
        await two.close()


async def test_database_outage_keeps_the_update_until_it_is_stored(
        app: App, emu: TelegramEmulator, fake: FakeTime) -> None:
    from sqlalchemy.exc import OperationalError

    real_process = app.pipeline.process_many
    failures = 2

    async def flaky(events, **options):  # type: ignore[no-untyped-def]
        nonlocal failures
        if failures:
            failures -= 1
            raise OperationalError("INSERT", {}, Exception("database is locked"))
        return await real_process(events, **options)

    app.pipeline.process_many = flaky  # type: ignore[method-assign]
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the answer after the outage")
    assert failures == 0
    assert emu.sent_texts(GROUP) == [render("common.help_member")]


async def test_an_update_that_keeps_failing_is_skipped_and_the_next_one_handled(
        app: App, emu: TelegramEmulator, fake: FakeTime) -> None:
    real_process = app.pipeline.process_many
    tries: list[str] = []

    async def buggy(events, **options):  # type: ignore[no-untyped-def]
        poisoned = [e.event_id for e in events if getattr(e, "text", "") == "poison"]
        if poisoned:
            tries.extend(poisoned)
            raise RuntimeError("a feature bug")
        return await real_process(events, **options)

    app.pipeline.process_many = buggy  # type: ignore[method-assign]
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "poison")
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the next update handled")
        await emu.wait_for(lambda: not emu.pending_updates, what="both confirmed")
    # one attempt as part of its batch, then three on its own: bounded, then skipped
    assert len(tries) == 4


async def test_attaching_telegram_keeps_another_networks_admin_source(
        app: App, emu: TelegramEmulator) -> None:
    from bot.core.chats import ChatRef
    from handlers.telegram.runner import attach_telegram

    class VkAdmins:
        async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
            return frozenset({"vk-admin"})

    app.admin_cache.set_source(VkAdmins())
    executor = attach_telegram(app)
    try:
        assert attach_telegram(app) is executor
        assert await app.admin_cache.admins(ChatRef("vk", "2000000001")) == {"vk-admin"}
        assert str(ADMIN) in await app.admin_cache.admins(ChatRef("telegram", str(GROUP)))
    finally:
        await executor.close()


async def test_a_command_for_another_bot_is_not_ours(app: App, emu: TelegramEmulator,
                                                     fake: FakeTime) -> None:
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help@other_bot")
        emu.user_message(GROUP, MEMBER, "/help@Modbot_Test_Bot")
        await emu.wait_for(lambda: not emu.pending_updates, what="both confirmed")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the answer to ours")
    assert emu.sent_texts(GROUP) == [render("common.help_member")]


async def test_a_server_without_delete_webhook_still_gets_polled(
        app: App, emu: TelegramEmulator, fake: FakeTime) -> None:
    emu.fail_next("deleteWebhook", times=10, status=404)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), timeout=15,
                           what="the answer despite deleteWebhook failing")
    assert emu.sent_texts(GROUP) == [render("common.help_member")]
