"""Entry points: `attach_vk` (executor and admin source only) and `run_vk` (the whole adapter).

`run_vk` polls VK and, about once a second, drains the outbox and runs periodic feature work
(`pipeline.tick`), so actions decided elsewhere (a Telegram-side command, a schedule) go out.
"""

from __future__ import annotations

import asyncio
import logging

from bot.app import App
from bot.config import VkSettings
from bot.runtime.loops import run_housekeeping
from handlers.vk.admins import VkChatAdmins
from handlers.vk.api import Sleeper, VkClient
from handlers.vk.executor import VkExecutor
from handlers.vk.names import VkNames
from handlers.vk.poller import VkPoller

log = logging.getLogger(__name__)

HOUSEKEEPING_PERIOD = 1.0


def _settings(app: App) -> VkSettings:
    settings = app.config.app.vk
    if settings is None:
        raise RuntimeError("the config has no [vk] section")
    return settings


def make_client(settings: VkSettings, sleeper: Sleeper | None = None) -> VkClient:
    user_token = settings.user_token.get_secret_value() if settings.user_token else None
    return VkClient(settings.token.get_secret_value(), settings.api_base, settings.api_version,
                    user_token=user_token, sleeper=sleeper)


def attach_vk(app: App, *, sleeper: Sleeper | None = None) -> VkExecutor:
    """Register the VK executor and admin source on `app` (no polling)."""
    settings = _settings(app)
    existing = app.services.get("vk_executor")
    if isinstance(existing, VkExecutor):
        return existing
    client = make_client(settings, sleeper)
    executor = VkExecutor(client, settings.group_id, app.catalog,
                          wall_postponed=settings.wall_postponed,
                          resolve_path=app.config.resolve)
    app.router.add(executor)
    _plug_admins(app, VkChatAdmins(client, settings.group_id))
    app.services["vk_executor"] = executor
    return executor


def _plug_admins(app: App, admins: VkChatAdmins) -> None:
    """The AdminCache takes one source: join the per-network router when another adapter
    installed one (`app.services["chat_admins"]`, with a `sources` dict), else be the source
    (a later adapter keeps it reachable as its fallback)."""
    router = app.services.get("chat_admins")
    sources = getattr(router, "sources", None)
    if isinstance(sources, dict):
        sources["vk"] = admins
    else:
        app.admin_cache.set_source(admins)


async def run_vk(app: App, stop: asyncio.Event, *, sleeper: Sleeper | None = None,
                 housekeeping: bool = True) -> None:
    """Run the VK adapter until `stop` is set.

    `housekeeping=False` leaves outbox draining and ticks to a caller that runs them once for
    all networks (running both is harmless: draining is locked and items are claimed).
    """
    settings = _settings(app)
    executor = attach_vk(app, sleeper=sleeper)
    poller = VkPoller(executor.client, app.pipeline, app.uow_factory, app.clock,
                      group_id=settings.group_id, instance_id=app.instance_id,
                      wait=settings.poll_wait, sleeper=sleeper,
                      names=VkNames(executor.client))
    log.info("event=vk.start group_id=%s api_base=%s", settings.group_id, settings.api_base)
    loops = [poller.run(stop)]
    if housekeeping:
        loops.append(run_housekeeping(app.pipeline, stop, HOUSEKEEPING_PERIOD))
    await asyncio.gather(*loops)
    await app.pipeline.settle()  # what the last events decided is sent (or handed back)
    log.info("event=vk.stop")
