"""QA round 5: the complaints queue and scheduled posts end to end, as moderators and owners
rely on them. Each test states what a user would expect; a failing test is a finding."""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from helpers_complaints import (
    MODERATOR,
    QUEUE,
    TG_GROUP,
    message,
    press,
    recorders,
    render,
    report,
    ticket,
    tickets,
)
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.harness import QUEUE as TG_QUEUE
from tg_emulator.wire import render as tg_render
from tg_emulator.wire import wall_clock

from bot.app import App, create_app
from bot.cli import main
from bot.config import load_config
from bot.core.actions import AnswerCallback, EditMessage, Publish, SendMessage
from bot.core.chats import ChatRef
from bot.core.clock import FakeClock
from bot.core.scheduler.ports import OccurrenceState as S
from bot.features.moderation import audit_command
from bot.features.schedule import service_for
from bot.texts import catalog
from tests.conftest import BASIC_CONFIG
from tests.helpers_schedule import SCHEDULE_CONFIG, entry, make_app, occurrences, run
from tests.helpers_schedule import message as sched_message

BERLIN = ZoneInfo("Europe/Berlin")
SECOND_MOD = "901"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def two_mods(text: str) -> str:
    return text.replace('moderators = ["telegram:900"]',
                        f'moderators = ["telegram:900", "telegram:{SECOND_MOD}"]')


async def build(write_config, clock: FakeClock, text: str, instance: str = "qa5") -> App:
    return await create_app(load_config(write_config(text)), clock=clock, instance_id=instance)


# ============================== complaints (core pipeline) ==============================

TWO_COMMUNITIES = BASIC_CONFIG + """
[[community]]
name = "other"
language = "en"
timezone = "UTC"
chats = ["telegram:-1003"]
moderators = ["telegram:900"]
queue = "telegram:-2004"
"""


async def test_ticket_numbers_are_counted_per_community(write_config, clock) -> None:
    app = await build(write_config, clock, TWO_COMMUNITIES)
    try:
        telegram, _vk = recorders(app)
        other_chat = ChatRef("telegram", "-1003")
        await app.pipeline.process(report(target="71"))
        await app.pipeline.process(report(target="72"))
        await app.pipeline.process(report(target="90", chat=other_chat))
        await app.pipeline.process(report(target="73"))
        assert [t.number for t in await tickets(app, "demo")] == [1, 2, 3]
        assert [t.number for t in await tickets(app, "other")] == [1]
        other_cards = [c for c in telegram.cards() if c.queue == ChatRef("telegram", "-2004")]
        assert len(other_cards) == 1 and "#1" in render(app, other_cards[0].text)
        assert "other" in render(app, other_cards[0].text)
    finally:
        await app.close()


async def test_two_moderators_pressing_claim_at_once_one_wins_the_other_is_told(
        write_config, clock) -> None:
    app = await build(write_config, clock, two_mods(BASIC_CONFIG))
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report())
        tid = (await ticket(app, 1)).id
        await asyncio.gather(app.pipeline.process(press(f"t:claim:{tid}", user=MODERATOR)),
                             app.pipeline.process(press(f"t:claim:{tid}", user=SECOND_MOD)))
        answers = [a.text.key for a in telegram.of(AnswerCallback)]
        assert len(answers) == 2
        assert answers.count("complaints.done_claim") == 1, (
            f"both moderators were told the ticket is theirs: {answers}")
        stored = await ticket(app, 1)
        assert stored.state == "claimed"
        async with app.uow_factory() as uow:
            events = await uow.tickets.events(stored.id)
        claims = [e.actor for e in events if e.action == "claim"]
        assert claims and claims[-1] == stored.claimed_by  # no lost update
    finally:
        await app.close()


