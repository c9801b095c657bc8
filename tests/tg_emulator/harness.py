"""Test plumbing around the emulator: a config pointing at it, fake time, a running adapter."""

from __future__ import annotations

import asyncio
import textwrap
from pathlib import Path
from types import TracebackType

from bot.app import App
from bot.config import LoadedConfig, load_config
from handlers.telegram.executor import RetryPolicy
from handlers.telegram.runner import TelegramOptions, run_telegram

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
GROUP = -1001  # the community's chat
QUEUE = -2002  # its complaint queue
ADMIN = 700  # an admin of GROUP (per getChatAdministrators)
LISTED_MODERATOR = 900  # in the config's moderators list
MEMBER = 111
OTHER_MEMBER = 222


def telegram_config(folder: Path, api_base: str, *, extra_telegram: str = "",
                    extra_community: str = "", tail: str = "",
                    db_name: str = "modbot.db", poll_timeout: int = 1) -> LoadedConfig:
    text = textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///{db_name}"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = {poll_timeout}
        """) + textwrap.dedent(extra_telegram) + textwrap.dedent(f"""

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = ["telegram:{GROUP}"]
        moderators = ["telegram:{LISTED_MODERATOR}"]
        queue = "telegram:{QUEUE}"
        """) + textwrap.dedent(extra_community) + textwrap.dedent(tail)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


class FakeTime:
    """Monotonic time and sleeps the executor uses, without waiting for real."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def fast_options(fake: FakeTime, **overrides: object) -> TelegramOptions:
    options = TelegramOptions(sleeper=fake.sleep, monotonic=fake.monotonic,
                              policy=RetryPolicy(), lease_retry=0.05, poll_error_delay=0.05,
                              housekeeping_period=0.05, update_retry_delay=0.01)
    for key, value in overrides.items():
        setattr(options, key, value)
    return options


class RunningBot:
    """`async with RunningBot(app, options):` runs the adapter in a task and stops it after."""

    def __init__(self, app: App, options: TelegramOptions) -> None:
        self.app = app
        self.options = options
        self.stop = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> RunningBot:
        self.task = asyncio.create_task(run_telegram(self.app, self.stop, options=self.options))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        self.stop.set()
        assert self.task is not None
        if exc_type is None:
            await asyncio.wait_for(self.task, 10)
        else:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
