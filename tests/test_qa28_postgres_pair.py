"""QA round 28: an owner runs modbot on PostgreSQL with two instances for availability.

Black-box scenarios on one PostgreSQL database (skipped without MODBOT_TEST_PG_URL, like the
other PostgreSQL tests): two App instances deciding at the same time, both running their
housekeeping ticks, a database outage while the Telegram adapter runs, a password in the
database URL, and the owner's command-line tools on PostgreSQL.

Each test asserts what a member, moderator or owner expects; a failing test is a finding
(see /tmp/s6/qa28_findings.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, QUEUE, TOKEN, FakeTime, RunningBot, fast_options
from tg_emulator.wire import render, replies_to

from bot.app import App, create_app
from bot.config import load_config
from bot.core.actions import Mute, NotifyQueue, SendMessage
from bot.core.clock import FakeClock
from bot.logs import setup_logging
from tests.conftest import BASIC_CONFIG
from tests.helpers_complaints import VK_CHAT, Recorder, message, report, tickets

ROOT = Path(__file__).resolve().parents[1]
OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_2 = "Это просто пиздец какой-то"


def pg_config(write_config: Callable[[str], Path], url: str, extra: str = "") -> Path:
    text = BASIC_CONFIG.replace('url = "sqlite+aiosqlite:///modbot.db"', f'url = "{url}"')
    return write_config(text + textwrap.dedent(extra))


async def pair(config_path: Path, clock: FakeClock) -> tuple[App, App, Recorder, Recorder]:
    """Two instances on one database, each with its own recording networks."""
    config = load_config(config_path)
    first = await create_app(config, clock=clock, instance_id="a")
    second = await create_app(config, clock=clock, instance_id="b")
    rec_a, rec_b = Recorder("telegram", 500), Recorder("telegram", 5000)
    first.router.add(rec_a)
    second.router.add(rec_b)
    first.router.add(Recorder("vk", 800))
    second.router.add(Recorder("vk", 8000))
    return first, second, rec_a, rec_b


def clock_at() -> FakeClock:
    return FakeClock(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))


# -- two instances deciding at the same time ----------------------------------------------

async def test_reports_filed_at_once_on_both_instances_each_get_their_own_ticket(
        write_config, pg_url):
    """Instance A polls Telegram, instance B polls VK: reports arriving at the same moment on
    both networks must each become a ticket, numbered #1, #2, … without gaps or errors."""
    clock = clock_at()
    first, second, _, _ = await pair(pg_config(write_config, pg_url), clock)
    try:
        errors: list[BaseException] = []
        for i in range(6):
            tg = report(f"spam {i}", user=str(10 + i), target=str(300 + i))
            vk = report(f"flood {i}", user=str(50 + i), target=str(400 + i), chat=VK_CHAT)
            results = await asyncio.gather(first.pipeline.process(tg),
                                           second.pipeline.process(vk),
                                           return_exceptions=True)
            errors += [r for r in results if isinstance(r, BaseException)]
        filed = await tickets(first)
        numbers = sorted(t.number for t in filed)
        assert not errors, f"a report failed on one instance: {errors[0]!r}"[:400]
        assert numbers == list(range(1, 13))
    finally:
        await first.close()
        await second.close()


async def test_one_update_raced_by_both_instances_is_answered_once(write_config, pg_url):
    """Webhook fan-out or a lease hand-over: the same update reaches both instances at once;
    the member gets one reply, not two."""
    clock = clock_at()
    first, second, rec_a, rec_b = await pair(pg_config(write_config, pg_url), clock)
    try:
        for i in range(5):
            event = message("/help", user=str(20 + i), event_id=f"telegram:-1001:race{i}")
            await asyncio.gather(first.pipeline.process(event), second.pipeline.process(event),
                                 return_exceptions=True)
        sent = rec_a.of(SendMessage) + rec_b.of(SendMessage)
        assert len(sent) == 5
    finally:
        await first.close()
        await second.close()


async def _ladder_outcome(app: App, recs: list[Recorder], clock: FakeClock) -> tuple[int, int]:
    async with app.uow_factory() as uow:
        active = await uow.warnings.active("demo", "telegram:66", clock.now())
    return len(active), sum(len(r.of(Mute)) for r in recs)


