"""QA round 21: the SMM manager's content plan. Scheduled publishing driven end to end as an
SMM manager and an owner would: /schedule in chat (Russian and English), two timezones on one
bot, config edits across restarts, channel / VK postponed wall targets, permanent errors and
the `modbot schedule list|export` CLI. Each test states what a user would expect; a failing
test is a finding (see /tmp/s5/qa21_findings.md)."""

from __future__ import annotations

import asyncio
import csv
import io
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, QUEUE, TOKEN, FakeTime, RunningBot, fast_options
from tg_emulator.wire import replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import MODERATOR as VK_MODERATOR
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config

from bot.app import App, create_app
from bot.cli import main
from bot.config import load_config
from bot.core.actions import ActionResult, SendMessage
from bot.core.clock import FakeClock
from bot.core.events import Author
from bot.core.scheduler.ports import OccurrenceState as S
from bot.features.schedule import service_for
from tests.helpers_schedule import (
    ScriptedExecutor,
    entry,
    make_app,
    message,
    occurrences,
    run,
    schedule_config,
)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


_ids = iter(range(1, 100_000))


async def say(app: App, executor: ScriptedExecutor, text: str, clock: FakeClock, *,
              chat: str = "telegram:-1001", author: Author | None = None) -> list[SendMessage]:
    before = len(executor.actions)
    kwargs = {"author": author} if author is not None else {}
    await app.pipeline.process(message(text, at=clock.now(), event_id=f"qa21-{next(_ids)}",
                                       chat=chat, **kwargs))
    return [a for a in executor.actions[before:] if isinstance(a, SendMessage)]


async def active_posts(app: App, community: str = "demo") -> list:
    async with app.uow_factory() as uow:
        return list(await uow.schedule.posts(community))


async def drive(app: App, clock: FakeClock, until: datetime, step: timedelta) -> None:
    while clock.now() < until:
        await run(app, clock)
        clock.advance(step)
    await run(app, clock)


# ============================== 1. /schedule in chat: the forms ===========================

RU_CONFIG = """
[database]
url = "sqlite+aiosqlite:///ru.db"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[[community]]
name = "shkola"
language = "ru"
timezone = "Europe/Moscow"
chats = ["telegram:-1001"]
moderators = ["telegram:900"]
queue = "telegram:-2002"
"""


@pytest.mark.parametrize(("args", "cron", "at"), [
    ("завтра 9:00 Доброе утро", None, utc(2026, 3, 3, 6, 0)),
    ("сегодня 18:30 Вечерний эфир", None, utc(2026, 3, 2, 15, 30)),
    ("через 2ч Напоминание", None, utc(2026, 3, 2, 10, 0)),
    ("через 1ч30м Напоминание", None, utc(2026, 3, 2, 9, 30)),
    ("каждый понедельник 10:00 Планёрка", "0 10 * * MON", None),
    ("каждую среду 19:00 Открытый урок", "0 19 * * WED", None),
    ("каждый день 9:00 Цитата дня", "0 9 * * *", None),
    ("2026-12-01 10:00 Старт курса", None, utc(2026, 12, 1, 7, 0)),
    ("0 10 * * MON Неделя", "0 10 * * MON", None),
    ("Every Monday 10:00 Capitalised by a phone keyboard", "0 10 * * MON", None),
])
async def test_russian_community_accepts_every_readme_form_on_moscow_time(
        write_config, args, cron, at) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))  # 11:00 in Moscow
    app, telegram, _ = await make_app(load_config(write_config(RU_CONFIG)), clock)
    try:
        replies = await say(app, telegram, f"/schedule {args}", clock)
        assert [r.text.key for r in replies] == ["schedule.added"], replies
        [post] = await active_posts(app, "shkola")
        assert (post.cron, post.at) == (cron, at)
        assert replies[0].text.params["tz"] == "Europe/Moscow, UTC+3"
    finally:
        await app.close()


@pytest.mark.parametrize("args", [
    "tomorow 9:00 Typo in tomorrow",
    "2026-13-01 10:00 No thirteenth month",
    "2026-02-30 10:00 No such day",
    "tomorrow 25:00 No such hour",
    "every mondya 10:00 Typo in the day",
    "in 2 Forgot the unit",
    "каждый понедельник 10 без минут",
])
async def test_a_typo_in_when_is_refused_with_usage_and_nothing_is_planned(
        write_config, args) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    app, telegram, _ = await make_app(schedule_config(write_config), clock)
    try:
        replies = await say(app, telegram, f"/schedule {args}", clock)
        assert [r.text.key for r in replies] == ["schedule.usage"], (
            f"{args!r} was read as {[(r.text.key, r.text.params) for r in replies]}")
        assert await active_posts(app) == []
    finally:
        await app.close()


