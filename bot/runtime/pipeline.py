"""Event intake and action delivery with an outbox.

`process(event)` decides and commits the decision, its actions and the event's id in one
transaction; only then may an adapter confirm the update to the platform. Delivery drains the
outbox, so a crash between the two loses nothing, and a redelivered update is a no-op.

Delivery runs in per-chat lanes: a chat's items go out one at a time in the order they were
decided, while other chats' lanes go on beside it, so a slow Bot API call or a paced chat
holds up nobody else's deletes and mutes. Every database step is its own short unit of work;
none is held open across a platform call.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.core.actions import ActionResult, AnyAction, DeleteMessage, EditMessage, SendMessage
from bot.core.clock import Clock
from bot.core.codec import decode_action, encode_action
from bot.core.core import Core
from bot.core.events import Event
from bot.core.ports import UnitOfWorkFactory
from bot.core.records import OutboxItem
from bot.db.outage import first_line, storage_down
from bot.runtime.executor import DELIVERY_KEY, ActionRouter, TransientError

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
KICK_CLAIM = 100  # items one background kick claims at most
#: Transient failures (5xx, network, 429) are retried at least this long from when the action
#: was decided, however many attempts that takes: a ten-minute Bot API outage must delay a
#: delete, not leave the obscene message in the chat.
RETRY_FOR = timedelta(minutes=30)
#: the longest wait between two tries without a retry_after: once the platform is back, what
#: waited goes out within a minute
BACKOFF_CAP = 60
#: How long a poller waits for a batch's actions before it reads the next batch: the usual
#: sends take milliseconds and a chat's pace wait up to 5 s, but a hung call takes up to its
#: timeout (a minute), and every chat's next messages would wait for it.
POLL_DELIVERY_WAIT = 5.0
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
        # Claiming is one at a time (a claimed item is queued in its lane before the next
        # claim looks); sending is not: each chat's lane runs on its own.
        self._claim_lock = asyncio.Lock()
        self._lanes: dict[str | None, _Lane] = {}
        self._queued: set[int] = set()  # claimed here and queued or in flight: never twice
        self._kicks: list[tuple[frozenset[str], asyncio.Future[None]]] = []
        self._kicker: asyncio.Task[None] | None = None
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

    async def process(self, event: Event, *, deliver: bool = True) -> bool:
        """Handle one event exactly once; returns False when it was a redelivery."""
        return (await self.process_many([event], deliver=deliver))[0]

    async def process_many(self, events: Sequence[Event], *,
                           deliver: bool = True) -> list[bool]:
        """Decide a batch of events in one transaction, then deliver their actions.

        One commit per batch instead of per update is what keeps a busy chat fast on SQLite.
        If any event of the batch fails, the batch is rolled back and each event is decided
        alone, so one bad event cannot sink the others (its own error is raised last).
        With ``deliver=False`` the actions are only committed: the caller delivers them
        (`kick`), or the next drain does.
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
            if produced and deliver:
                await self.drain()
            if failure is not None:
                raise failure from None
            return fresh
        if produced and deliver:
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
        """Execute due outbox items; returns how many were attempted.

        Items go to per-chat lanes (`_Lane`): one chat's items run one at a time in outbox
        order, different chats' lanes run side by side, so a slow or paced chat holds up no
        other chat's items, whichever drain claimed them. An item another drain or a `kick`
        already claimed is never run again here, but it is waited for: when this returns,
        everything due when it was called was attempted (or handed back at a stop), as
        callers of `process` and `tick` expect.
        """
        done = 0
        earlier: list[_Ticket] | None = []
        while True:
            mine = await self._claim(limit, earlier=earlier)
            waiting = {t.settled for t in mine} | {t.settled for t in earlier or ()}
            earlier = None
            if not waiting:
                return done
            await asyncio.wait(waiting)  # never cancels what others wait for as well
            failure: BaseException | None = None
            for ticket in mine:
                if ticket.settled.cancelled():
                    continue
                error = ticket.settled.exception()
                if error is not None:
                    failure = failure or error
                elif ticket.settled.result():
                    done += 1
            if failure is not None:
                raise failure

    def kick(self, event_ids: Collection[str] = ()) -> asyncio.Future[None]:
        """Deliver due items in the background (the webhook: Telegram has its answer once the
        update is committed). Kicks coalesce: one claiming round at a time, run again while
        kicks come in; claiming is quick, the sending happens in the lanes. The future is
        done once the items of `event_ids` in this process were attempted (or at once when
        there are none); failures are logged, and the outbox keeps what was not delivered."""
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._kicks.append((frozenset(event_ids), waiter))
        if self._kicker is None or self._kicker.done():
            self._kicker = asyncio.create_task(self._kick_rounds())
        return waiter

    async def kick_and_wait(self, event_ids: Collection[str], at_most: float) -> None:
        """Deliver the actions of `event_ids` in the background and wait for them, but only
        `at_most` seconds (the pollers, before they read the next batch).

        Waiting keeps the order members see across chats when the platform is quick (a
        report's card is out before the next batch's button press is decided); the bound
        keeps one paced chat or one slow call from holding every chat's next messages."""
        sent = self.kick(event_ids)
        await asyncio.wait({sent}, timeout=at_most)

    async def settle(self) -> None:
        """Wait until background delivery is idle: no claiming round, no lane at work."""
        while True:
            busy = {lane.task for lane in self._lanes.values() if lane.task is not None}
            if self._kicker is not None:
                busy.add(self._kicker)
            busy = {task for task in busy if not task.done()}
            if not busy:
                return
            await asyncio.wait(busy)

    async def _kick_rounds(self) -> None:
        while self._kicks:
            kicks, self._kicks = self._kicks, []
            try:
                # one claim per round: what is past it waits (unclaimed) for the next kick or
                # drain; claiming a whole backlog behind a slow lane would leave items claimed
                # long enough for another instance to take them as stale and send them again
                if not self._stopping:
                    await self._claim(KICK_CLAIM, background=True)
            except Exception as exc:
                if storage_down(exc):  # an outage, in one line: the outbox waits for it
                    log.error("event=outbox.storage_unavailable error=%s",
                              f"the database is unreachable: {first_line(exc)}")
                else:
                    log.exception("event=outbox.background_error")
            for event_ids, waiter in kicks:
                _when_settled(waiter, [t.settled for t in self._in_process()
                                       if t.item.event_id in event_ids])

    def _in_process(self) -> list[_Ticket]:
        out: list[_Ticket] = []
        for lane in self._lanes.values():
            if lane.current is not None:
                out.append(lane.current)
            out.extend(lane.queue)
        return out

    async def _claim(self, limit: int, *, background: bool = False,
                     earlier: list[_Ticket] | None = None) -> list[_Ticket]:
        """Claim due items and queue each in its chat's lane; one claim at a time (the lock
        is held for the database steps only, never across a platform call). `earlier` gets
        the items already queued or in flight here, claimed before."""
        async with self._claim_lock:
            if earlier is not None:
                earlier.extend(self._in_process())
            await self._record_unrecorded()
            if self._stopping:
                return []
            async with self.uow_factory() as uow:
                items = await uow.outbox.claim_pending(self.instance_id, self.clock.now(), limit)
                await uow.commit()
            fresh = [item for item in items
                     if item.id not in self._unrecorded and item.id not in self._queued]
            if not fresh:
                return []
            held = await self._held_chats()
            loop = asyncio.get_running_loop()
            tickets = [_Ticket(item, loop.create_future(), background) for item in fresh]
            for ticket in tickets:  # no await from here on: a lane sees the whole claim
                if background:
                    ticket.settled.add_done_callback(_log_failure)
                self._queue(ticket, held)
            return tickets

    def _queue(self, ticket: _Ticket, held: dict[str, tuple[int, datetime]]) -> None:
        key = _lane_key(ticket.item.payload)
        lane = self._lanes.get(key)
        if lane is None:
            lane = self._lanes[key] = _Lane()
        if key is not None and key in held:
            lane.hold(held[key])
        self._queued.add(ticket.item.id)
        if ticket.item.payload.get("$action") == "AnswerCallback":
            # Button answers go before the lane's waiting items (otherwise in order): they are
            # not paced, an answer never depends on another action, and Telegram refuses one
            # that comes too late (the moderator sees a spinning button) while card edits
            # wait for the queue chat's rate.
            answers = 0
            while answers < len(lane.queue) and \
                    lane.queue[answers].item.payload.get("$action") == "AnswerCallback":
                answers += 1
            lane.queue.insert(answers, ticket)
        else:
            lane.queue.append(ticket)
        if lane.task is None:
            lane.task = asyncio.create_task(self._run_lane(key, lane))

    async def _run_lane(self, key: str | None, lane: _Lane) -> None:
        """One chat's items, one at a time, in order; the lane ends when it runs dry."""
        try:
            while lane.queue:
                ticket = lane.current = lane.queue.popleft()
                if lane.broken:  # as the rest of a batch was: left claimed, tried when stale
                    self._settle(ticket, False)
                elif self._stopping:
                    await self._leave_for_next_start(lane, ticket)
                else:
                    try:
                        attempted = await self._attempt(lane, ticket)
                    except asyncio.CancelledError:
                        raise
                    except Exception as exc:
                        lane.broken = True
                        self._settle(ticket, error=exc)
                    except BaseException as exc:
                        # the process is being killed: nothing queued goes out any more, in
                        # any lane, and the drain that claimed this item raises it on
                        for other in self._lanes.values():
                            other.broken = True
                        self._settle(ticket, error=exc)
                        if isinstance(exc, KeyboardInterrupt | SystemExit):
                            raise
                    else:
                        self._settle(ticket, attempted)
                lane.current = None
        finally:
            for ticket in [*([lane.current] if lane.current else []), *lane.queue]:
                self._settle(ticket, cancelled=True)
            lane.queue.clear()
            lane.current = None
            if self._lanes.get(key) is lane:
                del self._lanes[key]

    async def _leave_for_next_start(self, lane: _Lane, ticket: _Ticket) -> None:
        """The process stops: the item being sent was finished, the rest of the lane goes
        back to the outbox, due at once for the next start."""
        rest = [ticket, *lane.queue]
        lane.queue.clear()
        try:
            await self._release([t.item.id for t in rest])
        except Exception as exc:
            for t in rest:
                self._settle(t, error=exc)
        else:
            for t in rest:
                self._settle(t, False)

    async def _attempt(self, lane: _Lane, ticket: _Ticket) -> bool:
        """Deliver one item, or defer it behind its chat's earlier message waiting for a
        retry; True when it was attempted."""
        item = ticket.item
        chat = _message_chat(item.payload)
        blocker = lane.held if chat else None
        if blocker is not None and blocker[0] < item.id:
            await self._defer(item.id, blocker[1])
            return False
        retry_at, more = await self._deliver(item.id, item.payload, item.attempts,
                                              item.created_at)
        if chat and retry_at is not None:
            lane.hold((item.id, retry_at))
        elif lane.held is not None and lane.held[0] == item.id:
            lane.held = None  # the message the chat waited for is out: the rest may follow
        if more and ticket.background:  # a drain claims its follow-ups itself
            self.kick()
        return True

    def _settle(self, ticket: _Ticket, attempted: bool = False, *,
                error: BaseException | None = None, cancelled: bool = False) -> None:
        self._queued.discard(ticket.item.id)
        if ticket.settled.done():  # its drain was cancelled
            if error is not None:
                log.error("event=outbox.delivery_error item=%s error=%s", ticket.item.id, error)
            return
        if cancelled:
            ticket.settled.cancel()
        elif error is not None:
            ticket.settled.set_exception(error)
        else:
            ticket.settled.set_result(attempted)

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
                       attempts: int, created_at: datetime | None = None,
                       ) -> tuple[datetime | None, bool]:
        """Execute one item; when it is to be tried again, when; and whether its result
        queued more work that is due now."""
        try:
            action = decode_action(dict(payload))
        except (KeyError, TypeError, ValueError) as exc:
            log.error("event=outbox.bad_payload item=%s error=%s", item_id, exc)
            more = await self._finish(item_id, ActionResult(ok=False, error=str(exc),
                                                            permanent=True))
            return None, more
        if self._superseded(item_id, action):
            log.info("event=outbox.edit_superseded item=%s", item_id)
            more = await self._finish(item_id, ActionResult(ok=True, details={"superseded": "yes"}))
            return None, more
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
                return retry_at, False
        except Exception as exc:  # an executor bug must not stop delivery of everything else
            log.exception("event=outbox.executor_error item=%s", item_id)
            result = ActionResult(ok=False, error=f"{type(exc).__name__}: {exc}", permanent=True)
        self._edited(item_id, action)
        if not result.ok:
            log.warning("event=action.failed action=%s error=%s", type(action).__name__, result.error)
        self.delivered.append((action, result))
        del self.delivered[:-200]
        try:
            more = await self._finish(item_id, result, action, sent_at)
        except Exception:
            # Sent, but the database went away before it could say so: remember the result,
            # or the item would be claimed again as stale and the member would get it twice.
            self._unrecorded[item_id] = (result, action)
            log.warning("event=outbox.result_unrecorded item=%s ok=%s", item_id, result.ok)
            raise
        return None, more

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
                      action: AnyAction | None = None, sent_at: datetime | None = None) -> bool:
        """Record the platform's answer and what follows from it. A notice's clean-up is timed
        from when it was sent (``sent_at``), not from when its result is stored. True when
        follow-up actions due now were queued."""
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
        return bool(follow)


