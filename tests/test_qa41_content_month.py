"""QA round 41: an SMM manager's month of scheduled content, on Telegram and VK at once.

One bot process (one App, both adapters running against the local Bot API and VK emulators)
serves the community "smm" (Europe/Berlin): a Telegram group, a Telegram channel, a VK chat
and the VK wall, its queue a Telegram chat. The manager schedules from chat commands
(`/schedule` on Telegram, `!schedule` on VK) and from config.toml, lists, cancels, and lives
through what a month brings: daylight saving, rights lost, 429 / 5xx / dropped connections,
restarts and clock jumps. Time moves only by the injected FakeClock; the scheduler is driven
by `service_for(app).run_due(now)` rounds, as `modbot run`'s loop calls it.

Expectations come from README.md ("Scheduled posts, exactly once", the config reference),
docs/DESIGN.md and issue #7, or from what a Combot / Rose user would plainly expect.
"""

from __future__ import annotations

import asyncio
import contextlib
import textwrap
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiohttp import web
from test_qa9_resilience import FaultProxy
from tg_emulator import TelegramEmulator, methods
from tg_emulator.harness import ADMIN, GROUP, LISTED_MODERATOR, MEMBER, QUEUE, TOKEN, FakeTime, fast_options
from tg_emulator.server import _read_params
from tg_emulator.wire import replies_to
from vk_emulator import VkEmulator
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import Sleeps
from vk_emulator.wire import settle as vk_settle

from bot.app import App, create_app
from bot.cli import main as cli
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for
from handlers.telegram.runner import run_telegram
from handlers.vk.runner import run_vk

BERLIN = ZoneInfo("Europe/Berlin")
CHANNEL = -1007
VK_CHAT = 2_000_000_001
VK_MEMBER = 501
ALL_TARGETS = ("telegram:-1001", "telegram:-1007", "vk:2000000001", "vk:wall")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def local(moment: datetime) -> str:
    return moment.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------------------------
# One bot process on both emulators
# --------------------------------------------------------------------------------------------