async def test_two_offences_decided_at_once_on_both_instances_both_count(write_config, pg_url):
    """The same member swears twice while the Telegram lease passes from A to B (both have a
    batch in hand): the ladder must end where it ends when the two are handled one after the
    other (a warning, then the next step), not issue 'warning 1 of 4' twice."""
    clock = clock_at()
    path = pg_config(write_config, pg_url)
    first, second, rec_a, rec_b = await pair(path, clock)
    try:
        one = message(OBSCENE, user="66", message_id="7001")
        two = message(OBSCENE_2, user="66", message_id="7002")
        await first.pipeline.process(one)
        await first.pipeline.process(two)
        expected = await _ladder_outcome(first, [rec_a, rec_b], clock)
        async with first.uow_factory() as uow:
            await uow.warnings.revoke_all("demo", "telegram:66", clock.now())
            await uow.commit()
        rec_a.actions.clear()
        rec_b.actions.clear()
        clock.advance(timedelta(minutes=1))
        outcomes = []
        for i in range(4):
            async with first.uow_factory() as uow:
                await uow.warnings.revoke_all("demo", "telegram:66", clock.now())
                await uow.commit()
            rec_a.actions.clear()
            rec_b.actions.clear()
            clock.advance(timedelta(minutes=1))
            three = message(OBSCENE, user="66", message_id=f"71{i}1")
            four = message(OBSCENE_2, user="66", message_id=f"71{i}2")
            await asyncio.gather(first.pipeline.process(three), second.pipeline.process(four),
                                 return_exceptions=True)
            outcomes.append(await _ladder_outcome(first, [rec_a, rec_b], clock))
        # control: the same reset, then one after the other again
        async with first.uow_factory() as uow:
            await uow.warnings.revoke_all("demo", "telegram:66", clock.now())
            await uow.commit()
        rec_a.actions.clear()
        rec_b.actions.clear()
        clock.advance(timedelta(minutes=1))
        await first.pipeline.process(message(OBSCENE, user="66", message_id="7201"))
        await second.pipeline.process(message(OBSCENE_2, user="66", message_id="7202"))
        control = await _ladder_outcome(first, [rec_a, rec_b], clock)
        assert control == expected
        assert all(o == expected for o in outcomes), (
            f"one after the other: (active warnings, mutes)={expected} (control {control}); "
            f"at once: {outcomes}")
    finally:
        await first.close()
        await second.close()


async def test_sla_reminder_is_posted_once_when_both_instances_tick(write_config, pg_url):
    """Both instances run housekeeping; an unclaimed ticket past its SLA gets one reminder in
    the queue chat, not one per instance."""
    clock = clock_at()
    first, second, rec_a, rec_b = await pair(pg_config(write_config, pg_url), clock)
    try:
        await first.pipeline.process(report("spam", user="10", target="300"))
        clock.advance(timedelta(minutes=31))
        for _ in range(3):
            await asyncio.gather(first.pipeline.tick(), second.pipeline.tick(),
                                 return_exceptions=True)
        reminders = [a for a in rec_a.of(NotifyQueue) + rec_b.of(NotifyQueue)
                     if a.text.key == "complaints.sla_overdue"]
        assert len(reminders) == 1, f"{len(reminders)} SLA reminders for ticket #1"
    finally:
        await first.close()
        await second.close()


async def test_outbox_drained_by_both_instances_delivers_each_action_once(write_config, pg_url):
    """A burst decided on A while both instances drain the shared outbox: every reply goes out
    exactly once."""
    clock = clock_at()
    first, second, rec_a, rec_b = await pair(pg_config(write_config, pg_url), clock)
    try:
        events = [message("/help", user=str(100 + i)) for i in range(20)]
        await first.pipeline.process_many(events[:10])
        await asyncio.gather(first.pipeline.process_many(events[10:]), second.pipeline.drain(),
                             second.pipeline.drain(), first.pipeline.drain())
        sent = rec_a.of(SendMessage) + rec_b.of(SendMessage)
        targets = [a.reply_to for a in sent]
        assert len(sent) == 20 and len(set(targets)) == 20
    finally:
        await first.close()
        await second.close()