async def test_a_past_absolute_time_is_refused_and_shown_on_the_local_clock(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))  # 09:00 Berlin
    app, telegram, _ = await make_app(schedule_config(write_config), clock)
    try:
        replies = await say(app, telegram, "/schedule 2026-03-01 10:00 Yesterday's news", clock)
        assert [r.text.key for r in replies] == ["schedule.in_past"]
        assert replies[0].text.params["when"] == "2026-03-01 10:00"
        assert await active_posts(app) == []
    finally:
        await app.close()


# ============================== 2. two timezones on one bot ===============================

TWO_TZ_CONFIG = """
[database]
url = "sqlite+aiosqlite:///twotz.db"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[[community]]
name = "moscow"
language = "ru"
timezone = "Europe/Moscow"
chats = ["telegram:-1001"]
moderators = ["telegram:900"]
queue = "telegram:-2002"

[[community]]
name = "newyork"
language = "en"
timezone = "America/New_York"
chats = ["telegram:-1003"]
moderators = ["telegram:900"]
queue = "telegram:-2004"
"""


async def test_tomorrow_nine_means_each_communitys_own_tomorrow_on_one_bot(write_config) -> None:
    # 23:30 UTC on Monday: already Tuesday 02:30 in Moscow, still Monday 18:30 in New York.
    clock = FakeClock(utc(2026, 3, 2, 23, 30))
    app, telegram, _ = await make_app(load_config(write_config(TWO_TZ_CONFIG)), clock)
    try:
        ru = await say(app, telegram, "/schedule завтра 9:00 Доброе утро", clock,
                       chat="telegram:-1001")
        en = await say(app, telegram, "/schedule tomorrow 9:00 Good morning", clock,
                       chat="telegram:-1003")
        assert ru[0].text.params["next"] == "2026-03-04 09:00"
        assert en[0].text.params["next"] == "2026-03-03 09:00"
        await drive(app, clock, utc(2026, 3, 4, 12, 0), timedelta(minutes=30))
        published = [(p.chat.chat_id, p.text) for p in telegram.published]
        assert published == [("-1003", "Good morning"), ("-1001", "Доброе утро")], published
        assert [o.due_at for o in await occurrences(app)] == [utc(2026, 3, 3, 14, 0),
                                                              utc(2026, 3, 4, 6, 0)]
    finally:
        await app.close()


NY_CONFIG = TWO_TZ_CONFIG.split("[[community]]\nname = \"moscow\"")[0] + """
[[community]]
name = "newyork"
language = "en"
timezone = "America/New_York"
chats = ["telegram:-1003"]
moderators = ["telegram:900"]
queue = "telegram:-2004"
"""


async def test_a_one_off_at_0230_on_the_spring_forward_night_goes_out_once_when_promised(
        write_config) -> None:
    """02:30 does not exist in New York on 2026-03-08. The bot must not lose the post, and the
    time it tells the SMM manager must be the time it actually goes out."""
    clock = FakeClock(utc(2026, 3, 7, 12, 0))
    app, telegram, _ = await make_app(load_config(write_config(NY_CONFIG)), clock)
    try:
        replies = await say(app, telegram, "/schedule 2026-03-08 02:30 Night sale", clock,
                            chat="telegram:-1003")
        assert [r.text.key for r in replies] == ["schedule.added"]
        promised = replies[0].text.params["next"]
        await drive(app, clock, utc(2026, 3, 8, 12, 0), timedelta(minutes=15))
        assert [p.text for p in telegram.published] == ["Night sale"]
        [occ] = await occurrences(app)
        from zoneinfo import ZoneInfo
        actual = occ.due_at.astimezone(ZoneInfo("America/New_York")).strftime("%Y-%m-%d %H:%M")
        assert actual == promised, f"promised {promised}, goes out at {actual}"
    finally:
        await app.close()


async def test_every_day_0130_on_the_fall_back_night_in_new_york_goes_out_once(
        write_config) -> None:
    clock = FakeClock(utc(2026, 10, 31, 12, 0))
    app, telegram, _ = await make_app(load_config(write_config(NY_CONFIG)), clock)
    try:
        await say(app, telegram, "/schedule every day 1:30 Night digest", clock,
                  chat="telegram:-1003")
        await drive(app, clock, utc(2026, 11, 2, 12, 0), timedelta(minutes=15))
        # Oct 31 is already past 01:30; Nov 1 (01:30 happens twice) and Nov 2: once each.
        assert [o.due_at for o in await occurrences(app)] == [utc(2026, 11, 1, 5, 30),
                                                              utc(2026, 11, 2, 6, 30)]
        assert len(telegram.published) == 2
    finally:
        await app.close()


