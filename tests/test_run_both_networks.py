"""`modbot run` end to end: both adapters, the scheduler and housekeeping in one process,
against the local Bot API and VK emulators. A complaint filed on VK lands in the Telegram
queue, and the moderator's button there acts on VK."""

from __future__ import annotations

import asyncio
import textwrap
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN
from vk_emulator.server import VkEmulator

from bot.config import load_config
from bot.runtime.run import run_bot

TG_QUEUE = -2002
TG_MODERATOR = 700
VK_CHAT = 2_000_000_001
VK_MEMBER, VK_OFFENDER = 500, 501


@pytest.fixture
async def tg() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(TG_QUEUE, title="Queue", admins=(TG_MODERATOR,))
        yield emulator


@pytest.fixture
async def vk() -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    yield emulator
    await emulator.close()


def both_networks_config(folder: Path, tg: TelegramEmulator, vk: VkEmulator) -> Path:
    (folder / "faq.toml").write_text(textwrap.dedent("""
        [[faq]]
        id = "hours"
        lang = "en"
        questions = ["What are your opening hours?", "When are you open?"]
        answer = "Every day from 8:00 to 22:00."
        """), encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{tg.api_base}"
        poll_timeout = 1

        [vk]
        token = "{vk.token}"
        user_token = "{vk.user_token}"
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1

        [[community]]
        name = "club"
        language = "en"
        faq = "faq.toml"
        chats = ["vk:{VK_CHAT}"]
        queue = "telegram:{TG_QUEUE}"
        """), encoding="utf-8")
    return path


async def test_vk_report_is_handled_from_the_telegram_queue(
        tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator) -> None:
    config = load_config(both_networks_config(tmp_path, tg, vk))
    vk.screen_names[VK_MEMBER] = "vasya"
    stop = asyncio.Event()
    bot = asyncio.create_task(run_bot(config, stop))
    try:
        # VK, like the real one, delivers only events after the long-poll server was asked for
        await tg.wait_for(lambda: vk.calls_to("longpoll.check"), timeout=20,
                          what="the VK long poll")
        vk.post_message(VK_CHAT, VK_MEMBER, "When are you open?")
        await tg.wait_for(lambda: any("8:00 to 22:00" in m.text for m in vk.sent(VK_CHAT)),
                          timeout=20, what="the FAQ answer on VK")
        rude = vk.post_message(VK_CHAT, VK_OFFENDER, "you all are idiots, buy my stuff")
        vk.post_message(VK_CHAT, VK_MEMBER, "!report spam", reply_to=rude)
        await tg.wait_for(lambda: tg.sent_messages(TG_QUEUE), timeout=20,
                          what="the ticket card in the Telegram queue")
        card = tg.sent_messages(TG_QUEUE)[0]
        assert "#1" in card["text"] and "buy my stuff" in card["text"]
        # names come from users.get: the moderator sees people, not "id501"; a VK handle
        # is left out in Telegram, where "@vasya" would mention a Telegram account
        assert "Member 500 (vk:500)" in card["text"] and "@vasya" not in card["text"]
        assert "Member 501" in card["text"]
        ban = next(b["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
                   for b in row if b["callback_data"].startswith("t:ban:"))
        tg.press(TG_QUEUE, card["message_id"], TG_MODERATOR, ban)
        await tg.wait_for(lambda: vk.calls_to("groups.ban"), timeout=20,
                          what="the ban carried out on VK")
        assert vk.calls_to("groups.ban")[0].params["owner_id"] == str(VK_OFFENDER)
    finally:
        stop.set()
        assert await asyncio.wait_for(bot, 60) == 0