async def test_faq_repeat_window_holds_across_instances(tmp_path, pg_url):
    """A answers a question; ten minutes later (the lease moved to B) the same question in the
    same chat gets a pointer to the earlier answer, not the answer again."""
    from tests.helpers_faq import GROUP as FAQ_GROUP
    from tests.helpers_faq import Recorder as FaqRecorder
    from tests.helpers_faq import message as faq_message
    from tests.helpers_faq import use_fake_matcher, write_faq_config

    path = write_faq_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace(
        'url = "sqlite+aiosqlite:///modbot.db"', f'url = "{pg_url}"'), encoding="utf-8")
    clock = clock_at()
    config = load_config(path)
    apps = []
    try:
        for name in ("a", "b"):
            app = await create_app(config, clock=clock, instance_id=name)
            apps.append(app)
            use_fake_matcher(app, {"lessons": ("answer", "schedule")})
        recs = []
        for app in apps:
            rec = FaqRecorder()
            for platform in ("telegram", "vk"):
                app.router.add(rec.executor(platform))
            recs.append(rec)
        await apps[0].pipeline.process(faq_message(FAQ_GROUP, "When are the lessons?"))
        clock.advance(timedelta(minutes=10))
        await apps[1].pipeline.process(faq_message(FAQ_GROUP, "when are the lessons??"))
        answer = "Lessons are on Tuesdays and Thursdays at 7 pm."
        first = [a for a in recs[0].actions if isinstance(a, SendMessage)]
        second = [a for a in recs[1].actions if isinstance(a, SendMessage)]
        assert first and first[0].text.params.get("text") == answer, first
        answer_id = recs[0].results[0].message_id
        assert [a.text.key for a in second] == ["faq.answered_above"], second
        assert second[0].reply_to == answer_id
    finally:
        for app in apps:
            await app.close()


async def test_instance_killed_mid_post_the_other_neither_resends_nor_repeats_the_alarm(
        write_config, pg_url):
    """Both instances run the content plan. A is killed while posting to Telegram; B keeps
    ticking (and A comes back later): the Telegram post is not sent blindly again, the other
    chats get theirs once, and the queue hears about the unknown outcome once, not on every
    tick of every instance."""
    from bot.core.actions import Publish
    from tests.helpers_schedule import Crash, entry, make_app, schedule_config

    clock = FakeClock(datetime(2026, 3, 2, 10, 0, tzinfo=UTC))
    config = schedule_config(write_config, url=pg_url, entries=entry(at="2026-03-02 10:00",
                                                                      text="Open lesson"),
                             chats='["telegram:-1001", "vk:2000000001"]')
    shared: list = []
    first, _, _ = await make_app(config, clock, instance_id="a", script=[Crash()],
                                 shared=shared)
    second, _, _ = await make_app(config, clock, instance_id="b", shared=shared)
    restarted = None
    try:
        from bot.features.schedule import service_for
        with pytest.raises(Crash):
            await service_for(first).run_due(clock.now())
        await first.close()
        unknown_reports = len((await service_for(second).run_due(clock.now())).unknown)
        for _ in range(8):  # past the 10-minute claim timeout a dead instance's claim gets
            clock.advance(timedelta(minutes=2))
            report_b = await service_for(second).run_due(clock.now())
            unknown_reports += len(report_b.unknown)
        restarted, _, _ = await make_app(config, clock, instance_id="a2", shared=shared)
        for _ in range(2):
            clock.advance(timedelta(minutes=1))
            unknown_reports += len((await service_for(restarted).run_due(clock.now())).unknown)
        for app in (second, restarted):
            await app.pipeline.tick()
        published = [(a.chat.platform, a.ref) for a in shared if isinstance(a, Publish)]
        tg = [p for p in published if p[0] == "telegram"]
        vk = [p for p in published if p[0] == "vk"]
        assert len(tg) == 1, f"Telegram post attempted {len(tg)} times"
        assert len(vk) == 1, f"VK post sent {len(vk)} times"
        assert unknown_reports == 1, f"unknown outcome reported {unknown_reports} times"
    finally:
        await second.close()
        if restarted is not None:
            await restarted.close()


# -- the database going away --------------------------------------------------------------

