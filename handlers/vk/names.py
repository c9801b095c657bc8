"""Real names for VK members: long-poll events carry only ids, and "id123" on a queue card or
a notice helps no moderator at 2 a.m. Names are fetched with users.get once per batch for the
ids not seen before, and cached; a failed look-up keeps "id123" (never blocks an event)."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from bot.core.chats import UserRef
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


class VkNames:
    def __init__(self, client: VkClient) -> None:
        self._client = client
        self._known: dict[str, tuple[str, str | None]] = {}

    async def enrich(self, events: Sequence[Event]) -> list[Event]:
        await self._fetch({ref for event in events for ref in _unnamed(event)})
        return [self._named(event) for event in events]

    async def _fetch(self, user_ids: set[str]) -> None:
        missing = sorted(u for u in user_ids if u not in self._known)
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
        for person in people if isinstance(people, list) else ():
            name = " ".join(p for p in (person.get("first_name"), person.get("last_name")) if p)
            screen = person.get("screen_name")
            username = screen if screen and screen != f"id{person.get('id')}" else None
            self._known[str(person.get("id"))] = (name or f"id{person.get('id')}", username)

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