async def test_second_moderator_claiming_a_claimed_ticket_is_told_who_has_it(
        write_config, clock) -> None:
    app = await build(write_config, clock, two_mods(BASIC_CONFIG))
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report())
        tid = (await ticket(app, 1)).id
        await app.pipeline.process(press(f"t:claim:{tid}", user=MODERATOR))
        await app.pipeline.process(press(f"t:claim:{tid}", user=SECOND_MOD))
        second = telegram.of(AnswerCallback)[-1]
        shown = render(app, second.text)
        assert "user900" in shown or second.text.key != "complaints.done_claim", (
            f"second claimer silently took over; told: {shown!r}")
    finally:
        await app.close()


async def test_claimed_ticket_can_be_resolved_by_another_moderator_and_history_names_both(
        write_config, clock) -> None:
    app = await build(write_config, clock, two_mods(BASIC_CONFIG))
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report("spam"))
        await app.pipeline.process(message("/take 1", user=SECOND_MOD, chat=QUEUE))
        await app.pipeline.process(message("/resolve 1 done", user=MODERATOR, chat=QUEUE))
        done = await ticket(app, 1)
        assert done.state == "resolved"
        async with app.uow_factory() as uow:
            events = await uow.tickets.events(done.id)
        assert [(e.action, e.actor) for e in events][1:] == [
            ("claim", f"telegram:{SECOND_MOD}"), ("resolve", "telegram:900")]
        last_edit = telegram.of(EditMessage)[-1]
        assert "resolved" in render(app, last_edit.text)
    finally:
        await app.close()


async def test_reject_reason_reaches_the_reporter_in_russian_in_a_ru_community(
        write_config, clock) -> None:
    app = await build(write_config, clock, BASIC_CONFIG.replace('language = "en"',
                                                                'language = "ru"'))
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report("оскорбления", user="5"))
        await app.pipeline.process(message("/reject 1 это не нарушение", user=MODERATOR,
                                           chat=QUEUE))
        notices = [a for a in telegram.of(SendMessage) if a.chat == ChatRef("telegram", "5")]
        assert len(notices) == 1
        notice = notices[0]
        assert notice.lang == "ru"
        shown = catalog().render(notice.text, notice.lang)
        assert "это не нарушение" in shown and "#1" in shown
        assert shown != catalog().render(notice.text, "en")
        assert any("а" <= ch <= "я" for ch in shown.replace("это не нарушение", "").lower())
    finally:
        await app.close()


async def test_modbot_audit_shows_claim_resolve_reject_with_actor_and_time(
        write_config, clock, capsys) -> None:
    path = write_config(BASIC_CONFIG)
    app = await create_app(load_config(path), clock=clock, instance_id="qa5")
    try:
        recorders(app)
        await app.pipeline.process(report(user="5", target="80"))
        await app.pipeline.process(report(user="6", target="81"))
        await app.pipeline.process(message("/take 1", user=MODERATOR, chat=QUEUE))
        clock.advance(timedelta(minutes=5))
        await app.pipeline.process(message("/resolve 1 handled", user=MODERATOR, chat=QUEUE))
        await app.pipeline.process(message("/reject 2 fine", user=MODERATOR, chat=QUEUE))
    finally:
        await app.close()
    capsys.readouterr()
    args = argparse.Namespace(config=str(path), community="demo", since="7d")
    assert await audit_command(args, clock=clock) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for word in ("claim", "resolve", "reject"):
        hits = [line for line in lines if word in line.lower()]
        assert hits, f"`modbot audit` has no {word!r} line:\n{out}"
        assert any("900" in line for line in hits), f"no actor on the {word} line:\n{out}"
    # times are shown (Moscow time: 12:00 / 12:05)
    assert "12:00" in out and "12:05" in out


