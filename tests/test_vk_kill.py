"""kill -9 of a real adapter process mid-stream: nothing lost, nothing doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from pathlib import Path

from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT, vk_config_text, write_vk_config

TESTS = Path(__file__).parent


async def _spawn(config: Path, offset: float) -> asyncio.subprocess.Process:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(TESTS.parent), str(TESTS), os.environ.get("PYTHONPATH", "")])}
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "vk_emulator.child", str(config), "vk-proc", str(offset),
        env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def test_kill_9_mid_stream_then_restart_answers_every_message_exactly_once(
        emulator: VkEmulator, tmp_path: Path) -> None:
    config = write_vk_config(tmp_path, vk_config_text(emulator)).path
    first = await _spawn(config, 0)
    try:
        await emulator.wait_for(lambda: emulator.calls_to("longpoll.check"), timeout=30)
        asked = [emulator.post_message(CHAT, 1000 + i, "/help") for i in range(40)]
        await emulator.wait_for(lambda: len(emulator.sent(CHAT)) >= 8, timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)
        await first.wait()
    answered_before = len(emulator.sent(CHAT))
    assert answered_before < len(asked), "the kill came too late to test anything"
    # A restart 10 minutes "later": the dead process's in-flight sends count as stale.
    second = await _spawn(config, 600)
    try:
        await emulator.wait_for(
            lambda: {m.reply_to for m in emulator.sent(CHAT)} >= set(asked), timeout=60)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
    replies = Counter(m.reply_to for m in emulator.sent(CHAT) if m.reply_to is not None)
    assert replies == Counter(asked), "a member was answered twice or not at all"