class TcpCut:
    """A TCP relay in front of PostgreSQL that can be cut (connections dropped, new ones
    refused) and restored, standing in for a database restart or a network partition."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.up = True
        self.server: asyncio.base_events.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []
        self.refused = 0

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            self.refused += 1
            writer.close()
            return
        try:
            up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        except OSError:
            writer.close()
            return
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def cut(self) -> None:
        self.up = False
        for w in self.writers:
            with contextlib.suppress(Exception):
                w.transport.abort()
        self.writers.clear()

    def restore(self) -> None:
        self.up = True

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


PASSWORD = "QA28pgPASSWORDxyzzy"


def via(url: str, port: int, password: str = PASSWORD) -> str:
    """`url` with host:port replaced by the relay and a password added."""
    scheme, rest = url.split("://", 1)
    creds, _, hostpart = rest.partition("@")
    user = creds.split(":")[0]
    db = hostpart.split("/", 1)[1]
    return f"{scheme}://{user}:{password}@127.0.0.1:{port}/{db}"


def tg_pg_config(folder: Path, api_base: str, url: str, vk: bool = False) -> Path:
    path = folder / "config.toml"
    vk_section = 'token = "vk-test-token"\ngroup_id = 42\n' if vk else ""
    vk_chats = ', "vk:2000000001"' if vk else ""
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "{url}"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = 1

        {"[vk]" if vk else ""}
        {vk_section}

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = ["telegram:{GROUP}"{vk_chats}]
        moderators = ["telegram:900"]
        queue = "telegram:{QUEUE}"
        """), encoding="utf-8")
    return path


@pytest.fixture
def bot_log():
    stream = io.StringIO()
    setup_logging("DEBUG", stream=stream)
    yield stream
    setup_logging("WARNING", stream=io.StringIO())


async def test_database_outage_while_running_loses_nothing_and_says_so(
        tmp_path, pg_url, emu: TelegramEmulator, fake: FakeTime, bot_log, caplog):
    """The database goes away while the bot waits in its long poll and members keep writing:
    the bot keeps running, logs a clear line, and once the database is back every message sent
    meanwhile is answered exactly once; the password in the URL never appears in the log."""
    host_port = pg_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    relay = TcpCut(host, int(port))
    relay_port = await relay.start()
    url = via(pg_url, relay_port)
    config = load_config(tg_pg_config(tmp_path, emu.api_base, url))
    app = await create_app(config, clock=clock_at(), instance_id="solo")
    try:
        async with RunningBot(app, fast_options(fake)) as bot:
            first = emu.user_message(GROUP, 111, "/help")
            await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]),
                               what="the first /help answer")
            polls = emu.request_counts.get("getUpdates", 0)
            await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) >= polls + 2,
                               timeout=15, what="the bot back in its long poll")
            relay.cut()
            during = [emu.user_message(GROUP, 120 + i, "/help") for i in range(3)]
            await emu.wait_for(lambda: relay.refused >= 3, timeout=15,
                               what="the bot trying the database while it is down")
            assert bot.task is not None and not bot.task.done(), "the bot stopped"
            relay.restore()
            after = emu.user_message(GROUP, 130, "/help")
            await emu.wait_for(lambda: replies_to(emu, GROUP, after["message_id"]),
                               timeout=30, what="an answer after the outage")
            lost = [m["message_id"] for m in during
                    if not replies_to(emu, GROUP, m["message_id"])]
        assert not lost, f"messages sent while the database was down never answered: {lost}"
        for m in [first, *during, after]:
            assert len(replies_to(emu, GROUP, m["message_id"])) == 1
        log = bot_log.getvalue()
        assert PASSWORD not in log, next(x for x in log.splitlines() if PASSWORD in x)[:300]
        assert PASSWORD not in "\n".join(caplog.messages)
        clear = [line for line in log.splitlines()
                 if ("level=warning" in line.lower() or "level=error" in line.lower()
                     or "WARNING" in line or "ERROR" in line)
                 and any(w in line.lower() for w in ("database", "storage", "db_"))]
        assert clear, "no log line says the database is unreachable; the owner sees: " + " | ".join(
            line[:120] for line in log.splitlines() if "event=" in line and (
                "ERROR" in line or "WARNING" in line))[:600]
    finally:
        await app.close()
        await relay.close()


async def test_reply_sent_just_as_the_database_drops_is_not_sent_again(write_config, pg_url):
    """The database goes away right while a reply is being sent (the reply reached the chat,
    recording that failed). When the database is back and the outbox is drained again later,
    the member must not get the same reply a second time."""
    host_port = pg_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    relay = TcpCut(host, int(port))
    relay_port = await relay.start()
    clock = clock_at()
    app = await create_app(load_config(pg_config(write_config, via(pg_url, relay_port))),
                           clock=clock, instance_id="a")
    sent: list[SendMessage] = []

    class CutWhileSending(Recorder):
        async def execute(self, action):  # type: ignore[no-untyped-def]
            if isinstance(action, SendMessage):
                sent.append(action)
                if len(sent) == 1:
                    relay.cut()
            return await super().execute(action)

    app.router.add(CutWhileSending("telegram"))
    app.router.add(Recorder("vk"))
    try:
        with contextlib.suppress(Exception):
            await app.pipeline.process(message("/help", user="42", message_id="9001"))
        assert len(sent) == 1
        relay.restore()
        for minutes in (1, 6, 10):
            clock.advance(timedelta(minutes=minutes))
            for _ in range(2):
                with contextlib.suppress(Exception):
                    await app.pipeline.drain()
        assert len(sent) == 1, f"the member got the same reply {len(sent)} times"
    finally:
        await app.close()
        await relay.close()


