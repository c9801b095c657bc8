"""Audit log, warnings and known users."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import AuditRecord, KnownUserRecord, WarningRecord
from bot.db import locks
from bot.db.models import AuditEntry, KnownUser, Warning


def _warning(row: Warning) -> WarningRecord:
    return WarningRecord(id=row.id, community=row.community, user_ref=row.user_ref,
                         reason=row.reason, issued_by=row.issued_by, created_at=row.created_at,
                         expires_at=row.expires_at, revoked=row.revoked)


class SqlAuditLog:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, record: AuditRecord) -> None:
        self._s.add(AuditEntry(community=record.community, at=record.at, actor=record.actor,
                               action=record.action, target=record.target, chat=record.chat,
                               reason=record.reason, details=dict(record.details)))
        await self._s.flush()

    async def since(self, community: str, since: datetime) -> list[AuditRecord]:
        rows = (await self._s.execute(
            select(AuditEntry).where(AuditEntry.community == community, AuditEntry.at >= since)
            .order_by(AuditEntry.at, AuditEntry.id)
        )).scalars().all()
        return [AuditRecord(community=r.community, at=r.at, actor=r.actor, action=r.action,
                            target=r.target, chat=r.chat, reason=r.reason,
                            details=dict(r.details or {}), id=r.id) for r in rows]


class SqlWarnings:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, community: str, user_ref: str, reason: str, issued_by: str,
                  at: datetime, expires_at: datetime) -> WarningRecord:
        # two offences decided at once on two instances must count as two: the second waits
        # here until the first commits, and then counts it (PostgreSQL; see bot/db/locks.py)
        await locks.hold(self._s, f"warnings:{community}:{user_ref}")
        row = Warning(community=community, user_ref=user_ref, reason=reason, issued_by=issued_by,
                      created_at=at, expires_at=expires_at, revoked=False)
        self._s.add(row)
        await self._s.flush()
        return _warning(row)

    async def active(self, community: str, user_ref: str, now: datetime) -> list[WarningRecord]:
        rows = (await self._s.execute(
            select(Warning).where(Warning.community == community, Warning.user_ref == user_ref,
                                  Warning.revoked.is_(False), Warning.expires_at > now)
            .order_by(Warning.created_at, Warning.id)
        )).scalars().all()
        return [_warning(r) for r in rows]

    async def revoke_latest(self, community: str, user_ref: str, now: datetime) -> WarningRecord | None:
        active = await self.active(community, user_ref, now)
        if not active:
            return None
        latest = active[-1]
        await self._s.execute(update(Warning).where(Warning.id == latest.id).values(revoked=True))
        return latest

    async def revoke_all(self, community: str, user_ref: str, now: datetime) -> int:
        active = await self.active(community, user_ref, now)
        if active:
            await self._s.execute(update(Warning).where(Warning.id.in_([w.id for w in active]))
                                  .values(revoked=True))
        return len(active)


class SqlKnownUsers:
    """Remembers are buffered and written in one upsert at commit: on a busy chat this table
    is touched by nearly every message, so one statement per batch instead of two per message."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        self._pending: dict[str, dict[str, Any]] = {}

    async def remember(self, user_ref: str, username: str | None, name: str, at: datetime) -> None:
        lowered = username.lower() if username else None
        self._pending[user_ref] = {"user_ref": user_ref, "username": lowered, "name": name,
                                   "last_seen": at}

    async def flush(self) -> None:
        if not self._pending:
            return
        rows = list(self._pending.values())
        self._pending.clear()
        dialect = self._s.get_bind().dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            stmt = pg_insert(KnownUser)
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            stmt = sqlite_insert(KnownUser)  # type: ignore[assignment]
        else:
            for row in rows:
                await self._upsert_one(row)
            return
        # the rows as executemany parameters: one statement shape, compiled once and cached
        # (a VALUES list of the batch's length compiled anew for nearly every batch)
        await self._s.execute(stmt.on_conflict_do_update(
            index_elements=[KnownUser.user_ref],
            set_={"username": stmt.excluded.username, "name": stmt.excluded.name,
                  "last_seen": stmt.excluded.last_seen},
        ), rows)

    async def _upsert_one(self, row: dict[str, Any]) -> None:
        existing = (await self._s.execute(
            select(KnownUser).where(KnownUser.user_ref == row["user_ref"]))).scalar_one_or_none()
        if existing is None:
            self._s.add(KnownUser(**row))
        else:
            existing.username, existing.name = row["username"], row["name"]
            existing.last_seen = row["last_seen"]
        await self._s.flush()

    async def by_username(self, platform: str, username: str) -> KnownUserRecord | None:
        await self.flush()
        row = (await self._s.execute(
            select(KnownUser).where(KnownUser.username == username.lower().lstrip("@"),
                                    KnownUser.user_ref.like(f"{platform}:%"))
            .order_by(KnownUser.last_seen.desc()).limit(1)
        )).scalar_one_or_none()
        return KnownUserRecord(row.user_ref, row.username, row.name, row.last_seen) if row else None

    async def get(self, user_ref: str) -> KnownUserRecord | None:
        await self.flush()
        row = (await self._s.execute(select(KnownUser).where(KnownUser.user_ref == user_ref))
               ).scalar_one_or_none()
        return KnownUserRecord(row.user_ref, row.username, row.name, row.last_seen) if row else None
