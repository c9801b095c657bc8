"""QA round 40: a moderator's night shift, on the wire, on both networks.

A raid: new accounts post мат, links and the same spam text within a minute in a Telegram
group and in a VK chat; members report them (several on one message, one without replying,
one against a moderator); two moderators work the queue at once (claim, resolve, reject, ban
from a card) and type commands in the chat (/warn, /mute 10m, /mute 1h30m reason, /tmute,
/unmute, /ban, /unban, /kick, /warns, /unwarn, /purge, /del, /mute@botname, a command in
reply to a forward, an anonymous admin, a channel sender, a member trying moderator
commands). Each test asserts what the chat, the moderators and the owner see: verdicts
explained in the chat's language, the configured ladder (warn → mute 10m → mute 1h30m →
ban), one outcome notice per reporter, an audit trail (`modbot audit`) naming who did what,
nothing done twice and nothing done in a chat the owner did not configure.

The real Telegram adapter runs against tests/tg_emulator and the real VK adapter against
tests/vk_emulator (both imported, never edited). Time is the injected clock; waits are
predicates on what the emulators saw, never sleeps.
"""

from __future__ import annotations

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
    TOKEN,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import command, render, replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock

# --------------------------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------------------------

OLGA = ADMIN  # 700: admin of the group and of the queue chat
PAVEL = LISTED_MODERATOR  # 900: listed in the community's moderators
WITNESS = 950  # a listed moderator whose /help marks "everything before was handled"
RAIDERS = (4101, 4102, 4103, 4104, 4105)
RAIDER_NAMES = {4101: "Игорь", 4102: "Денис", 4103: "Марат", 4104: "Руслан", 4105: "Тимур"}
REPORTERS = (5101, 5102, 5103)
REPORTER_NAMES = {5101: "Анна", 5102: "Вера", 5103: "Галина"}
MEMBER = 111
OTHER_MEMBER = 222
CHANNEL = -100777  # a channel a member posts as
ANON_BOT = {"id": 1087968824, "is_bot": True, "first_name": "Group",
            "username": "GroupAnonymousBot"}
STRANGER_GROUP = -3003  # a group the owner never configured
BOT_USERNAME = "modbot_test_bot"

VK_MOD_B = 901  # admin of the VK queue chat: a moderator community-wide
VK_STRANGER_CHAT = 2_000_000_009

RUDE_RU = ("ты хуйло ебаное", "ну ты и пиздабол", "иди нахуй со своими правилами",
           "Блядь, ну кто так строит?")
RUDE_EN = ("this is fucking ridiculous", "shut up you fucking idiot", "fuck this chat")
OBSCENE_ROOTS = ("хуй", "хуйл", "пизд", "нахуй", "бляд", "ебан", "fuck")
SPAM = "Заработок от 5000₽ в день без вложений! Пиши в лс t.me/easy_money_24"

LADDER = """
[community.moderation]
ladder = [
  { action = "warn" },
  { action = "mute", duration = "10m" },
  { action = "mute", duration = "1h30m" },
  { action = "ban" },
]
"""

ENGLISH_LEAKS = re.compile(
    r"\b(muted|banned|warned|Usage|can't|could not|removed|Warning|next|Reason|Ticket|"
    r"report|Thank|moderators?)\b")


def russian(text: str) -> bool:
    return bool(re.search("[а-яА-Я]", text)) and not ENGLISH_LEAKS.search(text)


def english(text: str, *names: str) -> bool:
    for name in names:
        text = text.replace(name, "")
    return not re.search("[а-яА-ЯёЁ]", text)


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

def night_config(folder: Path, api_base: str, *, lang: str, audit: bool) -> LoadedConfig:
    text = textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "{lang}"
        timezone = "Europe/Moscow"
        chats = ["telegram:{GROUP}"]
        moderators = ["telegram:{PAVEL}", "telegram:{WITNESS}"]
        queue = "telegram:{QUEUE}"
        audit = {"true" if audit else "false"}
        """) + textwrap.dedent(LADDER)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def clock() -> FakeClock:
    # Telegram reads until_date against the wall clock: the bot's clock runs near the present
    return wall_clock()


@pytest.fixture
def night(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
          open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """The community's Telegram app: the group "Ночной чат", its queue, the ladder above;
    Olga is the group's admin, Pavel a listed moderator."""
    emu.world.chats[GROUP].title = "Ночной чат"
    emu.world.user(OLGA, "Olga")
    emu.world.user(PAVEL, "Pavel")
    emu.world.user(WITNESS, "Wit")
    for uid, name in {**RAIDER_NAMES, **REPORTER_NAMES}.items():
        emu.world.user(uid, name)
    emu.world.user(MEMBER, "Mary")

    async def make(lang: str = "ru", audit: bool = False) -> App:
        return await open_app(night_config(tmp_path, emu.api_base, lang=lang, audit=audit),
                              clock, "qa40")

    return make


HELPS = {render("common.help_moderator", lang) for lang in ("ru", "en")}


async def tg_settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before has been handled: a moderator's /help got its answer (a
    moderator's commands are not counted against the members' five a minute)."""
    probe = emu.user_message(chat, WITNESS, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="the witness's /help answer")


def said(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """What the bot said in ``chat``, without the witness's /help answers."""
    return [t for t in emu.sent_texts(chat) if t not in HELPS]


def deletes(emu: TelegramEmulator, chat: int = GROUP) -> Counter[int]:
    return Counter(int(c.params["message_id"]) for c in emu.calls_of("deleteMessage")
                   if int(c.params["chat_id"]) == chat)


def restricts(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("restrictChatMember")
            if int(c.params["user_id"]) == user]


def bans(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("banChatMember") if int(c.params["user_id"]) == user]


def member_actions(emu: TelegramEmulator) -> list[tuple[str, dict[str, Any]]]:
    return [(c.method, c.params) for c in emu.calls if c.ok and c.method in (
        "restrictChatMember", "banChatMember", "unbanChatMember", "banChatSenderChat")]


def until(params: dict[str, Any]) -> int:
    return int(params.get("until_date") or 0)


def at(clock: FakeClock, delta: timedelta = timedelta(0)) -> int:
    return int((clock.now() + delta).timestamp())


def muted_all(params: dict[str, Any]) -> bool:
    perms = params["permissions"]
    return not any(v for k, v in perms.items() if k.startswith("can_send"))


def cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(QUEUE)
            if re.match(r"(Ticket|Тикет) #\d+", m.get("text") or "")]


def card_now(emu: TelegramEmulator, card: dict[str, Any]) -> dict[str, Any]:
    return emu.world.messages[(QUEUE, card["message_id"])].message


def button(message: dict[str, Any], prefix: str) -> str | None:
    for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
        for b in row:
            if str(b.get("callback_data", "")).startswith(prefix):
                return str(b["callback_data"])
    return None


async def answered(emu: TelegramEmulator, *qids: str) -> list[dict[str, Any]]:
    await emu.wait_for(lambda: all(emu.world.callbacks[q].get("answered") for q in qids),
                       what="the button answers")
    return [emu.world.callbacks[q]["answered"] for q in qids]


def private_texts(emu: TelegramEmulator, user: int) -> list[str]:
    return emu.sent_texts(user)


async def say_hello_privately(emu: TelegramEmulator, *users: int) -> None:
    """Members who once wrote to the bot, so it may tell them how their report ended."""
    for user in users:
        emu.user_message(user, user, "/start")
    await emu.wait_for(lambda: all(emu.sent_texts(u) for u in users), what="the greetings")


def post(emu: TelegramEmulator, chat: int, sender: dict[str, Any], text: str, *,
         reply_to: int | None = None, **fields: Any) -> dict[str, Any]:
    """Any message as Telegram delivers it (an anonymous admin's ``from`` is
    GroupAnonymousBot, which the emulator's user_message does not set)."""
    world = emu.world
    chat_obj = world.chat(chat)
    extra: dict[str, Any] = {"from": sender, "text": text, **fields}
    if reply_to is not None:
        nested = dict(world.messages[(chat, reply_to)].message)
        nested.pop("reply_to_message", None)
        extra["reply_to_message"] = nested
    message = world.new_message(chat_obj, **extra)
    world.store(chat_obj, message, from_bot=False)
    world.push("message", message)
    emu._bump()
    return message


