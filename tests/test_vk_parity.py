"""Parity: the same scenario through the Telegram and the VK adapter gives the same decisions.

Each adapter runs for real against its emulator; what is compared is what the core decided
and the pipeline delivered (action type, catalog key and parameters, reply or not, cleanup),
so a mapping difference at either edge (a lost reply target, a moderator not recognised,
a command not parsed) shows up as a mismatch.
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import TOKEN, FakeTime, fast_options
from tg_emulator.harness import RunningBot as TelegramBot
from vk_emulator import VkEmulator
from vk_emulator.harness import RunningBot as VkBot

from bot.app import App, create_app
from bot.config import LoadedConfig, load_config
from bot.core.actions import AnyAction, SendMessage
from bot.core.clock import FakeClock

TG_GROUP, VK_CHAT = -1001, 2_000_000_001
MEMBER, OTHER, MODERATOR = 111, 222, 900


def both_networks(folder: Path, tg: TelegramEmulator, vk: VkEmulator) -> LoadedConfig:
    folder.mkdir(parents=True, exist_ok=True)
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
        group_id = {vk.group_id}
        api_base = "{vk.api_base}"
        poll_wait = 1

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = ["telegram:{TG_GROUP}", "vk:{VK_CHAT}"]
        moderators = ["telegram:{MODERATOR}", "vk:{MODERATOR}"]
        """), encoding="utf-8")
    return load_config(path)


def decisions(app: App) -> list[tuple[Any, ...]]:
    """What was decided, without network-specific ids."""
    out: list[tuple[Any, ...]] = []
    for action, result in app.pipeline.delivered:
        assert result.ok, result.error
        out.append(_shape(action))
    return out


def _shape(action: AnyAction) -> tuple[Any, ...]:
    if isinstance(action, SendMessage):
        return ("SendMessage", action.text.key, dict(action.text.params),
                action.reply_to is not None, action.delete_after, action.buttons)
    return (type(action).__name__,)


@pytest.fixture
async def tg() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(TG_GROUP, title="Demo")
        yield emulator


@pytest.fixture
async def vk() -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    yield emulator
    await emulator.close()


async def test_help_refusal_and_moderator_help_match_across_networks(
        tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator, clock: FakeClock) -> None:
    pytest.importorskip("bot.features.moderation")  # /ban must exist to be refused
    # Telegram
    tg_app = await create_app(both_networks(tmp_path / "tg", tg, vk), clock=clock,
                              instance_id="tg")
    try:
        async with TelegramBot(tg_app, fast_options(FakeTime())):
            tg.user_message(TG_GROUP, MEMBER, "/help")
            spam = tg.user_message(TG_GROUP, OTHER, "spam")
            tg.user_message(TG_GROUP, MEMBER, "/ban", reply_to=spam["message_id"])
            tg.user_message(TG_GROUP, MODERATOR, "/help")
            await tg.wait_for(lambda: len(tg_app.pipeline.delivered) >= 3, timeout=10)
        tg_decisions = decisions(tg_app)
    finally:
        await tg_app.close()
    # VK, the same scenario (with VK's "!" prefix for the refused command)
    vk_bot = VkBot(both_networks(tmp_path / "vk", tg, vk), clock, vk, instance_id="vk")
    vk_app = await vk_bot.start()
    try:
        vk.post_message(VK_CHAT, MEMBER, "/help")
        spam_cmid = vk.post_message(VK_CHAT, OTHER, "spam")
        vk.post_message(VK_CHAT, MEMBER, "!ban", reply_to=spam_cmid)
        vk.post_message(VK_CHAT, MODERATOR, "/help")
        # a delivery is recorded after the emulator has the message: wait on the record, or
        # the last decision can be missed
        await vk.wait_for(lambda: len(vk_app.pipeline.delivered) >= 3)
        vk_decisions = decisions(vk_app)
    finally:
        await vk_bot.stop()
    assert [d[1] for d in tg_decisions] == ["common.help_member", "common.not_moderator",
                                            "common.help_moderator"]
    assert vk_decisions == tg_decisions


@pytest.mark.parametrize("vk_first", [True, False])
async def test_both_adapters_in_one_app_keep_each_networks_admins(
        tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator, clock: FakeClock,
        vk_first: bool) -> None:
    from bot.core.chats import ChatRef
    from handlers.telegram.runner import attach_telegram
    from handlers.vk.runner import attach_vk

    tg.group(TG_GROUP, title="Demo", admins=(700,))
    vk.set_admins(VK_CHAT, 321)
    app = await create_app(both_networks(tmp_path, tg, vk), clock=clock, instance_id="both")
    try:
        if vk_first:
            attach_vk(app)
            telegram = attach_telegram(app)
        else:
            telegram = attach_telegram(app)
            attach_vk(app)
        try:
            assert "700" in await app.admin_cache.admins(ChatRef("telegram", str(TG_GROUP)))
            # our own community is listed too: protected from its moderators' commands
            assert await app.admin_cache.admins(ChatRef("vk", str(VK_CHAT))) == frozenset(
                {"321", f"-{vk.group_id}"})
        finally:
            await telegram.close()
    finally:
        await app.close()
