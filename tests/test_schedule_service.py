"""The publishing service on real SQLite with a FakeClock: at, cron, DST, grace, retries,
failures, crashes, restarts and two instances on one database."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.actions import ActionResult, AnyAction, Publish
from bot.core.clock import FakeClock
from bot.core.scheduler.ports import OccurrenceState as S
from bot.core.texts import Text
from bot.features.schedule import service_for
from bot.runtime.executor import TransientError
from tests.helpers_schedule import Crash, entry, make_app, occurrences, run, schedule_config

BERLIN = ZoneInfo("Europe/Berlin")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(utc(2026, 3, 2, 8, 0))  # 09:00 in Berlin (CET, UTC+1)


async def audit_actions(app, action: str) -> list:
    async with app.uow_factory() as uow:
        records = await uow.audit.since("demo", utc(2000, 1, 1))
    return [r for r in records if r.action == action]


async def test_one_off_goes_out_at_its_local_time_exactly_once(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00", text="Hi all"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await run(app, clock)
        assert telegram.published == []
        clock.set(utc(2026, 3, 2, 8, 59))
        await run(app, clock)
        assert telegram.published == []
        clock.set(utc(2026, 3, 2, 9, 0))  # 10:00 Berlin
        report = await run(app, clock)
        assert [p.text for p in telegram.published] == ["Hi all"]
        published = telegram.published[0]
        assert str(published.chat) == "telegram:-1001"
        assert published.ref == f"occurrence:{report.sent[0]}"
        for _ in range(3):
            clock.advance(timedelta(minutes=5))
            await run(app, clock)
        assert len(telegram.published) == 1
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.SENT and occurrence.platform_message_id == "100"
        [audit] = await audit_actions(app, "schedule.published")
        assert audit.details["message_id"] == "100" and audit.chat == "telegram:-1001"
    finally:
        await app.close()


async def test_cron_follows_local_time_across_the_dst_switch(write_config, clock):
    """Berlin switches to summer time on 2026-03-29: 10:00 local is 09:00 UTC before, 08:00
    UTC after; the post stays at 10:00 on the wall."""
    clock.set(utc(2026, 3, 27, 6, 0))
    config = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Morning"))
    app, telegram, _ = await make_app(config, clock)
    sent_at: list[datetime] = []
    try:
        while clock.now() < utc(2026, 3, 31, 0, 0):
            before = len(telegram.published)
            await run(app, clock)
            if len(telegram.published) > before:
                sent_at.append(clock.now())
            clock.advance(timedelta(minutes=30))
        assert sent_at == [utc(2026, 3, 27, 9, 0), utc(2026, 3, 28, 9, 0),
                           utc(2026, 3, 29, 8, 0), utc(2026, 3, 30, 8, 0)]
        assert {t.astimezone(BERLIN).hour for t in sent_at} == {10}
        done = await occurrences(app, states=[S.SENT])
        assert [o.due_at for o in done] == sent_at
    finally:
        await app.close()


async def test_late_within_grace_is_published(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    app, telegram, _ = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 9, 50))  # the bot was down; 50 minutes late, grace is 1h
        await run(app, clock)
        assert len(telegram.published) == 1
    finally:
        await app.close()


async def test_older_than_grace_is_skipped_and_logged(write_config, clock, caplog):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"),
                             community_extra='schedule_grace = "30m"')
    app, telegram, _ = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 9, 40))  # 40 minutes late, grace 30 minutes
        with caplog.at_level(logging.INFO):
            report = await run(app, clock)
        assert telegram.published == []
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.SKIPPED and report.skipped == [occurrence.id]
        assert (f"event=schedule.skipped occurrence={occurrence.id} "
                f"due=2026-03-02T09:00:00+00:00") in caplog.text
    finally:
        await app.close()


async def test_an_at_in_the_past_is_valid_config_and_skipped(write_config, clock, caplog):
    config = schedule_config(write_config, entries=entry(at="2025-12-31 10:00"))
    app, telegram, _ = await make_app(config, clock)
    try:
        with caplog.at_level(logging.INFO):
            await run(app, clock)
        assert telegram.published == []
        assert "event=schedule.skipped occurrence=" in caplog.text
    finally:
        await app.close()


async def test_recurring_post_missed_many_times_sends_only_the_latest(write_config, clock):
    config = schedule_config(write_config, entries=entry(cron="0 * * * *", text="Hourly"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await run(app, clock)  # 08:00 UTC: synced; nothing due yet
        clock.set(utc(2026, 3, 2, 13, 30))  # down for 5.5 hours
        report = await run(app, clock)
        assert len(telegram.published) == 1
        sent = await occurrences(app, states=[S.SENT])
        assert [o.due_at for o in sent] == [utc(2026, 3, 2, 13, 0)]
        skipped = await occurrences(app, states=[S.SKIPPED])
        assert [o.due_at.hour for o in skipped] == [9, 10, 11, 12]
        assert sorted(report.skipped) == sorted(o.id for o in skipped)
    finally:
        await app.close()


async def test_transient_error_is_retried_with_backoff(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    app, telegram, _ = await make_app(config, clock, script=[TransientError("429 too many")])
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        report = await run(app, clock)
        assert len(report.retried) == 1 and report.sent == []
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.PENDING and occurrence.attempts == 1
        assert occurrence.next_attempt_at == clock.now() + timedelta(seconds=30)
        await run(app, clock)  # not due again yet
        assert len(telegram.published) == 1
        clock.advance(timedelta(seconds=30))
        report = await run(app, clock)
        assert report.sent == [occurrence.id]
        assert len(telegram.published) == 2  # one failed attempt, one success
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.SENT and occurrence.attempts == 2
    finally:
        await app.close()


async def test_an_outage_is_retried_through_the_grace_window_then_failed_with_a_notice(
        write_config, clock):
    """A ten-minute outage at the due time does not lose the post: it is retried with backoff
    for as long as it may still go out late (schedule_grace, 1h by default)."""
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    app, telegram, _ = await make_app(config, clock,
                                      script=[TransientError("502") for _ in range(6)])
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        for _ in range(60):  # half an hour: backoff 30 s, 1, 2, 4, 8, 10 min
            await run(app, clock)
            clock.advance(timedelta(seconds=30))
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.SENT and len(telegram.published) == 7
        assert telegram.notices == []
    finally:
        await app.close()


async def test_an_outage_longer_than_the_grace_fails_with_a_queue_notice(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    errors = [TransientError("502", retry_after=60.0) for _ in range(200)]
    app, telegram, _ = await make_app(config, clock, script=list(errors))
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        attempts_at = []
        for _ in range(90):
            before = len(telegram.published)
            await run(app, clock)
            if len(telegram.published) > before:
                attempts_at.append(clock.now())
            clock.advance(timedelta(minutes=1))
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.FAILED and "past schedule_grace" in occurrence.error
        # tried every minute (retry_after) until 11:00 Berlin, the end of the grace, never after
        assert attempts_at[0] == utc(2026, 3, 2, 9, 0) and attempts_at[-1] == utc(2026, 3, 2, 10, 0)
        assert len(attempts_at) == 61
        [notice] = telegram.notices
        assert str(notice.queue) == "telegram:-2002" and notice.text.key == "schedule.failed"
    finally:
        await app.close()


async def test_permanent_failure_marks_failed_and_tells_the_queue(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    refused = ActionResult(ok=False, error="bot is not a member", permanent=True)
    app, telegram, _ = await make_app(config, clock, script=[refused])
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        report = await run(app, clock)
        assert len(report.failed) == 1
        clock.advance(timedelta(minutes=5))
        await run(app, clock)
        assert len(telegram.published) == 1  # never retried
        [occurrence] = await occurrences(app)
        assert occurrence.state == S.FAILED
        [notice] = telegram.notices
        assert notice.text.key == "schedule.failed"
        assert notice.text.params["error"] == Text("common.reason.not_in_chat")
        assert notice.text.params["due"] == "2026-03-02 10:00"  # shown on Berlin's clock
        assert len(await audit_actions(app, "schedule.failed")) == 1
    finally:
        await app.close()


async def test_crash_while_sending_is_reported_not_resent(write_config, clock, caplog):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    app, telegram, _ = await make_app(config, clock, script=[Crash()])
    clock.set(utc(2026, 3, 2, 9, 0))
    with pytest.raises(Crash):
        await run(app, clock)
    assert len(telegram.published) == 1  # the platform call was under way
    [occurrence] = await occurrences(app)
    assert occurrence.state == S.SENDING
    await app.close()

    clock.advance(timedelta(seconds=20))
    app2, telegram2, _ = await make_app(config, clock)  # the same instance, restarted
    try:
        with caplog.at_level(logging.INFO):
            report = await run(app2, clock)
            clock.advance(timedelta(minutes=10))
            await run(app2, clock)
        assert telegram2.published == []
        assert report.unknown == [occurrence.id]
        assert f"event=schedule.unknown_outcome occurrence={occurrence.id}" in caplog.messages
        [notice] = telegram2.notices
        assert notice.text.key == "schedule.unknown_outcome"
        assert str(notice.queue) == "telegram:-2002"
        [after] = await occurrences(app2)
        assert after.state == S.UNKNOWN
    finally:
        await app2.close()


async def test_a_dead_instances_claim_becomes_unknown_after_the_timeout(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    app, _, _ = await make_app(config, clock, instance_id="dead", script=[Crash()])
    clock.set(utc(2026, 3, 2, 9, 0))
    with pytest.raises(Crash):
        await run(app, clock)
    await app.close()

    other, telegram, _ = await make_app(config, clock, instance_id="alive")
    try:
        clock.advance(timedelta(minutes=1))
        report = await run(other, clock)
        assert report.unknown == []  # the other instance may still be sending it
        [occurrence] = await occurrences(other)
        assert occurrence.state == S.SENDING
        clock.advance(timedelta(minutes=10))
        report = await run(other, clock)
        assert report.unknown == [occurrence.id]
        assert telegram.published == []
        assert [n.text.key for n in telegram.notices] == ["schedule.unknown_outcome"]
    finally:
        await other.close()


async def test_normal_restart_publishes_each_occurrence_once(write_config, clock):
    entries = entry(at="2026-03-02 10:00", text="Once") + entry(cron="30 * * * *", text="Half")
    config = schedule_config(write_config, entries=entries)
    shared: list[AnyAction] = []
    app, _, _ = await make_app(config, clock, shared=shared)
    for _ in range(6):  # 08:00 → 09:15 UTC
        await run(app, clock)
        clock.advance(timedelta(minutes=15))
    await app.close()
    app2, _, _ = await make_app(config, clock, shared=shared)
    try:
        for _ in range(6):  # 09:30 → 10:45 UTC
            await run(app2, clock)
            clock.advance(timedelta(minutes=15))
        refs = [a.ref for a in shared if isinstance(a, Publish)]
        assert len(refs) == len(set(refs))
        texts = Counter(a.text for a in shared if isinstance(a, Publish))
        assert texts == {"Once": 1, "Half": 3}  # 08:30, 09:30, 10:30
        assert await occurrences(app2, states=[S.SENDING, S.UNKNOWN, S.PENDING]) == []
    finally:
        await app2.close()


async def test_two_instances_on_one_database_publish_each_occurrence_once(write_config, clock):
    config = schedule_config(write_config, entries=entry(cron="*/5 * * * *", text="Tick"),
                             chats='["telegram:-1001", "vk:2000000001", "vk:wall"]')
    shared: list[AnyAction] = []
    first, _, _ = await make_app(config, clock, instance_id="a", shared=shared)
    second, _, _ = await make_app(config, clock, instance_id="b", shared=shared)
    try:
        reports = list(await asyncio.gather(service_for(first).run_due(clock.now()),
                                            service_for(second).run_due(clock.now())))
        for _ in range(12):
            clock.advance(timedelta(minutes=5))
            now = clock.now()
            reports.extend(await asyncio.gather(service_for(first).run_due(now),
                                                service_for(second).run_due(now)))
        refs = [a.ref for a in shared if isinstance(a, Publish)]
        assert len(refs) == 12 * 3
        assert len(set(refs)) == len(refs)
        sent = await occurrences(first, states=[S.SENT])
        assert len(sent) == 36 and len(await occurrences(first)) == 36
        assert sorted(i for r in reports for i in r.sent) == sorted(o.id for o in sent)
        async with first.uow_factory() as uow:
            assert len(await uow.schedule.posts("demo")) == 1  # config synced once
    finally:
        await first.close()
        await second.close()


async def test_config_sync_keeps_unchanged_retires_removed_and_edited(write_config, clock):
    config = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Keep")
                             + entry(cron="0 11 * * *", text="Old wording"))
    app, _, _ = await make_app(config, clock)
    await run(app, clock)
    async with app.uow_factory() as uow:
        before = {p.text: p.id for p in await uow.schedule.posts("demo")}
    await app.close()

    edited = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Keep")
                             + entry(cron="0 11 * * *", text="New wording"))
    app2, _, _ = await make_app(edited, clock)
    try:
        await run(app2, clock)
        async with app2.uow_factory() as uow:
            after = {p.text: p.id for p in await uow.schedule.posts("demo")}
            old = await uow.schedule.get_post(before["Old wording"])
        assert after["Keep"] == before["Keep"]
        assert "Old wording" not in after and "New wording" in after
        assert old is not None and not old.active and old.ended_by == "config"
    finally:
        await app2.close()


async def test_unscheduled_config_post_stays_off_after_restart(write_config, clock):
    config = schedule_config(write_config, entries=entry(cron="0 10 * * *"))
    app, _, _ = await make_app(config, clock)
    await run(app, clock)
    async with app.uow_factory() as uow:
        [post] = await uow.schedule.posts("demo")
        await uow.schedule.deactivate(post.id, "telegram:900", clock.now())
        await uow.commit()
    await app.close()
    app2, _, _ = await make_app(config, clock)
    try:
        await run(app2, clock)
        async with app2.uow_factory() as uow:
            assert await uow.schedule.posts("demo") == []
    finally:
        await app2.close()


async def test_config_photo_is_an_absolute_path(write_config, clock, tmp_path):
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "lesson.jpg").write_bytes(b"jpg")
    config = schedule_config(write_config,
                             entries=entry(at="2026-03-02 10:00", extra='photo = "media/lesson.jpg"'))
    app, telegram, _ = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        await run(app, clock)
        [published] = telegram.published
        assert published.photo == str(tmp_path / "media" / "lesson.jpg")
    finally:
        await app.close()


async def test_entry_chats_limit_where_it_goes(write_config, clock):
    config = schedule_config(write_config, chats='["telegram:-1001", "vk:2000000001"]',
                             entries=entry(at="2026-03-02 10:00",
                                           extra='chats = ["vk:2000000001"]'))
    app, telegram, vk = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        await run(app, clock)
        assert telegram.published == []
        assert [str(p.chat) for p in vk.published] == ["vk:2000000001"]
    finally:
        await app.close()


async def test_vk_wall_postponed_posts_are_handed_over_ahead(write_config, clock):
    config = schedule_config(write_config, chats='["telegram:-1001", "vk:wall"]',
                             vk_extra="wall_postponed = true",
                             entries=entry(at="2026-03-02 10:00"))
    app, telegram, vk = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 8, 52))  # 8 minutes ahead
        await run(app, clock)
        [wall] = vk.published
        assert wall.publish_at == utc(2026, 3, 2, 9, 0)
        assert telegram.published == []  # Telegram has no postponed posts: it waits
        clock.set(utc(2026, 3, 2, 9, 0))
        await run(app, clock)
        assert len(telegram.published) == 1 and len(vk.published) == 1
    finally:
        await app.close()


async def test_second_instance_running_mid_send_does_not_send_again(write_config, clock):
    """Deterministic race: while instance A is inside the platform call, instance B runs a
    full round on the same database; it must see A's claim and leave the occurrence alone."""
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    shared: list[AnyAction] = []
    first, telegram_a, _ = await make_app(config, clock, instance_id="a", shared=shared)
    second, _, _ = await make_app(config, clock, instance_id="b", shared=shared)
    inner_reports = []
    original = telegram_a.execute

    async def execute_while_b_runs(action: AnyAction) -> ActionResult:
        if isinstance(action, Publish):
            inner_reports.append(await service_for(second).run_due(clock.now()))
        return await original(action)

    telegram_a.execute = execute_while_b_runs  # type: ignore[method-assign]
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        report = await service_for(first).run_due(clock.now())
        assert len(report.sent) == 1
        assert [r.sent for r in inner_reports] == [[]]
        assert len([a for a in shared if isinstance(a, Publish)]) == 1
    finally:
        await first.close()
        await second.close()


