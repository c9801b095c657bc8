"""Feature scenarios on VK, end to end through the real poller and executor (emulator).

Each is guarded by its feature module, so it runs as soon as that feature lands.
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from vk_emulator import VkEmulator
from vk_emulator.harness import (
    CHAT,
    MEMBER,
    MODERATOR,
    QUEUE,
    RunningBot,
    vk_config_text,
    write_vk_config,
)

from bot.core.clock import FakeClock

OBSCENE = "Блядь, ну кто так строит?"  # tests/data/profanity/samples.jsonl prof-0002
FAQ = """
[[faq]]
id = "price"
lang = "en"
questions = ["How much does the course cost?", "What is the price of the course?"]
answer = "The course costs 500 rub per month."
"""


async def _run(emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
               community_extra: str = "") -> RunningBot:
    (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ), encoding="utf-8")
    config = write_vk_config(tmp_path, vk_config_text(
        emulator, community_extra='faq = "faq.toml"\n' + community_extra))
    running = RunningBot(config, clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = await _run(emulator, tmp_path, clock)
    yield running
    await running.stop()


async def test_obscene_chat_message_is_deleted(emulator: VkEmulator, bot: RunningBot) -> None:
    pytest.importorskip("bot.features.moderation")
    pytest.importorskip("filters.obscenity")
    cmid = emulator.post_message(CHAT, MEMBER, OBSCENE)
    delete = await emulator.wait_calls("messages.delete")
    assert (delete[0]["peer_id"], delete[0]["cmids"], delete[0]["delete_for_all"]) == (
        str(CHAT), str(cmid), "1")
    assert emulator.peer(CHAT).messages[0].deleted


async def test_obscene_wall_comment_is_deleted(emulator: VkEmulator, bot: RunningBot) -> None:
    pytest.importorskip("bot.features.moderation")
    pytest.importorskip("filters.obscenity")
    comment = emulator.post_comment(10, MEMBER, OBSCENE)
    delete = await emulator.wait_calls("wall.deleteComment")
    assert (delete[0]["owner_id"], delete[0]["comment_id"]) == ("-42", str(comment))
    assert emulator.comments[comment]["deleted"]


async def test_a_question_in_a_chat_is_answered(emulator: VkEmulator, bot: RunningBot) -> None:
    pytest.importorskip("bot.features.faq")
    cmid = emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "500 rub" in sent[0].text and sent[0].reply_to == cmid


async def test_a_question_under_a_post_is_answered_by_a_wall_reply(
        emulator: VkEmulator, bot: RunningBot) -> None:
    pytest.importorskip("bot.features.faq")
    comment = emulator.post_comment(10, MEMBER, "How much does the course cost?")
    call = (await emulator.wait_calls("wall.createComment"))[0]
    assert (call["post_id"], call["reply_to_comment"], call["from_group"]) == (
        "10", str(comment), "42")
    assert "500 rub" in call["message"]


async def test_bang_report_files_a_ticket_in_the_queue(emulator: VkEmulator,
                                                       bot: RunningBot) -> None:
    pytest.importorskip("bot.features.complaints")
    bad = emulator.post_message(CHAT, 777, "buy cheap followers at spam.example")
    emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
    card = await emulator.wait_for(lambda: emulator.sent(QUEUE))
    assert "#1" in card[0].text
    assert card[0].keyboard and card[0].keyboard["buttons"]
    ack = await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "#1" in m.text])
    assert len(ack) == 1


async def test_a_non_moderators_bang_ban_is_refused(emulator: VkEmulator,
                                                    bot: RunningBot) -> None:
    pytest.importorskip("bot.features.moderation")
    bad = emulator.post_message(CHAT, 777, "hello")
    emulator.post_message(CHAT, MEMBER, "!ban", reply_to=bad)
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "only moderators" in sent[0].text
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")


async def test_a_moderators_bang_ban_bans_from_the_community(emulator: VkEmulator,
                                                            bot: RunningBot) -> None:
    pytest.importorskip("bot.features.moderation")
    emulator.add_members(CHAT, 777)
    bad = emulator.post_message(CHAT, 777, "hello")
    emulator.post_message(CHAT, MODERATOR, "!ban 1d spam", reply_to=bad)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == "777" and ban.token == "user" and "end_date" in ban.params


async def test_a_scheduled_wall_post_is_published(emulator: VkEmulator, tmp_path: Path,
                                                  clock: FakeClock) -> None:
    pytest.importorskip("bot.features.schedule")
    # The clock starts at 2026-03-02 09:00 UTC = 12:00 in Moscow.
    running = await _run(emulator, tmp_path, clock, textwrap.dedent("""
        [[community.schedule]]
        at = "2026-03-02 12:30"
        text = "Open lesson tonight at 19:00"
        chats = ["vk:wall"]
        """))
    from bot.features.schedule import service_for

    assert running.app is not None
    service = service_for(running.app)  # `modbot run` drives it with run_scheduler
    try:
        await service.start(clock.now())
        await service.run_due(clock.now())
        assert not emulator.calls_to("wall.post")
        clock.advance(timedelta(minutes=31))
        await service.run_due(clock.now())
        post = (await emulator.wait_calls("wall.post"))[0]
        assert post["message"] == "Open lesson tonight at 19:00"
        assert post["from_group"] == "1" and post["owner_id"] == "-42"
        clock.advance(timedelta(minutes=5))
        await service.run_due(clock.now())
    finally:
        await running.stop()
    assert len(emulator.posts) == 1


async def test_a_moderator_takes_a_ticket_with_the_cards_button_and_the_card_is_edited(
        emulator: VkEmulator, bot: RunningBot) -> None:
    pytest.importorskip("bot.features.complaints")
    import json

    bad = emulator.post_message(CHAT, 777, "buy cheap followers at spam.example")
    emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
    card = (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]
    assert card.keyboard is not None
    first = card.keyboard["buttons"][0][0]["action"]
    emulator.press(QUEUE, MODERATOR, card.cmid, json.loads(first["payload"])["d"])
    edit = (await emulator.wait_calls("messages.edit"))[0]
    assert (edit["peer_id"], edit["conversation_message_id"]) == (str(QUEUE), str(card.cmid))
    await emulator.wait_calls("messages.sendMessageEventAnswer")
    assert card.text != "" and emulator.sent(QUEUE)[0].text == edit["message"]
