"""Ports the core owns: storage behind a unit of work, and what it asks of platforms.

Implementations live in `bot.db` (SQLAlchemy) and in the adapters; tests use fakes or real
SQLite. Services open one unit of work per use case and commit it themselves; repositories
never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Any, Protocol

from bot.core.chats import ChatRef
from bot.core.records import AuditRecord, KnownUserRecord, OutboxItem, WarningRecord


class ProcessedEvents(Protocol):
    async def seen(self, event_id: str) -> bool: ...
    async def mark(self, event_id: str, at: datetime) -> None: ...


class StateStore(Protocol):
    """Small named values: poll offsets, long-poll ts."""

    async def get(self, key: str) -> str | None: ...
    async def put(self, key: str, value: str, at: datetime) -> None: ...


class Leases(Protocol):
    """Cross-instance mutual exclusion through the database (one poller per network)."""

    async def acquire(self, name: str, holder: str, now: datetime, ttl_seconds: float) -> bool: ...
    async def release(self, name: str, holder: str) -> None: ...


class Outbox(Protocol):
    async def add(self, event_id: str, payloads: Sequence[dict[str, Any]], at: datetime,
                  not_before: datetime | None = None) -> None: ...
    async def claim_pending(self, holder: str, now: datetime, limit: int) -> list[OutboxItem]: ...
    async def finish(self, item_id: int, ok: bool, error: str, at: datetime) -> None: ...
    async def retry_later(self, item_id: int, at: datetime, error: str) -> None: ...


class AuditLog(Protocol):
    async def add(self, record: AuditRecord) -> None: ...
    async def since(self, community: str, since: datetime) -> list[AuditRecord]: ...


class Warnings(Protocol):
    async def add(self, community: str, user_ref: str, reason: str, issued_by: str,
                  at: datetime, expires_at: datetime) -> WarningRecord: ...
    async def active(self, community: str, user_ref: str, now: datetime) -> list[WarningRecord]: ...
    async def revoke_latest(self, community: str, user_ref: str, now: datetime) -> WarningRecord | None: ...
    async def revoke_all(self, community: str, user_ref: str, now: datetime) -> int: ...


class KnownUsers(Protocol):
    async def remember(self, user_ref: str, username: str | None, name: str, at: datetime) -> None: ...
    async def by_username(self, platform: str, username: str) -> KnownUserRecord | None: ...
    async def get(self, user_ref: str) -> KnownUserRecord | None: ...


class UnitOfWork(Protocol):
    """One transaction; `async with uow:` rolls back unless `commit()` was called."""

    processed: ProcessedEvents
    state: StateStore
    leases: Leases
    outbox: Outbox
    audit: AuditLog
    warnings: Warnings
    users: KnownUsers
    faq: Any  # bot.core.faq.store.FaqRepo (defined with the FAQ service)
    tickets: Any  # bot.core.complaints.ports.TicketRepo
    schedule: Any  # bot.core.scheduler.ports.ScheduleRepo

    async def __aenter__(self) -> UnitOfWork: ...
    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None: ...
    async def commit(self) -> None: ...
    async def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class ChatAdmins(Protocol):
    """Asks the platform who administers a chat (the core caches the answer)."""

    async def admin_ids(self, chat: ChatRef) -> frozenset[str]: ...


class ContentMatch(Protocol):
    """One hit of a content filter, pointing at the member's own characters."""

    @property
    def word(self) -> str: ...
    @property
    def start(self) -> int: ...
    @property
    def end(self) -> int: ...
    @property
    def fragment(self) -> str: ...
    @property
    def normalized(self) -> str: ...
    @property
    def lexicon(self) -> str: ...


class ContentVerdict(Protocol):
    @property
    def obscene(self) -> bool: ...
    @property
    def matches(self) -> Sequence[ContentMatch]: ...
    def explain(self) -> str: ...


class ContentFilter(Protocol):
    """Implemented by `filters.obscenity.ObscenityFilter`; built per community by the app."""

    def check(self, text: str) -> ContentVerdict: ...