async def test_a_non_permanent_refusal_is_retried(write_config, clock):
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00"))
    busy = ActionResult(ok=False, error="server busy", permanent=False)
    app, telegram, _ = await make_app(config, clock, script=[busy])
    try:
        clock.set(utc(2026, 3, 2, 9, 0))
        assert len((await run(app, clock)).retried) == 1
        clock.advance(timedelta(seconds=30))
        assert len((await run(app, clock)).sent) == 1
        assert len(telegram.published) == 2 and telegram.notices == []
    finally:
        await app.close()


async def test_a_config_without_a_community_leaves_that_communitys_posts_alone(
        write_config, clock):
    """Two bots (two configs) on one database: each retires only its own config posts."""
    from bot.config import load_config
    from tests.helpers_schedule import SCHEDULE_CONFIG

    first = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Demo daily"))
    app, _tg, _vk = await make_app(first, clock)
    try:
        await service_for(app).start(clock.now())
    finally:
        await app.close()
    other = SCHEDULE_CONFIG.format(entries="", chats='["telegram:-1009"]', community_extra="",
                                   vk_extra="", url="sqlite+aiosqlite:///schedule.db")
    second = load_config(write_config(other.replace('name = "demo"', 'name = "other"'),
                                      "other.toml"))
    app, _tg, _vk = await make_app(second, clock, instance_id="two")
    try:
        await service_for(app).start(clock.now())
        async with app.uow_factory() as uow:
            posts = await uow.schedule.posts(active_only=True)
    finally:
        await app.close()
    assert [(p.community, p.text) for p in posts] == [("demo", "Demo daily")]
