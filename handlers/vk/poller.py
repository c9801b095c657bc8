"""The Bots Long Poll loop: at-least-once intake with the `ts` stored in the database.

The stored ts moves only after every event of a batch went through `pipeline.process` (whose
commit covers the decision, its actions and the event id), so a crash or kill -9 at any point
makes VK redeliver from the old ts and the pipeline drops what it has already seen. Only the
holder of the "poll:vk" lease polls; another instance waits and retries.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from typing import Any

import requests

from bot.core.clock import Clock
from bot.core.events import Event
from bot.core.ports import UnitOfWorkFactory
from bot.runtime.pipeline import POLL_DELIVERY_WAIT, Pipeline
from handlers.vk.api import Sleeper, VkClient
from handlers.vk.mapping import map_update
from handlers.vk.names import VkNames

log = logging.getLogger(__name__)

TS_KEY = "vk:ts"
LEASE = "poll:vk"
POISON_LIMIT = 3


@dataclass
class LongPollServer:
    server: str
    key: str
    ts: str


class VkPoller:
    def __init__(self, client: VkClient, pipeline: Pipeline, uow_factory: UnitOfWorkFactory,
                 clock: Clock, *, group_id: int, instance_id: str, wait: int = 25,
                 sleeper: Sleeper | None = None, lease_retry: float = 5.0,
                 max_backoff: float = 60.0, names: VkNames | None = None) -> None:
        self.client = client
        self.names = names
        self.pipeline = pipeline
        self.uow_factory = uow_factory
        self.clock = clock
        self.group_id = group_id
        self.instance_id = instance_id
        self.wait = wait
        self.sleep: Sleeper = sleeper or client.sleep
        self.lease_retry = lease_retry
        self.max_backoff = max_backoff
        self.lease_ttl = float(wait + 30)  # one long poll plus a batch; renewed every cycle
        self._server: LongPollServer | None = None
        self._failures = 0
        self._poison: dict[str, int] = {}

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set; one bad cycle never ends the loop."""
        while not stop.is_set():
            try:
                if not await self._hold_lease():
                    log.info("event=vk.lease_busy retry_in=%.0fs", self.lease_retry)
                    await self._pause(stop, self.lease_retry)
                    continue
                await self.poll_once(stop)
                self._failures = 0
            except Exception as exc:  # the loop outlives any one failure; it backs off instead
                self._failures += 1
                delay = min(2.0 ** (self._failures - 1), self.max_backoff)
                log.warning("event=vk.poll_error attempt=%s retry_in=%.1fs error=%s",
                            self._failures, delay, _safe(exc))
                await self._pause(stop, delay)
        await self._release()

    async def poll_once(self, stop: asyncio.Event | None = None) -> int:
        """One long-poll request; returns how many events went through the pipeline.

        Only the wait for VK is abandoned when `stop` is set: events already received are
        processed to the end, because cancelling a database transaction half-way can leave
        its connection unusable (and ts moves only after the batch anyway)."""
        server = await self._ensure_server()
        waiting = asyncio.ensure_future(asyncio.to_thread(self._check, server))
        if stop is not None and not await self._until_stopped(waiting, stop):
            return 0
        response = await waiting
        failed = response.get("failed")
        if failed == 1:  # history partly gone: continue from the ts VK gives
            log.warning("event=vk.longpoll_failed code=1 ts=%s new_ts=%s", server.ts,
                        response.get("ts"))
            server.ts = str(response["ts"])
            await self._store_ts(server.ts)
            return 0
        if failed == 2:  # key expired: new key, same ts (nothing is skipped)
            log.info("event=vk.longpoll_failed code=2")
            fresh = await self._fetch_server()
            self._server = LongPollServer(fresh.server, fresh.key, server.ts)
            return 0
        if failed == 3:  # key and ts lost: start again from what the server has
            log.warning("event=vk.longpoll_failed code=3 ts=%s", server.ts)
            self._server = await self._fetch_server()
            await self._store_ts(self._server.ts)
            return 0
        if failed is not None:
            raise ValueError(f"unknown long-poll failure {failed!r}")
        handled: list[str] = []
        events = [e for e in (self._map(u) for u in response.get("updates", ())) if e is not None]
        if self.names is not None and events:
            events = await self.names.enrich(events)
        for event in events:
            if await self._process(event):
                handled.append(event.event_id)
        if handled:  # the next long poll waits for this batch's actions, but not for long
            await self.pipeline.kick_and_wait(handled, POLL_DELIVERY_WAIT)
        server.ts = str(response["ts"])
        await self._store_ts(server.ts)
        return len(handled)

    async def _process(self, event: Event) -> bool:
        """Hand one event to the pipeline; a failure keeps ts where it is (so the batch is
        redelivered), unless this event already failed POISON_LIMIT times: then it is logged
        and skipped, because one bad event must not stop the loop.

        The event's actions start out at once in the chats' lanes: the next event is decided
        meanwhile, so a raid in one paced chat does not hold up the others."""
        try:
            await self.pipeline.process(event, deliver=False)
        except Exception:
            count = self._poison.get(event.event_id, 0) + 1
            self._poison[event.event_id] = count
            if count < POISON_LIMIT:
                raise
            log.exception("event=vk.event_dropped id=%s attempts=%s", event.event_id, count)
            return False
        self._poison.pop(event.event_id, None)
        self.pipeline.kick([event.event_id])
        return True

    def _map(self, update: dict[str, Any]) -> Event | None:
        try:
            return map_update(update, self.group_id, self.clock.now())
        except (KeyError, TypeError, ValueError):
            log.exception("event=vk.bad_update type=%s", update.get("type"))
            return None

    def _check(self, server: LongPollServer) -> dict[str, Any]:
        response = self.client.http.get(
            server.server,
            params={"act": "a_check", "key": server.key, "ts": server.ts,
                    "wait": str(self.wait)},
            timeout=self.wait + 15)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    async def _ensure_server(self) -> LongPollServer:
        if self._server is None:
            fresh = await self._fetch_server()
            stored = await self._stored_ts()
            self._server = LongPollServer(fresh.server, fresh.key, stored or fresh.ts)
            if stored is None:
                await self._store_ts(fresh.ts)
            log.info("event=vk.longpoll_start ts=%s resumed=%s", self._server.ts,
                     stored is not None)
        return self._server

    async def _fetch_server(self) -> LongPollServer:
        response = await self.client.call("groups.getLongPollServer",
                                          {"group_id": self.group_id})
        return LongPollServer(str(response["server"]), str(response["key"]),
                              str(response["ts"]))

    async def _stored_ts(self) -> str | None:
        async with self.uow_factory() as uow:
            return await uow.state.get(TS_KEY)

    async def _store_ts(self, ts: str) -> None:
        async with self.uow_factory() as uow:
            await uow.state.put(TS_KEY, ts, self.clock.now())
            await uow.commit()

    async def _hold_lease(self) -> bool:
        async with self.uow_factory() as uow:
            held = await uow.leases.acquire(LEASE, self.instance_id, self.clock.now(),
                                            self.lease_ttl)
            await uow.commit()
        if not held:
            self._server = None  # whoever holds it moves ts; re-read it when ours again
        return held

    async def _release(self) -> None:
        try:
            async with self.uow_factory() as uow:
                await uow.leases.release(LEASE, self.instance_id)
                await uow.commit()
        except Exception:
            log.exception("event=vk.lease_release_failed")

    async def _until_stopped(self, task: asyncio.Future[Any], stop: asyncio.Event) -> bool:
        """Wait for the long poll or for `stop`, whichever comes first; False when abandoned
        (harmless: its thread finishes on its own, and nothing it returned is acted on)."""
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task.done():
            return True
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return False
        if task.done() and not task.cancelled():
            task.result()

    async def _pause(self, stop: asyncio.Event, seconds: float) -> None:
        """Sleep through the injectable sleeper, but wake at once when asked to stop."""
        sleeper = asyncio.ensure_future(self.sleep(seconds))
        stopper = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (sleeper, stopper):
                task.cancel()


def _safe(exc: BaseException) -> str:
    """Error text for logs; request URLs carry the long-poll key, so only the type and code."""
    if isinstance(exc, requests.RequestException):
        status = getattr(getattr(exc, "response", None), "status_code", None)
        return f"{type(exc).__name__}" + (f" status={status}" if status else "")
    return str(exc)