async def test_cron_every_15_minutes_over_a_restart_no_duplicate_no_burst(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 9, 55))
    config = schedule_config(write_config, entries=entry(cron="*/15 * * * *", text="Tick"))
    app, telegram, _ = await make_app(config, clock, instance_id="a")
    try:
        await drive(app, clock, utc(2026, 3, 2, 10, 20), timedelta(minutes=5))
    finally:
        await app.close()
    first = [o.due_at for o in await _occ_after_close(config, clock)]
    assert len(telegram.published) == 2, first  # 10:00 and 10:15
    clock.set(utc(2026, 3, 2, 10, 50))  # down during 10:30 and 10:45
    app2, telegram2, _ = await make_app(config, clock, instance_id="a")
    try:
        await drive(app2, clock, utc(2026, 3, 2, 11, 5), timedelta(minutes=5))
        sent = [o.due_at for o in await occurrences(app2, states=[S.SENT])]
        assert sent == [utc(2026, 3, 2, 10, 0), utc(2026, 3, 2, 10, 15),
                        utc(2026, 3, 2, 10, 45), utc(2026, 3, 2, 11, 0)], sent
        assert len(telegram2.published) == 2  # 10:45 (late, the latest missed) and 11:00
    finally:
        await app2.close()


async def _occ_after_close(config, clock) -> list:
    app = await create_app(config, clock=clock, instance_id="peek")
    try:
        return await occurrences(app)
    finally:
        await app.close()


# ============================== 3. config posts across restarts ==========================

async def test_fixing_a_typo_in_a_config_post_that_already_went_out_does_not_post_it_again(
        write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 9, 0))  # 10:00 Berlin: due now
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00",
                                                         text="Sael starts now!"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await run(app, clock)
        assert [p.text for p in telegram.published] == ["Sael starts now!"]
    finally:
        await app.close()
    clock.advance(timedelta(minutes=20))  # the owner spots the typo and restarts
    fixed = schedule_config(write_config, entries=entry(at="2026-03-02 10:00",
                                                        text="Sale starts now!"))
    app2, telegram2, _ = await make_app(fixed, clock)
    try:
        await drive(app2, clock, utc(2026, 3, 2, 11, 0), timedelta(minutes=10))
        assert telegram2.published == [], (
            "the corrected text of a post members already read was published a second time: "
            f"{[p.text for p in telegram2.published]}")
    finally:
        await app2.close()


async def test_adding_a_chat_to_the_community_does_not_repost_todays_post_where_it_went_out(
        write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 9, 0))
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00",
                                                         text="Doors open"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await run(app, clock)
        assert [p.chat.chat_id for p in telegram.published] == ["-1001"]
    finally:
        await app.close()
    clock.advance(timedelta(minutes=30))
    more = schedule_config(write_config, chats='["telegram:-1001", "telegram:-1005"]',
                           entries=entry(at="2026-03-02 10:00", text="Doors open"))
    app2, telegram2, _ = await make_app(more, clock)
    try:
        await drive(app2, clock, utc(2026, 3, 2, 11, 0), timedelta(minutes=10))
        again = [p.chat.chat_id for p in telegram2.published if p.chat.chat_id == "-1001"]
        assert again == [], "members of -1001 got the same post twice after a chat was added"
    finally:
        await app2.close()


async def test_moving_a_config_post_to_a_later_time_retires_the_old_and_posts_once(
        write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 7, 0))
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00", text="Webinar"))
    app, _, _ = await make_app(config, clock)
    await run(app, clock)
    await app.close()
    moved = schedule_config(write_config, entries=entry(at="2026-03-02 12:00", text="Webinar"))
    app2, telegram2, _ = await make_app(moved, clock)
    try:
        await drive(app2, clock, utc(2026, 3, 2, 13, 0), timedelta(minutes=15))
        assert [p.text for p in telegram2.published] == ["Webinar"]
        [occ] = await occurrences(app2)
        assert occ.due_at == utc(2026, 3, 2, 11, 0)  # 12:00 Berlin, not 10:00
    finally:
        await app2.close()