@dataclass(eq=False, slots=True)
class _Ticket:
    """A claimed item on its way through a lane; `settled` is done once it was attempted
    (True), left for later (False: deferred, handed back, abandoned) or failed."""

    item: OutboxItem
    settled: asyncio.Future[bool]
    background: bool = False


@dataclass(eq=False, slots=True)
class _Lane:
    """One chat's delivery: its items one at a time, in outbox order."""

    queue: deque[_Ticket] = field(default_factory=deque)
    current: _Ticket | None = None
    task: asyncio.Task[None] | None = None
    # The chat's earliest message waiting for a retry (a 429, VK's error 9): its later
    # messages wait behind it, so the chat reads them in order (the FAQ answer before
    # "answered above ↑", ticket #1's card before #3's).
    held: tuple[int, datetime] | None = None
    # A result could not be stored (the database went away): the lane's other items are left
    # claimed, as the rest of a batch was, and are claimed again once stale.
    broken: bool = False

    def hold(self, blocker: tuple[int, datetime]) -> None:
        if self.held is None or blocker[0] <= self.held[0]:  # the same one: its new time
            self.held = blocker


#: the suffix of a chat's lane of deletions (see `_lane_key`)
DELETIONS = "#deletions"
#: actions that VK carries out for the whole community (groups.ban), whatever chat they name
_COMMUNITY_WIDE_ON_VK = frozenset({"Ban", "Unban", "Mute", "Unmute"})


