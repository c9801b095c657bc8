"""QA round 29: time and restarts, on Telegram and VK. The owner runs modbot for months; the
process is restarted (deploys, crashes, reboots) and the clock does odd things (NTP corrections,
daylight-saving changes in the community's timezone). Every restart here is a new app (a new
instance id, as a new process has) over the same SQLite database; time moves only by the
injected FakeClock. Each test asserts what a member, moderator or owner would expect (README.md,
docs/DESIGN.md, or Rose/Combot conventions where they are silent); a failing test is a finding
(see /tmp/s7/qa29_findings.md).

Not repeated here: the scheduler's unit DST tests (test_schedule_when.py), grace/skip/unknown
basics (test_schedule_service.py), the New York DST nights and the 15-minute cron over a
restart (test_qa21_content_plan.py), the anti-flood unit tests (test_moderation_antiflood.py).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.app import App
from bot.config import LoadedConfig, load_config
from bot.core.actions import AnyAction, Ban, DeleteMessage, Kick, Mute, NotifyQueue, SendMessage
from bot.core.chats import ChatRef, UserRef
from bot.core.clock import FakeClock
from bot.core.events import Author, IncomingMessage, MemberChanged, ReplyTarget
from bot.core.scheduler.ports import OccurrenceState as S
from bot.core.texts import Text
from bot.texts import catalog
from tests.helpers_schedule import Crash, ScriptedExecutor, make_app, occurrences, run

BERLIN = ZoneInfo("Europe/Berlin")
OBSCENE = "Блядь, ну кто так строит?"

TG_CHAT = "telegram:-1001"
VK_CHAT = "vk:2000000001"
QUEUE = "telegram:-2002"

TG_MOD = Author(UserRef("telegram", "900"), "Mod", "mod")
VK_MOD = Author(UserRef("vk", "222"), "Vk Mod", None)
TG_BOB = Author(UserRef("telegram", "501"), "Bob", "bob")
TG_EVE = Author(UserRef("telegram", "502"), "Eve", "eve")
VK_BOB = Author(UserRef("vk", "301"), "Vasya", None)
VK_EVE = Author(UserRef("vk", "302"), "Lena", None)

NET = {
    "telegram": {"chat": TG_CHAT, "mod": TG_MOD, "bob": TG_BOB, "eve": TG_EVE},
    "vk": {"chat": VK_CHAT, "mod": VK_MOD, "bob": VK_BOB, "eve": VK_EVE},
}

CONFIG = """
[database]
url = "sqlite+aiosqlite:///qa29.db"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[vk]
token = "vk-test-token"
group_id = 42

[[community]]
name = "demo"
language = "en"
timezone = "Europe/Berlin"
chats = ["telegram:-1001", "vk:2000000001"]
moderators = ["telegram:900", "vk:222"]
queue = "telegram:-2002"
{extra}
"""


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


_ids = itertools.count(10_000)


def msg(text: str, *, author: Author, chat: str, date: datetime,
        reply_to: IncomingMessage | None = None) -> IncomingMessage:
    """A message as an adapter maps it: its own id, the platform's date."""
    mid = str(next(_ids))
    reply = (ReplyTarget(reply_to.message_id, reply_to.author, reply_to.text)
             if reply_to is not None else None)
    return IncomingMessage(event_id=f"qa29:{chat}:{mid}", chat=ChatRef.parse(chat),
                           message_id=mid, author=author, text=text, date=date, reply_to=reply)


class Bot:
    """One running process of the bot: an app with scripted networks. `restart()` closes it
    and opens a new process (new instance id) over the same database, at the clock's time."""

    def __init__(self, config: LoadedConfig, clock: FakeClock) -> None:
        self.config = config
        self.clock = clock
        self.generation = 0
        self.app: App | None = None
        self.tg: ScriptedExecutor | None = None
        self.vk: ScriptedExecutor | None = None
        self.all_actions: list[AnyAction] = []

    async def start(self, script: Sequence[object] = ()) -> Bot:
        self.generation += 1
        self.app, self.tg, self.vk = await make_app(
            self.config, self.clock, instance_id=f"host:{1000 + self.generation}",
            script=list(script), shared=self.all_actions)
        return self

    async def stop(self) -> None:
        if self.app is not None:
            await self.app.close()
            self.app = None

    async def restart(self, *, after: timedelta | None = None, at: datetime | None = None,
                      script: Sequence[object] = ()) -> None:
        await self.stop()
        if after is not None:
            self.clock.advance(after)
        if at is not None:
            self.clock.set(at)
        await self.start(script)

    def net(self, platform: str) -> ScriptedExecutor:
        executor = self.tg if platform == "telegram" else self.vk
        assert executor is not None
        return executor

    async def send(self, event: IncomingMessage | MemberChanged) -> list[AnyAction]:
        assert self.app is not None
        before = len(self.all_actions)
        await self.app.pipeline.process(event)
        return self.all_actions[before:]

    async def say(self, text: str, *, author: Author, chat: str,
                  reply_to: IncomingMessage | None = None,
                  date: datetime | None = None) -> tuple[IncomingMessage, list[AnyAction]]:
        event = msg(text, author=author, chat=chat, date=date or self.clock.now(),
                    reply_to=reply_to)
        return event, await self.send(event)

    async def tick(self) -> list[AnyAction]:
        assert self.app is not None
        before = len(self.all_actions)
        await self.app.pipeline.tick()
        return self.all_actions[before:]

    async def drain(self) -> list[AnyAction]:
        assert self.app is not None
        before = len(self.all_actions)
        await self.app.pipeline.drain()
        return self.all_actions[before:]

    def render(self, text: Text) -> str:
        return catalog().render(text, "en")