async def test_removing_a_post_from_config_before_it_is_due_keeps_it_off(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 55))  # 5 minutes before
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00", text="Oops")
                             + entry(at="2026-03-02 10:00", text="Keep"))
    app, _, _ = await make_app(config, clock)
    await run(app, clock)
    await app.close()
    fewer = schedule_config(write_config, entries=entry(at="2026-03-02 10:00", text="Keep"))
    app2, telegram2, _ = await make_app(fewer, clock)
    try:
        await drive(app2, clock, utc(2026, 3, 2, 10, 0), timedelta(minutes=5))
        assert [p.text for p in telegram2.published] == ["Keep"]
    finally:
        await app2.close()


async def test_two_identical_config_posts_plan_and_publish_agree(write_config, capsys) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    twice = entry(at="2026-03-02 10:00", text="Same") * 2
    config = schedule_config(write_config, entries=twice)
    app, telegram, _ = await make_app(config, clock)
    try:
        await drive(app, clock, utc(2026, 3, 2, 9, 30), timedelta(minutes=15))
        listed = len(await active_posts(app))
        assert len(telegram.published) == listed == 1, (
            f"{listed} posts planned, {len(telegram.published)} published")
    finally:
        await app.close()


# ============================== 4. the CLI ================================================

def cli(*argv: str) -> int:
    return main(list(argv))


async def test_export_csv_round_trips_commas_quotes_and_newlines(write_config, capsys) -> None:
    tricky = 'Sale, 50% off: "today only"\nSecond line; semicolon\ttab'
    config = schedule_config(write_config)
    app, telegram, _ = await make_app(config, FakeClock(utc(2026, 3, 2, 8, 0)))
    await say(app, telegram, "/schedule 2031-01-01 09:00 placeholder", FakeClock(
        utc(2026, 3, 2, 8, 0)))
    async with app.uow_factory() as uow:  # a multi-line text, as a reply to a message gives
        from bot.core.scheduler.ports import NewPost, PostSource
        await uow.schedule.add_post(NewPost(
            community="demo", source=PostSource.CHAT, text=tricky, chats=("telegram:-1001",),
            created_by="telegram:900", at=utc(2031, 1, 2, 8, 0), cron=None), utc(2026, 3, 2))
        await uow.commit()
    await app.close()
    capsys.readouterr()
    assert await asyncio.to_thread(cli, "schedule", "export", "--community", "demo",
                                   "--config", str(config.path)) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [r["text"] for r in rows] == ["placeholder", tricky]


async def test_list_keeps_six_columns_when_a_text_has_a_tab_or_newline(write_config,
                                                                       capsys) -> None:
    config = schedule_config(write_config)
    app, _, _ = await make_app(config, FakeClock(utc(2026, 3, 2, 8, 0)))
    async with app.uow_factory() as uow:
        from bot.core.scheduler.ports import NewPost, PostSource
        await uow.schedule.add_post(NewPost(
            community="demo", source=PostSource.CHAT, text="Menu:\tsoup\r\nand\u2028bread",
            chats=("telegram:-1001",), created_by="telegram:900", at=utc(2031, 1, 2, 8, 0),
            cron=None), utc(2026, 3, 2))
        await uow.commit()
    await app.close()
    capsys.readouterr()
    assert await asyncio.to_thread(cli, "schedule", "list", "--community", "demo",
                                   "--config", str(config.path)) == 0
    lines = capsys.readouterr().out.splitlines()
    body = [line for line in lines if not line.startswith("# ")]
    assert len(body) == 1, f"one post printed on {len(body)} lines: {body}"
    assert len(body[0].split("\t")) == 6, f"columns broken: {body[0]!r}"


def test_list_without_community_in_a_two_community_config_names_the_choices(
        write_config, capsys) -> None:
    path = write_config(TWO_TZ_CONFIG)
    assert cli("schedule", "list", "--config", str(path)) == 1
    err = capsys.readouterr().err
    assert "moscow" in err and "newyork" in err and "--community" in err, err
    assert cli("schedule", "export", "--community", "paris", "--config", str(path)) == 1
    err = capsys.readouterr().err
    assert "paris" in err, f"the unknown community is not named: {err!r}"