def audit_cli(config: Path, since: str = "2d") -> list[str]:
    """`python -m bot audit` as the owner runs it (stdout lines)."""
    done = subprocess.run(
        [sys.executable, "-m", "bot", "audit", "--config", str(config), "--community", "demo",
         "--since", since], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.splitlines()


def audit_rows(lines: list[str], action: str) -> list[str]:
    return [line for line in lines if line.split()[3] == action]


# --------------------------------------------------------------------------------------------
# Telegram: the raid and the ladder
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", ["ru", "en"])
async def test_tg_raid_newcomers_swearing_each_deleted_and_warned_once_in_the_chats_language(
        night, emu, fake, clock, lang: str) -> None:
    """Three fresh accounts swear within a minute: each message goes, each author gets one
    notice in the chat's language saying the rule and what comes next (the configured step 2,
    mute 10m), never repeating the word; nobody is muted yet, the bystander is untouched."""
    app = await night(lang=lang)
    rude = RUDE_RU[:3] if lang == "ru" else RUDE_EN
    async with RunningBot(app, fast_options(fake)):
        calm = emu.user_message(GROUP, MEMBER, "Всем привет" if lang == "ru" else "Hi all")
        posted = []
        for raider, text in zip(RAIDERS, rude, strict=False):
            clock.advance(timedelta(seconds=15))
            posted.append(emu.user_message(GROUP, raider, text))
        head = "сообщение удалено" if lang == "ru" else "your message was removed"
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in posted)
                           and len([t for t in said(emu) if head in t]) >= 3,
                           what="the three deletions and notices")
        await tg_settle(emu)
        notice_ids = [c.result["message_id"] for c in emu.calls_of("sendMessage")
                      if c.result["chat"]["id"] == GROUP and head in c.result["text"]]
        clock.advance(timedelta(minutes=3))  # notice_ttl (2m): the notices clean up after
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, i) for i in notice_ids),
                           what="the notices removed after notice_ttl")
    notices = [t for t in said(emu) if head in t]
    assert len(notices) == 3, notices
    for raider in RAIDERS[:3]:
        assert len([t for t in notices if RAIDER_NAMES[raider] in t]) == 1, (raider, notices)
    step = ("Предупреждение 1 из 4; дальше: мут на 10 мин" if lang == "ru"
            else "Warning 1 of 4; next: mute 10m")
    assert all(step in t for t in notices), notices
    for text in notices:
        assert not any(root in text.lower() for root in OBSCENE_ROOTS), text
        assert russian(text) if lang == "ru" else english(text, *RAIDER_NAMES.values()), text
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in posted), counts
    assert not emu.is_deleted(GROUP, calm["message_id"])
    assert not member_actions(emu), member_actions(emu)


async def test_tg_raiders_repeating_or_flooding_are_handled_once_each_in_russian(
        night, emu, fake, clock) -> None:
    """README anti-flood: the same text `repeats` (3) times within `repeat_window` → the
    repeats are deleted; `messages` (8) within `window` (10s) → mute for `mute` (10m). One
    raider pastes the same link spam four times in forty seconds: the repeats go and the chat
    hears it once. Another fires eight adverts in seven seconds: muted for exactly ten
    minutes, told once. Both in Russian."""
    app = await night()
    repeater, flooder = RAIDERS[0], RAIDERS[1]
    async with RunningBot(app, fast_options(fake)):
        posted = []
        for _ in range(4):
            clock.advance(timedelta(seconds=10))
            posted.append(emu.user_message(GROUP, repeater, SPAM))
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"])
                                       for m in posted[1:]), what="the repeats deleted")
        for n in range(8):
            clock.advance(timedelta(seconds=1))
            emu.user_message(GROUP, flooder, f"Крипта x10 за день, пиши мне, вариант {n}")
        expected = at(clock, timedelta(minutes=10))
        await emu.wait_for(lambda: restricts(emu, flooder), what="the flood mute")
        await tg_settle(emu)
    repeats = [t for t in said(emu) if "не повторяйте" in t]
    assert len(repeats) == 1 and RAIDER_NAMES[repeater] in repeats[0], said(emu)
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in posted[1:]), counts
    assert restricts(emu, repeater) == []
    (mute,) = restricts(emu, flooder)
    assert until(mute) == expected and muted_all(mute), mute
    slow = [t for t in said(emu) if "помедленнее" in t]
    assert len(slow) == 1 and RAIDER_NAMES[flooder] in slow[0] and "на 10 мин" in slow[0], slow
    assert all(russian(t) for t in (*repeats, *slow)), (repeats, slow)


async def test_tg_ladder_follows_the_configured_steps_warn_mute_10m_mute_1h30m_ban(
        night, emu, fake, clock) -> None:
    """One raider keeps swearing after each sanction ends: warning; mute for exactly 10
    minutes; mute for exactly 1h30m; permanent ban — one platform call per step, each notice
    saying what happened and what comes next, in Russian."""
    app = await night()
    raider = RAIDERS[0]
    expected_until: list[int] = []
    async with RunningBot(app, fast_options(fake)):
        for step, (text, pause) in enumerate(zip(RUDE_RU, (
                timedelta(minutes=1), timedelta(minutes=11), timedelta(minutes=91),
                timedelta(0)), strict=True), start=1):
            message = emu.user_message(GROUP, raider, text)
            if step == 2:
                expected_until.append(at(clock, timedelta(minutes=10)))
            if step == 3:
                expected_until.append(at(clock, timedelta(hours=1, minutes=30)))
            await emu.wait_for(lambda step=step, message=message: emu.is_deleted(
                GROUP, message["message_id"]) and len(
                [t for t in said(emu) if "сообщение удалено" in t]) >= step,
                what=f"step {step}")
            clock.advance(pause)
        await tg_settle(emu)
    notices = [t for t in said(emu) if "сообщение удалено" in t]
    assert len(notices) == 4, notices
    assert "Предупреждение 1 из 4; дальше: мут на 10 мин" in notices[0], notices[0]
    assert "на 10 мин" in notices[1] and \
        "Предупреждение 2 из 4; дальше: мут на 1 ч 30 мин" in notices[1], notices[1]
    assert "на 1 ч 30 мин" in notices[2] and \
        "Предупреждение 3 из 4; дальше: бессрочный бан" in notices[2], notices[2]
    assert "Бан" in notices[3] and "дальше" not in notices[3], notices[3]
    assert all(russian(t) for t in notices), notices
    mutes = restricts(emu, raider)
    assert [until(p) for p in mutes] == expected_until, ([until(p) for p in mutes],
                                                          expected_until)
    assert all(muted_all(p) for p in mutes), mutes
    banned = bans(emu, raider)
    assert len(banned) == 1 and until(banned[0]) == 0, banned
    assert emu.world.chats[GROUP].members[raider]["status"] == "kicked"


async def test_tg_moderators_warn_continues_the_filters_ladder_and_warns_lists_both(
        night, emu, fake, clock) -> None:
    """Warnings are one ladder whoever gives them: after the filter's warning, Olga's /warn
    is the second step (mute 10m). /warns lists both (the filter's by its polite reason in
    the chat), /unwarn takes back the latest."""
    app = await night()
    raider = RAIDERS[1]
    async with RunningBot(app, fast_options(fake)):
        rude = emu.user_message(GROUP, raider, RUDE_RU[0])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deleted")
        clock.advance(timedelta(seconds=20))
        spam = emu.user_message(GROUP, raider, SPAM)
        now_until = at(clock, timedelta(minutes=10))
        warn = await command(emu, OLGA, "/warn реклама", reply_to=spam["message_id"])
        await emu.wait_for(lambda: restricts(emu, raider), what="the ladder's mute")
        listing = await command(emu, OLGA, "/warns", reply_to=spam["message_id"])
        unwarn = await command(emu, OLGA, "/unwarn", reply_to=spam["message_id"])
        again = await command(emu, PAVEL, "/warns", reply_to=spam["message_id"])
        await tg_settle(emu)
    (warned,) = replies_to(emu, GROUP, warn["message_id"])
    assert "реклама" in warned and "на 10 мин" in warned, warned
    assert "Предупреждение 2 из 4; дальше: мут на 1 ч 30 мин" in warned, warned
    (mute,) = restricts(emu, raider)
    assert until(mute) == now_until, (until(mute), now_until)
    (listed,) = replies_to(emu, GROUP, listing["message_id"])
    assert "действующих предупреждений: 2" in listed, listed
    assert "нецензурная лексика" in listed and "реклама" in listed, listed
    assert not any(root in listed for root in OBSCENE_ROOTS), listed
    (taken,) = replies_to(emu, GROUP, unwarn["message_id"])
    assert "Осталось действующих: 1" in taken, taken
    (listed_again,) = replies_to(emu, GROUP, again["message_id"])
    assert "действующих предупреждений: 1" in listed_again, listed_again
    assert not emu.is_deleted(GROUP, spam["message_id"]), "/warn keeps the evidence"


