"""Expand rules into due times: cron is read on the community's local clock, then put in UTC.

croniter is run over naive local wall-clock times and each result is localised with zoneinfo,
so "0 10 * * *" means 10:00 on the wall in Berlin both in winter (09:00 UTC) and in summer
(08:00 UTC). At the spring-forward gap a missing local time (02:30) maps to the instant just
after the gap; at the fall-back overlap a repeated local time fires once (its first instant).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter

from bot.core.scheduler.when import OneOff, Recurring, Rule

# A safety net against a cron that fires every minute over a long downtime.
MAX_EXPANSION = 500
_HOUR = timedelta(hours=1)


def _local_to_utc(naive_local: datetime, tz: ZoneInfo) -> datetime:
    return naive_local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def cron_times(cron: str, tz: ZoneInfo, after: datetime, until: datetime,
               limit: int = MAX_EXPANSION) -> list[datetime]:
    """UTC instants of `cron` (local to `tz`) in (after, until], oldest first.

    When more than `limit` fall in the window only the latest `limit` are returned: older
    ones are long past any grace window and would only be skipped anyway.
    """
    if until <= after:
        return []
    start = after.astimezone(tz).replace(tzinfo=None)
    # Start one hour early: at the fall-back overlap the naive clock goes backwards, and an
    # instant right after `after` could otherwise be missed. Results are filtered below.
    iterator = croniter(cron, start - _HOUR)
    found: list[datetime] = []
    seen: set[datetime] = set()
    end_local = until.astimezone(tz).replace(tzinfo=None)
    while True:
        naive: datetime = iterator.get_next(datetime)
        moment = _local_to_utc(naive, tz)
        if naive > end_local and moment > until:
            break
        if after < moment <= until and moment not in seen:
            seen.add(moment)
            found.append(moment)
            if len(found) > limit:
                found.pop(0)
    found.sort()
    return found


def next_time(rule: Rule, tz: ZoneInfo, after: datetime) -> datetime | None:
    """The first due instant strictly after `after` (None for a one-off already past)."""
    if isinstance(rule, OneOff):
        return rule.at if rule.at > after else None
    return next_cron_time(rule, tz, after)


def next_cron_time(rule: Recurring, tz: ZoneInfo, after: datetime) -> datetime | None:
    start = after.astimezone(tz).replace(tzinfo=None)
    iterator = croniter(rule.cron, start - _HOUR)
    for _ in range(10_000):
        naive: datetime = iterator.get_next(datetime)
        moment = _local_to_utc(naive, tz)
        if moment > after:
            return moment
    return None


def due_times(rule: Rule, tz: ZoneInfo, after: datetime | None, until: datetime) -> list[datetime]:
    """Due instants of `rule` in (after, until]; `after=None` means "never expanded yet"."""
    if isinstance(rule, OneOff):
        if rule.at <= until and (after is None or rule.at > after):
            return [rule.at]
        return []
    if after is None:
        return []
    return cron_times(rule.cron, tz, after, until)
