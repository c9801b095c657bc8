"""What a feature sees while handling one message: the event, its community, the transaction."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from bot.core import auditing
from bot.core.actions import AnyAction, Button, DeleteMessage, NotifyQueue, SendMessage
from bot.core.chats import ChatRef
from bot.core.directory import Role
from bot.core.events import IncomingMessage
from bot.core.permissions import Permissions
from bot.core.ports import UnitOfWork
from bot.core.settings import CommunitySettings
from bot.core.texts import Text


@dataclass
class MessageContext:
    """Built once per message by the Core; features read it and return actions."""

    event: IncomingMessage
    community: CommunitySettings
    role: Role
    uow: UnitOfWork
    now: datetime
    permissions: Permissions
    #: a configured chat's title as last seen, for lines naming a chat other than this one
    title_of: Callable[[ChatRef], str] = field(default=lambda _chat: "", repr=False)
    #: the id the config knows a chat by (a Telegram group upgraded to a supergroup has a new
    #: one): what tickets and settings were stored under
    configured: Callable[[ChatRef], ChatRef] = field(default=lambda chat: chat, repr=False)
    #: actions of a feature that lets the message go on to the next one (a dry-run verdict's
    #: audit line): the Core sends them with whatever the next feature decides
    noted: list[AnyAction] = field(default_factory=list, repr=False)
    _moderator: bool | None = field(default=None, repr=False)

    @property
    def lang(self) -> str:
        return self.community.language

    @property
    def chat(self) -> ChatRef:
        return self.event.chat

    @property
    def configured_chat(self) -> ChatRef:
        return self.configured(self.event.chat)

    @property
    def sent_at(self) -> datetime:
        """When the member sent the message (the platform's date), never later than now:
        rate limits judge members by their own pace, and after a restart the backlog arrives
        in one burst."""
        date = self.event.date
        if date.tzinfo is None:
            return self.now
        return min(date, self.now)

    async def is_moderator(self) -> bool:
        if self._moderator is None:
            self._moderator = await self.permissions.is_moderator(
                self.community, self.event.chat, self.event.author)
        return self._moderator

    def reply(self, key: str, *, delete_after: timedelta | None = None,
              buttons: tuple[tuple[Button, ...], ...] = (), ref: str | None = None,
              **params: Any) -> SendMessage:
        """A reply to the current message, worded by catalog key."""
        return SendMessage(chat=self.event.chat, text=Text(key, params), lang=self.lang,
                           reply_to=self.event.message_id, thread_id=self.event.thread_id,
                           buttons=buttons, delete_after=delete_after, ref=ref)

    def reply_raw(self, text: str, **kwargs: Any) -> SendMessage:
        return SendMessage(chat=self.event.chat, text=Text.raw(text), lang=self.lang,
                           reply_to=self.event.message_id, thread_id=self.event.thread_id,
                           **kwargs)

    async def refuse(self, command: str) -> list[AnyAction]:
        """One polite refusal per member per cooldown, not a reply to every attempt."""
        key = f"refused:{self.community.name}:{self.event.author.ref}"
        last = await self.uow.state.get(key)
        cooldown = self.community.moderation.refusal_cooldown
        if last is not None and self.now - datetime.fromisoformat(last) < cooldown:
            return []
        await self.uow.state.put(key, self.now.isoformat(), self.now)
        return [self.notice("common.not_moderator", command=f"/{command}")]

    def notice(self, key: str, **params: Any) -> SendMessage:
        """A bot notice in a community chat that removes itself after `notice_ttl`."""
        return self.reply(key, delete_after=self.community.moderation.notice_ttl, **params)

    def delete_current(self, ref: str | None = None) -> DeleteMessage:
        return DeleteMessage(self.event.chat, self.event.message_id, self.event.thread_id, ref)

    def to_queue(self, key: str, *, buttons: tuple[tuple[Button, ...], ...] = (),
                 ref: str | None = None, **params: Any) -> NotifyQueue | None:
        if self.community.queue is None:
            return None
        return NotifyQueue(self.community.queue, Text(key, params), self.lang, buttons, ref)

    async def audit(self, action: str, *, actor: str, target: str | None = None,
                    target_name: str = "", reason: str = "", shown_reason: Text | None = None,
                    **details: Any) -> list[AnyAction]:
        """Store an audit record; mirror it to the queue chat when the community asks.

        The people this message shows (its author, the author it replies to) are named on
        the line without the caller passing their names."""
        return await auditing.record(self.uow, self.community, self.now, action, actor=actor,
                                     chat=str(self.event.chat),
                                     chat_title=self.event.chat_title, target=target,
                                     chat_titles={c: self.title_of(ChatRef.parse(c))
                                                  for c in details.get("applied_in", ())},
                                     actor_name=self._shown_name(actor),
                                     target_name=target_name or self._shown_name(target),
                                     reason=reason,
                                     shown_reason=shown_reason, **details)

    def _shown_name(self, ref: str | None) -> str:
        reply = self.event.reply_to
        for author in (self.event.author, reply.author if reply is not None else None):
            if author is not None and ref == str(author.ref):
                return author.plain_name
        return ""
