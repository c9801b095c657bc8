"""Test helpers for scheduled posts: a scripted fake executor and a Berlin-time config."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.app import App, create_app
from bot.config import LoadedConfig, load_config
from bot.core.actions import ActionResult, AnyAction, NotifyQueue, Publish
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.events import Author, IncomingMessage, ReplyTarget
from bot.features.schedule import service_for

SCHEDULE_CONFIG = """
[database]
url = "{url}"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[vk]
token = "vk-test-token"
group_id = 42
{vk_extra}

[[community]]
name = "demo"
language = "en"
timezone = "Europe/Berlin"
chats = {chats}
moderators = ["telegram:900"]
queue = "telegram:-2002"
{community_extra}
{entries}
"""

MODERATOR = Author(UserRef("telegram", "900"), "Mod", "mod")
MEMBER = Author(UserRef("telegram", "5"), "Member", "member")


class Crash(BaseException):
    """Stands in for the process being killed in the middle of a send."""


Outcome = ActionResult | BaseException | None  # None = success with a fresh message id


@dataclass
class ScriptedExecutor:
    """Records every action; Publish outcomes follow `script` (then succeed)."""

    platform: str
    script: list[Outcome] = field(default_factory=list)
    actions: list[AnyAction] = field(default_factory=list)
    shared: list[AnyAction] | None = None
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    async def execute(self, action: AnyAction) -> ActionResult:
        self.actions.append(action)
        if self.shared is not None:
            self.shared.append(action)
        if isinstance(action, Publish) and self.script:
            outcome = self.script.pop(0)
            if isinstance(outcome, BaseException):
                raise outcome
            if outcome is not None:
                return outcome
        return ActionResult(ok=True, message_id=str(next(self._ids)))

    @property
    def published(self) -> list[Publish]:
        return [a for a in self.actions if isinstance(a, Publish)]

    @property
    def notices(self) -> list[NotifyQueue]:
        return [a for a in self.actions if isinstance(a, NotifyQueue)]


def schedule_config(write_config: Callable[..., Path], *, entries: str = "",
                    chats: str = '["telegram:-1001"]', community_extra: str = "",
                    vk_extra: str = "",
                    url: str = "sqlite+aiosqlite:///schedule.db") -> LoadedConfig:
    text = SCHEDULE_CONFIG.format(entries=entries, chats=chats, url=url,
                                  community_extra=community_extra, vk_extra=vk_extra)
    return load_config(write_config(text))


def entry(*, at: str | None = None, cron: str | None = None, text: str = "Hello",
          extra: str = "") -> str:
    when = f'at = "{at}"' if at is not None else f'cron = "{cron}"'
    return f'\n[[community.schedule]]\n{when}\ntext = "{text}"\n{extra}\n'


async def make_app(config: LoadedConfig, clock: FakeClock, *, instance_id: str = "one",
                   script: list[Outcome] | None = None,
                   shared: list[AnyAction] | None = None) -> tuple[App, ScriptedExecutor,
                                                                   ScriptedExecutor]:
    telegram = ScriptedExecutor("telegram", list(script or []), shared=shared)
    vk = ScriptedExecutor("vk", shared=shared)
    app = await create_app(config, clock=clock, executors=[telegram, vk],
                           instance_id=instance_id)
    return app, telegram, vk


async def run(app: App, clock: FakeClock) -> Any:
    return await service_for(app).run_due(clock.now())


async def occurrences(app: App, **filters: Any) -> list[Any]:
    async with app.uow_factory() as uow:
        return list(await uow.schedule.occurrences(**filters))


def message(text: str, *, author: Author = MODERATOR, chat: str = "telegram:-1001",
            reply_to: ReplyTarget | None = None, at: datetime, event_id: str = "m1"
            ) -> IncomingMessage:
    return IncomingMessage(event_id=event_id, chat=ChatRef.parse(chat), message_id="77",
                           author=author, text=text, date=at, reply_to=reply_to)
