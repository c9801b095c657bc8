"""QA round 67: the bot's footprint in a members' chat, over a busy day, on both networks.

The brief's promise to members: "quick, polite replies in the chat's language, ru or en;
never spam the chat". An owner used to Rose, Combot or tg-spam judges a bot by how much of the
chat it takes up. What the README promises, and what each test asserts:

- temporary messages clean themselves up: the filter's notice "deletes itself after
  `notice_ttl`" (2m), the reporter's acknowledgement is "removed from the group after
  `ack_ttl`" (1m), and the "answered above ↑" pointers and the one refusal per
  `refusal_cooldown` (10m) are short-lived notices too (config.example.toml: "the bot's
  notices delete themselves after this"; Combot cleans up its own service replies the same
  way). A restart in between, or a delete first answered with 429 / 5xx (VK errors 9 and
  10), delays the clean-up, it does not lose it ("Nothing that reached the bot is lost";
  transient errors "are retried with backoff");
- nothing is said twice: five members asking the same FAQ question within ten minutes get one
  answer and four pointers ("the same entry is not re-answered in the same chat within
  `repeat_window`"); a member repeating a moderator command, a bare /report or a /report of
  their own message hears one refusal ("one polite refusal per `refusal_cooldown`, not one
  per attempt"), and is told again once the cooldown is over; a raid of ten members swearing gets
  ten notices, one per raider, in the community's language (a bilingual FAQ answers in the
  question's language);
- the bot never answers itself, other bots, service messages (joins, leaves, pins, title
  changes), a sticker / GIF / voice message without text, or chatter that is not a question
  (README: "Only question-like messages are looked at"; Rose and Combot stay silent there);
- a `/mute` typed in the queue "is told to the member privately", a reporter's outcome is a
  "private notice", and neither lands in the group;
- after the day, the bot's messages still visible in the group are only its FAQ answers and
  the scheduled post; the failure message lists what else is left.

The real adapters run in-process against tests/tg_emulator and tests/vk_emulator (imported,
never edited); time moves only by the injected FakeClock (and the Telegram runner's fake
monotonic time). An xfail(strict=True) marks a product problem.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import textwrap
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    QUEUE,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import render, replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

# --------------------------------------------------------------------------------------------
# The cast and the community's words
# --------------------------------------------------------------------------------------------

ASKERS = tuple(range(6701, 6706))  # five members asking the same question
RAIDERS = tuple(range(6801, 6811))  # ten members swearing within a minute
REPORTER = 6901
SPAMMER = 6902
PUSHY = 6903  # a member who tries /ban three times
CHATTY = 6904
OTHER_BOT = 6999

FAQ_EN = textwrap.dedent('''
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
    ''')
ANSWER_EN = "Pay by card on the website or by bank transfer."
ASK_EN = ("How do I pay for the course?", "how do i pay for the course?", "Can I pay by card?",
          "can i pay by card?", "How do I pay for the course??")

FAQ_BILINGUAL = textwrap.dedent('''
    [[faq]]
    id = "price"
    lang = "ru"
    questions = ["Сколько стоит абонемент?", "Какая цена абонемента на месяц?"]
    answer = "Абонемент стоит 3000 рублей в месяц."

    [[faq]]
    id = "training"
    lang = "ru"
    questions = ["Во сколько начинаются тренировки?", "Когда начинаются занятия?"]
    answer = "Тренировки начинаются в 19:00 по будням."

    [[faq]]
    id = "price-en"
    lang = "en"
    questions = ["How much is the membership?", "What does the monthly membership cost?"]
    answer = "The membership is 3000 roubles a month."
    ''')
PRICE_RU = "Абонемент стоит 3000 рублей в месяц."
PRICE_EN = "The membership is 3000 roubles a month."
ASK_RU = ("Сколько стоит абонемент?", "сколько стоит абонемент?", "Какая цена абонемента на месяц?",
          "Сколько стоит абонемент??", "какая цена абонемента на месяц?")

RUDE_EN = ("this is fucking ridiculous", "shut up you fucking idiot", "fuck this chat",
           "what the fuck is this", "this shit again")
RUDE_RU = ("ты хуйло ебаное", "ну ты и пиздабол", "иди нахуй со своими правилами",
           "Блядь, ну кто так строит?", "пиздец какой-то")
SPAM = "Easy money 5000$ a day, no investment! DM me t.me/easy_money_24"
POST_EN = "Good afternoon! The open lesson starts at 19:00 today."
POST_RU = "Добрый день! Сегодня в 19:00 открытый урок."

_CYR = re.compile(r"[а-яё]", re.I)


def russian(text: str) -> bool:
    """Russian prose: Cyrillic, and no English words once commands and names are taken out."""
    rest = re.sub(r"[/!][A-Za-z_]+|\bFAQ\b|#\d+|\bMember ?\d+\b|\bRaider\d+\b|\bCrowd\b|"
                  r"\[id\d+\|[^\]]*\]|\bid\d+\b", " ", text)
    return bool(_CYR.search(text)) and not re.findall(r"\b[A-Za-z]{3,}\b", rest)


def name_of(uid: int) -> str:
    return f"Raider{uid}" if uid in RAIDERS else f"Member{uid}"


def schedule_entry(at: str, text: str, chat: str) -> str:
    return textwrap.dedent(f"""
        [[community.schedule]]
        at = "{at}"
        text = "{text}"
        chats = ["{chat}"]
        """)


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # Telegram reads until_date against the wall clock


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

_WITNESSES = itertools.count(1)


class TgDay:
    """The community's Telegram group, its bot, and what the bot left there."""

    def __init__(self, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime) -> None:
        self.emu, self.clock, self.fake = emu, clock, fake
        self.witness_probes: set[int] = set()

    async def settle(self, chat: int = GROUP) -> None:
        """What was sent before has been decided and its first delivery tried: a moderator's
        /help (moderators are not held to the members' command budget) got its answer."""
        probe = self.emu.user_message(chat, ADMIN, "/help")
        self.witness_probes.add(probe["message_id"])
        await self.emu.wait_for(lambda: replies_to(self.emu, chat, probe["message_id"]),
                                what=f"the witness's /help answer #{next(_WITNESSES)}")

    def _ours(self, stored_message: dict[str, Any]) -> bool:
        reply = (stored_message.get("reply_to_message") or {}).get("message_id")
        return reply not in self.witness_probes

    def sent(self, chat: int = GROUP) -> list[dict[str, Any]]:
        """Every message the bot posted in ``chat``, the witness's /help answers aside."""
        out = []
        for call in self.emu.calls_of("sendMessage") + self.emu.calls_of("sendPhoto"):
            if call.result["chat"]["id"] != chat:
                continue
            wanted = (call.params.get("reply_parameters") or {}).get("message_id")
            if wanted in self.witness_probes or not self._ours(call.result):
                continue
            out.append(call.result)
        return sorted(out, key=lambda m: m["message_id"])

    def texts(self, chat: int = GROUP) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.sent(chat)]

    def live(self, chat: int = GROUP) -> list[str]:
        """The bot's messages still visible in ``chat``."""
        return [m.get("text") or m.get("caption") or "" for m in self.sent(chat)
                if not self.emu.is_deleted(chat, m["message_id"])]

    def deletes(self, chat: int = GROUP) -> dict[int, int]:
        counts: dict[int, int] = {}
        for call in self.emu.calls_of("deleteMessage"):
            if int(call.params["chat_id"]) == chat:
                mid = int(call.params["message_id"])
                counts[mid] = counts.get(mid, 0) + 1
        return counts

    async def run_until(self, app: App, done: Callable[[], bool], *,
                        step: timedelta = timedelta(seconds=5), limit: int = 80) -> None:
        """Move the bot's clock and the runner's monotonic time on until ``done()``."""
        for _ in range(limit):
            if done():
                return
            self.clock.advance(step)
            self.fake.now += step.total_seconds()
            await app.pipeline.drain()
            await asyncio.sleep(0.02)
        assert done(), f"not there; the bot's live messages: {self.live()}"

    def raw(self, user: dict[str, Any] | None, **fields: Any) -> dict[str, Any]:
        """A message with arbitrary fields (a service message, a sticker …) in the group."""
        chat = self.emu.world.chat(GROUP)
        if user is not None:
            fields.setdefault("from", user)
        message = self.emu.world.new_message(chat, **fields)
        self.emu.world.store(chat, message, from_bot=False)
        self.emu.world.push("message", message)
        self.emu._bump()
        return message