async def test_reports_on_telegram_while_the_other_instance_files_vk_reports(
        tmp_path, pg_url, emu: TelegramEmulator, fake: FakeTime):
    """Instance A polls Telegram (the real adapter), instance B handles VK: Telegram members'
    reports made while VK reports are being filed must all become tickets (none dropped as a
    'duplicate')."""
    config = load_config(tg_pg_config(tmp_path, emu.api_base, pg_url, vk=True))
    clock = clock_at()
    first = await create_app(config, clock=clock, instance_id="a")
    second = await create_app(config, clock=clock, instance_id="b")
    second.router.add(Recorder("vk", 9000))
    first.router.add(Recorder("vk", 9500))
    try:
        async with RunningBot(first, fast_options(fake)), \
                RunningBot(second, fast_options(FakeTime())):
            stop = asyncio.Event()

            async def vk_side() -> None:
                i = 0
                while not stop.is_set():
                    i += 1
                    with contextlib.suppress(Exception):
                        await second.pipeline.process(report(
                            f"other {i}", user=str(5000 + i), target=str(8000 + i),
                            chat=VK_CHAT))
                    await asyncio.sleep(0.01)

            side = asyncio.create_task(vk_side())
            unacknowledged = []
            for i in range(12):
                bad = emu.user_message(GROUP, 60 + i, f"buy followers at spam{i}.example")
                rep = emu.user_message(GROUP, 200 + i, f"/report spam {i}",
                                       reply_to=bad["message_id"])
                try:
                    await emu.wait_for(lambda rep=rep: replies_to(emu, GROUP, rep["message_id"]),
                                       timeout=5, what="the reporter's acknowledgement")
                except AssertionError:
                    unacknowledged.append(200 + i)
            stop.set()
            await side
        async with first.uow_factory() as uow:
            filed = await uow.tickets.in_states("demo", ("new", "claimed"), 1000)
        reporters = sorted(t.reporter for t in filed if t.reporter.startswith("telegram:"))
        vk = sorted(t.number for t in filed if t.reporter.startswith("vk:"))
        assert len(vk) > 0
        assert reporters == sorted(f"telegram:{200 + i}" for i in range(12)), (
            f"Telegram reports lost while the other instance filed VK reports: "
            f"{sorted(set(f'telegram:{200 + i}' for i in range(12)) - set(reporters))}; "
            f"never acknowledged: {unacknowledged}")
        assert not unacknowledged, f"reporters never acknowledged: {unacknowledged}"
    finally:
        await first.close()
        await second.close()


async def test_two_instances_starting_together_log_no_errors(
        tmp_path, pg_url, emu: TelegramEmulator, caplog):
    """Both instances start at the same moment on a migrated database (a normal restart of
    the pair): one polls, the other waits; nothing at ERROR level alarms the owner, and a
    member is answered once."""
    config = load_config(tg_pg_config(tmp_path, emu.api_base, pg_url))
    clock = clock_at()
    first = await create_app(config, clock=clock, instance_id="a")
    second = await create_app(config, clock=clock, instance_id="b")
    try:
        asked = []
        for i in range(4):  # a graceful stop releases the lease: each start races afresh
            caplog.clear()
            with caplog.at_level(logging.INFO):
                async with RunningBot(first, fast_options(FakeTime(), lease_retry=0.2)), \
                        RunningBot(second, fast_options(FakeTime(), lease_retry=0.2)):
                    m = emu.user_message(GROUP, 190 + i, "/help")
                    asked.append(m)
                    await emu.wait_for(lambda m=m: replies_to(emu, GROUP, m["message_id"]),
                                       timeout=15, what="an answer")
                    await emu.wait_for(
                        lambda: any("lease_busy" in r.getMessage() for r in caplog.records),
                        timeout=10, what="the other instance waiting")
            if any(r.levelno >= logging.ERROR for r in caplog.records):
                break
        assert [len(replies_to(emu, GROUP, m["message_id"])) for m in asked] == [1] * len(asked)
        errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert not errors, f"ERROR lines on a normal start of two instances: {errors[:3]}"
    finally:
        await first.close()
        await second.close()