async def test_report_of_a_message_the_filter_already_deleted_is_handled_sanely(app) -> None:
    telegram, _vk = recorders(app)
    bad = message("ты блядь", user="66", message_id="4242")
    await app.pipeline.process(bad)
    from bot.core.actions import DeleteMessage
    assert any(a.message_id == "4242" for a in telegram.of(DeleteMessage))
    before = len(telegram.actions)
    await app.pipeline.process(message("/report", user="5", reply_to="4242", reply_author="66",
                                       reply_text="ты блядь"))
    replies = [a for a in telegram.actions[before:]
               if isinstance(a, SendMessage) and a.chat == TG_GROUP]
    assert len(replies) == 1, [a.text.key for a in replies]
    found = await tickets(app)
    if found:
        # if a ticket is filed, Delete message must not pretend to delete it again with an error
        await app.pipeline.process(press(f"t:del:{found[0].id}"))
        assert telegram.of(AnswerCallback)[-1].text.key in (
            "complaints.done_del", "complaints.refused_no_message",
            "complaints.refused_already_deleted")


async def test_a_flooding_reporter_is_limited_and_others_are_not(app, clock) -> None:
    telegram, _vk = recorders(app)
    limit = app.config.app.community[0].complaints.rate_limit
    for n in range(limit + 4):
        await app.pipeline.process(report(user="5", target=str(300 + n)))
    await app.pipeline.process(report(user="6", target="400"))
    by_five = [t for t in await tickets(app) if t.reporter == "telegram:5"]
    assert len(by_five) == limit
    keys = [a.text.key for a in telegram.of(SendMessage) if a.chat == TG_GROUP]
    assert keys.count("complaints.rate_limited") >= 1
    assert [t for t in await tickets(app) if t.reporter == "telegram:6"]
    clock.advance(app.config.app.community[0].complaints.rate_window + timedelta(minutes=1))
    await app.pipeline.process(report(user="5", target="500"))
    assert len([t for t in await tickets(app) if t.reporter == "telegram:5"]) == limit + 1


async def test_report_by_a_moderator_files_a_ticket(app) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report("spam", user=MODERATOR, target="88", reported="66"))
    [filed] = await tickets(app)
    assert filed.reporter == "telegram:900" and filed.reported_user == "telegram:66"
    assert len(telegram.cards()) == 1


def test_modbot_queue_state_filters_include_claimed_tickets(
        basic_config, clock, capsys) -> None:
    async def file() -> None:
        app = await create_app(basic_config, clock=clock, instance_id="cli5")
        try:
            recorders(app)
            for user, target in (("5", "80"), ("6", "81"), ("7", "82")):
                await app.pipeline.process(report(user=user, target=target))
            await app.pipeline.process(message("/take 2", user=MODERATOR, chat=QUEUE))
            await app.pipeline.process(message("/reject 3", user=MODERATOR, chat=QUEUE))
        finally:
            await app.close()

    asyncio.run(file())
    capsys.readouterr()

    def queue(*argv: str) -> list[str]:
        assert main(["queue", "--config", str(basic_config.path), "--community", "demo",
                     *argv]) == 0
        return capsys.readouterr().out.splitlines()

    assert [line.split("\t")[0] for line in queue()[:-1]] == ["#1", "#2"]
    assert [line.split("\t")[0] for line in queue("--state", "open")[:-1]] == ["#1", "#2"]
    claimed = queue("--state", "claimed")
    assert [line.split("\t")[0] for line in claimed[:-1]] == ["#2"]
    assert "900" in claimed[0] or "user900" in claimed[0], f"claimer not shown: {claimed[0]!r}"
    assert [line.split("\t")[0] for line in queue("--state", "rejected")[:-1]] == ["#3"]


# ============================== Telegram end to end ======================================

def _button(msg: dict[str, Any], prefix: str) -> str:
    for row in msg["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {msg}")


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(GROUP, title="Demo", admins=(ADMIN,))
        emulator.group(TG_QUEUE, title="Queue", admins=(ADMIN,))
        yield emulator


@pytest.fixture
def tg_clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
async def tg_app(tmp_path: Path, emu: TelegramEmulator,
                 tg_clock: FakeClock) -> AsyncIterator[Callable[..., Awaitable[App]]]:
    apps: list[App] = []

    async def make(instance: str = "qa5", **parts: str) -> App:
        built = await create_app(telegram_config(tmp_path, emu.api_base, **parts),
                                 clock=tg_clock, instance_id=instance)
        apps.append(built)
        return built

    yield make
    for built in apps:
        await built.close()


