"""Parse when a post goes out: absolute times, relative ones, weekly phrases and cron.

Accepted forms (all read in the community's timezone):
- "2026-12-01 10:00" (seconds and an explicit offset are allowed too),
- "tomorrow 9:00", "today 18:30" (also "завтра 9:00", "сегодня 18:30"),
- "in 2h", "in 1h30m" (also "через 2ч"),
- "every monday 10:00", "every day 9:00" (also "каждый понедельник 10:00"),
- five-field cron: "0 10 * * MON".

Each form becomes either one UTC instant or a cron expression that the scheduler expands in the
community's timezone, so a 10:00 post stays at 10:00 local across daylight-saving changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from bot.core.durations import DurationError, parse_duration
from bot.core.settings import ScheduleEntry


class ScheduleRuleError(ValueError):
    """The text is not one of the accepted forms."""


@dataclass(frozen=True, slots=True)
class OneOff:
    at: datetime  # aware, UTC


@dataclass(frozen=True, slots=True)
class Recurring:
    cron: str  # five-field cron, read in the community's timezone


Rule = OneOff | Recurring

_DAYS = {
    "monday": "MON", "tuesday": "TUE", "wednesday": "WED", "thursday": "THU", "friday": "FRI",
    "saturday": "SAT", "sunday": "SUN",
    "mon": "MON", "tue": "TUE", "wed": "WED", "thu": "THU", "fri": "FRI", "sat": "SAT",
    "sun": "SUN",
    "понедельник": "MON", "вторник": "TUE", "среду": "WED", "среда": "WED", "четверг": "THU",
    "пятницу": "FRI", "пятница": "FRI", "субботу": "SAT", "суббота": "SAT",
    "воскресенье": "SUN",
}
_EVERY = ("every", "каждый", "каждую", "каждое")
_RELATIVE = ("in", "через")
_TODAY = ("today", "сегодня")
_TOMORROW = ("tomorrow", "завтра")
_DAILY = ("day", "день")
_ABSOLUTE = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}:\d{2}(?::\d{2})?)(?:[+-]\d{2}:\d{2}|Z)?$")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_CRON_FIELD = re.compile(r"^[\d*/,\-A-Za-z?]+$")


def _parse_clock(text: str) -> time:
    match = _CLOCK.match(text)
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        raise ScheduleRuleError(f"{text!r} is not a time of day like 9:00 or 18:30")
    return time(int(match.group(1)), int(match.group(2)))


def parse_absolute(text: str, tz: ZoneInfo) -> datetime:
    """"YYYY-MM-DD HH:MM[:SS]" in `tz` (or with an explicit offset) → aware UTC."""
    cleaned = text.strip()
    if not _ABSOLUTE.match(cleaned):
        raise ScheduleRuleError(f"{text!r} is not a date and time like 2026-12-01 10:00")
    day, _, clock = cleaned.replace("T", " ").partition(" ")
    if len(clock.split(":")[0]) == 1:  # "9:00" → "09:00" so fromisoformat accepts it
        cleaned = f"{day} 0{clock}"
    try:
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise ScheduleRuleError(f"{text!r} is not a valid date and time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz)
    return moment.astimezone(UTC)


def validate_cron(expr: str) -> str:
    """A five-field cron expression, normalised to single spaces."""
    fields = expr.split()
    if len(fields) != 5 or not all(_CRON_FIELD.match(f) for f in fields):
        raise ScheduleRuleError(
            f"{expr!r} is not a five-field cron expression like \"0 10 * * MON\"")
    normalised = " ".join(fields)
    if not croniter.is_valid(normalised):
        raise ScheduleRuleError(f"{expr!r} is not a valid cron expression")
    return normalised


def parse_when(text: str, *, now: datetime, tz: ZoneInfo) -> Rule:
    """Parse the forms moderators type: see the module docstring for the list."""
    words = text.strip().lower().split()
    if not words:
        raise ScheduleRuleError("empty schedule")
    head = words[0]
    if head in _RELATIVE and len(words) >= 2:
        try:
            return OneOff(now + parse_duration("".join(words[1:])))
        except DurationError:
            raise ScheduleRuleError(f"{text!r}: expected a duration like \"in 2h\"") from None
    if head in _TODAY + _TOMORROW and len(words) == 2:
        local_today = now.astimezone(tz).date()
        day = local_today + timedelta(days=1 if head in _TOMORROW else 0)
        return OneOff(_local(day, _parse_clock(words[1]), tz))
    if head in _EVERY and len(words) == 3:
        clock = _parse_clock(words[2])
        if words[1] in _DAILY:
            return Recurring(f"{clock.minute} {clock.hour} * * *")
        day_name = _DAYS.get(words[1])
        if day_name is None:
            raise ScheduleRuleError(f"{words[1]!r} is not a day of the week")
        return Recurring(f"{clock.minute} {clock.hour} * * {day_name}")
    if len(words) == 5:
        return Recurring(validate_cron(text))
    return OneOff(parse_absolute(text, tz))


def split_when(text: str, *, now: datetime, tz: ZoneInfo) -> tuple[Rule, str]:
    """Split "/schedule" arguments into (rule, rest), trying the longest form first.

    Cron (5 words) goes first so "0 10 * * MON Hello" is not read as something shorter;
    a 3-word "in 2h 30m" beats "in 2h" for the same reason.
    """
    words = text.split()
    for size in (5, 3, 2):
        if len(words) >= size:
            try:
                rule = parse_when(" ".join(words[:size]), now=now, tz=tz)
            except ScheduleRuleError:
                continue
            # the post as written: an announcement's line breaks are part of it
            head = re.match(rf"\s*(?:\S+\s+){{{size - 1}}}\S+", text)
            return rule, text[head.end():].strip() if head else " ".join(words[size:])
    raise ScheduleRuleError(f"{text!r} does not start with a time")


def _local(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz).astimezone(UTC)


def validate_entry(entry: ScheduleEntry, tz: ZoneInfo) -> Rule:
    """Check a config entry; an `at` already in the past is valid (the scheduler skips it)."""
    if entry.cron is not None:
        return Recurring(validate_cron(entry.cron))
    if entry.at is None:
        raise ScheduleRuleError("give exactly one of `at` and `cron`")
    return OneOff(parse_absolute(entry.at, tz))
