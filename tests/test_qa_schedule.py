"""QA regressions for the /schedule listing moderators read."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.actions import SendMessage
from bot.core.clock import FakeClock
from bot.texts import catalog
from tests.helpers_schedule import make_app, message, schedule_config


async def test_a_one_off_post_shows_a_dash_in_the_repeat_column(write_config) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    app, telegram, _vk = await make_app(schedule_config(write_config), clock)
    try:
        for number, text in enumerate(["/schedule tomorrow 9:00 Good morning",
                                       "/schedule every monday 10:00 Weekly", "/schedule"]):
            await app.pipeline.process(message(text, at=clock.now(), event_id=f"qa{number}"))
        listing = [a for a in telegram.actions if isinstance(a, SendMessage)][-1]
        assert listing.text.key == "schedule.list"
        items = catalog()._param(listing.text.params["items"], "en")
        rows = [line.split(" · ") for line in items.splitlines()]
        assert [row[2:] for row in rows] == [
            ["every Monday at 10:00", "telegram:-1001", "Weekly"],  # today, 10:00 Berlin
            ["—", "telegram:-1001", "Good morning"],
        ]
    finally:
        await app.close()


async def test_unschedule_with_an_impossible_id_is_answered_not_crashed(write_config) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 8, 0, tzinfo=UTC))
    app, telegram, _vk = await make_app(schedule_config(write_config), clock)
    try:
        for number, text in enumerate(["/unschedule 99999999999999999999", "/unschedule ²"]):
            await app.pipeline.process(message(text, at=clock.now(), event_id=f"qa-u{number}"))
        keys = [a.text.key for a in telegram.actions if isinstance(a, SendMessage)]
        assert keys == ["schedule.not_found", "schedule.unschedule_usage"]
    finally:
        await app.close()
