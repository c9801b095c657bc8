"""The scheduler as the rest of the bot sees it: services["scheduler"], the background loop,
and `modbot schedule list|export`."""

from __future__ import annotations

import asyncio
import csv
import io
from datetime import UTC, datetime, timedelta

from bot.cli import main
from bot.core.actions import ActionResult, AnyAction, Publish
from bot.core.clock import FakeClock
from bot.runtime.scheduler_loop import run_scheduler
from tests.helpers_schedule import entry, make_app, message, schedule_config


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_services_scheduler_counts_config_posts_from_process_start(write_config):
    """The demo advances its clock, then calls services["scheduler"].run_due: a recurring
    config post due in between (within grace) still goes out."""
    clock = FakeClock(utc(2026, 3, 2, 8, 30))  # 09:30 Berlin
    config = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Daily"))
    app, telegram, _ = await make_app(config, clock)
    try:
        clock.advance(timedelta(minutes=45))  # 10:15 Berlin, nothing ran in between
        report = await app.services["scheduler"].run_due(clock.now())
        assert len(report.sent) == 1 and [p.text for p in telegram.published] == ["Daily"]
    finally:
        await app.close()


async def test_loop_runs_rounds_until_stopped(write_config):
    clock = FakeClock(utc(2026, 3, 2, 9, 0))
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    app, telegram, _ = await make_app(config, clock)
    stop = asyncio.Event()
    original = telegram.execute

    async def publish_then_stop(action: AnyAction) -> ActionResult:
        if isinstance(action, Publish):
            stop.set()
        return await original(action)

    telegram.execute = publish_then_stop  # type: ignore[method-assign]
    try:
        await asyncio.wait_for(run_scheduler(app, stop, interval=3600), timeout=30)
        assert len(telegram.published) == 1
    finally:
        await app.close()


async def test_cli_lists_and_exports_the_content_plan(write_config, capsys):
    config = schedule_config(write_config, entries=entry(at="2030-12-01 10:00", text="Lesson")
                             + entry(cron="0 10 * * MON", text="Weekly, with a comma"))
    app, _, _ = await make_app(config, FakeClock(utc(2026, 3, 2, 8, 0)))
    await app.pipeline.process(message("/schedule 2031-01-01 09:00 From chat",
                                       at=utc(2026, 3, 2, 8, 0)))
    await app.close()
    path = str(config.path)

    assert await asyncio.to_thread(main, ["schedule", "list", "--community", "demo",
                                          "--config", path]) == 0
    listing = capsys.readouterr().out
    assert "Europe/Berlin" in listing
    assert "Lesson" in listing and "0 10 * * MON" in listing and "From chat" in listing

    assert await asyncio.to_thread(main, ["schedule", "export", "--community", "demo",
                                          "--config", path]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert list(rows[0]) == ["id", "source", "when", "next_run", "chats", "text", "last"]
    by_text = {r["text"]: r for r in rows}
    assert by_text["Lesson"]["source"] == "config"
    assert by_text["Lesson"]["when"] == "2030-12-01 10:00"
    assert by_text["Lesson"]["next_run"] == "2030-12-01 10:00"
    assert by_text["From chat"]["source"] == "chat"
    assert by_text["Weekly, with a comma"]["when"] == "0 10 * * MON"
    assert by_text["Weekly, with a comma"]["chats"] == "telegram:-1001"

    assert await asyncio.to_thread(main, ["schedule", "list", "--community", "nope",
                                          "--config", path]) == 1
