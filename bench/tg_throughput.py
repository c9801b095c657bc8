"""Telegram intake throughput: the full pipeline vs a bare aiogram handler, same emulator, same run.

    python bench/tg_throughput.py [--updates 2000] [--rounds 3]

"full": modbot's own polling loop, each update mapped, decided by the core with every feature
installed, committed to SQLite (decision + outbox + processed mark) before it is confirmed.
"bare": aiogram's Dispatcher.start_polling with a message handler that does nothing. Both read
the same kind of plain member messages from the local Bot API emulator (tests/tg_emulator).
Prints updates/second for each and the ratio full/bare (target ≥ 0.6). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from aiogram import Bot, Dispatcher  # noqa: E402
from aiogram.client.session.aiohttp import AiohttpSession  # noqa: E402
from aiogram.client.telegram import TelegramAPIServer  # noqa: E402
from aiogram.types import Message  # noqa: E402
from tg_emulator import TelegramEmulator  # noqa: E402

from bot.app import create_app  # noqa: E402
from bot.config import load_config  # noqa: E402
from handlers.telegram.runner import TelegramOptions, run_telegram  # noqa: E402

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
GROUP = -1001


def inject(emu: TelegramEmulator, count: int, round_no: int) -> None:
    """Plain chatter from many members: nothing the features act on, all of it looked at."""
    for n in range(count):
        emu.user_message(GROUP, 100_000 + round_no * count + n,
                         f"good morning everyone, message {n} of round {round_no}")


async def wait_drained(emu: TelegramEmulator, timeout: float = 300.0) -> None:
    await emu.wait_for(lambda: not emu.pending_updates, timeout=timeout, what="all confirmed")


async def run_full(emu: TelegramEmulator, folder: Path, count: int, round_no: int) -> float:
    config_path = folder / f"config-{round_no}.toml"
    config_path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///bench-{round_no}.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{emu.api_base}"
        poll_timeout = 1

        [[community]]
        name = "bench"
        language = "en"
        chats = ["telegram:{GROUP}"]
        """), encoding="utf-8")
    app = await create_app(load_config(config_path), instance_id=f"bench-{round_no}")
    stop = asyncio.Event()
    polls = emu.request_counts.get("getUpdates", 0)
    task = asyncio.create_task(run_telegram(app, stop, options=TelegramOptions()))
    try:
        await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) > polls,
                           timeout=30, what="the first poll")
        inject(emu, count, round_no)
        started = time.perf_counter()
        await wait_drained(emu)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        await task
        await app.close()
    return count / elapsed


async def run_core_only(folder: Path, count: int, round_no: int) -> float:
    """The same chatter handed to `pipeline.process` directly: the adapter's share is the gap
    between this and "full"."""
    from datetime import UTC, datetime

    from bot.core.chats import ChatRef, UserRef
    from bot.core.events import Author, IncomingMessage

    config_path = folder / f"core-{round_no}.toml"
    config_path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///core-{round_no}.db"

        [[community]]
        name = "bench"
        language = "en"
        chats = ["console:bench"]
        """), encoding="utf-8")
    app = await create_app(load_config(config_path), instance_id=f"core-{round_no}")
    chat = ChatRef("console", "bench")
    events = [IncomingMessage(
        event_id=f"console:bench:{n}", chat=chat, message_id=str(n),
        author=Author(UserRef("console", str(100_000 + n)), f"User{n}"),
        text=f"good morning everyone, message {n} of round {round_no}",
        date=datetime.now(UTC)) for n in range(count)]
    try:
        started = time.perf_counter()
        for event in events:
            await app.pipeline.process(event)
        elapsed = time.perf_counter() - started
    finally:
        await app.close()
    return count / elapsed


async def run_bare(emu: TelegramEmulator, count: int, round_no: int) -> float:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(emu.api_base)))
    dispatcher = Dispatcher()
    handled = 0

    @dispatcher.message()
    async def nothing(message: Message) -> None:
        nonlocal handled
        handled += 1

    polls = emu.request_counts.get("getUpdates", 0)
    task = asyncio.create_task(dispatcher.start_polling(bot, polling_timeout=1,
                                                        handle_signals=False))
    try:
        await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) > polls,
                           timeout=30, what="the first poll")
        inject(emu, count, round_no)
        started = time.perf_counter()
        await wait_drained(emu)
        await emu.wait_for(lambda: handled >= count, timeout=60, what="all handled")
        elapsed = time.perf_counter() - started
    finally:
        await dispatcher.stop_polling()
        await task
        await bot.session.close()
    return count / elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    full: list[float] = []
    bare: list[float] = []
    core: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        async with TelegramEmulator(TOKEN, max_long_poll=1.0) as emu:
            emu.group(GROUP, title="Bench")
            for round_no in range(args.rounds):
                bare.append(await run_bare(emu, args.updates, 2 * round_no))
                full.append(await run_full(emu, Path(tmp), args.updates, 2 * round_no + 1))
                core.append(await run_core_only(Path(tmp), args.updates, round_no))
                print(f"round {round_no + 1}: bare {bare[-1]:8.0f} upd/s   "
                      f"full {full[-1]:8.0f} upd/s   core only {core[-1]:8.0f} ev/s",
                      flush=True)
    bare_rate, full_rate = statistics.median(bare), statistics.median(full)
    core_rate = statistics.median(core)
    print(f"bare aiogram handler : {bare_rate:8.0f} updates/s (median of {args.rounds})")
    print(f"full modbot pipeline : {full_rate:8.0f} updates/s (median of {args.rounds})")
    print(f"ratio full/bare      : {full_rate / bare_rate:8.2f}  (target >= 0.6)")
    print(f"core pipeline alone  : {core_rate:8.0f} events/s  (no Telegram: process() only;"
          f" full/core = {full_rate / core_rate:.2f})")


if __name__ == "__main__":
    asyncio.run(main())
