"""Transaction-scoped named locks, for the counters two instances could race on.

On SQLite a write transaction already excludes every other (the unit of work begins with
BEGIN IMMEDIATE). On PostgreSQL two instances run at once, so "the next ticket number" or "this
member's warnings so far" read in one transaction can be stale by the time it commits: the
second instance waits on an advisory lock instead, which PostgreSQL releases at commit.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


def _key(name: str) -> int:
    """A stable signed 64-bit key for a lock name (advisory locks are numbered)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big",
                          signed=True)


async def hold(session: AsyncSession, name: str) -> None:
    """Take the lock ``name`` until the session's transaction ends (no-op but on PostgreSQL)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _key(name)})
