"""QA round 51: the obscenity filter's verdicts on the wire, as members and moderators see them.

What the filter must judge on both networks (text, photo captions, edits, forwards, polls,
VK wall comments and replies to them) and what it must leave alone (moderators' own words,
innocent words such as «рубля», «застрахуйте», "Scunthorpe"); how each verdict is explained
to the member (one polite notice in the chat's language: the rule, the ladder's step, the
mute, never the word itself, gone after ``notice_ttl``) and to moderators (`modbot audit`,
the queue chat, `/warns`); how a moderator undoes a false positive (/unwarn, /unmute,
/resetwarns) and what the member then reads; and the ladder warn → mute → ban over days on
the injected clock (warnings expiring per ``warn_expiry``, mutes ending on time).

The bar is Combot / Rose: one clear, self-deleting notice per verdict, never quoting the
obscene word back, never spamming. Every test drives the real adapters against the local
emulators (tests/tg_emulator, tests/vk_emulator); time moves only by the injected FakeClock.
An xfail(strict) marks a product problem.
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.moderation import audit_command

THIRD_MEMBER = 333_111
VK_BOB = 501
VK_EVA = 502
VK_OLEG = 503
VK_RUDE_NAME = 504  # a member whose real name is itself мат
POST = 10  # a wall post members comment on
NEWS_CHANNEL = {"id": -1009999000111, "type": "channel", "title": "City News"}
WITNESS_BASE = 510_000  # bystanders whose /help marks "all before was handled"

NO_FLOOD = "[community.antiflood]\nenabled = false\n"
AUDIT = "audit = true\n"

MAT_RU = "это просто пиздец какой-то"
MAT_RU_2 = "да идите вы нахуй"
MAT_RU_3 = "ебаный стыд"
MAT_RU_4 = "опять хуйня"
MAT_EN = "what the fuck is this"
INNOCENT = ("Верните мне два рубля за билет", "Застрахуйте машину до пятницы",
            "I grew up in Scunthorpe, near the docks", "Читаю Dickens в оригинале")
OBSCENE_STEMS = ("пизд", "хуй", "хуе", "хуйн", "еба", "бля", "fuck", "сук")


def quotes_obscenity(text: str) -> list[str]:
    """The obscene stems ``text`` repeats (a notice must quote none)."""
    low = text.lower()
    return [stem for stem in OBSCENE_STEMS if stem in low]


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # Telegram reads until_date against the real clock


@pytest.fixture
def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """A Telegram community in ``lang``; ``extra`` lines go into its [[community]] block."""

    async def make(lang: str = "ru", *, extra: str = "", tail: str = "") -> App:
        telegram_config(tmp_path, emu.api_base, extra_community=extra, tail=NO_FLOOD + tail)
        path = tmp_path / "config.toml"
        text = path.read_text(encoding="utf-8").replace('language = "en"',
                                                        f'language = "{lang}"')
        text = text.replace('timezone = "UTC"', 'timezone = "Europe/Moscow"')
        path.write_text(text, encoding="utf-8")
        return await open_app(load_config(path), clock, "qa51")

    return make


_WITNESSES = itertools.count(WITNESS_BASE)


async def settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before this has been processed: a new bystander's /help got its
    answer (a new one each time, so the members' command budget never runs out)."""
    witness = next(_WITNESSES)
    probe = emu.user_message(chat, witness, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="a bystander's /help answer")


def _witness_ids(emu: TelegramEmulator, chat: int) -> set[int]:
    return {s.message_id for s in emu.world.messages.values()
            if not s.from_bot and s.chat_id == chat
            and WITNESS_BASE <= s.message.get("from", {}).get("id", 0) < WITNESS_BASE + 10_000}


def bot_messages(emu: TelegramEmulator, chat: int = GROUP) -> list[dict[str, Any]]:
    """The bot's messages in ``chat``, apart from the answers to settle()'s bystanders."""
    witness = _witness_ids(emu, chat)
    out = []
    for call in emu.calls_of("sendMessage"):
        if call.result["chat"]["id"] != chat:
            continue
        replied = (call.params.get("reply_parameters") or {}).get("message_id")
        if replied is not None and int(replied) in witness:
            continue
        out.append(call.result)
    return out


