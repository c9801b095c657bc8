"""The shape every feature (moderation, FAQ, complaints, scheduler) plugs into the Core with."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from bot.core.actions import ActionResult, AnyAction
from bot.core.chats import ChatRef
from bot.core.commands import CommandSpec
from bot.core.context import MessageContext
from bot.core.events import CallbackPressed
from bot.core.ports import UnitOfWork


class Feature(Protocol):
    """Each hook may return None / [] to pass; features are asked in the Core's order."""

    name: str

    def commands(self) -> Sequence[CommandSpec]: ...

    async def on_message(self, ctx: MessageContext) -> list[AnyAction] | None:
        """A non-command message. Return a list (even empty) to stop later features."""
        ...

    async def screen_command(self, ctx: MessageContext) -> list[AnyAction] | None:
        """A command message, before the command runs. A guard (the filter, anti-flood) that
        removes the message returns the actions, the message's deletion among them, and the
        command does not run: "/help" in front of abuse is no way around the filter."""
        ...

    async def on_callback(self, event: CallbackPressed, uow: UnitOfWork,
                          now: datetime) -> list[AnyAction] | None: ...

    async def on_deleted(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                         now: datetime) -> None:
        """Someone else's message is being deleted on a moderator's word (/del, a card's
        Delete button): what pointed at it must not any more."""
        ...

    async def on_gone(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                      now: datetime) -> list[AnyAction]:
        """A message is confirmed gone from its chat (any delete of the bot's went through:
        the filter's, /del, /purge, a card's button): what shows it as present is updated."""
        ...

    async def on_result(self, ref: str, result: ActionResult, uow: UnitOfWork,
                        now: datetime) -> list[AnyAction]: ...

    async def tick(self, uow: UnitOfWork, now: datetime) -> list[AnyAction]:
        """Periodic work (SLA re-announce, ...); runs in its own transaction."""
        ...


class BaseFeature:
    """Do-nothing defaults, so a feature implements only the hooks it needs."""

    name = "base"

    def commands(self) -> Sequence[CommandSpec]:
        return ()

    async def on_message(self, ctx: MessageContext) -> list[AnyAction] | None:
        return None

    async def screen_command(self, ctx: MessageContext) -> list[AnyAction] | None:
        return None

    async def on_callback(self, event: CallbackPressed, uow: UnitOfWork,
                          now: datetime) -> list[AnyAction] | None:
        return None

    async def on_deleted(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                         now: datetime) -> None:
        return None

    async def on_gone(self, chat: ChatRef, message_id: str, uow: UnitOfWork,
                      now: datetime) -> list[AnyAction]:
        return []

    async def on_result(self, ref: str, result: ActionResult, uow: UnitOfWork,
                        now: datetime) -> list[AnyAction]:
        return []

    async def tick(self, uow: UnitOfWork, now: datetime) -> list[AnyAction]:
        return []