def of(actions: Sequence[AnyAction], kind: type) -> list:
    return [a for a in actions if isinstance(a, kind)]


def head_keys(actions: Sequence[AnyAction]) -> list[str]:
    out = []
    for action in of(actions, SendMessage) + of(actions, NotifyQueue):
        text: Text = action.text
        head = text.params.get("head")
        out.append(head.key if isinstance(head, Text) else text.key)
    return out


def rendered(actions: Sequence[AnyAction]) -> list[str]:
    return [catalog().render(a.text, "en") for a in of(actions, SendMessage)]


def sanctions(actions: Sequence[AnyAction]) -> list[AnyAction]:
    return [a for a in actions if isinstance(a, Mute | Ban | Kick)]


@pytest.fixture
def config_for(write_config):
    def make(extra: str = "") -> LoadedConfig:
        return load_config(write_config(CONFIG.format(extra=extra)))
    return make


@pytest.fixture
async def bot_for(config_for):
    started: list[Bot] = []

    async def make(start: datetime, extra: str = "", script: Sequence[object] = ()) -> Bot:
        bot = Bot(config_for(extra), FakeClock(start))
        await bot.start(script)
        started.append(bot)
        return bot

    yield make
    for bot in started:
        await bot.stop()


PLATFORMS = pytest.mark.parametrize("platform", ["telegram", "vk"])


# ============================== 1. a backlog after a restart is not a flood ==============

@PLATFORMS
async def test_messages_written_calmly_while_the_bot_was_down_are_not_a_flood(
        bot_for, platform) -> None:
    """The bot is down for ten minutes; Bob chats normally (one message a minute). When the
    bot comes back the platform hands it the whole backlog at once. Anti-flood is "8 messages
    within 10 s": Bob wrote 8 messages in 8 minutes and must not be muted (or, on VK, kicked)."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    n = NET[platform]
    await bot.say("Morning all", author=n["bob"], chat=n["chat"])
    await bot.stop()
    written = [start + timedelta(minutes=1 + i) for i in range(8)]
    await bot.restart(at=start + timedelta(minutes=10))
    acted: list[AnyAction] = []
    for i, when in enumerate(written):
        _, actions = await bot.say(f"thought number {i}: the lesson was good", author=n["bob"],
                                   chat=n["chat"], date=when)
        acted += actions
        bot.clock.advance(timedelta(milliseconds=50))  # the backlog is read in a burst
    assert sanctions(acted) == [], (
        f"Bob was punished for a backlog written over 8 minutes: {sanctions(acted)}; "
        f"notices {head_keys(acted)}")
    assert "moderation.flood.head" not in head_keys(acted)


@PLATFORMS
async def test_a_plus_one_vote_three_times_over_ten_minutes_is_not_deleted_as_repeats(
        bot_for, platform) -> None:
    """Members vote "+" in a poll thread; Bob votes on three questions over ten minutes while
    the bot is down. Repeats are "3 within 2 minutes": nothing is deleted after the restart."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    n = NET[platform]
    await bot.stop()
    await bot.restart(at=start + timedelta(minutes=12))
    acted: list[AnyAction] = []
    for i in range(3):
        _, actions = await bot.say("+", author=n["bob"], chat=n["chat"],
                                   date=start + timedelta(minutes=1 + 4 * i))
        acted += actions
    assert of(acted, DeleteMessage) == [], of(acted, DeleteMessage)
    assert "moderation.flood.repeats" not in head_keys(acted)


