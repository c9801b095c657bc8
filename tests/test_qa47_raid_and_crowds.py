"""QA round 47: crowds — a raid and a pile-on, on the wire, on both networks.

Ten to twenty fresh accounts swear within the same minute in one group; eight members all
report the same message; many members ask the same FAQ question within minutes; one member
reports everything; the queue gets thirty tickets in a burst; and through it all Telegram
answers 429 and VK error 9 now and then.

What a moderator used to Rose, Combot or tg-spam expects, and what each test asserts:

- each raider's message is handled once (deleted once, one notice), and the ladder is
  applied per member (one raider's warnings are never another's; the same numeric id on the
  other network is another person);
- one ticket per reported message, the reporters merged on its card, each reporter
  acknowledged exactly once, and each told the outcome once;
- the FAQ answer is not repeated in the chat within `repeat_window`;
- the chat is never flooded by the bot: the bot's messages in the group are counted, and
  its notices and acknowledgements clean themselves up;
- 429 `retry_after` and VK error 9 are respected, with nothing lost and nothing doubled.

The real Telegram adapter runs against tests/tg_emulator and the real VK adapter against
tests/vk_emulator (imported, never edited). Time is the injected clock (and the Telegram
runner's fake monotonic time); waits are predicates on what the emulators saw.
"""

from __future__ import annotations

import asyncio
import copy
import json
import re
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    QUEUE,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import render, replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.core.clock import FakeClock

# --------------------------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------------------------

RAIDERS = tuple(range(4701, 4716))  # fifteen fresh accounts
REPORTERS = tuple(range(5701, 5709))  # eight members who report the same message
ASKERS = tuple(range(6701, 6711))  # ten members asking the same question
SPAMMER = 4800  # the author of the reported spam
ZEALOT = 5900  # the member who reports everything
WITNESS = LISTED_MODERATOR  # a moderator's /help marks "everything before was handled"

RUDE = ("this is fucking ridiculous", "shut up you fucking idiot", "fuck this chat",
        "ты хуйло ебаное", "ну ты и пиздабол", "иди нахуй со своими правилами",
        "Блядь, ну кто так строит?")
OBSCENE_ROOTS = ("fuck", "хуй", "хуйл", "пизд", "нахуй", "бляд", "ебан")
SPAM = "Easy money 5000$ a day, no investment! DM me t.me/easy_money_24"

FAQ = """
[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the course?", "Can I pay by card?"]
answer = "Pay by card on the website or by bank transfer."

[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "We are open 9:00-18:00 on weekdays."
"""
ANSWER = "Pay by card on the website or by bank transfer."
PAY_QUESTIONS = ("How do I pay for the course?", "how do i pay for the course?",
                 "How do I pay for the course??", "Can I pay by card?", "can i pay by card?")


def name_of(uid: int) -> str:
    return f"Raider{uid}" if uid in RAIDERS else f"Member{uid}"


