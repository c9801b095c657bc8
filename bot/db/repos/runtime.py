"""Processed events, state values, leases and the outbox."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.records import OutboxItem
from bot.db.models import Lease, OutboxRow, ProcessedEvent, StateValue


class SqlProcessedEvents:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def seen(self, event_id: str) -> bool:
        return await self._s.get(ProcessedEvent, event_id) is not None

    async def mark(self, event_id: str, at: datetime) -> None:
        self._s.add(ProcessedEvent(event_id=event_id, processed_at=at))
        await self._s.flush()

    async def seen_many(self, event_ids: Sequence[str]) -> set[str]:
        """One query for a whole batch of updates instead of one per update."""
        if not event_ids:
            return set()
        rows = await self._s.execute(
            select(ProcessedEvent.event_id).where(ProcessedEvent.event_id.in_(list(event_ids))))
        return set(rows.scalars())

    async def mark_many(self, event_ids: Sequence[str], at: datetime) -> None:
        """One executemany of a statement compiled once, not an ORM flush per batch: every
        update passes here."""
        if event_ids:
            await self._s.execute(insert(ProcessedEvent),
                                  [{"event_id": e, "processed_at": at} for e in event_ids])

    async def forget(self, before: datetime) -> int:
        """Drop ids processed before ``before``: no platform delivers an update again that
        late, and one row per update would otherwise grow the database for ever."""
        result = await self._s.execute(
            delete(ProcessedEvent).where(ProcessedEvent.processed_at < before))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlStateStore:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def get(self, key: str) -> str | None:
        row = await self._s.get(StateValue, key)
        return row.value if row else None

    async def put(self, key: str, value: str, at: datetime) -> None:
        row = await self._s.get(StateValue, key)
        if row is None:
            self._s.add(StateValue(key=key, value=value, updated_at=at))
        else:
            row.value, row.updated_at = value, at
        await self._s.flush()

    async def forget(self, prefix: str, before: datetime) -> int:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        result = await self._s.execute(delete(StateValue).where(
            StateValue.key.like(escaped + "%", escape="\\"), StateValue.updated_at < before))
        return int(getattr(result, "rowcount", 0) or 0)


class SqlLeases:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def acquire(self, name: str, holder: str, now: datetime, ttl_seconds: float) -> bool:
        """Take or renew the lease; succeeds only if free, expired or already ours."""
        expires = now + timedelta(seconds=ttl_seconds)
        row = await self._s.get(Lease, name, with_for_update=True)
        if row is None:
            self._s.add(Lease(name=name, holder=holder, expires_at=expires))
            await self._s.flush()
            return True
        if row.holder == holder or row.expires_at <= now:
            row.holder, row.expires_at = holder, expires
            await self._s.flush()
            return True
        return False

    async def release(self, name: str, holder: str) -> None:
        await self._s.execute(delete(Lease).where(Lease.name == name, Lease.holder == holder))


class SqlOutbox:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def add(self, event_id: str, payloads: Sequence[dict[str, Any]], at: datetime,
                  not_before: datetime | None = None) -> None:
        for seq, payload in enumerate(payloads):
            self._s.add(OutboxRow(event_id=event_id, seq=seq, payload=payload, state="pending",
                                  not_before=not_before, created_at=at, updated_at=at))
        await self._s.flush()

    async def claim_pending(self, holder: str, now: datetime, limit: int) -> list[OutboxItem]:
        """Claim due items (and ones a dead instance held for over 5 minutes), oldest first."""
        stale = now - timedelta(minutes=5)
        rows = (await self._s.execute(
            select(OutboxRow)
            .where(
                ((OutboxRow.state == "pending")
                 & ((OutboxRow.not_before.is_(None)) | (OutboxRow.not_before <= now)))
                | ((OutboxRow.state == "sending") & (OutboxRow.updated_at < stale))
            )
            .order_by(OutboxRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )).scalars().all()
        items = []
        for row in rows:
            row.state, row.holder, row.updated_at = "sending", holder, now
            row.attempts += 1
            items.append(OutboxItem(id=row.id, event_id=row.event_id, payload=row.payload,
                                    attempts=row.attempts, created_at=row.created_at))
        await self._s.flush()
        return items

    async def finish(self, item_id: int, ok: bool, error: str, at: datetime) -> None:
        await self._s.execute(
            update(OutboxRow).where(OutboxRow.id == item_id)
            .values(state="done" if ok else "failed", error=error[:2000], updated_at=at)
        )

    async def retrying(self, now: datetime) -> list[tuple[OutboxItem, datetime]]:
        rows = (await self._s.execute(
            select(OutboxRow).where(OutboxRow.state == "pending", OutboxRow.attempts > 0,
                                    OutboxRow.not_before > now).order_by(OutboxRow.id)
        )).scalars().all()
        return [(OutboxItem(id=row.id, event_id=row.event_id, payload=row.payload,
                            attempts=row.attempts), row.not_before) for row in rows
                if row.not_before is not None]

    async def defer(self, item_id: int, at: datetime) -> None:
        await self._s.execute(
            update(OutboxRow).where(OutboxRow.id == item_id)
            .values(state="pending", not_before=at, attempts=OutboxRow.attempts - 1,
                    updated_at=at)
        )

    async def forget_finished(self, done_before: datetime, failed_before: datetime) -> int:
        """Drop delivered items older than ``done_before`` and failed ones older than
        ``failed_before`` (kept longer: someone may be looking into why)."""
        result = await self._s.execute(delete(OutboxRow).where(
            ((OutboxRow.state == "done") & (OutboxRow.updated_at < done_before))
            | ((OutboxRow.state == "failed") & (OutboxRow.updated_at < failed_before))))
        return int(getattr(result, "rowcount", 0) or 0)

    async def retry_later(self, item_id: int, at: datetime, error: str) -> None:
        await self._s.execute(
            update(OutboxRow).where(OutboxRow.id == item_id)
            .values(state="pending", not_before=at, error=error[:2000], updated_at=at)
        )