# --------------------------------------------------------------------------------------------
# Telegram: reports
# --------------------------------------------------------------------------------------------

async def test_tg_members_reports_one_card_per_message_one_answer_per_report(
        night, emu, fake, clock) -> None:
    """Three members report the same spam within a minute: one card counting three reports;
    each reporter hears exactly one answer with the ticket number; the first reporter
    insisting hears "already reported" once, then nothing. A report without a reply and one
    on one's own message are explained, not filed; a report on a moderator's (here: an
    anonymous admin's) message is marked on its card, which offers no Ban."""
    app = await night()
    group = emu.world.chats[GROUP].as_json()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, RAIDERS[0], SPAM)
        sent = []
        for reporter, reason in zip(REPORTERS, ("спам", "реклама казино", ""), strict=True):
            clock.advance(timedelta(seconds=10))
            sent.append(await command(emu, reporter, f"/report {reason}".strip(),
                                      reply_to=spam["message_id"]))
        clock.advance(timedelta(seconds=10))
        again = await command(emu, REPORTERS[0], "/report ещё раз",
                              reply_to=spam["message_id"])
        clock.advance(timedelta(seconds=10))
        third = emu.user_message(GROUP, REPORTERS[0], "/report да сколько можно",
                                 reply_to=spam["message_id"])
        bare = await command(emu, MEMBER, "/report спамеры в чате!")
        own = emu.user_message(GROUP, REPORTERS[1], "Кто-нибудь видел модераторов?")
        mine = await command(emu, REPORTERS[1], "/report", reply_to=own["message_id"])
        closing = post(emu, GROUP, ANON_BOT, "Чат закрыт на ночь, всем спать", sender_chat=group)
        against = await command(emu, REPORTERS[2], "/report цензура",
                                reply_to=closing["message_id"])
        await emu.wait_for(lambda: len(cards(emu)) == 2 and "жалоб: 3" in (
            card_now(emu, cards(emu)[0]).get("text") or ""), what="two cards, one counting 3")
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    assert len(cards(emu)) == 2, [c["text"] for c in cards(emu)]
    text = card_now(emu, cards(emu)[0])["text"]
    assert text.startswith("Тикет #1") and RAIDER_NAMES[RAIDERS[0]] in text, text
    assert replies_to(emu, GROUP, sent[0]["message_id"]) == [
        render("complaints.ack", "ru", number=1)]
    for cmd in sent[1:]:
        assert replies_to(emu, GROUP, cmd["message_id"]) == [
            render("complaints.ack_merged", "ru", number=1)]
    assert replies_to(emu, GROUP, again["message_id"]) == [
        render("complaints.ack_duplicate", "ru", number=1)]
    assert replies_to(emu, GROUP, third["message_id"]) == []
    assert replies_to(emu, GROUP, bare["message_id"]) == [
        render("complaints.report_usage", "ru")]
    assert replies_to(emu, GROUP, mine["message_id"]) == [render("complaints.report_own", "ru")]
    marked = cards(emu)[1]
    assert marked["text"].startswith("Тикет #2") and "Жалоба на модератора" in marked["text"], \
        marked["text"]
    assert button(marked, "t:ban:") is None and button(marked, "t:claim:"), marked
    assert replies_to(emu, GROUP, against["message_id"]) == [
        render("complaints.ack", "ru", number=2)]
    assert not member_actions(emu), "a crowd of reports never punishes by itself"


# --------------------------------------------------------------------------------------------
# Telegram: two moderators on the queue
# --------------------------------------------------------------------------------------------

async def tg_report(emu: TelegramEmulator, clock: FakeClock, *, author: int = RAIDERS[0],
                    reporters: tuple[int, ...] = (REPORTERS[0],),
                    text: str = SPAM) -> tuple[dict[str, Any], dict[str, Any]]:
    before = len(cards(emu))
    spam = emu.user_message(GROUP, author, text)
    for reporter in reporters:
        clock.advance(timedelta(seconds=5))
        await command(emu, reporter, "/report спам", reply_to=spam["message_id"])
    await emu.wait_for(lambda: len(cards(emu)) > before, what="the card")
    return spam, copy.deepcopy(cards(emu)[before])


async def test_tg_two_moderators_claiming_at_once_the_second_is_told_who_holds_it(
        night, emu, fake, clock) -> None:
    """Olga and Pavel press Claim on the same card in the same moment: the ticket is Olga's,
    Pavel is told so by name; two minutes later Pavel's Claim takes it over and the queue hears
    who took it from whom. Pavel then answers the card with "/mute 10m flood" (README: a reply
    to a ticket's card targets the ticket's author): muted in the group for ten minutes."""
    app = await night(lang="en")
    raider = RAIDERS[3]
    async with RunningBot(app, fast_options(fake)):
        _spam, card = await tg_report(emu, clock, author=raider)
        claim = button(card, "t:claim:")
        assert claim is not None
        q1 = emu.press(QUEUE, card["message_id"], OLGA, claim)
        q2 = emu.press(QUEUE, card["message_id"], PAVEL, claim)
        first, second = await answered(emu, q1, q2)
        await emu.wait_for(lambda: "claimed by Olga" in card_now(emu, card)["text"],
                           what="the card showing Olga's claim")
        clock.advance(timedelta(minutes=2))
        q3 = emu.press(QUEUE, card["message_id"], PAVEL, claim)
        (third,) = await answered(emu, q3)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "took it over" in t],
                           what="the takeover said in the queue")
        expected = at(clock, timedelta(minutes=10))
        mute = await command(emu, PAVEL, "/mute 10m flood", chat=QUEUE,
                             reply_to=card["message_id"])
        await emu.wait_for(lambda: restricts(emu, raider), what="the mute")
        await tg_settle(emu, QUEUE)
    (params,) = restricts(emu, raider)
    assert int(params["chat_id"]) == GROUP and until(params) == expected, params
    (answer,) = replies_to(emu, QUEUE, mute["message_id"])
    assert RAIDER_NAMES[raider] in answer and "10m" in answer and "flood" in answer, answer
    assert english(answer, *RAIDER_NAMES.values()), answer
    assert first["text"] == render("complaints.done_claim", "en", number=1), first
    assert second["text"] == render("complaints.refused_just_claimed", "en", number=1,
                                    who="Olga"), second
    assert third["text"] == render("complaints.done_takeover", "en", number=1,
                                   who="Olga"), third
    assert [t for t in emu.sent_texts(QUEUE) if "took it over" in t] == [
        render("complaints.taken_over", "en", number=1, who="Pavel", **{"from": "Olga"})]
    assert "claimed by Pavel" in card_now(emu, card)["text"]


