"""QA round 65: many chats at once under long polling (Telegram getUpdates, VK Bots Long Poll).

An owner with several busy chats, one bot. README ("Telegram and VK"): delivery runs in
per-chat lanes, "so a slow Bot API call or a paced chat holds up no other chat's deletes
already decided"; with long polling "the next batch of updates is read once this batch's
actions are out or after 2 s at most"; "a chat reads the bot's messages in order: while one
waits for a retry (a 429, VK's error 9) the later ones to that chat wait behind it (the FAQ
answer before "answered above ↑", card #1 before #3)"; "Button presses are answered before
the card edits waiting for the queue chat's pace"; and (Architecture) "SIGTERM finishes the
message being sent and exits; a backlog still waiting on a group's pacing stays in the outbox
for the next start". VK calls for different chats run side by side (handlers/vk/api.py).

What a Rose / Combot / tg-spam user expects, and what each test asserts:

- a raid in one group, its notices paced at ≈20 a minute, or a 429 there, does not slow the
  moderation of another group: its swear word is deleted and its member warned at once;
- in each chat the bot's messages keep their order (warning before the mute notice, the FAQ
  answer before "answered above ↑", card #1 before card #2);
- the queue's cards and button answers stay prompt while a group is paced;
- a moderator's command in one chat and a member's swear word in another, read in one
  batch, both take effect;
- VK calls for different chats are not serialised behind a slow one;
- a stop (what SIGTERM does in `modbot run`) or a kill in the middle of a backlog, then a
  start: every message once, none lost, none doubled, still in order.

The real adapters run in-process against tests/tg_emulator and tests/vk_emulator (subclassed
here only to fail or hold calls to ONE chat). Time is injected: the bot's FakeClock, and for
Telegram the runner's monotonic time. `ManualTime` is that monotonic time moved on only by the
test, so a pace wait really waits (in its own chat's lane) until the test lets it pass; no
sleeps for timing.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    QUEUE,
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.methods import ApiError
from tg_emulator.server import _error, _read_params
from tg_emulator.wire import wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_A
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import after_crash, vk_config_text, write_vk_config
from vk_emulator.server import Call as VkCall
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock

# --------------------------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------------------------

A = -1001  # the busy group (raided, flooded, told to wait)
B = -1003  # another group of the same community
VK_B = 2_000_000_003  # the community's second VK chat

RAIDERS = tuple(range(4701, 4713))  # twelve fresh accounts
MEMBER_B = 5222  # an ordinary member of group B
ASKERS = (6701, 6702, 6703)
REPORTER = 5301
SPAMMER = 5401
SPAMMER_B = 5402
VICTIM = 5501  # the member a moderator acts on

RUDE = ("this is fucking ridiculous", "shut up you fucking idiot", "fuck this chat",
        "ты хуйло ебаное", "ну ты и пиздабол", "иди нахуй со своими правилами",
        "Блядь, ну кто так строит?")
SWEAR = "ну ты и пиздец"
SPAM = "Easy money 5000$ a day, no investment! DM me t.me/easy_money_24"
REMOVED = "your message was removed"

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
QUESTION = "How do I pay for the course?"


@pytest.fixture
def clock() -> FakeClock:
    # Telegram reads until_date against the wall clock: the bot's clock runs near the present
    return wall_clock()


def name_of(uid: int) -> str:
    return f"Raider{uid}" if uid in RAIDERS else f"Member{uid}"


# --------------------------------------------------------------------------------------------
# Injected time
# --------------------------------------------------------------------------------------------

class ManualTime:
    """The Telegram runner's monotonic time and sleeper, moved on only by the test.

    A pace wait (Telegram's ≈20 messages a minute per group) really waits, in its own chat's
    lane, until the test advances time past its end; other lanes go on meanwhile."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []
        self.waiting = 0
        self._changed = asyncio.Event()

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        end = self.now + max(seconds, 0.0)
        self.waiting += 1
        try:
            while self.now < end - 1e-9 and not self.free:
                await self._changed.wait()
        finally:
            self.waiting -= 1
        await asyncio.sleep(0)

    def advance(self, seconds: float) -> None:
        self.now += seconds
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def free_run(self) -> None:
        """From now on every wait passes at once (the test is over: nothing may hang)."""
        self.free = True
        self.advance(24 * 3600.0)

    free = False


@contextlib.asynccontextmanager
async def paced_bot(app: App, time: ManualTime) -> AsyncIterator[RunningBot]:
    """The Telegram adapter on ``time``; however the test ends, its waits are let go before
    the adapter is stopped, so a failing test fails instead of hanging on a pace wait."""
    running = RunningBot(app, fast_options(time))
    async with running:
        try:
            yield running
        finally:
            time.free_run()


async def pace_out(time: ManualTime, emu: TelegramEmulator, done: Callable[[], bool], *,
                   step: float = 15.0, limit: int = 40) -> None:
    """Let the paced lanes' waits pass, one step at a time, until ``done()``."""
    for _ in range(limit):
        if done():
            return
        before = len(time.sleeps)
        time.advance(step)
        await emu.wait_for(lambda before=before: done() or len(time.sleeps) > before,
                           what="the paced lane to move on")
    assert done(), "the paced backlog never got out"


def advance_both(clock: FakeClock, time: FakeTime, seconds: float) -> None:
    """The bot's clock (outbox retry times) and the runner's monotonic time (the pacer's
    memory of a 429) move on together, as they do in life."""
    clock.advance(timedelta(seconds=seconds))
    time.now += seconds


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

class ChatFaultTelegram(TelegramEmulator):
    """The Bot API emulator, able to answer 429 to calls for ONE chat (`fail_in`), the way
    Telegram limits a single busy group while the others are fine."""

    def __init__(self, token: str) -> None:
        super().__init__(token)
        self.chat_faults: dict[tuple[str, int], list[int]] = {}  # → [times, retry_after]

    def fail_in(self, chat: int, method: str, times: int, retry_after: int) -> None:
        self.chat_faults[(method, chat)] = [times, retry_after]

    async def _http(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] == self.token and any(
                key[0] == method for key in self.chat_faults):
            params = await _read_params(request)
            chat = params.get("chat_id")
            fault = self.chat_faults.get((method, int(chat))) if chat is not None else None
            if fault is not None and fault[0] > 0:
                fault[0] -= 1
                self.request_counts[method] = self.request_counts.get(method, 0) + 1
                error = ApiError(429, f"Too Many Requests: retry after {fault[1]}",
                                 {"retry_after": fault[1]})
                self._record(method, params, 429, None)
                return _error(error)
        return await super()._http(request)


@pytest.fixture
async def tg(clock: FakeClock) -> AsyncIterator[ChatFaultTelegram]:
    """Groups A and B of one community (ADMIN administers both), and its queue chat."""
    async with ChatFaultTelegram(TOKEN) as emu:
        emu.world.clock = lambda: clock.now().timestamp()
        emu.group(A, title="Alpha", admins=(ADMIN,))
        emu.group(B, title="Beta", admins=(ADMIN,))
        emu.group(QUEUE, title="Queue", admins=(ADMIN,))
        for uid in (*RAIDERS, MEMBER_B, *ASKERS, REPORTER, SPAMMER, SPAMMER_B, VICTIM):
            emu.world.user(uid, name_of(uid))
        emu.world.user(ADMIN, "Olga")
        yield emu


def two_group_config(folder: Path, emu: TelegramEmulator) -> LoadedConfig:
    """One community with groups A and B and the queue chat (telegram_config, one more chat)."""
    config = telegram_config(folder, emu.api_base)
    text = config.path.read_text(encoding="utf-8")
    assert f'chats = ["telegram:{A}"]' in text
    text = text.replace(f'chats = ["telegram:{A}"]', f'chats = ["telegram:{A}", "telegram:{B}"]')
    config.path.write_text(text, encoding="utf-8")
    return load_config(config.path)


@pytest.fixture
def tg_app(tmp_path: Path, tg: ChatFaultTelegram, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(*, instance: str = "qa65", config: LoadedConfig | None = None) -> App:
        return await open_app(config or two_group_config(tmp_path, tg), clock, instance)

    return make


def texts_in(emu: TelegramEmulator, chat: int) -> list[str]:
    return emu.sent_texts(chat)


def notices(emu: TelegramEmulator, chat: int) -> list[str]:
    return [t for t in emu.sent_texts(chat) if REMOVED in t]


def deletes(emu: TelegramEmulator, chat: int) -> Counter[int]:
    return Counter(int(c.params["message_id"]) for c in emu.calls_of("deleteMessage")
                   if int(c.params["chat_id"]) == chat)


def all_deleted(emu: TelegramEmulator, chat: int, messages: list[dict[str, Any]]) -> bool:
    return all(emu.is_deleted(chat, m["message_id"]) for m in messages)


def raider_order(texts: list[str]) -> list[int]:
    """The raiders named by ``texts``, in the order the bot said them."""
    out = []
    for text in texts:
        named = [r for r in RAIDERS if name_of(r) in text]
        assert len(named) == 1, text
        out.append(named[0])
    return out


def cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(QUEUE) if re.match(r"Ticket #\d+", m.get("text") or "")]


def card_numbers(emu: TelegramEmulator) -> list[int]:
    """Ticket numbers of the cards, in the order the bot posted them in the queue."""
    return [int(re.match(r"Ticket #(\d+)", t).group(1))  # type: ignore[union-attr]
            for t in emu.sent_texts(QUEUE) if re.match(r"Ticket #\d+", t)]


def button(message: dict[str, Any], prefix: str) -> str:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if str(b.get("callback_data", "")).startswith(prefix):
                return str(b["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


def raid(emu: TelegramEmulator, chat: int, raiders: tuple[int, ...]) -> list[dict[str, Any]]:
    return [emu.user_message(chat, r, RUDE[n % len(RUDE)]) for n, r in enumerate(raiders)]


async def paced(emu: TelegramEmulator, time: ManualTime, chat: int, sent: int) -> None:
    """``chat`` has had its burst of ``sent`` notices and its lane waits on the pace."""
    await emu.wait_for(lambda: len(notices(emu, chat)) >= sent and time.waiting,
                       what=f"{sent} notices out and the group's pace wait")


async def kill_tg(running: RunningBot) -> None:
    """Like kill -9 for the in-process adapter: the task is cancelled, nothing more is sent."""
    assert running.task is not None
    running.task.cancel()
    await asyncio.gather(running.task, return_exceptions=True)
    await running.app.close()


# ============================================================================================
# Telegram
# ============================================================================================

async def test_tg_raid_paced_in_one_group_does_not_delay_another_groups_delete_and_warning(
        tg, tg_app) -> None:
    """Ten raiders swear in group A at once: the bot's notices there go out five at once and
    then at Telegram's pace (≈20 a minute). Meanwhile a member of group B swears: B's message
    is deleted and its author warned at once, not after A's paced notices. When A's pace
    lets them out, every raider is told once, in the order of the raid."""
    time = ManualTime()
    app = await tg_app()
    raiders = RAIDERS[:10]
    async with paced_bot(app, time):
        posted = raid(tg, A, raiders)
        await paced(tg, time, A, 5)
        swear = tg.user_message(B, MEMBER_B, SWEAR)
        await tg.wait_for(lambda: tg.is_deleted(B, swear["message_id"]) and notices(tg, B),
                          timeout=10, what="group B's delete and warning")
        held_back = len(notices(tg, A))
        await pace_out(time, tg, lambda: len(notices(tg, A)) == len(raiders)
                       and all_deleted(tg, A, posted))
    assert held_back < len(raiders), "group A was never paced: the test proves nothing"
    assert len(notices(tg, B)) == 1 and name_of(MEMBER_B) in notices(tg, B)[0]
    assert raider_order(notices(tg, A)) == list(raiders)
    assert all(n == 1 for n in deletes(tg, A).values()) and len(deletes(tg, A)) == len(raiders)


async def test_tg_raid_messages_are_all_deleted_while_the_notices_wait_for_the_pace(
        tg, tg_app) -> None:
    """Twelve raiders swear in group A at once. Telegram's ≈20 messages a minute limits the
    bot's notices, not its deletions: a Rose or tg-spam user expects every raid message gone
    at once, the notices trickling after. Here the group's lane sends notice 6 only after a
    3 s pace wait, and the deletions of raiders 7–12 queue behind each paced notice: the last
    message of a fifteen-raider raid stays up about half a minute."""
    time = ManualTime()
    app = await tg_app()
    async with paced_bot(app, time):
        posted = raid(tg, A, RAIDERS)
        await paced(tg, time, A, 5)
        with contextlib.suppress(AssertionError):
            await tg.wait_for(lambda: all_deleted(tg, A, posted), timeout=3,
                              what="every raid message deleted")
        gone = [m["message_id"] for m in posted if tg.is_deleted(A, m["message_id"])]
        sent_then = len(notices(tg, A))
        await pace_out(time, tg, lambda: all_deleted(tg, A, posted)
                       and len(notices(tg, A)) == len(RAIDERS))
    assert sent_then < len(RAIDERS), "the notices were never paced: the test proves nothing"
    assert len(gone) == len(RAIDERS), (
        f"only {len(gone)} of {len(RAIDERS)} raid messages deleted while {sent_then} "
        f"notices were out and the rest waited for the pace")


async def test_tg_429_in_one_group_other_group_answered_at_once_and_warning_precedes_mute(
        tg, tg_app, clock, fake) -> None:
    """Telegram answers 429 (retry after 30 s) to the bot's first notice in group A. The same
    member swears again there; meanwhile a member of group B swears. B is handled at once.
    A's chat, once the 30 s have passed, reads "Warning 1 of 4" before the mute notice (never
    the mute first), each once, and nothing reaches A before Telegram's 30 s are up."""
    app = await tg_app()
    offender = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        tg.fail_in(A, "sendMessage", 1, retry_after=30)
        first = tg.user_message(A, offender, RUDE[0])
        await tg.wait_for(lambda: [c for c in tg.calls_of("sendMessage", ok=False)
                                   if int(c.params["chat_id"]) == A], what="A's 429")
        clock.advance(timedelta(seconds=2))
        second = tg.user_message(A, offender, RUDE[3])
        swear = tg.user_message(B, MEMBER_B, SWEAR)
        await tg.wait_for(lambda: tg.is_deleted(B, swear["message_id"]) and notices(tg, B),
                          timeout=10, what="group B's delete and warning")
        await app.pipeline.settle()  # what A could get before its 30 s, it has got
        in_a_meanwhile = texts_in(tg, A)
        second_gone_meanwhile = tg.is_deleted(A, second["message_id"])
        advance_both(clock, fake, 31)
        await tg.wait_for(lambda: len(notices(tg, A)) >= 2
                          and all_deleted(tg, A, [first, second])
                          and tg.calls_of("restrictChatMember"), timeout=15,
                          what="A's two notices, deletions and the mute")
        for _ in range(3):  # a copy queued twice would be due by now
            advance_both(clock, fake, 40)
            await app.pipeline.drain()
    assert in_a_meanwhile == [], in_a_meanwhile
    assert not second_gone_meanwhile, "a delete hammered A during its 429 wait"
    said = notices(tg, A)
    assert len(said) == 2, said
    assert "Warning 1 of 4" in said[0] and "Muted" in said[1], said
    assert len(tg.calls_of("restrictChatMember")) == 1
    assert notices(tg, B) and "Warning 1 of 4" in notices(tg, B)[0]


async def test_tg_queue_cards_and_button_answers_stay_prompt_while_a_group_is_paced(
        tg, tg_app) -> None:
    """Group A is raided and its notices wait for Telegram's pace. A member reports spam in
    A: card #1 reaches the queue at once (its acknowledgement in A may wait its turn there); a
    moderator presses Claim: the button is answered and the card shows the claim at once; a
    report in group B is card #2, after #1. Once A's pace lets it, A's reporter gets one
    acknowledgement naming #1."""
    time = ManualTime()
    app = await tg_app()
    async with paced_bot(app, time):
        spam = tg.user_message(A, SPAMMER, SPAM)
        raid(tg, A, RAIDERS[:8])
        await paced(tg, time, A, 5)
        tg.user_message(A, REPORTER, "/report spam", reply_to=spam["message_id"])
        await tg.wait_for(lambda: cards(tg), timeout=10, what="card #1 in the queue")
        card = cards(tg)[0]
        query = tg.press(QUEUE, card["message_id"], ADMIN, button(card, "t:claim:"))
        await tg.wait_for(lambda: tg.world.callbacks[query].get("answered")
                          and "claimed" in (tg.world.messages[(QUEUE, card["message_id"])]
                                            .message.get("text") or ""),
                          timeout=10, what="the Claim answered and the card edited")
        spam_b = tg.user_message(B, SPAMMER_B, SPAM + " (B)")
        tg.user_message(B, MEMBER_B, "/report spam", reply_to=spam_b["message_id"])
        await tg.wait_for(lambda: len(cards(tg)) >= 2, timeout=10, what="card #2")
        still_paced = time.waiting > 0 and len(notices(tg, A)) < 8
        await pace_out(time, tg, lambda: len(notices(tg, A)) == 8
                       and any("#1" in t for t in texts_in(tg, A)))
    assert still_paced, "group A's pace was over before the queue was checked"
    assert card_numbers(tg) == [1, 2]
    acks = [t for t in texts_in(tg, A) if "Your report #" in t]
    assert len(acks) == 1 and "#1" in acks[0], acks


async def test_tg_queue_told_to_wait_card_1_before_card_2_groups_acknowledged_at_once(
        tg, tg_app, clock, fake) -> None:
    """Telegram answers 429 (retry after 20 s) to card #1 in the queue. A second report, from
    the other group, is card #2: it must not overtake #1. Both reporters are acknowledged in
    their groups at once; after the 20 s the queue reads #1, then #2, each once."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        tg.fail_in(QUEUE, "sendMessage", 1, retry_after=20)
        spam = tg.user_message(A, SPAMMER, SPAM)
        tg.user_message(A, REPORTER, "/report spam", reply_to=spam["message_id"])
        await tg.wait_for(lambda: [c for c in tg.calls_of("sendMessage", ok=False)
                                   if int(c.params["chat_id"]) == QUEUE], what="the queue's 429")
        spam_b = tg.user_message(B, SPAMMER_B, SPAM + " (B)")
        tg.user_message(B, MEMBER_B, "/report spam", reply_to=spam_b["message_id"])
        await tg.wait_for(lambda: any("#1" in t for t in texts_in(tg, A))
                          and any("#2" in t for t in texts_in(tg, B)),
                          timeout=10, what="both reporters acknowledged")
        await app.pipeline.settle()
        cards_meanwhile = card_numbers(tg)
        advance_both(clock, fake, 21)
        await tg.wait_for(lambda: len(card_numbers(tg)) >= 2, timeout=15, what="both cards")
        for _ in range(3):
            advance_both(clock, fake, 40)
            await app.pipeline.drain()
    assert cards_meanwhile == [], cards_meanwhile
    assert card_numbers(tg) == [1, 2]


async def test_tg_moderator_mute_in_one_group_and_swear_in_another_in_one_batch(
        tg, tg_app, clock, fake) -> None:
    """While the bot is down, a member writes in group A and the admin answers it with
    `/mute 10m spam`; in group B a member swears. The bot starts and reads all of it in ONE
    getUpdates batch: the mute lands in A (about ten minutes, with its confirmation), and
    B's message is deleted and its author warned."""
    app = await tg_app()
    target = tg.user_message(A, VICTIM, "buy followers cheap, dm me")
    clock.advance(timedelta(seconds=5))
    command = tg.user_message(A, ADMIN, "/mute 10m spam", reply_to=target["message_id"])
    swear = tg.user_message(B, MEMBER_B, SWEAR)
    async with RunningBot(app, fast_options(fake)):
        await tg.wait_for(lambda: tg.calls_of("restrictChatMember")
                          and tg.is_deleted(B, swear["message_id"]) and notices(tg, B)
                          and [m for m in tg.sent_messages(A)
                               if (m.get("reply_to_message") or {}).get("message_id")
                               == command["message_id"]],
                          timeout=15, what="the mute in A and the swear word handled in B")
    batches = [c.result for c in tg.calls_of("getUpdates") if c.result]
    first = {u["update_id"] for u in batches[0]}
    assert len(batches) == 1 and len(first) == 3, batches  # one batch held all three
    mutes = tg.calls_of("restrictChatMember")
    assert len(mutes) == 1 and int(mutes[0].params["chat_id"]) == A \
        and int(mutes[0].params["user_id"]) == VICTIM
    length = int(mutes[0].params["until_date"]) - int(clock.now().timestamp())
    assert 550 <= length <= 660, length
    assert not tg.is_deleted(A, target["message_id"])  # /mute keeps the message
    assert "Warning 1 of 4" in notices(tg, B)[0] and name_of(MEMBER_B) in notices(tg, B)[0]


async def test_tg_stop_in_a_paced_backlog_leaves_it_for_the_next_start_each_notice_once(
        tg, tg_app, tmp_path) -> None:
    """A raid of ten in group A; five notices are out and the rest wait for A's pace. The
    bot is stopped as `modbot run` stops on SIGTERM: it finishes the message being sent and
    exits without sending the paced backlog (a container's stop timeout is 10 s). Started
    again, it sends the rest: every raider told exactly once, in the order of the raid, and
    every raid message deleted once."""
    time = ManualTime()
    config = two_group_config(tmp_path, tg)
    app = await tg_app(config=config)
    posted: list[dict[str, Any]] = []
    async with paced_bot(app, time) as running:
        posted = raid(tg, A, RAIDERS[:10])
        await paced(tg, time, A, 5)
        app.pipeline.request_stop()  # what `modbot run` does on SIGTERM, with stop.set()
        running.stop.set()
        time.advance(3)  # the notice being sent gets its slot and goes
    sent_before_restart = len(notices(tg, A))
    second = await tg_app(config=config, instance="qa65-again")
    time2 = ManualTime()
    async with paced_bot(second, time2):
        await pace_out(time2, tg, lambda: len(notices(tg, A)) >= 10 and all_deleted(tg, A, posted))
        tg.user_message(B, MEMBER_B, "/help")  # a later update: nothing more is due in A
        await tg.wait_for(lambda: texts_in(tg, B), what="the /help answer in B")
    assert sent_before_restart <= 6, f"the stop sent {sent_before_restart} of the paced backlog"
    assert raider_order(notices(tg, A)) == list(RAIDERS[:10])
    assert all(n == 1 for n in deletes(tg, A).values()) and len(deletes(tg, A)) == 10


async def test_tg_killed_with_a_429_backlog_in_one_group_restart_sends_each_once_in_order(
        tg, tg_app, clock, fake, tmp_path) -> None:
    """Group A is told to wait 30 s (429) while four raiders swear there; group B's swear word
    is handled at once. The bot is killed with A's backlog waiting. Started again (a new
    process on the database as the kill left it), it deletes what was left and tells each
    raider once, in the raid's order; B's member is not warned twice."""
    config = two_group_config(tmp_path, tg)
    app = await tg_app(config=config)
    raiders = RAIDERS[:4]
    running = RunningBot(app, fast_options(fake))
    await running.__aenter__()
    try:
        tg.fail_in(A, "sendMessage", 1, retry_after=30)
        posted = raid(tg, A, raiders)
        swear = tg.user_message(B, MEMBER_B, SWEAR)
        await tg.wait_for(lambda: tg.is_deleted(B, swear["message_id"]) and notices(tg, B)
                          and [c for c in tg.calls_of("sendMessage", ok=False)
                               if int(c.params["chat_id"]) == A],
                          timeout=10, what="B handled and A told to wait")
    finally:
        await kill_tg(running)
    assert notices(tg, A) == [], "nothing should have reached A before its 30 s"
    clock.advance(timedelta(minutes=10))  # the dead process's lease and claims are stale
    again = await tg_app(config=after_crash(config), instance="qa65-restarted")
    async with RunningBot(again, fast_options(fake)):
        await tg.wait_for(lambda: len(notices(tg, A)) >= len(raiders)
                          and all_deleted(tg, A, posted), timeout=15,
                          what="A's backlog after the restart")
        for _ in range(3):
            advance_both(clock, fake, 60)
            await again.pipeline.drain()
    assert raider_order(notices(tg, A)) == list(raiders)
    assert all(n == 1 for n in deletes(tg, A).values()), deletes(tg, A)
    assert len(notices(tg, B)) == 1


# ============================================================================================
# VK
# ============================================================================================

class ChatFaultVk(VkEmulator):
    """The VK emulator, able to hold (`hold`) or fail (`fail_in`) calls naming ONE peer."""

    def __init__(self) -> None:
        super().__init__()
        self.gates: dict[tuple[str, int], asyncio.Event] = {}
        self.held: list[tuple[str, int]] = []
        self.peer_failures: dict[tuple[str, int], list[int]] = {}  # → [times, code]

    def hold(self, peer: int, method: str = "messages.send") -> asyncio.Event:
        gate = self.gates[(method, peer)] = asyncio.Event()
        return gate

    def fail_in(self, peer: int, method: str, code: int, times: int = 1) -> None:
        self.peer_failures[(method, peer)] = [times, code]

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = dict(request.query)
        form = await request.post() if request.can_read_body else None
        if form is not None:
            params.update({k: str(v) for k, v in form.items()})
        raw = str(params.get("peer_ids") or params.get("peer_id") or "")
        peer = int(raw) if raw.lstrip("-").isdigit() else None
        failure = self.peer_failures.get((method, peer)) if peer is not None else None
        if failure is not None and failure[0] > 0:
            failure[0] -= 1
            params.pop("access_token", None)
            self.calls.append(VkCall(method, params, "group", error=failure[1]))
            return web.json_response({"error": {"error_code": failure[1],
                                                "error_msg": "Flood control",
                                                "request_params": []}})
        gate = self.gates.get((method, peer)) if peer is not None else None
        if gate is not None and not gate.is_set():
            self.held.append((method, peer))
            await gate.wait()
        return await super()._api(_ReadRequest(request, form))  # type: ignore[arg-type]


class _ReadRequest:
    """The request as `VkEmulator._api` reads it, its form already read once here."""

    def __init__(self, request: web.Request, form: Any) -> None:
        self.match_info = request.match_info
        self.query = request.query
        self.can_read_body = form is not None
        self._form = form

    async def post(self) -> Any:
        return self._form


@pytest.fixture
async def vk_emu(clock: FakeClock) -> AsyncIterator[ChatFaultVk]:
    emu = await ChatFaultVk().start()
    emu.clock = lambda: clock.now().timestamp()
    emu.set_admins(VK_QUEUE, 901)
    emu.set_admins(VK_A, 902)
    emu.set_admins(VK_B, 902)
    emu.add_members(VK_A, *RAIDERS, *ASKERS, VICTIM, VK_MOD)
    emu.add_members(VK_B, MEMBER_B, *ASKERS)
    for uid in (*RAIDERS, *ASKERS, VICTIM, MEMBER_B):
        emu.real_names[uid] = (name_of(uid), "Crowd")
    yield emu
    for gate in emu.gates.values():
        gate.set()
    await emu.close()


def vk_two_chat_config(folder: Path, emu: VkEmulator, *, faq: bool = False) -> LoadedConfig:
    extra = ""
    if faq:
        (folder / "faq.toml").write_text(FAQ, encoding="utf-8")
        extra = 'faq = "faq.toml"'
    text = vk_config_text(emu, community_extra=extra)
    old = f'chats = ["vk:{VK_A}", "vk:wall"]'
    assert old in text
    text = text.replace(old, f'chats = ["vk:{VK_A}", "vk:{VK_B}", "vk:wall"]')
    return write_vk_config(folder, text)


@pytest.fixture
async def vk_bot(vk_emu: ChatFaultVk, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    started: list[VkBot] = []

    async def start(*, faq: bool = False) -> VkBot:
        bot = VkBot(vk_two_chat_config(tmp_path, vk_emu, faq=faq), clock, vk_emu)
        started.append(bot)
        await bot.start()
        return bot

    yield start
    for bot in started:
        for gate in vk_emu.gates.values():
            gate.set()
        if bot._task is not None and not bot._task.done():  # a killed one is gone already
            await bot.stop()


def vk_said(emu: VkEmulator, peer: int, words: str = "") -> list[str]:
    return [m.text for m in emu.sent(peer) if words in m.text]


def vk_deleted(emu: VkEmulator, peer: int) -> Counter[int]:
    return Counter(int(x) for c in emu.calls_to("messages.delete")
                   if int(c.params["peer_id"]) == peer
                   for x in str(c.params.get("cmids", "")).split(",") if x)


def vk_failed(emu: VkEmulator, peer: int, method: str = "messages.send") -> list[VkCall]:
    return [c for c in emu.calls if c.method == method and c.error is not None
            and str(c.params.get("peer_ids") or c.params.get("peer_id")) == str(peer)]


async def vk_run_out(bot: VkBot, done: Callable[[], bool], *, step: float = 10.0,
                     limit: int = 30) -> None:
    """Move the bot's clock on and run the outbox until ``done()`` (error 9 hands an action
    back to the outbox for half a minute)."""
    assert bot.app is not None
    for _ in range(limit):
        if done():
            return
        bot.clock.advance(timedelta(seconds=step))
        await bot.app.pipeline.drain()
    assert done(), "the outbox did not get there"


async def test_vk_slow_send_to_one_chat_does_not_hold_another_chats_delete_and_warning(
        vk_emu, vk_bot) -> None:
    """VK is slow to take the bot's reply in chat A (a /help answer hangs in messages.send).
    A member of chat B swears: B's message is deleted AND the warning is sent to B (the same
    method as the hung call, another chat) while A's reply still hangs. In A, a swear word
    that came after the /help is answered after it: the help first, then the warning."""
    await vk_bot()
    gate = vk_emu.hold(VK_A)
    vk_emu.post_message(VK_A, ASKERS[0], "/help")
    await vk_emu.wait_for(lambda: vk_emu.held, timeout=10)
    late = vk_emu.post_message(VK_A, RAIDERS[0], RUDE[0])
    swear = vk_emu.post_message(VK_B, MEMBER_B, SWEAR)
    try:
        await vk_emu.wait_for(lambda: vk_deleted(vk_emu, VK_B)[swear] == 1
                              and vk_said(vk_emu, VK_B, REMOVED), timeout=10)
        b_done_while_held = True
    except AssertionError:
        b_done_while_held = False
    gate.set()
    await vk_emu.wait_for(lambda: vk_said(vk_emu, VK_A, REMOVED) and vk_deleted(vk_emu, VK_A)[late])
    await vk_settle(vk_emu)
    assert b_done_while_held, "chat B's delete and warning waited for chat A's hung send"
    in_a = vk_said(vk_emu, VK_A)
    assert len(in_a) == 2 and REMOVED in in_a[1] and REMOVED not in in_a[0], in_a
    assert len(vk_said(vk_emu, VK_B, REMOVED)) == 1


async def test_vk_flood_control_in_one_chat_faq_answer_before_pointer_other_chat_answered(
        vk_emu, vk_bot) -> None:
    """VK answers error 9 (flood control) to the FAQ answer in chat A; a second member asks
    the same there meanwhile; chat B's member asks too and is answered at once. Once the
    flood wait is over, A reads the answer first and "I answered this a moment ago ↑" after
    it, each once — never a pointer to an answer that is not there."""
    bot = await vk_bot(faq=True)
    vk_emu.fail_in(VK_A, "messages.send", 9)
    first = vk_emu.post_message(VK_A, ASKERS[0], QUESTION)
    await vk_emu.wait_for(lambda: vk_failed(vk_emu, VK_A), timeout=30)
    vk_emu.post_message(VK_A, ASKERS[1], "Can I pay by card?")
    b_ask = vk_emu.post_message(VK_B, ASKERS[2], QUESTION)
    await vk_emu.wait_for(lambda: [m for m in vk_emu.sent(VK_B) if m.reply_to == b_ask],
                          timeout=15)
    assert bot.app is not None
    await bot.app.pipeline.settle()
    in_a_meanwhile = vk_said(vk_emu, VK_A)
    await vk_run_out(bot, lambda: len(vk_said(vk_emu, VK_A)) >= 2)
    for _ in range(3):  # a copy queued twice would be due by now
        bot.clock.advance(timedelta(minutes=1))
        assert bot.app is not None
        await bot.app.pipeline.drain()
    assert in_a_meanwhile == [], in_a_meanwhile
    in_a = vk_emu.sent(VK_A)
    assert len(in_a) == 2, [m.text for m in in_a]
    assert ANSWER in in_a[0].text and in_a[0].reply_to == first, in_a[0]
    assert "answered this a moment ago" in in_a[1].text, in_a[1]
    assert [m.text for m in vk_emu.sent(VK_B)] and ANSWER in vk_emu.sent(VK_B)[0].text


async def test_vk_moderator_kick_in_one_chat_and_swear_in_another_in_one_long_poll_batch(
        vk_emu, vk_bot) -> None:
    """A listed moderator answers a member's message in chat A with `!kick`, and in the same
    long-poll batch a member of chat B swears. Both take effect: the member is removed from
    A (and only from A), B's message is deleted and its author warned."""
    await vk_bot()
    target = vk_emu.post_message(VK_A, VICTIM, "buy followers cheap, dm me")
    await vk_settle(vk_emu)
    polls = len(vk_emu.calls_to("longpoll.check"))
    vk_emu.post_message(VK_A, VK_MOD, "!kick spam", reply_to=target)
    swear = vk_emu.post_message(VK_B, MEMBER_B, SWEAR)
    await vk_emu.wait_for(lambda: vk_emu.calls_to("messages.removeChatUser")
                          and vk_deleted(vk_emu, VK_B)[swear] == 1
                          and vk_said(vk_emu, VK_B, REMOVED), timeout=15)
    await vk_settle(vk_emu)
    assert len(vk_emu.calls_to("longpoll.check")) > polls
    kicks = vk_emu.calls_to("messages.removeChatUser")
    assert len(kicks) == 1 and int(kicks[0]["member_id"]) == VICTIM \
        and int(kicks[0]["chat_id"]) == VK_A - 2_000_000_000, [c.params for c in kicks]
    assert VICTIM not in vk_emu.peer(VK_A).members
    assert "Warning 1 of 4" in vk_said(vk_emu, VK_B, REMOVED)[0]


async def test_vk_killed_with_a_flood_control_backlog_restart_sends_each_once_in_order(
        vk_emu, vk_bot, clock) -> None:
    """Three raiders swear in chat A while VK answers error 9 to the first warning there, so
    A's warnings wait; chat B's swear word is handled at once. The bot is killed with A's
    backlog waiting, and started again on the database the kill left: each raider in A is
    warned exactly once, in the raid's order, and B's member is not warned again."""
    bot = await vk_bot()
    raiders = RAIDERS[:3]
    vk_emu.fail_in(VK_A, "messages.send", 9)
    posted = [vk_emu.post_message(VK_A, r, RUDE[n]) for n, r in enumerate(raiders)]
    swear = vk_emu.post_message(VK_B, MEMBER_B, SWEAR)
    await vk_emu.wait_for(lambda: vk_failed(vk_emu, VK_A) and vk_said(vk_emu, VK_B, REMOVED)
                          and vk_deleted(vk_emu, VK_B)[swear] == 1, timeout=15)
    await vk_settle(vk_emu)
    assert bot.app is not None
    await bot.app.pipeline.settle()
    warned_before = vk_said(vk_emu, VK_A, REMOVED)
    await bot.kill()
    again = VkBot(after_crash(bot.config), clock, vk_emu, instance_id="vk-again")
    clock.advance(timedelta(minutes=10))  # the dead instance's lease and claims are stale
    await again.start()
    try:
        await vk_emu.wait_for(lambda: len(vk_said(vk_emu, VK_A, REMOVED)) >= len(raiders),
                              timeout=20)
        for _ in range(3):  # a second copy, if any were queued, would be due by now
            clock.advance(timedelta(minutes=2))
            assert again.app is not None
            await again.app.pipeline.drain()
        await vk_settle(vk_emu)
    finally:
        await again.stop()
    assert warned_before == [], warned_before
    warned = vk_said(vk_emu, VK_A, REMOVED)
    assert [next(r for r in raiders if name_of(r) in t) for t in warned] == list(raiders), warned
    assert all(vk_deleted(vk_emu, VK_A)[cmid] == 1 for cmid in posted), vk_deleted(vk_emu, VK_A)
    assert len(vk_said(vk_emu, VK_B, REMOVED)) == 1
