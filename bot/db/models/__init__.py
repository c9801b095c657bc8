"""All tables; importing this package registers them on `Base.metadata` (Alembic reads it)."""

from bot.db.models.base import Base
from bot.db.models.complaints import AbusiveReporter, Ticket, TicketEvent, TicketReporter
from bot.db.models.faq import FaqAnswer, FaqEntryRow, FaqGap
from bot.db.models.moderation import AuditEntry, KnownUser, Warning
from bot.db.models.runtime import Lease, OutboxRow, ProcessedEvent, StateValue
from bot.db.models.schedule import Occurrence, ScheduledPost

__all__ = [
    "AbusiveReporter",
    "AuditEntry",
    "Base",
    "FaqAnswer",
    "FaqEntryRow",
    "FaqGap",
    "KnownUser",
    "Lease",
    "Occurrence",
    "OutboxRow",
    "ProcessedEvent",
    "ScheduledPost",
    "StateValue",
    "Ticket",
    "TicketEvent",
    "TicketReporter",
    "Warning",
]