def bot_texts(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    return [m.get("text") or "" for m in bot_messages(emu, chat)]


async def notice_for(emu: TelegramEmulator, message: dict[str, Any], before: int
                     ) -> dict[str, Any]:
    """Wait until ``message`` is deleted and a new bot message appeared; return that one."""
    await emu.wait_for(lambda: emu.is_deleted(GROUP, message["message_id"]),
                       what="the obscene message deleted")
    await emu.wait_for(lambda: len(bot_messages(emu)) > before, what="the notice")
    await settle(emu)
    return bot_messages(emu)[before]


def raw(emu: TelegramEmulator, chat_id: int, user_id: int, **fields: Any) -> dict[str, Any]:
    """A message with arbitrary fields (a poll…), stored in the world and pushed."""
    chat = emu.world.chat(chat_id)
    message = emu.world.new_message(chat, **{"from": emu.world.user(user_id), **fields})
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


def tg_poll(question: str, options: list[str]) -> dict[str, Any]:
    return {"id": "poll-qa51", "question": question,
            "options": [{"persistent_id": str(i), "text": o, "voter_count": 0}
                        for i, o in enumerate(options)],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False}


def restricts(emu: TelegramEmulator, user: int) -> list[Any]:
    return [c for c in emu.calls_of("restrictChatMember") if int(c.params["user_id"]) == user]


def bans(emu: TelegramEmulator, user: int) -> list[Any]:
    return [c for c in emu.calls_of("banChatMember") if int(c.params["user_id"]) == user]


def punishments(emu: TelegramEmulator) -> list[str]:
    return [c.method for c in emu.calls if c.method in (
        "restrictChatMember", "banChatMember", "banChatSenderChat")]


async def audit(config_path: Path, clock: FakeClock, capsys: pytest.CaptureFixture[str],
                since: str = "30d") -> list[str]:
    """`modbot audit --community demo --since 30d`, as the owner runs it: its lines."""
    capsys.readouterr()
    args = argparse.Namespace(config=str(config_path), community="demo", since=since)
    assert await audit_command(args, clock=clock) == 0
    return capsys.readouterr().out.splitlines()


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

VK_NAMES = {VK_BOB: ("Bob", "Brown"), VK_EVA: ("Eva", "Evans"), VK_OLEG: ("Oleg", "Orlov"),
            VK_MOD: ("Maria", "Mod"), VK_RUDE_NAME: ("Хуйлан", "Пиздюков")}


@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                 ) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    started: list[VkBot] = []

    async def start(lang: str = "ru", *, extra: str = "", tables: str = "") -> VkBot:
        text = vk_config_text(emulator, community_extra=extra)
        text = text.replace('language = "en"', f'language = "{lang}"')
        text += "\n" + NO_FLOOD + tables
        for uid, name in VK_NAMES.items():
            emulator.real_names[uid] = name
        emulator.add_members(VK_CHAT, VK_BOB, VK_EVA, VK_OLEG, VK_MOD)
        running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
        await running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


def vk_texts(emulator: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in emulator.sent(peer)]


def vk_wall_comments(emulator: VkEmulator) -> list[dict[str, Any]]:
    """The bot's wall comments (its own, from the emulator's state), in order."""
    return [c for c in emulator.comments.values() if c["from_id"] == -emulator.group_id]


async def vk_say(emulator: VkEmulator, peer: int, who: int, text: str, *,
                 wait: bool = True, **extra: Any) -> tuple[int, list[ChatMessage]]:
    """``who`` writes ``text`` in ``peer``; with ``wait``, until the bot said something new
    there; returns the cmid and the bot's new messages in ``peer``."""
    before = len(emulator.sent(peer))
    cmid = emulator.post_message(peer, who, text, **extra)
    if wait:
        await emulator.wait_for(lambda: len(emulator.sent(peer)) > before)
    await vk_settle(emulator)
    return cmid, emulator.sent(peer)[before:]


def vk_deleted(emulator: VkEmulator, peer: int, cmid: int) -> bool:
    """The member's message ``cmid`` in ``peer`` was deleted (messages.delete)."""
    return any(m.cmid == cmid and m.deleted for m in emulator.peer(peer).messages)


# ============================================================================================
# Telegram: what a member reads
# ============================================================================================

