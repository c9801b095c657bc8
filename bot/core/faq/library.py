"""One matcher per community, kept in step with the FAQ file and the chat edits.

Owners edit the FAQ file while the bot runs, and moderators edit in chat (possibly on another
instance, or through the CLI). Both are checked cheaply on every use — a `stat` of the file and
one aggregate query — and the matcher is rebuilt only when the merged entries really changed,
because building it is the expensive part.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from bot.core.faq.entries import FaqEntry, FaqFileError, load_faq_file
from bot.core.faq.matcher import FaqMatch, FaqMatcher, Thresholds
from bot.core.faq.question import is_question_like
from bot.core.faq.store import FaqEditRecord, FaqRepo, find, merge_entries
from bot.core.settings import AnswerSettings

log = logging.getLogger(__name__)


class Matcher(Protocol):
    """What the FAQ feature needs of a matcher (the real one, or a fake in tests)."""

    def match(self, text: str) -> FaqMatch: ...


MatcherFactory = Callable[[Sequence[FaqEntry], Thresholds], Matcher]


def thresholds_for(settings: AnswerSettings) -> Thresholds:
    """The community's bands; an unset threshold keeps the matcher's measured default."""
    default = Thresholds()
    return Thresholds(
        answer=default.answer if settings.answer_threshold is None else settings.answer_threshold,
        suggest=default.suggest if settings.suggest_threshold is None
        else settings.suggest_threshold,
    )


def real_matcher_factory(cache_dir: Path | None) -> MatcherFactory:
    """Builds `FaqMatcher`s whose indexes are cached on disk (keyed by content)."""

    def build(entries: Sequence[FaqEntry], thresholds: Thresholds) -> Matcher:
        return FaqMatcher.build(entries, thresholds=thresholds, cache_dir=cache_dir)

    return build


@dataclass(frozen=True, slots=True)
class FaqBook:
    """A snapshot of one community's effective FAQ and its matcher."""

    entries: tuple[FaqEntry, ...]
    matcher: Matcher | None  # None when the FAQ is empty

    def get(self, faq_id: str) -> FaqEntry | None:
        return find(self.entries, faq_id)

    def match(self, text: str) -> FaqMatch:
        if self.matcher is None:
            return FaqMatch(None, 0.0, "none", is_question_like(text), ())
        return self.matcher.match(text)


RECHECK = timedelta(seconds=2)
# The content's digest, not the file's stat: an edit saved within the same timestamp tick
# (coarse clocks on FAT, network mounts) keeps size and mtime when one word replaces another
# of the same length. Hashing a 5,000-entry file costs about a millisecond per check.
_FileSignature = bytes
_MISSING: _FileSignature = b"missing"


@dataclass
class _State:
    file_signature: _FileSignature | None = None
    file_entries: tuple[FaqEntry, ...] = ()
    revision: str | None = None
    edits: tuple[FaqEditRecord, ...] | None = None  # None: reload from the repository
    merged: tuple[FaqEntry, ...] | None = None  # None: merge again
    book: FaqBook = field(default_factory=lambda: FaqBook((), None))
    built_for: tuple[tuple[FaqEntry, ...], Thresholds] | None = None
    checked_at: datetime | None = None
    file_changed: frozenset[str] = frozenset()  # ids whose file text changed, to check


def _warn_shadowed(community: str, changed: frozenset[str],
                   edits: Sequence[FaqEditRecord]) -> None:
    """The owner changed an entry in the file that moderators edited (or deleted) in chat: the
    chat's version stays, as documented, and the owner reading the log learns why."""
    edited = {edit.faq_id for edit in edits}
    for faq_id in sorted(changed & edited):
        log.warning("event=faq.file_change_shadowed community=%s id=%s hint=\"edited in chat, "
                    "which wins; modbot faq import FILE takes the file's text\"", community,
                    faq_id)


