"""Event intake and action delivery with an outbox.

`process(event)` decides and commits the decision, its actions and the event's id in one
transaction; only then may an adapter confirm the update to the platform. Delivery drains the
outbox, so a crash between the two loses nothing, and a redelivered update is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from bot.core.actions import ActionResult, AnyAction, DeleteMessage, EditMessage, SendMessage
from bot.core.clock import Clock
from bot.core.codec import decode_action, encode_action
from bot.core.core import Core
from bot.core.events import Event
from bot.core.ports import UnitOfWorkFactory
from bot.core.records import OutboxItem
from bot.runtime.executor import DELIVERY_KEY, ActionRouter, TransientError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
#: Transient failures (5xx, network, 429) are retried at least this long from when the action
#: was decided, however many attempts that takes: a ten-minute Bot API outage must delay a
#: delete, not leave the obscene message in the chat.
RETRY_FOR = timedelta(minutes=30)
#: the longest wait between two tries without a retry_after: once the platform is back, what
#: waited goes out within a minute
BACKOFF_CAP = 60
EDITS_REMEMBERED = 2000
#: How often the bookkeeping of every message is swept, and how long it is kept: no platform
#: delivers an update again after a week (Telegram keeps them a day), a delivered outbox item
#: is history after a week, and a failed one is kept a month for whoever looks into it.
SWEEP_EVERY = timedelta(hours=1)
EVENTS_KEPT = timedelta(days=7)
DONE_KEPT = timedelta(days=7)
FAILED_KEPT = timedelta(days=30)


def backoff(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt N+1: the platform's retry_after, else 1, 2, 4 … 60."""
    if retry_after is not None:
        return max(retry_after, 0.0)
    return float(min(2 ** min(max(attempt - 1, 0), 16), BACKOFF_CAP))


