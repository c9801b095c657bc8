"""Plain records the repositories hand to the core (no ORM objects cross the port)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class AuditRecord:
    community: str
    at: datetime
    actor: str
    action: str
    target: str | None = None
    chat: str | None = None
    reason: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    id: int | None = None


@dataclass(frozen=True, slots=True)
class WarningRecord:
    id: int
    community: str
    user_ref: str
    reason: str
    issued_by: str
    created_at: datetime
    expires_at: datetime
    revoked: bool


@dataclass(frozen=True, slots=True)
class KnownUserRecord:
    user_ref: str
    username: str | None
    name: str
    last_seen: datetime


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """An action committed together with the decision that produced it, not yet executed."""

    id: int
    event_id: str
    payload: dict[str, Any]
    attempts: int
    #: when the action was decided: transient failures are retried for a while from then
    created_at: datetime | None = None
