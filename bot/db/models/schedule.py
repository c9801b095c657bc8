"""The content plan and its occurrences; the database is the scheduler's source of truth."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, UtcDateTime


class ScheduledPost(Base):
    __tablename__ = "scheduled_posts"
    __table_args__ = (UniqueConstraint("community", "config_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(100), index=True)
    source: Mapped[str] = mapped_column(String(16))  # "config" or "chat"
    config_key: Mapped[str | None] = mapped_column(String(64), nullable=True)
    at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    cron: Mapped[str | None] = mapped_column(String(100), nullable=True)
    text: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(500), nullable=True)
    chats: Mapped[list[str]] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Occurrences up to this instant have been materialised (NULL: not yet); moved with a
    # compare-and-set so two instances never expand the same window twice.
    expanded_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    ended_by: Mapped[str | None] = mapped_column(String(100), nullable=True)  # "config" or a user
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class Occurrence(Base):
    """One post to one chat at one time: pending → sending → sent | failed, or skipped,
    cancelled, unknown (a crash interrupted the send; reported, never repeated)."""

    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("post_id", "due_at", "chat"),
        Index("ix_occurrences_state_due", "state", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("scheduled_posts.id", ondelete="CASCADE"))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    chat: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(16), default="pending")
    claimed_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    platform_message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
