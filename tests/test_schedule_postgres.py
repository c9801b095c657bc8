"""The same exactly-once guarantees on PostgreSQL (skipped without MODBOT_TEST_PG_URL)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.actions import AnyAction, Publish
from bot.core.clock import FakeClock
from bot.core.scheduler.ports import OccurrenceState as S
from bot.features.schedule import service_for
from tests.helpers_schedule import Crash, entry, make_app, occurrences, run, schedule_config


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def test_two_instances_on_postgresql_publish_each_occurrence_once(write_config, pg_url):
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    config = schedule_config(write_config, url=pg_url,
                             entries=entry(cron="*/5 * * * *", text="Tick"),
                             chats='["telegram:-1001", "vk:2000000001", "vk:wall"]')
    shared: list[AnyAction] = []
    first, _, _ = await make_app(config, clock, instance_id="a", shared=shared)
    second, _, _ = await make_app(config, clock, instance_id="b", shared=shared)
    try:
        for _ in range(8):
            now = clock.now()
            await asyncio.gather(service_for(first).run_due(now),
                                 service_for(second).run_due(now))
            clock.advance(timedelta(minutes=5))
        refs = [a.ref for a in shared if isinstance(a, Publish)]
        assert len(refs) == 7 * 3 and len(set(refs)) == len(refs)
        assert len(await occurrences(first, states=[S.SENT])) == 21
    finally:
        await first.close()
        await second.close()


async def test_crash_on_postgresql_is_reported_not_resent(write_config, pg_url, caplog):
    clock = FakeClock(utc(2026, 3, 2, 9, 0))
    config = schedule_config(write_config, url=pg_url, entries=entry(at="2026-03-02 10:00"))
    app, _, _ = await make_app(config, clock, script=[Crash()])
    with pytest.raises(Crash):
        await run(app, clock)
    await app.close()
    app2, telegram, _ = await make_app(config, clock)
    try:
        with caplog.at_level(logging.WARNING):
            report = await run(app2, clock)
        assert telegram.published == [] and len(report.unknown) == 1
        assert f"event=schedule.unknown_outcome occurrence={report.unknown[0]}" in caplog.messages
    finally:
        await app2.close()