@pytest.fixture
def clock() -> FakeClock:
    # Telegram reads until_date against the wall clock: the bot's clock runs near the present
    return wall_clock()


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
def crowd(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
          open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """The community's Telegram app (group -1001, queue -2002, default ladder and limits);
    every member of the cast has a name."""
    for uid in (*RAIDERS, *REPORTERS, *ASKERS, SPAMMER, ZEALOT):
        emu.world.user(uid, name_of(uid))
    emu.world.user(ADMIN, "Olga")
    emu.world.user(WITNESS, "Wit")

    async def make(*, faq: bool = False, extra: str = "") -> App:
        lines = ""
        if faq:
            (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
            lines = 'faq = "faq.toml"\n'
        config = telegram_config(tmp_path, emu.api_base, extra_community=lines + extra)
        return await open_app(config, clock, "qa47")

    return make


HELPS = {render("common.help_moderator"), render("common.help_member")}


async def tg_settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before has been decided and its first delivery tried: a moderator's
    /help got its answer (moderators are not held to the members' five commands a minute)."""
    probe = emu.user_message(chat, WITNESS, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="the witness's /help answer")


def bot_texts(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """What the bot said in ``chat`` (successful sends), without the witness's /help answers."""
    return [t for t in emu.sent_texts(chat) if t not in HELPS]


def live_bot_messages(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """The bot's messages still visible in ``chat`` (not deleted), /help answers aside."""
    return [s.message.get("text") or "" for s in emu.world.messages.values()
            if s.from_bot and s.chat_id == chat and not s.deleted
            and (s.message.get("text") or "") not in HELPS]


def deletes(emu: TelegramEmulator, chat: int = GROUP) -> Counter[int]:
    """How many times each message was deleted successfully."""
    return Counter(int(c.params["message_id"]) for c in emu.calls_of("deleteMessage")
                   if int(c.params["chat_id"]) == chat)


def restricts(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("restrictChatMember")
            if int(c.params["user_id"]) == user]


def bans(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("banChatMember") if int(c.params["user_id"]) == user]


def until(params: dict[str, Any]) -> int:
    return int(params.get("until_date") or 0)


def removal_notices(texts: list[str]) -> list[str]:
    return [t for t in texts if "your message was removed" in t]


def cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    """Ticket cards the bot posted in the queue (first message of each, SLA reminders aside)."""
    return [m for m in emu.sent_messages(QUEUE) if re.match(r"Ticket #\d+", m.get("text") or "")]


def card_number(text: str) -> int:
    match = re.match(r"(?:Ticket|⏰ Ticket) #(\d+)", text)
    assert match, text
    return int(match.group(1))


def card_now(emu: TelegramEmulator, card: dict[str, Any]) -> str:
    return str(emu.world.messages[(QUEUE, card["message_id"])].message.get("text") or "")


def button(message: dict[str, Any], prefix: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if str(b.get("callback_data", "")).startswith(prefix):
                return str(b["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


async def run_out(app: App, clock: FakeClock, fake: FakeTime, done: Callable[[], bool], *,
                  step: timedelta = timedelta(seconds=5), limit: int = 120) -> None:
    """Move the bot's clock (and the runner's monotonic time, which paces sends) on and run
    the outbox until ``done()``: retries after a 429 wait on those clocks, not on the test."""
    for _ in range(limit):
        if done():
            return
        clock.advance(step)
        fake.now += step.total_seconds()
        await app.pipeline.drain()
        await asyncio.sleep(0.02)  # a turn for the polling task
    assert done(), "the outbox did not get there"


class SendLog:
    """When (on the runner's monotonic time) each call to a chat was made, 429s included:
    what a rate limit is judged by."""

    def __init__(self, emu: TelegramEmulator, fake: FakeTime) -> None:
        self.entries: list[tuple[float, str, int, int]] = []  # (time, method, chat, status)
        original = emu._record

        def record(method: str, params: dict[str, Any], status: int, result: Any) -> None:
            chat = params.get("chat_id")
            if chat is not None and method != "getUpdates":
                self.entries.append((fake.now, method, int(chat), status))
            original(method, params, status, result)

        emu._record = record  # type: ignore[method-assign]

    def violations(self, chat: int, method: str, retry_after: float) -> list[tuple[float, int]]:
        """Calls of ``method`` to ``chat`` made sooner than ``retry_after`` after Telegram
        answered 429 to that method there: (when, status) of each."""
        out = []
        blocked_until = None
        for when, name, target, status in self.entries:
            if target != chat or name != method:
                continue
            if blocked_until is not None and when < blocked_until - 1e-6:
                out.append((when, status))
            if status == 429:
                blocked_until = max(blocked_until or 0.0, when + retry_after)
        return out

    def dump(self) -> str:
        return "\n".join(map(str, self.entries))


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[VkBot]:
    """The community's VK side: chat 2000000001 and the wall, queue 2000000002 (admin 901),
    listed moderator 900, the FAQ above, default ladder (mute → removal from the chat)."""
    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    emulator.set_admins(VK_QUEUE, 901)
    emulator.add_members(VK_CHAT, *RAIDERS, *REPORTERS, *ASKERS, SPAMMER, ZEALOT)
    for uid in (*RAIDERS, *REPORTERS, *ASKERS, SPAMMER, ZEALOT):
        emulator.real_names[uid] = (name_of(uid), "Crowd")
    text = vk_config_text(emulator, community_extra='faq = "faq.toml"')
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_said(emulator: VkEmulator, peer: int = VK_CHAT, words: str = "") -> list[str]:
    return [m.text for m in emulator.sent(peer) if words in m.text]


def vk_deleted(emulator: VkEmulator, peer: int = VK_CHAT) -> Counter[int]:
    return Counter(int(x) for c in emulator.calls_to("messages.delete")
                   if int(c.params["peer_id"]) == peer
                   for x in str(c.params.get("cmids", "")).split(",") if x)


def vk_live(emulator: VkEmulator, peer: int = VK_CHAT) -> list[str]:
    """The bot's messages in ``peer`` not deleted since."""
    gone = vk_deleted(emulator, peer)
    return [m.text for m in emulator.sent(peer) if m.cmid not in gone]


def vk_removed(emulator: VkEmulator, member: int) -> list[Any]:
    return [c for c in emulator.calls_to("messages.removeChatUser")
            if int(c.params["member_id"]) == member]


def vk_cards(emulator: VkEmulator) -> list[ChatMessage]:
    return [m for m in emulator.sent(VK_QUEUE) if re.match(r"Ticket #\d+", m.text)]


def vk_replies_to(emulator: VkEmulator, peer: int, cmid: int) -> list[str]:
    return [m.text for m in emulator.sent(peer) if m.reply_to == cmid]


def vk_button(message: ChatMessage, label: str) -> str:
    assert message.keyboard is not None, "no keyboard"
    for row in message.keyboard["buttons"]:
        for b in row:
            action = b["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r}")


async def vk_run_out(bot: VkBot, done: Callable[[], bool], *,
                     step: timedelta = timedelta(seconds=10), limit: int = 60) -> None:
    """Move the bot's clock on and run the outbox until ``done()`` (VK's error 9 hands the
    action back to the outbox for half a minute)."""
    assert bot.app is not None
    for _ in range(limit):
        if done():
            return
        bot.clock.advance(step)
        await bot.app.pipeline.drain()
        await asyncio.sleep(0.02)
    assert done(), "the outbox did not get there"


# ============================================================================================
# 1. The raid: fifteen fresh accounts swear within one minute
# ============================================================================================

async def test_tg_raid_of_fifteen_each_message_deleted_once_each_raider_warned_once(
        crowd, emu, fake, clock) -> None:
    """Fifteen new accounts post мат within the same minute. Each message goes (once); each
    raider gets exactly one notice naming them, "Warning 1 of 4" (their own first offence,
    not a count shared by the crowd), never repeating the word; nobody is muted yet. The bot
    says nothing else in the group, and after `notice_ttl` (2m) the group is clean again."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        calm = emu.user_message(GROUP, ASKERS[0], "Good evening everyone")
        posted = []
        for n, raider in enumerate(RAIDERS):
            clock.advance(timedelta(seconds=3))
            posted.append(emu.user_message(GROUP, raider, RUDE[n % len(RUDE)]))
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in posted)
                           and len(removal_notices(bot_texts(emu))) >= len(RAIDERS),
                           what="fifteen deletions and notices")
        await tg_settle(emu)
        said_during_raid = bot_texts(emu)
        clock.advance(timedelta(minutes=3))
        await emu.wait_for(lambda: not live_bot_messages(emu), what="the notices cleaned up")
    notices = removal_notices(said_during_raid)
    assert len(said_during_raid) == len(RAIDERS) == len(notices), said_during_raid
    for raider in RAIDERS:
        mine = [t for t in notices if name_of(raider) in t]
        assert len(mine) == 1, (raider, mine)
        assert "Warning 1 of 4; next: mute 1h" in mine[0], mine[0]
        assert not any(root in mine[0].lower() for root in OBSCENE_ROOTS), mine[0]
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in posted), counts
    assert not emu.is_deleted(GROUP, calm["message_id"])
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not emu.calls_of("banChatMember", ok=None)


async def test_tg_raiders_with_three_messages_each_climb_their_own_ladder(
        crowd, emu, fake, clock) -> None:
    """Ten raiders each fire three obscene messages, interleaved, in the same minute (all
    sent before any sanction could land). The ladder is per member: each raider gets
    warning 1, then a 1h mute, then a 1d mute — three notices each, two restrictions each,
    with the right end dates — and nobody reaches the ban a shared count would give."""
    app = await crowd()
    raiders = RAIDERS[:10]
    async with RunningBot(app, fast_options(fake)):
        posted: dict[int, list[dict[str, Any]]] = {r: [] for r in raiders}
        for round_ in range(3):
            for raider in raiders:
                clock.advance(timedelta(seconds=1))
                posted[raider].append(emu.user_message(
                    GROUP, raider, RUDE[(raider + round_) % len(RUDE)] + f" #{round_}"))
        everything = [m for ms in posted.values() for m in ms]
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"])
                                       for m in everything)
                           and len(removal_notices(bot_texts(emu))) >= 30
                           and len(emu.calls_of("restrictChatMember")) >= 20,
                           timeout=30, what="thirty deletions, notices and twenty mutes")
        await tg_settle(emu)
    notices = removal_notices(bot_texts(emu))
    assert len(notices) == 30, notices
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in everything), counts
    for raider in raiders:
        mine = [t for t in notices if name_of(raider) in t]
        assert len(mine) == 3, (raider, mine)
        assert "Warning 1 of 4" in mine[0] and "Warning 2 of 4" in mine[1] \
            and "Warning 3 of 4" in mine[2], mine
        mutes = restricts(emu, raider)
        assert len(mutes) == 2, (raider, mutes)
        # a mute runs from when the bot acts (the fake clock stands still meanwhile)
        lengths = sorted(until(p) - int(clock.now().timestamp()) for p in mutes)
        assert abs(lengths[0] - 3600) <= 5 and abs(lengths[1] - 86400) <= 5, lengths
    assert not emu.calls_of("banChatMember", ok=None), "a raider was banned: shared ladder?"


async def tg_raid_under_429(crowd, emu: TelegramEmulator, fake: FakeTime, clock: FakeClock,
                            method: str) -> tuple[SendLog, list[dict[str, Any]]]:
    """Twelve raiders swear at once while Telegram answers 429 (retry_after 8) to the bot's
    first four calls of ``method`` in the group."""
    app = await crowd()
    log = SendLog(emu, fake)
    raiders = RAIDERS[:12]
    async with RunningBot(app, fast_options(fake)):
        await tg_settle(emu)
        emu.fail_next(method, 4, status=429, retry_after=8)
        posted = []
        for n, raider in enumerate(raiders):
            clock.advance(timedelta(seconds=2))
            posted.append(emu.user_message(GROUP, raider, RUDE[n % len(RUDE)]))
        await run_out(app, clock, fake, lambda: all(
            emu.is_deleted(GROUP, m["message_id"]) for m in posted)
            and len(removal_notices(bot_texts(emu))) >= len(raiders), step=timedelta(seconds=2))
        await tg_settle(emu)
    assert emu.calls_of(method, ok=False), "the 429s were never met"
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in posted), counts
    notices = removal_notices(bot_texts(emu))
    assert len(notices) == len(raiders), notices
    for raider in raiders:
        assert len([t for t in notices if name_of(raider) in t]) == 1, (raider, notices)
    return log, posted


async def test_tg_raid_notices_under_429_none_lost_none_doubled_retry_after_kept(
        crowd, emu, fake, clock) -> None:
    """Telegram answers 429 (retry after 8 s) to the raid's notices: every raider is still
    told once, and no notice is sent to the group before the 8 seconds have passed."""
    log, _posted = await tg_raid_under_429(crowd, emu, fake, clock, "sendMessage")
    assert log.violations(GROUP, "sendMessage", 8) == [], log.dump()


async def test_tg_raid_deletions_under_429_retry_after_kept(crowd, emu, fake, clock) -> None:
    """Telegram answers 429 (retry after 8 s) to the raid's first deletions. Every message is
    still deleted once — but README ("429 `retry_after` is honoured"; the pacer's own rule:
    "Telegram said 429: nothing more goes to that chat before `retry_after` passes") means
    the bot then stops deleting in the group for 8 seconds instead of firing the next
    deletions into the same flood wait (three more 429s, then eight deletions, all in the
    same instant; Telegram lengthens the wait of a bot that keeps hammering)."""
    log, _posted = await tg_raid_under_429(crowd, emu, fake, clock, "deleteMessage")
    assert log.violations(GROUP, "deleteMessage", 8) == [], log.dump()


async def test_tg_raid_delivered_twice_is_handled_once(crowd, emu, fake, clock) -> None:
    """Telegram delivers the raid's updates again (a confirmation lost on the way): every
    message is still one offence — deleted once, one notice, one step up the ladder."""
    app = await crowd()
    raiders = RAIDERS[:8]
    async with RunningBot(app, fast_options(fake)):
        posted = []
        for n, raider in enumerate(raiders):
            clock.advance(timedelta(seconds=2))
            posted.append(emu.user_message(GROUP, raider, RUDE[n % len(RUDE)]))
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in posted),
                           what="the raid deleted")
        for message in posted:
            emu.world.push("message", copy.deepcopy(message))
        emu._bump()
        await tg_settle(emu)
        await tg_settle(emu)
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in posted), counts
    notices = removal_notices(bot_texts(emu))
    assert len(notices) == len(raiders), notices
    assert all("Warning 1 of 4" in t for t in notices), notices
    assert not emu.calls_of("restrictChatMember", ok=None)


async def test_vk_raid_of_fifteen_each_message_deleted_once_each_raider_warned_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """The same raid in a VK chat: fifteen messages deleted once each, one notice per raider
    (their own warning 1 of 4), nothing else said in the chat, and the notices gone after
    `notice_ttl`."""
    calm = emulator.post_message(VK_CHAT, ASKERS[0], "Good evening everyone")
    posted = []
    for n, raider in enumerate(RAIDERS):
        clock.advance(timedelta(seconds=3))
        posted.append(emulator.post_message(VK_CHAT, raider, RUDE[n % len(RUDE)]))
    await emulator.wait_for(lambda: set(posted) <= set(vk_deleted(emulator))
                            and len(removal_notices(vk_said(emulator))) >= len(RAIDERS))
    await vk_settle(emulator)
    said_during_raid = vk_said(emulator)
    clock.advance(timedelta(minutes=3))
    await emulator.wait_for(lambda: not vk_live(emulator))
    notices = removal_notices(said_during_raid)
    assert len(said_during_raid) == len(RAIDERS) == len(notices), said_during_raid
    for raider in RAIDERS:
        mine = [t for t in notices if name_of(raider) in t]
        assert len(mine) == 1 and "Warning 1 of 4" in mine[0], (raider, mine)
        assert not any(root in mine[0].lower() for root in OBSCENE_ROOTS), mine[0]
    counts = vk_deleted(emulator)
    assert all(counts[c] == 1 for c in posted) and calm not in counts, counts
    assert not emulator.calls_to("messages.removeChatUser") and not emulator.calls_to("groups.ban")


async def test_vk_raiders_with_three_messages_each_climb_their_own_ladder(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Eight raiders, three obscene messages each, interleaved within a minute, on VK: each
    raider's warnings are their own (1, 2, 3 of 4), each is removed from the chat (VK has no
    mute), nobody is banned from the community, and every message is deleted once."""
    raiders = RAIDERS[:8]
    posted: dict[int, list[int]] = {r: [] for r in raiders}
    for round_ in range(3):
        for raider in raiders:
            clock.advance(timedelta(seconds=1))
            posted[raider].append(emulator.post_message(
                VK_CHAT, raider, RUDE[(raider + round_) % len(RUDE)] + f" #{round_}"))
    everything = [c for cs in posted.values() for c in cs]
    await emulator.wait_for(lambda: set(everything) <= set(vk_deleted(emulator))
                            and len(removal_notices(vk_said(emulator))) >= 24)
    await vk_settle(emulator)
    await vk_settle(emulator)
    notices = removal_notices(vk_said(emulator))
    assert len(notices) == 24, notices
    counts = vk_deleted(emulator)
    assert all(counts[c] == 1 for c in everything), counts
    for raider in raiders:
        mine = [t for t in notices if name_of(raider) in t]
        assert len(mine) == 3, (raider, mine)
        assert "Warning 1 of 4" in mine[0] and "Warning 2 of 4" in mine[1] \
            and "Warning 3 of 4" in mine[2], mine
        assert vk_removed(emulator, raider), raider
    assert not emulator.calls_to("groups.ban"), "a raider was banned: shared ladder?"


async def test_vk_raid_under_error_9_each_message_deleted_once_notices_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """VK answers error 9 (flood control) to the first deletions and notices of a twelve-
    raider raid, one of them after having sent it (a lost answer): the bot waits and tries
    again, and nothing is lost and nothing is doubled in the chat."""
    emulator.fail("messages.send", 9, times=1, after_effect=True)
    emulator.fail("messages.send", 9, times=3)
    emulator.fail("messages.delete", 9, times=4)
    raiders = RAIDERS[:12]
    posted = []
    for n, raider in enumerate(raiders):
        clock.advance(timedelta(seconds=2))
        posted.append(emulator.post_message(VK_CHAT, raider, RUDE[n % len(RUDE)]))
    # the chat's later notices wait behind the first one VK refused, so one send error and
    # the four deletions' come first; the rest when the clock runs on
    await emulator.wait_for(lambda: len([c for c in emulator.calls if c.error == 9]) >= 5)
    await vk_settle(emulator)
    await vk_run_out(vk, lambda: set(posted) <= set(vk_deleted(emulator))
                     and len(removal_notices(vk_said(emulator))) >= len(raiders))
    await vk_settle(emulator)
    notices = removal_notices(vk_said(emulator))
    assert len(notices) == len(raiders), notices
    for raider in raiders:
        assert len([t for t in notices if name_of(raider) in t]) == 1, (raider, notices)
    counts = vk_deleted(emulator)
    assert all(counts[c] == 1 for c in posted), counts


# ============================================================================================
# 2. The pile-on: eight members report the same message
# ============================================================================================

async def test_tg_eight_reports_on_one_message_one_card_each_reporter_acknowledged_once(
        crowd, emu, fake, clock) -> None:
    """Eight members report the same spam within a minute: one ticket, one card counting
    eight reports; each reporter gets exactly one acknowledgement with the number (the first
    "#1 has been sent", the others "added to ticket #1"); the bot says nothing else in the
    group, and the acknowledgements are gone after `ack_ttl` (1m)."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        reports = []
        for reporter in REPORTERS:
            clock.advance(timedelta(seconds=5))
            reports.append(emu.user_message(GROUP, reporter, "/report spam",
                                            reply_to=spam["message_id"]))
        await emu.wait_for(lambda: all(replies_to(emu, GROUP, m["message_id"]) for m in reports)
                           and cards(emu) and "reports: 8" in card_now(emu, cards(emu)[0]),
                           what="eight acknowledgements and the card counting eight")
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
        in_group = bot_texts(emu)
        clock.advance(timedelta(minutes=2))
        await emu.wait_for(lambda: not live_bot_messages(emu), what="the acks cleaned up")
    assert len(cards(emu)) == 1, [c["text"] for c in cards(emu)]
    card = card_now(emu, cards(emu)[0])
    assert card.startswith("Ticket #1") and name_of(SPAMMER) in card, card
    assert replies_to(emu, GROUP, reports[0]["message_id"]) == [render("complaints.ack", number=1)]
    for report in reports[1:]:
        assert replies_to(emu, GROUP, report["message_id"]) == [
            render("complaints.ack_merged", number=1)]
    assert len(in_group) == len(REPORTERS), in_group
    assert not emu.is_deleted(GROUP, spam["message_id"]), "a crowd of reports is not a verdict"
    assert not emu.calls_of("banChatMember", ok=None)


async def test_tg_ban_from_the_merged_card_tells_each_reporter_once(
        crowd, emu, fake, clock) -> None:
    """The eight-report ticket is settled with "Ban author": the spammer is banned once and
    the message deleted once; each of the three reporters who once wrote to the bot is told
    the outcome exactly once, and the queue hears, once each, which of the other five could
    not be told."""
    app = await crowd()
    reachable = REPORTERS[:3]
    async with RunningBot(app, fast_options(fake)):
        for reporter in reachable:
            emu.user_message(reporter, reporter, "/start")
        await emu.wait_for(lambda: all(emu.sent_texts(r) for r in reachable), what="greetings")
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        for reporter in REPORTERS:
            clock.advance(timedelta(seconds=5))
            emu.user_message(GROUP, reporter, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: cards(emu) and "reports: 8" in card_now(emu, cards(emu)[0]),
                           what="the card counting eight")
        card = copy.deepcopy(cards(emu)[0])
        emu.press(QUEUE, card["message_id"], ADMIN, button(card, "t:ban:"))
        outcome = render("complaints.outcome_resolved", number=1, note="")
        await emu.wait_for(lambda: all(outcome in emu.sent_texts(r) for r in reachable)
                           and len([t for t in bot_texts(emu, QUEUE)
                                    if "could not tell" in t]) >= 5,
                           what="the reporters told, the queue told about the rest")
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    assert len(bans(emu, SPAMMER)) == 1, bans(emu, SPAMMER)
    assert deletes(emu)[spam["message_id"]] == 1
    for reporter in reachable:
        assert emu.sent_texts(reporter).count(outcome) == 1, emu.sent_texts(reporter)
    not_told = [t for t in bot_texts(emu, QUEUE) if "could not tell" in t]
    for reporter in REPORTERS[3:]:
        assert len([t for t in not_told if name_of(reporter) in t]) == 1, (reporter, not_told)
    for reporter in reachable:
        assert not [t for t in not_told if name_of(reporter) in t], not_told
    assert "resolved" in card_now(emu, card)


async def test_tg_impatient_reporters_are_told_already_reported_once_then_silence(
        crowd, emu, fake, clock) -> None:
    """Eight members report the same message, each twice, three of them three times, within
    two minutes: the card still counts eight; each reporter gets one acknowledgement and one
    "already reported" (said once per `refusal_cooldown`), the third try gets nothing. Twenty
    reports in, sixteen bot messages in the group — never one per press."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        sent: dict[int, list[dict[str, Any]]] = {r: [] for r in REPORTERS}
        for attempt in range(3):
            for reporter in REPORTERS if attempt < 2 else REPORTERS[:3]:
                clock.advance(timedelta(seconds=3))
                sent[reporter].append(emu.user_message(GROUP, reporter, "/report spam!!",
                                                       reply_to=spam["message_id"]))
        await tg_settle(emu)
        await emu.wait_for(lambda: cards(emu) and "reports: 8" in card_now(emu, cards(emu)[0]),
                           what="the card counting eight")
        await tg_settle(emu, QUEUE)
    assert len(cards(emu)) == 1 and "reports: 8" in card_now(emu, cards(emu)[0])
    duplicate = render("complaints.ack_duplicate", number=1)
    for reporter, messages in sent.items():
        first, second, *third = messages
        assert len(replies_to(emu, GROUP, first["message_id"])) == 1, reporter
        assert replies_to(emu, GROUP, second["message_id"]) == [duplicate], reporter
        for late in third:
            assert replies_to(emu, GROUP, late["message_id"]) == [], reporter
    assert len(bot_texts(emu)) == 16, bot_texts(emu)


async def test_vk_eight_reports_on_one_message_one_card_each_acknowledged_once_then_told_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Eight members `!report` the same spam in a VK chat: one card counting eight, one
    acknowledgement each (cleaned up after `ack_ttl`), nothing else said in the chat; the
    moderator bans the author from the card: one community ban, the message deleted once,
    and each of the eight told the outcome once in private."""
    spam = emulator.post_message(VK_CHAT, SPAMMER, SPAM)
    reports = []
    for reporter in REPORTERS:
        clock.advance(timedelta(seconds=5))
        reports.append(emulator.post_message(VK_CHAT, reporter, "!report spam", reply_to=spam))
    await emulator.wait_for(lambda: all(vk_replies_to(emulator, VK_CHAT, c) for c in reports)
                            and vk_cards(emulator) and "reports: 8" in vk_cards(emulator)[0].text)
    await vk_settle(emulator)
    in_chat = vk_said(emulator)
    assert len(vk_cards(emulator)) == 1, [m.text for m in vk_cards(emulator)]
    assert vk_replies_to(emulator, VK_CHAT, reports[0]) == [render("complaints.ack", number=1)]
    for cmid in reports[1:]:
        assert vk_replies_to(emulator, VK_CHAT, cmid) == [
            render("complaints.ack_merged", number=1)]
    assert len(in_chat) == len(REPORTERS), in_chat
    card = vk_cards(emulator)[0]
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Ban"))
    outcome = render("complaints.outcome_resolved", number=1, note="")
    await emulator.wait_for(lambda: all(vk_said(emulator, r, outcome) for r in REPORTERS))
    clock.advance(timedelta(minutes=2))
    await emulator.wait_for(lambda: not vk_live(emulator))
    await vk_settle(emulator)
    for reporter in REPORTERS:
        assert vk_said(emulator, reporter) == [outcome], vk_said(emulator, reporter)
    assert [int(c.params["owner_id"]) for c in emulator.calls_to("groups.ban")] == [SPAMMER]
    assert vk_deleted(emulator)[spam] == 1


async def test_vk_impatient_reporters_are_told_already_reported_once_then_silence(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """The same impatience on VK: twenty `!report`s from eight members on one message, one
    card counting eight, sixteen bot messages in the chat."""
    spam = emulator.post_message(VK_CHAT, SPAMMER, SPAM)
    sent: dict[int, list[int]] = {r: [] for r in REPORTERS}
    for attempt in range(3):
        for reporter in REPORTERS if attempt < 2 else REPORTERS[:3]:
            clock.advance(timedelta(seconds=3))
            sent[reporter].append(emulator.post_message(VK_CHAT, reporter, "!report spam!!",
                                                        reply_to=spam))
    await emulator.wait_for(lambda: vk_cards(emulator) and "reports: 8" in
                            vk_cards(emulator)[0].text and len(vk_said(emulator)) >= 16)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert len(vk_cards(emulator)) == 1
    duplicate = render("complaints.ack_duplicate", number=1)
    for reporter, cmids in sent.items():
        first, second, *third = cmids
        assert len(vk_replies_to(emulator, VK_CHAT, first)) == 1, reporter
        assert vk_replies_to(emulator, VK_CHAT, second) == [duplicate], reporter
        for late in third:
            assert vk_replies_to(emulator, VK_CHAT, late) == [], reporter
    assert len(vk_said(emulator)) == 16, vk_said(emulator)


# ============================================================================================
# 3. One member reports everything
# ============================================================================================

async def test_tg_member_reporting_everything_files_five_then_is_told_once_then_silence(
        crowd, emu, fake, clock) -> None:
    """A member replies /report to twelve ordinary messages of twelve people over four
    minutes. `rate_limit` (5 per `rate_window`, 1h): five tickets and five acknowledgements,
    then "too many reports" once, then nothing; the queue gets five cards, not twelve. An
    hour later their next report is filed again, as #6."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        chatter = [emu.user_message(GROUP, author, f"Nice weather today, part {n}")
                   for n, author in enumerate(ASKERS + REPORTERS[:2])]
        reports = []
        for message in chatter:
            clock.advance(timedelta(seconds=20))
            reports.append(emu.user_message(GROUP, ZEALOT, "/report",
                                            reply_to=message["message_id"]))
        await tg_settle(emu)
        await emu.wait_for(lambda: len(cards(emu)) >= 5, what="five cards")
        await tg_settle(emu, QUEUE)
        burst_said = bot_texts(emu)
        burst_cards = len(cards(emu))
        clock.advance(timedelta(hours=1))
        later = emu.user_message(GROUP, ZEALOT, "/report", reply_to=chatter[-1]["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, later["message_id"]),
                           what="the report an hour later answered")
        await emu.wait_for(lambda: len(cards(emu)) >= 6, what="the sixth card")
    answers = [replies_to(emu, GROUP, m["message_id"]) for m in reports]
    assert answers[:5] == [[render("complaints.ack", number=n)] for n in range(1, 6)], answers
    assert answers[5] == [render("complaints.rate_limited")], answers
    assert all(a == [] for a in answers[6:]), answers
    assert burst_cards == 5 and len(burst_said) == 6, (burst_cards, burst_said)
    assert replies_to(emu, GROUP, later["message_id"]) == [render("complaints.ack", number=6)]


async def test_tg_reporter_marked_abusive_cannot_make_the_bot_flood_the_group(
        crowd, emu, fake, clock) -> None:
    """The moderators mark the member who reports everything with `/abuse 1`; they go on,
    twelve more /reports over four minutes. No ticket is filed (README: "/abuse 17 makes the
    bot ignore that reporter"), and ignoring them must not hand them what the rate limit
    takes from everyone else: a member not marked gets at most `rate_limit` (5) answers and
    one "too many reports" an hour ("thirty repeats of a report must not become thirty
    messages in the group"). Here every /report gets its own "Thank you, your report has
    been noted." in the group."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, ASKERS[0], "Nice weather today")
        emu.user_message(GROUP, ZEALOT, "/report", reply_to=first["message_id"])
        await emu.wait_for(lambda: cards(emu), what="the first card")
        abuse = emu.user_message(QUEUE, ADMIN, "/abuse 1")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, abuse["message_id"]),
                           what="the /abuse answer")
        before = len(bot_texts(emu))
        chatter = [emu.user_message(GROUP, author, f"Nice weather today, part {n}")
                   for n, author in enumerate(ASKERS[1:] + REPORTERS[:3])]
        for message in chatter:
            clock.advance(timedelta(seconds=20))
            emu.user_message(GROUP, ZEALOT, "/report", reply_to=message["message_id"])
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    assert len(cards(emu)) == 1, "an ignored reporter filed a ticket"
    answers = bot_texts(emu)[before:]
    assert len(answers) <= 6, answers


async def test_vk_member_reporting_everything_files_five_then_is_told_once_then_silence(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """The same member on VK, `!report` on twelve messages over four minutes: five cards,
    five acknowledgements, one "too many reports", then silence."""
    chatter = [emulator.post_message(VK_CHAT, author, f"Nice weather today, part {n}")
               for n, author in enumerate(ASKERS + REPORTERS[:2])]
    reports = []
    for cmid in chatter:
        clock.advance(timedelta(seconds=20))
        reports.append(emulator.post_message(VK_CHAT, ZEALOT, "!report", reply_to=cmid))
    await emulator.wait_for(lambda: len(vk_cards(emulator)) >= 5 and len(vk_said(emulator)) >= 6)
    await vk_settle(emulator)
    await vk_settle(emulator)
    answers = [vk_replies_to(emulator, VK_CHAT, c) for c in reports]
    assert answers[:5] == [[render("complaints.ack", number=n)] for n in range(1, 6)], answers
    assert answers[5] == [render("complaints.rate_limited")], answers
    assert all(a == [] for a in answers[6:]), answers
    assert len(vk_cards(emulator)) == 5 and len(vk_said(emulator)) == 6, vk_said(emulator)


# ============================================================================================
# 4. The same FAQ question from many members within minutes
# ============================================================================================

async def test_tg_many_members_ask_the_same_question_answer_once_then_pointers_that_clean_up(
        crowd, emu, fake, clock) -> None:
    """Ten members ask how to pay, in their own spelling, over ten minutes. The answer is
    posted once, in reply to the first; every later asker gets exactly one short pointer
    naming them, in reply to that answer (README: "points to its earlier answer instead"),
    and the pointers are gone after `notice_ttl`. The answer text appears in the group once."""
    app = await crowd(faq=True)
    pointer = {a: render("faq.answered_above", who=name_of(a)) for a in ASKERS}
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, ASKERS[0], PAY_QUESTIONS[0])
        await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]),
                           what="the answer")
        for n, asker in enumerate(ASKERS[1:], start=1):
            clock.advance(timedelta(minutes=1))
            emu.user_message(GROUP, asker, PAY_QUESTIONS[n % len(PAY_QUESTIONS)])
            await emu.wait_for(lambda a=asker: pointer[a] in bot_texts(emu),
                               what=f"the pointer for asker {n}")
        await tg_settle(emu)
        sends = [c for c in emu.calls_of("sendMessage") if c.result["chat"]["id"] == GROUP
                 and c.result.get("text") not in HELPS]
        clock.advance(timedelta(minutes=3))
        await emu.wait_for(lambda: live_bot_messages(emu) == [ANSWER],
                           what="only the answer left in the group")
    answers = [c.result for c in sends if c.result.get("text") == ANSWER]
    assert len(answers) == 1, [c.result.get("text") for c in sends]
    assert replies_to(emu, GROUP, first["message_id"]) == [ANSWER]
    pointers = [c for c in sends if c.result.get("text") != ANSWER]
    assert [c.result["text"] for c in pointers] == [pointer[a] for a in ASKERS[1:]], \
        [c.result["text"] for c in pointers]
    assert all((c.params.get("reply_parameters") or {}).get("message_id")
               == answers[0]["message_id"] for c in pointers), [c.params for c in pointers]


async def test_vk_many_members_ask_the_same_question_answer_once_until_the_window_ends(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Ten members ask how to pay in a VK chat over ten minutes: the answer once; each later
    asker one pointer naming them, cleaned up after `notice_ttl`. Half an hour after the
    answer (`repeat_window`) the next asker gets the answer itself again, once."""
    pointer = {a: render("faq.answered_above", who=f"{name_of(a)} Crowd") for a in ASKERS}
    first = emulator.post_message(VK_CHAT, ASKERS[0], PAY_QUESTIONS[0])
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, ANSWER))
    for n, asker in enumerate(ASKERS[1:], start=1):
        clock.advance(timedelta(minutes=1))
        emulator.post_message(VK_CHAT, asker, PAY_QUESTIONS[n % len(PAY_QUESTIONS)])
        await emulator.wait_for(lambda a=asker: pointer[a] in vk_said(emulator))
    await vk_settle(emulator)
    during = vk_said(emulator)
    clock.advance(timedelta(minutes=3))
    await emulator.wait_for(lambda: vk_live(emulator) == [ANSWER])
    assert during == [ANSWER, *(pointer[a] for a in ASKERS[1:])], during
    assert vk_replies_to(emulator, VK_CHAT, first) == [ANSWER]
    clock.advance(timedelta(minutes=20))  # 32 minutes after the answer
    late = emulator.post_message(VK_CHAT, REPORTERS[0], PAY_QUESTIONS[3])
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_CHAT, late))
    await vk_settle(emulator)
    assert vk_replies_to(emulator, VK_CHAT, late) == [ANSWER]
    assert vk_said(emulator, VK_CHAT, ANSWER) == [ANSWER, ANSWER]


async def test_tg_askers_during_a_429_get_one_answer_and_no_pointer_before_it(
        crowd, emu, fake, clock) -> None:
    """Telegram answers 429 (retry after 10 s) to the FAQ answer; three more members ask the
    same within those seconds. The answer goes out once when the wait is over, and no
    "I answered this a moment ago ↑" reaches the group before the answer it points to."""
    app = await crowd(faq=True)
    async with RunningBot(app, fast_options(fake)):
        await tg_settle(emu)
        emu.fail_next("sendMessage", 1, status=429, retry_after=10)
        first = emu.user_message(GROUP, ASKERS[0], PAY_QUESTIONS[0])
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="the 429")
        for n, asker in enumerate(ASKERS[1:4], start=1):
            clock.advance(timedelta(seconds=2))
            emu.user_message(GROUP, asker, PAY_QUESTIONS[n])
        await run_out(app, clock, fake, lambda: len(bot_texts(emu)) >= 4,
                      step=timedelta(seconds=2))
        await tg_settle(emu)
    said = bot_texts(emu)
    assert said.count(ANSWER) == 1, said
    assert said[0] == ANSWER, said
    assert replies_to(emu, GROUP, first["message_id"]) == [ANSWER]
    assert sorted(said[1:]) == sorted(render("faq.answered_above", who=name_of(a))
                                      for a in ASKERS[1:4]), said


async def test_vk_askers_during_error_9_get_one_answer_and_no_pointer_before_it(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """VK answers error 9 to the FAQ answer; three more members ask the same question a few
    seconds later. The answer goes out once, after VK's wait, and the chat never reads
    "I answered this a moment ago ↑" before the answer is there (the bot takes care that a
    pointer never points at nothing: an answer a moderator deleted is sent again): the chat's
    later messages wait behind the one VK made wait."""
    emulator.fail("messages.send", 9, times=1)
    first = emulator.post_message(VK_CHAT, ASKERS[0], PAY_QUESTIONS[0])
    await emulator.wait_for(lambda: [c for c in emulator.calls if c.error == 9])
    for n, asker in enumerate(ASKERS[1:4], start=1):
        clock.advance(timedelta(seconds=2))
        emulator.post_message(VK_CHAT, asker, PAY_QUESTIONS[n])
    await vk_settle(emulator)
    await vk_run_out(vk, lambda: len(vk_said(emulator)) >= 4)
    await vk_settle(emulator)
    said = vk_said(emulator)
    assert said.count(ANSWER) == 1, said
    assert vk_replies_to(emulator, VK_CHAT, first) == [ANSWER]
    assert said[0] == ANSWER, said


# ============================================================================================
# 5. Thirty tickets in a burst
# ============================================================================================

BURST_AUTHORS = tuple(range(7001, 7031))
BURST_REPORTERS = tuple(range(7101, 7131))


def offer(n: int) -> str:
    return f"Cheap followers, offer no. {n:02d}, write me"


def numbers_by_offer(texts: list[str]) -> dict[int, list[int]]:
    """For each offer, the ticket numbers of the cards showing it."""
    out: dict[int, list[int]] = {}
    for text in texts:
        match = re.search(r"offer no\. (\d\d)", text)
        assert match, text
        out.setdefault(int(match.group(1)), []).append(card_number(text))
    return out


async def tg_thirty_reports(crowd, emu: TelegramEmulator, fake: FakeTime, clock: FakeClock
                            ) -> tuple[SendLog, dict[int, dict[str, Any]]]:
    """Thirty members each report a different spam message within a minute, while Telegram
    answers 429 (retry after 7 s) to the first three sends; returns the send log and each
    offer's /report."""
    app = await crowd()
    log = SendLog(emu, fake)
    for uid in (*BURST_AUTHORS, *BURST_REPORTERS):
        emu.world.user(uid, f"Member{uid}")
    async with RunningBot(app, fast_options(fake)):
        await tg_settle(emu, QUEUE)
        emu.fail_next("sendMessage", 3, status=429, retry_after=7)
        reports = {}
        for n, (author, reporter) in enumerate(zip(BURST_AUTHORS, BURST_REPORTERS, strict=True)):
            clock.advance(timedelta(seconds=2))
            spam = emu.user_message(GROUP, author, offer(n))
            reports[n] = emu.user_message(GROUP, reporter, "/report spam",
                                          reply_to=spam["message_id"])
        await run_out(app, clock, fake, lambda: len(cards(emu)) >= 30 and all(
            replies_to(emu, GROUP, m["message_id"]) for m in reports.values()),
            step=timedelta(seconds=2))
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    assert emu.calls_of("sendMessage", ok=False), "the 429s were never met"
    return log, reports


async def test_tg_thirty_tickets_in_a_burst_each_card_once_and_each_reporter_gets_its_number(
        crowd, emu, fake, clock) -> None:
    """Thirty reports on thirty messages within a minute, with 429s: the queue gets thirty
    cards, #1 … #30, each once; every reporter's acknowledgement carries the number of the
    card showing the message they reported; and after each 429 the bot waits the 7 seconds
    in that chat."""
    log, reports = await tg_thirty_reports(crowd, emu, fake, clock)
    texts = [c["text"] for c in cards(emu)]
    assert sorted(card_number(t) for t in texts) == list(range(1, 31)), texts
    by_offer = numbers_by_offer(texts)
    assert all(len(v) == 1 for v in by_offer.values()) and len(by_offer) == 30, by_offer
    for n, report in reports.items():
        assert replies_to(emu, GROUP, report["message_id"]) == [
            render("complaints.ack", number=by_offer[n][0])], n
    for chat in (GROUP, QUEUE):
        assert log.violations(chat, "sendMessage", 7) == [], log.dump()


async def test_tg_thirty_tickets_in_a_burst_reach_the_queue_in_their_order(
        crowd, emu, fake, clock) -> None:
    """The same burst, read by the moderators top to bottom: the queue should show #1 … #30
    in order, as /queue lists them ("oldest first") and as README promises for a chat's posts
    ("while one waits for a retry, the later ones for that chat wait behind it"). Cards #1
    and #2 met the 429s; the pace slots went to #3 … #30 meanwhile, so the two oldest
    reports arrive last, below #30, about a minute and a half later."""
    await tg_thirty_reports(crowd, emu, fake, clock)
    order = [card_number(c["text"]) for c in cards(emu)]
    assert order == list(range(1, 31)), order


async def test_tg_thirty_unclaimed_tickets_reannounced_once_each_and_listed_oldest_first(
        crowd, emu, fake, clock, tmp_path: Path) -> None:
    """Nobody claims the thirty tickets. Past the SLA (30m) each is re-announced exactly
    once (never twice, however long it waits); `/queue` lists them oldest first and ends
    with "…and 5 more"; `modbot queue` prints all thirty for the owner."""
    app = await crowd()
    for uid in (*BURST_AUTHORS, *BURST_REPORTERS):
        emu.world.user(uid, f"Member{uid}")
    async with RunningBot(app, fast_options(fake)):
        for n, (author, reporter) in enumerate(zip(BURST_AUTHORS, BURST_REPORTERS, strict=True)):
            clock.advance(timedelta(seconds=2))
            spam = emu.user_message(GROUP, author, offer(n))
            emu.user_message(GROUP, reporter, "/report spam", reply_to=spam["message_id"])
        await run_out(app, clock, fake, lambda: len(cards(emu)) >= 30)
        clock.advance(timedelta(minutes=31))
        await run_out(app, clock, fake, lambda: len(
            [t for t in bot_texts(emu, QUEUE) if t.startswith("⏰")]) >= 30)
        clock.advance(timedelta(minutes=31))
        await app.pipeline.tick()  # a second look past the SLA: nothing is due again
        listing = emu.user_message(QUEUE, ADMIN, "/queue")
        await run_out(app, clock, fake, lambda: replies_to(emu, QUEUE, listing["message_id"]))
        await tg_settle(emu, QUEUE)
    reminders = Counter(card_number(t) for t in bot_texts(emu, QUEUE) if t.startswith("⏰"))
    assert sorted(reminders) == list(range(1, 31)) and set(reminders.values()) == {1}, reminders
    (answer,) = replies_to(emu, QUEUE, listing["message_id"])
    lines = answer.splitlines()
    assert lines[0] == "Open tickets: 30, oldest first", lines[0]
    shown = [int(m.group(1)) for line in lines if (m := re.match(r"#(\d+) ·", line))]
    assert shown == list(range(1, len(shown) + 1)), shown
    assert lines[-1] == f"…and {30 - len(shown)} more.", lines[-1]
    done = await asyncio.to_thread(subprocess.run, [
        sys.executable, "-m", "bot", "queue", "--config", str(tmp_path / "config.toml"),
        "--community", "demo"], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    listed = {int(n) for n in re.findall(r"#(\d+)", done.stdout)}
    assert listed == set(range(1, 31)), done.stdout


async def test_vk_thirty_tickets_in_a_burst_under_error_9_each_card_once_with_its_number(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Thirty `!report`s on thirty messages within a minute in a VK chat while VK answers
    error 9 to a few sends (one after having sent it): thirty cards in the VK queue, #1 …
    #30, each once, and each reporter acknowledged once with the number of their card."""
    emulator.add_members(VK_CHAT, *BURST_AUTHORS, *BURST_REPORTERS)
    emulator.fail("messages.send", 9, times=1, after_effect=True)
    emulator.fail("messages.send", 9, times=2)
    reports = {}
    for n, (author, reporter) in enumerate(zip(BURST_AUTHORS, BURST_REPORTERS, strict=True)):
        clock.advance(timedelta(seconds=2))
        spam = emulator.post_message(VK_CHAT, author, offer(n))
        reports[n] = emulator.post_message(VK_CHAT, reporter, "!report spam", reply_to=spam)
    await emulator.wait_for(lambda: [c for c in emulator.calls if c.error == 9])
    await vk_settle(emulator)
    await vk_run_out(vk, lambda: len(vk_cards(emulator)) >= 30 and all(
        vk_replies_to(emulator, VK_CHAT, c) for c in reports.values()))
    await vk_settle(emulator)
    texts = [m.text for m in vk_cards(emulator)]
    assert sorted(card_number(t) for t in texts) == list(range(1, 31)), texts
    by_offer = numbers_by_offer(texts)
    assert all(len(v) == 1 for v in by_offer.values()) and len(by_offer) == 30, by_offer
    for n, cmid in reports.items():
        assert vk_replies_to(emulator, VK_CHAT, cmid) == [
            render("complaints.ack", number=by_offer[n][0])], n


# ============================================================================================
# 6. One community on both networks, hit at once
# ============================================================================================

@pytest.fixture
async def both(tmp_path: Path, emu: TelegramEmulator, emulator: VkEmulator,
               clock: FakeClock) -> AsyncIterator[Any]:
    """One `modbot run`-like App with both adapters: the community's Telegram group -1001
    and VK chat 2000000001, its queue the Telegram chat -2002, the FAQ above."""
    from test_qa24_cross_queue import Bot

    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    emulator.add_members(VK_CHAT, *RAIDERS, *ASKERS)
    for uid in (*RAIDERS, *ASKERS):
        emu.world.user(uid, name_of(uid))
        emulator.real_names[uid] = (name_of(uid), "VK")
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{emu.token}"
        api_base = "{emu.api_base}"
        poll_timeout = 1

        [vk]
        token = "{emulator.token}"
        user_token = "{emulator.user_token}"
        group_id = {emulator.group_id}
        api_base = "{emulator.api_base}"
        poll_wait = 1

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        faq = "faq.toml"
        chats = ["telegram:{GROUP}", "vk:{VK_CHAT}"]
        moderators = ["telegram:{LISTED_MODERATOR}", "vk:{VK_MOD}"]
        queue = "telegram:{QUEUE}"
        """), encoding="utf-8")
    running = Bot(path, clock, emu, emulator, instance="qa47-both")
    await running.start()
    try:
        yield running
    finally:
        await running.stop()


async def test_both_networks_raided_at_once_same_numeric_ids_are_different_people(
        both, emu, emulator, clock) -> None:
    """Six Telegram accounts and six VK accounts with the same numeric ids swear at the same
    moment in the community's group and VK chat. They are twelve people: each gets their own
    warning 1 of 4. Then only the Telegram six swear again — they are muted for an hour,
    their VK namesakes are left alone; when the VK six swear again, theirs is warning 2, not
    3 (README: warnings count across the community's chats — of one member)."""
    raiders = RAIDERS[:6]
    tg_posts, vk_posts = [], []
    for n, raider in enumerate(raiders):
        clock.advance(timedelta(seconds=2))
        tg_posts.append(emu.user_message(GROUP, raider, RUDE[n % len(RUDE)]))
        vk_posts.append(emulator.post_message(VK_CHAT, raider, RUDE[(n + 3) % len(RUDE)]))
    await emu.wait_for(lambda: len(removal_notices(bot_texts(emu))) >= 6
                       and len(removal_notices(vk_said(emulator))) >= 6, timeout=30,
                       what="twelve notices")
    for n, raider in enumerate(raiders):
        clock.advance(timedelta(seconds=2))
        tg_posts.append(emu.user_message(GROUP, raider, RUDE[(n + 1) % len(RUDE)] + "!"))
    await emu.wait_for(lambda: len(removal_notices(bot_texts(emu))) >= 12, timeout=30,
                       what="the Telegram six's second notices")
    for n, raider in enumerate(raiders):
        clock.advance(timedelta(seconds=2))
        vk_posts.append(emulator.post_message(VK_CHAT, raider, RUDE[(n + 4) % len(RUDE)] + "!"))
    await emulator.wait_for(lambda: len(removal_notices(vk_said(emulator))) >= 12)
    await vk_settle(emulator)
    await tg_settle(emu)
    tg_notices = removal_notices(bot_texts(emu))
    vk_notices = removal_notices(vk_said(emulator))
    assert len(tg_notices) == 12 and len(vk_notices) == 12, (tg_notices, vk_notices)
    for raider in raiders:
        tg_mine = [t for t in tg_notices if name_of(raider) in t]
        vk_mine = [t for t in vk_notices if name_of(raider) in t]
        assert ["Warning 1 of 4" in tg_mine[0], "Warning 2 of 4" in tg_mine[1]] == [True, True], \
            tg_mine
        assert ["Warning 1 of 4" in vk_mine[0], "Warning 2 of 4" in vk_mine[1]] == [True, True], \
            vk_mine
        assert len(restricts(emu, raider)) == 1, restricts(emu, raider)
        assert len(vk_removed(emulator, raider)) == 1, raider
    assert all(deletes(emu)[m["message_id"]] == 1 for m in tg_posts), deletes(emu)
    assert all(vk_deleted(emulator)[c] == 1 for c in vk_posts), vk_deleted(emulator)


async def test_both_networks_asked_the_same_question_at_once_each_chat_answered_once(
        both, emu, emulator, clock) -> None:
    """Five members in the Telegram group and five in the VK chat ask how to pay within the
    same two minutes: each chat reads the answer once (the window is per chat) and a pointer
    for each later asker there; nobody gets two replies."""
    tg_asked, vk_asked = [], []
    for n, asker in enumerate(ASKERS[:5]):
        clock.advance(timedelta(seconds=20))
        tg_asked.append(emu.user_message(GROUP, asker, PAY_QUESTIONS[n]))
        vk_asked.append(emulator.post_message(VK_CHAT, asker + 100, PAY_QUESTIONS[-1 - n]))
    await emu.wait_for(lambda: len(bot_texts(emu)) >= 5 and len(vk_said(emulator)) >= 5,
                       timeout=30, what="five replies in each chat")
    await vk_settle(emulator)
    await tg_settle(emu)
    assert bot_texts(emu).count(ANSWER) == 1 and len(bot_texts(emu)) == 5, bot_texts(emu)
    assert vk_said(emulator).count(ANSWER) == 1 and len(vk_said(emulator)) == 5, \
        vk_said(emulator)
    assert replies_to(emu, GROUP, tg_asked[0]["message_id"]) == [ANSWER]
    assert vk_replies_to(emulator, VK_CHAT, vk_asked[0]) == [ANSWER]


# ============================================================================================
# 7. The VK wall: a raid and a pile-on under one post
# ============================================================================================

def wall_comments_by_bot(emulator: VkEmulator, *, live: bool = False) -> list[dict[str, Any]]:
    return [c for c in emulator.comments.values() if c["from_id"] == -emulator.group_id
            and not (live and c["deleted"])]


async def test_vk_wall_raid_under_one_post_each_comment_deleted_once_each_commenter_warned_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Ten fresh accounts swear in the comments under one post within a minute: each comment
    is deleted once, each commenter gets exactly one warning (naming them as a VK link, their
    own warning 1 of 4), and the warnings are gone from under the post after `notice_ttl`."""
    raiders = RAIDERS[:10]
    posted = []
    for n, raider in enumerate(raiders):
        clock.advance(timedelta(seconds=4))
        posted.append(emulator.post_comment(77, raider, RUDE[n % len(RUDE)]))
    await emulator.wait_for(lambda: all(emulator.comments[c]["deleted"] for c in posted)
                            and len(wall_comments_by_bot(emulator)) >= len(raiders))
    await vk_settle(emulator)
    warnings = [c["text"] for c in wall_comments_by_bot(emulator)]
    clock.advance(timedelta(minutes=3))
    await emulator.wait_for(lambda: not wall_comments_by_bot(emulator, live=True))
    assert len(warnings) == len(raiders), warnings
    for raider in raiders:
        mine = [t for t in warnings if f"[id{raider}|" in t]
        assert len(mine) == 1 and "Warning 1 of 4" in mine[0], (raider, warnings)
    deleted = Counter(int(c.params["comment_id"]) for c in emulator.calls_to("wall.deleteComment"))
    assert all(deleted[c] == 1 for c in posted), deleted
    assert not emulator.calls_to("groups.ban")


async def test_vk_wall_pile_on_under_one_post_answer_once_each_post_its_own(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Six commenters ask how to pay under the same post within five minutes: one answer
    comment (in reply to the first), a pointer for each of the others that cleans itself up;
    a commenter under another post gets the answer there (each post's comments are their
    own conversation)."""
    asked = []
    for n, asker in enumerate(ASKERS[:6]):
        clock.advance(timedelta(minutes=1))
        asked.append(emulator.post_comment(77, asker, PAY_QUESTIONS[n % len(PAY_QUESTIONS)]))
        await emulator.wait_for(lambda n=n: len(wall_comments_by_bot(emulator)) >= n + 1)
    other = emulator.post_comment(78, ASKERS[6], PAY_QUESTIONS[0])
    await emulator.wait_for(lambda: len(wall_comments_by_bot(emulator)) >= 7)
    await vk_settle(emulator)
    under_77 = [c for c in wall_comments_by_bot(emulator) if c["post_id"] == 77]
    under_78 = [c for c in wall_comments_by_bot(emulator) if c["post_id"] == 78]
    assert [c["text"] for c in under_77].count(ANSWER) == 1 and len(under_77) == 6, under_77
    assert under_77[0]["text"] == ANSWER and str(under_77[0]["reply_to_comment"]) == str(asked[0])
    assert [c["text"] for c in under_78] == [ANSWER], under_78
    assert str(under_78[0]["reply_to_comment"]) == str(other)
    clock.advance(timedelta(minutes=3))
    await emulator.wait_for(lambda: [c["text"] for c in wall_comments_by_bot(emulator, live=True)]
                            == [ANSWER, ANSWER])


async def test_tg_member_spamming_bare_report_cannot_make_the_bot_flood_the_group(
        crowd, emu, fake, clock) -> None:
    """A member sends "/report" twelve times in a minute without replying to anything (and
    then on their own message). README: a member's commands are answered at most 5 a minute
    ("/help ×30 neither spams the chat nor holds up moderation"), and the report refusals
    are said once per `refusal_cooldown` — "thirty repeats of a report must not become
    thirty messages in the group". /report is exempt from the five-a-minute budget so that
    real reports are never dropped; but these file nothing, and each gets its own "reply to
    a message" answer: twelve in a minute, then twelve "you cannot report your own message"."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        for _ in range(12):
            clock.advance(timedelta(seconds=4))
            emu.user_message(GROUP, ZEALOT, "/report")
        own = emu.user_message(GROUP, ZEALOT, "hello all")
        for _ in range(12):
            clock.advance(timedelta(seconds=4))
            emu.user_message(GROUP, ZEALOT, "/report", reply_to=own["message_id"])
        await tg_settle(emu)
    assert not cards(emu)
    said = bot_texts(emu)
    assert said.count(render("complaints.report_usage")) <= 5, said
    assert said.count(render("complaints.report_own")) <= 5, said


async def test_tg_eight_members_calling_admins_under_one_message_merge_into_one_ticket(
        crowd, emu, fake, clock) -> None:
    """As in Rose, members answer spam with "@admin" instead of /report; eight do so within
    a minute. README: a reply that calls @admin or @admins is a report, the rest of the
    message its reason. One card counting eight; each caller one acknowledgement."""
    app = await crowd()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        calls = []
        for n, reporter in enumerate(REPORTERS):
            clock.advance(timedelta(seconds=5))
            text = "@admin spam again" if n % 2 else "@admins look at this scam"
            calls.append(emu.user_message(GROUP, reporter, text, reply_to=spam["message_id"]))
        await emu.wait_for(lambda: all(replies_to(emu, GROUP, m["message_id"]) for m in calls)
                           and cards(emu) and "reports: 8" in card_now(emu, cards(emu)[0]),
                           what="eight acknowledgements and one card counting eight")
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    assert len(cards(emu)) == 1
    assert replies_to(emu, GROUP, calls[0]["message_id"]) == [render("complaints.ack", number=1)]
    for message in calls[1:]:
        assert replies_to(emu, GROUP, message["message_id"]) == [
            render("complaints.ack_merged", number=1)]
    assert len(bot_texts(emu)) == len(REPORTERS), bot_texts(emu)


async def test_vk_raid_delivered_twice_by_the_long_poll_is_handled_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """VK's long poll hands the raid's events out again (the same event ids, as after a
    reconnect): each message is still deleted once and each raider warned once."""
    raiders = RAIDERS[:8]
    posted = []
    for n, raider in enumerate(raiders):
        clock.advance(timedelta(seconds=2))
        posted.append(emulator.post_message(VK_CHAT, raider, RUDE[n % len(RUDE)]))
    await emulator.wait_for(lambda: set(posted) <= set(vk_deleted(emulator))
                            and len(removal_notices(vk_said(emulator))) >= len(raiders))
    again = [copy.deepcopy(u) for u in emulator.updates if u["type"] == "message_new"
             and u["object"]["message"]["conversation_message_id"] in posted]
    assert len(again) == len(raiders)
    for update in again:
        emulator.updates.append(update)
    emulator._wake()
    await vk_settle(emulator)
    await vk_settle(emulator)
    counts = vk_deleted(emulator)
    assert all(counts[c] == 1 for c in posted), counts
    notices = removal_notices(vk_said(emulator))
    assert len(notices) == len(raiders), notices
    assert all("Warning 1 of 4" in t for t in notices), notices
    assert not emulator.calls_to("messages.removeChatUser")