async def test_database_outage_is_one_clear_log_line_not_a_traceback_stream(
        tmp_path, pg_url, emu: TelegramEmulator, bot_log):
    """The database is unreachable for a while under an idle bot (real retry timings): the
    owner's log says in words that the database is unreachable, and does not fill up with
    multi-line tracebacks."""
    host_port = pg_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    relay = TcpCut(host, int(port))
    relay_port = await relay.start()
    config = load_config(tg_pg_config(tmp_path, emu.api_base, via(pg_url, relay_port)))
    app = await create_app(config, clock=clock_at(), instance_id="solo")
    fake = FakeTime()
    options = fast_options(fake, housekeeping_period=0.5, lease_retry=0.5)
    try:
        async with RunningBot(app, options):
            first = emu.user_message(GROUP, 111, "/help")
            await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]),
                               what="the first /help answer")
            start = len(bot_log.getvalue())
            relay.cut()
            await emu.wait_for(lambda: relay.refused >= 4, timeout=15,
                               what="the bot retrying the database")
            relay.restore()
            after = emu.user_message(GROUP, 130, "/help")
            await emu.wait_for(lambda: replies_to(emu, GROUP, after["message_id"]),
                               timeout=30, what="an answer after the outage")
        outage = bot_log.getvalue()[start:].splitlines()
        events = [line for line in outage if "event=" in line]
        other = [line for line in outage if "event=" not in line and line.strip()]
        assert PASSWORD not in "\n".join(outage)
        clear = [line for line in events if any(w in line.lower() for w in
                                                ("database", "storage", "db_unavail"))]
        assert clear, (f"({len(other)} traceback lines) no log line names the database; "
                       "the owner sees: ") + " | ".join(
            sorted({line.split("event=")[1].split()[0] for line in events}))
        assert len(other) <= 10, (f"{len(other)} traceback lines for a short outage; "
                                  f"first: {other[:3]}")
    finally:
        await app.close()
        await relay.close()


async def test_vk_messages_sent_during_a_database_outage_are_answered_after_it(
        tmp_path, pg_url):
    """The same outage on VK: members' messages while the database is down are answered once
    it is back, each exactly once."""
    from vk_emulator import VkEmulator
    from vk_emulator.harness import CHAT, vk_config_text, write_vk_config
    from vk_emulator.harness import RunningBot as VkBot

    host_port = pg_url.split("@", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    relay = TcpCut(host, int(port))
    relay_port = await relay.start()
    emulator = await VkEmulator().start()
    text = vk_config_text(emulator).replace('url = "sqlite+aiosqlite:///modbot.db"',
                                            f'url = "{via(pg_url, relay_port)}"')
    bot = VkBot(write_vk_config(tmp_path, text), clock_at(), emulator)
    help_text = render("common.help_member")
    try:
        await bot.start()
        emulator.post_message(CHAT, 600, "/help")
        await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if m.text == help_text],
                                timeout=15)
        relay.cut()
        for i in range(3):
            emulator.post_message(CHAT, 610 + i, "/help")
        await emulator.wait_for(lambda: relay.refused >= 3, timeout=15)
        relay.restore()
        emulator.post_message(CHAT, 620, "/help")
        with contextlib.suppress(AssertionError, TimeoutError):
            await emulator.wait_for(
                lambda: len([m for m in emulator.sent(CHAT) if m.text == help_text]) >= 5,
                timeout=30)
        helps = [m for m in emulator.sent(CHAT) if m.text == help_text]
        assert len(helps) == 5, f"{len(helps)} /help answers for 5 members"
    finally:
        await bot.stop()
        await emulator.close()
        await relay.close()


