"""Runs the real VK adapter (`run_vk`) against the emulator, for tests."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import textwrap
from pathlib import Path

from bot.app import App, create_app
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock
from vk_emulator.server import VkEmulator

CHAT = 2_000_000_001
QUEUE = 2_000_000_002
MODERATOR = 900
MEMBER = 500


def vk_config_text(emulator: VkEmulator, *, user_token: bool = True, extra: str = "",
                   community_extra: str = "", telegram: bool = False, poll_wait: int = 1) -> str:
    token_line = f'user_token = "{emulator.user_token}"' if user_token else ""
    tg = ('[telegram]\ntoken = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"\n'
          if telegram else "")
    chats = '"vk:2000000001", "vk:wall"' + (', "telegram:-1001"' if telegram else "")
    return textwrap.dedent(f"""\
        [database]
        url = "sqlite+aiosqlite:///modbot.db"
        {tg}
        [vk]
        token = "{emulator.token}"
        group_id = {emulator.group_id}
        {token_line}
        api_base = "{emulator.api_base}"
        poll_wait = {poll_wait}
        {extra}

        [[community]]
        name = "demo"
        language = "en"
        timezone = "Europe/Moscow"
        chats = [{chats}]
        moderators = ["vk:{MODERATOR}"]
        queue = "vk:{QUEUE}"
        {community_extra}
        """)


def write_vk_config(folder: Path, text: str) -> LoadedConfig:
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


class Sleeps:
    """An injectable sleeper: records the delays asked for and only yields to the loop."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)
        await asyncio.sleep(0.005)


class RunningBot:
    """`run_vk` in a task, with start/stop like a process (the database file survives)."""

    def __init__(self, config: LoadedConfig, clock: FakeClock, emulator: VkEmulator,
                 instance_id: str = "vk-test") -> None:
        self.config = config
        self.emulator = emulator
        self.clock = clock
        self.instance_id = instance_id
        self.sleeps = Sleeps()
        self.app: App | None = None
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self, *, wait_polling: bool = True) -> App:
        """Start the adapter; by default return once it is waiting on the long poll, so a
        message posted next is not older than the ts a fresh start takes."""
        from handlers.vk.runner import run_vk

        self.app = await create_app(self.config, clock=self.clock, instance_id=self.instance_id)
        self._stop = asyncio.Event()
        before = len(self.emulator.calls_to("longpoll.check"))
        self._task = asyncio.create_task(run_vk(self.app, self._stop, sleeper=self.sleeps))
        if wait_polling:
            await self.emulator.wait_for(
                lambda: len(self.emulator.calls_to("longpoll.check")) > before)
        return self.app

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 30)
        if self.app is not None:
            await self.app.close()

    async def kill(self) -> None:
        """Like kill -9: cancel mid-flight, no clean shutdown, no lease release."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self.app is not None:
            await self.app.close()


def after_crash(config: LoadedConfig) -> LoadedConfig:
    """The config a restarted process would see after ``RunningBot.kill``, on a copy of the
    database as the crash left it (the file and its WAL: committed transactions only).

    In one process a task cancelled in the middle of a statement can leave its SQLite
    connection open with a write transaction that only a real process exit would end; a
    restart on the same file then waits for that lock. A copy is what the disk holds."""
    database = config.base_dir / "modbot.db"
    copy = config.base_dir / "modbot-after-crash.db"
    for suffix in ("", "-wal"):
        source = Path(f"{database}{suffix}")
        if source.exists():
            shutil.copyfile(source, f"{copy}{suffix}")
    text = config.path.read_text(encoding="utf-8")
    assert "sqlite+aiosqlite:///modbot.db" in text, "after_crash knows the harness's database"
    text = text.replace("sqlite+aiosqlite:///modbot.db", "sqlite+aiosqlite:///modbot-after-crash.db")
    path = config.base_dir / "config-after-crash.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)
