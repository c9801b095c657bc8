"""QA55 probe (temporary)."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN
from tg_emulator.wire import wall_clock
from test_qa24_cross_queue import Bot as BothNetworks
from vk_emulator.server import VkEmulator

from bot.core.clock import FakeClock

VK_CHAT = 2_000_000_001
TG_QUEUE = -2002
TG_QUEUE_ADMIN = 701


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


async def test_probe_cross(tmp_path: Path, clock, emulator: VkEmulator) -> None:
    async with TelegramEmulator(TOKEN) as tg:
        tg.world.clock = lambda: clock.now().timestamp()
        tg.group(TG_QUEUE, title="Oak queue", admins=(TG_QUEUE_ADMIN,))
        emulator.real_names[777] = ("Spam", "King")
        emulator.screen_names[777] = "spam_king"
        emulator.real_names[500] = ("Vera", "Reporter")
        emulator.screen_names[500] = "vera_r"
        emulator.add_members(VK_CHAT, 777, 500)
        path = tmp_path / "config.toml"
        path.write_text(textwrap.dedent(f"""
            [database]
            url = "sqlite+aiosqlite:///modbot.db"
            [telegram]
            token = "{TOKEN}"
            api_base = "{tg.api_base}"
            poll_timeout = 1
            [vk]
            token = "{emulator.token}"
            user_token = "{emulator.user_token}"
            group_id = {emulator.group_id}
            api_base = "{emulator.api_base}"
            poll_wait = 1
            [[community]]
            name = "oak"
            language = "en"
            timezone = "UTC"
            chats = ["vk:{VK_CHAT}"]
            queue = "telegram:{TG_QUEUE}"
            audit = true
            """), encoding="utf-8")
        bot = await BothNetworks(path, clock, tg, emulator).start()
        try:
            bad = emulator.post_message(VK_CHAT, 777, "buy followers at spam.example")
            emulator.post_message(VK_CHAT, 500, "!report spam", reply_to=bad)
            await tg.wait_for(lambda: tg.sent_messages(TG_QUEUE), what="card")
            card = tg.sent_messages(TG_QUEUE)[0]
            cmd = tg.user_message(TG_QUEUE, TG_QUEUE_ADMIN, "/ban 1d spam", reply_to=card["message_id"])
            await emulator.wait_for(lambda: emulator.calls_to("groups.ban"))
            await tg.wait_for(lambda: len(tg.sent_texts(TG_QUEUE)) >= 3, what="more")
            cmd2 = tg.user_message(TG_QUEUE, TG_QUEUE_ADMIN, "/resolve 1 done")
            import asyncio
            await asyncio.sleep(3)
        finally:
            await bot.stop()
        for t in tg.sent_texts(TG_QUEUE):
            print("TGQ>>", repr(t))
        for c in tg.calls_of("editMessageText"):
            print("EDIT>>", repr(c.params.get("text")))
        for m in emulator.sent():
            print("VK>>", m.peer_id, repr(m.text))
