"""The FAQ's storage port and the rule that merges the owner's file with moderators' chat edits.

The FAQ file is the owner's; moderators edit in chat. Chat edits live in the database so they
survive restarts and file reloads: an edit overrides the file entry with the same id, a
deletion hides it, and entries added in chat come after the file's, in the order they were added.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.core.faq.entries import FaqEntry

SOURCE_CHAT = "chat"
SOURCE_IMPORT = "import"


@dataclass(frozen=True, slots=True)
class FaqEditRecord:
    """A stored edit: the entry as a moderator left it (`deleted` hides it from the FAQ)."""

    faq_id: str
    lang: str
    questions: tuple[str, ...]
    answer: str
    deleted: bool
    source: str
    updated_by: str | None
    updated_at: datetime

    def entry(self) -> FaqEntry:
        return FaqEntry(id=self.faq_id, lang=self.lang, questions=self.questions,
                        answer=self.answer)


@dataclass(frozen=True, slots=True)
class FaqAnswerRecord:
    """An answer the bot gave in one chat; `message_id` arrives once the platform sent it."""

    id: int
    chat: str
    faq_id: str
    message_id: str | None
    answered_at: datetime


@dataclass(frozen=True, slots=True)
class FaqGapRecord:
    """A question nobody in the FAQ answered."""

    id: int
    chat: str
    text: str
    author: str | None
    best_faq_id: str | None
    score: float
    created_at: datetime


class FaqRepo(Protocol):
    """`uow.faq`: chat edits, answers given (anti-repeat) and gaps, per community."""

    async def revision(self, community: str) -> str:
        """A fingerprint that changes whenever any edit of the community is written."""
        ...

    async def edits(self, community: str) -> list[FaqEditRecord]:
        """All edits including deletions, oldest first."""
        ...

    async def put(self, community: str, entry: FaqEntry, *, by: str, at: datetime,
                  source: str = SOURCE_CHAT) -> None:
        """Insert or replace the edit for `entry.id` (un-deleting it)."""
        ...

    async def delete(self, community: str, entry: FaqEntry, *, by: str, at: datetime) -> None:
        """Soft-delete: keep the last content, mark it deleted so the file entry stays hidden."""
        ...

    async def add_answer(self, community: str, chat: str, faq_id: str, at: datetime) -> int: ...

    async def set_answer_message(self, answer_id: int, message_id: str) -> None: ...

    async def answer_message(self, answer_id: int) -> str | None:
        """The sent answer's message id, while the bot knows it is in the chat."""
        ...

    async def drop_answer(self, answer_id: int) -> None:
        """The answer never reached the chat: forget it so the next asker gets it."""
        ...

    async def last_answer(self, community: str, chat: str, faq_id: str,
                          since: datetime) -> FaqAnswerRecord | None: ...

    async def forget_answer_message(self, chat: str, message_id: str) -> None:
        """Forget the answer sent as ``message_id`` in ``chat`` (or a VK post's comments)."""
        ...

    async def forget_answers(self, community: str, faq_id: str) -> None:
        """The entry's answer changed: earlier answers no longer hold the repeat window, so
        the next asker gets the new text instead of a pointer to the old one."""
        ...

    async def add_gap(self, community: str, chat: str, text: str, author: str | None,
                      best_faq_id: str | None, score: float, at: datetime) -> None: ...

    async def gaps(self, community: str, since: datetime) -> list[FaqGapRecord]: ...


def merge_entries(file_entries: Iterable[FaqEntry],
                  edits: Iterable[FaqEditRecord]) -> tuple[FaqEntry, ...]:
    """The effective FAQ: file order first (edited in place), then entries added in chat."""
    by_id = {edit.faq_id: edit for edit in edits}
    merged: list[FaqEntry] = []
    seen: set[str] = set()
    for entry in file_entries:
        seen.add(entry.id)
        edit = by_id.get(entry.id)
        if edit is None:
            merged.append(entry)
        elif not edit.deleted:
            merged.append(edit.entry())
    merged.extend(e.entry() for e in by_id.values() if e.faq_id not in seen and not e.deleted)
    return tuple(merged)


def find(entries: Sequence[FaqEntry], faq_id: str) -> FaqEntry | None:
    """Ids are matched exactly first, then case-insensitively (moderators type them by hand)."""
    exact = next((e for e in entries if e.id == faq_id), None)
    if exact is not None:
        return exact
    folded = faq_id.casefold()
    return next((e for e in entries if e.id.casefold() == folded), None)
