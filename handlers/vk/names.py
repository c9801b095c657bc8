"""Real names for VK members and chats: long-poll events carry only ids, and "id123" or
"vk:2000000001" on a queue card helps no moderator at 2 a.m. Member names are fetched with
users.get once per batch for the ids not seen before, chat titles with
messages.getConversationsById, and both are cached (titles for an hour, names for six: a chat
or a member may be renamed); a failed look-up keeps the id (never blocks an event)."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from bot.core.chats import VK_CHAT_PEER_BASE, UserRef
from bot.core.events import (
    Author,
    CallbackPressed,
    Event,
    IncomingMessage,
    SenderKind,
)
from handlers.vk.api import VkClient

log = logging.getLogger(__name__)
_CACHE_LIMIT = 50_000
TITLE_TTL = 3600.0  # seconds a chat title is trusted: renames are rare, and only cards show it
#: seconds a member's name is trusted: one who renames is named anew within hours, not never
NAME_TTL = 6 * 3600.0


class VkNames:
    def __init__(self, client: VkClient, *, monotonic: Callable[[], float] = time.monotonic
                 ) -> None:
        self._client = client
        self._known: dict[str, tuple[str, str | None]] = {}
        self._known_at: dict[str, float] = {}
        self._titles: dict[str, tuple[str, float]] = {}
        self._monotonic = monotonic

    async def enrich(self, events: Sequence[Event]) -> list[Event]:
        await self._fetch({ref for event in events for ref in _unnamed(event)})
        await self._fetch_titles({event.chat.chat_id for event in events
                                  if _untitled_chat(event)})
        return [self._titled(self._named(event)) for event in events]

    async def _fetch_titles(self, peer_ids: set[str]) -> None:
        now = self._monotonic()
        stale = sorted(p for p in peer_ids
                       if p not in self._titles or now - self._titles[p][1] > TITLE_TTL)
        if not stale:
            return
        try:
            found: Any = await self._client.call(
                "messages.getConversationsById", {"peer_ids": ",".join(stale)})
        except Exception as exc:  # a title is a nicety: the card shows the chat's id instead
            log.info("event=vk.chat_titles_unavailable count=%s error=%s", len(stale), exc)
            return
        if len(self._titles) > _CACHE_LIMIT:
            self._titles.clear()
        items = found.get("items", []) if isinstance(found, dict) else []
        for item in items if isinstance(items, list) else ():
            peer = str((item.get("peer") or {}).get("id", ""))
            title = str((item.get("chat_settings") or {}).get("title") or "")
            if peer:
                self._titles[peer] = (title, now)

    def _titled(self, event: Event) -> Event:
        if not isinstance(event, IncomingMessage) or not _untitled_chat(event):
            return event
        title = self._titles.get(event.chat.chat_id, ("", 0.0))[0]
        return dataclasses.replace(event, chat_title=title) if title else event

    async def _fetch(self, user_ids: set[str]) -> None:
        now = self._monotonic()
        missing = sorted(u for u in user_ids if u not in self._known
                         or now - self._known_at.get(u, now) > NAME_TTL)
        if not missing:
            return
        try:
            people: Any = await self._client.call(
                "users.get", {"user_ids": ",".join(missing), "fields": "screen_name"})
        except Exception as exc:  # names are a nicety: the event goes on without them
            log.info("event=vk.names_unavailable count=%s error=%s", len(missing), exc)
            return
        if len(self._known) > _CACHE_LIMIT:
            self._known.clear()
            self._known_at.clear()
        for person in people if isinstance(people, list) else ():
            name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
            screen = person.get("screen_name")
            username = screen if screen and screen != f"id{person.get('id')}" else None
            self._known[str(person.get("id"))] = (name or f"id{person.get('id')}", username)
            self._known_at[str(person.get("id"))] = now

    def _named(self, event: Event) -> Event:
        if isinstance(event, CallbackPressed):
            return dataclasses.replace(event, author=self._author(event.author))
        if not isinstance(event, IncomingMessage):
            return event
        reply = event.reply_to
        if reply is not None and reply.author is not None:
            reply = dataclasses.replace(reply, author=self._author(reply.author))
        return dataclasses.replace(event, author=self._author(event.author), reply_to=reply,
                                   labels=self._typed_labels(event.labels))

    def _typed_labels(self, labels: tuple[tuple[str, UserRef], ...]
                      ) -> tuple[tuple[str, UserRef], ...]:
        """Labels the writer typed: VK fills a mention's label with the member's first name
        (or full name), and a rude real name is not the writer's words."""
        kept = []
        for label, ref in labels:
            known = self._known.get(ref.user_id)
            if known is not None and _same_name(label, known[0]):
                continue
            kept.append((label, ref))
        return tuple(kept)

    def _author(self, author: Author) -> Author:
        known = self._known.get(author.ref.user_id)
        if known is None or author.kind is SenderKind.BOT:
            return author
        return Author(author.ref, known[0], known[1], author.kind)


def _same_name(label: str, full_name: str) -> bool:
    """"Мария" or "Мария Петрова" for Мария Петрова (any case)."""
    shown = " ".join(label.casefold().split())
    name = full_name.casefold().split()
    return bool(name) and shown in (name[0], " ".join(name))


def _untitled_chat(event: Event) -> bool:
    """A message in a VK chat (not a private dialogue) whose title the event does not carry."""
    return (isinstance(event, IncomingMessage) and not event.chat_title
            and event.chat.chat_id.isdigit() and int(event.chat.chat_id) >= VK_CHAT_PEER_BASE)


def _unnamed(event: Event) -> list[str]:
    authors: list[Author] = []
    labelled: list[str] = []
    if isinstance(event, IncomingMessage):
        authors.append(event.author)
        if event.reply_to is not None and event.reply_to.author is not None:
            authors.append(event.reply_to.author)
        labelled = [ref.user_id for _, ref in event.labels if ref.user_id.isdigit()]
    elif isinstance(event, CallbackPressed):
        authors.append(event.author)
    return [a.ref.user_id for a in authors
            if a.kind is not SenderKind.BOT and a.ref.user_id.isdigit()] + labelled
