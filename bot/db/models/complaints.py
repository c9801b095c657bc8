"""Tickets in the human queue, their history, who reported them, and reporters marked abusive."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, UtcDateTime


class Ticket(Base):
    """One complaint in a community's queue; `number` is the #N people see, `id` is internal.

    `source_event` is unique so one platform update can never file two tickets; `card_state`
    tracks the queue card: pending (queued in the outbox), stale (the ticket changed before the
    card's message id came back, so it must be edited once known), delivered, failed, none.
    """

    __tablename__ = "tickets"
    __table_args__ = (
        UniqueConstraint("community", "number"),
        UniqueConstraint("source_event"),
        Index("ix_tickets_message", "community", "chat", "message_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(100), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default="new")
    source_event: Mapped[str] = mapped_column(String(200))
    chat: Mapped[str | None] = mapped_column(String(100), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    thread_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message_text: Mapped[str] = mapped_column(Text, default="")
    message_link: Mapped[str | None] = mapped_column(String(500), nullable=True)
    reported_user: Mapped[str | None] = mapped_column(String(100), nullable=True)
    reported_name: Mapped[str] = mapped_column(String(200), default="")
    reporter: Mapped[str] = mapped_column(String(100))
    reporter_name: Mapped[str] = mapped_column(String(200), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    against_moderator: Mapped[bool] = mapped_column(Boolean, default=False)
    reporters_count: Mapped[int] = mapped_column(Integer, default=1)
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_name: Mapped[str] = mapped_column(String(200), default="")  # for the card only
    resolution: Mapped[str] = mapped_column(Text, default="")
    card_chat: Mapped[str | None] = mapped_column(String(100), nullable=True)
    card_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    card_state: Mapped[str] = mapped_column(String(16), default="pending")
    chat_title: Mapped[str] = mapped_column(String(255), default="", server_default="")
    sla_announced: Mapped[bool] = mapped_column(Boolean, default=False)
    # The reported message is gone from the chat (the card's delete went through).
    message_deleted: Mapped[bool] = mapped_column(Boolean, default=False,
                                                  server_default=false())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When the ticket last became "new" (creation or reopen): the SLA clock starts here.
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketEvent(Base):
    """One lifecycle transition: the audit trail of a ticket."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    action: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class TicketReporter(Base):
    """Each report merged into a ticket; also the data for the per-reporter rate limit."""

    __tablename__ = "ticket_reporters"
    __table_args__ = (UniqueConstraint("ticket_id", "reporter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    community: Mapped[str] = mapped_column(String(100))
    reporter: Mapped[str] = mapped_column(String(100), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AbusiveReporter(Base):
    __tablename__ = "abusive_reporters"
    __table_args__ = (UniqueConstraint("community", "reporter"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(100))
    reporter: Mapped[str] = mapped_column(String(100))
    marked_by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(UtcDateTime)