async def test_tg_ban_author_pressed_by_both_moderators_bans_once_and_tells_each_reporter_once(
        night, emu, fake, clock) -> None:
    """Two reporters, two moderators pressing "Ban author" at once: one ban (permanent), the
    reported message deleted once, the ticket resolved, each reporter told once in Russian;
    a late /resolve is refused and tells nobody again."""
    app = await night()
    raider = RAIDERS[2]
    async with RunningBot(app, fast_options(fake)):
        await say_hello_privately(emu, REPORTERS[0], REPORTERS[1])
        spam, card = await tg_report(emu, clock, author=raider,
                                     reporters=(REPORTERS[0], REPORTERS[1]))
        ban = button(card, "t:ban:")
        assert ban is not None
        q1 = emu.press(QUEUE, card["message_id"], OLGA, ban)
        q2 = emu.press(QUEUE, card["message_id"], PAVEL, ban)
        first, second = await answered(emu, q1, q2)
        outcome = render("complaints.outcome_resolved", "ru", number=1, note="")
        await emu.wait_for(lambda: "решён" in card_now(emu, card)["text"]
                           and all(outcome in private_texts(emu, r) for r in REPORTERS[:2]),
                           what="the ticket resolved and both reporters told")
        late = await command(emu, PAVEL, "/resolve 1 готово", chat=QUEUE)
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    banned = bans(emu, raider)
    assert len(banned) == 1 and until(banned[0]) == 0, banned
    assert int(banned[0]["chat_id"]) == GROUP
    assert deletes(emu)[spam["message_id"]] == 1, deletes(emu)
    answers = sorted([first["text"], second["text"]])
    assert render("complaints.done_ban", "ru", number=1) in answers, answers
    assert any(a == render("complaints.refused_ban_pending", "ru", number=1)
               or a.startswith("Тикет #1 уже закрыт") for a in answers), answers
    for reporter in REPORTERS[:2]:
        assert private_texts(emu, reporter).count(outcome) == 1, private_texts(emu, reporter)
    (late_answer,) = replies_to(emu, QUEUE, late["message_id"])
    assert late_answer.startswith("Тикет #1 уже закрыт"), late_answer


async def test_tg_reject_tells_the_reporter_no_action_once_and_the_queue_who_could_not_be_told(
        night, emu, fake, clock) -> None:
    """Anna once wrote to the bot, Vera never did. /reject tells Anna (with the note), and the
    queue hears, once, that Vera could not be told; the reported member is left alone."""
    app = await night()
    async with RunningBot(app, fast_options(fake)):
        await say_hello_privately(emu, REPORTERS[0])
        _msg, _card = await tg_report(emu, clock, author=MEMBER,
                                      reporters=(REPORTERS[0], REPORTERS[1]),
                                      text="Кто-нибудь едет завтра на матч? Ссылка на билеты в лс")
        reject = await command(emu, OLGA, "/reject 1 обычный вопрос, не спам", chat=QUEUE)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "Не смог сообщить" in t],
                           what="the queue told about Vera")
        await tg_settle(emu, QUEUE)
        await tg_settle(emu)
    assert replies_to(emu, QUEUE, reject["message_id"]) == [
        render("complaints.done_reject", "ru", number=1)]
    told = [t for t in private_texts(emu, REPORTERS[0]) if "#1" in t]
    assert len(told) == 1 and "обычный вопрос, не спам" in told[0], told
    assert told[0].startswith("Ваша жалоба #1 рассмотрена; модераторы не нашли"), told
    not_told = [t for t in emu.sent_texts(QUEUE) if "Не смог сообщить" in t]
    assert len(not_told) == 1 and "Вера" in not_told[0] and "Анна" not in not_told[0], not_told
    assert not member_actions(emu)


# --------------------------------------------------------------------------------------------
# Telegram: commands typed in the chat
# --------------------------------------------------------------------------------------------

async def test_tg_mute_vocabulary_durations_reasons_aliases_addressing_forwards_unmute_kick(
        night, emu, fake, clock) -> None:
    """/mute 10m, /mute 1h30m with a reason of several words, /tmute (Rose's name),
    /mute@thisbot (as the client inserts it, and typed in other letter case) each mute for
    exactly what was asked and say it in Russian with the reason; /mute@combot is another
    bot's and does nothing here; /mute in reply to a forward mutes the member who forwarded
    it, not its original author. /unmute gives the chat back; /kick removes and lets return."""
    app = await night()
    r = RAIDERS
    original_author = 6060
    async with RunningBot(app, fast_options(fake)):
        spam = {x: emu.user_message(GROUP, x, f"{SPAM} #{x}") for x in r[:5]}
        fwd = emu.user_message(GROUP, MEMBER, SPAM, forwarded_from=original_author)
        ten = at(clock, timedelta(minutes=10))
        ninety = at(clock, timedelta(hours=1, minutes=30))
        c1 = await command(emu, OLGA, "/mute 10m", reply_to=spam[r[0]]["message_id"])
        c2 = await command(emu, OLGA, "/mute 1h30m реклама в личке",
                           reply_to=spam[r[1]]["message_id"])
        c3 = await command(emu, PAVEL, "/tmute 10m флуд", reply_to=spam[r[2]]["message_id"])
        c4 = await command(emu, OLGA, f"/mute@{BOT_USERNAME} 10m",
                           reply_to=spam[r[3]]["message_id"])
        c5 = emu.user_message(GROUP, PAVEL, "/mute@combot 10m",
                              reply_to=spam[r[4]]["message_id"])
        c6 = await command(emu, PAVEL, "/mute@ModBot_Test_Bot 10m пересылка рекламы",
                           reply_to=fwd["message_id"])
        unmute = await command(emu, PAVEL, "/unmute", reply_to=spam[r[0]]["message_id"])
        await emu.wait_for(lambda: len(restricts(emu, r[0])) == 2, what="the unmute")
        kick = await command(emu, OLGA, "/kick спам", reply_to=spam[r[4]]["message_id"])
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember"), what="the kick's unban")
        await tg_settle(emu)
    assert [until(p) for p in restricts(emu, r[0])][:1] == [ten]
    assert [until(p) for p in restricts(emu, r[1])] == [ninety]
    assert [until(p) for p in restricts(emu, r[2])] == [ten]
    assert [until(p) for p in restricts(emu, r[3])] == [ten]
    assert [until(p) for p in restricts(emu, MEMBER)] == [ten]
    assert restricts(emu, r[4]) == [] and restricts(emu, original_author) == []
    assert replies_to(emu, GROUP, c5["message_id"]) == []
    (r1,) = replies_to(emu, GROUP, c1["message_id"])
    (r2,) = replies_to(emu, GROUP, c2["message_id"])
    (r3,) = replies_to(emu, GROUP, c3["message_id"])
    (r4,) = replies_to(emu, GROUP, c4["message_id"])
    (r6,) = replies_to(emu, GROUP, c6["message_id"])
    assert RAIDER_NAMES[r[0]] in r1 and "на 10 мин" in r1, r1
    assert RAIDER_NAMES[r[1]] in r2 and "на 1 ч 30 мин" in r2 and "реклама в личке" in r2, r2
    assert "на 10 мин" in r3 and "флуд" in r3, r3
    assert "на 10 мин" in r4, r4
    assert "Mary" in r6 and "пересылка рекламы" in r6, r6
    lifted = restricts(emu, r[0])[1]
    assert all(v for k, v in lifted["permissions"].items() if k.startswith("can_send")), lifted
    assert emu.world.chats[GROUP].members[r[0]]["status"] == "member"
    (unmuted,) = replies_to(emu, GROUP, unmute["message_id"])
    assert unmuted == render("moderation.done.unmute", "ru", user=RAIDER_NAMES[r[0]]), unmuted
    assert len(bans(emu, r[4])) == 1
    assert emu.world.chats[GROUP].members[r[4]]["status"] == "left"
    (kicked,) = replies_to(emu, GROUP, kick["message_id"])
    assert "удалён(а) из чата" in kicked and "спам" in kicked, kicked
    answers = (r1, r2, r3, r4, r6, unmuted, kicked)
    assert all(russian(t) for t in answers), answers


async def test_tg_ban_then_unban_clears_the_warnings_for_a_fresh_start(
        night, emu, fake, clock) -> None:
    """README: lifting the bot's own ban clears the member's warnings. The raider swore once,
    Olga bans him (permanent), Pavel unbans him by id: the answer says one warning was cleared,
    and his next slip is warning 1 of 4 again."""
    app = await night()
    raider = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        rude = emu.user_message(GROUP, raider, RUDE_RU[0])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deleted")
        spam = emu.user_message(GROUP, raider, SPAM)
        ban = await command(emu, OLGA, "/ban спам", reply_to=spam["message_id"])
        clock.advance(timedelta(minutes=5))
        unban = await command(emu, PAVEL, f"/unban {raider}")
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember"), what="the unban")
        clock.advance(timedelta(minutes=5))
        again = emu.user_message(GROUP, raider, RUDE_RU[1])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, again["message_id"]), what="deleted")
        await tg_settle(emu)
    (banned,) = bans(emu, raider)
    assert until(banned) == 0, banned
    (said_ban,) = replies_to(emu, GROUP, ban["message_id"])
    assert "забанен" in said_ban and "спам" in said_ban, said_ban
    (said_unban,) = replies_to(emu, GROUP, unban["message_id"])
    assert said_unban == render("moderation.done.unban", "ru", user=RAIDER_NAMES[raider],
                                count=1), said_unban
    notices = [t for t in said(emu) if "сообщение удалено" in t]
    assert len(notices) == 2 and "Предупреждение 1 из 4" in notices[1], notices
    assert not restricts(emu, raider)


