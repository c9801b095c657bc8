"""The VK adapter end to end: the real poller and executor over HTTP against the emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from tests.vk_emulator import VkEmulator
from tests.vk_emulator.harness import (
    CHAT,
    MEMBER,
    MODERATOR,
    RunningBot,
    vk_config_text,
    write_vk_config,
)


@pytest.fixture
async def emulator() -> AsyncIterator[VkEmulator]:
    emu = await VkEmulator().start()
    yield emu
    await emu.close()


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
