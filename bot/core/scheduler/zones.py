"""How a community's timezone is named in replies: its IANA name and its offset from UTC.

"Europe/Moscow" alone asks a moderator to know the zone; "Europe/Moscow, UTC+3" says what a
time means at a glance, in either language, and follows daylight saving (the offset is the one
in force at the moment shown).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

_PLAIN_UTC = frozenset({"UTC", "Etc/UTC", "Etc/GMT", "GMT", "Universal", "Zulu", "Etc/Universal"})


def zone_label(name: str, at: datetime) -> str:
    """``name`` with its UTC offset at ``at`` ("Europe/Moscow, UTC+3", "Asia/Kolkata, UTC+5:30")."""
    if name in _PLAIN_UTC:
        return "UTC"
    offset = at.astimezone(ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"{name}, UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")