async def test_tg_second_moderators_mute_does_not_undo_a_fresh_permanent_ban(
        night, emu, fake, clock) -> None:
    """Two moderators act at once: Olga bans the raider for good; Pavel, who did not see it,
    mutes him for ten minutes a moment later. The ban must stand (README: /unmute refuses for
    a member the bot banned, /kick leaves a banned member banned): no restriction may replace
    it — on Telegram restrictChatMember on a banned user turns the ban into that restriction,
    as the emulator models, and the raider may come back when it ends."""
    app = await night()
    raider = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, raider, SPAM)
        await command(emu, OLGA, "/ban спам", reply_to=spam["message_id"])
        await emu.wait_for(lambda: bans(emu, raider), what="the ban")
        clock.advance(timedelta(seconds=3))
        await command(emu, PAVEL, "/mute 10m флуд", reply_to=spam["message_id"])
        await tg_settle(emu)
    assert len(bans(emu, raider)) == 1 and until(bans(emu, raider)[0]) == 0
    assert restricts(emu, raider) == [], restricts(emu, raider)
    assert emu.world.chats[GROUP].members[raider]["status"] == "kicked", \
        emu.world.chats[GROUP].members[raider]


async def test_tg_late_obscene_message_of_a_banned_raider_does_not_undo_the_ban(
        night, emu, fake, clock) -> None:
    """The raider swore once (warning 1), Olga banned him for his spam; one more obscene
    message he sent a few seconds before the ban arrives after it. It is deleted, and the ban
    stands: the ladder's step 2 (mute 10m) must not become a restriction that replaces it."""
    app = await night()
    raider = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        rude = emu.user_message(GROUP, raider, RUDE_RU[0])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="warning 1")
        spam = emu.user_message(GROUP, raider, SPAM)
        sent_before_the_ban = int(clock.now().timestamp())
        clock.advance(timedelta(seconds=5))
        await command(emu, OLGA, "/ban спам", reply_to=spam["message_id"])
        await emu.wait_for(lambda: bans(emu, raider), what="the ban")
        late = post(emu, GROUP, emu.world.user(raider), RUDE_RU[1], date=sent_before_the_ban)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, late["message_id"]),
                           what="the late message deleted")
        await tg_settle(emu)
    assert restricts(emu, raider) == [], restricts(emu, raider)
    assert emu.world.chats[GROUP].members[raider]["status"] == "kicked", \
        emu.world.chats[GROUP].members[raider]


async def test_tg_burst_beyond_the_ladders_ban_is_deleted_without_banning_and_announcing_again(
        night, emu, fake, clock) -> None:
    """A raider fires six obscene messages in one second (all sent before any sanction could
    land). The ladder's four steps are taken once each; the fifth and sixth messages are
    deleted, but he is already banned for good: no second ban, no second "banned" notice in
    the chat (during a raid every extra notice is noise, and the group's send pace is ~20 a
    minute)."""
    app = await night()
    raider = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        burst = [emu.user_message(GROUP, raider, text) for text in (*RUDE_RU, *RUDE_RU[:2])]
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in burst)
                           and bans(emu, raider), what="the burst deleted and the ban")
        await tg_settle(emu)
    assert all(deletes(emu)[m["message_id"]] == 1 for m in burst), deletes(emu)
    assert len(restricts(emu, raider)) == 2, restricts(emu, raider)
    announced = [t for t in said(emu) if "сообщение удалено" in t and "Бан" in t]
    assert len(bans(emu, raider)) == 1, bans(emu, raider)
    assert len(announced) == 1, announced


async def test_tg_purge_clears_the_raid_burst_and_del_removes_one_message(
        night, emu, fake, clock) -> None:
    """Rose's /purge in reply to the first raid message removes it and everything after it
    (the command too) and says how many; what came before stays. /del removes the one
    message replied to and the command."""
    app = await night()
    async with RunningBot(app, fast_options(fake)):
        before = emu.user_message(GROUP, MEMBER, "Добрый вечер всем")
        burst = []
        for n, raider in enumerate(RAIDERS):
            clock.advance(timedelta(seconds=4))
            burst.append(emu.user_message(GROUP, raider, f"Крипта x10 за день, пиши {n}"))
        purge = emu.user_message(GROUP, OLGA, "/purge", reply_to=burst[0]["message_id"])
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"])
                                       for m in [*burst, purge]), what="the purge")
        clock.advance(timedelta(seconds=30))
        later = emu.user_message(GROUP, RAIDERS[0], "Последний шанс: крипта x10")
        delete = emu.user_message(GROUP, PAVEL, "/del", reply_to=later["message_id"])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, later["message_id"])
                           and emu.is_deleted(GROUP, delete["message_id"]), what="the /del")
        await tg_settle(emu)
    assert not emu.is_deleted(GROUP, before["message_id"])
    counts = deletes(emu)
    assert all(counts[m["message_id"]] == 1 for m in [*burst, purge, later, delete]), counts
    purged = [t for t in said(emu) if t.startswith("Удалено сообщений")]
    assert purged == [render("moderation.purged", "ru", count=len(burst) + 1)], said(emu)


async def test_tg_anonymous_admin_mutes_a_raider_and_is_never_punished_for_swearing(
        night, emu, fake, clock) -> None:
    """README: an admin posting anonymously counts as a moderator and is never punished
    automatically. GroupAnonymousBot (sender_chat = the group) mutes a raider for 10 minutes;
    the same anonymous admin's own swearing stays."""
    app = await night()
    group = emu.world.chats[GROUP].as_json()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, RAIDERS[0], SPAM)
        expected = at(clock, timedelta(minutes=10))
        cmd = post(emu, GROUP, ANON_BOT, "/mute 10m реклама", reply_to=spam["message_id"],
                   sender_chat=group)
        await emu.wait_for(lambda: restricts(emu, RAIDERS[0]), what="the anonymous mute")
        own = post(emu, GROUP, ANON_BOT, "Да что ж за хуйня творится сегодня", sender_chat=group)
        await tg_settle(emu)
    (params,) = restricts(emu, RAIDERS[0])
    assert until(params) == expected, params
    (answer,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "на 10 мин" in answer and "реклама" in answer and russian(answer), answer
    assert not emu.is_deleted(GROUP, own["message_id"])
    assert not [t for t in said(emu) if "сообщение удалено" in t], said(emu)


async def test_tg_channel_sender_forwarded_order_and_member_are_not_obeyed(
        night, emu, fake, clock) -> None:
    """README: a member posting as a channel, a forwarded "/ban" (a quote, even of an admin's
    old order) and ordinary members are not moderators; a member gets one polite refusal per
    `refusal_cooldown` (10m), not one per attempt; nothing is done."""
    app = await night()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, RAIDERS[0], SPAM)
        emu.user_message(GROUP, 0, "/ban", sender_chat=CHANNEL, reply_to=spam["message_id"])
        emu.user_message(GROUP, OTHER_MEMBER, f"/ban {RAIDERS[0]}", forwarded_from=OLGA)
        emu.user_message(GROUP, RAIDERS[1], f"/mute 10m {MEMBER}", forwarded_from=OLGA)
        tries = []
        for text in ("/ban", "/mute 10m", "/warn спам", "/purge"):
            clock.advance(timedelta(seconds=5))
            tries.append(emu.user_message(GROUP, MEMBER, text, reply_to=spam["message_id"]))
        await tg_settle(emu)
        clock.advance(timedelta(minutes=11))
        later = emu.user_message(GROUP, MEMBER, "/kick", reply_to=spam["message_id"])
        await tg_settle(emu)
    first = [t for m in tries for t in replies_to(emu, GROUP, m["message_id"])]
    assert first == [render("common.not_moderator", "ru", command="/ban")], first
    assert replies_to(emu, GROUP, later["message_id"]) == [
        render("common.not_moderator", "ru", command="/kick")]
    assert not member_actions(emu), member_actions(emu)
    assert not emu.is_deleted(GROUP, spam["message_id"])


