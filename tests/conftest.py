"""Shared fixtures: a config on disk, an app on a temporary SQLite file, a fake clock."""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, QUEUE, TOKEN, FakeTime, telegram_config
from vk_emulator.server import VkEmulator

from bot.app import App, create_app
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock

DATA = Path(__file__).parent / "data"

#: The files whose tests run real `modbot` processes through outages of half a minute, longest
#: first (seconds of one worker, measured in session 14). `make test` hands tests out two at a
#: time (`--dist load --maxschedchunk 2`), so starting with these spreads them over the six
#: workers instead of leaving one worker with a minute-long test after the others are done.
SLOW_FILES = (
    "test_qa39_two_networks_one_process.py",  # 520 s
    "test_qa38_strict_complaints.py",  # 360 s
    "test_qa33_foreign_emulator.py",  # 264 s
    "test_qa34_foreign_deeper.py",  # 259 s
    "test_qa37_strict_commands.py",  # 243 s
    "test_qa35_vk_community_edges.py",  # 208 s
    "test_faq_quality.py",  # 64 s, most of it one model fit shared by its tests
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow files first (see SLOW_FILES); otherwise the collection's own order."""
    rank = {name: n for n, name in enumerate(SLOW_FILES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(SLOW_FILES)))

BASIC_CONFIG = """
[database]
url = "sqlite+aiosqlite:///modbot.db"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[vk]
token = "vk-test-token"
group_id = 42

[[community]]
name = "demo"
language = "en"
timezone = "Europe/Moscow"
chats = ["telegram:-1001", "vk:2000000001", "vk:wall"]
moderators = ["telegram:900"]
queue = "telegram:-2002"
"""


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a config.toml (dedented) into a temp folder and return its path."""

    def write(text: str, name: str = "config.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        return path

    return write


@pytest.fixture
def basic_config(write_config: Callable[[str], Path]) -> LoadedConfig:
    return load_config(write_config(BASIC_CONFIG))


@pytest.fixture
async def app(basic_config: LoadedConfig, clock: FakeClock) -> AsyncIterator[App]:
    built = await create_app(basic_config, clock=clock, instance_id="test")
    yield built
    await built.close()


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A fresh PostgreSQL database per test (CI starts a server; skipped without one)."""
    import os
    import uuid

    base = os.environ.get("MODBOT_TEST_PG_URL")
    if not base:
        pytest.skip("MODBOT_TEST_PG_URL not set (no PostgreSQL server)")
    import asyncpg

    plain = base.replace("postgresql+asyncpg://", "postgresql://")
    server, _, _ = plain.rpartition("/")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield base.rpartition("/")[0] + f"/{name}"
    admin = await asyncpg.connect(f"{server}/postgres")
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture
async def emulator(clock: FakeClock) -> AsyncIterator[VkEmulator]:
    """The VK API emulator on 127.0.0.1, for the VK wire tests; VK's clock is the test's."""
    emu = await VkEmulator().start()
    emu.clock = lambda: clock.now().timestamp()
    yield emu
    await emu.close()


@pytest.fixture
async def emu(clock: FakeClock) -> AsyncIterator[TelegramEmulator]:
    """The Bot API emulator with the community group and the queue chat, ADMIN admin in both;
    Telegram's clock is the test's."""
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()
        emulator.group(GROUP, title="Demo", admins=(ADMIN,))
        emulator.group(QUEUE, title="Queue", admins=(ADMIN,))
        yield emulator


@pytest.fixture
def fake() -> FakeTime:
    """Sleeps the Telegram runner asks for, recorded instead of waited."""
    return FakeTime()


@pytest.fixture
async def open_app() -> AsyncIterator[Callable[[LoadedConfig, FakeClock, str], Awaitable[App]]]:
    """create_app, with every app opened this way closed at teardown."""
    apps: list[App] = []

    async def open_one(config: LoadedConfig, clock: FakeClock, instance_id: str) -> App:
        built = await create_app(config, clock=clock, instance_id=instance_id)
        apps.append(built)
        return built

    yield open_one
    for built in apps:
        await built.close()


@pytest.fixture
def make_tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
                open_app: Callable[[LoadedConfig, FakeClock, str], Awaitable[App]]
                ) -> Callable[..., Awaitable[App]]:
    """An app on the Telegram emulator: ``make(instance="tg", lang="en", **telegram_config
    parts)``. The ``clock`` is the test module's own when it overrides the fixture."""

    async def make(instance: str = "tg", lang: str = "en", **config_parts: str) -> App:
        config = telegram_config(tmp_path, emu.api_base, **config_parts)
        if lang != "en":
            path = tmp_path / "config.toml"
            path.write_text(path.read_text(encoding="utf-8").replace(
                'language = "en"', f'language = "{lang}"'), encoding="utf-8")
            config = load_config(path)
        return await open_app(config, clock, instance)

    return make