@pytest.fixture
def tg(emu: TelegramEmulator, clock: FakeClock, fake: FakeTime) -> TgDay:
    for uid in (*ASKERS, *RAIDERS, REPORTER, SPAMMER, PUSHY, CHATTY):
        emu.world.user(uid, name_of(uid))
    emu.world.user(ADMIN, "Olga")
    return TgDay(emu, clock, fake)


@pytest.fixture
def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """The community on Telegram (group -1001, queue -2002, default ladder and TTLs)."""

    async def make(*, tail: str = "", instance: str = "qa67") -> App:
        (tmp_path / "faq.toml").write_text(FAQ_EN, encoding="utf-8")
        telegram_config(tmp_path, emu.api_base, extra_community='faq = "faq.toml"\n',
                        tail=tail)
        return await open_app(load_config(tmp_path / "config.toml"), clock, instance)

    return make


# ============================================================================================
# Telegram: a busy day in an English group
# ============================================================================================

async def test_tg_busy_day_leaves_only_the_faq_answer_and_the_scheduled_post(
        tg: TgDay, tg_app, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime) -> None:
    """A day in an English group: five members ask how to pay within ten minutes, a member
    tries /ban three times, a member reports spam, ten members swear within a minute, and a
    scheduled post goes out. Counted: one answer, four pointers, one refusal, one
    acknowledgement, ten notices (each in English, naming its raider once), one post — and
    once the TTLs have run out, the only bot messages left in the group are the answer and the
    post."""
    post_at = clock.now() + timedelta(hours=2)
    app = await tg_app(tail=schedule_entry(post_at.strftime("%Y-%m-%d %H:%M"), POST_EN,
                                           f"telegram:{GROUP}"))
    async with RunningBot(app, fast_options(fake)):
        # five askers over ten minutes
        first = emu.user_message(GROUP, ASKERS[0], ASK_EN[0])
        await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]), what="answer")
        for n, asker in enumerate(ASKERS[1:], start=1):
            clock.advance(timedelta(minutes=2))
            fake.now += 120
            emu.user_message(GROUP, asker, ASK_EN[n])
        # a member repeating a moderator command, three minutes apart
        tries = []
        for _ in range(3):
            clock.advance(timedelta(minutes=3))
            fake.now += 180
            tries.append(emu.user_message(GROUP, PUSHY, f"/ban @spammer{PUSHY}"))
        # a report
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        report = emu.user_message(GROUP, REPORTER, "/report spam", reply_to=spam["message_id"])
        again = []
        for _ in range(2):  # the reporter insists, twice
            clock.advance(timedelta(seconds=20))
            fake.now += 20
            again.append(emu.user_message(GROUP, REPORTER, "/report spam!!",
                                          reply_to=spam["message_id"]))
        await tg.settle()
        ack_id = [m for m in tg.sent() if m.get("text") == render("complaints.ack", number=1)]
        assert ack_id and not emu.is_deleted(GROUP, ack_id[0]["message_id"]), \
            "the acknowledgement went before `ack_ttl` (1m)"
        # a raid: ten members swear within half a minute
        raid = []
        for n, raider in enumerate(RAIDERS):
            clock.advance(timedelta(seconds=3))
            fake.now += 3
            raid.append(emu.user_message(GROUP, raider, RUDE_EN[n % len(RUDE_EN)]))
        await tg.run_until(app, lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in raid)
                           and len([t for t in tg.texts() if "Raider" in t]) >= len(RAIDERS),
                           step=timedelta(seconds=1))
        await tg.settle()
        said = tg.texts()
        clock.advance(timedelta(seconds=80))  # the last notice is 80 s old, the first 107 s
        fake.now += 80
        await app.pipeline.drain()
        await tg.settle()
        early = [t for t in tg.texts() if "Raider" in t and t not in tg.live()]
        assert not early, ("notices deleted before `notice_ttl` (2m)", early)
        # the scheduled post, two hours after the day began
        clock.set(post_at + timedelta(minutes=1))
        fake.now += 7200
        await service_for(app).run_due(clock.now())
        await app.pipeline.drain()
        await tg.run_until(app, lambda: POST_EN in tg.live())
        await tg.run_until(app, lambda: len(tg.live()) <= 2, limit=40)
        await tg.settle()
        left = tg.live()

    answers = [t for t in said if t == ANSWER_EN]
    pointers = [t for t in said if "answered this a moment ago" in t]
    notices = [t for t in said if "Raider" in t]
    refusals = [t for tr in tries for t in replies_to(emu, GROUP, tr["message_id"])]
    acks = replies_to(emu, GROUP, report["message_id"])
    repeats = [t for m in again for t in replies_to(emu, GROUP, m["message_id"])]
    assert len(answers) == 1, said
    assert sorted(pointers) == sorted(render("faq.answered_above", who=name_of(a))
                                      for a in ASKERS[1:]), said
    assert len(refusals) == 1, ("one refusal per refusal_cooldown", refusals)
    assert acks == [render("complaints.ack", number=1)], acks
    assert len(repeats) <= 1, ("\"already reported\" is said once per refusal_cooldown",
                               repeats)
    assert len(notices) == len(RAIDERS), notices
    for raider in RAIDERS:
        mine = [t for t in notices if name_of(raider) in t]
        assert len(mine) == 1 and "Warning 1 of 4" in mine[0], (raider, mine)
    expected = 1 + 4 + 1 + 1 + len(repeats) + len(RAIDERS)
    assert len(said) == expected, ("the bot said more than the README promises", said)
    assert sorted(left) == sorted([ANSWER_EN, POST_EN]), (
        "bot messages still visible in the group after the day", left)
    assert all(n == 1 for n in tg.deletes().values()), tg.deletes()


