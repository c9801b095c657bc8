"""Durations as moderators type them: 30s, 10m, 2h, 3d, 1w (also combined: 1h30m)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d{1,6})\s*([smhdw])")
_WHOLE = re.compile(r"^(?:\d{1,6}\s*[smhdw]\s*)+$")
_RU_UNITS = {"с": "s", "м": "m", "ч": "h", "д": "d", "н": "w"}
MAX_SECONDS = 100 * 365 * 86400


class DurationError(ValueError):
    """The text is not a duration like 10m, 2h or 3d; ``problem`` says what is wrong
    ("format", "not_positive" or "too_long") so a reply can say it in the reader's language."""

    def __init__(self, message: str, problem: str = "format") -> None:
        super().__init__(message)
        self.problem = problem


def parse_duration(text: str) -> timedelta:
    """Parse "10m", "2h", "3d", "1w", "1h30m" (Russian unit letters too: 10м, 2ч, 3д)."""
    cleaned = text.strip().lower()
    cleaned = "".join(_RU_UNITS.get(ch, ch) for ch in cleaned)
    if not cleaned or not _WHOLE.match(cleaned):
        raise DurationError(f"not a duration: {text!r} (use e.g. 30s, 10m, 2h, 3d, 1w)")
    seconds = sum(int(n) * _UNIT_SECONDS[u] for n, u in _PART.findall(cleaned))
    if seconds <= 0:
        raise DurationError(f"duration must be positive: {text!r}", "not_positive")
    if seconds > MAX_SECONDS:  # "/mute 999999w" would overflow the date it is added to
        raise DurationError(f"duration too long: {text!r} (at most 100 years)", "too_long")
    return timedelta(seconds=seconds)


_UNIT_NAMES = {
    "en": (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)),
    "ru": ((" нед.", 604800), (" дн.", 86400), (" ч", 3600), (" мин", 60), (" с", 1)),
}


def format_duration(delta: timedelta, lang: str = "en") -> str:
    """Compact, in the reader's language: 90 minutes -> "1h30m" / "1 ч 30 мин"."""
    seconds = int(delta.total_seconds())
    units = _UNIT_NAMES.get(lang, _UNIT_NAMES["en"])
    if seconds <= 0:
        return f"0{units[-1][0]}"
    parts: list[str] = []
    for unit, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return ("" if lang == "en" else " ").join(parts)
