"""FAQ entries edited in chat, answers given (for the anti-repeat window) and unanswered gaps."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, UtcDateTime


class FaqEntryRow(Base):
    """An FAQ entry; `source` is "file" (mirrors the FAQ file) or "chat" (moderator edits win)."""

    __tablename__ = "faq_entries"
    __table_args__ = (UniqueConstraint("community", "faq_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(100), index=True)
    faq_id: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    questions: Mapped[list[str]] = mapped_column(JSON)
    answer: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="chat")  # "chat" | "import"
    deleted: Mapped[bool] = mapped_column(Boolean, default=False)
    # Bumped on every write, so count + sum(version) changes whenever any edit lands: another
    # instance (or the CLI) notices edits with one cheap aggregate query.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FaqAnswer(Base):
    """Where an entry was last answered, so the bot points there instead of repeating itself."""

    __tablename__ = "faq_answers"
    __table_args__ = (Index("ix_faq_answers_lookup", "community", "chat", "faq_id", "answered_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(100))
    chat: Mapped[str] = mapped_column(String(100))
    faq_id: Mapped[str] = mapped_column(String(200))
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    answered_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FaqGap(Base):
    """A question-like message that got no answer: the owner's to-do list for the FAQ."""

    __tablename__ = "faq_gaps"
    __table_args__ = (Index("ix_faq_gaps_recent", "community", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    community: Mapped[str] = mapped_column(String(100), index=True)
    chat: Mapped[str] = mapped_column(String(100))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(String(100), nullable=True)
    best_faq_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    score: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