class FaqLibrary:
    """Per-community FAQ books; `book()` returns a fresh one, rebuilding only on change."""

    def __init__(self, files: Mapping[str, Path | None], matcher_factory: MatcherFactory) -> None:
        self._files = dict(files)
        self.matcher_factory = matcher_factory
        self._states: dict[str, _State] = {}
        self._problems: dict[str, list[tuple[str, str]]] = {}  # community -> (kind, detail)
        self.builds = 0  # how many matchers were built (tests and logs check rebuilds are rare)

    def file_of(self, community: str) -> Path | None:
        return self._files.get(community)

    def take_problems(self, community: str) -> list[tuple[str, str]]:
        """File problems seen since the last call, as (kind, detail): ``invalid`` with the
        file's problems, or ``missing`` with the system's reason. Each broken version of the
        file is reported once, so the owner hears of it in the queue, not only in the log."""
        return self._problems.pop(community, [])

    def invalidate(self, community: str | None = None) -> None:
        """Forget cached state (all communities when None); the next `book()` reloads."""
        if community is None:
            self._states.clear()
        else:
            self._states.pop(community, None)

    async def book(self, community: str, settings: AnswerSettings, repo: FaqRepo,
                   now: datetime | None = None) -> FaqBook:
        """The current book. With `now` (the per-message hot path) the file and the database
        are looked at most once per `RECHECK`, so a busy chat does not stat and query for every
        message; commands pass no `now` and always see the latest edits."""
        state = self._states.setdefault(community, _State())
        if (now is not None and state.checked_at is not None and state.edits is not None
                and timedelta(0) <= now - state.checked_at < RECHECK):
            return state.book
        state.checked_at = now
        self._refresh_file(community, state)
        revision = await repo.revision(community)
        if revision != state.revision or state.edits is None:
            state.revision = revision
            state.edits = tuple(await repo.edits(community))
            state.merged = None
        if state.file_changed:
            _warn_shadowed(community, state.file_changed, state.edits)
            state.file_changed = frozenset()
        if state.merged is None:
            state.merged = merge_entries(state.file_entries, state.edits)
        key = (state.merged, thresholds_for(settings))
        if key != state.built_for:
            entries = state.merged
            matcher = self.matcher_factory(entries, key[1]) if entries else None
            if matcher is not None:
                self.builds += 1
            state.book = FaqBook(entries, matcher)
            state.built_for = key
            log.info("event=faq.rebuilt community=%s entries=%d", community, len(entries))
        return state.book

    async def entries(self, community: str, settings: AnswerSettings,
                      repo: FaqRepo) -> tuple[FaqEntry, ...]:
        return (await self.book(community, settings, repo)).entries

    def _refresh_file(self, community: str, state: _State) -> None:
        """Reload the file when its signature changed; a broken file keeps the last good one."""
        path = self._files.get(community)
        if path is None:
            return
        try:
            signature = hashlib.blake2b(path.read_bytes(), digest_size=16).digest()
        except OSError as exc:
            if state.file_signature != _MISSING:
                log.warning("event=faq.file_missing community=%s path=%s error=%s",
                            community, path, exc.strerror)
                self._problems.setdefault(community, []).append(
                    ("missing", exc.strerror or type(exc).__name__))
            state.file_signature = _MISSING
            return
        if signature == state.file_signature:
            return
        state.file_signature = signature
        try:
            entries = tuple(load_faq_file(path))
        except FaqFileError as exc:
            log.error("event=faq.file_invalid community=%s problems=%s", community, str(exc))
            self._problems.setdefault(community, []).append(("invalid", str(exc)))
            return
        if entries != state.file_entries:
            before = {e.id: e for e in state.file_entries}
            state.file_changed = frozenset(
                e.id for e in entries if e.id in before and before[e.id] != e)
            state.file_entries = entries
            state.merged = None
            log.info("event=faq.file_loaded community=%s path=%s entries=%d",
                     community, path, len(entries))