async def test_private_complaint_on_telegram_becomes_a_ticket(tg_app, emu) -> None:
    app = await tg_app()
    fake = FakeTime()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/complaint someone sells drugs in the group")
        await emu.wait_for(lambda: emu.sent_messages(TG_QUEUE), what="the card")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="the private ack")
    (card,) = emu.sent_messages(TG_QUEUE)
    assert "#1" in card["text"] and "someone sells drugs" in card["text"]
    assert any("#1" in text for text in emu.sent_texts(MEMBER))


async def test_ticket_card_buttons_still_work_after_a_restart(tg_app, emu) -> None:
    first = await tg_app("first")
    async with RunningBot(first, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(TG_QUEUE), what="the card")
    await first.close()
    (card,) = emu.sent_messages(TG_QUEUE)
    second = await tg_app("second")
    async with RunningBot(second, fast_options(FakeTime())):
        qid = emu.press(TG_QUEUE, card["message_id"], ADMIN, _button(card, "t:claim:"))
        await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what="answer")
        await emu.wait_for(lambda: tg_render("complaints.state_claimed") in
                           emu.sent_messages(TG_QUEUE)[0]["text"], what="card edited")
        qid2 = emu.press(TG_QUEUE, card["message_id"], ADMIN, _button(card, "t:resolve:"))
        await emu.wait_for(lambda: emu.world.callbacks[qid2].get("answered"), what="answer 2")
        await emu.wait_for(lambda: tg_render("complaints.state_resolved") in
                           emu.sent_messages(TG_QUEUE)[0]["text"], what="resolved")
    assert (await ticket(second, 1)).state == "resolved"
    cards = [m for m in emu.sent_messages(TG_QUEUE) if m["text"].startswith("Ticket #")]
    assert len(cards) == 1, "the card is edited in place, not resent"


async def test_a_photo_post_is_published_on_telegram_with_its_caption(
        tg_app, emu, tg_clock) -> None:
    app = await tg_app()
    async with RunningBot(app, fast_options(FakeTime())):
        photo = emu.user_message(GROUP, ADMIN, photo=True, caption="Lesson 5 slides")
        cmd = emu.user_message(GROUP, ADMIN, "/schedule in 1h", reply_to=photo["message_id"])
        await emu.wait_for(lambda: any(
            (m.get("reply_to_message") or {}).get("message_id") == cmd["message_id"]
            for m in emu.sent_messages(GROUP)) or len(emu.sent_messages(GROUP)) >= 1,
            what="added")
        tg_clock.advance(timedelta(minutes=61))
        service = service_for(app)
        await service.run_due(tg_clock.now())
        await emu.wait_for(lambda: emu.calls_of("sendPhoto"), what="the photo post")
        await service.run_due(tg_clock.now())
    photos = emu.calls_of("sendPhoto")
    assert len(photos) == 1
    assert photos[0].result["chat"]["id"] == GROUP
    assert photos[0].result.get("caption") == "Lesson 5 slides"


# ============================== scheduled posts ==========================================

def sched_config(write_config, *, tz: str = "Europe/Berlin", entries: str = "",
                 extra: str = "", url: str = "sqlite+aiosqlite:///schedule.db"):
    text = SCHEDULE_CONFIG.format(entries=entries, chats='["telegram:-1001"]', url=url,
                                  community_extra=extra, vk_extra="")
    return load_config(write_config(text.replace('timezone = "Europe/Berlin"',
                                                 f'timezone = "{tz}"')))


async def drive(app: App, clock: FakeClock, until: datetime, step: timedelta,
                published: Callable[[], int]) -> list[datetime]:
    fired: list[datetime] = []
    while clock.now() < until:
        before = published()
        await run(app, clock)
        if published() > before:
            fired.extend([clock.now()] * (published() - before))
        clock.advance(step)
    return fired


