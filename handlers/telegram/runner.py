"""Entry points: `attach_telegram` (executor + admin source only) and `run_telegram` (all of it).

`run_telegram` also drains the outbox and runs feature ticks about once a second, so delayed
items (notice deletions, retries after a flood wait) and scheduled work go out even when no
update arrives.

`[telegram] leave_unknown_chats` is not consulted here: leaving a chat nobody configured is
the core's boundary decision (one message, then LeaveChat), and the executor carries out what
the core decided rather than second-guessing it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from aiogram import Bot
from aiogram.exceptions import TelegramNetworkError

from bot.app import App
from bot.config import TelegramSettings
from bot.runtime.loops import run_housekeeping
from handlers.telegram.admins import ByPlatformAdmins, TelegramChatAdmins
from handlers.telegram.client import build_bot
from handlers.telegram.executor import RetryPolicy, Sleeper, TelegramExecutor
from handlers.telegram.intake import UpdateHandler
from handlers.telegram.pacing import Pacer
from handlers.telegram.polling import PollSettings, TelegramPoller, wait_or_stop
from handlers.telegram.rights import check_rights
from handlers.telegram.webhook import WebhookServer

log = logging.getLogger(__name__)

SERVICE_KEY = "telegram_executor"


@dataclass
class TelegramOptions:
    """Knobs tests and benchmarks turn; production uses the defaults."""

    sleeper: Sleeper = asyncio.sleep
    monotonic: Callable[[], float] = time.monotonic
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    pacer: Pacer | None = None
    lease_retry: float = 5.0
    poll_error_delay: float = 1.0
    housekeeping_period: float = 1.0
    housekeeping: bool = True
    check_rights: bool = True
    update_attempts: int = 3
    update_retry_delay: float = 1.0


def settings_of(app: App) -> TelegramSettings:
    settings = app.config.app.telegram
    if settings is None:
        raise RuntimeError("the config has no [telegram] section")
    return settings


def attach_telegram(app: App, *, bot: Bot | None = None,
                    options: TelegramOptions | None = None) -> TelegramExecutor:
    """Register the Telegram executor and admin source on `app` (no polling); idempotent."""
    existing = app.services.get(SERVICE_KEY)
    if isinstance(existing, TelegramExecutor):
        return existing
    options = options or TelegramOptions()
    bot = bot or build_bot(settings_of(app))
    executor = TelegramExecutor(bot, app.catalog, sleeper=options.sleeper,
                                monotonic=options.monotonic, policy=options.policy,
                                pacer=options.pacer)
    app.router.add(executor)
    _plug_admins(app, TelegramChatAdmins(bot))
    app.services[SERVICE_KEY] = executor
    return executor


def _plug_admins(app: App, admins: TelegramChatAdmins) -> None:
    """Keep any other network's admin source reachable (AdminCache holds only one)."""
    router = app.services.get("chat_admins")
    if not isinstance(router, ByPlatformAdmins):
        previous = getattr(app.admin_cache, "_source", None)
        router = ByPlatformAdmins({"*": previous} if previous is not None else {})
        app.services["chat_admins"] = router
    router.sources["telegram"] = admins
    app.admin_cache.set_source(router)


async def _start_rights_check(bot: Bot, app: App) -> None:
    try:
        problems = await check_rights(bot, app.config)
    except (TimeoutError, TelegramNetworkError, OSError) as exc:
        # an outage at start is no bug: one line, as the other start-up calls do
        log.warning("event=telegram.rights_check_failed error=%s", type(exc).__name__)
        return
    except Exception:
        log.exception("event=telegram.rights_check_failed")
        return
    if not problems:
        log.info("event=telegram.rights_ok")


async def run_telegram(app: App, stop: asyncio.Event, *,
                       options: TelegramOptions | None = None) -> None:
    """Run the Telegram adapter (polling or webhook, per config) until `stop` is set."""
    settings = settings_of(app)
    options = options or TelegramOptions()
    executor = attach_telegram(app, options=options)
    bot = executor.bot
    handler = UpdateHandler(bot, app.pipeline, app.clock, app.admin_cache, options.sleeper,
                            attempts=options.update_attempts,
                            retry_delay=options.update_retry_delay)
    done = asyncio.Event()  # ends housekeeping without touching the caller's `stop`
    relay = asyncio.ensure_future(_relay(stop, done))
    tasks = [relay]
    if options.housekeeping:
        tasks.append(asyncio.ensure_future(
            run_housekeeping(app.pipeline, done, options.housekeeping_period)))
    try:
        log.info("event=telegram.start mode=%s api_base=%s bot_id=%s", settings.mode,
                 settings.api_base, bot.id)
        if options.check_rights:  # in the background: polling must not wait for it
            tasks.append(asyncio.ensure_future(_start_rights_check(bot, app)))
        if settings.mode == "webhook":
            await _serve_webhook(bot, handler, settings, stop)
        else:
            await _delete_webhook(bot, stop)
            poll = PollSettings(timeout=settings.poll_timeout,
                                lease_ttl=settings.poll_timeout + 35.0,
                                lease_retry=options.lease_retry,
                                error_delay=options.poll_error_delay)
            poller = TelegramPoller(bot, handler, app.uow_factory, app.clock, app.instance_id,
                                    poll)
            await poller.run(stop)
            await handler.settle()  # what the last batches decided is sent (or handed back)
    finally:
        done.set()
        relay.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await executor.close()
        log.info("event=telegram.stop")


DELETE_WEBHOOK_ATTEMPTS = 3


async def _relay(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


async def _delete_webhook(bot: Bot, stop: asyncio.Event) -> None:
    """getUpdates refuses to work while a webhook is set (pending updates are kept).

    A few tries only: a Bot API server that does not know deleteWebhook (some self-hosted or
    test servers) must not keep the bot from polling; if a webhook really is set, getUpdates
    says so (a conflict, logged) and polling waits."""
    delay = 1.0
    for attempt in range(1, DELETE_WEBHOOK_ATTEMPTS + 1):
        if stop.is_set():
            return
        try:
            await bot.delete_webhook(drop_pending_updates=False)
            return
        except Exception as exc:  # the API's errors, a proxy's HTML page, a proxy down
            log.warning("event=telegram.delete_webhook_failed attempt=%s error=%s", attempt, exc)
            if attempt < DELETE_WEBHOOK_ATTEMPTS:
                await wait_or_stop(stop, delay)
                delay = min(delay * 2, 60.0)
    log.warning("event=telegram.polling_without_delete_webhook")


async def _serve_webhook(bot: Bot, handler: UpdateHandler, settings: TelegramSettings,
                         stop: asyncio.Event) -> None:
    if not settings.webhook_url:
        raise RuntimeError("[telegram] mode = \"webhook\" needs webhook_url")
    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    server = WebhookServer(bot, handler, settings.webhook_url, settings.webhook_listen, secret)
    delay = 1.0
    try:
        while not stop.is_set():
            try:
                await server.start()
                break
            except Exception as exc:  # the API's errors, a proxy's HTML page, a proxy down
                log.warning("event=telegram.set_webhook_failed in=%.0fs error=%s", delay, exc)
                await server.stop()
                await wait_or_stop(stop, delay)
                delay = min(delay * 2, 60.0)
        await stop.wait()
    finally:
        await server.stop()
