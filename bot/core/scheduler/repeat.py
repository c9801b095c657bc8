"""How a recurring post's cron reads to a moderator: "every Monday at 10:00", not "0 10 * * MON".

Moderators type "/schedule каждый понедельник 10:00" and must be able to check the plan in
their own words. The common shapes the phrases produce (daily, on some weekdays, on a day of
the month, at a fixed time) are worded from the catalogs; anything else a power user wrote as
raw cron is shown as cron, which they can read.
"""

from __future__ import annotations

from bot.core.texts import Text

_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_WEEKDAYS = (1, 2, 3, 4, 5)


def describe(cron: str) -> Text | str:
    """The catalog wording of a cron expression, or the expression itself."""
    fields = cron.split()
    if len(fields) != 5:
        return cron
    minute, hour, day, month, weekday = fields
    if not (minute.isdigit() and hour.isdigit() and month == "*"):
        return cron
    time = f"{int(hour):02d}:{int(minute):02d}"
    if day == "*" and weekday == "*":
        return Text("schedule.repeat.daily", {"time": time})
    if day.isdigit() and weekday == "*":
        return Text("schedule.repeat.monthly", {"day": int(day), "time": time})
    days = _weekdays(weekday) if day == "*" else None
    if not days:
        return cron
    if days == _WEEKDAYS:
        return Text("schedule.repeat.weekdays", {"time": time})
    names: list[Text | str] = []
    for index, number in enumerate(days):
        if index:
            names.append(", ")
        names.append(Text(f"schedule.repeat.on_{_NAMES[number]}"))
    return Text("schedule.repeat.weekly", {"days": tuple(names), "time": time})


def _weekdays(field: str) -> tuple[int, ...] | None:
    """Day numbers (0 = Sunday … 6), Monday first, from "MON", "1-5", "MON,WED" or "6,0"."""
    found: set[int] = set()
    for item in field.lower().split(","):
        first, dash, last = item.partition("-")
        start, end = _day(first), _day(last) if dash else _day(first)
        if start is None or end is None or end < start:
            return None
        found.update(range(start, end + 1))
    found = {7 if n == 0 else n for n in found}  # Sunday last, as the week reads
    return tuple(0 if n == 7 else n for n in sorted(found))


def _day(word: str) -> int | None:
    if word.isdigit() and int(word) <= 7:
        return int(word) % 7 if word != "7" else 0
    return _NAMES.index(word) if word in _NAMES else None