async def test_monday_cron_fires_at_ten_local_not_utc(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 1, 0, 0))  # Sunday
    config = sched_config(write_config, tz="America/New_York",
                          entries=entry(cron="0 10 * * MON", text="Weekly"))
    app, telegram, _ = await make_app(config, clock)
    try:
        fired = await drive(app, clock, utc(2026, 3, 3, 0, 0), timedelta(minutes=15),
                            lambda: len(telegram.published))
        assert fired == [utc(2026, 3, 2, 15, 0)], fired  # 10:00 EST = 15:00 UTC
    finally:
        await app.close()


async def test_october_dst_week_daily_and_monday_posts_fire_once_at_ten_berlin(
        write_config) -> None:
    clock = FakeClock(utc(2026, 10, 23, 0, 0))
    config = sched_config(write_config,
                          entries=entry(cron="0 10 * * *", text="Daily")
                          + entry(cron="0 10 * * MON", text="Monday")
                          + entry(cron="30 2 * * *", text="Night"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await drive(app, clock, utc(2026, 10, 28, 0, 0), timedelta(minutes=10),
                    lambda: len(telegram.published))
        done = await occurrences(app, states=[S.SENT])
        texts = [p.text for p in telegram.published]
        assert texts.count("Daily") == 5  # 23..27 October
        assert texts.count("Monday") == 1  # 26 October
        assert texts.count("Night") == 5, "02:30 on the fall-back night must fire exactly once"
        local = [o.due_at.astimezone(BERLIN) for o in done]
        assert {(t.hour, t.minute) for t in local} == {(10, 0), (2, 30)}
    finally:
        await app.close()


async def test_one_off_at_a_time_earlier_today_is_refused_with_the_timezone(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))  # 09:00 Berlin
    app, telegram, _ = await make_app(sched_config(write_config), clock)
    try:
        await app.pipeline.process(sched_message("/schedule today 8:30 Too late", at=clock.now()))
        [reply] = [a for a in telegram.actions if isinstance(a, SendMessage)]
        assert reply.text.key == "schedule.in_past"
        shown = catalog().render(reply.text, "en")
        assert "Europe/Berlin" in shown and "8:30" in shown.replace("08:30", "8:30")
        async with app.uow_factory() as uow:
            assert list(await uow.schedule.posts("demo")) == []
    finally:
        await app.close()


async def test_schedule_list_shows_next_run_in_local_time(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 20, 0))  # 15:00 in New York
    app, telegram, _ = await make_app(sched_config(write_config, tz="America/New_York"), clock)
    try:
        for n, text in enumerate(["/schedule every day 10:00 Morning", "/schedule"]):
            await app.pipeline.process(sched_message(text, at=clock.now(), event_id=f"l{n}"))
        listing = [a for a in telegram.actions if isinstance(a, SendMessage)][-1]
        assert listing.text.key == "schedule.list"
        shown = catalog().render(listing.text, "en")
        assert "America/New_York" in shown
        row = shown.splitlines()[1]
        assert "2026-03-03 10:00" in row, row  # tomorrow 10:00 local, not 15:00 UTC
    finally:
        await app.close()