async def test_tg_russian_chat_one_polite_notice_that_cleans_up(tg_app, emu, fake,
                                                                clock) -> None:
    """Мат in a Russian community: the message goes, and the chat reads one notice in
    Russian: who, the rule (нецензурная лексика), the ladder's step and what comes next,
    never the word; not a reply (the message is gone); gone itself after notice_ttl."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, MAT_RU, first_name="Боб")
        notice = await notice_for(emu, bad, 0)
        clock.advance(timedelta(minutes=2, seconds=30))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice["message_id"]),
                           what="the notice removing itself")
        await settle(emu)
    assert bot_texts(emu) == [notice["text"]], bot_texts(emu)
    text = notice["text"]
    assert text == ("Боб, сообщение удалено: нецензурная лексика. "
                    "Предупреждение 1 из 4; дальше: мут на 1 ч."), text
    assert not quotes_obscenity(text)
    assert "reply_to_message" not in notice, notice
    assert punishments(emu) == []


async def test_tg_caption_forward_and_poll_are_each_one_offence(tg_app, emu, fake) -> None:
    """README: everything a member writes is judged, captions and polls included; a channel's
    post forwarded into the group is posted by the member who forwards it. Three members,
    three verdicts: each message deleted, each author told once (their first warning), named
    as themselves."""
    app = await tg_app(lang="en")
    async with RunningBot(app, fast_options(fake)):
        photo = emu.user_message(GROUP, MEMBER, photo=True, caption="holiday pics, fuck yeah",
                                 first_name="Bob")
        emu.world.user(OTHER_MEMBER, "Eva")
        forward = raw(emu, GROUP, OTHER_MEMBER, text="Новости: полный пиздец на дорогах",
                      forward_origin={"type": "channel", "chat": NEWS_CHANNEL,
                                      "message_id": 4242, "date": 1_700_000_000},
                      forward_from_chat=NEWS_CHANNEL, forward_from_message_id=4242,
                      forward_date=1_700_000_000)
        emu.world.user(THIRD_MEMBER, "Oleg")
        poll = raw(emu, GROUP, THIRD_MEMBER,
                   poll=tg_poll("Rate the new teacher", ["great", "ok", "полный пиздец"]))
        for message in (photo, forward, poll):
            await emu.wait_for(lambda m=message: emu.is_deleted(GROUP, m["message_id"]),
                               what="deleted")
        await emu.wait_for(lambda: len(bot_texts(emu)) >= 3, what="three notices")
        await settle(emu)
    texts = bot_texts(emu)
    assert len(texts) == 3, texts
    for name in ("Bob", "Eva", "Oleg"):
        (mine,) = [t for t in texts if t.startswith(f"{name}, ")]
        assert mine == (f"{name}, your message was removed for strong language. "
                        "Warning 1 of 4; next: mute 1h."), mine
    assert punishments(emu) == []


async def test_tg_message_edited_into_obscenity_is_one_offence(tg_app, emu, fake) -> None:
    """A clean message edited into мат is judged like a new one (deleted, warned once); an
    edit racing the deletion is the same offence, not a second notice or a mute."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "хорошая погода сегодня", first_name="Боб")
        await settle(emu)
        assert bot_texts(emu) == []
        emu.edit_user_message(GROUP, msg["message_id"], "хорошая погода, блядь")
        emu.edit_user_message(GROUP, msg["message_id"], "хорошая погода, блядь!!")
        notice = await notice_for(emu, msg, 0)
        await settle(emu)
    assert bot_texts(emu) == [notice["text"]], bot_texts(emu)
    assert "Предупреждение 1 из 4" in notice["text"], notice["text"]
    assert not quotes_obscenity(notice["text"]) and "бля" not in notice["text"]
    assert punishments(emu) == []


async def test_tg_innocent_words_and_moderators_are_left_alone(tg_app, emu, fake) -> None:
    """Innocent words with obscene-looking parts (рубля, застрахуйте, Scunthorpe, Dickens)
    are not touched; README: admins and listed moderators are never punished automatically,
    so their strong words stay and nobody is warned. The chat reads nothing until a member
    really swears."""
    app = await tg_app(lang="en")
    async with RunningBot(app, fast_options(fake)):
        innocent = [emu.user_message(GROUP, OTHER_MEMBER, text) for text in INNOCENT]
        by_admin = emu.user_message(GROUP, ADMIN, "this fucking printer again")
        by_mod = emu.user_message(GROUP, LISTED_MODERATOR, "пиздец, опять сервер упал")
        await settle(emu)
        assert bot_texts(emu) == [], bot_texts(emu)
        bad = emu.user_message(GROUP, MEMBER, "this fucking printer again", first_name="Bob")
        await notice_for(emu, bad, 0)
    for message in (*innocent, by_admin, by_mod):
        assert not emu.is_deleted(GROUP, message["message_id"]), message.get("text")
    assert len(bot_texts(emu)) == 1 and bot_texts(emu)[0].startswith("Bob, "), bot_texts(emu)
    assert punishments(emu) == []


