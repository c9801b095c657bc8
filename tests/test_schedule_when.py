"""Parsing when a post goes out, and expanding rules on the community's clock."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.core.scheduler.occurrences import cron_times, due_times, next_time
from bot.core.scheduler.plan import config_key, entry_to_post
from bot.core.scheduler.when import (
    OneOff,
    Recurring,
    ScheduleRuleError,
    parse_when,
    split_when,
    validate_entry,
)
from bot.core.scheduler.zones import zone_label
from bot.core.settings import CommunitySettings, ScheduleEntry

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # 09:00 in Berlin


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-12-01 10:00", OneOff(utc(2026, 12, 1, 9, 0))),
    ("2026-07-01 10:00", OneOff(utc(2026, 7, 1, 8, 0))),  # summer time
    ("2026-12-01 9:30:15", OneOff(utc(2026, 12, 1, 8, 30, 15))),
    ("2026-12-01T10:00+03:00", OneOff(utc(2026, 12, 1, 7, 0))),
    ("tomorrow 9:00", OneOff(utc(2026, 3, 3, 8, 0))),
    ("today 18:30", OneOff(utc(2026, 3, 2, 17, 30))),
    ("завтра 9:00", OneOff(utc(2026, 3, 3, 8, 0))),
    ("in 2h", OneOff(utc(2026, 3, 2, 10, 0))),
    ("in 1h30m", OneOff(utc(2026, 3, 2, 9, 30))),
    ("через 2ч", OneOff(utc(2026, 3, 2, 10, 0))),
    ("every monday 10:00", Recurring("0 10 * * MON")),
    ("every day 9:05", Recurring("5 9 * * *")),
    ("каждый понедельник 10:00", Recurring("0 10 * * MON")),
    ("0 10 * * MON", Recurring("0 10 * * MON")),
    ("0  10 * *   1-5", Recurring("0 10 * * 1-5")),
])
def test_accepted_forms(text: str, expected: object) -> None:
    assert parse_when(text, now=NOW, tz=BERLIN) == expected


@pytest.mark.parametrize("text", [
    "", "soon", "tomorrow", "tomorrow 25:00", "in forever", "every moonday 10:00",
    "every monday 10", "0 25 * * *", "2026-13-01 10:00", "2026-02-30 10:00", "10:00",
])
def test_rejected_forms(text: str) -> None:
    with pytest.raises(ScheduleRuleError):
        parse_when(text, now=NOW, tz=BERLIN)


@pytest.mark.parametrize(("args", "rule", "rest"), [
    ("2026-12-01 10:00 Open lesson tonight", OneOff(utc(2026, 12, 1, 9, 0)),
     "Open lesson tonight"),
    ("tomorrow 9:00 Good morning", OneOff(utc(2026, 3, 3, 8, 0)), "Good morning"),
    ("in 2h Reminder", OneOff(utc(2026, 3, 2, 10, 0)), "Reminder"),
    ("in 2h 30m Reminder", OneOff(utc(2026, 3, 2, 10, 30)), "Reminder"),
    ("every monday 10:00 Weekly digest", Recurring("0 10 * * MON"), "Weekly digest"),
    ("0 10 * * MON Weekly digest", Recurring("0 10 * * MON"), "Weekly digest"),
    ("every day 9:00", Recurring("0 9 * * *"), ""),
])
def test_split_when_takes_the_longest_time_prefix(args: str, rule: object, rest: str) -> None:
    assert split_when(args, now=NOW, tz=BERLIN) == (rule, rest)


def test_split_when_without_a_time() -> None:
    with pytest.raises(ScheduleRuleError):
        split_when("hello everyone out there", now=NOW, tz=BERLIN)


def test_cron_expands_in_local_time_across_both_dst_switches() -> None:
    spring = cron_times("0 10 * * *", BERLIN, utc(2026, 3, 27), utc(2026, 3, 31))
    assert spring == [utc(2026, 3, 27, 9), utc(2026, 3, 28, 9), utc(2026, 3, 29, 8),
                      utc(2026, 3, 30, 8)]
    autumn = cron_times("0 10 * * *", BERLIN, utc(2026, 10, 24), utc(2026, 10, 27))
    assert autumn == [utc(2026, 10, 24, 8), utc(2026, 10, 25, 9), utc(2026, 10, 26, 9)]


def test_cron_in_the_dst_gap_and_overlap_fires_once_a_day() -> None:
    # 02:30 does not exist on 2026-03-29 in Berlin and happens twice on 2026-10-25.
    gap = cron_times("30 2 * * *", BERLIN, utc(2026, 3, 28), utc(2026, 3, 31))
    assert len(gap) == 3 and len(set(gap)) == 3
    overlap = cron_times("30 2 * * *", BERLIN, utc(2026, 10, 24), utc(2026, 10, 27))
    assert overlap == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30),
                       utc(2026, 10, 26, 1, 30)]


def test_window_bounds_and_limit() -> None:
    assert cron_times("0 10 * * *", BERLIN, utc(2026, 3, 2, 9), utc(2026, 3, 3, 9)) == \
        [utc(2026, 3, 3, 9)]  # (after, until]
    many = cron_times("* * * * *", BERLIN, utc(2026, 3, 1), utc(2026, 3, 2), limit=10)
    assert len(many) == 10 and many[-1] == utc(2026, 3, 2)


def test_due_times_and_next_time() -> None:
    once = OneOff(utc(2026, 3, 2, 9))
    assert due_times(once, BERLIN, None, utc(2026, 3, 2, 8)) == []
    assert due_times(once, BERLIN, None, utc(2026, 3, 2, 9)) == [utc(2026, 3, 2, 9)]
    assert due_times(once, BERLIN, utc(2026, 3, 2, 9), utc(2026, 3, 2, 10)) == []
    assert next_time(once, BERLIN, NOW) == utc(2026, 3, 2, 9)
    assert next_time(once, BERLIN, utc(2026, 3, 2, 9)) is None
    weekly = Recurring("0 10 * * MON")
    assert next_time(weekly, BERLIN, utc(2026, 3, 27)) == utc(2026, 3, 30, 8)


def test_config_entries_validate_and_keep_a_stable_key() -> None:
    community = CommunitySettings(name="demo", timezone="Europe/Berlin",
                                  chats=("telegram:-1001", "vk:wall"))
    entry = ScheduleEntry(at="2026-12-01 10:00", text="Hi")
    assert validate_entry(entry, BERLIN) == OneOff(utc(2026, 12, 1, 9))
    post = entry_to_post(community, entry, lambda p: f"/abs/{p}")
    assert post.chats == ("telegram:-1001", "vk:wall") and post.at == utc(2026, 12, 1, 9)
    assert entry_to_post(community, entry, str).config_key == post.config_key
    edited = ScheduleEntry(at="2026-12-01 10:00", text="Hi!")
    assert entry_to_post(community, edited, str).config_key != post.config_key
    assert config_key("demo", None, "0 10 * * *", "x", None, ["a"]) != \
        config_key("demo", None, "0 10 * * *", "x", None, ["b"])
    with pytest.raises(ScheduleRuleError):
        validate_entry(ScheduleEntry(cron="0 10 * *", text="x"), BERLIN)


@pytest.mark.parametrize(("cron", "ru", "en"), [
    ("0 10 * * MON", "по понедельникам в 10:00", "every Monday at 10:00"),
    ("0 9 * * *", "каждый день в 09:00", "every day at 09:00"),
    ("30 18 * * 1-5", "по будням в 18:30", "every weekday at 18:30"),
    ("0 10 * * 6,0", "по субботам, воскресеньям в 10:00", "every Saturday, Sunday at 10:00"),
    ("0 12 1 * *", "1-го числа каждого месяца в 12:00", "on day 1 of every month at 12:00"),
    ("*/5 * * * *", "*/5 * * * *", "*/5 * * * *"),
    ("0 10 * 1 *", "0 10 * 1 *", "0 10 * 1 *"),
])
def test_a_repeat_reads_in_words_where_it_has_a_common_shape(cron: str, ru: str, en: str) -> None:
    from bot.core.scheduler.repeat import describe
    from bot.texts import catalog

    described = describe(cron)
    assert [catalog()._param(described, lang) for lang in ("ru", "en")] == [ru, en]


@pytest.mark.parametrize(("name", "at", "label"), [
    ("Europe/Moscow", datetime(2026, 3, 2, 8, 0, tzinfo=UTC), "Europe/Moscow, UTC+3"),
    ("Europe/Berlin", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "Europe/Berlin, UTC+1"),
    ("Europe/Berlin", datetime(2026, 7, 15, 12, 0, tzinfo=UTC), "Europe/Berlin, UTC+2"),
    ("Asia/Kolkata", datetime(2026, 7, 15, 12, 0, tzinfo=UTC), "Asia/Kolkata, UTC+5:30"),
    ("America/New_York", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "America/New_York, UTC−5"),
    ("UTC", datetime(2026, 1, 15, 12, 0, tzinfo=UTC), "UTC"),
])
def test_a_timezone_is_shown_with_its_offset_at_that_moment(name: str, at: datetime,
                                                            label: str) -> None:
    """A moderator reads "Europe/Berlin, UTC+2" and knows what 10:00 means, DST included."""
    assert zone_label(name, at) == label
