"""One raw update in, one committed decision out — shared by long polling and the webhook.

Updates arrive as plain JSON dicts and are parsed one by one, so a single update aiogram
cannot parse is logged and skipped instead of failing the whole batch (and, with it, every
later update). `handle` returns only once the update's effects are committed, which is when
the caller may confirm it to Telegram.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from bot.core.clock import Clock
from bot.core.events import Event, IncomingMessage
from bot.core.permissions import AdminCache
from bot.db.outage import storage_down
from bot.runtime.pipeline import POLL_DELIVERY_WAIT, Pipeline
from handlers.telegram.lenient import parse_update
from handlers.telegram.mapping import admins_changed, chat_ref, map_update

log = logging.getLogger(__name__)
_ADDRESSED = re.compile(r"^/[A-Za-z_]{1,32}@(\w+)")
_OWN_MENTION = re.compile(r"^\s*@(\w{3,32})[\s,:]+")

Sleeper = Callable[[float], Awaitable[None]]


class Outcome(Enum):
    PROCESSED = "processed"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"  # not something the core handles (service message, poll …)
    BAD = "bad"  # malformed, or failed every try: logged, skipped


class StorageUnavailable(Exception):
    """The database refused the update: it must not be confirmed (Telegram keeps it)."""


class UpdateHandler:
    def __init__(self, bot: Bot, pipeline: Pipeline, clock: Clock, admin_cache: AdminCache,
                 sleeper: Sleeper, *, attempts: int = 3, retry_delay: float = 1.0) -> None:
        self._bot = bot
        self._pipeline = pipeline
        self._clock = clock
        self._admin_cache = admin_cache
        self._sleep = sleeper
        self._attempts = attempts
        self._retry_delay = retry_delay
        self._username: str | None = None

    async def handle_batch(self, raws: list[Any]) -> None:
        """Decide a whole getUpdates batch in one transaction (one commit, not one per update).

        Its actions go out in the chats' lanes, and the next getUpdates waits for them at
        most POLL_DELIVERY_WAIT: one chat's pace wait or a slow Bot API call must not hold up
        every chat's next messages.

        Parsing stays per update, so one malformed update is skipped alone; if deciding the
        batch fails, each update is decided again alone (committed ones are duplicates by
        then and are skipped), which retries and isolates the bad one.
        """
        await self._learn_username()
        events = []
        for raw in raws:
            event = self._map(raw)
            if isinstance(event, Outcome):
                continue
            events.append(event)
        if not events:
            return
        try:
            await self._pipeline.process_many(events, deliver=False)
        except (OperationalError, InterfaceError) as exc:
            raise StorageUnavailable(str(exc)) from exc
        except Exception:
            log.exception("event=telegram.batch_failed size=%s", len(events))
            decided = []
            for raw in raws:  # each alone, its actions sent as the batch's would have been
                outcome, event_id = await self._decide(raw)
                if outcome is Outcome.PROCESSED and event_id is not None:
                    decided.append(event_id)
            await self._pipeline.kick_and_wait(decided, POLL_DELIVERY_WAIT)
            return
        await self._pipeline.kick_and_wait([event.event_id for event in events],
                                           POLL_DELIVERY_WAIT)

    async def _learn_username(self) -> None:
        """Our @username, to tell "/ban@modbot" from "/ban@otherbot" (getMe, cached)."""
        if self._username is None:
            try:
                self._username = ((await self._bot.me()).username or "").lower()
            except Exception:  # unknown for now: every addressed command counts as ours
                log.warning("event=telegram.username_unknown")

    def _addressed(self, event: Event) -> Event:
        if not isinstance(event, IncomingMessage) or not self._username:
            return event
        mention = _OWN_MENTION.match(event.text)
        if mention and mention.group(1).lower() == self._username:
            # "@modbot when are the lessons?" asks the bot: the question is what follows
            event = dataclasses.replace(event, text=event.text[mention.end():])
        match = _ADDRESSED.match(event.text)
        if match and match.group(1).lower() != self._username:
            return dataclasses.replace(event, for_other_bot=True)
        return event

    def _map(self, raw: Any) -> Event | Outcome:
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        try:
            update = parse_update(raw, self._bot)
            self._note_admin_change(update)
            event = map_update(update, self._bot.id, self._clock.now())
        except (ValidationError, ValueError, TypeError, AttributeError) as exc:
            log.warning("event=telegram.bad_update update_id=%s error=%s", update_id,
                        str(exc).replace("\n", " ")[:500])
            return Outcome.BAD
        if event is None:
            log.debug("event=telegram.ignored update_id=%s", update_id)
            return Outcome.IGNORED
        return self._addressed(event)

    async def accept(self, raw: Any) -> tuple[Outcome, asyncio.Future[None] | None]:
        """Map, decide and commit one update; its actions go out in the background (the
        webhook answers Telegram once the update is committed, not once the bot's own sends
        are through). Returns the outcome and, for a processed update, a future done once
        its actions were attempted. Raises StorageUnavailable only when the DB is down."""
        outcome, event_id = await self._decide(raw)
        if outcome is not Outcome.PROCESSED or event_id is None:
            return outcome, None
        return outcome, self._pipeline.kick([event_id])

    async def settle(self) -> None:
        """Wait for the background delivery `accept` started to finish."""
        await self._pipeline.settle()

    async def _decide(self, raw: Any) -> tuple[Outcome, str | None]:
        """Map, decide and commit one update (its actions wait in the outbox); the outcome,
        and the event's id when it was processed."""
        update_id = raw.get("update_id") if isinstance(raw, dict) else None
        await self._learn_username()
        event = self._map(raw)
        if isinstance(event, Outcome):
            return event, None
        for attempt in range(1, self._attempts + 1):
            try:
                fresh = await self._pipeline.process(event, deliver=False)
            except IntegrityError:
                # another instance committed this update first (webhook fan-out: the retry
                # finds it processed), or a race on a counter (two /report at once taking the
                # same ticket number: the retry takes the next one). Either way, try again.
                log.info("event=telegram.update_conflict update_id=%s attempt=%s", update_id,
                         attempt)
                continue
            except Exception as exc:
                if storage_down(exc):  # the database is down or locked: keep the update
                    raise StorageUnavailable(str(exc).splitlines()[0] if str(exc) else
                                             type(exc).__name__) from exc
                log.exception("event=telegram.update_failed update_id=%s event_id=%s attempt=%s",
                              update_id, event.event_id, attempt)
                if attempt < self._attempts:
                    await self._sleep(self._retry_delay * 2 ** (attempt - 1))
                continue
            return (Outcome.PROCESSED if fresh else Outcome.DUPLICATE), event.event_id
        log.error("event=telegram.update_skipped update_id=%s event_id=%s", update_id,
                  event.event_id)
        return Outcome.BAD, None

    def _note_admin_change(self, update: Update) -> None:
        changed = update.chat_member or update.my_chat_member
        if changed is not None and admins_changed(changed):
            self._admin_cache.invalidate(chat_ref(changed.chat.id))