async def test_tg_a_ban_command_delivered_twice_bans_once_and_answers_once(
        night, emu, fake, clock) -> None:
    """Telegram may deliver an update again (a lost confirmation): the same /ban message seen
    twice is one ban and one answer."""
    app = await night()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, RAIDERS[0], SPAM)
        cmd = await command(emu, OLGA, "/ban спам", reply_to=spam["message_id"])
        emu.world.push("message", copy.deepcopy(cmd))
        emu._bump()
        await tg_settle(emu)
        await tg_settle(emu)
    assert len(bans(emu, RAIDERS[0])) == 1, bans(emu, RAIDERS[0])
    assert len(replies_to(emu, GROUP, cmd["message_id"])) == 1


async def test_tg_raid_in_a_group_the_owner_never_configured_is_not_moderated(
        night, emu, fake, clock) -> None:
    """README: the bot acts only in the community's chats; in any other group it sends at
    most one message and leaves. Swearing and a /ban there change nothing, and the queue
    hears nothing of it."""
    emu.group(STRANGER_GROUP, title="Чужая группа", admins=(7777,))
    app = await night()
    async with RunningBot(app, fast_options(fake)):
        rude = emu.user_message(STRANGER_GROUP, RAIDERS[0], RUDE_RU[0])
        spam = emu.user_message(STRANGER_GROUP, RAIDERS[1], SPAM)
        emu.user_message(STRANGER_GROUP, 7777, "/ban", reply_to=spam["message_id"])
        emu.user_message(STRANGER_GROUP, MEMBER, "/report", reply_to=spam["message_id"])
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="the bot leaving")
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    assert not emu.is_deleted(STRANGER_GROUP, rude["message_id"])
    assert not deletes(emu, STRANGER_GROUP)
    assert not member_actions(emu), member_actions(emu)
    assert len(emu.sent_texts(STRANGER_GROUP)) <= 1, emu.sent_texts(STRANGER_GROUP)
    assert len(emu.calls_of("leaveChat")) == 1
    assert not cards(emu) and not said(emu, QUEUE), said(emu, QUEUE)


# --------------------------------------------------------------------------------------------
# Telegram: the morning after — the audit trail
# --------------------------------------------------------------------------------------------

async def test_tg_audit_trail_names_who_did_what_on_the_night_shift(
        night, emu, fake, clock, tmp_path: Path) -> None:
    """The owner reads `modbot audit` in the morning: the filter's deletion, the report and
    who filed it, Olga's claim and her ban from the card, Pavel's mute with its end — each
    with who, whom and where; with `audit = true` the queue read the same with names."""
    app = await night(audit=True)
    async with RunningBot(app, fast_options(fake)):
        rude = emu.user_message(GROUP, RAIDERS[0], RUDE_RU[1])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deleted")
        _spam, card = await tg_report(emu, clock, author=RAIDERS[1])
        claim, ban = button(card, "t:claim:"), button(card, "t:ban:")
        assert claim and ban
        (claimed,) = await answered(emu, emu.press(QUEUE, card["message_id"], OLGA, claim))
        assert claimed["text"] == render("complaints.done_claim", "ru", number=1)
        other = emu.user_message(GROUP, RAIDERS[2], SPAM + " !!!")
        await command(emu, PAVEL, "/mute 1h30m реклама в личке", reply_to=other["message_id"])
        await answered(emu, emu.press(QUEUE, card["message_id"], OLGA, ban))
        await emu.wait_for(lambda: "решён" in card_now(emu, card)["text"], what="resolved")
        await tg_settle(emu)
        await tg_settle(emu, QUEUE)
    lines = audit_cli(tmp_path / "config.toml")
    (deleted,) = audit_rows(lines, "filter.delete")
    assert "by=auto:filter" in deleted and f"target=telegram:{RAIDERS[0]}" in deleted, deleted
    assert f"chat=telegram:{GROUP}" in deleted
    (reported,) = audit_rows(lines, "ticket.report")
    assert f"by=telegram:{REPORTERS[0]}" in reported and f"target=telegram:{RAIDERS[1]}" \
        in reported, reported
    (claim_row,) = audit_rows(lines, "ticket.claim")
    assert f"by=telegram:{OLGA}" in claim_row, claim_row
    (mute_row,) = audit_rows(lines, "mute")
    assert f"by=telegram:{PAVEL}" in mute_row and f"target=telegram:{RAIDERS[2]}" in mute_row
    assert "реклама в личке" in mute_row and '"until"' in mute_row, mute_row
    ban_rows = audit_rows(lines, "ban")
    assert len(ban_rows) == 1 and f"by=telegram:{OLGA}" in ban_rows[0] \
        and f"target=telegram:{RAIDERS[1]}" in ban_rows[0] \
        and f"chat=telegram:{GROUP}" in ban_rows[0], ban_rows
    (resolved,) = audit_rows(lines, "ticket.resolve")
    assert f"by=telegram:{OLGA}" in resolved, resolved
    queue_lines = [t for t in emu.sent_texts(QUEUE) if t.startswith("Аудит:")]
    assert any("Pavel (telegram:900)" in t and "мут" in t for t in queue_lines), queue_lines
    assert any("Olga (telegram:700)" in t and "бан" in t for t in queue_lines), queue_lines
    assert any("фильтр" in t for t in queue_lines), queue_lines


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[VkBot]:
    """The community's VK side in Russian: chat 2000000001 (+ the wall), queue 2000000002
    whose admin 901 is the second moderator; listed moderator 900; the ladder above."""
    emulator.set_admins(VK_QUEUE, VK_MOD_B)
    emulator.add_members(VK_QUEUE, VK_MOD)
    for uid, name in {**RAIDER_NAMES, **REPORTER_NAMES}.items():
        emulator.real_names[uid] = (name, "Ночной")
    emulator.real_names[VK_MOD] = ("Ольга", "Модератор")
    emulator.real_names[VK_MOD_B] = ("Павел", "Модератор")
    text = vk_config_text(emulator, community_extra=LADDER).replace(
        'language = "en"', 'language = "ru"')
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_said(emulator: VkEmulator, peer: int, words: str = "") -> list[str]:
    return [m.text for m in emulator.sent(peer) if words in m.text]


def vk_deleted(emulator: VkEmulator, peer: int) -> Counter[int]:
    return Counter(int(x) for c in emulator.calls_to("messages.delete")
                   if int(c.params["peer_id"]) == peer
                   for x in str(c.params.get("cmids", "")).split(",") if x)


def vk_removed(emulator: VkEmulator, member: int) -> list[Any]:
    return [c for c in emulator.calls_to("messages.removeChatUser")
            if int(c.params["member_id"]) == member]


def vk_bans(emulator: VkEmulator, member: int) -> list[Any]:
    return [c for c in emulator.calls_to("groups.ban") if int(c.params["owner_id"]) == member]


def vk_cards(emulator: VkEmulator) -> list[ChatMessage]:
    return [m for m in emulator.sent(VK_QUEUE) if m.text.startswith("Тикет #")]


def vk_button(message: ChatMessage, label: str) -> str:
    assert message.keyboard is not None, "no keyboard"
    for row in message.keyboard["buttons"]:
        for b in row:
            action = b["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r}")


def vk_snackbars(emulator: VkEmulator) -> list[str]:
    return [json.loads(c.params.get("event_data") or "{}").get("text", "")
            for c in emulator.calls_to("messages.sendMessageEventAnswer")]


def vk_replies_to(emulator: VkEmulator, peer: int, cmid: int) -> list[str]:
    return [m.text for m in emulator.sent(peer) if m.reply_to == cmid]


# --------------------------------------------------------------------------------------------
# VK: the same night
# --------------------------------------------------------------------------------------------

