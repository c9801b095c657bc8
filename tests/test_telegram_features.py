"""Feature scenarios through the real Telegram adapter and the emulator, one per feature.

Each is skipped while its feature module is absent, so the adapter can land first.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    FakeTime,
    RunningBot,
    fast_options,
)

from bot.app import App
from bot.core.clock import FakeClock
from bot.core.texts import Text
from bot.texts import catalog


def render(key: str, **params: object) -> str:
    return catalog().render(Text(key, params), "en")


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    return functools.partial(make_tg_app, "features")


async def test_a_members_ban_is_refused_once(make_app, emu: TelegramEmulator) -> None:
    pytest.importorskip("bot.features.moderation")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hi all")
        emu.user_message(GROUP, MEMBER, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the refusal")
        emu.user_message(GROUP, MEMBER, "/ban", reply_to=target["message_id"])
        last = emu.user_message(GROUP, MEMBER, "ok then")
        await emu.wait_for(lambda: not emu.pending_updates, what="all processed")
    assert emu.sent_texts(GROUP) == [render("common.not_moderator", command="/ban")]
    assert not emu.calls_of("banChatMember")
    assert last["message_id"]


async def test_a_moderators_ban_bans_through_the_bot_api(make_app,
                                                          emu: TelegramEmulator) -> None:
    pytest.importorskip("bot.features.moderation")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "spam spam")
        emu.user_message(GROUP, ADMIN, "/ban 1d", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == OTHER_MEMBER
    assert emu.world.chats[GROUP].members[OTHER_MEMBER]["status"] == "kicked"


async def test_an_obscene_message_is_deleted_and_its_author_warned(
        make_app, emu: TelegramEmulator) -> None:
    pytest.importorskip("bot.features.moderation")
    pytest.importorskip("filters.obscenity")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        rude = emu.user_message(GROUP, MEMBER, "you are a fucking idiot", first_name="Bob")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deletion")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the warning")
    (notice,) = emu.sent_texts(GROUP)
    assert render("moderation.reason.obscene") in notice
    assert "Bob" in notice


async def test_a_question_is_answered_from_the_faq(make_app, emu: TelegramEmulator,
                                                   tmp_path: Path) -> None:
    pytest.importorskip("bot.features.faq")
    from bot.core.faq.entries import FaqEntry, dump_faq_file

    (tmp_path / "faq.toml").write_text(dump_faq_file([
        FaqEntry("pay", "en", ("How do I pay for the course?", "Can I pay by card?"),
                 "Pay by card on the website or by bank transfer."),
        FaqEntry("lessons", "en", ("When are the lessons?",),
                 "Lessons are on Tuesdays and Thursdays at 7 pm."),
    ]), encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(FakeTime())):
        asked = emu.user_message(GROUP, MEMBER, "How do I pay for the course?")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the FAQ answer")
    (answer,) = emu.sent_texts(GROUP)
    assert "Pay by card on the website or by bank transfer." in answer
    (call,) = emu.calls_of("sendMessage")
    assert call.params["reply_parameters"]["message_id"] == asked["message_id"]


def _button(message: dict, prefix: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


async def test_report_claim_resolve_and_the_reporter_is_told(make_app,
                                                             emu: TelegramEmulator) -> None:
    pytest.importorskip("bot.features.complaints")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(MEMBER, MEMBER, "/start")  # the reporter has talked to the bot
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="the greeting")
        rude = emu.user_message(GROUP, OTHER_MEMBER, "buy cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report spam", reply_to=rude["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the queue card")
        (card,) = emu.sent_messages(QUEUE)
        assert "#1" in card["text"]
        emu.press(QUEUE, card["message_id"], ADMIN, _button(card, "t:claim:"))
        await emu.wait_for(lambda: "t:claim:" not in str(card.get("reply_markup")),
                           what="the card edited after Claim")
        emu.press(QUEUE, card["message_id"], ADMIN, _button(card, "t:resolve:"))
        outcome = render("complaints.outcome_resolved", number=1, note="")
        await emu.wait_for(lambda: outcome in emu.sent_texts(MEMBER), what="the outcome")
    answers = [q["answered"] for q in emu.world.callbacks.values()]
    assert len(answers) == 2 and all(answers)
    assert render("complaints.state_resolved") in card["text"]
    acks = [t for t in emu.sent_texts(GROUP) if "#1" in t]
    assert len(acks) == 1, "exactly one acknowledgement per report"


async def test_a_scheduled_post_is_published_once(make_app, emu: TelegramEmulator,
                                                  clock: FakeClock) -> None:
    pytest.importorskip("bot.features.schedule")
    from bot.features.schedule import service_for

    at = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    app = await make_app(tail=f"""
        [[community.schedule]]
        at = "{at}"
        text = "Open lesson tonight at 19:00"
        """)
    async with RunningBot(app, fast_options(FakeTime())):
        service = service_for(app)
        await service.run_due(clock.now())
        assert emu.sent_texts(GROUP) == []
        clock.advance(timedelta(minutes=6))
        await service.run_due(clock.now())
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the post")
        await service.run_due(clock.now())
    assert emu.sent_texts(GROUP) == ["Open lesson tonight at 19:00"]


async def test_a_post_scheduled_from_a_forum_topic_goes_to_that_topic(
        make_app, emu: TelegramEmulator, clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, ADMIN, "/schedule in 1h Stream in this topic", thread_id=42)
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the confirmation")
        clock.advance(timedelta(minutes=61))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: "Stream in this topic" in emu.sent_texts(GROUP),
                           what="the post")
    [post] = [c for c in emu.calls_of("sendMessage")
              if c.result["text"] == "Stream in this topic"]
    assert post.params.get("message_thread_id") == 42


async def test_a_config_post_may_name_a_forum_topic(make_app, emu: TelegramEmulator,
                                                    clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    at = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    app = await make_app(tail=f"""
        [[community.schedule]]
        at = "{at}"
        text = "Rules of the topic"
        chats = ["telegram:{GROUP}/7"]
        """)
    async with RunningBot(app, fast_options(FakeTime())):
        clock.advance(timedelta(minutes=6))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the post")
    [post] = emu.calls_of("sendMessage")
    assert (post.result["text"], post.params.get("message_thread_id")) == ("Rules of the topic", 7)
