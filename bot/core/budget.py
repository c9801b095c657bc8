"""How many commands one member may have answered in one chat per minute.

Every reply the bot posts in a group is paced by the platform (about 20 a minute per chat on
Telegram) and delivered in order, so a member sending "/help" thirty times would both spam the
chat and hold up the deletion of someone else's abuse behind the queued replies. Past the
budget a member's commands are ignored until the minute has passed; moderators have none.
In memory per process, like anti-flood: a restart forgets a minute of history.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

COMMANDS_PER_WINDOW = 5
WINDOW = timedelta(minutes=1)
MAX_TRACKED = 10_000  # members tracked at once before idle histories are dropped


class CommandBudget:
    """Per (chat, member): the times of their recent commands."""

    def __init__(self, limit: int = COMMANDS_PER_WINDOW, window: timedelta = WINDOW) -> None:
        self._limit = limit
        self._window = window
        self._recent: dict[tuple[str, str], deque[datetime]] = {}

    def allow(self, chat: str, member: str, now: datetime) -> bool:
        """True if this command may run; it is counted either way (spamming on extends it)."""
        times = self._recent.setdefault((chat, member), deque())
        if times and now < times[-1]:  # sending times may arrive out of order
            now = times[-1]
        while times and now - times[0] >= self._window:
            times.popleft()
        times.append(now)
        if len(self._recent) > MAX_TRACKED:
            for key in [k for k, v in self._recent.items() if len(v) <= 1][: MAX_TRACKED // 2]:
                del self._recent[key]
        return len(times) <= self._limit