async def test_vk_raid_newcomers_swearing_each_deleted_and_warned_once_in_russian(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    calm = emulator.post_message(VK_CHAT, MEMBER, "Всем привет")
    posted = []
    for raider, text in zip(RAIDERS, RUDE_RU[:3], strict=False):
        clock.advance(timedelta(seconds=15))
        posted.append(emulator.post_message(VK_CHAT, raider, text))
    await emulator.wait_for(lambda: len(vk_said(emulator, VK_CHAT, "сообщение удалено")) >= 3
                            and set(posted) <= set(vk_deleted(emulator, VK_CHAT)))
    await vk_settle(emulator)
    counts = vk_deleted(emulator, VK_CHAT)
    assert all(counts[c] == 1 for c in posted) and calm not in counts, counts
    notice_ids = [m.cmid for m in emulator.sent(VK_CHAT) if "сообщение удалено" in m.text]
    clock.advance(timedelta(minutes=3))  # notice_ttl (2m): the notices clean up after
    await emulator.wait_for(lambda: set(notice_ids) <= set(vk_deleted(emulator, VK_CHAT)))
    notices = vk_said(emulator, VK_CHAT, "сообщение удалено")
    assert len(notices) == 3, notices
    for raider in RAIDERS[:3]:
        assert len([t for t in notices if RAIDER_NAMES[raider] in t]) == 1, (raider, notices)
    assert all("Предупреждение 1 из 4; дальше: удаление из чата" in t for t in notices), notices
    assert all(russian(t) for t in notices), notices
    assert not any(root in t.lower() for t in notices for root in OBSCENE_ROOTS), notices
    assert not emulator.calls_to("messages.removeChatUser") and not emulator.calls_to("groups.ban")


async def test_vk_raiders_repeating_or_flooding_are_handled_once_each_in_russian(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """The same anti-flood on VK: the repeats of one raider's spam are deleted with one
    notice; the flooder is removed from the chat (VK has no mute; the notice says so)."""
    repeater, flooder = RAIDERS[0], RAIDERS[1]
    posted = []
    for _ in range(4):
        clock.advance(timedelta(seconds=10))
        posted.append(emulator.post_message(VK_CHAT, repeater, SPAM))
    await emulator.wait_for(lambda: set(posted[1:]) <= set(vk_deleted(emulator, VK_CHAT)))
    for n in range(8):
        clock.advance(timedelta(seconds=1))
        emulator.post_message(VK_CHAT, flooder, f"Крипта x10 за день, пиши мне, вариант {n}")
    await emulator.wait_for(lambda: vk_removed(emulator, flooder)
                            and vk_said(emulator, VK_CHAT, "помедленнее"))
    await vk_settle(emulator)
    repeats = vk_said(emulator, VK_CHAT, "не повторяйте")
    assert len(repeats) == 1 and RAIDER_NAMES[repeater] in repeats[0], vk_said(emulator, VK_CHAT)
    counts = vk_deleted(emulator, VK_CHAT)
    assert all(counts[c] == 1 for c in posted[1:]), counts
    assert not vk_removed(emulator, repeater)
    assert len(vk_removed(emulator, flooder)) == 1
    slow = vk_said(emulator, VK_CHAT, "помедленнее")
    assert len(slow) == 1 and "Во ВКонтакте нет мута: вместо него — удаление из чата" in slow[0], \
        slow
    assert all(russian(t) for t in (*repeats, *slow)), (repeats, slow)
    assert not emulator.calls_to("groups.ban")


async def test_vk_ladder_follows_the_configured_steps_with_removal_for_mute_then_ban(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """VK has no timed mute: the configured mutes become removals from the chat (the default
    fallback) and the notice says so; the fourth step bans from the community, permanently."""
    raider = RAIDERS[0]
    for step, text in enumerate(RUDE_RU, start=1):
        emulator.post_message(VK_CHAT, raider, text)
        await emulator.wait_for(lambda step=step: len(
            vk_said(emulator, VK_CHAT, "сообщение удалено")) >= step)
        clock.advance(timedelta(minutes=2))
    await emulator.wait_for(lambda: vk_bans(emulator, raider))
    await vk_settle(emulator)
    notices = vk_said(emulator, VK_CHAT, "сообщение удалено")
    assert len(notices) == 4, notices
    assert "Во ВКонтакте нет мута: вместо него — удаление из чата" in notices[1], notices[1]
    assert "Предупреждение 2 из 4" in notices[1], notices[1]
    assert "Во ВКонтакте нет мута" in notices[2] and "бессрочный бан" in notices[2], notices[2]
    assert "Бан" in notices[3] and "дальше" not in notices[3], notices[3]
    assert all(russian(t) for t in notices), notices
    assert len(vk_removed(emulator, raider)) == 3, vk_removed(emulator, raider)  # 2, 3, ban
    (ban,) = vk_bans(emulator, raider)
    assert not ban.params.get("end_date"), ban.params


async def test_vk_burst_beyond_the_ladders_ban_is_deleted_without_announcing_the_ban_again(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """The same burst on VK: six obscene messages at once; after the ladder's permanent ban
    the last two are deleted without another ban notice in the chat."""
    raider = RAIDERS[0]
    burst = [emulator.post_message(VK_CHAT, raider, t) for t in (*RUDE_RU, *RUDE_RU[:2])]
    await emulator.wait_for(lambda: set(burst) <= set(vk_deleted(emulator, VK_CHAT))
                            and vk_bans(emulator, raider))
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert all(vk_deleted(emulator, VK_CHAT)[c] == 1 for c in burst)
    assert len(vk_bans(emulator, raider)) == 1
    announced = [t for t in vk_said(emulator, VK_CHAT, "сообщение удалено") if "Бан" in t]
    assert len(announced) == 1, announced


async def test_vk_reports_merge_into_one_card_and_each_reporter_is_answered_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    spam = emulator.post_message(VK_CHAT, RAIDERS[0], SPAM)
    cmds = []
    for reporter, text in zip(REPORTERS, ("!report спам", "/report реклама", "!report"),
                              strict=True):
        clock.advance(timedelta(seconds=10))
        cmds.append(emulator.post_message(VK_CHAT, reporter, text, reply_to=spam))
    bare = emulator.post_message(VK_CHAT, MEMBER, "!report тут спамеры")
    await emulator.wait_for(lambda: vk_cards(emulator) and "жалоб: 3" in vk_cards(emulator)[0].text)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert len(vk_cards(emulator)) == 1, [m.text for m in vk_cards(emulator)]
    assert vk_replies_to(emulator, VK_CHAT, cmds[0]) == [render("complaints.ack", "ru", number=1)]
    for cmid in cmds[1:]:
        assert vk_replies_to(emulator, VK_CHAT, cmid) == [
            render("complaints.ack_merged", "ru", number=1)]
    assert vk_replies_to(emulator, VK_CHAT, bare) == [render("complaints.report_usage", "ru")]


async def test_vk_two_moderators_on_one_card_claim_race_and_ban_author_once(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Olga claims, Pavel's simultaneous Claim is refused naming her; Pavel presses "Ban
    author" twice: one community ban, the message deleted once, the reporter told once."""
    raider = RAIDERS[1]
    spam = emulator.post_message(VK_CHAT, raider, SPAM)
    emulator.post_message(VK_CHAT, REPORTERS[0], "!report спам", reply_to=spam)
    card = (await emulator.wait_for(lambda: vk_cards(emulator)))[0]
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Взять"))
    emulator.press(VK_QUEUE, VK_MOD_B, card.cmid, vk_button(card, "Взять"))
    await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
    ban = vk_button(card, "Забанить")
    emulator.press(VK_QUEUE, VK_MOD_B, card.cmid, ban)
    emulator.press(VK_QUEUE, VK_MOD_B, card.cmid, ban)
    outcome = render("complaints.outcome_resolved", "ru", number=1, note="")
    await emulator.wait_for(lambda: vk_said(emulator, REPORTERS[0], outcome)
                            and "решён" in vk_cards(emulator)[0].text)
    await vk_settle(emulator)
    await vk_settle(emulator)
    snacks = vk_snackbars(emulator)
    assert snacks[0] == render("complaints.done_claim", "ru", number=1), snacks
    assert snacks[1].startswith("Ольга Модератор только что взял"), snacks
    assert len(vk_bans(emulator, raider)) == 1, emulator.calls_to("groups.ban")
    assert vk_deleted(emulator, VK_CHAT)[spam] == 1, vk_deleted(emulator, VK_CHAT)
    assert vk_said(emulator, REPORTERS[0]) == [outcome], vk_said(emulator, REPORTERS[0])


async def test_vk_moderator_commands_mute_1h30m_ban_unban_warn_warns_unwarn_in_russian(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """The same vocabulary with "!" and "/" on VK, said in Russian: a 1h30m mute becomes a
    removal (VK has no mute; the notice says so) with the reason; a ban is the community's,
    permanent; !unban lifts it; warn / warns / unwarn. A member trying the same commands is
    refused once and nothing happens."""
    r1, r2, r3 = RAIDERS[:3]
    m1 = emulator.post_message(VK_CHAT, r1, SPAM)
    m2 = emulator.post_message(VK_CHAT, r2, SPAM + "!")
    m3 = emulator.post_message(VK_CHAT, r3, SPAM + "!!")
    tries = []
    for text in ("!ban", "!mute 10m", "/kick", "!del"):
        clock.advance(timedelta(seconds=5))
        tries.append(emulator.post_message(VK_CHAT, MEMBER, text, reply_to=m3))
    await vk_settle(emulator)
    answers = [t for c in tries for t in vk_replies_to(emulator, VK_CHAT, c)]
    assert answers == [render("common.not_moderator", "ru", command="/ban")], answers
    assert not emulator.calls_to("groups.ban") and not emulator.calls_to("messages.removeChatUser")
    assert m3 not in vk_deleted(emulator, VK_CHAT)
    mute = emulator.post_message(VK_CHAT, VK_MOD, "!mute 1h30m реклама казино", reply_to=m1)
    await emulator.wait_for(lambda: vk_removed(emulator, r1) and vk_replies_to(
        emulator, VK_CHAT, mute))
    ban = emulator.post_message(VK_CHAT, VK_MOD_B, "/ban спам", reply_to=m2)
    await emulator.wait_for(lambda: vk_bans(emulator, r2) and vk_replies_to(
        emulator, VK_CHAT, ban))
    clock.advance(timedelta(minutes=3))
    unban = emulator.post_message(VK_CHAT, VK_MOD, f"!unban {r2}")
    warn = emulator.post_message(VK_CHAT, VK_MOD, "!warn ссылки", reply_to=m3)
    warns = emulator.post_message(VK_CHAT, VK_MOD_B, "!warns", reply_to=m3)
    unwarn = emulator.post_message(VK_CHAT, VK_MOD, "!unwarn", reply_to=m3)
    await emulator.wait_for(lambda: all(vk_replies_to(emulator, VK_CHAT, c)
                                        for c in (unban, warn, warns, unwarn)))
    await vk_settle(emulator)
    (muted,) = vk_replies_to(emulator, VK_CHAT, mute)
    assert "реклама казино" in muted and "Во ВКонтакте нет мута" in muted, muted
    (banned,) = vk_replies_to(emulator, VK_CHAT, ban)
    assert "забанен" in banned and "спам" in banned, banned
    assert not vk_bans(emulator, r2)[0].params.get("end_date")
    assert [int(c.params["owner_id"]) for c in emulator.calls_to("groups.unban")] == [r2]
    (unbanned,) = vk_replies_to(emulator, VK_CHAT, unban)
    assert "разбанен" in unbanned, unbanned
    (warned,) = vk_replies_to(emulator, VK_CHAT, warn)
    assert "ссылки" in warned and "Предупреждение 1 из 4" in warned, warned
    (listed,) = vk_replies_to(emulator, VK_CHAT, warns)
    assert "действующих предупреждений: 1" in listed and "ссылки" in listed, listed
    (taken,) = vk_replies_to(emulator, VK_CHAT, unwarn)
    assert "Осталось действующих: 0" in taken, taken
    replies = [muted, banned, unbanned, warned, listed, taken]
    assert all(russian(t) for t in replies), replies
    assert not vk_removed(emulator, r3)


async def test_vk_purge_clears_the_raid_burst_and_del_removes_one_message(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    before = emulator.post_message(VK_CHAT, MEMBER, "Добрый вечер всем")
    burst = []
    for n, raider in enumerate(RAIDERS):
        clock.advance(timedelta(seconds=4))
        burst.append(emulator.post_message(VK_CHAT, raider, f"Крипта x10 за день, пиши {n}"))
    purge = emulator.post_message(VK_CHAT, VK_MOD, "!purge", reply_to=burst[0])
    await emulator.wait_for(lambda: set([*burst, purge]) <= set(vk_deleted(emulator, VK_CHAT)))
    later = emulator.post_message(VK_CHAT, RAIDERS[0], "Последний шанс: крипта x10")
    delete = emulator.post_message(VK_CHAT, VK_MOD_B, "/del", reply_to=later)
    await emulator.wait_for(lambda: {later, delete} <= set(vk_deleted(emulator, VK_CHAT)))
    await vk_settle(emulator)
    counts = vk_deleted(emulator, VK_CHAT)
    assert before not in counts, counts
    assert all(counts[c] == 1 for c in [*burst, purge, later, delete]), counts
    assert vk_said(emulator, VK_CHAT, "Удалено сообщений") == [
        render("moderation.purged", "ru", count=len(burst) + 1)], vk_said(emulator, VK_CHAT)


async def test_vk_raid_in_a_chat_the_owner_never_configured_is_not_moderated(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    rude = emulator.post_message(VK_STRANGER_CHAT, RAIDERS[0], RUDE_RU[0])
    spam = emulator.post_message(VK_STRANGER_CHAT, RAIDERS[1], SPAM)
    emulator.post_message(VK_STRANGER_CHAT, MEMBER, "!report", reply_to=spam)
    await emulator.wait_for(lambda: [c for c in emulator.calls_to("messages.removeChatUser")
                                     if int(c.params["member_id"]) == -emulator.group_id])
    await vk_settle(emulator)
    assert not vk_deleted(emulator, VK_STRANGER_CHAT)
    assert rude not in vk_deleted(emulator, VK_STRANGER_CHAT)
    assert len(emulator.sent(VK_STRANGER_CHAT)) <= 1, vk_said(emulator, VK_STRANGER_CHAT)
    assert not emulator.calls_to("groups.ban")
    assert [int(c.params["member_id"]) for c in emulator.calls_to("messages.removeChatUser")] \
        == [-emulator.group_id]
    assert not emulator.sent(VK_QUEUE)


async def test_vk_audit_trail_names_the_vk_moderators_and_the_filter(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock, tmp_path: Path) -> None:
    rude = emulator.post_message(VK_CHAT, RAIDERS[0], RUDE_RU[2])
    spam = emulator.post_message(VK_CHAT, RAIDERS[1], SPAM)
    emulator.post_message(VK_CHAT, REPORTERS[0], "!report спам", reply_to=spam)
    card = (await emulator.wait_for(lambda: vk_cards(emulator)))[0]
    emulator.press(VK_QUEUE, VK_MOD_B, card.cmid, vk_button(card, "Забанить"))
    other = emulator.post_message(VK_CHAT, RAIDERS[2], SPAM + "!")
    emulator.post_message(VK_CHAT, VK_MOD, "!kick реклама", reply_to=other)
    await emulator.wait_for(lambda: rude in vk_deleted(emulator, VK_CHAT)
                            and vk_bans(emulator, RAIDERS[1]) and vk_removed(emulator, RAIDERS[2])
                            and "решён" in vk_cards(emulator)[0].text)
    await vk_settle(emulator)
    lines = audit_cli(tmp_path / "config.toml")
    (deleted,) = audit_rows(lines, "filter.delete")
    assert "by=auto:filter" in deleted and f"target=vk:{RAIDERS[0]}" in deleted, deleted
    (reported,) = audit_rows(lines, "ticket.report")
    assert f"by=vk:{REPORTERS[0]}" in reported, reported
    (ban_row,) = audit_rows(lines, "ban")
    assert f"by=vk:{VK_MOD_B}" in ban_row and f"target=vk:{RAIDERS[1]}" in ban_row, ban_row
    (kick_row,) = audit_rows(lines, "kick")
    assert f"by=vk:{VK_MOD}" in kick_row and f"target=vk:{RAIDERS[2]}" in kick_row \
        and "реклама" in kick_row, kick_row
    (resolved,) = audit_rows(lines, "ticket.resolve")
    assert f"by=vk:{VK_MOD_B}" in resolved, resolved