async def test_list_shows_a_failed_post_as_failed_not_just_without_a_next_run(
        write_config, capsys) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00",
                                                         text="Channel announcement"))
    refused = ActionResult(ok=False, error="Forbidden: bot was kicked from the channel",
                           permanent=True)
    app, telegram, _ = await make_app(config, clock, script=[refused])
    try:
        await drive(app, clock, utc(2026, 3, 2, 10, 0), timedelta(minutes=15))
        assert len(telegram.published) == 1, "a permanent refusal is not retried"
        assert [n.text.key for n in telegram.notices] == ["schedule.failed"], (
            "the queue is told once")
        [occ] = await occurrences(app)
        assert occ.state == S.FAILED
    finally:
        await app.close()
    capsys.readouterr()
    assert await asyncio.to_thread(cli, "schedule", "list", "--community", "demo",
                                   "--config", str(config.path)) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "Channel announcement" in line)
    assert "fail" in line.lower(), (
        f"an owner reading the plan cannot tell the post never went out: {line!r}")


# ============================== 5. Telegram over the wire =================================

@pytest.fixture
def tg_clock() -> FakeClock:
    return wall_clock()


def tg_config(folder: Path, api_base: str, *, chats: list[str], entries: str = "") -> Path:
    chat_list = ", ".join(f'"{c}"' for c in chats)
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = [{chat_list}]
        moderators = ["telegram:900"]
        queue = "telegram:{QUEUE}"
        """) + textwrap.dedent(entries), encoding="utf-8")
    return path


CHANNEL = -1007


async def test_tg_a_4096_character_post_with_markup_characters_arrives_verbatim(
        tmp_path, emu: TelegramEmulator, tg_clock) -> None:
    body = "<b>Sale</b> *50%* _off_ [link](http://x) `code` & <i>"
    text = (body + "x" * 4096)[:4096]
    app = await create_app(load_config(tg_config(tmp_path, emu.api_base,
                                                 chats=[f"telegram:{GROUP}"])),
                           clock=tg_clock, instance_id="qa21")
    try:
        async with RunningBot(app, fast_options(FakeTime())):
            draft = emu.user_message(GROUP, ADMIN, text)
            cmd = emu.user_message(GROUP, ADMIN, "/schedule in 1h", reply_to=draft["message_id"])
            await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]),
                               what="the confirmation")
            assert "#1" in replies_to(emu, GROUP, cmd["message_id"])[0]
            tg_clock.advance(timedelta(minutes=61))
            await service_for(app).run_due(tg_clock.now())
            await service_for(app).run_due(tg_clock.now())
        posted = [c for c in emu.calls_of("sendMessage")
                  if c.result.get("text", "").startswith("<b>Sale")]
        assert len(posted) == 1
        assert posted[0].result["text"] == text
        assert not posted[0].params.get("parse_mode"), "a plain post must not be parsed as markup"
    finally:
        await app.close()


async def test_tg_channel_post_goes_out_once_as_the_channel(tmp_path, emu, tg_clock) -> None:
    emu.group(CHANNEL, title="News", admins=(ADMIN,), type="channel")
    when = (tg_clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    entries = f'\n[[community.schedule]]\nat = "{when}"\ntext = "Channel news"\n' \
              f'chats = ["telegram:{CHANNEL}"]\n'
    config = load_config(tg_config(tmp_path, emu.api_base,
                                   chats=[f"telegram:{GROUP}", f"telegram:{CHANNEL}"],
                                   entries=entries))
    for _attempt in range(2):  # a restart in between
        app = await create_app(config, clock=tg_clock, instance_id="qa21")
        try:
            async with RunningBot(app, fast_options(FakeTime())):
                for _ in range(4):
                    tg_clock.advance(timedelta(minutes=3))
                    await service_for(app).run_due(tg_clock.now())
                    await app.pipeline.drain()
        finally:
            await app.close()
    posts = [m for m in emu.sent_messages(CHANNEL) if m.get("text") == "Channel news"]
    assert len(posts) == 1
    assert posts[0]["sender_chat"]["id"] == CHANNEL
    assert [m for m in emu.sent_messages(GROUP) if m.get("text") == "Channel news"] == []


async def test_tg_bot_removed_from_the_channel_fails_once_and_tells_the_queue_once(
        tmp_path, emu, tg_clock) -> None:
    emu.group(CHANNEL, title="News", admins=(ADMIN,), type="channel", bot_status="kicked")
    when = (tg_clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    entries = f'\n[[community.schedule]]\nat = "{when}"\ntext = "Channel news"\n' \
              f'chats = ["telegram:{CHANNEL}"]\n'
    config = load_config(tg_config(tmp_path, emu.api_base,
                                   chats=[f"telegram:{GROUP}", f"telegram:{CHANNEL}"],
                                   entries=entries))
    app = await create_app(config, clock=tg_clock, instance_id="qa21")
    try:
        async with RunningBot(app, fast_options(FakeTime())):
            for _ in range(8):
                tg_clock.advance(timedelta(minutes=3))
                await service_for(app).run_due(tg_clock.now())
                await app.pipeline.drain()
            await emu.wait_for(lambda: emu.sent_texts(QUEUE), what="the queue notice")
        [occ] = await occurrences(app)
        assert occ.state == S.FAILED, occ
    finally:
        await app.close()
    attempts = [c for c in emu.calls_of("sendMessage", ok=None)
                if str(c.params.get("chat_id")) == str(CHANNEL)]
    assert len(attempts) == 1, f"a permanent 403 was retried: {len(attempts)} calls"
    notices = [t for t in emu.sent_texts(QUEUE) if "Channel news" in t]
    assert len(notices) == 1, emu.sent_texts(QUEUE)


async def test_tg_post_scheduled_from_a_forum_topic_goes_to_that_topic(
        tmp_path, emu, tg_clock) -> None:
    emu.world.chat(GROUP).is_forum = True  # harmless if the emulator ignores it
    app = await create_app(load_config(tg_config(tmp_path, emu.api_base,
                                                 chats=[f"telegram:{GROUP}"])),
                           clock=tg_clock, instance_id="qa21")
    try:
        async with RunningBot(app, fast_options(FakeTime())):
            cmd = emu.user_message(GROUP, ADMIN, "/schedule in 30m Topic digest", thread_id=45)
            await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]),
                               what="the confirmation")
            tg_clock.advance(timedelta(minutes=31))
            await service_for(app).run_due(tg_clock.now())
        posted = [c for c in emu.calls_of("sendMessage") if c.result.get("text") ==
                  "Topic digest"]
        assert len(posted) == 1
        assert int(posted[0].params.get("message_thread_id") or 0) == 45
    finally:
        await app.close()


# ============================== 6. VK: wall_postponed and chats ===========================

def vk_entries(clock: FakeClock, minutes: int, text: str, chats: str) -> str:
    from zoneinfo import ZoneInfo

    local = (clock.now() + timedelta(minutes=minutes)).astimezone(ZoneInfo("Europe/Moscow"))
    return textwrap.dedent(f"""
        [[community.schedule]]
        at = "{local.strftime('%Y-%m-%d %H:%M')}"
        text = "{text}"
        chats = {chats}
        """)


async def _vk_rounds(running: VkBot, clock: FakeClock, rounds: int, step: timedelta) -> None:
    assert running.app is not None
    service = service_for(running.app)
    for _ in range(rounds):
        clock.advance(step)
        await service.run_due(clock.now())
        await running.app.pipeline.drain()


async def test_vk_postponed_wall_post_is_handed_over_once_across_a_restart(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    clock.set(clock.now().replace(second=0, microsecond=0))
    entries = vk_entries(clock, 30, "Postponed digest", '["vk:wall"]')
    config = write_vk_config(tmp_path, vk_config_text(emulator, extra="wall_postponed = true",
                                                      community_extra=entries))
    due = clock.now() + timedelta(minutes=30)
    for _ in range(2):
        running = VkBot(config, clock, emulator)
        await running.start()
        try:
            await _vk_rounds(running, clock, 5, timedelta(minutes=5))
        finally:
            await running.stop()
    posts = [p for p in emulator.posts.values() if p.get("message") == "Postponed digest"]
    assert len(posts) == 1, posts
    assert int(posts[0]["publish_date"]) == int(due.timestamp())
    app = await create_app(config, clock=clock, instance_id="peek")
    try:
        [occ] = await occurrences(app)
        assert occ.state == S.SENT and occ.platform_message_id
    finally:
        await app.close()


async def test_vk_unscheduling_a_post_already_handed_to_vk_postponed_removes_it_there(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """The SMM manager cancels a post 5 minutes before it is due. The bot handed it to VK's
    postponed posts already; VK will publish it unless the bot deletes it (or at least says
    it cannot)."""
    clock.set(clock.now().replace(second=0, microsecond=0))
    entries = vk_entries(clock, 12, "Cancelled promo", '["vk:wall"]')
    config = write_vk_config(tmp_path, vk_config_text(emulator, extra="wall_postponed = true",
                                                      community_extra=entries))
    running = VkBot(config, clock, emulator)
    await running.start()
    try:
        await _vk_rounds(running, clock, 1, timedelta(minutes=5))  # 7 minutes ahead
        posts = [p for p in emulator.posts.values() if p.get("message") == "Cancelled promo"]
        assert len(posts) == 1 and posts[0].get("publish_date"), "not handed over yet"
        before = len(emulator.sent())
        emulator.post_message(2_000_000_001, VK_MODERATOR, "/unschedule 1")
        await emulator.wait_for(lambda: len(emulator.sent()) > before)
        reply = emulator.sent()[-1].text
    finally:
        await running.stop()
    deleted = emulator.calls_to("wall.delete")
    assert deleted or "VK" in reply, (
        f"the post stays in VK's postponed posts and will go out; the bot replied {reply!r}")


async def test_vk_chat_post_goes_out_once_with_the_text_as_written(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    clock.set(clock.now().replace(second=0, microsecond=0))
    text = "Скидка 20% — только сегодня! [club1|Мы] & <b>не разметка</b>"
    entries = vk_entries(clock, 5, text.replace('"', '\\"'), '["vk:2000000001"]')
    config = write_vk_config(tmp_path, vk_config_text(emulator, community_extra=entries))
    running = VkBot(config, clock, emulator)
    await running.start()
    try:
        await _vk_rounds(running, clock, 4, timedelta(minutes=3))
    finally:
        await running.stop()
    sent = Counter(m.text for m in emulator.sent(2_000_000_001))
    assert sent[text] == 1, sent


# ============================== 7. more of the SMM manager's day ==========================

async def test_unscheduling_a_one_off_that_already_went_out_does_not_claim_to_cancel_it(
        write_config) -> None:
    """"Post #1 is unscheduled" for a post members read an hour ago misleads the moderator
    into believing it never went out."""
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    app, telegram, _ = await make_app(schedule_config(write_config), clock)
    try:
        await say(app, telegram, "/schedule in 1h Flash sale", clock)
        await drive(app, clock, utc(2026, 3, 2, 10, 0), timedelta(minutes=30))
        assert [p.text for p in telegram.published] == ["Flash sale"]
        replies = await say(app, telegram, "/unschedule 1", clock)
        assert [r.text.key for r in replies] != ["schedule.removed"], (
            f"told {[(r.text.key, r.text.params) for r in replies]} for a post already sent")
    finally:
        await app.close()


async def test_a_post_longer_than_one_message_is_refused_when_scheduled_in_reply(
        write_config) -> None:
    from bot.core.events import ReplyTarget

    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    app, telegram, _ = await make_app(schedule_config(write_config), clock)
    try:
        for size, key in ((4097, "schedule.too_long"), (4096, "schedule.added")):
            reply = ReplyTarget(message_id=f"r{size}", author=None, text="y" * size)
            before = len(telegram.actions)
            await app.pipeline.process(message("/schedule in 1h", at=clock.now(),
                                               event_id=f"long{size}", reply_to=reply))
            keys = [a.text.key for a in telegram.actions[before:] if isinstance(a, SendMessage)]
            assert keys == [key], (size, keys)
        [post] = await active_posts(app)
        assert len(post.text) == 4096
    finally:
        await app.close()


@pytest.mark.parametrize(("toml_at", "due"), [
    ("2026-03-02T10:00:00", utc(2026, 3, 2, 9, 0)),        # TOML local datetime: Berlin time
    ("2026-03-02 10:00:00", utc(2026, 3, 2, 9, 0)),
    ("2026-03-02T10:00:00+03:00", utc(2026, 3, 2, 7, 0)),  # an explicit offset wins
])
async def test_config_at_as_a_toml_datetime_is_read_in_the_communitys_timezone(
        write_config, toml_at, due) -> None:
    clock = FakeClock(utc(2026, 3, 2, 6, 0))
    entries = f'\n[[community.schedule]]\nat = {toml_at}\ntext = "TOML time"\n'
    app, telegram, _ = await make_app(schedule_config(write_config, entries=entries), clock)
    try:
        await drive(app, clock, utc(2026, 3, 2, 10, 0), timedelta(minutes=15))
        assert [o.due_at for o in await occurrences(app)] == [due]
        assert len(telegram.published) == 1
    finally:
        await app.close()


async def test_editing_a_daily_config_post_after_todays_run_waits_for_tomorrow(
        write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 55))
    config = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Quote v1"))
    app, telegram, _ = await make_app(config, clock)
    try:
        await drive(app, clock, utc(2026, 3, 2, 9, 5), timedelta(minutes=5))
        assert [p.text for p in telegram.published] == ["Quote v1"]
    finally:
        await app.close()
    clock.set(utc(2026, 3, 2, 9, 20))
    edited = schedule_config(write_config, entries=entry(cron="0 10 * * *", text="Quote v2"))
    app2, telegram2, _ = await make_app(edited, clock)
    try:
        await drive(app2, clock, utc(2026, 3, 3, 9, 5), timedelta(minutes=30))
        assert [p.text for p in telegram2.published] == ["Quote v2"]  # tomorrow only
        sent = await occurrences(app2, states=[S.SENT])
        assert [o.due_at for o in sent] == [utc(2026, 3, 2, 9, 0), utc(2026, 3, 3, 9, 0)]
    finally:
        await app2.close()


async def test_a_post_removed_from_config_while_waiting_for_a_retry_is_not_sent_later(
        write_config) -> None:
    from bot.runtime.executor import TransientError

    clock = FakeClock(utc(2026, 3, 2, 9, 0))
    config = schedule_config(write_config, entries=entry(at="2026-03-02 10:00", text="Retracted"))
    app, _telegram, _ = await make_app(config, clock, script=[TransientError("502")])
    try:
        await run(app, clock)
        [occ] = await occurrences(app)
        assert occ.state == S.PENDING and occ.next_attempt_at is not None
    finally:
        await app.close()
    gone = schedule_config(write_config)
    app2, telegram2, _ = await make_app(gone, clock)
    try:
        await drive(app2, clock, utc(2026, 3, 2, 9, 30), timedelta(minutes=2))
        assert telegram2.published == []
        [occ] = await occurrences(app2)
        assert occ.state == S.CANCELLED
    finally:
        await app2.close()


async def test_schedule_from_the_queue_chat_goes_to_every_community_chat(write_config) -> None:
    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    config = schedule_config(write_config,
                             chats='["telegram:-1001", "vk:2000000001", "vk:wall"]')
    app, telegram, vk = await make_app(config, clock)
    try:
        replies = await say(app, telegram, "/schedule in 30m Everyone, hello", clock,
                            chat="telegram:-2002")
        assert [r.text.key for r in replies] == ["schedule.added"]
        await drive(app, clock, utc(2026, 3, 2, 9, 0), timedelta(minutes=10))
        where = sorted(str(p.chat) for p in telegram.published + vk.published)
        assert where == ["telegram:-1001", "vk:2000000001", "vk:wall"], where
        assert "telegram:-2002" not in where
    finally:
        await app.close()


async def test_russian_listing_shows_moscow_times_and_the_unschedule_hint(write_config) -> None:
    from bot.texts import catalog

    clock = FakeClock(utc(2026, 3, 2, 8, 0))
    app, telegram, _ = await make_app(load_config(write_config(RU_CONFIG)), clock)
    try:
        await say(app, telegram, "/schedule завтра 9:00 Доброе утро", clock)
        [listing] = await say(app, telegram, "/schedule", clock)
        rendered = catalog().render(listing.text, "ru")
        assert "2026-03-03 09:00" in rendered and "Доброе утро" in rendered, rendered
        assert "/unschedule" in rendered
        assert "Coming up" not in rendered, "an English listing in a Russian community"
    finally:
        await app.close()


async def test_vk_fixing_a_typo_after_the_postponed_hand_over_leaves_one_post_on_the_wall(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """The owner fixes a typo in config.toml 5 minutes before a wall post is due and restarts.
    The old text already sits in VK's postponed posts: the wall must end up with one post."""
    clock.set(clock.now().replace(second=0, microsecond=0))
    start = clock.now()
    old = write_vk_config(tmp_path, vk_config_text(
        emulator, extra="wall_postponed = true",
        community_extra=vk_entries(clock, 12, "Opne day on Saturday", '["vk:wall"]')))
    running = VkBot(old, clock, emulator)
    await running.start()
    try:
        await _vk_rounds(running, clock, 1, timedelta(minutes=5))  # handed over, 7 min ahead
    finally:
        await running.stop()
    fixed_clock = FakeClock(start)
    fixed = write_vk_config(tmp_path, vk_config_text(
        emulator, extra="wall_postponed = true",
        community_extra=vk_entries(fixed_clock, 12, "Open day on Saturday", '["vk:wall"]')))
    running = VkBot(fixed, clock, emulator)
    await running.start()
    try:
        await _vk_rounds(running, clock, 4, timedelta(minutes=3))
    finally:
        await running.stop()
    live = [p["message"] for pid, p in emulator.posts.items()
            if "day on Saturday" in p.get("message", "") and pid not in _deleted(emulator)]
    assert live == ["Open day on Saturday"], (
        f"the wall will show {live}; wall.delete calls: {len(emulator.calls_to('wall.delete'))}")


def _deleted(emulator: VkEmulator) -> set[int]:
    return {int(c["post_id"]) for c in emulator.calls_to("wall.delete")}
