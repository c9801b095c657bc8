"""Executors perform actions on one network; the router sends each action to the right one."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import replace
from typing import Protocol

from bot.core.actions import (
    ActionResult,
    AnswerCallback,
    AnyAction,
    Ban,
    DeleteMessage,
    EditMessage,
    Kick,
    LeaveChat,
    Mute,
    NotifyQueue,
    Publish,
    SendMessage,
    Unban,
    Unmute,
)
from bot.core.chats import ChatRef
from bot.logs import redactor

log = logging.getLogger(__name__)

DELIVERY_KEY: ContextVar[str | None] = ContextVar("delivery_key", default=None)
"""The outbox item being delivered ("outbox:ID"), the same on every retry and after a restart:
executors whose platform deduplicates by a client-chosen id (VK's random_id) derive it from
this, so a retried send is recognised while an identical later decision is not suppressed."""


class TransientError(Exception):
    """A retry may help (429, 5xx, network); `retry_after` in seconds when the platform said."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Executor(Protocol):
    """Performs actions on one network. Raises TransientError when it gave up retrying;
    returns ActionResult(ok=False, permanent=True) when retrying cannot help."""

    platform: str

    async def execute(self, action: AnyAction) -> ActionResult: ...


def target_chat(action: AnyAction) -> ChatRef:
    if isinstance(action, NotifyQueue):
        return action.queue
    if isinstance(action, SendMessage | EditMessage | DeleteMessage | Mute | Unmute | Ban | Unban
                  | Kick | Publish | AnswerCallback | LeaveChat):
        return action.chat
    raise TypeError(f"unknown action {action!r}")


class ActionRouter:
    """Routes by the target chat's network: a VK complaint's card can go to a Telegram queue."""

    def __init__(self, executors: Mapping[str, Executor]) -> None:
        self._executors = dict(executors)

    def add(self, executor: Executor) -> None:
        self._executors[executor.platform] = executor

    async def execute(self, action: AnyAction) -> ActionResult:
        platform = target_chat(action).platform
        executor = self._executors.get(platform)
        if executor is None:
            return ActionResult(ok=False, error=f"network {platform} is not configured",
                                permanent=True)
        # Error texts travel on: into queue notices, stored failures (`modbot schedule list`),
        # audit records. A platform's or a proxy's error page may quote the request URL, and
        # on Telegram that holds the token, so they are scrubbed here, once, for every path.
        scrub = redactor()  # also the process's log redactor: it knows the config's secrets
        try:
            result = await executor.execute(action)
        except TransientError as exc:
            raise TransientError(scrub(str(exc)), exc.retry_after) from exc
        except Exception as exc:  # an executor bug fails this action, not everything else
            log.exception("event=action.executor_error action=%s", type(action).__name__)
            return ActionResult(ok=False, error=scrub(f"{type(exc).__name__}: {exc}"),
                                permanent=True)
        if result.error:
            result = replace(result, error=scrub(result.error))
        return result