async def test_second_instance_takes_over_telegram_when_the_first_stops(
        tmp_path, pg_url, emu: TelegramEmulator):
    """Two instances run; only one polls. The polling one is stopped (a deploy): the other
    takes over and every message, before and after, is answered exactly once."""
    config = load_config(tg_pg_config(tmp_path, emu.api_base, pg_url))
    clock = clock_at()
    first = await create_app(config, clock=clock, instance_id="a")
    second = await create_app(config, clock=clock, instance_id="b")
    sent: list[dict] = []
    try:
        bot_b = RunningBot(second, fast_options(FakeTime(), lease_retry=0.2))
        async with bot_b:
            async with RunningBot(first, fast_options(FakeTime(), lease_retry=0.2)):
                for i in range(4):
                    m = emu.user_message(GROUP, 140 + i, "/help")
                    sent.append(m)
                    await emu.wait_for(lambda m=m: replies_to(emu, GROUP, m["message_id"]),
                                       timeout=10, what="an answer while both run")
            for i in range(4):
                m = emu.user_message(GROUP, 150 + i, "/help")
                sent.append(m)
                await emu.wait_for(lambda m=m: replies_to(emu, GROUP, m["message_id"]),
                                   timeout=20, what="an answer after the first instance stopped")
        counts = [len(replies_to(emu, GROUP, m["message_id"])) for m in sent]
        assert counts == [1] * 8
    finally:
        await first.close()
        await second.close()


# -- the command line on PostgreSQL -------------------------------------------------------

def modbot(*args: str, env_extra: dict[str, str] | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


async def test_db_upgrade_then_owner_tools_on_an_empty_postgresql_database(
        write_config, pg_url):
    """`modbot db upgrade` on an empty PostgreSQL database, then the owner's tools
    (`queue`, `audit`, `schedule list`) see the tickets and actions the bot recorded."""
    path = pg_config(write_config, pg_url)
    upgraded = await asyncio.to_thread(modbot, "db", "upgrade", "--config", str(path))
    assert upgraded.returncode == 0, upgraded.stderr[-800:]
    again = await asyncio.to_thread(modbot, "db", "upgrade", "--config", str(path))
    assert again.returncode == 0, again.stderr[-800:]
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5))
    app = await create_app(load_config(path), clock=clock, instance_id="a")
    app.router.add(Recorder("telegram"))
    app.router.add(Recorder("vk"))
    try:
        await app.pipeline.process(report("spam links", user="10", target="300"))
        await app.pipeline.process(message(OBSCENE, user="66"))
    finally:
        await app.close()
    queue = await asyncio.to_thread(modbot, "queue", "--config", str(path))
    assert queue.returncode == 0, queue.stderr[-800:]
    assert "#1" in queue.stdout
    audit = await asyncio.to_thread(modbot, "audit", "--config", str(path))
    assert audit.returncode == 0, audit.stderr[-800:]
    assert "telegram:66" in audit.stdout or "66" in audit.stdout, audit.stdout[-500:]
    listing = await asyncio.to_thread(modbot, "schedule", "list", "--config", str(path))
    assert listing.returncode == 0, listing.stderr[-800:]


async def _spawn(path: Path) -> asyncio.subprocess.Process:
    env = dict(os.environ)
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", "--config", str(path), cwd=ROOT, env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)


async def _finish(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), 30)
    except TimeoutError:
        proc.kill()
        out, _ = await proc.communicate()
    return (out or b"").decode("utf-8", "replace")


async def test_two_modbot_run_processes_on_empty_postgresql_survive_a_kill(
        tmp_path, pg_url, emu: TelegramEmulator):
    """`modbot run` twice on an empty PostgreSQL database (migrations on start, both at
    once); members are answered; the polling process is killed (-9): the other takes over
    and every message is answered exactly once; the password never reaches the logs."""
    port = int(pg_url.split("@", 1)[1].split("/")[0].split(":")[1])
    path = tg_pg_config(tmp_path, emu.api_base, via(pg_url, port))
    procs = [await _spawn(path)]
    outputs: list[str] = []
    lines_b: list[str] = []

    async def collect(proc: asyncio.subprocess.Process) -> None:
        assert proc.stdout is not None
        while line := await proc.stdout.readline():
            lines_b.append(line.decode("utf-8", "replace"))

    reader = None
    try:
        sent = []
        for i in range(3):
            m = emu.user_message(GROUP, 160 + i, "/help")
            sent.append(m)
            await emu.wait_for(lambda m=m: replies_to(emu, GROUP, m["message_id"]),
                               timeout=90, what="an answer from `modbot run`")
        procs.append(await _spawn(path))
        reader = asyncio.create_task(collect(procs[1]))
        await emu.wait_for(lambda: any("lease_busy" in x for x in lines_b), timeout=60,
                           what="the second process waiting for the lease")
        procs[0].kill()  # the one that polls
        await procs[0].wait()
        for i in range(3):
            m = emu.user_message(GROUP, 170 + i, "/help")
            sent.append(m)
        for m in sent[3:]:
            await emu.wait_for(lambda m=m: replies_to(emu, GROUP, m["message_id"]),
                               timeout=90, what="an answer after the polling process was killed")
        counts = [len(replies_to(emu, GROUP, m["message_id"])) for m in sent]
        assert counts == [1] * 6
    finally:
        outputs.append(await _finish(procs[0]))
        if len(procs) > 1:
            with contextlib.suppress(ProcessLookupError):
                procs[1].terminate()
            if reader is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(reader, 30)
            outputs.append(await _finish(procs[1]))
            outputs.append("".join(lines_b))
    joined = "\n".join(outputs)
    assert PASSWORD not in joined, next(x for x in joined.splitlines() if PASSWORD in x)[:300]
    assert "Traceback" not in joined, joined[joined.index("Traceback"):][:800]