async def test_a_members_commands_from_the_backlog_are_judged_by_when_they_were_sent(
        bot_for) -> None:
    """The command budget is 5 a minute. A member who sent one /rules-style command every two
    minutes while the bot was down gets all of them answered after the restart."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    await bot.restart(at=start + timedelta(minutes=15))
    answered = 0
    for i in range(7):
        _, actions = await bot.say("/help", author=TG_BOB, chat=TG_CHAT,
                                   date=start + timedelta(minutes=1 + 2 * i))
        answered += len(of(actions, SendMessage))
    assert answered == 7, f"only {answered} of 7 commands sent two minutes apart were answered"


# ============================== 2. the clock going backwards =============================

@PLATFORMS
async def test_a_warning_still_counts_after_ntp_moves_the_clock_back(bot_for, platform) -> None:
    """Bob swears, is warned; NTP then corrects the server clock 30 seconds back; Bob swears
    again. That is his second offence: the ladder's step 2 (mute 1h; VK: removed from the
    chat), not a fresh "warning 1 of 4"."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    n = NET[platform]
    _, first = await bot.say(OBSCENE, author=n["bob"], chat=n["chat"])
    assert sanctions(first) == []
    bot.clock.set(start - timedelta(seconds=30))
    _, second = await bot.say(OBSCENE, author=n["bob"], chat=n["chat"])
    wanted = Mute if platform == "telegram" else Kick
    assert of(second, wanted), (
        f"second offence after a 30 s clock correction was not step 2: {rendered(second)}")