async def test_tg_never_answers_itself_other_bots_service_messages_media_or_chatter(
        tg: TgDay, tg_app, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime) -> None:
    """The bot's own message and another bot's message asking the FAQ's question verbatim, a
    join, a leave, a pin, a title change, a sticker, a GIF, a voice message, chatter, "thanks!"
    in reply to the bot's answer, another bot's command and an unknown command: the bot says
    nothing to any of them (README: only members' question-like messages are looked at; "a
    member's unknown command, such as another bot's, gets no reply"; Rose and Combot are
    silent there). A member's real question is answered once, and fixing its typo by an edit
    does not bring a second answer."""
    app = await tg_app()
    newbie = emu.world.user(7001, "Newbie")
    other_bot = emu.world.user(OTHER_BOT, "HelperBot", "helper_bot", is_bot=True)
    async with RunningBot(app, fast_options(fake)):
        quiet = [
            tg.raw(emu.world.bot_user, text=ASK_EN[0]),
            tg.raw(other_bot, text=ASK_EN[0]),
            tg.raw(newbie, new_chat_members=[newbie]),
            tg.raw(newbie, left_chat_member=newbie),
            tg.raw(emu.world.user(ADMIN), pinned_message={
                "message_id": 1, "date": int(clock.now().timestamp()),
                "chat": emu.world.chat(GROUP).as_json(), "text": "Rules"}),
            tg.raw(emu.world.user(ADMIN), new_chat_title="Demo chat"),
            tg.raw(emu.world.user(CHATTY), sticker={
                "file_id": "st1", "file_unique_id": "ust1", "type": "regular", "width": 512,
                "height": 512, "is_animated": False, "is_video": False, "emoji": "👍"}),
            tg.raw(emu.world.user(CHATTY), animation={
                "file_id": "an1", "file_unique_id": "uan1", "width": 320, "height": 240,
                "duration": 2}, document={"file_id": "an1", "file_unique_id": "uan1"}),
            tg.raw(emu.world.user(CHATTY), voice={
                "file_id": "vo1", "file_unique_id": "uvo1", "duration": 3}),
            emu.user_message(GROUP, CHATTY, "good morning everyone, nice weather today"),
            emu.user_message(GROUP, CHATTY, "haha yes"),
        ]
        await tg.settle()
        asked = emu.user_message(GROUP, ASKERS[0], ASK_EN[1])
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="answer")
        answer = [m for m in tg.sent() if m.get("text") == ANSWER_EN]
        quiet += [
            emu.user_message(GROUP, ASKERS[0], "thanks!", reply_to=answer[0]["message_id"]),
            emu.user_message(GROUP, CHATTY, "/start@helper_bot"),
            emu.user_message(GROUP, CHATTY, "/roll 20"),
        ]
        clock.advance(timedelta(seconds=30))
        emu.edit_user_message(GROUP, asked["message_id"], ASK_EN[1] + " (typo fixed)")
        await tg.settle()
    assert tg.texts() == [ANSWER_EN], ("the bot spoke to bots, service messages, media or "
                                        "chatter", tg.texts())
    assert not any(replies_to(emu, GROUP, m["message_id"]) for m in quiet)
    assert not any(tg.deletes().get(m["message_id"]) for m in quiet), tg.deletes()


