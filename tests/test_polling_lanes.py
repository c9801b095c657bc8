"""Long polling with per-chat lanes: a batch's actions go out in the background, so the next
getUpdates (Telegram) or long poll (VK) does not wait for them. A Bot API or VK call held
for one chat (a congested proxy, a chat's pace wait) must not keep another chat's swear word
in place, and the held reply still goes out once, when the API lets it go.

Slowness is an asyncio.Event gate the test opens: no sleeps for timing.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT, vk_config_text, write_vk_config
from vk_emulator.harness import RunningBot as VkRunningBot

from bot.core.clock import FakeClock

OTHER_GROUP = -1003
SWEAR = "ну ты и пиздец"


class HeldSendTelegram(TelegramEmulator):
    """sendMessage waits for `gate` while it is closed (the bot's replies are slow to go)."""

    gate: asyncio.Event | None = None
    held = 0

    async def _http(self, request: web.Request) -> web.Response:
        if self.gate is not None and not self.gate.is_set() and \
                request.match_info["method"] == "sendMessage":
            self.held += 1
            await self.gate.wait()
        return await super()._http(request)


class HeldSendVk(VkEmulator):
    """messages.send waits for `gate` while it is closed."""

    gate: asyncio.Event | None = None
    held = 0

    async def _api(self, request: web.Request) -> web.Response:
        if self.gate is not None and not self.gate.is_set() and \
                request.match_info["method"] == "messages.send":
            self.held += 1
            await self.gate.wait()
        return await super()._api(request)


def _replies_to(emu: TelegramEmulator, chat: int, message_id: int) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(chat)
            if (m.get("reply_to_message") or {}).get("message_id") == message_id]


async def test_telegram_polling_deletes_in_one_group_while_a_reply_in_another_is_held(
        tmp_path: Path, clock: FakeClock, open_app) -> None:
    """A /help in one group, its reply held by a slow Bot API; a swear word in another group
    is read by the next getUpdates and deleted meanwhile. Waiting for the held reply before
    the next poll left every chat's moderation stalled behind one slow send."""
    async with HeldSendTelegram(TOKEN) as emu:
        emu.world.clock = lambda: clock.now().timestamp()
        for chat, title in ((GROUP, "Demo"), (OTHER_GROUP, "Other"), (QUEUE, "Queue")):
            emu.group(chat, title=title, admins=(ADMIN,))
        config = telegram_config(tmp_path, emu.api_base, tail=f"""
            [[community]]
            name = "other"
            language = "ru"
            timezone = "UTC"
            chats = ["telegram:{OTHER_GROUP}"]
            """)
        app = await open_app(config, clock, "polling-lanes")
        emu.gate = asyncio.Event()
        async with RunningBot(app, fast_options(FakeTime())):
            question = emu.user_message(GROUP, MEMBER, "/help")
            await emu.wait_for(lambda: emu.held, what="the /help reply held at the Bot API")
            swear = emu.user_message(OTHER_GROUP, OTHER_MEMBER, SWEAR)
            try:
                await emu.wait_for(lambda: emu.is_deleted(OTHER_GROUP, swear["message_id"]),
                                   timeout=30, what="the other group's delete")
                deleted_while_held = True
            except (AssertionError, TimeoutError):
                deleted_while_held = False
            emu.gate.set()
            await emu.wait_for(lambda: _replies_to(emu, GROUP, question["message_id"]),
                               what="the reply once the API lets it go")
            await emu.wait_for(lambda: emu.is_deleted(OTHER_GROUP, swear["message_id"]),
                               what="the delete in the end")
    assert deleted_while_held, "the other group's swear word waited for the held reply"
    assert len(_replies_to(emu, GROUP, question["message_id"])) == 1


async def test_vk_long_poll_deletes_a_wall_comment_while_a_chat_reply_is_held(
        tmp_path: Path, clock: FakeClock) -> None:
    """The same on VK: a chat's /help reply held by a slow messages.send, a swear word in a
    wall comment read by the next long poll and deleted meanwhile; the reply goes out once."""
    emu = await HeldSendVk().start()
    emu.clock = lambda: clock.now().timestamp()
    bot = VkRunningBot(write_vk_config(tmp_path, vk_config_text(emu)), clock, emu)
    try:
        emu.gate = asyncio.Event()
        await bot.start()
        emu.post_message(CHAT, 500, "/help")
        await emu.wait_for(lambda: emu.held)
        comment = emu.post_comment(1, 501, SWEAR)
        try:
            await emu.wait_for(lambda: emu.comments[comment]["deleted"], timeout=30)
            deleted_while_held = True
        except (AssertionError, TimeoutError):
            deleted_while_held = False
        emu.gate.set()
        await emu.wait_for(lambda: emu.sent(CHAT))
        await emu.wait_for(lambda: emu.comments[comment]["deleted"])
        assert deleted_while_held, "the wall comment's delete waited for the held chat reply"
        assert len(emu.sent(CHAT)) == 1
    finally:
        if emu.gate is not None:
            emu.gate.set()
        await bot.stop()
        await emu.close()
