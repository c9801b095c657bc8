"""Scheduled posts and their occurrences.

Every occurrence state change is a conditional UPDATE whose row count tells the caller whether
it won: on SQLite the engine starts transactions with BEGIN IMMEDIATE (one writer at a time), on
PostgreSQL the row lock makes a second UPDATE re-check its WHERE and match nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.core.scheduler.ports import (
    NewPost,
    OccurrenceRecord,
    OccurrenceState,
    PostRecord,
    PostSource,
)
from bot.db.models import Occurrence, ScheduledPost

# Plain strings, not enum members, so every driver binds them the same way.
_PENDING = OccurrenceState.PENDING.value
_SENDING = OccurrenceState.SENDING.value
_CANCELLED = OccurrenceState.CANCELLED.value
_SENT = OccurrenceState.SENT.value
_UNKNOWN = OccurrenceState.UNKNOWN.value


def _post(row: ScheduledPost) -> PostRecord:
    return PostRecord(id=row.id, community=row.community, source=row.source,
                      config_key=row.config_key, at=row.at, cron=row.cron, text=row.text,
                      photo=row.photo, chats=tuple(row.chats or ()), active=row.active,
                      created_by=row.created_by, created_at=row.created_at,
                      expanded_until=row.expanded_until, ended_by=row.ended_by)


def _occurrence(row: Occurrence, post: ScheduledPost) -> OccurrenceRecord:
    return OccurrenceRecord(id=row.id, post_id=row.post_id, community=post.community,
                            chat=row.chat, due_at=row.due_at, state=row.state,
                            attempts=row.attempts, text=post.text, photo=post.photo,
                            claimed_by=row.claimed_by, claimed_at=row.claimed_at,
                            next_attempt_at=row.next_attempt_at,
                            platform_message_id=row.platform_message_id, error=row.error)


def _joined() -> Select[Occurrence, ScheduledPost]:
    return select(Occurrence, ScheduledPost).join(
        ScheduledPost, ScheduledPost.id == Occurrence.post_id)


class SqlScheduleRepo:
    def __init__(self, session: AsyncSession) -> None:
        self._s = session

    async def _rowcount(self, statement: Any) -> int:
        result = await self._s.execute(statement, execution_options={"synchronize_session": False})
        assert isinstance(result, CursorResult)
        return int(result.rowcount)

    async def add_post(self, post: NewPost, now: datetime) -> PostRecord:
        row = ScheduledPost(community=post.community, source=str(post.source),
                            config_key=post.config_key, at=post.at, cron=post.cron,
                            text=post.text, photo=post.photo, chats=list(post.chats),
                            active=True, created_by=post.created_by, created_at=now,
                            expanded_until=None if post.cron is None else (post.since or now))
        self._s.add(row)
        await self._s.flush()
        return _post(row)

    async def get_post(self, post_id: int) -> PostRecord | None:
        row = await self._s.get(ScheduledPost, post_id)
        return _post(row) if row else None

    async def posts(self, community: str | None = None, *, active_only: bool = True,
                    source: str | None = None) -> list[PostRecord]:
        query = select(ScheduledPost).order_by(ScheduledPost.id)
        if community is not None:
            query = query.where(ScheduledPost.community == community)
        if active_only:
            query = query.where(ScheduledPost.active.is_(True))
        if source is not None:
            query = query.where(ScheduledPost.source == source)
        return [_post(r) for r in (await self._s.execute(query)).scalars().all()]

    async def deactivate(self, post_id: int, by: str, now: datetime) -> int:
        await self._s.execute(
            update(ScheduledPost).where(ScheduledPost.id == post_id)
            .values(active=False, ended_by=by, ended_at=now),
            execution_options={"synchronize_session": False})
        return await self._rowcount(
            update(Occurrence)
            .where(Occurrence.post_id == post_id, Occurrence.state == _PENDING)
            .values(state=_CANCELLED, updated_at=now))

    async def reactivate(self, post_id: int, now: datetime) -> None:
        """Back in config: active again, expanded from now on (no burst of missed times)."""
        row = await self._s.get(ScheduledPost, post_id)
        if row is None:
            return
        row.active, row.ended_by, row.ended_at = True, None, None
        if row.cron is not None:
            row.expanded_until = now
        await self._s.flush()

    async def advance_expansion(self, post_id: int, old: datetime | None,
                                new: datetime) -> bool:
        guard = (ScheduledPost.expanded_until.is_(None) if old is None
                 else ScheduledPost.expanded_until == old)
        return await self._rowcount(
            update(ScheduledPost)
            .where(ScheduledPost.id == post_id, ScheduledPost.active.is_(True), guard)
            .values(expanded_until=new)) == 1

    async def add_occurrence(self, post_id: int, chat: str, due_at: datetime, state: str,
                             now: datetime) -> int | None:
        existing = (await self._s.execute(
            select(Occurrence.id).where(Occurrence.post_id == post_id, Occurrence.chat == chat,
                                        Occurrence.due_at == due_at))).scalar_one_or_none()
        if existing is not None:
            return None
        row = Occurrence(post_id=post_id, chat=chat, due_at=due_at, state=str(state), attempts=0,
                         error="", updated_at=now)
        self._s.add(row)
        await self._s.flush()
        return row.id

    async def due(self, now: datetime, horizon: datetime, limit: int) -> list[OccurrenceRecord]:
        rows = (await self._s.execute(
            _joined().where(
                Occurrence.state == _PENDING,
                Occurrence.due_at <= horizon,
                Occurrence.next_attempt_at.is_(None) | (Occurrence.next_attempt_at <= now),
            ).order_by(Occurrence.due_at, Occurrence.id).limit(limit))).all()
        return [_occurrence(o, p) for o, p in rows]

    async def published_by_retired(self, community: str, chat: str, due: datetime) -> bool:
        found = (await self._s.execute(
            select(Occurrence.id).join(ScheduledPost, ScheduledPost.id == Occurrence.post_id)
            .where(ScheduledPost.community == community,
                   ScheduledPost.source == PostSource.CONFIG.value,
                   ScheduledPost.active.is_(False), Occurrence.chat == chat,
                   Occurrence.due_at == due,
                   Occurrence.state.in_([_SENDING, _SENT, _UNKNOWN])).limit(1))).first()
        return found is not None

    async def waiting(self, now: datetime) -> list[OccurrenceRecord]:
        rows = (await self._s.execute(
            _joined().where(Occurrence.state == _PENDING, Occurrence.next_attempt_at > now)
            .order_by(Occurrence.due_at, Occurrence.id))).all()
        return [_occurrence(o, p) for o, p in rows]

    async def claim(self, occurrence_id: int, holder: str, now: datetime) -> bool:
        return await self._rowcount(
            update(Occurrence)
            .where(Occurrence.id == occurrence_id, Occurrence.state == _PENDING)
            .values(state=_SENDING, claimed_by=holder, claimed_at=now,
                    attempts=Occurrence.attempts + 1, updated_at=now)) == 1

    async def transition(self, occurrence_id: int, to: str, now: datetime, *,
                         from_states: Collection[str], holder: str | None = None,
                         message_id: str | None = None, error: str | None = None,
                         next_attempt_at: datetime | None = None) -> bool:
        conditions = [Occurrence.id == occurrence_id,
                      Occurrence.state.in_([str(s) for s in from_states])]
        if holder is not None:
            conditions.append(Occurrence.claimed_by == holder)
        values: dict[str, Any] = {"state": str(to), "updated_at": now,
                                  "next_attempt_at": next_attempt_at}
        if message_id is not None:
            values["platform_message_id"] = message_id
        if error is not None:
            values["error"] = error[:2000]
        return await self._rowcount(update(Occurrence).where(*conditions).values(**values)) == 1

    async def in_flight(self, *, holder: str | None = None,
                        claimed_before: datetime | None = None) -> list[OccurrenceRecord]:
        query = _joined().where(Occurrence.state == _SENDING)
        if holder is not None:
            query = query.where(Occurrence.claimed_by == holder)
        if claimed_before is not None:
            query = query.where(Occurrence.claimed_at < claimed_before)
        rows = (await self._s.execute(query.order_by(Occurrence.id))).all()
        return [_occurrence(o, p) for o, p in rows]

    async def occurrences(self, *, post_id: int | None = None,
                          states: Sequence[str] | None = None) -> list[OccurrenceRecord]:
        query = _joined()
        if post_id is not None:
            query = query.where(Occurrence.post_id == post_id)
        if states is not None:
            query = query.where(Occurrence.state.in_([str(s) for s in states]))
        rows = (await self._s.execute(query.order_by(Occurrence.due_at, Occurrence.id))).all()
        return [_occurrence(o, p) for o, p in rows]

    async def get_occurrence(self, occurrence_id: int) -> OccurrenceRecord | None:
        row = (await self._s.execute(
            _joined().where(Occurrence.id == occurrence_id))).one_or_none()
        return _occurrence(row[0], row[1]) if row else None