async def test_tg_temporary_messages_go_after_a_restart_and_a_429_and_5xx_on_delete(
        tg: TgDay, tg_app, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime) -> None:
    """A warning notice, a report acknowledgement, a pointer and a refusal are posted; the bot
    is restarted before any TTL runs out; the first deletes after the restart are answered 429
    (retry after 5 s) and then 500 twice. Each temporary message is still deleted, exactly
    once, and only the FAQ answer is left in the group. After the restart, the member
    repeating the refused command within `refusal_cooldown` hears nothing, and a member asking
    the answered question within `repeat_window` gets a pointer, not a second answer."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, ASKERS[0], ASK_EN[0])
        await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]), what="answer")
        clock.advance(timedelta(seconds=20))
        emu.user_message(GROUP, ASKERS[1], ASK_EN[2])
        emu.user_message(GROUP, PUSHY, "/mute @someone 1h")
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        emu.user_message(GROUP, REPORTER, "/report spam", reply_to=spam["message_id"])
        rude = emu.user_message(GROUP, RAIDERS[0], RUDE_EN[0])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deleted")
        await tg.settle()
        during = tg.texts()
    assert len(during) == 5, during  # answer, pointer, refusal, ack, notice
    assert len(tg.live()) == 5, tg.live()

    restarted = await tg_app(instance="qa67-after")
    emu.fail_next("deleteMessage", 1, status=429, retry_after=5)
    emu.fail_next("deleteMessage", 2, status=500)
    clock.advance(timedelta(minutes=3))
    fake.now += 180
    async with RunningBot(restarted, fast_options(fake)):
        await tg.run_until(restarted, lambda: tg.live() == [ANSWER_EN], limit=60)
        # within refusal_cooldown (10m) and repeat_window (30m), across the restart
        emu.user_message(GROUP, PUSHY, "/mute @someone 1h")
        emu.user_message(GROUP, ASKERS[2], ASK_EN[0])
        await tg.settle()
        after = tg.texts()[len(during):]
    assert after == [render("faq.answered_above", who=name_of(ASKERS[2]))], (
        "after the restart: no second refusal, a pointer not a second answer", after)
    assert tg.live() == [ANSWER_EN, after[0]], tg.live()
    assert emu.calls_of("deleteMessage", ok=False), "the faults were not hit"
    assert all(n == 1 for n in tg.deletes().values()), tg.deletes()


async def test_tg_queue_mute_and_ticket_outcome_stay_out_of_the_group(
        tg: TgDay, tg_app, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime) -> None:
    """Olga mutes a member from the queue (README: "told to the member privately ... since
    nobody in their group saw it") and resolves a member's report (the reporter gets "a
    private notice of the outcome"). Nothing of either reaches the group: after `ack_ttl`
    the group holds no bot message at all."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        for who in (REPORTER, SPAMMER):  # both once wrote to the bot
            emu.user_message(who, who, "/start")
        spam = emu.user_message(GROUP, SPAMMER, SPAM)
        report = emu.user_message(GROUP, REPORTER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, report["message_id"]), what="ack")
        mute = emu.user_message(QUEUE, ADMIN, f"/mute 2h {SPAMMER} advertising")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, mute["message_id"]), what="mute")
        resolve = emu.user_message(QUEUE, ADMIN, "/resolve 1 muted")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, resolve["message_id"])
                           or len(emu.sent_texts(REPORTER)) >= 2, what="resolved")
        await tg.settle()
        said = tg.texts()
        await tg.run_until(app, lambda: not tg.live(), step=timedelta(seconds=20), limit=10)
    assert said == [render("complaints.ack", number=1)], ("only the acknowledgement in the "
                                                          "group", said)
    assert len(emu.sent_texts(SPAMMER)) >= 2, ("the muted member was not told privately",
                                               emu.sent_texts(SPAMMER))
    assert len(emu.sent_texts(REPORTER)) >= 2, emu.sent_texts(REPORTER)
    assert tg.live() == [], tg.live()