async def test_two_modbot_run_started_together_on_an_empty_database_both_stay_up(
        tmp_path, pg_url, emu: TelegramEmulator):
    """`docker compose up` with two replicas: both processes migrate the same empty PostgreSQL
    database at the same moment; both must come up (neither dies on 'already exists'), and
    members are answered once."""
    path = tg_pg_config(tmp_path, emu.api_base, pg_url)
    procs = [await _spawn(path), await _spawn(path)]
    outputs: list[str] = []
    try:
        m = emu.user_message(GROUP, 180, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, m["message_id"]), timeout=90,
                           what="an answer from one of the two processes")
        assert len(replies_to(emu, GROUP, m["message_id"])) == 1
        alive = [p.returncode is None for p in procs]
    finally:
        for proc in procs:
            outputs.append(await _finish(proc))
    assert alive == [True, True], "a process died at start: " + " /// ".join(
        o[-600:] for o, up in zip(outputs, alive, strict=True) if not up)
    joined = "\n".join(outputs)
    assert "Traceback" not in joined, joined[joined.index("Traceback"):][:800]


@pytest.mark.parametrize("command", [("db", "upgrade"), ("queue",), ("audit",),
                                     ("schedule", "list")])
async def test_unreachable_database_is_one_clear_line_without_the_password(
        write_config, pg_url, command):
    """The database URL points at a closed port: the owner gets a short error naming the
    problem, no traceback, and the password from the URL is not printed."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    path = pg_config(write_config, via(pg_url, closed))
    done = await asyncio.to_thread(modbot, *command, "--config", str(path), timeout=60)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert PASSWORD not in out, out[-600:]
    assert "Traceback" not in out, out[-600:]
    assert len(out.strip().splitlines()) <= 3, out[-600:]


async def test_run_refuses_cleanly_when_the_database_is_unreachable(write_config, pg_url):
    """`modbot run` with the database down: a clear line, exit non-zero, no password."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    path = pg_config(write_config, via(pg_url, closed))
    done = await asyncio.to_thread(modbot, "run", "--config", str(path), timeout=60)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert PASSWORD not in out, out[-600:]
    assert "Traceback" not in out, out[-600:]


async def test_db_upgrade_error_names_a_wrong_database_without_the_password(
        write_config, pg_url):
    """A typo in the database name: one line saying the database does not exist."""
    url = via(pg_url, int(pg_url.split("@", 1)[1].split("/")[0].split(":")[1]))
    url = url.rsplit("/", 1)[0] + "/no_such_db_qa28"
    path = pg_config(write_config, url)
    done = await asyncio.to_thread(modbot, "db", "upgrade", "--config", str(path), timeout=60)
    out = done.stdout + done.stderr
    assert done.returncode != 0
    assert PASSWORD not in out, out[-600:]
    assert "Traceback" not in out, out[-600:]
    assert "no_such_db_qa28" in out, out[-600:]


async def test_check_config_does_not_print_the_database_password(write_config, pg_url):
    path = pg_config(write_config, via(pg_url, 5432))
    done = await asyncio.to_thread(modbot, "check-config", str(path), timeout=60)
    out = done.stdout + done.stderr
    assert PASSWORD not in out, out[-600:]


# keep logging quiet for the rest of the session
logging.getLogger("asyncio").setLevel(logging.WARNING)
_ = (ADMIN, render)