async def test_warns_lists_a_warning_given_just_before_the_clock_was_corrected(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    bad, _ = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    bot.clock.set(start - timedelta(seconds=20))
    _, actions = await bot.say("/warns", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    texts = rendered(actions)
    assert any(": 1; the ladder" in t for t in texts), texts


async def test_a_daily_post_is_not_published_twice_when_the_clock_steps_back(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)  # 09:00 Berlin
    bot = await bot_for(start, extra='[[community.schedule]]\ncron = "0 10 * * *"\n'
                                     'text = "Daily tip"\nchats = ["telegram:-1001"]\n')
    assert bot.app is not None
    await run(bot.app, bot.clock)
    bot.clock.set(utc(2026, 3, 2, 9, 0, 5))
    await run(bot.app, bot.clock)
    bot.clock.set(utc(2026, 3, 2, 8, 55))  # NTP: the clock was five minutes fast
    await run(bot.app, bot.clock)
    await bot.restart(after=timedelta(seconds=30))  # and the owner restarts it, for luck
    for _ in range(4):
        bot.clock.advance(timedelta(minutes=5))
        await run(bot.app, bot.clock)
    published = [a for a in bot.all_actions if type(a).__name__ == "Publish"]
    assert [p.text for p in published] == ["Daily tip"], published
    # and tomorrow's still goes out, once
    bot.clock.set(utc(2026, 3, 3, 9, 1))
    await run(bot.app, bot.clock)
    await run(bot.app, bot.clock)
    published = [a for a in bot.all_actions if type(a).__name__ == "Publish"]
    assert len(published) == 2


async def test_a_one_off_post_is_not_published_twice_when_the_clock_steps_back(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    _, actions = await bot.say("/schedule 2026-03-02 10:00 Webinar starts now", author=TG_MOD,
                               chat=TG_CHAT)
    assert head_keys(actions) == ["schedule.added"], head_keys(actions)
    assert bot.app is not None
    bot.clock.set(utc(2026, 3, 2, 9, 0, 2))
    await run(bot.app, bot.clock)
    bot.clock.set(utc(2026, 3, 2, 8, 58))
    await run(bot.app, bot.clock)
    await bot.restart(after=timedelta(seconds=10))
    for _ in range(3):
        bot.clock.advance(timedelta(minutes=2))
        await run(bot.app, bot.clock)
    published = [a for a in bot.all_actions if type(a).__name__ == "Publish"]
    # /schedule in a group goes to every community chat: once to each
    assert sorted((p.text, str(p.chat)) for p in published) == [
        ("Webinar starts now", TG_CHAT), ("Webinar starts now", VK_CHAT)], published


async def test_sla_reminder_is_not_repeated_when_the_clock_steps_back(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    bad, _ = await bot.say("cheap watches at spam.example", author=TG_EVE, chat=TG_CHAT)
    await bot.say("/report spam", author=TG_BOB, chat=TG_CHAT, reply_to=bad)
    bot.clock.advance(timedelta(minutes=31))
    first = await bot.tick()
    bot.clock.advance(timedelta(minutes=-2))
    second = await bot.tick()
    bot.clock.advance(timedelta(minutes=5))
    third = await bot.tick()
    keys = [a.text.key for a in of(first + second + third, NotifyQueue)]
    assert keys.count("complaints.sla_overdue") == 1, keys


# ============================== 3. restrictions and warnings across restarts =============

async def test_warnings_older_than_warn_expiry_are_forgotten_across_a_restart(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra='[community.moderation]\nwarn_expiry = "1d"\n')
    _, first = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    assert sanctions(first) == []
    await bot.restart(after=timedelta(days=2))
    _, again = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    assert sanctions(again) == [], "an expired warning still counted after the restart"
    assert any("Warning 1 of 4" in t for t in rendered(again)), rendered(again)


async def test_warnings_within_warn_expiry_still_count_after_a_restart(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra='[community.moderation]\nwarn_expiry = "1d"\n')
    bad, _ = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    await bot.restart(after=timedelta(hours=12))
    _, again = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    [mute] = of(again, Mute)
    assert mute.until == bot.clock.now() + timedelta(hours=1)
    _, listed = await bot.say("/warns", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    assert any(": 2; the ladder" in t for t in rendered(listed)), rendered(listed)


async def test_warns_after_the_expiry_passed_during_downtime_says_none(bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra='[community.moderation]\nwarn_expiry = "1d"\n')
    bad, _ = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    await bot.restart(after=timedelta(days=1, minutes=1))
    _, listed = await bot.say("/warns", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    assert rendered(listed) == ["Bob (@bob) has no active warnings."] or any(
        "no active warnings" in t for t in rendered(listed)), rendered(listed)


async def test_a_temp_ban_that_ran_out_while_down_does_not_block_unmute(bot_for) -> None:
    """/ban 1d, the bot is down for two days; Bob is a free member again. A moderator who now
    mutes and then unmutes him is not told he "is banned, not muted"."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    bad, _ = await bot.say("buy followers here", author=TG_BOB, chat=TG_CHAT)
    _, banned = await bot.say("/ban 1d spam", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    [ban] = of(banned, Ban)
    assert ban.until == start + timedelta(days=1)
    await bot.restart(after=timedelta(days=2))
    _, muted = await bot.say("/mute 10m @bob", author=TG_MOD, chat=TG_CHAT)
    assert of(muted, Mute), rendered(muted)
    _, unmuted = await bot.say("/unmute @bob", author=TG_MOD, chat=TG_CHAT)
    assert "moderation.unmute_banned" not in head_keys(unmuted), rendered(unmuted)


async def test_a_mute_that_ran_out_while_down_is_not_shown_as_running(bot_for) -> None:
    """/mute 10m, the bot is down for an hour. /unmute afterwards must not claim to lift a
    mute that Telegram already ended; the bot says it has no running mute on record."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    bad, _ = await bot.say("off topic again", author=TG_BOB, chat=TG_CHAT)
    _, muted = await bot.say("/mute 10m", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    [mute] = of(muted, Mute)
    assert mute.until == start + timedelta(minutes=10)
    await bot.restart(after=timedelta(hours=1))
    _, unmuted = await bot.say("/unmute @bob", author=TG_MOD, chat=TG_CHAT)
    assert head_keys(unmuted) == ["moderation.done.unmute_unknown"], rendered(unmuted)


async def _vk_ban_by_ladder(bot: Bot) -> Ban:
    await bot.say(OBSCENE, author=VK_BOB, chat=VK_CHAT)
    bot.clock.advance(timedelta(minutes=1))
    _, second = await bot.say(OBSCENE, author=VK_BOB, chat=VK_CHAT)
    [ban] = of(second, Ban)
    return ban


def _joined(user: Author, at: datetime) -> MemberChanged:
    return MemberChanged(event_id=f"qa29:join:{next(_ids)}", chat=ChatRef.parse(VK_CHAT),
                         user=user, joined=True, is_bot_itself=False, date=at)


async def test_vk_member_invited_back_after_a_timed_ban_ran_out_during_downtime_stays(
        bot_for) -> None:
    """VK has no mute: with vk_mute_fallback = "ban" step 2 (mute 1h) is a 1h community ban.
    The bot is down for two hours; a friend invites Vasya back: he is welcome now."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra='[community.moderation]\nvk_mute_fallback = "ban"\n')
    ban = await _vk_ban_by_ladder(bot)
    assert ban.until == bot.clock.now() + timedelta(hours=1)
    await bot.restart(after=timedelta(hours=2))
    actions = await bot.send(_joined(VK_BOB, bot.clock.now()))
    assert of(actions, Kick) == [], "a member whose ban ended was removed again"


async def test_vk_member_invited_back_while_the_timed_ban_runs_is_removed_after_a_restart(
        bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra='[community.moderation]\nvk_mute_fallback = "ban"\n')
    await _vk_ban_by_ladder(bot)
    await bot.restart(after=timedelta(minutes=20))
    actions = await bot.send(_joined(VK_BOB, bot.clock.now()))
    assert [str(k.user) for k in of(actions, Kick)] == ["vk:301"]


@PLATFORMS
async def test_a_warning_notice_still_removes_itself_when_the_bot_restarts_before_its_ttl(
        bot_for, platform) -> None:
    """The notice deletes itself after notice_ttl (2m). The bot is restarted 30 s after the
    notice went out and comes back 5 minutes later: the notice is still removed, once."""
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    n = NET[platform]
    bad, actions = await bot.say(OBSCENE, author=n["bob"], chat=n["chat"])
    assert of(actions, SendMessage)
    executor = bot.net(platform)
    await bot.restart(after=timedelta(minutes=5))
    later = await bot.drain()
    removed = [d for d in of(later, DeleteMessage) if d.message_id != bad.message_id]
    assert len(removed) == 1, f"notice clean-up after the restart: {of(later, DeleteMessage)}"
    assert executor is not bot.net(platform)
    more = await bot.drain()
    assert of(more, DeleteMessage) == []


# ============================== 4. complaints' SLA across restarts ========================

@PLATFORMS
async def test_sla_reminder_for_a_ticket_filed_just_before_a_restart_comes_once(
        bot_for, platform) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    n = NET[platform]
    bad, _ = await bot.say("cheap watches at spam.example", author=n["eve"], chat=n["chat"])
    command = "/report spam" if platform == "telegram" else "!report spam"
    _, filed = await bot.say(command, author=n["bob"], chat=n["chat"], reply_to=bad)
    assert any("Ticket #1" in bot.render(a.text) for a in of(filed, NotifyQueue)), filed
    await bot.restart(after=timedelta(minutes=10))
    assert [a for a in await bot.tick() if isinstance(a, NotifyQueue)] == []
    await bot.restart(after=timedelta(minutes=40))  # down across the 30-minute SLA
    reminders = [a for a in await bot.tick() if isinstance(a, NotifyQueue)]
    await bot.restart(after=timedelta(minutes=5))
    reminders += [a for a in await bot.tick() if isinstance(a, NotifyQueue)]
    bot.clock.advance(timedelta(hours=2))
    reminders += [a for a in await bot.tick() if isinstance(a, NotifyQueue)]
    keys = [r.text.key for r in reminders]
    assert keys == ["complaints.sla_overdue"], keys
    age = reminders[0].text.params["age"]
    assert age == timedelta(minutes=50), age


async def test_a_ticket_claimed_before_the_restart_gets_no_sla_reminder_after_it(
        bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start)
    bad, _ = await bot.say("cheap watches at spam.example", author=TG_EVE, chat=TG_CHAT)
    await bot.say("/report spam", author=TG_BOB, chat=TG_CHAT, reply_to=bad)
    await bot.say("/take 1", author=TG_MOD, chat=QUEUE)
    await bot.restart(after=timedelta(hours=3))
    reminders = [a for a in await bot.tick() if isinstance(a, NotifyQueue)]
    assert reminders == [], [r.text.key for r in reminders]


# ============================== 5. scheduled posts across downtime ========================

DAILY_10 = ('[[community.schedule]]\ncron = "0 10 * * *"\ntext = "Daily tip"\n'
            'chats = ["telegram:-1001", "vk:2000000001"]\n')


def published(bot: Bot) -> list:
    return [a for a in bot.all_actions if type(a).__name__ == "Publish"]


async def test_a_week_down_with_a_daily_post_posts_only_todays_when_back_within_grace(
        bot_for) -> None:
    start = utc(2026, 3, 2, 8, 0)  # Monday 09:00 Berlin
    bot = await bot_for(start, extra=DAILY_10)
    assert bot.app is not None
    await run(bot.app, bot.clock)
    bot.clock.set(utc(2026, 3, 2, 9, 0))
    await run(bot.app, bot.clock)
    assert len(published(bot)) == 2  # Telegram and VK
    await bot.restart(at=utc(2026, 3, 9, 9, 20))  # a week later, 10:20 Berlin
    await run(bot.app, bot.clock)
    for _ in range(6):
        bot.clock.advance(timedelta(minutes=10))
        await run(bot.app, bot.clock)
    late = published(bot)[2:]
    assert sorted(str(p.chat) for p in late) == [TG_CHAT, VK_CHAT], late
    sent = await occurrences(bot.app, states=[S.SENT])
    assert sorted({o.due_at for o in sent}) == [utc(2026, 3, 2, 9, 0), utc(2026, 3, 9, 9, 0)]


async def test_a_week_down_past_the_grace_posts_nothing_and_logs_each_skip(
        bot_for, caplog) -> None:
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra=DAILY_10)
    assert bot.app is not None
    await run(bot.app, bot.clock)
    await bot.restart(at=utc(2026, 3, 9, 12, 0))  # 13:00 Berlin: three hours late
    with caplog.at_level(logging.INFO):
        await run(bot.app, bot.clock)
    assert published(bot) == [], published(bot)
    skips = [m for m in caplog.messages if m.startswith("event=schedule.skipped")]
    # 2 to 9 March: 8 days × 2 chats, each said once
    assert len(skips) == 16 and len(set(skips)) == 16, skips
    bot.clock.set(utc(2026, 3, 10, 9, 0))  # and the next day is back to normal
    await run(bot.app, bot.clock)
    assert len(published(bot)) == 2


async def test_a_restart_in_the_middle_of_a_batch_loses_none_and_sends_none_twice(
        bot_for, caplog) -> None:
    """Three posts are due at 10:00; the process dies while sending the second. After the
    restart the third goes out, the second is reported (never resent), the first stays sent."""
    entries = "".join(
        f'[[community.schedule]]\nat = "2026-03-02 10:00"\ntext = "Part {i}"\n'
        f'chats = ["telegram:-1001"]\n' for i in (1, 2, 3))
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra=entries, script=[None, Crash()])
    assert bot.app is not None
    await run(bot.app, bot.clock)
    bot.clock.set(utc(2026, 3, 2, 9, 0))
    with pytest.raises(Crash):
        await run(bot.app, bot.clock)
    assert [p.text for p in published(bot)] == ["Part 1", "Part 2"]
    await bot.restart(after=timedelta(seconds=20))
    with caplog.at_level(logging.INFO):
        for _ in range(4):
            await run(bot.app, bot.clock)
            bot.clock.advance(timedelta(minutes=5))
    texts = [p.text for p in published(bot)]
    assert texts == ["Part 1", "Part 2", "Part 3"], texts
    states = {o.text: o.state for o in await occurrences(bot.app)}
    assert states == {"Part 1": S.SENT, "Part 2": S.UNKNOWN, "Part 3": S.SENT}, states
    assert any(m.startswith("event=schedule.unknown_outcome") for m in caplog.messages)
    notices = [a.text.key for a in bot.all_actions if isinstance(a, NotifyQueue)]
    assert notices.count("schedule.unknown_outcome") == 1, notices


async def test_a_batch_with_part_three_never_overtakes_an_unknown_part_two_for_long(
        bot_for) -> None:
    """After the crash above, the third part must go out promptly (within the grace), not wait
    for the ten-minute claim timeout of the dead process and then be skipped."""
    entries = "".join(
        f'[[community.schedule]]\nat = "2026-03-02 10:00"\ntext = "Part {i}"\n'
        f'chats = ["telegram:-1001"]\n' for i in (1, 2, 3))
    start = utc(2026, 3, 2, 8, 0)
    bot = await bot_for(start, extra='schedule_grace = "5m"\n' + entries,
                        script=[None, Crash()])
    assert bot.app is not None
    bot.clock.set(utc(2026, 3, 2, 9, 0))
    with pytest.raises(Crash):
        await run(bot.app, bot.clock)
    await bot.restart(after=timedelta(seconds=20))
    await run(bot.app, bot.clock)
    assert [p.text for p in published(bot)][-1] == "Part 3"


BERLIN_0230 = ('[[community.schedule]]\ncron = "30 2 * * *"\ntext = "Night owl digest"\n'
               'chats = ["telegram:-1001"]\n')


async def _drive(bot: Bot, until: datetime, step: timedelta,
                 restarts: Sequence[datetime] = ()) -> None:
    pending = sorted(restarts)
    while bot.clock.now() < until:
        assert bot.app is not None
        await run(bot.app, bot.clock)
        bot.clock.advance(step)
        if pending and bot.clock.now() >= pending[0]:
            pending.pop(0)
            await bot.restart()
    assert bot.app is not None
    await run(bot.app, bot.clock)


async def test_berlin_0230_daily_goes_out_once_on_the_spring_forward_night_with_a_restart(
        bot_for) -> None:
    """02:30 does not exist in Berlin on 2026-03-29 (02:00 → 03:00). The bot is restarted in the
    middle of that night; the digest goes out once each day, on the 29th right after the gap."""
    bot = await bot_for(utc(2026, 3, 27, 22, 0), extra=BERLIN_0230)
    await _drive(bot, utc(2026, 3, 30, 6, 0), timedelta(minutes=10),
                 restarts=[utc(2026, 3, 29, 0, 55), utc(2026, 3, 29, 1, 5)])
    times = [o.due_at.astimezone(BERLIN).strftime("%m-%d %H:%M")
             for o in await occurrences(bot.app, states=[S.SENT])]
    assert len(published(bot)) == 3, times
    assert times[0] == "03-28 02:30" and times[2] == "03-30 02:30", times
    assert times[1].startswith("03-29 03:"), times


async def test_berlin_0230_daily_goes_out_once_on_the_fall_back_night_with_a_restart(
        bot_for) -> None:
    """02:30 happens twice in Berlin on 2026-10-25 (03:00 CEST → 02:00 CET). The bot is
    restarted between the two 02:30s; the digest goes out once that day."""
    bot = await bot_for(utc(2026, 10, 23, 22, 0), extra=BERLIN_0230)
    await _drive(bot, utc(2026, 10, 26, 6, 0), timedelta(minutes=10),
                 restarts=[utc(2026, 10, 25, 0, 40), utc(2026, 10, 25, 1, 10)])
    sent = [o.due_at for o in await occurrences(bot.app, states=[S.SENT])]
    assert len(published(bot)) == 3, sent
    assert [t.astimezone(BERLIN).strftime("%d %H:%M") for t in sent] == [
        "24 02:30", "25 02:30", "26 02:30"], sent


async def test_a_one_off_missed_during_downtime_within_grace_goes_out_once_late(bot_for) -> None:
    """README: a missed post goes out late within schedule_grace. The bot is down from 09:55 to
    10:30 Berlin across a 10:00 one-off, and restarted twice while catching up."""
    start = utc(2026, 3, 2, 8, 50)
    bot = await bot_for(start)
    await bot.say("/schedule 2026-03-02 10:00 Doors open", author=TG_MOD, chat=TG_CHAT)
    await bot.restart(at=utc(2026, 3, 2, 9, 30))
    assert bot.app is not None
    await run(bot.app, bot.clock)
    await bot.restart(after=timedelta(seconds=5))
    await run(bot.app, bot.clock)
    assert sorted((p.text, str(p.chat)) for p in published(bot)) == [
        ("Doors open", TG_CHAT), ("Doors open", VK_CHAT)], published(bot)


# ============================== 6. /schedule shows times in the community's timezone ======

async def test_listing_the_day_before_spring_forward_shows_ten_oclock_local(bot_for) -> None:
    bot = await bot_for(utc(2026, 3, 28, 12, 0))  # 13:00 CET, the day before the switch
    _, added = await bot.say("/schedule every day 10:00 Morning", author=TG_MOD, chat=TG_CHAT)
    [reply] = of(added, SendMessage)
    assert reply.text.params["next"] == "2026-03-29 10:00", reply.text.params
    bot.clock.set(utc(2026, 3, 29, 8, 30))  # after Sunday's (08:00 UTC = 10:00 CEST)
    _, listed = await bot.say("/schedule", author=TG_MOD, chat=TG_CHAT)
    [listing] = of(listed, SendMessage)
    lines = catalog()._param(listing.text.params["items"], "en").splitlines()
    assert " · 2026-03-30 10:00 · " in lines[0], lines


async def test_in_two_hours_across_the_spring_gap_is_two_real_hours_and_shown_so(
        bot_for) -> None:
    """At 01:30 CET on 2026-03-29, "in 2h" is 02:30 UTC = 04:30 CEST (the wall clock skips
    02:00-03:00). The post is due two real hours later and the bot says 04:30."""
    bot = await bot_for(utc(2026, 3, 29, 0, 30))
    _, added = await bot.say("/schedule in 2h Reminder", author=TG_MOD, chat=TG_CHAT)
    [reply] = of(added, SendMessage)
    assert reply.text.params["next"] == "2026-03-29 04:30", reply.text.params
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        [post] = list(await uow.schedule.posts("demo"))
    assert post.at == utc(2026, 3, 29, 2, 30)


async def test_tomorrow_nine_on_the_fall_back_day_means_nine_on_the_wall(bot_for) -> None:
    bot = await bot_for(utc(2026, 10, 24, 20, 0))  # Saturday 22:00 CEST
    _, added = await bot.say("/schedule tomorrow 9:00 Sunday brunch", author=TG_MOD,
                             chat=TG_CHAT)
    [reply] = of(added, SendMessage)
    assert reply.text.params["next"] == "2026-10-25 09:00", reply.text.params
    assert bot.app is not None
    async with bot.app.uow_factory() as uow:
        [post] = list(await uow.schedule.posts("demo"))
    assert post.at == utc(2026, 10, 25, 8, 0)  # CET by then


async def test_schedule_list_after_a_restart_shows_the_same_next_run(bot_for) -> None:
    bot = await bot_for(utc(2026, 3, 2, 8, 0))
    await bot.say("/schedule every monday 18:30 Weekly call", author=TG_MOD, chat=TG_CHAT)
    _, before = await bot.say("/schedule", author=TG_MOD, chat=TG_CHAT)
    await bot.restart(after=timedelta(hours=1))
    _, after = await bot.say("/schedule", author=TG_MOD, chat=TG_CHAT)
    first = catalog()._param(of(before, SendMessage)[0].text.params["items"], "en")
    second = catalog()._param(of(after, SendMessage)[0].text.params["items"], "en")
    assert first == second and "2026-03-02 18:30" in first, (first, second)


# ============================== 7. the backlog on the wire ================================

async def test_tg_wire_backlog_after_a_restart_does_not_mute_a_calm_member(
        make_tg_app, emu, clock) -> None:
    """Real Telegram adapter: the bot is stopped; member 111 writes 8 messages a minute apart
    (Telegram's `date` says so); the bot starts and reads them in one getUpdates batch."""
    from tg_emulator.harness import MEMBER as TG_MEMBER
    from tg_emulator.harness import FakeTime, RunningBot, fast_options
    from tg_emulator.wire import settle

    app = await make_tg_app(instance="qa29-a")
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
    now = int(clock.now().timestamp())  # Telegram's clock and the bot's agree
    for i in range(8):
        sent = emu.user_message(-1001, TG_MEMBER, f"point {i} about the homework")
        sent["date"] = now - 600 + 60 * i  # the update carries the same dict
    app2 = await make_tg_app(instance="qa29-b")
    async with RunningBot(app2, fast_options(FakeTime())):
        await settle(emu)
    restricted = [c.params for c in emu.calls_of("restrictChatMember")
                  if int(c.params["user_id"]) == TG_MEMBER]
    assert restricted == [], f"a calm member was muted after the restart: {restricted}"


async def test_vk_wire_backlog_after_a_restart_does_not_remove_a_calm_member(
        emulator, tmp_path) -> None:
    import time

    from vk_emulator.harness import CHAT as VK_PEER
    from vk_emulator.harness import RunningBot as VkBot
    from vk_emulator.harness import vk_config_text, write_vk_config

    config = write_vk_config(tmp_path, vk_config_text(emulator))
    clock = FakeClock(datetime.now(UTC).replace(microsecond=0))
    emulator.add_members(VK_PEER, 500, 501)
    first = VkBot(config, clock, emulator, instance_id="vk-a")
    await first.start()
    await first.stop()
    now = int(time.time())
    for i in range(8):
        emulator.post_message(VK_PEER, 500, f"point {i} about the homework")
        emulator.updates[-1]["object"]["message"]["date"] = now - 600 + 60 * i
    witness = emulator.post_message(VK_PEER, 501, "!help")
    second = VkBot(config, clock, emulator, instance_id="vk-b")
    await second.start(wait_polling=False)
    try:
        await emulator.wait_for(lambda: any(m.reply_to == witness or "commands" in m.text.lower()
                                            for m in emulator.sent(VK_PEER)))
    finally:
        await second.stop()
    removed = [c.params for c in emulator.calls_to("messages.removeChatUser")]
    assert removed == [], f"a calm member was removed after the restart: {removed}"


# ============================== 8. times shown to people are the community's ==============

async def test_warns_shows_the_warning_date_on_the_communitys_clock(bot_for) -> None:
    """23:30 UTC on 2 March is 00:30 on 3 March in Berlin: /warns says the local date."""
    bot = await bot_for(utc(2026, 3, 2, 23, 30))
    bad, _ = await bot.say(OBSCENE, author=TG_BOB, chat=TG_CHAT)
    await bot.restart(after=timedelta(minutes=5))
    _, listed = await bot.say("/warns", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    text = "\n".join(rendered(listed))
    assert "2026-03-03 00:30" in text, text


async def test_audit_shows_a_mutes_end_on_the_communitys_clock(bot_for, capsys) -> None:
    """DESIGN: every datetime is UTC inside, shown in the community's timezone outside. The
    audit line's own time is local; the mute's end on the same line should be too."""
    import argparse

    from bot.features.moderation import audit_command

    bot = await bot_for(utc(2026, 3, 2, 22, 30))  # 23:30 Berlin
    bad, _ = await bot.say("off topic", author=TG_BOB, chat=TG_CHAT)
    await bot.say("/mute 2h", author=TG_MOD, chat=TG_CHAT, reply_to=bad)
    await bot.stop()
    args = argparse.Namespace(config=str(bot.config.path), community="demo", since="1d")
    assert await audit_command(args, clock=bot.clock) == 0
    [line] = [ln for ln in capsys.readouterr().out.splitlines() if "  mute  " in ln]
    assert line.startswith("2026-03-02 23:30:00 CET  mute"), line
    assert "2026-03-03T00:30:00+00:00" not in line and "01:30" in line, line