async def test_tg_notice_never_says_an_obscene_display_name(tg_app, emu, fake) -> None:
    """A member whose chosen name is itself мат: the notice must not repeat it to the chat
    (README: the bot says id12345 instead)."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, MAT_RU_2, first_name="Хуйлан Пиздюков")
        notice = await notice_for(emu, bad, 0)
    text = notice["text"]
    assert text.startswith(f"id{MEMBER}, сообщение удалено: нецензурная лексика."), text
    assert not quotes_obscenity(text) and "пизд" not in text.lower(), text


# ============================================================================================
# Telegram: what moderators read
# ============================================================================================

async def test_tg_moderators_get_the_explanation_the_member_only_the_rule(
        tg_app, emu, fake, clock, capsys, tmp_path) -> None:
    """README: every verdict explains itself (`хуй ← … (ru.mat)`) in the audit log; with
    audit = true the line goes to the queue chat, naming the member by name and id. The
    member, asking /warns in the chat, reads the polite rule only, never the word."""
    app = await tg_app(extra=AUDIT)
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, MAT_RU_2, first_name="Боб")
        await notice_for(emu, bad, 0)
        insult = emu.user_message(GROUP, OTHER_MEMBER, "ты сука", first_name="Ева")
        await notice_for(emu, insult, 1)
        await emu.wait_for(lambda: len(bot_texts(emu, QUEUE)) >= 4, what="the audit lines")
        asked = emu.user_message(GROUP, MEMBER, "/warns")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="/warns")
        looked = emu.user_message(QUEUE, ADMIN, f"/warns {MEMBER}")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, looked["message_id"]),
                           what="the moderator's /warns")
        await settle(emu)
    queue = bot_texts(emu, QUEUE)
    deleted = [t for t in queue if "удалено сообщение с матом" in t]
    assert len(deleted) == 2, queue
    bob = next(t for t in deleted if "Боб" in t)
    assert f"telegram:{MEMBER}" in bob and "фильтр" in bob and "(ru.mat)" in bob, bob
    eva = next(t for t in deleted if "Ева" in t)
    assert "(ru.insult)" in eva, eva
    (own,) = replies_to(emu, GROUP, asked["message_id"])
    assert "нецензурная лексика" in own and not quotes_obscenity(own), own
    (theirs,) = replies_to(emu, QUEUE, looked["message_id"])
    assert "(ru.mat)" in theirs, theirs
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    kinds = [line.split()[3] for line in lines]
    assert kinds == ["filter.delete", "warn", "filter.delete", "warn"], lines
    assert f"target=telegram:{MEMBER}" in lines[0] and "(ru.mat)" in lines[0], lines[0]
    assert "(ru.insult)" in lines[2], lines[2]


# ============================================================================================
# Telegram: a moderator undoes a false positive
# ============================================================================================

async def test_tg_unwarn_in_reply_to_the_notice_takes_the_warning_back(
        tg_app, emu, fake) -> None:
    """README: a reply to the bot's notice about a member targets that member, and /unwarn
    there takes the warning back. The chat reads it in Russian; the member's next slip is a
    first warning again, not a mute."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, MAT_RU, first_name="Боб")
        notice = await notice_for(emu, bad, 0)
        undo = emu.user_message(GROUP, ADMIN, "/unwarn", reply_to=notice["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, undo["message_id"]), what="/unwarn")
        again = emu.user_message(GROUP, MEMBER, MAT_RU_3, first_name="Боб")
        second = await notice_for(emu, again, len(bot_messages(emu)))
    (told,) = replies_to(emu, GROUP, undo["message_id"])
    assert told == "Последнее предупреждение Боб снято. Осталось действующих: 0.", told
    assert "Предупреждение 1 из 4" in second["text"], second["text"]
    assert punishments(emu) == [], punishments(emu)


async def test_tg_unmute_and_resetwarns_after_the_ladders_mute(tg_app, emu, fake,
                                                              clock) -> None:
    """Second slip: muted for 1h (restrictChatMember until now + 1h, the notice says so).
    The moderator decides it was a false positive: /unmute gives the rights back and says
    so, /resetwarns clears both warnings, and the next slip starts the ladder afresh."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, MAT_RU, first_name="Боб")
        await notice_for(emu, first, 0)
        second = emu.user_message(GROUP, MEMBER, MAT_RU_2, first_name="Боб")
        muted = await notice_for(emu, second, len(bot_messages(emu)))
        await emu.wait_for(lambda: restricts(emu, MEMBER), what="the mute")
        unmute = emu.user_message(GROUP, ADMIN, "/unmute", reply_to=muted["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, unmute["message_id"]),
                           what="/unmute")
        reset = emu.user_message(GROUP, ADMIN, f"/resetwarns {MEMBER}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, reset["message_id"]),
                           what="/resetwarns")
        clock.advance(timedelta(minutes=5))
        third = emu.user_message(GROUP, MEMBER, MAT_RU_3, first_name="Боб")
        fresh = await notice_for(emu, third, len(bot_messages(emu)))
    assert muted["text"].startswith("Боб, сообщение удалено: нецензурная лексика. Писать "
                                    "нельзя на 1 ч. Предупреждение 2 из 4; дальше: мут на 1 "
                                    ), muted["text"]
    mute, lift = restricts(emu, MEMBER)
    until = int(mute.params["until_date"])
    assert abs(until - (clock.now() - timedelta(minutes=5)).timestamp() - 3600) <= 60, until
    assert all(lift.params["permissions"].get(k) for k in (
        "can_send_messages", "can_send_photos", "can_send_polls")), lift.params
    assert replies_to(emu, GROUP, unmute["message_id"]) == ["Боб снова может писать."]
    assert replies_to(emu, GROUP, reset["message_id"]) == ["Все предупреждения Боб сняты: 2."]
    assert "Предупреждение 1 из 4" in fresh["text"], fresh["text"]
    assert len(restricts(emu, MEMBER)) == 2, "the fresh start is a warning, not a mute"


# ============================================================================================
# Telegram: the ladder over days
# ============================================================================================

async def test_tg_ladder_over_four_days_warn_mute_mute_ban(tg_app, emu, fake, clock,
                                                           capsys, tmp_path) -> None:
    """One slip a day (warn_expiry 30d): warn; mute 1h; mute 1d; permanent ban. Each step's
    notice says what happened and what is next (nothing after a permanent ban); each mute's
    until_date is its own length from the moment of the slip, and `modbot audit` shows that
    end on the community's clock (Moscow). /unban lifts the bot's ban and clears the
    warnings (README: a fresh start)."""
    app = await tg_app(lang="en")
    notices: list[str] = []
    ends: list[str] = []
    async with RunningBot(app, fast_options(fake)):
        for day, text in enumerate((MAT_EN, "fuck off", "you fucking idiot", "fuck you all")):
            if day:
                clock.advance(timedelta(days=1))
            bad = emu.user_message(GROUP, MEMBER, text, first_name="Bob")
            notices.append((await notice_for(emu, bad, len(bot_messages(emu))))["text"])
            if day in (1, 2):
                await emu.wait_for(lambda d=day: len(restricts(emu, MEMBER)) == d,
                                   what="the mute")
                mute = restricts(emu, MEMBER)[-1]
                length = 3600 if day == 1 else 86400
                until = int(mute.params["until_date"])
                assert abs(until - clock.now().timestamp() - length) <= 60, (day, until)
                end = clock.now() + timedelta(seconds=length)
                ends.append(end.astimezone(ZoneInfo("Europe/Moscow")).strftime(
                    "%Y-%m-%d %H:%M:%S MSK"))
        await emu.wait_for(lambda: bans(emu, MEMBER), what="the ban")
        unban = emu.user_message(GROUP, ADMIN, f"/unban {MEMBER}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, unban["message_id"]), what="/unban")
    head = "Bob, your message was removed for strong language."
    assert notices == [
        f"{head} Warning 1 of 4; next: mute 1h.",
        f"{head} Muted for 1h. Warning 2 of 4; next: mute 1d.",
        f"{head} Muted for 1d. Warning 3 of 4; next: permanent ban.",
        f"{head} Banned until a moderator lifts it.",
    ], notices
    (ban,) = bans(emu, MEMBER)
    assert int(ban.params.get("until_date") or 0) == 0, ban.params
    assert replies_to(emu, GROUP, unban["message_id"]) == [
        "Bob is unbanned. Active warnings cleared: 4."], replies_to(emu, GROUP,
                                                                    unban["message_id"])
    mutes = [line for line in await audit(tmp_path / "config.toml", clock, capsys)
             if line.split()[3] == "mute"]
    assert len(mutes) == 2, mutes
    for line, end in zip(mutes, ends, strict=True):
        assert "by=auto:filter" in line and f'"until": "{end}"' in line, (line, end)


async def test_tg_warnings_expire_per_config_and_the_counter_starts_again(
        tg_app, emu, fake, clock) -> None:
    """warn_expiry = 2d: a slip on day 0; the member's /warns on day 1 shows it (with the
    polite reason), on day 3 shows none active, and day 3's slip is a first warning again,
    not a mute."""
    app = await tg_app(lang="en", tail='[community.moderation]\nwarn_expiry = "2d"\n')
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, MAT_EN, first_name="Bob")
        await notice_for(emu, first, 0)
        clock.advance(timedelta(days=1))
        asked = emu.user_message(GROUP, MEMBER, "/warns")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="/warns")
        clock.advance(timedelta(days=2))
        later = emu.user_message(GROUP, MEMBER, "/warns")
        await emu.wait_for(lambda: replies_to(emu, GROUP, later["message_id"]), what="/warns")
        again = emu.user_message(GROUP, MEMBER, "fuck this", first_name="Bob")
        fresh = await notice_for(emu, again, len(bot_messages(emu)))
    (active,) = replies_to(emu, GROUP, asked["message_id"])
    assert "active warnings: 1" in active and "strong language" in active, active
    assert replies_to(emu, GROUP, later["message_id"]) == ["Bob has no active warnings."]
    assert "Warning 1 of 4; next: mute 1h." in fresh["text"], fresh["text"]
    assert restricts(emu, MEMBER) == []


async def test_tg_russian_ladder_notices_have_no_double_full_stop(tg_app, emu, fake,
                                                                 clock) -> None:
    """The default ladder in a Russian chat: the second slip's notice announces "мут на 1
    дн." and the third's says "Писать нельзя на 1 дн.". An abbreviation that ends a sentence
    takes one full stop, not two: "1 дн.." reads as a typo in the notice every member sees."""
    app = await tg_app()
    notices: list[str] = []
    async with RunningBot(app, fast_options(fake)):
        for text in (MAT_RU, MAT_RU_2, MAT_RU_3):
            bad = emu.user_message(GROUP, MEMBER, text, first_name="Боб")
            notices.append((await notice_for(emu, bad, len(bot_messages(emu))))["text"])
            clock.advance(timedelta(hours=2))
    assert "Предупреждение 3 из 4" in notices[2], notices
    doubled = [t for t in notices if ".." in t.replace("...", "")]
    assert not doubled, doubled


# ============================================================================================
# VK
# ============================================================================================

async def test_vk_russian_chat_one_polite_notice_that_cleans_up(emulator, vk_bot,
                                                               clock) -> None:
    """The same verdict in a VK chat: the message deleted for everyone, one notice in
    Russian (the member's real name, the rule, the step, what is next), never the word,
    removed after notice_ttl."""
    await vk_bot()
    cmid, said = await vk_say(emulator, VK_CHAT, VK_BOB, MAT_RU)
    await emulator.wait_for(lambda: vk_deleted(emulator, VK_CHAT, cmid))
    (notice,) = said
    clock.advance(timedelta(minutes=2, seconds=30))
    await emulator.wait_for(lambda: notice.deleted)
    await vk_settle(emulator)
    assert notice.text == ("Bob Brown, сообщение удалено: нецензурная лексика. "
                           "Предупреждение 1 из 4; дальше: удаление из чата."), notice.text
    assert not quotes_obscenity(notice.text)
    assert vk_texts(emulator, VK_CHAT) == [notice.text]
    assert not emulator.calls_to("messages.removeChatUser")


async def test_vk_innocent_words_and_moderators_are_left_alone(emulator, vk_bot, clock,
                                                               capsys, tmp_path) -> None:
    """Members' innocent words (рубля, застрахуйте, Scunthorpe, Dickens) in the chat and
    under a post, and the listed moderator's own strong words: nothing deleted, nobody
    warned, nothing said, nothing in the audit — only a member's real мат, sent last, is."""
    await vk_bot()
    for text in INNOCENT:
        emulator.post_message(VK_CHAT, VK_BOB, text)
        emulator.post_comment(POST, VK_EVA, text)
    emulator.post_message(VK_CHAT, VK_MOD, "пиздец, опять сервер упал")
    emulator.post_comment(POST, VK_MOD, "what the fuck, server is down again")
    # a member's real мат last: once it is judged, everything before it was read
    oleg, said = await vk_say(emulator, VK_CHAT, VK_OLEG, MAT_RU_4)
    assert [m.text.split(",")[0] for m in said] == ["Oleg Orlov"], [m.text for m in said]
    assert vk_wall_comments(emulator) == []
    assert [m.cmid for m in emulator.peer(VK_CHAT).messages if m.deleted] == [oleg]
    assert not emulator.calls_to("wall.deleteComment")
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    assert {line.split("target=")[1].split()[0] for line in lines} == {f"vk:{VK_OLEG}"}, lines


async def test_vk_forward_and_edit_are_judged_as_the_members_own(emulator, vk_bot) -> None:
    """README: on VK the filter also reads forwarded messages. Bob forwards someone's мат
    with a word of his own; Eva edits a clean message into мат. Both messages deleted, each
    author told once, by name, with their first warning."""
    await vk_bot(lang="en")
    forwarded, _ = await vk_say(emulator, VK_CHAT, VK_BOB, "look what they wrote",
                                fwd_text="ну ты и пиздабол")
    clean, _ = await vk_say(emulator, VK_CHAT, VK_EVA, "nice weather today", wait=False)
    assert vk_texts(emulator, VK_CHAT) == ["Bob Brown, your message was removed for strong "
                                           "language. Warning 1 of 4; next: removal from the "
                                           "chat."], vk_texts(emulator, VK_CHAT)
    for stamp, text in ((5, "nice fucking weather"), (6, "nice fucking weather!")):
        emulator.push("message_edit", {
            "date": 0, "update_time": stamp, "from_id": VK_EVA, "id": 0, "out": 0,
            "peer_id": VK_CHAT, "text": text, "conversation_message_id": clean,
            "fwd_messages": [], "attachments": []})
    await emulator.wait_for(lambda: vk_deleted(emulator, VK_CHAT, clean))
    await vk_settle(emulator)
    assert vk_deleted(emulator, VK_CHAT, forwarded)
    texts = vk_texts(emulator, VK_CHAT)
    assert len(texts) == 2 and texts[1].startswith("Eva Evans, your message was removed"), texts
    assert "Warning 1 of 4" in texts[1], texts
    assert not any(quotes_obscenity(t) for t in texts), texts
    assert not emulator.calls_to("messages.removeChatUser")


async def test_vk_wall_comment_and_a_reply_to_it_are_judged_and_explained(
        emulator, vk_bot, clock) -> None:
    """Under a post: Oleg's obscene comment, then Bob's obscene reply to Eva's clean comment,
    then one from a member whose real name is itself мат. Their comments deleted, Eva's
    kept; each author gets one warning comment under the post, in Russian, naming them as a
    VK link (their comment is gone: the link is what tells them, README) — by id when the
    name would be removed — never quoting the word; the warnings clean up after
    notice_ttl."""
    await vk_bot()
    eva = emulator.post_comment(POST, VK_EVA, "Отличный пост, спасибо!")
    oleg = emulator.post_comment(POST, VK_OLEG, MAT_RU_4)
    bob = emulator.post_comment(POST, VK_BOB, MAT_RU_2, reply_to_comment=eva)
    rude = emulator.post_comment(POST, VK_RUDE_NAME, MAT_RU_3)
    await emulator.wait_for(lambda: len(emulator.calls_to("wall.deleteComment")) >= 3)
    await emulator.wait_for(lambda: len(vk_wall_comments(emulator)) >= 3)
    await vk_settle(emulator)
    assert all(emulator.comments[c]["deleted"] for c in (oleg, bob, rude))
    assert not emulator.comments[eva]["deleted"]
    said = vk_wall_comments(emulator)
    assert len(said) == 3, said
    (renamed,) = [c for c in said if f"[id{VK_RUDE_NAME}|" in c["text"]]
    assert renamed["text"].startswith(f"[id{VK_RUDE_NAME}|id{VK_RUDE_NAME}]"), renamed["text"]
    assert not quotes_obscenity(renamed["text"]), renamed["text"]
    for who, name in ((VK_OLEG, "Oleg Orlov"), (VK_BOB, "Bob Brown")):
        (mine,) = [c for c in said if f"[id{who}|" in c["text"]]
        assert mine["post_id"] == POST, mine
        assert f"[id{who}|{name}]" in mine["text"], mine["text"]
        assert "нецензурная лексика" in mine["text"], mine["text"]
        assert "Предупреждение 1 из 4" in mine["text"], mine["text"]
        assert not quotes_obscenity(mine["text"]), mine["text"]
    clock.advance(timedelta(minutes=2, seconds=30))
    await emulator.wait_for(lambda: all(c["deleted"] for c in vk_wall_comments(emulator)))
    assert not emulator.calls_to("groups.ban")


async def test_vk_moderators_read_the_explanation_and_unwarn_a_false_positive(
        emulator, vk_bot, clock, capsys, tmp_path) -> None:
    """A VK community with its queue in a VK chat and audit = true. The filter's verdict
    reaches the queue with its explanation (ru.mat), naming the member by name and VK id;
    the moderator answers the bot's notice with !unwarn; the chat reads that the warning is
    taken back, the queue audits it, and Bob's next slip is a first warning again."""
    await vk_bot(extra=AUDIT)
    _, said = await vk_say(emulator, VK_CHAT, VK_BOB, MAT_RU)
    (notice,) = said
    await emulator.wait_for(lambda: vk_texts(emulator, VK_QUEUE))
    _, told = await vk_say(emulator, VK_CHAT, VK_MOD, "!unwarn", reply_to=notice.cmid)
    clock.advance(timedelta(minutes=10))
    _, again = await vk_say(emulator, VK_CHAT, VK_BOB, MAT_RU_3)
    await vk_settle(emulator)
    queue = vk_texts(emulator, VK_QUEUE)
    line = next(t for t in queue if "удалено сообщение с матом" in t)
    assert "Bob Brown" in line and f"vk:{VK_BOB}" in line and "(ru.mat)" in line, line
    assert [m.text for m in told] == ["Последнее предупреждение Bob Brown снято. "
                                      "Осталось действующих: 0."], [m.text for m in told]
    assert any("предупреждение снято" in t and "Maria" in t for t in queue), queue
    assert [m.text for m in again] == [notice.text], [m.text for m in again]
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    assert [line.split()[3] for line in lines] == [
        "filter.delete", "warn", "unwarn", "filter.delete", "warn"], lines


async def test_vk_ladder_with_ban_fallback_ends_the_mute_on_time_and_unmute_lifts_it(
        emulator, vk_bot, clock) -> None:
    """vk_mute_fallback = "ban": the ladder's "mute 1h" becomes a community ban that ends
    an hour after the slip (groups.ban end_date), and the notice says so in Russian. The
    moderator's !unmute lifts it (groups.unban) and the chat reads that Bob can write; the
    next slip, a day later, is step 3: a ban ending a day after it."""
    await vk_bot(tables='[community.moderation]\nvk_mute_fallback = "ban"\n')
    _, first = await vk_say(emulator, VK_CHAT, VK_BOB, MAT_RU)
    assert "дальше: бан на 1 ч." in first[0].text, first[0].text  # what VK will do
    clock.advance(timedelta(hours=3))
    _, second = await vk_say(emulator, VK_CHAT, VK_BOB, MAT_RU_2)
    (ban,) = await emulator.wait_calls("groups.ban")
    assert ban["owner_id"] == str(VK_BOB), ban.params
    assert abs(int(ban["end_date"]) - (clock.now() + timedelta(hours=1)).timestamp()) <= 60, \
        ban.params
    (notice,) = second
    assert "Во ВКонтакте нет мута: вместо него — бан на 1 ч." in notice.text, notice.text
    assert "Предупреждение 2 из 4" in notice.text and not quotes_obscenity(notice.text)
    _, told = await vk_say(emulator, VK_CHAT, VK_MOD, "!unmute", reply_to=notice.cmid)
    await emulator.wait_calls("groups.unban")
    assert [m.text for m in told] == ["Bob Brown снова может писать."], [m.text for m in told]
    clock.advance(timedelta(days=1))
    await vk_say(emulator, VK_CHAT, VK_BOB, MAT_RU_3)
    bans = await emulator.wait_calls("groups.ban", 2)
    assert abs(int(bans[1]["end_date"]) - (clock.now() + timedelta(days=1)).timestamp()) <= 60


async def test_vk_poll_and_reposted_post_are_judged(emulator, vk_bot) -> None:
    """README: everything a member writes is judged, poll questions and options included,
    and on VK forwarded messages are read too. On VK a poll, and a wall post shared into the
    chat (VK's forwarded post), arrive as attachments carrying their text. Telegram removes
    both (the poll and the forwarded channel post above); VK should as well: the chat reads
    the same мат."""
    await vk_bot(lang="en")
    poll = {"type": "poll", "poll": {
        "id": 77, "owner_id": VK_BOB, "created": 0, "question": "who the fuck broke the build?",
        "votes": 0, "answers": [{"id": 1, "text": "me", "votes": 0, "rate": 0},
                                {"id": 2, "text": "полный пиздец", "votes": 0, "rate": 0}],
        "anonymous": True, "multiple": False, "closed": False, "is_board": False,
        "can_vote": True}}
    repost = {"type": "wall", "wall": {
        "id": 4242, "owner_id": -777, "from_id": -777, "date": 1_700_000_000,
        "post_type": "post", "text": "Новости: полный пиздец на дорогах", "attachments": []}}
    polled = emulator.post_message(VK_CHAT, VK_BOB, "", attachments=[poll])
    shared = emulator.post_message(VK_CHAT, VK_EVA, "", attachments=[repost])
    await vk_settle(emulator)
    await vk_settle(emulator)
    deleted = {who: vk_deleted(emulator, VK_CHAT, cmid)
               for who, cmid in (("poll", polled), ("repost", shared))}
    assert deleted == {"poll": True, "repost": True}, (deleted, vk_texts(emulator, VK_CHAT))
    texts = vk_texts(emulator, VK_CHAT)
    for name in ("Bob Brown", "Eva Evans"):
        assert [t for t in texts if t.startswith(f"{name}, your message was removed")], texts