async def test_config_post_and_chat_post_at_the_same_time_both_fire_once(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    config = sched_config(write_config, entries=entry(at="2026-03-02 10:00", text="From config"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await app.pipeline.process(sched_message("/schedule today 10:00 From chat",
                                                 at=clock.now()))
        for _ in range(4):
            await run(app, clock)
            clock.advance(timedelta(minutes=20))
        assert sorted(p.text for p in telegram.published) == ["From chat", "From config"]
    finally:
        await app.close()


async def test_two_instances_publish_a_chat_scheduled_post_once(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    config = sched_config(write_config)
    shared: list = []
    first, _, _ = await make_app(config, clock, instance_id="a", shared=shared)
    second, _, _ = await make_app(config, clock, instance_id="b", shared=shared)
    try:
        await first.pipeline.process(sched_message("/schedule in 1h Once only", at=clock.now()))
        clock.advance(timedelta(hours=1))
        for _ in range(3):
            await asyncio.gather(service_for(first).run_due(clock.now()),
                                 service_for(second).run_due(clock.now()))
            clock.advance(timedelta(minutes=1))
        assert [a.text for a in shared if isinstance(a, Publish)] == ["Once only"]
    finally:
        await first.close()
        await second.close()


async def test_post_missed_beyond_grace_is_skipped_and_logged(write_config, caplog) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    config = sched_config(write_config, entries=entry(at="2026-03-02 10:00", text="Stale"),
                          extra='schedule_grace = "30m"')
    app, telegram, _ = await make_app(config, clock)
    try:
        clock.set(utc(2026, 3, 2, 9, 45))  # down for 45 min past the due time, grace 30m
        with caplog.at_level(logging.INFO):
            await run(app, clock)
            await run(app, clock)
        assert telegram.published == []
        assert "event=schedule.skipped" in caplog.text
        assert [o.state for o in await occurrences(app)] == [S.SKIPPED]
    finally:
        await app.close()


async def test_unschedule_of_a_recurring_post_stops_future_runs(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))  # Monday 09:00 Berlin
    app, telegram, _ = await make_app(sched_config(write_config), clock)
    try:
        await app.pipeline.process(sched_message("/schedule every day 10:00 Daily",
                                                 at=clock.now(), event_id="s1"))
        added = [a for a in telegram.actions if isinstance(a, SendMessage)][-1]
        post_id = added.text.params["id"]
        clock.set(utc(2026, 3, 2, 9, 0))
        await run(app, clock)
        clock.set(utc(2026, 3, 3, 9, 0))
        await run(app, clock)
        assert len(telegram.published) == 2
        await app.pipeline.process(sched_message(f"/unschedule {post_id}", at=clock.now(),
                                                 event_id="s2"))
        for day in range(4, 10):
            clock.set(utc(2026, 3, day, 9, 0))
            await run(app, clock)
        assert len(telegram.published) == 2
        await app.pipeline.process(sched_message("/schedule", at=clock.now(), event_id="s3"))
        assert [a for a in telegram.actions if isinstance(a, SendMessage)][-1].text.key == (
            "schedule.list_empty")
    finally:
        await app.close()


async def test_tomorrow_and_today_use_the_local_date_not_the_utc_date(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 16, 0))  # already 3 March, 01:00, in Tokyo
    app, telegram, _ = await make_app(sched_config(write_config, tz="Asia/Tokyo"), clock)
    try:
        for n, text in enumerate(["/schedule tomorrow 9:00 Tomorrow post",
                                  "/schedule today 10:00 Today post"]):
            await app.pipeline.process(sched_message(text, at=clock.now(), event_id=f"t{n}"))
        replies = [a for a in telegram.actions if isinstance(a, SendMessage)]
        assert [r.text.key for r in replies] == ["schedule.added", "schedule.added"]
        fired = await drive(app, clock, utc(2026, 3, 5, 0, 0), timedelta(minutes=30),
                            lambda: len(telegram.published))
        assert [(p.text, t) for p, t in zip(telegram.published, fired, strict=True)] == [
            ("Today post", utc(2026, 3, 3, 1, 0)),      # 3 March 10:00 Tokyo
            ("Tomorrow post", utc(2026, 3, 4, 0, 0)),   # 4 March 09:00 Tokyo
        ]
    finally:
        await app.close()


async def test_report_ack_in_a_ru_community_is_in_russian(write_config, clock) -> None:
    app = await build(write_config, clock, BASIC_CONFIG.replace('language = "en"',
                                                                'language = "ru"'))
    try:
        telegram, _vk = recorders(app)
        await app.pipeline.process(report("спам", user="5"))
        [ack] = [a for a in telegram.of(SendMessage) if a.chat == TG_GROUP]
        assert ack.lang == "ru" and ack.text.key == "complaints.ack"
        card = telegram.cards()[0]
        assert card.lang == "ru"
    finally:
        await app.close()
