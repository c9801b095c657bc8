"""Anti-flood: too many messages in a short window, or the same text over and over.

State is in memory per process (a restart forgets a few seconds of history, which is
harmless). Time is when the member sent each message (the platform's date, never later than
the injected clock): after a restart the backlog arrives in one burst, and eight calm
messages written a minute apart are not a flood.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from bot.core.settings import AntifloodSettings

MAX_TRACKED = 10_000  # members tracked at once before idle histories are dropped


@dataclass(slots=True)
class _Seen:
    at: datetime
    message_id: str
    thread_id: str | None
    text: str
    album: str | None = None
    deleted: bool = False

    @property
    def post(self) -> str:
        """What counts as one post: an album's photos arrive as several messages."""
        return f"album:{self.album}" if self.album else self.message_id


@dataclass(frozen=True, slots=True)
class FloodVerdict:
    """`mute`: the member sent too much too fast. `delete`: (message_id, thread_id) repeats."""

    mute: bool = False
    delete: tuple[tuple[str, str | None], ...] = ()
    first_repeat: bool = False  # the first time repeats were found, so the notice comes once

    @property
    def acted(self) -> bool:
        return self.mute or bool(self.delete)


def _normalize(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass
class FloodGuard:
    """Histories per (community, chat, member)."""

    _recent: dict[tuple[str, str, str], deque[_Seen]] = field(default_factory=dict)

    def observe(self, key: tuple[str, str, str], message_id: str, thread_id: str | None,
                text: str, at: datetime, settings: AntifloodSettings, *,
                album: str | None = None) -> FloodVerdict:
        if not settings.enabled:
            return FloodVerdict()
        history = self._recent.setdefault(key, deque())
        if history and at < history[-1].at:  # the platform's dates may arrive out of order
            at = history[-1].at
        horizon = max(settings.window, settings.repeat_window)
        while history and at - history[0].at >= horizon:
            history.popleft()
        history.append(_Seen(at, message_id, thread_id, _normalize(text), album))
        if len({seen.post for seen in history if at - seen.at < settings.window}) \
                >= settings.messages:
            del self._recent[key]
            return FloodVerdict(mute=True)
        verdict = self._repeats(history, at, settings)
        self._trim()
        return verdict

    @staticmethod
    def _repeats(history: deque[_Seen], at: datetime,
                 settings: AntifloodSettings) -> FloodVerdict:
        latest = history[-1]
        if not latest.text:
            return FloodVerdict()
        same = [s for s in history if s.text == latest.text and at - s.at < settings.repeat_window]
        if len(same) < settings.repeats:
            return FloodVerdict()
        first_repeat = not any(s.deleted for s in same)
        doomed = [s for s in same[1:] if not s.deleted]
        for seen in doomed:
            seen.deleted = True
        return FloodVerdict(delete=tuple((s.message_id, s.thread_id) for s in doomed),
                            first_repeat=first_repeat)

    def _trim(self) -> None:
        if len(self._recent) <= MAX_TRACKED:
            return
        for key in [k for k, v in self._recent.items() if len(v) <= 1][: MAX_TRACKED // 2]:
            del self._recent[key]
