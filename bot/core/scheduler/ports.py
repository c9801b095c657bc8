"""What the scheduler needs from storage and from the platforms, as Protocols and records.

The database is the scheduler's source of truth: every state change of an occurrence is a
conditional update whose row count says whether this instance won it, so two instances on one
database never both publish the same occurrence.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from bot.core.actions import ActionResult, AnyAction


class OccurrenceState(StrEnum):
    """pending → sending → sent | failed; pending → skipped | cancelled; sending → unknown."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SKIPPED = "skipped"  # missed by more than the grace window, or superseded by a newer one
    CANCELLED = "cancelled"  # its post was unscheduled before it was due
    UNKNOWN = "unknown"  # a crash interrupted the send: reported, never repeated


class PostSource(StrEnum):
    CONFIG = "config"
    CHAT = "chat"


@dataclass(frozen=True, slots=True)
class NewPost:
    community: str
    source: PostSource
    text: str
    chats: tuple[str, ...]
    created_by: str
    at: datetime | None = None
    cron: str | None = None
    photo: str | None = None  # a local path (config) or a platform file id (chat)
    config_key: str | None = None
    since: datetime | None = None  # a cron post's occurrences count from here (default: now)


@dataclass(frozen=True, slots=True)
class PostRecord:
    id: int
    community: str
    source: str
    config_key: str | None
    at: datetime | None
    cron: str | None
    text: str
    photo: str | None
    chats: tuple[str, ...]
    active: bool
    created_by: str
    created_at: datetime
    expanded_until: datetime | None  # occurrences up to here exist; None = not expanded yet
    ended_by: str | None


@dataclass(frozen=True, slots=True)
class OccurrenceRecord:
    """One post to one chat at one time, with the post's content joined in."""

    id: int
    post_id: int
    community: str
    chat: str
    due_at: datetime
    state: str
    attempts: int
    text: str
    photo: str | None
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    next_attempt_at: datetime | None = None
    platform_message_id: str | None = None
    error: str = ""


class ScheduleRepo(Protocol):
    """Implemented by `bot.db.repos.schedule.SqlScheduleRepo`; never commits."""

    async def add_post(self, post: NewPost, now: datetime) -> PostRecord: ...
    async def get_post(self, post_id: int) -> PostRecord | None: ...
    async def posts(self, community: str | None = None, *, active_only: bool = True,
                    source: str | None = None) -> list[PostRecord]: ...
    async def deactivate(self, post_id: int, by: str, now: datetime) -> int:
        """Make the post inactive and cancel its pending occurrences; returns how many."""
        ...
    async def reactivate(self, post_id: int, now: datetime) -> None: ...
    async def advance_expansion(self, post_id: int, old: datetime | None,
                                new: datetime) -> bool:
        """Compare-and-set `expanded_until` of an active post: False when another instance
        moved it first or the post was unscheduled meanwhile."""
        ...
    async def add_occurrence(self, post_id: int, chat: str, due_at: datetime, state: str,
                             now: datetime) -> int | None:
        """Insert one occurrence; None when (post, chat, due) already exists."""
        ...
    async def due(self, now: datetime, horizon: datetime, limit: int) -> list[OccurrenceRecord]:
        """Pending occurrences due by `horizon` whose retry time (if any) has come."""
        ...
    async def published_by_retired(self, community: str, chat: str, due: datetime) -> bool:
        """True when a retired config post of ``community`` went out (or may have) to
        ``chat`` at ``due``: the slot was already published by the entry's earlier version."""
        ...
    async def waiting(self, now: datetime) -> list[OccurrenceRecord]:
        """Pending occurrences whose retry time has not come yet."""
        ...
    async def claim(self, occurrence_id: int, holder: str, now: datetime) -> bool:
        """pending → sending, only if still pending; True when this holder won it."""
        ...
    async def transition(self, occurrence_id: int, to: str, now: datetime, *,
                         from_states: Collection[str], holder: str | None = None,
                         message_id: str | None = None, error: str | None = None,
                         next_attempt_at: datetime | None = None) -> bool:
        """Conditional state change; `holder` also requires `claimed_by == holder`."""
        ...
    async def in_flight(self, *, holder: str | None = None,
                        claimed_before: datetime | None = None) -> list[OccurrenceRecord]:
        """Occurrences in `sending`, claimed by `holder` or claimed before a moment."""
        ...
    async def occurrences(self, *, post_id: int | None = None,
                          states: Sequence[str] | None = None) -> list[OccurrenceRecord]: ...
    async def get_occurrence(self, occurrence_id: int) -> OccurrenceRecord | None: ...


class Publisher(Protocol):
    """Executes a Publish directly on a platform (the action router), not through the outbox:
    the outbox's crash recovery would resend blindly, which a scheduled post must not do."""

    async def execute(self, action: AnyAction) -> ActionResult: ...
