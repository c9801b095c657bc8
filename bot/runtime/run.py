"""`modbot run`: every configured network, the scheduler and housekeeping, until a signal."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from collections.abc import Coroutine
from typing import Any

from bot.app import App, create_app
from bot.config import LoadedConfig
from bot.logs import setup_logging
from bot.runtime.loops import run_housekeeping
from bot.runtime.pipeline import Pipeline

log = logging.getLogger(__name__)


async def warm_up(app: App) -> None:
    """Build every community's FAQ index before polling starts: the first build (and loading
    the sentence encoder) takes seconds and must not stall the first member's message."""
    faq = app.services.get("faq")
    if faq is None:
        return
    for community in app.config.app.community:
        async with app.uow_factory() as uow:
            await faq.book(community, uow)


async def run_bot(config: LoadedConfig, stop: asyncio.Event | None = None, *,
                  log_level: str | None = None) -> int:
    """``log_level`` (the command line's) wins over MODBOT_LOG_LEVEL, which wins over the
    config's `logging.level`: the quick "run it once at DEBUG" must not need a config edit."""
    level = log_level or os.environ.get("MODBOT_LOG_LEVEL") or config.app.logging.level
    setup_logging(level, secrets=config.secrets)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    app = await create_app(config)
    await warm_up(app)
    # One housekeeping loop for the process (the adapters' own loops are turned off), so
    # feature ticks such as the SLA re-announce run once per round, whatever is configured.
    tasks: list[Coroutine[Any, Any, None]] = [run_housekeeping(app.pipeline, stop),
                                               _stop_sending_on(stop, app.pipeline)]
    if config.app.telegram is not None:
        from handlers.telegram.runner import TelegramOptions, run_telegram

        tasks.append(run_telegram(app, stop, options=TelegramOptions(housekeeping=False)))
    if config.app.vk is not None:
        from handlers.vk.runner import run_vk

        tasks.append(run_vk(app, stop, housekeeping=False))
    try:
        from bot.runtime.scheduler_loop import run_scheduler
    except ImportError:
        pass
    else:
        tasks.append(run_scheduler(app, stop))
    log.info("event=bot.start instance=%s communities=%s", app.instance_id,
             ",".join(c.name for c in config.app.community))
    try:
        await asyncio.gather(*tasks)
    finally:
        await app.close()
        log.info("event=bot.stop")
    return 0


async def _stop_sending_on(stop: asyncio.Event, pipeline: Pipeline) -> None:
    """SIGTERM ends the sending of a backlog too (it waits in the outbox for the next start)."""
    await stop.wait()
    pipeline.request_stop()
