"""Webhook mode: the emulator POSTs updates to the bot; the secret header is enforced."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
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

SECRET = "s3cret-Token_1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(GROUP, title="Demo")
        emulator.group(QUEUE, title="Queue")
        yield emulator


@pytest.fixture
def hook_url() -> str:
    return f"http://127.0.0.1:{free_port()}/tg/hook"


@pytest.fixture
async def app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
              hook_url: str) -> AsyncIterator[App]:
    port = hook_url.split(":")[2].split("/")[0]
    config = telegram_config(tmp_path, emu.api_base, extra_telegram=f"""
        mode = "webhook"
        webhook_url = "{hook_url}"
        webhook_listen = "127.0.0.1:{port}"
        webhook_secret = "{SECRET}"
        """)
    built = await create_app(config, clock=clock, instance_id="hook")
    yield built
    await built.close()


async def test_updates_arrive_by_webhook_and_are_answered(app: App, emu: TelegramEmulator,
                                                          hook_url: str) -> None:
    async with RunningBot(app, fast_options(FakeTime())):
        await emu.wait_for(lambda: emu.webhook is not None, what="setWebhook")
        assert emu.webhook == {"url": hook_url, "secret_token": SECRET}
        emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="the answer")
        await emu.wait_for(lambda: not emu.pending_updates, what="the delivery confirmed")
    help_text = catalog().render(Text("common.help_member"), "en")
    assert emu.sent_texts(GROUP) == [help_text]
    assert [status for _, status in emu.webhook_deliveries] == [200]


async def test_wrong_or_missing_secret_is_refused(app: App, emu: TelegramEmulator,
                                                  hook_url: str) -> None:
    update = {"update_id": 77, "message": {
        "message_id": 5, "date": 1772442000, "text": "/help",
        "chat": {"id": GROUP, "type": "supergroup", "title": "Demo"},
        "from": {"id": MEMBER, "is_bot": False, "first_name": "M"}}}
    async with RunningBot(app, fast_options(FakeTime())):
        await emu.wait_for(lambda: emu.webhook is not None, what="setWebhook")
        async with aiohttp.ClientSession() as http:
            for headers in ({"X-Telegram-Bot-Api-Secret-Token": "guess"}, {}):
                async with http.post(hook_url, json=update, headers=headers) as response:
                    assert response.status == 403
            right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            async with http.post(hook_url, json=update, headers=right) as response:
                assert response.status == 200
            async with http.post(hook_url, data=b"{not json", headers=right) as response:
                assert response.status == 200  # logged and dropped: a resend cannot fix it
    assert len(emu.sent_texts(GROUP)) == 1, "only the authentic update was acted on"