# ============================================================================================
# VK: a busy day in a Russian community chat, with a restart and failing deletes
# ============================================================================================

def vk_live(emulator: VkEmulator, peer: int = VK_CHAT) -> list[str]:
    """The bot's messages still visible in ``peer`` (the test's forged "own message" aside)."""
    return [m.text for m in vk_sent(emulator, peer) if not m.deleted]


_FORGED: set[tuple[int, int]] = set()  # (peer, cmid) the test posted as the community itself


def vk_sent(emulator: VkEmulator, peer: int = VK_CHAT) -> list[ChatMessage]:
    return [m for m in emulator.sent(peer) if (peer, m.cmid) not in _FORGED]


def vk_deletes(emulator: VkEmulator, peer: int = VK_CHAT) -> dict[int, int]:
    counts: dict[int, int] = {}
    for call in emulator.calls_to("messages.delete"):
        if int(call.params["peer_id"]) == peer:
            for cmid in str(call.params.get("cmids", "")).split(","):
                if cmid:
                    counts[int(cmid)] = counts.get(int(cmid), 0) + 1
    return counts


def vk_replies(emulator: VkEmulator, cmid: int, peer: int = VK_CHAT) -> list[ChatMessage]:
    return [m for m in vk_sent(emulator, peer) if m.reply_to == cmid]


