"""`python -m vk_emulator.child CONFIG INSTANCE OFFSET`: the VK adapter as a separate process,
so a test can kill -9 it mid-stream. OFFSET seconds shift its clock, so a restarted process
can already see a dead one's in-flight outbox items as stale (real life waits 5 minutes)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime, timedelta

from bot.app import create_app
from bot.config import load_config
from handlers.vk.runner import run_vk


class OffsetClock:
    def __init__(self, seconds: float) -> None:
        self.offset = timedelta(seconds=seconds)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def main(config_path: str, instance: str, offset: float) -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    app = await create_app(load_config(config_path), clock=OffsetClock(offset),
                           instance_id=instance)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await run_vk(app, stop)
    finally:
        await app.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
