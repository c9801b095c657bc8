"""What the complaints core asks of storage: plain records and the TicketRepo port.

The SQL implementation is `bot.db.repos.complaints.SqlTicketRepo` (reached as `uow.tickets`);
records are frozen so the core changes a ticket with `dataclasses.replace` and `save`s it,
which keeps every write explicit and the core free of ORM objects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True, slots=True)
class NewTicket:
    """Everything known about a report when it is filed."""

    community: str
    source_event: str
    reporter: str
    reporter_name: str
    reason: str
    message_text: str
    chat: str | None = None
    message_id: str | None = None
    thread_id: str | None = None
    message_link: str | None = None
    reported_user: str | None = None
    reported_name: str = ""
    against_moderator: bool = False
    card_chat: str | None = None
    card_state: str = "pending"
    chat_title: str = ""  # the group's title where the platform gives one


@dataclass(frozen=True, slots=True)
class TicketRecord:
    id: int
    community: str
    number: int
    state: str
    source_event: str
    chat: str | None
    message_id: str | None
    thread_id: str | None
    message_text: str
    message_link: str | None
    reported_user: str | None
    reported_name: str
    reporter: str
    reporter_name: str
    reason: str
    against_moderator: bool
    reporters_count: int
    claimed_by: str | None
    claimed_name: str
    resolution: str
    card_chat: str | None
    card_message_id: str | None
    card_state: str
    sla_announced: bool
    created_at: datetime
    updated_at: datetime
    opened_at: datetime
    chat_title: str = ""
    message_deleted: bool = False  # the reported message is gone (the card's delete worked)


@dataclass(frozen=True, slots=True)
class TicketEventRecord:
    """One stored transition or moderator action on a ticket: who, what, when."""

    ticket_id: int
    action: str
    actor: str
    note: str
    at: datetime


class TicketRepo(Protocol):
    """Tickets, their history, reporters and the abuse list. Never commits."""

    async def create(self, new: NewTicket, now: datetime) -> TicketRecord:
        """Store a ticket with the next #N of its community and its first reporter."""
        ...

    async def get(self, ticket_id: int) -> TicketRecord | None: ...

    async def by_number(self, community: str, number: int) -> TicketRecord | None: ...

    async def by_source_event(self, event_id: str) -> TicketRecord | None: ...

    async def by_card(self, card_chat: str, card_message_id: str) -> TicketRecord | None:
        """The ticket whose card this message is, or was (a reminder took over as the card:
        moderators still reply to the first one)."""
        ...

    async def retire_card(self, ticket_id: int, card_chat: str, card_message_id: str,
                          at: datetime) -> None:
        """Remember a replaced card message as the ticket's, for :meth:`by_card`."""
        ...

    async def open_for_message(self, community: str, chat: str,
                               message_id: str) -> TicketRecord | None:
        """The open (new or claimed) ticket about this message, for merging reports."""
        ...

    async def latest_for_message(self, community: str, chat: str,
                                 message_id: str) -> TicketRecord | None:
        """The newest ticket about this message, open or closed."""
        ...

    async def add_reporter(self, ticket_id: int, community: str, reporter: str, reason: str,
                           now: datetime) -> bool:
        """Count one more reporter; False (and nothing stored) if they already reported it."""
        ...

    async def reporters(self, ticket_id: int) -> list[str]: ...

    async def reports_since(self, community: str, reporter: str, since: datetime) -> int:
        """Reports (filed or merged) by this reporter strictly after `since`: the rate limit."""
        ...

    async def save(self, ticket: TicketRecord) -> None:
        """Write the ticket's mutable fields back (state, claim, card, counters)."""
        ...

    async def add_event(self, ticket_id: int, action: str, actor: str, note: str,
                        at: datetime) -> None: ...

    async def events(self, ticket_id: int) -> list[TicketEventRecord]: ...

    async def in_states(self, community: str, states: Sequence[str],
                        limit: int) -> list[TicketRecord]:
        """Tickets in these states, oldest first."""
        ...

    async def unannounced_new(self) -> list[TicketRecord]:
        """New tickets whose SLA re-announcement has not gone out yet (all communities)."""
        ...

    async def mark_message_deleted(self, ticket_id: int) -> None:
        """The reported message is gone (only this column: see the SQL implementation)."""
        ...

    async def failed_cards(self) -> list[TicketRecord]:
        """Open tickets whose card the queue chat refused (all communities)."""
        ...

    async def mark_abusive(self, community: str, reporter: str, by: str, at: datetime) -> bool:
        """False if the reporter was already marked."""
        ...

    async def unmark_abusive(self, community: str, reporter: str) -> bool: ...

    async def is_abusive(self, community: str, reporter: str) -> bool: ...
