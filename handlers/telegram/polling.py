"""Our own long-polling loop: nothing is confirmed to Telegram before it is committed.

aiogram's Dispatcher.start_polling is not used on purpose: it runs handlers as detached tasks
and moves the offset on before they finish, so a crash loses updates. Here updates are
processed in order; the next getUpdates (which confirms them) is sent only after every update
of the batch was committed, and the offset is also kept in the database so a restart carries
on where the last instance stopped. A database lease lets only one instance poll at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramConflictError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.methods import TelegramMethod
from sqlalchemy.exc import IntegrityError

from bot.core.clock import Clock
from bot.core.ports import UnitOfWorkFactory
from bot.db.outage import storage_down
from handlers.telegram.client import UNWRAPPED_NETWORK_ERRORS
from handlers.telegram.intake import StorageUnavailable, UpdateHandler
from handlers.telegram.mapping import ALLOWED_UPDATES

log = logging.getLogger(__name__)

OFFSET_KEY = "telegram:offset"
_POLL_ERRORS: tuple[type[Exception], ...] = (
    TelegramServerError, TelegramNetworkError, ClientDecodeError, TelegramUnauthorizedError,
    *UNWRAPPED_NETWORK_ERRORS)
LEASE_NAME = "poll:telegram"


class GetRawUpdates(TelegramMethod[list[dict[str, Any]]]):
    """getUpdates returning plain dicts, so each update is parsed (and can fail) alone."""

    __returning__ = list[dict[str, Any]]
    __api_method__ = "getUpdates"

    offset: int | None = None
    limit: int | None = None
    timeout: int | None = None
    allowed_updates: list[str] | None = None


@dataclass(frozen=True, slots=True)
class PollSettings:
    timeout: int = 25  # long-poll seconds
    lease_ttl: float = 60.0  # must outlive one long poll plus processing a batch
    lease_retry: float = 5.0  # how often a waiting instance asks for the lease again
    error_delay: float = 1.0  # first backoff after a failed getUpdates (doubles, ≤ 60 s)


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class TelegramPoller:
    def __init__(self, bot: Bot, handler: UpdateHandler, uow_factory: UnitOfWorkFactory,
                 clock: Clock, instance_id: str, settings: PollSettings) -> None:
        self._bot = bot
        self._handler = handler
        self._uow_factory = uow_factory
        self._clock = clock
        self._instance = instance_id
        self._settings = settings
        self._failures = 0

    async def run(self, stop: asyncio.Event) -> None:
        offset = await self._load_offset()
        holding = False
        try:
            while not stop.is_set():
                if not await self._acquire():
                    if holding:
                        log.warning("event=telegram.lease_lost instance=%s", self._instance)
                    holding = False
                    log.info("event=telegram.lease_busy instance=%s", self._instance)
                    await wait_or_stop(stop, self._settings.lease_retry)
                    continue
                if not holding:  # another instance may have polled while we waited
                    stored = await self._load_offset()
                    if stored is not None and (offset is None or stored > offset):
                        offset = stored
                    log.info("event=telegram.polling instance=%s offset=%s", self._instance,
                             offset)
                holding = True
                batch = await self._fetch(offset, stop)
                if not batch:
                    if self._settings.timeout == 0:  # short polling: do not spin
                        await wait_or_stop(stop, 1.0)
                    continue
                offset = await self._process(batch, offset, stop)
        finally:
            if holding:
                await self._release()

    async def _process(self, batch: list[dict[str, Any]], offset: int | None,
                       stop: asyncio.Event) -> int | None:
        while True:
            try:
                await self._handler.handle_batch(batch)
                break
            except StorageUnavailable as exc:
                log.error("event=telegram.storage_unavailable error=%s", exc)
                await wait_or_stop(stop, self._backoff())
                if stop.is_set():
                    return offset  # unconfirmed updates come back on the next start
        for raw in batch:
            update_id = raw.get("update_id") if isinstance(raw, dict) else None
            if isinstance(update_id, int) and (offset is None or update_id >= offset):
                offset = update_id + 1
        self._failures = 0
        await self._save_offset(offset)
        return offset

    async def _fetch(self, offset: int | None, stop: asyncio.Event) -> list[dict[str, Any]]:
        """One long poll, abandoned (not confirmed) when `stop` is set meanwhile."""
        timeout = self._settings.timeout
        request = GetRawUpdates(offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES)
        poll = asyncio.ensure_future(self._bot(request, request_timeout=timeout + 10))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({poll, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
            abandoned = not poll.done()
            if abandoned:  # stopped (or cancelled): the request is dropped, nothing confirmed
                poll.cancel()
        if abandoned:
            return []
        try:
            result = poll.result()
        except TelegramRetryAfter as exc:
            log.warning("event=telegram.poll_flood retry_after=%s", exc.retry_after)
            await wait_or_stop(stop, float(exc.retry_after))
            return []
        except TelegramConflictError as exc:
            log.error("event=telegram.poll_conflict error=%s", exc.message)
            await wait_or_stop(stop, self._settings.lease_retry)
            return []
        except _POLL_ERRORS as exc:
            delay = self._backoff()
            if isinstance(exc, TelegramUnauthorizedError):
                # every call will fail the same way: the owner must learn it is the token
                # (revoked in @BotFather or mistyped), not read one more network hiccup
                log.error("event=telegram.token_rejected in=%.1fs error=Telegram refused the "
                          "bot token (401 Unauthorized): it was revoked or is mistyped; put the "
                          "current token from @BotFather in [telegram] token and restart", delay)
            else:
                log.warning("event=telegram.poll_error in=%.1fs error=%s", delay, exc)
            await wait_or_stop(stop, delay)
            return []
        self._failures = 0
        if not isinstance(result, list):
            log.warning("event=telegram.bad_batch type=%s", type(result).__name__)
            return []
        return result

    def _backoff(self) -> float:
        self._failures += 1
        return float(min(self._settings.error_delay * 2 ** (self._failures - 1), 60.0))

    async def _acquire(self) -> bool:
        try:
            async with self._uow_factory() as uow:
                got = await uow.leases.acquire(LEASE_NAME, self._instance, self._clock.now(),
                                               self._settings.lease_ttl)
                await uow.commit()
            return got
        except IntegrityError:  # another instance created the lease at the same moment
            log.info("event=telegram.lease_race instance=%s", self._instance)
            return False
        except Exception as exc:
            if storage_down(exc):  # an outage, said in one line: no traceback every cycle
                log.warning("event=telegram.lease_error error=%s", type(exc).__name__)
            else:
                log.exception("event=telegram.lease_error")
            return False

    async def _release(self) -> None:
        with contextlib.suppress(Exception):
            async with self._uow_factory() as uow:
                await uow.leases.release(LEASE_NAME, self._instance)
                await uow.commit()

    async def _load_offset(self) -> int | None:
        async with self._uow_factory() as uow:
            value = await uow.state.get(OFFSET_KEY)
        return int(value) if value else None

    async def _save_offset(self, offset: int | None) -> None:
        if offset is None:
            return
        try:
            async with self._uow_factory() as uow:
                await uow.state.put(OFFSET_KEY, str(offset), self._clock.now())
                await uow.commit()
        except Exception:  # only a restart hint: Telegram itself keeps the confirmed offset
            log.exception("event=telegram.offset_not_saved offset=%s", offset)
