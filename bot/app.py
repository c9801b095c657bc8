"""The composition root: config in, a wired bot out. No module-level singletons elsewhere."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.config import LoadedConfig
from bot.core.clock import Clock, SystemClock
from bot.core.core import Core
from bot.core.directory import Directory
from bot.core.feature import Feature
from bot.core.permissions import AdminCache, Permissions
from bot.db.engine import make_engine, make_sessionmaker
from bot.db.migrate import upgrade
from bot.db.uow import SqlUnitOfWorkFactory
from bot.logs import redactor
from bot.runtime.executor import ActionRouter, Executor
from bot.runtime.pipeline import Pipeline
from bot.texts import TextCatalog, catalog

log = logging.getLogger(__name__)


@dataclass
class App:
    """Everything a running bot needs, built once from the config."""

    config: LoadedConfig
    clock: Clock
    engine: AsyncEngine
    uow_factory: SqlUnitOfWorkFactory
    catalog: TextCatalog
    admin_cache: AdminCache
    core: Core
    router: ActionRouter
    pipeline: Pipeline
    instance_id: str
    services: dict[str, Any] = field(default_factory=dict)

    async def close(self) -> None:
        await self.engine.dispose()


def build_features(config: LoadedConfig, clock: Clock, services: dict[str, Any]) -> list[Feature]:
    """Features in the order they see a non-command message: moderation first (it may delete
    the message), then complaints (private complaint dialogues), then the FAQ."""
    from bot.core.basics import BasicsFeature
    from bot.features import complaints, faq, moderation, schedule

    return [BasicsFeature(), *(module.build(config, clock, services)
                               for module in (moderation, complaints, faq, schedule))]


async def create_app(config: LoadedConfig, *, clock: Clock | None = None,
                     executors: Sequence[Executor] = (), migrate: bool = True,
                     instance_id: str | None = None) -> App:
    """Wire the bot; migrations run first so a fresh database just works."""
    clock = clock or SystemClock()
    for secret in config.secrets:  # error texts reach chats and the database: scrubbed too
        redactor().add(secret)
    engine = make_engine(config.database_url)
    if migrate:
        await upgrade(engine)
    uow_factory = SqlUnitOfWorkFactory(make_sessionmaker(engine))
    ttls = {name: timedelta(seconds=section.admins_ttl)
            for name, section in (("telegram", config.app.telegram), ("vk", config.app.vk))
            if section is not None}
    admin_cache = AdminCache(None, clock, timedelta(seconds=300), ttls)
    permissions = Permissions(admin_cache)
    directory = Directory(config.app.community)
    services: dict[str, Any] = {"permissions": permissions, "directory": directory,
                                "uow_factory": uow_factory}
    features = build_features(config, clock, services)
    leave = {name: section.leave_unknown_chats
             for name, section in (("telegram", config.app.telegram), ("vk", config.app.vk))
             if section is not None}
    moderation = services.get("moderation")
    core = Core(directory, permissions, clock, features, leave_unknown_chats=leave,
                decent=moderation.decent if moderation is not None else None)
    router = ActionRouter({e.platform: e for e in executors})
    instance = instance_id or f"{socket.gethostname()}:{os.getpid()}"
    pipeline = Pipeline(core, uow_factory, router, clock, instance)
    services.update(router=router, pipeline=pipeline, instance_id=instance)
    return App(config=config, clock=clock, engine=engine, uow_factory=uow_factory,
               catalog=catalog(), admin_cache=admin_cache, core=core, router=router,
               pipeline=pipeline, instance_id=instance, services=services)