class Pipeline:
    def __init__(self, core: Core, uow_factory: UnitOfWorkFactory, router: ActionRouter,
                 clock: Clock, instance_id: str) -> None:
        self.core = core
        self.uow_factory = uow_factory
        self.router = router
        self.clock = clock
        self.instance_id = instance_id
        self._drain_lock = asyncio.Lock()
        self.delivered: list[tuple[AnyAction, ActionResult]] = []  # recent, for the demo/tests
        # Items the platform took whose result could not be stored (the database went away
        # just then): kept here and stored at the next drain, and never executed again.
        self._unrecorded: dict[int, tuple[ActionResult, AnyAction]] = {}
        self._stopping = False
        # The newest outbox item that edited each message, so an older edit coming back from
        # a retry cannot overwrite a newer one (a rate-limited "claimed" after "resolved").
        self._last_edit: dict[tuple[str, str], int] = {}
        self._swept_at: datetime | None = None

    def request_stop(self) -> None:
        """The process is asked to stop: the item being sent is finished, the rest wait in
        the outbox (it is durable) for the next start. Sending a paced backlog first held the
        exit past a container's stop timeout (10 s), and a killed process sends nothing."""
        self._stopping = True

    async def process(self, event: Event) -> bool:
        """Handle one event exactly once; returns False when it was a redelivery."""
        return (await self.process_many([event]))[0]

    async def process_many(self, events: Sequence[Event]) -> list[bool]:
        """Decide a batch of events in one transaction, then deliver their actions.

        One commit per batch instead of per update is what keeps a busy chat fast on SQLite.
        If any event of the batch fails, the batch is rolled back and each event is decided
        alone, so one bad event cannot sink the others (its own error is raised last).
        """
        try:
            fresh, produced = await self._decide(events)
        except Exception:
            if len(events) == 1:
                raise
            log.warning("event=pipeline.batch_fallback size=%s", len(events))
            fresh, produced, failure = [], False, None
            for event in events:
                try:
                    one, made = await self._decide([event])
                except Exception as exc:
                    failure = exc
                    one, made = [False], False
                fresh.extend(one)
                produced = produced or made
            if produced:
                await self.drain()
            if failure is not None:
                raise failure from None
            return fresh
        if produced:
            await self.drain()
        return fresh

    async def _decide(self, events: Sequence[Event]) -> tuple[list[bool], bool]:
        fresh: list[bool] = []
        produced = False
        seen_here: set[str] = set()
        async with self.uow_factory() as uow:
            seen_before = await uow.processed.seen_many([e.event_id for e in events])
            for event in events:
                if event.event_id in seen_here or event.event_id in seen_before:
                    log.info("event=pipeline.duplicate id=%s", event.event_id)
                    fresh.append(False)
                    continue
                actions = await self.core.handle(event, uow)
                if actions:
                    await uow.outbox.add(event.event_id, [encode_action(a) for a in actions],
                                         self.clock.now())
                    produced = True
                seen_here.add(event.event_id)
                fresh.append(True)
            await uow.processed.mark_many(sorted(seen_here), self.clock.now())
            await uow.commit()
        return fresh, produced

    async def tick(self) -> None:
        """Periodic feature work (SLA, schedules) committed through the same outbox."""
        async with self.uow_factory() as uow:
            actions = await self.core.tick(uow)
            if actions:
                now = self.clock.now()
                await uow.outbox.add(f"tick:{now.isoformat()}", [encode_action(a) for a in actions], now)
            await uow.commit()
        await self._sweep()
        await self.drain()

    async def _sweep(self) -> None:
        """Hourly, drop per-message bookkeeping past its use: one processed-event row per
        update and one outbox row per action would grow a busy community's database by
        millions of rows a year."""
        now = self.clock.now()
        if self._swept_at is not None and timedelta(0) <= now - self._swept_at < SWEEP_EVERY:
            return
        self._swept_at = now
        async with self.uow_factory() as uow:
            events = await uow.processed.forget(now - EVENTS_KEPT)
            items = await uow.outbox.forget_finished(now - DONE_KEPT, now - FAILED_KEPT)
            await uow.commit()
        if events or items:
            log.info("event=housekeeping.swept processed_events=%d outbox_items=%d",
                     events, items)

    async def drain(self, limit: int = 100) -> int:
        """Execute due outbox items in order; returns how many were attempted."""
        done = 0
        async with self._drain_lock:
            await self._record_unrecorded()
            while True:
                async with self.uow_factory() as uow:
                    items = await uow.outbox.claim_pending(self.instance_id, self.clock.now(), limit)
                    await uow.commit()
                fresh = _answers_first([item for item in items if item.id not in self._unrecorded])
                if not fresh:
                    return done
                held = await self._held_chats()
                for n, item in enumerate(fresh):
                    if self._stopping:
                        await self._release([i.id for i in fresh[n:]])
                        return done
                    chat = _message_chat(item.payload)
                    blocker = held.get(chat) if chat else None
                    if blocker is not None and blocker[0] < item.id:
                        await self._defer(item.id, blocker[1])
                        continue
                    done += 1
                    retry_at = await self._deliver(item.id, item.payload, item.attempts,
                                                   item.created_at)
                    if chat and retry_at is not None:
                        held.setdefault(chat, (item.id, retry_at))

    async def _held_chats(self) -> dict[str, tuple[int, datetime]]:
        """Chats whose earlier message waits for a retry (a 429, VK's error 9): the later
        ones wait behind it, so the chat reads them in order (the FAQ answer before "answered
        above ↑", ticket #1's card before #3's)."""
        async with self.uow_factory() as uow:
            waiting = await uow.outbox.retrying(self.clock.now())
        held: dict[str, tuple[int, datetime]] = {}
        for item, at in waiting:
            chat = _message_chat(item.payload)
            if chat:
                held.setdefault(chat, (item.id, at))
        return held

    async def _defer(self, item_id: int, at: datetime) -> None:
        async with self.uow_factory() as uow:
            await uow.outbox.defer(item_id, at)
            await uow.commit()
        log.info("event=outbox.held item=%s until=%s", item_id, at.isoformat())

    async def _release(self, item_ids: list[int]) -> None:
        """Hand claimed, unsent items back to the outbox, due at once for the next start."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            for item_id in item_ids:
                await uow.outbox.retry_later(item_id, now, "stopped before sending")
            await uow.commit()
        log.info("event=outbox.left_for_next_start items=%s", len(item_ids))

    async def _record_unrecorded(self) -> None:
        """Store the results the database missed; still down: keep them for the next drain."""
        for item_id, (result, action) in list(self._unrecorded.items()):
            await self._finish(item_id, result, action)
            del self._unrecorded[item_id]
            log.info("event=outbox.result_recorded_late item=%s", item_id)

    async def _deliver(self, item_id: int, payload: dict[str, object],
                       attempts: int, created_at: datetime | None = None) -> datetime | None:
        """Execute one item; when it is to be tried again, when."""
        try:
            action = decode_action(dict(payload))
        except (KeyError, TypeError, ValueError) as exc:
            log.error("event=outbox.bad_payload item=%s error=%s", item_id, exc)
            await self._finish(item_id, ActionResult(ok=False, error=str(exc), permanent=True))
            return None
        if self._superseded(item_id, action):
            log.info("event=outbox.edit_superseded item=%s", item_id)
            await self._finish(item_id, ActionResult(ok=True, details={"superseded": "yes"}))
            return None
        sent_at = self.clock.now()
        try:
            key = DELIVERY_KEY.set(f"outbox:{item_id}")
            try:
                result = await self.router.execute(action)
            finally:
                DELIVERY_KEY.reset(key)
        except TransientError as exc:
            if attempts >= MAX_ATTEMPTS and (created_at is None
                                             or self.clock.now() - created_at >= RETRY_FOR):
                result = ActionResult(ok=False, error=f"gave up after {attempts} attempts: {exc}")
            else:
                delay = backoff(attempts, exc.retry_after)
                log.warning("event=outbox.retry item=%s attempt=%s in=%.1fs error=%s",
                            item_id, attempts, delay, exc)
                retry_at = self.clock.now() + timedelta(seconds=delay)
                async with self.uow_factory() as uow:
                    await uow.outbox.retry_later(item_id, retry_at, str(exc))
                    await uow.commit()
                return retry_at
        except Exception as exc:  # an executor bug must not stop delivery of everything else
            log.exception("event=outbox.executor_error item=%s", item_id)
            result = ActionResult(ok=False, error=f"{type(exc).__name__}: {exc}", permanent=True)
        self._edited(item_id, action)
        if not result.ok:
            log.warning("event=action.failed action=%s error=%s", type(action).__name__, result.error)
        self.delivered.append((action, result))
        del self.delivered[:-200]
        try:
            await self._finish(item_id, result, action, sent_at)
        except Exception:
            # Sent, but the database went away before it could say so: remember the result,
            # or the item would be claimed again as stale and the member would get it twice.
            self._unrecorded[item_id] = (result, action)
            log.warning("event=outbox.result_unrecorded item=%s ok=%s", item_id, result.ok)
            raise
        return None

    def _superseded(self, item_id: int, action: AnyAction) -> bool:
        """An edit older than one already made to the same message has nothing left to say."""
        if not isinstance(action, EditMessage):
            return False
        return self._last_edit.get((str(action.chat), action.message_id), 0) > item_id

    def _edited(self, item_id: int, action: AnyAction) -> None:
        if not isinstance(action, EditMessage):
            return
        key = (str(action.chat), action.message_id)
        self._last_edit[key] = max(self._last_edit.get(key, 0), item_id)
        if len(self._last_edit) > EDITS_REMEMBERED:
            for old in list(self._last_edit)[:EDITS_REMEMBERED // 2]:
                del self._last_edit[old]

    async def _finish(self, item_id: int, result: ActionResult,
                      action: AnyAction | None = None, sent_at: datetime | None = None) -> None:
        """Record the platform's answer and what follows from it. A notice's clean-up is timed
        from when it was sent (``sent_at``), not from when its result is stored."""
        now = self.clock.now()
        async with self.uow_factory() as uow:
            await uow.outbox.finish(item_id, result.ok, result.error or "", now)
            follow: list[AnyAction] = []
            ref = getattr(action, "ref", None)
            if ref:
                follow = await self.core.on_result(ref, result, uow)
            if isinstance(action, DeleteMessage) and result.ok:
                follow += await self.core.on_gone(action, uow)
            if action is not None and (not result.ok or result.details.get("degraded")):
                follow += await self.core.on_action_failed(action, result, uow)
            if follow:
                await uow.outbox.add(f"result:{item_id}", [encode_action(a) for a in follow], now)
            cleanup = _cleanup_for(action, result)
            if cleanup is not None:
                delete, after = cleanup
                await uow.outbox.add(f"cleanup:{item_id}", [encode_action(delete)], now,
                                     not_before=(sent_at or now) + after)
            await uow.commit()


def _message_chat(payload: dict[str, object]) -> str | None:
    """The chat a message item goes to (other actions keep no order among themselves)."""
    if payload.get("$action") not in ("SendMessage", "NotifyQueue"):
        return None
    chat = payload.get("chat") or payload.get("queue")
    return str(chat.get("$chat")) if isinstance(chat, dict) else None


def _answers_first(items: list[OutboxItem]) -> list[OutboxItem]:
    """Button answers go before the rest of a batch (otherwise in order): they are not paced,
    an answer never depends on another action, and Telegram refuses one that comes too late
    (the moderator sees a spinning button) while card edits wait for the queue chat's rate."""
    return sorted(items, key=lambda item: item.payload.get("$action") != "AnswerCallback")


def _cleanup_for(action: AnyAction | None,
                 result: ActionResult) -> tuple[DeleteMessage, timedelta] | None:
    """Bot notices with `delete_after` are removed later, to keep the chat clean."""
    if not (isinstance(action, SendMessage) and action.delete_after and result.ok
            and result.message_id):
        return None
    return DeleteMessage(action.chat, result.message_id, action.thread_id), action.delete_after

