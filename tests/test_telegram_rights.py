"""The start-up rights check: one clear line per missing right, nothing when all is well."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiogram import Bot
from tg_emulator import TelegramEmulator
from tg_emulator.harness import GROUP, QUEUE, TOKEN, telegram_config

from bot.config import TelegramSettings
from handlers.telegram.client import build_bot
from handlers.telegram.rights import check_rights

CHANNEL = -1005
SECOND_GROUP = -1006

EXTRA = f"""
    [[community]]
    name = "news"
    language = "ru"
    chats = ["telegram:{CHANNEL}", "telegram:{SECOND_GROUP}"]
    """


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        yield emulator


@pytest.fixture
async def bot(emu: TelegramEmulator) -> AsyncIterator[Bot]:
    built = build_bot(TelegramSettings(token=TOKEN, api_base=emu.api_base))
    yield built
    await built.session.close()


async def test_all_rights_present_gives_no_problems(emu: TelegramEmulator, bot: Bot,
                                                    tmp_path: Path) -> None:
    emu.group(GROUP)
    emu.group(QUEUE, bot_status="member")  # the queue only needs the bot to post
    emu.group(CHANNEL, type="channel")
    emu.group(SECOND_GROUP)
    config = telegram_config(tmp_path, emu.api_base, tail=EXTRA)
    assert await check_rights(bot, config) == []


async def test_each_missing_right_is_one_line_and_one_warning(
        emu: TelegramEmulator, bot: Bot, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    emu.group(GROUP, can_restrict_members=False)
    emu.group(QUEUE, bot_status="left")
    emu.group(CHANNEL, type="channel", can_post_messages=False, can_delete_messages=False)
    emu.group(SECOND_GROUP, bot_status="member")
    config = telegram_config(tmp_path, emu.api_base, tail=EXTRA)
    with caplog.at_level(logging.WARNING):
        problems = await check_rights(bot, config)
    assert len(problems) == 5
    assert problems[0].startswith(f"telegram:{GROUP}: ") and "can_restrict_members" in problems[0]
    assert any(f"telegram:{CHANNEL}" in p and "can_post_messages" in p for p in problems)
    assert any(f"telegram:{CHANNEL}" in p and "can_delete_messages" in p for p in problems)
    assert any(f"telegram:{SECOND_GROUP}" in p and "administrator" in p for p in problems)
    assert any(f"telegram:{QUEUE}" in p and "member" in p for p in problems)
    warnings = [r.getMessage() for r in caplog.records
                if r.getMessage().startswith("event=telegram.missing_right")]
    assert len(warnings) == 5
    assert f"event=telegram.missing_right chat=telegram:{GROUP} right=can_restrict_members" \
        in warnings


async def test_unknown_chat_is_reported(emu: TelegramEmulator, bot: Bot,
                                        tmp_path: Path) -> None:
    emu.group(QUEUE)
    config = telegram_config(tmp_path, emu.api_base)
    (problem,) = await check_rights(bot, config)
    assert problem.startswith(f"telegram:{GROUP}:") and "chat not found" in problem
