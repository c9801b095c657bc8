"""Background work every running bot needs: delayed outbox items and feature ticks."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from bot.runtime.pipeline import Pipeline

log = logging.getLogger(__name__)


async def run_housekeeping(pipeline: Pipeline, stop: asyncio.Event, interval: float = 1.0) -> None:
    """Drain due outbox items (retries, notice deletions) and run feature ticks (SLA, …).

    One failing round is logged and the loop goes on: housekeeping must never die quietly.
    """
    while not stop.is_set():
        try:
            await pipeline.tick()
        except Exception:
            log.exception("event=housekeeping.error")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
