"""Per-chat send pacing, so the bot stays under Telegram's flood limits instead of hitting 429s.

Telegram allows about 20 messages a minute in one group and about 30 a second overall. Each
chat gets a token bucket (kept as a "theoretical arrival time", GCRA style: one number per
chat). A short wait is taken inline; a long one is handed back to the caller as a delay, so
the outbox can reschedule the action instead of blocking every other chat behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Rate:
    per_minute: float
    burst: int

    @property
    def interval(self) -> float:
        return 60.0 / self.per_minute

    @property
    def tolerance(self) -> float:
        return (self.burst - 1) * self.interval


GROUP_RATE = Rate(per_minute=20, burst=5)
PRIVATE_RATE = Rate(per_minute=60, burst=5)
GLOBAL_RATE = Rate(per_minute=30 * 60, burst=30)


class Pacer:
    """Decides how long a send must wait; time comes from an injected monotonic clock."""

    def __init__(self, monotonic: Callable[[], float], *, group: Rate = GROUP_RATE,
                 private: Rate = PRIVATE_RATE, overall: Rate = GLOBAL_RATE) -> None:
        self._monotonic = monotonic
        self._group = group
        self._private = private
        self._overall = overall
        self._tat: dict[int | None, float] = {}
        self._blocked: dict[int, float] = {}

    def _rate(self, chat_id: int | None) -> Rate:
        if chat_id is None:
            return self._overall
        return self._private if chat_id > 0 else self._group

    def _delay(self, key: int | None, now: float) -> float:
        rate = self._rate(key)
        tat = max(self._tat.get(key, now), now)
        return max(0.0, tat - rate.tolerance - now)

    def reserve(self, chat_id: int, max_wait: float) -> tuple[bool, float]:
        """Book a send slot for `chat_id`.

        Returns (True, delay) when a slot was booked `delay` seconds from now (≤ max_wait), or
        (False, delay) without booking when the next free slot is further away than that.
        """
        now = self._monotonic()
        delay = max(self._delay(chat_id, now), self._delay(None, now))
        if delay > max_wait:
            return False, delay
        for key in (chat_id, None):
            rate = self._rate(key)
            start = max(self._tat.get(key, now), now)
            self._tat[key] = start + rate.interval
        return True, delay

    def penalize(self, chat_id: int, retry_after: float) -> None:
        """Telegram said 429: nothing more goes to that chat before `retry_after` passes."""
        now = self._monotonic()
        rate = self._rate(chat_id)
        blocked_until = now + retry_after + rate.tolerance
        self._tat[chat_id] = max(self._tat.get(chat_id, now), blocked_until)
        self._blocked[chat_id] = max(self._blocked.get(chat_id, now), now + retry_after)

    def blocked_for(self, chat_id: int) -> float:
        """Seconds left of a 429's wait for `chat_id` (0 when none): calls that are not sends
        (a raid's deletions, restrictions) keep it too, or Telegram extends the ban."""
        until = self._blocked.get(chat_id)
        if until is None:
            return 0.0
        left = until - self._monotonic()
        if left <= 0:
            del self._blocked[chat_id]
            return 0.0
        return left