def _lane_key(payload: dict[str, object]) -> str | None:
    """The chat an item acts in (a send, a queue card, an edit, a delete, a mute, a button's
    answer …); None for an item naming none (one shared lane). A VK ban or mute is one call
    for the whole community however many chats it names: those share one lane, so the
    executor sees the first go through before it decides whether the next is a repeat.

    A chat's deletions have a lane of their own beside its messages: the platform paces the
    bot's messages (≈20 a minute in a Telegram group), not its deletions, and a raid's twelfth
    message must not stay up behind eleven paced warnings. Nothing orders a delete after a
    send of the same lane: a delete names a message id, so the message it removes is out."""
    chat = payload.get("chat") or payload.get("queue")
    key = str(chat.get("$chat")) if isinstance(chat, dict) else None
    if key is not None and key.startswith("vk:") and payload.get("$action") in _COMMUNITY_WIDE_ON_VK:
        return "vk:community"
    if key is not None and payload.get("$action") == "DeleteMessage":
        return key + DELETIONS
    return key


def _when_settled(waiter: asyncio.Future[None], settled: list[asyncio.Future[bool]]) -> None:
    if not settled:
        if not waiter.done():
            waiter.set_result(None)
        return
    left = [len(settled)]

    def one_done(_: asyncio.Future[bool]) -> None:
        left[0] -= 1
        if left[0] == 0 and not waiter.done():
            waiter.set_result(None)

    for future in settled:
        future.add_done_callback(one_done)


def _log_failure(settled: asyncio.Future[bool]) -> None:
    """A background item's failure has no drain to raise it: it is logged (and the item waits
    in the outbox: a result the database missed is stored at the next drain)."""
    if settled.cancelled():
        return
    error = settled.exception()
    if error is None:
        return
    if storage_down(error):
        log.error("event=outbox.storage_unavailable error=%s",
                  f"the database is unreachable: {first_line(error)}")
    else:
        log.error("event=outbox.background_error error=%s", f"{type(error).__name__}: {error}")


def _message_chat(payload: dict[str, object]) -> str | None:
    """The chat a message item goes to (other actions keep no order among themselves)."""
    if payload.get("$action") not in ("SendMessage", "NotifyQueue"):
        return None
    return _lane_key(payload)


def _cleanup_for(action: AnyAction | None,
                 result: ActionResult) -> tuple[DeleteMessage, timedelta] | None:
    """Bot notices with `delete_after` are removed later, to keep the chat clean."""
    if not (isinstance(action, SendMessage) and action.delete_after and result.ok
            and result.message_id):
        return None
    return DeleteMessage(action.chat, result.message_id, action.thread_id), action.delete_after