def write_smm_config(folder: Path, tg: TelegramEmulator, vk: VkEmulator, *,
                     api_tg: str | None = None, api_vk: str | None = None,
                     entries: str = "", language: str = "en",
                     user_token: bool = True) -> LoadedConfig:
    path = folder / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_tg or tg.api_base}"
        poll_timeout = 1

        [vk]
        token = "{vk.token}"
        {f'user_token = "{vk.user_token}"' if user_token else ""}
        group_id = {vk.group_id}
        api_base = "{api_vk or vk.api_base}"
        poll_wait = 1

        [[community]]
        name = "smm"
        language = "{language}"
        timezone = "Europe/Berlin"
        chats = ["telegram:{GROUP}", "telegram:{CHANNEL}", "vk:{VK_CHAT}", "vk:wall"]
        moderators = ["telegram:{LISTED_MODERATOR}", "vk:{VK_MOD}"]
        queue = "telegram:{QUEUE}"
        """) + textwrap.dedent(entries), encoding="utf-8")
    return load_config(path)


def entry(*, text: str, at: str | None = None, cron: str | None = None,
          chats: tuple[str, ...] | None = None, photo: str | None = None) -> str:
    when = f'at = "{at}"' if at is not None else f'cron = "{cron}"'
    lines = ["", "[[community.schedule]]", when, f"text = {toml_str(text)}"]
    if chats is not None:
        lines.append("chats = [" + ", ".join(f'"{c}"' for c in chats) + "]")
    if photo is not None:
        lines.append(f'photo = "{photo}"')
    return "\n".join(lines) + "\n"


def toml_str(text: str) -> str:
    """A TOML basic string (newlines and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


class Process:
    """`modbot run` for one community on both networks, in this test's event loop: one App,
    the Telegram and VK adapters as tasks; `rounds()` plays the scheduler loop on the clock."""

    def __init__(self, config: LoadedConfig, clock: FakeClock, tg: TelegramEmulator,
                 vk: VkEmulator, instance: str) -> None:
        self.config, self.clock, self.tg, self.vk = config, clock, tg, vk
        self.instance = instance
        self.fake = FakeTime()
        self.app: App | None = None
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        #: (clock time of the round, target, text) for every post that appeared in a round
        self.seen: list[tuple[datetime, str, str]] = []
        self._last = clock.now()

    def _tick_monotonic(self) -> None:
        """The adapters' monotonic time moves with the clock (never backwards, as a real
        monotonic clock does not when NTP steps the wall clock back)."""
        elapsed = (self.clock.now() - self._last).total_seconds()
        if elapsed > 0:
            self.fake.now += elapsed
        self._last = self.clock.now()

    async def start(self) -> Process:
        self.app = await create_app(self.config, clock=self.clock, instance_id=self.instance)
        self._stop = asyncio.Event()
        polls = len(self.vk.calls_to("longpoll.check"))
        self._tasks = [
            asyncio.create_task(run_telegram(self.app, self._stop,
                                             options=fast_options(self.fake))),
            asyncio.create_task(run_vk(self.app, self._stop, sleeper=Sleeps())),
        ]
        await self.vk.wait_for(lambda: len(self.vk.calls_to("longpoll.check")) > polls)
        return self

    async def stop(self) -> None:
        self._stop.set()
        for task in self._tasks:
            await asyncio.wait_for(task, 20)
        self._tasks = []
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def kill(self) -> None:
        """Like kill -9: tasks cancelled mid-flight, nothing shut down cleanly."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks = []
        if self.app is not None:
            with contextlib.suppress(Exception):
                await self.app.close()
            self.app = None

    async def round(self) -> None:
        assert self.app is not None
        self._tick_monotonic()
        before = posts(self.tg, self.vk)
        await service_for(self.app).run_due(self.clock.now())
        await self.app.pipeline.drain()
        after = posts(self.tg, self.vk)
        for key, texts in after.items():
            for text in texts[len(before.get(key, [])):]:
                self.seen.append((self.clock.now(), key, text))

    async def rounds(self, until: datetime, step: timedelta) -> None:
        """Scheduler rounds every `step` until the clock reaches `until` (inclusive)."""
        while True:
            await self.round()
            if self.clock.now() >= until:
                return
            self.clock.set(min(self.clock.now() + step, until))


def posts(tg: TelegramEmulator, vk: VkEmulator) -> dict[str, list[str]]:
    """What members see on each target, in order: the bot's texts/captions (queue excluded)."""
    out: dict[str, list[str]] = {
        f"telegram:{GROUP}": tg.sent_texts(GROUP),
        f"telegram:{CHANNEL}": tg.sent_texts(CHANNEL),
        f"vk:{VK_CHAT}": [m.text for m in vk.sent(VK_CHAT)],
        "vk:wall": [p.get("message", "") for p in vk.posts.values() if not p.get("deleted")],
    }
    return out


def count(tg: TelegramEmulator, vk: VkEmulator, text: str) -> dict[str, int]:
    return {key: texts.count(text) for key, texts in posts(tg, vk).items()}


def queue_texts(tg: TelegramEmulator) -> list[str]:
    return tg.sent_texts(QUEUE)


class HoldingTelegram(TelegramEmulator):
    """The Bot API emulator plus one switch: a sendMessage whose text is `hold_text` waits at
    the server until `release` is set (a send in flight when the process dies), then is
    carried out as usual."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.hold_text: str | None = None
        self.arrived = asyncio.Event()
        self.release = asyncio.Event()

    async def _http(self, request: web.Request) -> web.Response:
        if self.hold_text is not None and request.match_info["method"] == "sendMessage":
            params = await _read_params(request)
            if params.get("text") == self.hold_text:
                self.arrived.set()
                await self.release.wait()
        return await super()._http(request)


def _send_with_rights(original: Callable[..., Any]) -> Callable[..., Any]:
    """sendMessage/sendPhoto as Telegram answers a bot that lost the right to post: in a
    channel without can_post_messages, in a group where it was demoted to a member who may
    not send (the emulator itself only checks membership)."""

    def send(world: Any, params: dict[str, Any]) -> Any:
        chat = world.chats.get(int(params.get("chat_id") or 0))
        if chat is not None and chat.type == "channel" and chat.bot_status != "left" \
                and not chat.bot_can("can_post_messages"):
            raise methods.ApiError(400, "Bad Request: need administrator rights in the "
                                        "channel chat")
        if chat is not None and chat.type == "supergroup" and chat.bot_status == "restricted":
            raise methods.ApiError(400, "Bad Request: not enough rights to send text "
                                        "messages to the chat")
        return original(world, params)

    return send


@pytest.fixture
async def tg(clock: FakeClock, monkeypatch: pytest.MonkeyPatch
             ) -> AsyncIterator[HoldingTelegram]:
    for name in ("sendMessage", "sendPhoto"):
        monkeypatch.setitem(methods.METHODS, name, _send_with_rights(methods.METHODS[name]))
    async with HoldingTelegram(TOKEN) as emulator:
        emulator.world.clock = lambda: clock.now().timestamp()
        emulator.group(GROUP, title="SMM group", admins=(ADMIN,))
        emulator.group(QUEUE, title="SMM queue", admins=(ADMIN,))
        emulator.group(CHANNEL, title="SMM news", admins=(ADMIN,), type="channel")
        yield emulator


@pytest.fixture
async def vk(clock: FakeClock) -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    emulator.clock = lambda: clock.now().timestamp()
    emulator.add_members(VK_CHAT, VK_MOD, VK_MEMBER)
    yield emulator
    await emulator.close()


@pytest.fixture
async def bot(tmp_path: Path, tg: TelegramEmulator, vk: VkEmulator, clock: FakeClock
              ) -> AsyncIterator[Callable[..., Any]]:
    """`await bot(**config parts)` (or `bot(config=…)`) → a started Process; every process
    still running is killed at teardown."""
    started: list[Process] = []

    async def make(config: LoadedConfig | None = None, instance: str | None = None,
                   **parts: Any) -> Process:
        loaded = config or write_smm_config(tmp_path, tg, vk, **parts)
        process = Process(loaded, clock, tg, vk, instance or f"host:{len(started) + 1}")
        started.append(process)
        return await process.start()

    yield make
    for process in started:
        if process.app is not None:
            await process.kill()


async def restart(process: Process, *, jump: timedelta = timedelta(0),
                  instance: str | None = None, config: LoadedConfig | None = None,
                  bot: Callable[..., Any]) -> Process:
    """Stop the process cleanly, let `jump` pass while it is down, start a new process (a new
    instance id, as a new pid has) over the same database."""
    await process.stop()
    process.clock.advance(jump)
    return await bot(config=config or process.config, instance=instance)


# -- chat helpers ------------------------------------------------------------------------------

async def tg_say(tg: TelegramEmulator, text: str, *, who: int = ADMIN, chat: int = GROUP,
                 **extra: Any) -> str:
    """A Telegram message in `chat`; returns the bot's reply to it."""
    message = tg.user_message(chat, who, text, **extra)
    await tg.wait_for(lambda: replies_to(tg, chat, message["message_id"]),
                      what=f"the reply to {text[:40]!r}")
    return replies_to(tg, chat, message["message_id"])[-1]


async def vk_say(vk: VkEmulator, text: str, *, who: int = VK_MOD, peer: int = VK_CHAT) -> str:
    """A VK chat message; returns the bot's reply (the next message it sends there)."""
    before = len(vk.sent(peer))
    vk.post_message(peer, who, text)
    await vk.wait_for(lambda: len(vk.sent(peer)) > before)
    return vk.sent(peer)[before].text


# ============================================================================================
# 1. A month of recurring posts: on time, exactly once, across the DST change, both networks
# ============================================================================================

async def test_a_month_of_daily_weekly_and_monthly_posts_lands_once_each_at_local_time(
        bot, tg, vk, clock) -> None:
    """March 2026 in Berlin (clocks go forward on the 29th). Config: a daily 10:00 tip to the
    channel and the wall, and a monthly digest at 09:00 on the 1st everywhere; from chat: a
    weekly Monday 10:00 post (to every chat of the community). Each lands exactly once per
    due day on each target, at the promised local time, before and after the change."""
    clock.set(utc(2026, 3, 1, 0, 0))  # Sunday 01:00 in Berlin
    entries = (entry(cron="0 10 * * *", text="Tip of the day ☀️",
                     chats=("telegram:-1007", "vk:wall"))
               + entry(cron="0 9 1 * *", text="Monthly digest"))
    process = await bot(entries=entries)
    reply = await tg_say(tg, "/schedule every monday 10:00 Weekly plan")
    assert "next run 2026-03-02 10:00 (Europe/Berlin, UTC+1)" in reply, reply
    await process.rounds(utc(2026, 4, 1, 12, 0), timedelta(hours=1))

    def days(text: str, target: str) -> list[str]:
        return [local(at) for at, key, said in process.seen if key == target and said == text]

    daily = [f"2026-03-{d:02d} 10:00" for d in range(1, 32)] + ["2026-04-01 10:00"]
    assert days("Tip of the day ☀️", "telegram:-1007") == daily
    assert days("Tip of the day ☀️", "vk:wall") == daily
    mondays = ["2026-03-02 10:00", "2026-03-09 10:00", "2026-03-16 10:00", "2026-03-23 10:00",
               "2026-03-30 10:00"]
    for target in ALL_TARGETS:
        assert days("Weekly plan", target) == mondays, target
        assert days("Monthly digest", target) == ["2026-03-01 09:00", "2026-04-01 09:00"], target
    for target in ("telegram:-1001", "vk:2000000001"):
        assert days("Tip of the day ☀️", target) == [], "the daily tip has its own chats"
    assert queue_texts(tg) == [], "nothing went wrong, so nothing to tell the queue"


async def test_a_month_of_one_offs_loaded_from_vk_lists_the_next_twenty_and_each_goes_out_once(
        bot, tg, vk, clock) -> None:
    """On March 1st the manager loads the month from the VK chat: one post a day at 10:00
    for 25 days. `!schedule` shows the 20 soonest, in order, and says 5 more follow; then
    each day's post appears once on every target, that day at 10:00 (the DST change on the
    29th included)."""
    clock.set(berlin(2026, 3, 1, 18, 0))
    process = await bot()
    for day in range(2, 27):
        reply = await vk_say(vk, f"!schedule 2026-03-{day:02d} 10:00 Day {day} of the spring "
                                 f"challenge 💪")
        assert reply.startswith(f"Scheduled post #{day - 1}: next run 2026-03-{day:02d} 10:00"), \
            reply
    listing = await vk_say(vk, "!schedule")
    lines = [line for line in listing.splitlines() if line.startswith("#")]
    assert [line.split(" · ")[1] for line in lines] == [
        f"2026-03-{day:02d} 10:00" for day in range(2, 22)], listing
    assert "…and 5 more later" in listing, listing
    await process.rounds(berlin(2026, 3, 27, 12, 0), timedelta(hours=1))
    for day in range(2, 27):
        text = f"Day {day} of the spring challenge 💪"
        seen = sorted((key, local(at)) for at, key, said in process.seen if said == text)
        assert seen == [(key, f"2026-03-{day:02d} 10:00") for key in sorted(ALL_TARGETS)], seen
    assert queue_texts(tg) == []


# ============================================================================================
# 2. Creating and listing from chat, on both networks; a usage reply for every bad argument
# ============================================================================================

async def test_plan_made_on_telegram_is_listed_on_vk_soonest_first_in_local_time(
        bot, tg, vk, clock) -> None:
    """The plan belongs to the community: four posts scheduled in the Telegram group are
    listed by `!schedule` in the VK chat, soonest first, on Berlin's clock, repeats in
    words."""
    clock.set(utc(2026, 3, 2, 8, 0))  # Monday 09:00 in Berlin
    await bot()
    replies = [await tg_say(tg, "/schedule every monday 10:00 Weekly plan"),
               await tg_say(tg, "/schedule in 2h Webinar in one hour: https://example.com/w"),
               await tg_say(tg, "/schedule 2026-03-20 18:00 Spring sale starts"),
               await tg_say(tg, "/schedule every day 18:00 Evening digest")]
    assert [r.split(":")[0] for r in replies] == ["Scheduled post #1", "Scheduled post #2",
                                                  "Scheduled post #3", "Scheduled post #4"
                                                  ], replies
    assert "next run 2026-03-02 11:00 (Europe/Berlin, UTC+1)" in replies[1]
    listing = await vk_say(vk, "!schedule")
    lines = [line for line in listing.splitlines() if line.startswith("#")]
    assert [line.split(" · ")[:3] for line in lines] == [
        ["#1", "2026-03-02 10:00", "every Monday at 10:00"],
        ["#2", "2026-03-02 11:00", "—"],
        ["#4", "2026-03-02 18:00", "every day at 18:00"],
        ["#3", "2026-03-20 18:00", "—"],
    ], listing
    assert "Europe/Berlin" in listing and "/unschedule" in listing
    assert "https://example.com/w" in lines[1], "the text (with its link) is shown"


async def test_russian_vk_moderator_schedules_and_reads_the_plan_in_russian(
        bot, tg, vk, clock) -> None:
    clock.set(utc(2026, 3, 2, 8, 0))
    await bot(language="ru")
    reply = await vk_say(vk, "!schedule каждый понедельник 10:00 Планёрка 📅")
    assert reply.startswith("Пост #1 запланирован: ближайшая публикация 2026-03-02 10:00 "
                            "(Europe/Berlin, UTC+1)"), reply
    listing = await vk_say(vk, "!schedule")
    assert "по понедельникам в 10:00" in listing and "Планёрка 📅" in listing, listing
    assert "every" not in listing


@pytest.mark.parametrize("network", ["telegram", "vk"])
async def test_every_bad_argument_gets_a_clear_reply_and_plans_nothing(
        bot, tg, vk, clock, network) -> None:
    """Typos a manager makes on a phone: each gets a reply saying what is accepted (the
    usage with the forms and the timezone, or what exactly is wrong), and nothing is
    planned; a member cannot plan at all."""
    clock.set(utc(2026, 3, 2, 8, 0))
    process = await bot()
    prefix = "/" if network == "telegram" else "!"

    async def say(text: str, who: int | None = None) -> str:
        if network == "telegram":
            return await tg_say(tg, text, who=who or ADMIN)
        return await vk_say(vk, text, who=who or VK_MOD)

    usage_cases = ["schedule tomorrow Sale starts", "schedule every 2h Tick",
                   "schedule in 2h", "schedule 2026-02-30 10:00 No such day",
                   "schedule in 0m Right now", "schedule in -5m Back in time",
                   "schedule every mondya 10:00 Typo", "schedule 25:00 Late"]
    for case in usage_cases:
        reply = await say(prefix + case)
        assert "<when> can be:" in reply and "every monday 10:00" in reply, (case, reply)
        assert "Europe/Berlin, UTC+1" in reply, (case, reply)
    past = await say(prefix + "schedule 2026-03-01 10:00 Yesterday's news")
    assert "2026-03-01 10:00 (Europe/Berlin, UTC+1) has already passed" in past, past
    for case in ("unschedule", "unschedule next", "unschedule 1 2"):
        reply = await say(prefix + case)
        assert reply == "Usage: /unschedule ID. Type /schedule to see the IDs.", (case, reply)
    for case in ("unschedule 999", "unschedule #999"):
        reply = await say(prefix + case)
        assert reply == "There is no scheduled post #999 in this community.", (case, reply)
    member = MEMBER if network == "telegram" else VK_MEMBER
    await say(prefix + "schedule in 1h Buy followers cheap", who=member)
    assert await say(prefix + "schedule") == "Nothing is scheduled right now."
    await process.rounds(clock.now() + timedelta(hours=3), timedelta(minutes=30))
    assert all(n == 0 for n in count(tg, vk, "Buy followers cheap").values())


async def test_editing_a_schedule_command_after_sending_it_does_not_plan_a_second_post(
        bot, tg, vk, clock) -> None:
    """The manager fixes a typo by editing the /schedule message (Telegram) or the !schedule
    message (VK) after the bot confirmed it. Whatever the bot makes of the edit, members
    must not get the post twice (once with the typo, once without)."""
    clock.set(berlin(2026, 3, 2, 9, 0))
    process = await bot()
    command = tg.user_message(GROUP, ADMIN, "/schedule in 1h Helo from Telegram")
    await tg.wait_for(lambda: replies_to(tg, GROUP, command["message_id"]))
    tg.edit_user_message(GROUP, command["message_id"], "/schedule in 1h Hello from Telegram")
    cmid = vk.post_message(VK_CHAT, VK_MOD, "!schedule in 1h Helo from VK")
    await vk_settle(vk)
    vk.push("message_edit", {
        "date": int(clock.now().timestamp()), "update_time": int(clock.now().timestamp()) + 20,
        "from_id": VK_MOD, "id": 0, "out": 0, "peer_id": VK_CHAT,
        "text": "!schedule in 1h Hello from VK", "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})
    await vk_settle(vk)
    await process.rounds(berlin(2026, 3, 2, 10, 30), timedelta(minutes=5))
    for origin in ("Telegram", "VK"):
        sent = {key: sum(t.endswith(f" from {origin}") and t.startswith(("Helo", "Hello"))
                         for t in texts) for key, texts in posts(tg, vk).items()}
        assert sent == dict.fromkeys(ALL_TARGETS, 1), (origin, posts(tg, vk))


# ============================================================================================
# 3. Restarts and clock jumps
# ============================================================================================

async def test_restart_before_the_due_time_and_right_after_the_send_posts_once_everywhere(
        bot, tg, vk, clock) -> None:
    """Scheduled from the VK chat for 12:00; the bot is down from 11:30 to 12:40 (a deploy),
    within the 1 h grace: the post goes out late, once, on all four targets. Restarted again
    right after that send, it posts nothing twice, and the plan no longer lists it."""
    clock.set(berlin(2026, 3, 2, 9, 0))
    process = await bot()
    reply = await vk_say(vk, "!schedule 2026-03-02 12:00 Flash sale until midnight 🔥")
    assert reply.startswith("Scheduled post #1: next run 2026-03-02 12:00"), reply
    await process.rounds(berlin(2026, 3, 2, 11, 30), timedelta(minutes=10))
    assert all(n == 0 for n in count(tg, vk, "Flash sale until midnight 🔥").values())
    process = await restart(process, jump=timedelta(minutes=70), bot=bot)
    await process.round()
    assert count(tg, vk, "Flash sale until midnight 🔥") == dict.fromkeys(ALL_TARGETS, 1)
    assert [local(at) for at, *_ in process.seen] == ["2026-03-02 12:40"] * 4
    process = await restart(process, bot=bot)
    await process.rounds(berlin(2026, 3, 2, 15, 0), timedelta(minutes=5))
    process = await restart(process, jump=timedelta(minutes=1), bot=bot)
    await process.rounds(berlin(2026, 3, 3, 15, 0), timedelta(hours=1))
    assert count(tg, vk, "Flash sale until midnight 🔥") == dict.fromkeys(ALL_TARGETS, 1)
    assert await tg_say(tg, "/schedule") == "Nothing is scheduled right now."
    assert queue_texts(tg) == []


async def test_downtime_past_the_grace_skips_a_one_off_and_the_plan_says_skipped(
        bot, tg, vk, clock, capsys) -> None:
    """Down from 11:30 to 13:30 with a 12:00 one-off: a post two hours late is stale, it is
    not published anywhere, and `modbot schedule list` tells the owner it was skipped (not
    that it went out)."""
    clock.set(berlin(2026, 3, 2, 9, 0))
    process = await bot()
    await tg_say(tg, "/schedule 2026-03-02 12:00 Lunch deal, today only")
    await process.rounds(berlin(2026, 3, 2, 11, 30), timedelta(minutes=10))
    process = await restart(process, jump=timedelta(hours=2), bot=bot)
    await process.rounds(berlin(2026, 3, 2, 16, 0), timedelta(minutes=10))
    assert all(n == 0 for n in count(tg, vk, "Lunch deal, today only").values())
    config_path = str(process.config.path)
    await process.stop()
    capsys.readouterr()
    assert await asyncio.to_thread(cli, ["schedule", "list", "--community", "smm",
                                         "--config", config_path]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if "Lunch deal" in line)
    assert "last: skipped" in line, line


async def test_clock_jumps_forward_over_a_daily_post_then_back_after_it(
        bot, tg, vk, clock) -> None:
    """NTP steps the clock 2 h forward at 09:00 (over a 10:00 daily post): the post goes out
    once at the jump, within the grace. The next morning it goes out at 10:00; then the
    clock is stepped 1 h back just after the send: 10:00 comes round again, nothing is
    published twice. The day after, on time again."""
    clock.set(berlin(2026, 3, 2, 8, 0))
    entries = entry(cron="0 10 * * *", text="Good morning, community!",
                    chats=("telegram:-1001", "vk:2000000001"))
    process = await bot(entries=entries)
    await process.rounds(berlin(2026, 3, 2, 9, 0), timedelta(minutes=5))
    clock.advance(timedelta(hours=2))  # 11:00
    await process.rounds(berlin(2026, 3, 3, 10, 5), timedelta(minutes=5))
    clock.advance(timedelta(hours=-1))  # 09:05 again
    await process.rounds(berlin(2026, 3, 4, 10, 30), timedelta(minutes=5))
    seen = [(local(at), key) for at, key, text in process.seen
            if text == "Good morning, community!"]
    assert seen == [("2026-03-02 11:00", "telegram:-1001"), ("2026-03-02 11:00", "vk:2000000001"),
                    ("2026-03-03 10:00", "telegram:-1001"), ("2026-03-03 10:00", "vk:2000000001"),
                    ("2026-03-04 10:00", "telegram:-1001"), ("2026-03-04 10:00", "vk:2000000001")
                    ], seen


# ============================================================================================
# 4. 429, 5xx and network errors mid-send
# ============================================================================================

def sends_of(tg: TelegramEmulator, text: str, chat: int = GROUP) -> list[Any]:
    """Every sendMessage attempt of `text` to `chat` (refused ones too)."""
    return [c for c in tg.calls_of("sendMessage", ok=None)
            if str(c.params.get("chat_id")) == str(chat) and c.params.get("text") == text]


async def test_429_retry_after_is_honoured_and_each_network_gets_the_post_once(
        bot, tg, vk, clock) -> None:
    """At 10:00 Telegram answers 429 retry_after=40 for the group, VK answers "too many
    requests" (6) for the wall and "flood control" (9) for the chat. Telegram is not asked
    again before 40 s have passed; every target gets the post exactly once; nothing for the
    queue (nothing a human must do)."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    text = "Live stream starts now 🎥 https://example.com/live"
    process = await bot(entries=entry(at="2026-03-02 10:00", text=text,
                                      chats=("telegram:-1001", "vk:2000000001", "vk:wall")))
    tg.fail_next("sendMessage", status=429, retry_after=40)
    vk.fail("wall.post", 6)
    vk.fail("messages.send", 9)
    await process.rounds(berlin(2026, 3, 2, 10, 0, 30), timedelta(seconds=10))
    assert len(sends_of(tg, text)) == 1, "asked again before retry_after ran out"
    await process.rounds(berlin(2026, 3, 2, 10, 5), timedelta(seconds=10))
    assert count(tg, vk, text) == {"telegram:-1001": 1, "telegram:-1007": 0,
                                   "vk:2000000001": 1, "vk:wall": 1}
    assert not any(vk.failures.values()), "VK's refusals were never met"
    when = {key: local(at) + f":{at.second:02d}" for at, key, said in process.seen
            if said == text}
    assert when["telegram:-1001"] >= "2026-03-02 10:00:40", when
    assert queue_texts(tg) == []


async def test_5xx_and_lost_vk_answers_are_retried_without_a_second_post(
        bot, tg, vk, clock) -> None:
    """Bot API answers 502 four times in a row; VK answers "internal error" (10) after doing
    the work, twice for the wall post and once for the chat message. Everything is retried,
    and each target shows the post once (VK's guid / random_id make the retries safe)."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    text = "New course module is out! 📚"
    process = await bot(entries=entry(at="2026-03-02 10:00", text=text,
                                      chats=("telegram:-1001", "vk:2000000001", "vk:wall")))
    tg.fail_next("sendMessage", 4, status=502)
    vk.fail("wall.post", 10, times=2, after_effect=True)
    vk.fail("messages.send", 10, after_effect=True)
    await process.rounds(berlin(2026, 3, 2, 10, 10), timedelta(seconds=15))
    assert count(tg, vk, text) == {"telegram:-1001": 1, "telegram:-1007": 0,
                                   "vk:2000000001": 1, "vk:wall": 1}
    assert len([c for c in vk.calls if c.method == "wall.post" and c.error == 10]) == 2
    assert queue_texts(tg) == []


async def test_dropped_connections_mid_send_never_double_post(
        tmp_path, bot, tg, vk, clock) -> None:
    """The connection drops while each network's send is on the way: on VK once before VK
    saw the wall post and once after it sent the chat message (the answer is lost); on
    Telegram before the Bot API saw the channel post. VK's sends carry guid / random_id, so
    they are retried and appear once. Telegram has no such key: a send whose fate the bot
    cannot know is not repeated, and the queue hears which post and chat it was."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    tg_proxy = await FaultProxy(tg.api_base).start()
    vk_proxy = await FaultProxy(vk.base_url).start()
    try:
        config = write_smm_config(tmp_path, tg, vk, api_tg=tg_proxy.base,
                                  api_vk=vk_proxy.base + "/method/", entries=(
                                      entry(at="2026-03-02 10:00", text="Part A",
                                            chats=("vk:wall",))
                                      + entry(at="2026-03-02 10:30", text="Part B",
                                              chats=("telegram:-1007", "vk:2000000001"))))
        process = await bot(config=config)
        vk_proxy.rule("wall.post", "drop")
        tg_proxy.rule("sendMessage", "drop")
        vk_proxy.rule("messages.send", "lost")
        await process.rounds(berlin(2026, 3, 2, 11, 30), timedelta(minutes=1))
    finally:
        await tg_proxy.close()
        await vk_proxy.close()
    assert count(tg, vk, "Part A")["vk:wall"] == 1
    b = count(tg, vk, "Part B")
    assert (b["telegram:-1007"], b["vk:2000000001"]) == (0, 1), b
    assert vk_proxy.hits["wall.post"] == 1 and tg_proxy.hits["sendMessage"] == 1
    assert not any(vk_proxy.rules.values()), "the lost VK answer never happened"
    told = queue_texts(tg)
    assert [t for t in told if "Part B" in t and "telegram:-1007" in t
            and "#2" in t and "2026-03-02 10:30" in t], told
    assert not [t for t in told if "Part A" in t or "vk:2000000001" in t], told


async def test_telegram_post_whose_answer_is_lost_is_reported_as_unknown_not_as_failed(
        tmp_path, bot, tg, vk, clock, caplog) -> None:
    """Telegram publishes the post and the connection drops before the answer arrives. The
    bot rightly does not resend. But the manager must not be told the post "could not be
    published" (they would post it by hand: twice in the group); README: a send whose
    outcome is unknown is logged as `event=schedule.unknown_outcome` and the queue is told
    that, the catalog's "I can't tell whether it went out … please check the chat"."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    proxy = await FaultProxy(tg.api_base).start()
    try:
        config = write_smm_config(tmp_path, tg, vk, api_tg=proxy.base, entries=entry(
            at="2026-03-02 10:00", text="Doors open at 19:00", chats=("telegram:-1001",)))
        process = await bot(config=config)
        proxy.rule("sendMessage", "lost")
        caplog.set_level("INFO")
        await process.rounds(berlin(2026, 3, 2, 10, 30), timedelta(minutes=1))
    finally:
        await proxy.close()
    assert count(tg, vk, "Doors open at 19:00")["telegram:-1001"] == 1
    [notice] = [t for t in queue_texts(tg) if "Doors open at 19:00" in t]
    assert "could not be published" not in notice, notice
    assert "can't tell whether it went out" in notice, notice
    assert "event=schedule.unknown_outcome" in caplog.text


@pytest.mark.parametrize("network", ["telegram", "vk"])
async def test_ten_minute_outage_at_the_due_time_still_publishes_within_the_grace(
        bot, tg, vk, clock, network) -> None:
    """The platform answers 5xx from 09:58 to 10:10 (a partial outage); the 10:00 post is due
    in it. README: 5xx errors are retried with backoff, and `schedule_grace` (1 h) is how late
    a post may still go out. So the post goes out once when the platform is back, about
    10:10, not dropped after a few minutes of trying."""
    clock.set(berlin(2026, 3, 2, 9, 58))
    target = "telegram:-1001" if network == "telegram" else "vk:wall"
    text = "Registration is open: https://example.com/reg"
    process = await bot(entries=entry(at="2026-03-02 10:00", text=text, chats=(target,)))
    if network == "telegram":
        tg.fail_next("sendMessage", 500, status=502)
    else:
        vk.fail("wall.post", 10, times=500)
    await process.rounds(berlin(2026, 3, 2, 10, 10), timedelta(seconds=30))
    tg.faults.clear()
    vk.failures.clear()
    await process.rounds(berlin(2026, 3, 2, 10, 40), timedelta(seconds=30))
    assert count(tg, vk, text)[target] == 1, queue_texts(tg)


# ============================================================================================
# 5. The bot loses its rights or is removed from a target
# ============================================================================================

async def test_lost_rights_fail_only_that_target_tell_the_queue_once_and_resume_next_day(
        bot, tg, vk, clock) -> None:
    """Overnight the channel owner takes the bot's "Post messages" right away, the community
    is removed from the VK chat and VK refuses wall posts (access denied). The 10:00 daily
    post still reaches the Telegram group; each refused target is tried once (a permanent
    refusal is not hammered), and the queue hears once per target which post, where and
    why. Rights back, the next morning's post reaches all four."""
    clock.set(berlin(2026, 3, 2, 9, 50))
    process = await bot(entries=entry(cron="0 10 * * *", text="Daily deal 💸"))
    tg.world.chats[CHANNEL].bot_rights["can_post_messages"] = False
    community = vk.peer(VK_CHAT).members.pop(-vk.group_id)
    vk.fail("wall.post", 15)
    await process.rounds(berlin(2026, 3, 2, 10, 30), timedelta(minutes=1))
    assert count(tg, vk, "Daily deal 💸") == {"telegram:-1001": 1, "telegram:-1007": 0,
                                              "vk:2000000001": 0, "vk:wall": 0}
    assert len(sends_of(tg, "Daily deal 💸", CHANNEL)) == 1
    assert len([c for c in vk.calls if c.method == "messages.send" and c.error]) == 1
    assert len([c for c in vk.calls if c.method == "wall.post" and c.error == 15]) == 1
    told = queue_texts(tg)
    assert len(told) == 3, told
    # the reason in the queue's words, not the platforms' raw errors (those are logged)
    for chat, why in (("telegram:-1007", "I need to be an admin with that right there"),
                      ("vk:2000000001", "I need to be an admin with that right there"),
                      ("vk:wall", "I need to be an admin with that right there")):
        [notice] = [t for t in told if f" to {chat} " in t]
        assert "Daily deal 💸" in notice and "2026-03-02 10:00" in notice, notice
        assert why in notice, notice
    tg.world.chats[CHANNEL].bot_rights["can_post_messages"] = True
    vk.peer(VK_CHAT).members[-vk.group_id] = community
    await process.rounds(berlin(2026, 3, 3, 10, 30), timedelta(minutes=10))
    assert count(tg, vk, "Daily deal 💸") == {"telegram:-1001": 2, "telegram:-1007": 1,
                                              "vk:2000000001": 1, "vk:wall": 1}
    assert len(queue_texts(tg)) == 3


def tg_bot_member_update(tg: TelegramEmulator, chat_id: int, status: str) -> None:
    """A my_chat_member update: an admin changes the bot's status in `chat_id`."""
    chat = tg.world.chats[chat_id]
    old = tg.world.member_json(chat, tg.world.bot_id)
    chat.bot_status = status
    new = tg.world.member_json(chat, tg.world.bot_id)
    if status == "kicked":
        new = {"status": "kicked", "user": tg.world.bot_user, "until_date": 0}
    tg.inject_raw({"my_chat_member": {
        "chat": chat.as_json(), "from": tg.world.user(ADMIN),
        "date": int(tg.world.clock()), "old_chat_member": old, "new_chat_member": new}})


@pytest.mark.parametrize("network", ["telegram", "vk"])
async def test_bot_removed_from_a_chat_queue_is_told_and_posts_resume_once_added_back(
        bot, tg, vk, clock, network) -> None:
    """Someone removes the bot from the group / the community from the VK chat: the queue
    hears it at once; the daily post due there is not retried against a chat it is not in;
    when the bot is added back, the next day's post goes out there once."""
    clock.set(berlin(2026, 3, 2, 9, 0))
    target = "telegram:-1001" if network == "telegram" else "vk:2000000001"
    process = await bot(entries=entry(cron="0 10 * * *", text="Daily quiz ❓", chats=(target,)))
    if network == "telegram":
        tg_bot_member_update(tg, GROUP, "kicked")
    else:
        vk.peer(VK_CHAT).members.pop(-vk.group_id)
        vk.post_message(VK_CHAT, VK_MOD, "", action={"type": "chat_kick_user",
                                                     "member_id": -vk.group_id})
    await tg.wait_for(lambda: [t for t in queue_texts(tg) if "I was removed" in t],
                      what="the queue told of the removal")
    await process.rounds(berlin(2026, 3, 2, 10, 45), timedelta(minutes=1))
    assert count(tg, vk, "Daily quiz ❓")[target] == 0
    if network == "telegram":
        assert len(sends_of(tg, "Daily quiz ❓")) <= 1
    else:
        assert len([c for c in vk.calls if c.method == "messages.send"
                    and c.params.get("message") == "Daily quiz ❓"]) <= 1
    clock.set(berlin(2026, 3, 3, 8, 0))
    if network == "telegram":
        tg_bot_member_update(tg, GROUP, "administrator")
    else:
        vk.invite_bot(VK_CHAT, VK_MOD)
    await process.rounds(berlin(2026, 3, 3, 10, 30), timedelta(minutes=10))
    assert count(tg, vk, "Daily quiz ❓")[target] == 1
    removed = [t for t in queue_texts(tg) if "I was removed" in t]
    assert len(removed) == 1 and target in removed[0], removed


# ============================================================================================
# 6. A crash in the middle of a send
# ============================================================================================

async def test_process_killed_while_telegram_is_posting_is_reported_never_resent(
        bot, tg, vk, clock, caplog) -> None:
    """The process dies while the Bot API is carrying out the channel post (it does go out).
    The restarted process (a new pid, 11 minutes later) cannot know whether it went out: it
    does not send it again, logs `event=schedule.unknown_outcome` and tells the queue to
    check the chat. The next day's post goes out normally."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    text = "Morning news 🗞"
    process = await bot(entries=entry(cron="0 10 * * *", text=text, chats=("telegram:-1007",)))
    tg.hold_text = text
    clock.set(berlin(2026, 3, 2, 10, 0))
    sending = asyncio.create_task(process.round())
    await asyncio.wait_for(tg.arrived.wait(), 20)
    sending.cancel()
    await asyncio.gather(sending, return_exceptions=True)
    await process.kill()
    tg.hold_text = None
    tg.release.set()
    await tg.wait_for(lambda: count(tg, vk, text)["telegram:-1007"] == 1,
                      what="Telegram finishing the post")
    clock.advance(timedelta(minutes=11))
    caplog.set_level("WARNING")
    process = await bot(config=process.config, instance="host:after-crash")
    await process.rounds(berlin(2026, 3, 2, 12, 0), timedelta(minutes=5))
    assert count(tg, vk, text)["telegram:-1007"] == 1
    [notice] = [t for t in queue_texts(tg) if text in t]
    assert "can't tell whether it went out" in notice and "telegram:-1007" in notice, notice
    assert "event=schedule.unknown_outcome" in caplog.text
    await process.rounds(berlin(2026, 3, 3, 10, 30), timedelta(minutes=10))
    assert count(tg, vk, text)["telegram:-1007"] == 2


# ============================================================================================
# 7. What a post holds: long texts, emoji, links, markup-looking characters, photos, formatting
# ============================================================================================

LONG_BODY = ("Привет! 👋 Весенний марафон: https://example.com/spring?utm=tg&x=1 — "
             "<b>не разметка</b> *звёздочки* _подчёркивания_ [ссылка](http://x) `код` & "
             "ёЁ 🇷🇺 👨‍👩‍👧 ✅\n")


async def test_a_4096_character_post_arrives_verbatim_on_all_four_targets(
        bot, tg, vk, clock) -> None:
    """The longest post config.toml allows (4,096 characters, one message): Cyrillic, emoji
    (flags and family sequences), newlines, a link and characters that look like markup.
    Every target shows exactly that text once; Telegram gets it as plain text."""
    clock.set(berlin(2026, 3, 2, 9, 55))
    text = (LONG_BODY * 60)[:4095] + "!"
    assert len(text) == 4096
    process = await bot(entries=entry(at="2026-03-02 10:00", text=text))
    await process.rounds(berlin(2026, 3, 2, 10, 10), timedelta(minutes=1))
    assert count(tg, vk, text) == dict.fromkeys(ALL_TARGETS, 1)
    for call in tg.calls_of("sendMessage"):
        if call.params.get("text") == text:
            assert not call.params.get("parse_mode"), "a plain post parsed as markup"


async def test_photo_posts_reach_all_four_targets_with_their_whole_text_once(
        tmp_path, bot, tg, vk, clock) -> None:
    """Two config posts with a photo (README: a `photo` in config.toml goes everywhere): one
    with a short caption, one with 1,500 characters (more than a Telegram caption holds).
    Each target shows the photo once and the whole text once."""
    clock.set(berlin(2026, 3, 2, 9, 55))
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "poster.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"\x00" * 2048)
    short = "Open day on Saturday 🎉"
    long_text = ("Program of the open day: talks, workshops, Q&A. " * 40)[:1500]
    entries = (entry(at="2026-03-02 10:00", text=short, photo="media/poster.jpg")
               + entry(at="2026-03-02 10:05", text=long_text, photo="media/poster.jpg"))
    process = await bot(entries=entries)
    await process.rounds(berlin(2026, 3, 2, 10, 20), timedelta(minutes=1))
    for chat in (GROUP, CHANNEL):
        photos = [c for c in tg.calls_of("sendPhoto") if str(c.params["chat_id"]) == str(chat)]
        assert len(photos) == 2, chat
        assert photos[0].params.get("caption") == short
        assert tg.sent_texts(chat).count(long_text) == 1, chat
    vk_chat = [m for m in vk.sent(VK_CHAT) if m.text in (short, long_text)]
    assert [m.text for m in vk_chat] == [short, long_text]
    assert all(m.attachment and m.attachment.startswith("photo") for m in vk_chat)
    wall = [p for p in vk.posts.values() if p.get("message") in (short, long_text)]
    assert [p["message"] for p in wall] == [short, long_text]
    assert all(str(p.get("attachments", "")).startswith("photo") for p in wall)
    assert queue_texts(tg) == []


async def test_telegram_draft_with_a_hyperlink_keeps_the_link_when_scheduled_in_reply(
        bot, tg, vk, clock) -> None:
    """The manager writes the post in the group with Telegram's formatting: the call to
    action "Register here" is a hyperlink (a text_link entity; the URL is not in the text),
    "Webinar" is bold. `/schedule in 1h` in reply posts "its text" (README). A Combot user
    expects the post as drafted; at the very least the link must survive, or the post
    points nowhere."""
    clock.set(berlin(2026, 3, 2, 9, 0))
    process = await bot()
    text = "Webinar on Friday! Register here"
    chat = tg.world.chat(GROUP)
    draft = tg.world.new_message(chat, **{
        "from": tg.world.user(ADMIN), "text": text,
        "entities": [{"type": "bold", "offset": 0, "length": 7},
                     {"type": "text_link", "offset": 19, "length": 13,
                      "url": "https://example.com/register"}]})
    tg.world.store(chat, draft, from_bot=False)
    tg.inject_raw({"message": draft})
    reply = await tg_say(tg, "/schedule in 1h", reply_to=draft["message_id"])
    assert reply.startswith("Scheduled post #1"), reply
    await process.rounds(berlin(2026, 3, 2, 10, 5), timedelta(minutes=5))
    [post] = [c for c in tg.calls_of("sendMessage") if str(c.params["chat_id"]) == str(GROUP)
              and "Webinar on Friday" in str(c.params.get("text"))]
    assert "https://example.com/register" in repr(post.params), post.params


# ============================================================================================
# 8. Cancelling and editing the plan
# ============================================================================================

async def test_config_post_unscheduled_from_vk_stays_off_everywhere_after_a_restart(
        bot, tg, vk, clock) -> None:
    """A daily config post went out on Monday; the manager cancels it from the VK chat.
    Nothing more is posted on either network, and a restart (same config.toml) does not
    bring it back."""
    clock.set(berlin(2026, 3, 2, 9, 55))
    process = await bot(entries=entry(cron="0 10 * * *", text="Daily reminder"))
    await process.rounds(berlin(2026, 3, 2, 10, 5), timedelta(minutes=5))
    assert count(tg, vk, "Daily reminder") == dict.fromkeys(ALL_TARGETS, 1)
    assert (await vk_say(vk, "!unschedule 1")).startswith("Post #1 is unscheduled: «")
    await process.rounds(berlin(2026, 3, 3, 12, 0), timedelta(hours=1))
    process = await restart(process, bot=bot)
    await process.rounds(berlin(2026, 3, 5, 12, 0), timedelta(hours=1))
    assert count(tg, vk, "Daily reminder") == dict.fromkeys(ALL_TARGETS, 1)
    assert await tg_say(tg, "/schedule") == "Nothing is scheduled right now."


async def test_typo_fixed_in_config_before_the_due_time_posts_only_the_fixed_text(
        tmp_path, bot, tg, vk, clock) -> None:
    """Sunday evening the owner spots a typo in Monday's weekly post, fixes config.toml and
    restarts the bot: on Monday the fixed text goes out once on every target, the old one
    never, and the plan lists only the fixed one."""
    clock.set(berlin(2026, 3, 1, 18, 0))
    process = await bot(entries=entry(cron="0 10 * * MON", text="Weekly plna: yoga at 19:00"))
    await process.rounds(berlin(2026, 3, 1, 20, 0), timedelta(hours=1))
    fixed = write_smm_config(tmp_path, tg, vk, entries=entry(
        cron="0 10 * * MON", text="Weekly plan: yoga at 19:00"))
    process = await restart(process, config=fixed, bot=bot)
    await process.round()  # `modbot run`'s scheduler loop makes its first round at start
    listing = await tg_say(tg, "/schedule")
    assert "Weekly plan: yoga" in listing and "plna" not in listing, listing
    await process.rounds(berlin(2026, 3, 2, 12, 0), timedelta(minutes=30))
    assert count(tg, vk, "Weekly plan: yoga at 19:00") == dict.fromkeys(ALL_TARGETS, 1)
    assert all(n == 0 for n in count(tg, vk, "Weekly plna: yoga at 19:00").values())


async def test_post_cancelled_while_it_waits_for_a_flood_retry_is_not_sent_later(
        bot, tg, vk, clock) -> None:
    """Telegram answers the 10:00 post with 429 retry_after=300. At 10:01 the manager cancels
    it from the queue chat: the reply says it is unscheduled, and the retry never posts it."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    process = await bot(entries=entry(at="2026-03-02 10:00", text="Wrong price: 9 €",
                                      chats=("telegram:-1001",)))
    tg.fail_next("sendMessage", status=429, retry_after=300)
    await process.rounds(berlin(2026, 3, 2, 10, 1), timedelta(seconds=30))
    assert len(sends_of(tg, "Wrong price: 9 €")) == 1
    reply = await tg_say(tg, "/unschedule 1", chat=QUEUE)
    assert reply.startswith("Post #1 is unscheduled: «"), reply
    await process.rounds(berlin(2026, 3, 2, 10, 30), timedelta(seconds=30))
    assert count(tg, vk, "Wrong price: 9 €")["telegram:-1001"] == 0
    assert len(sends_of(tg, "Wrong price: 9 €")) == 1


async def test_a_two_part_announcement_keeps_its_order_while_part_one_waits_for_a_retry(
        bot, tg, vk, clock) -> None:
    """Part 1 at 10:00, part 2 at 10:01, to the group and the VK chat. Part 1 hits flood
    control on both networks (Telegram 429 retry_after=120, VK error 9). README: while one
    post waits for a retry, the later ones for that chat wait behind it: members read
    part 1 first, and each part once."""
    clock.set(berlin(2026, 3, 2, 9, 59))
    chats = ("telegram:-1001", "vk:2000000001")
    process = await bot(entries=entry(at="2026-03-02 10:00", text="Part 1/2: the news",
                                      chats=chats)
                        + entry(at="2026-03-02 10:01", text="Part 2/2: the details",
                                chats=chats))
    tg.fail_next("sendMessage", status=429, retry_after=120)
    vk.fail("messages.send", 9)
    await process.rounds(berlin(2026, 3, 2, 10, 15), timedelta(seconds=30))
    for key in chats:
        parts = [t for t in posts(tg, vk)[key] if t.startswith("Part ")]
        assert parts == ["Part 1/2: the news", "Part 2/2: the details"], (key, parts)


# ============================================================================================
# 9. The VK wall needs a user token
# ============================================================================================

async def test_wall_post_without_a_user_token_fails_once_with_a_clear_notice(
        bot, tg, vk, clock) -> None:
    """VK refuses wall.post to a community token (error 27). Without `[vk] user_token` the
    wall post cannot go out: the other targets get the post, the wall is tried once, and the
    queue is told what to configure."""
    clock.set(berlin(2026, 3, 2, 9, 55))
    process = await bot(user_token=False, entries=entry(at="2026-03-02 10:00",
                                                        text="Spring menu is here 🌷"))
    await process.rounds(berlin(2026, 3, 2, 10, 30), timedelta(minutes=1))
    assert count(tg, vk, "Spring menu is here 🌷") == {
        "telegram:-1001": 1, "telegram:-1007": 1, "vk:2000000001": 1, "vk:wall": 0}
    assert len([c for c in vk.calls if c.method == "wall.post"]) == 1
    [notice] = queue_texts(tg)
    assert "vk:wall" in notice and "user_token" in notice, notice


async def test_check_config_warns_that_wall_posts_need_the_user_token(
        tmp_path, tg, vk, capsys) -> None:
    """The owner plans posts for `vk:wall` with only the community token (README's "Run it
    for real" asks for a token with *wall* rights). VK refuses wall.post to it, so the whole
    wall plan would fail at its due times. `modbot check-config` is the owner's pre-flight
    check, and it already notes the missing token for bans: it should say the wall posts
    will fail too."""
    config = write_smm_config(tmp_path, tg, vk, user_token=False, entries=entry(
        cron="0 10 * * *", text="Daily wall post", chats=("vk:wall",)))
    capsys.readouterr()
    code = await asyncio.to_thread(cli, ["check-config", str(config.path)])
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == 0, text
    note = [line for line in text.splitlines() if "user_token" in line]
    assert note and any("wall" in line for line in note), text