async def vk_run_until(bot: VkBot, done: Callable[[], bool], *,
                       step: timedelta = timedelta(seconds=10), limit: int = 60) -> None:
    assert bot.app is not None
    for _ in range(limit):
        if done():
            return
        bot.clock.advance(step)
        await bot.app.pipeline.drain()
        await asyncio.sleep(0.02)
    assert done(), f"not there; the bot's live messages: {vk_live(bot.emulator)}"


def vk_action(emulator: VkEmulator, from_id: int, action: dict[str, Any]) -> int:
    return emulator.post_message(VK_CHAT, from_id, "", action=action)


async def test_vk_busy_day_in_a_russian_chat_leaves_only_answers_and_the_post(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """A day in a Russian VK chat with a bilingual FAQ: five members ask the price within ten
    minutes (one answer in Russian, four pointers), one asks in English (answered in English),
    a member tries !ban three times (one refusal), a member reports spam (one
    acknowledgement), ten members swear within half a minute (ten notices, in Russian), and
    the bot stays silent to itself, another community's bot, joins, leaves, pins, title
    changes, a sticker, a voice message and chatter. The bot is restarted before the TTLs
    run out and the first deletes then fail with VK's errors 10 and 9. A scheduled post goes
    out; at the end only the two answers and the post are left in the chat."""
    (tmp_path / "faq.toml").write_text(FAQ_BILINGUAL, encoding="utf-8")
    emulator.set_admins(VK_QUEUE, 901)
    emulator.add_members(VK_CHAT, *ASKERS, *RAIDERS, REPORTER, SPAMMER, PUSHY, CHATTY)
    for uid in (*ASKERS, *RAIDERS, REPORTER, SPAMMER, PUSHY, CHATTY):
        emulator.real_names[uid] = (name_of(uid), "Crowd")
    post_at = clock.now() + timedelta(hours=2)
    text = vk_config_text(emulator, community_extra='faq = "faq.toml"') + schedule_entry(
        post_at.astimezone(ZoneInfo("Europe/Moscow")).strftime(
            "%Y-%m-%d %H:%M"), POST_RU, f"vk:{VK_CHAT}")
    text = text.replace('language = "en"', 'language = "ru"')
    bot = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await bot.start()
    try:
        forged = emulator.post_message(VK_CHAT, -emulator.group_id, ASK_RU[0])
        _FORGED.add((VK_CHAT, forged))
        quiet = [
            forged,
            emulator.post_message(VK_CHAT, -777, ASK_RU[0]),
            vk_action(emulator, CHATTY, {"type": "chat_invite_user", "member_id": 7001}),
            vk_action(emulator, 7002, {"type": "chat_invite_user_by_link"}),
            vk_action(emulator, 7001, {"type": "chat_kick_user", "member_id": 7001}),
            vk_action(emulator, CHATTY, {"type": "chat_pin_message", "member_id": CHATTY,
                                         "conversation_message_id": 1}),
            vk_action(emulator, CHATTY, {"type": "chat_title_update", "text": "Фитнес"}),
            emulator.post_message(VK_CHAT, CHATTY, "", attachments=[
                {"type": "sticker", "sticker": {"product_id": 1, "sticker_id": 9}}]),
            emulator.post_message(VK_CHAT, CHATTY, "", attachments=[
                {"type": "audio_message", "audio_message": {"duration": 3}}]),
            emulator.post_message(VK_CHAT, CHATTY, "всем доброе утро, отличная погода"),
        ]
        first = emulator.post_message(VK_CHAT, ASKERS[0], ASK_RU[0])
        await emulator.wait_for(lambda: vk_replies(emulator, first))
        for n, asker in enumerate(ASKERS[1:], start=1):
            clock.advance(timedelta(minutes=2))
            emulator.post_message(VK_CHAT, asker, ASK_RU[n])
        english = emulator.post_message(VK_CHAT, CHATTY, "How much is the membership?")
        tries = []
        for _ in range(3):
            clock.advance(timedelta(minutes=3))
            tries.append(emulator.post_message(VK_CHAT, PUSHY, "!ban @id6902"))
        spam = emulator.post_message(VK_CHAT, SPAMMER, SPAM)
        report = emulator.post_message(VK_CHAT, REPORTER, "!report спам", reply_to=spam)
        raid = []
        for n, raider in enumerate(RAIDERS):
            clock.advance(timedelta(seconds=3))
            raid.append(emulator.post_message(VK_CHAT, raider, RUDE_RU[n % len(RUDE_RU)]))
        await emulator.wait_for(
            lambda: len([m for m in vk_sent(emulator) if "Raider" in m.text]) >= 10
            and vk_replies(emulator, report) and vk_replies(emulator, english))
        clock.advance(timedelta(seconds=1))  # not past any TTL
        said = [m.text for m in vk_sent(emulator)]
    finally:
        await bot.stop()

    emulator.fail("messages.delete", 10, times=1)
    emulator.fail("messages.delete", 9, times=1)
    clock.advance(timedelta(minutes=3))
    await bot.start()
    try:
        clock.set(post_at + timedelta(minutes=1))
        assert bot.app is not None
        await service_for(bot.app).run_due(clock.now())
        await bot.app.pipeline.drain()
        await vk_run_until(bot, lambda: POST_RU in vk_live(emulator)
                           and len(vk_live(emulator)) <= 3)
    finally:
        await bot.stop()

    left = vk_live(emulator)
    answers_ru = [t for t in said if t == PRICE_RU]
    answers_en = [t for t in said if t == PRICE_EN]
    notices = [t for t in said if "Raider" in t]
    refusals = [m.text for tr in tries for m in vk_replies(emulator, tr)]
    acks = [m.text for m in vk_replies(emulator, report)]
    assert not any(vk_replies(emulator, q) for q in quiet), said
    assert len(answers_ru) == 1 and len(answers_en) == 1, said
    assert [m.text for m in vk_replies(emulator, english)] == [PRICE_EN], said
    pointers = [t for t in said if t not in (PRICE_RU, PRICE_EN) and "Raider" not in t
                and t not in refusals and t not in acks]
    assert len(pointers) == 4 and all(russian(t) for t in pointers), pointers
    assert len(refusals) == 1 and russian(refusals[0]), refusals
    assert len(acks) == 1 and "#1" in acks[0] and russian(acks[0]), acks
    assert len(notices) == len(RAIDERS), notices
    for raider in RAIDERS:
        mine = [t for t in notices if name_of(raider) in t]
        assert len(mine) == 1 and russian(mine[0]), (raider, mine)
    assert len(said) == 2 + 4 + 1 + 1 + len(RAIDERS), said
    assert sorted(left) == sorted([PRICE_RU, PRICE_EN, POST_RU]), (
        "bot messages still visible in the chat after the day", left)
    assert [c for c in emulator.calls if c.method == "messages.delete" and c.error], \
        "the delete faults were not hit"
    assert all(n == 1 for n in vk_deletes(emulator).values()), vk_deletes(emulator)


def wall_live(emulator: VkEmulator) -> list[str]:
    """The community's comments still visible on the wall."""
    return [c["text"] for c in emulator.comments.values()
            if c["from_id"] == -emulator.group_id and not c["deleted"]]


async def test_vk_wall_comments_clean_up_like_the_chat(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """Under a wall post of a Russian community: three members ask the price within five
    minutes, one swears, one tries !ban twice. README: the wall's warning comment names the
    commenter as a link and, like every notice, "deletes itself after `notice_ttl`"; the FAQ
    is not re-answered within `repeat_window`; one refusal per `refusal_cooldown`. After the
    TTLs only the answer is left under the post (Combot, too, cleans its comment notices)."""
    (tmp_path / "faq.toml").write_text(FAQ_BILINGUAL, encoding="utf-8")
    text = vk_config_text(emulator, community_extra='faq = "faq.toml"')
    bot = VkBot(write_vk_config(tmp_path, text.replace('language = "en"', 'language = "ru"')),
                clock, emulator)
    await bot.start()
    try:
        post = 10
        first = emulator.post_comment(post, ASKERS[0], ASK_RU[0])
        await emulator.wait_for(lambda: wall_live(emulator))
        for n, asker in enumerate(ASKERS[1:3], start=1):
            clock.advance(timedelta(minutes=2))
            emulator.post_comment(post, asker, ASK_RU[n])
        rude = emulator.post_comment(post, RAIDERS[0], RUDE_RU[0])
        for _ in range(2):
            clock.advance(timedelta(seconds=30))
            emulator.post_comment(post, PUSHY, "!ban [id6902|Member]")
        await emulator.wait_for(lambda: emulator.comments[rude]["deleted"]
                                and len(wall_live(emulator)) >= 3)
        await vk_settle(emulator)
        said = [c["text"] for c in emulator.comments.values()
                if c["from_id"] == -emulator.group_id]
        clock.advance(timedelta(minutes=3))
        await vk_run_until(bot, lambda: wall_live(emulator) == [PRICE_RU], limit=30)
    finally:
        await bot.stop()
    assert said.count(PRICE_RU) == 1, said
    assert not emulator.comments[first]["deleted"]
    assert all(russian(t) for t in said if t != PRICE_RU), said


async def test_tg_russian_group_bilingual_faq_and_repeated_refusals(
        tg: TgDay, tmp_path: Path, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime,
        open_app: Callable[..., Awaitable[App]]) -> None:
    """A Russian community on Telegram with a bilingual FAQ. A question in English is answered
    in English, one in Russian in Russian (README: a Cyrillic question is matched against the
    Russian entries, English words against the English ones); a member swearing in English
    is warned in Russian (the community's language). A bare /report three times and /report
    of one's own message twice each get one reply ("said once per `refusal_cooldown`"), in
    Russian; after the TTLs only the two answers are left."""
    (tmp_path / "faq.toml").write_text(FAQ_BILINGUAL, encoding="utf-8")
    telegram_config(tmp_path, emu.api_base, extra_community='faq = "faq.toml"\n')
    path = tmp_path / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace('language = "en"',
                                                             'language = "ru"'), encoding="utf-8")
    app = await open_app(load_config(path), clock, "qa67-ru")
    async with RunningBot(app, fast_options(fake)):
        en = emu.user_message(GROUP, ASKERS[0], "How much is the membership?")
        ru = emu.user_message(GROUP, ASKERS[1], ASK_RU[0])
        rude = emu.user_message(GROUP, RAIDERS[0], RUDE_EN[0])
        bare, own = [], []
        for _ in range(3):
            clock.advance(timedelta(seconds=40))
            fake.now += 40
            bare.append(emu.user_message(GROUP, PUSHY, "/report"))
        mine = emu.user_message(GROUP, CHATTY, "I think the schedule changed")
        for _ in range(2):
            clock.advance(timedelta(seconds=40))
            fake.now += 40
            own.append(emu.user_message(GROUP, CHATTY, "/report", reply_to=mine["message_id"]))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deleted")
        await tg.settle()
        said = tg.texts()
        await tg.run_until(app, lambda: len(tg.live()) <= 2, step=timedelta(seconds=20),
                           limit=20)
    assert replies_to(emu, GROUP, en["message_id"]) == [PRICE_EN], said
    assert replies_to(emu, GROUP, ru["message_id"]) == [PRICE_RU], said
    notices = [t for t in said if t not in (PRICE_EN, PRICE_RU)
               and t not in [r for m in bare + own for r in replies_to(emu, GROUP, m["message_id"])]]
    assert len(notices) == 1 and russian(notices[0]), ("one notice, in Russian", notices)
    bare_replies = [t for m in bare for t in replies_to(emu, GROUP, m["message_id"])]
    own_replies = [t for m in own for t in replies_to(emu, GROUP, m["message_id"])]
    assert len(bare_replies) == 1 and russian(bare_replies[0]), bare_replies
    assert len(own_replies) == 1 and russian(own_replies[0]), own_replies
    assert sorted(tg.live()) == sorted([PRICE_EN, PRICE_RU]), tg.live()


@pytest.mark.parametrize("command", [
    "/ban @someone",
    "/report",
])
async def test_tg_a_refusal_is_said_once_per_cooldown_not_once_ever(
        tg: TgDay, tg_app, emu: TelegramEmulator, clock: FakeClock, fake: FakeTime,
        command: str) -> None:
    """The other side of the cooldown: README, "one polite refusal per `refusal_cooldown`"
    (10m), and "a bare `/report`'s usage" is "said once per `refusal_cooldown`". A member
    trying again three minutes later hears nothing; eleven minutes after the first reply
    (past the cooldown) they are told again, once: a member who comes back later is not left
    without an answer (Rose answers every misuse; the cooldown only keeps it from spamming)."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        tries = []
        for wait in (0, 3, 8):  # minutes 0, 3 and 11
            clock.advance(timedelta(minutes=wait))
            fake.now += wait * 60
            tries.append(emu.user_message(GROUP, PUSHY, command))
            await tg.settle()
    answered = [bool(replies_to(emu, GROUP, m["message_id"])) for m in tries]
    assert answered == [True, False, True], (answered, tg.texts())
