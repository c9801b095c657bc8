"""The background loop that publishes scheduled posts; `modbot run` starts it next to the
pollers. Every instance may run it: occurrences are claimed atomically in the database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


async def run_scheduler(app: App, stop: asyncio.Event, interval: float = 5.0) -> None:
    """Call the service's `run_due(now)` every `interval` seconds until `stop` is set.

    One failing round (database busy, a bug) is logged and the loop carries on: a missed
    round only delays posts, and the grace window decides what may still go out.
    """
    from bot.features.schedule import service_for

    service = service_for(app)
    log.info("event=schedule.loop_started instance=%s interval=%s", app.instance_id, interval)
    while not stop.is_set():
        try:
            report = await service.run_due(app.clock.now())
            if report.sent or report.failed or report.unknown:
                log.info("event=schedule.round sent=%s failed=%s retried=%s skipped=%s "
                         "unknown=%s", len(report.sent), len(report.failed),
                         len(report.retried), len(report.skipped), len(report.unknown))
        except Exception:
            log.exception("event=schedule.round_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=interval)
    log.info("event=schedule.loop_stopped instance=%s", app.instance_id)
