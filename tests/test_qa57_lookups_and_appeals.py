"""QA round 57: moderator lookups and member appeals, on the wire, on both networks.

A moderator at 2 a.m. needs a member's record fast: their warnings with reasons and dates,
who acted and why, from the group, from the queue chat and in private, by reply, by
@username, by profile link and by numeric id. A punished member asks the bot privately why
(the verdict explained politely, never naming the reporter or the moderator, never quoting
the obscene word), appeals with /complaint, and is told the outcome when a moderator lifts
the sanction or keeps it; everything acted on is in `modbot audit` with who and why.

The bar is Rose / Combot (/warns, /unwarn, /unmute, /unban, reasons kept). README: "/warns
— list active warnings (a member may send /warns to see their own, as in Rose, in the chat
or in private)"; "Target a member by replying to their message, or with @username … or a
numeric id (also telegram:ID / vk:ID, a profile link vk.com/id777 / t.me/bob, and VK's
@id777)"; "a reply to the bot's own notice about a member targets Mary (/unwarn there takes
her warning back)"; "a reply to a ticket's card targets the ticket's author"; "the
filter's explanation … goes into the warning and the audit log"; "the reporter gets … a
private notice of the outcome"; "Audit: ban by Olga (telegram:700) → Spammer (telegram:501)
in Cats (telegram:-1001)"; "bans and deletions done from a card's buttons are posted to the
queue like typed commands"; "in the replies to commands typed there [the other network's
queue], the @username is left out".

The real Telegram adapter runs in-process against tests/tg_emulator and the real VK adapter
against tests/vk_emulator (both adapters on one App for the cross-network test, as in
tests/test_qa24_cross_queue.py). Time is the injected clock, near the present (Telegram reads
until_date against the wall clock); waits are predicates on what the emulators saw, never
sleeps. An xfail(strict) marks a product problem.
"""

from __future__ import annotations

import argparse
import itertools
import re
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from test_qa24_cross_queue import Bot as BothNetworks
from test_qa40_night_shift import answered, button, vk_button
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, LISTED_MODERATOR, QUEUE, TOKEN, RunningBot, fast_options
from tg_emulator.wire import command, render, replies_to, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MARIA
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import LoadedConfig, load_config
from bot.core.clock import FakeClock
from bot.features.moderation import audit_command

# --------------------------------------------------------------------------------------------
# The cast
# --------------------------------------------------------------------------------------------

OLGA = ADMIN  # 700: admin of the group "Cats" and of the queue chat, @olga
PAVEL = LISTED_MODERATOR  # 900: listed in `moderators`, admin of nothing
BOB = 4301  # the member whose record is looked up, @bob
EVA = 4302  # the member who reports him, @eva
WITNESS_BASE = 570_000  # bystanders whose /help marks "all before was handled"

VK_BOB = 4401  # Bob Brown, screen name bobbrown
VK_EVA = 4402  # Eva Evans, the reporter
# VK_MARIA = 900: the VK community's listed moderator, "Maria Mod"

TZ = ZoneInfo("Europe/Moscow")  # the community's clock (UTC+3 all year)
NO_FLOOD = "[community.antiflood]\nenabled = false\n"
SPAM = "cheap watches, 90% off, order at watches-spam.example"
RUDE = "this is fucking ridiculous"
OBSCENE = ("fuck",)


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()  # Telegram reads until_date against the real clock


def local(moment: datetime) -> str:
    """A time as the community reads it (hours and minutes in Europe/Moscow)."""
    return moment.astimezone(TZ).strftime("%H:%M")


def mentions(text: str, *what: object) -> list[str]:
    """Which of ``what`` (names, handles, ids) ``text`` names; ids as whole numbers."""
    found = []
    for item in what:
        if isinstance(item, int):
            if re.search(rf"(?<!\d){item}(?!\d)", text):
                found.append(str(item))
        elif item.lower() in text.lower():
            found.append(str(item))
    return found


async def audit(config_path: Path, clock: FakeClock,
                capsys: pytest.CaptureFixture[str]) -> list[str]:
    """`modbot audit --community demo --since 30d`, as the owner runs it: its lines."""
    capsys.readouterr()
    args = argparse.Namespace(config=str(config_path), community="demo", since="30d")
    assert await audit_command(args, clock=clock) == 0
    return capsys.readouterr().out.splitlines()


def rows(lines: list[str], action: str) -> list[str]:
    """The audit lines of one action ("2026-03-02 12:00:00 MSK  warn  by=…")."""
    return [line for line in lines if len(line.split()) > 3 and line.split()[3] == action]


def field(line: str, name: str) -> str:
    if name == "reason":
        match = re.search(r'  reason="(.*?)"  details=', line)
    else:
        match = re.search(rf"  {name}=(\S+)", line)
    assert match, (name, line)
    return match.group(1)


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

def tg_config(folder: Path, api_base: str) -> LoadedConfig:
    text = textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
        api_base = "{api_base}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "en"
        timezone = "Europe/Moscow"
        chats = ["telegram:{GROUP}"]
        moderators = ["telegram:{PAVEL}"]
        queue = "telegram:{QUEUE}"
        audit = true
        """) + NO_FLOOD
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def tg_app(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
           open_app: Callable[..., Awaitable[App]]) -> Callable[[], Awaitable[App]]:
    """The community "demo" on Telegram: group "Cats" (admin Olga), its queue chat (admin
    Olga), Pavel listed as a moderator; English, Europe/Moscow, audit posted to the queue."""
    emu.world.chats[GROUP].title = "Cats"
    for uid, name, username in ((OLGA, "Olga", "olga"), (PAVEL, "Pavel", None),
                                (BOB, "Bob", "bob"), (EVA, "Eva", "eva")):
        emu.world.user(uid, name, username)

    async def make() -> App:
        return await open_app(tg_config(tmp_path, emu.api_base), clock, "qa57")

    return make


_WITNESSES = itertools.count(WITNESS_BASE)
HELPS = {render("common.help_member"), render("common.help_moderator")}


async def settle(emu: TelegramEmulator) -> None:
    """Everything sent before this has been handled: a new bystander's /help in the group got
    its answer (a new one each time: the members' command budget is 5 a minute)."""
    probe = emu.user_message(GROUP, next(_WITNESSES), "/help")
    await emu.wait_for(lambda: replies_to(emu, GROUP, probe["message_id"]),
                       what="a bystander's /help answer")


async def tg_ask(emu: TelegramEmulator, chat: int, who: int, text: str, *, expect: bool = True,
                 **extra: Any) -> list[str]:
    """``who`` writes ``text`` in ``chat`` (a group, the queue or a private chat); returns the
    bot's new texts there once everything was handled (bystanders' /help answers left out)."""
    before = len(emu.sent_texts(chat))
    emu.user_message(chat, who, text, **extra)
    if expect:
        await emu.wait_for(lambda: len(emu.sent_texts(chat)) > before,
                           what=f"the answer to {text!r}")
    await settle(emu)
    return [t for t in emu.sent_texts(chat)[before:] if t not in HELPS]


async def say_hello(emu: TelegramEmulator, *users: int) -> None:
    """Members who once wrote to the bot, so it may write to them privately."""
    for user in users:
        emu.user_message(user, user, "/start")
    await emu.wait_for(lambda: all(emu.sent_texts(u) for u in users), what="the greetings")


def tg_card(emu: TelegramEmulator, number: int) -> dict[str, Any]:
    return next(m for m in emu.sent_messages(QUEUE)
                if (m.get("text") or "").startswith(f"Ticket #{number} "))


async def tg_report(emu: TelegramEmulator, clock: FakeClock) -> tuple[dict[str, Any],
                                                                      dict[str, Any]]:
    """Bob posts spam, Eva reports it; returns the spam and card #1."""
    spam = emu.user_message(GROUP, BOB, SPAM)
    clock.advance(timedelta(seconds=20))
    await command(emu, EVA, "/report spam, he sent me the same in DMs",
                  reply_to=spam["message_id"])
    await emu.wait_for(lambda: [m for m in emu.sent_messages(QUEUE)
                                if (m.get("text") or "").startswith("Ticket #1 ")],
                       what="card #1")
    return spam, tg_card(emu, 1)


async def tg_swears(emu: TelegramEmulator, who: int = BOB, text: str = RUDE) -> dict[str, Any]:
    rude = emu.user_message(GROUP, who, text)
    await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]),
                       what="the obscene message deleted")
    await settle(emu)
    return rude


def restricts(emu: TelegramEmulator, user: int) -> list[dict[str, Any]]:
    return [c.params for c in emu.calls_of("restrictChatMember")
            if int(c.params["user_id"]) == user]


# --------------------------------------------------------------------------------------------
# Telegram: lookups
# --------------------------------------------------------------------------------------------

async def test_tg_group_lookup_by_reply_username_and_id_gives_one_record_with_reasons_and_times(
        tg_app, emu, fake, clock) -> None:
    """Olga warned Bob for advertising; ninety minutes later the filter warned him for
    swearing (the ladder muted him). In the group, /warns in reply to Bob's message, /warns
    @bob and /warns 4301 each answer once with the same record: two warnings, oldest first,
    each with its reason and its time on the community's clock (Moscow), the filter's one
    as the polite rule, never the word itself (members read the group)."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, BOB, SPAM)
        await command(emu, OLGA, "/warn advertising", reply_to=spam["message_id"])
        first = clock.now()
        clock.advance(timedelta(hours=1, minutes=30))
        await tg_swears(emu)
        second = clock.now()
        asked = [await command(emu, OLGA, "/warns", reply_to=spam["message_id"]),
                 await command(emu, OLGA, "/warns @bob"),
                 await command(emu, OLGA, f"/warns {BOB}")]
        await settle(emu)
    answers = [replies_to(emu, GROUP, m["message_id"]) for m in asked]
    assert all(len(a) == 1 for a in answers), answers
    assert answers[0] == answers[1] == answers[2], answers
    record = answers[0][0]
    assert "bob" in record.lower() and "2" in record, record
    lines = record.splitlines()
    ads = next(i for i, line in enumerate(lines) if "advertising" in line)
    rude = next(i for i, line in enumerate(lines) if "strong language" in line)
    assert ads < rude, record
    assert local(first) in lines[ads] and local(second) in lines[rude], (record, local(first))
    assert not mentions(record, *OBSCENE), record


async def test_tg_queue_and_private_lookups_reach_the_same_record(tg_app, emu, fake,
                                                                  clock) -> None:
    """Bob swore (the filter's warning); Eva reported his spam and Olga replied /warn
    advertising to card #1. In the queue, /warns in reply to the card (its author) and
    /warns telegram:4301 show both warnings, the filter's with its explanation (moderators
    see it there). In private, Olga (/warns @bob) and Pavel, a listed moderator who admins
    no chat (/warns 4301), get the record too, with the polite rule."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        await tg_swears(emu)
        _spam, card = await tg_report(emu, clock)
        warned = await tg_ask(emu, QUEUE, OLGA, "/warn advertising",
                              reply_to=card["message_id"])
        by_card = await tg_ask(emu, QUEUE, OLGA, "/warns", reply_to=card["message_id"])
        by_ref = await tg_ask(emu, QUEUE, OLGA, f"/warns telegram:{BOB}")
        olga = await tg_ask(emu, OLGA, OLGA, "/warns @bob")
        pavel = await tg_ask(emu, PAVEL, PAVEL, f"/warns {BOB}")
    assert any("advertising" in t and "2 of" in t for t in warned), warned
    queue_answers = [[t for t in got if not t.startswith("Audit:")] for got in (by_card, by_ref)]
    assert queue_answers[0] == queue_answers[1] and len(queue_answers[0]) == 1, queue_answers
    (in_queue,) = queue_answers[0]
    assert "advertising" in in_queue and "fuck" in in_queue, in_queue
    for private in (olga, pavel):
        assert len(private) == 1, private
        assert "advertising" in private[0] and "strong language" in private[0], private
        assert "2" in private[0], private


async def test_tg_reply_to_the_bots_notice_looks_up_and_takes_back_a_false_positive(
        tg_app, emu, fake, clock, tmp_path, capsys) -> None:
    """Bob quoted a film title and the filter warned him. Olga replies /warns to the bot's
    notice (it is about Bob) and sees his warning; she replies /unwarn quoting a film title
    to the same notice and it is taken back. Bob, asking privately, has no warnings left;
    the audit keeps the filter's warning and Olga's taking it back, with her reason."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        await say_hello(emu, BOB)
        before = len(emu.sent_messages(GROUP))
        await tg_swears(emu, text='the film is literally called "What the fuck is this"')
        notice = next(m for m in emu.sent_messages(GROUP)[before:]
                      if "strong language" in (m.get("text") or ""))
        looked = await command(emu, OLGA, "/warns", reply_to=notice["message_id"])
        taken = await command(emu, OLGA, "/unwarn quoting a film title",
                              reply_to=notice["message_id"])
        own = await tg_ask(emu, BOB, BOB, "/warns")
    (record,) = replies_to(emu, GROUP, looked["message_id"])
    assert "bob" in record.lower() and "strong language" in record, record
    assert replies_to(emu, GROUP, taken["message_id"]) == [
        render("moderation.unwarned", user="@bob", count=0)]
    assert own == [render("moderation.no_warnings", user="@bob")], own
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (warn,) = rows(lines, "warn")
    assert field(warn, "by") == "auto:filter" and field(warn, "target") == f"telegram:{BOB}"
    (unwarn,) = rows(lines, "unwarn")
    assert field(unwarn, "by") == f"telegram:{OLGA}", unwarn
    assert field(unwarn, "target") == f"telegram:{BOB}", unwarn
    assert field(unwarn, "reason") == "quoting a film title", unwarn


# --------------------------------------------------------------------------------------------
# Telegram: the member's side and appeals
# --------------------------------------------------------------------------------------------

async def test_tg_member_reads_own_record_privately_without_reporter_moderator_or_word(
        tg_app, emu, fake, clock) -> None:
    """Eva reported Bob's spam and Olga warned him from the card; later the filter warned
    him for swearing. Bob asks the bot privately: both warnings with their reasons, the
    filter's as the rule broken; nothing names Eva (the reporter), Olga (the moderator),
    the ticket or the word. Asking for Eva's record is refused."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        await say_hello(emu, BOB)
        _spam, card = await tg_report(emu, clock)
        await tg_ask(emu, QUEUE, OLGA, "/warn advertising", reply_to=card["message_id"])
        clock.advance(timedelta(minutes=10))
        await tg_swears(emu)
        own = await tg_ask(emu, BOB, BOB, "/warns")
        theirs = await tg_ask(emu, BOB, BOB, "/warns @eva")
    (record,) = own
    assert "advertising" in record and "strong language" in record and "2" in record, record
    assert not mentions(record, "Eva", EVA, "Olga", OLGA, "#1", "report", *OBSCENE), record
    assert theirs == [render("common.not_moderator", command="/warns")], theirs


async def test_tg_banned_member_appeals_privately_unban_from_the_queue_and_is_told(
        tg_app, emu, fake, clock, tmp_path, capsys) -> None:
    """Bob swore once (a warning), then Olga pressed "Ban author" on Eva's report of his
    spam. Bob writes to the bot privately: /complaint … please unban me. Ticket #2 reaches
    the queue with his words; Olga types /unban 4301 appeal accepted (the ban is lifted in
    the group, his warning cleared: a fresh start) and /resolve 2 with a note. Bob is told
    privately, once, with the note; his record is clean; the audit holds the ban, the
    appeal, the unban and the verdict, each with who and why."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        await say_hello(emu, BOB)
        await tg_swears(emu)
        _spam, card = await tg_report(emu, clock)
        ban = button(card, "t:ban:")
        assert ban, card
        await answered(emu, emu.press(QUEUE, card["message_id"], OLGA, ban))
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        clock.advance(timedelta(hours=2))
        acked = await tg_ask(emu, BOB, BOB,
                             "/complaint I'm sorry about the ads, please unban me")
        await emu.wait_for(lambda: [m for m in emu.sent_messages(QUEUE)
                                    if (m.get("text") or "").startswith("Ticket #2 ")],
                           what="card #2")
        appeal = tg_card(emu, 2)["text"]
        unbanned = await tg_ask(emu, QUEUE, OLGA, f"/unban {BOB} appeal accepted")
        before = len(emu.sent_texts(BOB))
        await tg_ask(emu, QUEUE, OLGA, "/resolve 2 welcome back, read the rules")
        await emu.wait_for(lambda: len(emu.sent_texts(BOB)) > before, what="the outcome")
        told = emu.sent_texts(BOB)[before:]
        own = await tg_ask(emu, BOB, BOB, "/warns")
    assert acked == [render("complaints.ack", number=2)], acked
    assert "Bob" in appeal and "please unban me" in appeal, appeal
    (lifted,) = emu.calls_of("unbanChatMember")
    assert int(lifted.params["chat_id"]) == GROUP and int(lifted.params["user_id"]) == BOB
    assert render("moderation.done.unban", user="@bob", count=1) in unbanned, unbanned
    assert told == [render("complaints.outcome_resolved", number=2, note=render(
        "complaints.outcome_note", note="welcome back, read the rules"))], told
    assert own == [render("moderation.no_warnings", user="@bob")], own
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (banned,) = rows(lines, "ban")
    assert field(banned, "by") == f"telegram:{OLGA}" and field(banned, "target") == \
        f"telegram:{BOB}", banned
    filed = [r for r in rows(lines, "ticket.report") if '"ticket": 2' in r]
    assert len(filed) == 1 and field(filed[0], "by") == f"telegram:{BOB}", filed
    assert "please unban me" in field(filed[0], "reason"), filed  # a private complaint's words
    (unban,) = rows(lines, "unban")
    assert field(unban, "by") == f"telegram:{OLGA}" and field(unban, "reason") == \
        "appeal accepted", unban
    verdict = [r for r in rows(lines, "ticket.resolve") if '"ticket": 2' in r]
    assert len(verdict) == 1 and field(verdict[0], "by") == f"telegram:{OLGA}", verdict
    assert field(verdict[0], "reason") == "welcome back, read the rules", verdict


async def test_tg_appeal_rejected_keeps_the_mute_and_tells_the_member_why(
        tg_app, emu, fake, clock, tmp_path, capsys) -> None:
    """Olga muted Bob for 2h for advertising, in the group. Bob appeals privately; Olga
    rejects the ticket with a reason. Bob hears the verdict once, with the reason, and
    nothing about who decided; the mute stays (no second restriction lifting it); the
    audit has the mute (with its end) and the rejection, each by Olga with the reason."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        await say_hello(emu, BOB)
        spam = emu.user_message(GROUP, BOB, SPAM)
        await command(emu, OLGA, "/mute 2h advertising", reply_to=spam["message_id"])
        await emu.wait_for(lambda: restricts(emu, BOB), what="the mute")
        clock.advance(timedelta(minutes=15))
        await tg_ask(emu, BOB, BOB, "/complaint the mute is unfair, it was one link")
        await emu.wait_for(lambda: [m for m in emu.sent_messages(QUEUE)
                                    if (m.get("text") or "").startswith("Ticket #1 ")],
                           what="the appeal's card")
        before = len(emu.sent_texts(BOB))
        await tg_ask(emu, QUEUE, OLGA, "/reject 1 third ad this week, the mute stands")
        await emu.wait_for(lambda: len(emu.sent_texts(BOB)) > before, what="the verdict")
        await settle(emu)
        told = emu.sent_texts(BOB)[before:]
    assert told == [render("complaints.outcome_rejected", number=1, note=render(
        "complaints.outcome_note", note="third ad this week, the mute stands"))], told
    assert not mentions(told[0], "Olga", OLGA), told
    assert len(restricts(emu, BOB)) == 1, restricts(emu, BOB)
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (mute,) = rows(lines, "mute")
    assert field(mute, "by") == f"telegram:{OLGA}" and field(mute, "reason") == "advertising"
    assert '"until"' in mute, mute
    (rejected,) = rows(lines, "ticket.reject")
    assert field(rejected, "by") == f"telegram:{OLGA}", rejected
    assert field(rejected, "reason") == "third ad this week, the mute stands", rejected


async def test_tg_member_muted_from_the_queue_can_learn_why(tg_app, emu, fake, clock) -> None:
    """Eva reported Bob's spam; Olga replied /mute 2h advertising to the card, in the queue
    chat. Telegram now stops Bob writing, with no reason. The verdict must reach him
    somewhere: in the group (as Rose's "/mute" announces it there) or privately, and the
    one lookup a member has (/warns, privately, "to see their own") must not tell a member
    muted for advertising that nothing is held against him."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        await say_hello(emu, BOB)
        _spam, card = await tg_report(emu, clock)
        group_before = len(emu.sent_texts(GROUP))
        private_before = len(emu.sent_texts(BOB))
        await tg_ask(emu, QUEUE, OLGA, "/mute 2h advertising", reply_to=card["message_id"])
        await emu.wait_for(lambda: restricts(emu, BOB), what="the mute")
        asked = await tg_ask(emu, BOB, BOB, "/warns")
    shown_to_bob = [t for t in emu.sent_texts(GROUP)[group_before:] if t not in HELPS] + \
        emu.sent_texts(BOB)[private_before:]
    assert any("advertising" in t for t in shown_to_bob), shown_to_bob
    assert asked != [render("moderation.no_warnings", user="@bob")], asked


async def test_tg_ban_author_button_audit_line_names_the_moderator(tg_app, emu, fake,
                                                                   clock) -> None:
    """README: with audit = true the queue reads "Audit: ban by Olga (telegram:700) →
    Spammer (telegram:501) in Cats (telegram:-1001)", and bans done from a card's buttons
    are posted like typed commands. Olga (first name Olga, @olga) presses "Ban author";
    the line must name her as her typed /unban's line does."""
    app = await tg_app()
    async with RunningBot(app, fast_options(fake)):
        _spam, card = await tg_report(emu, clock)
        await answered(emu, emu.press(QUEUE, card["message_id"], OLGA, button(card, "t:ban:")))
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE)
                                    if t.startswith("Audit: ban")], what="the ban's audit line")
        await tg_ask(emu, QUEUE, OLGA, f"/unban {BOB} appeal accepted")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE)
                                    if t.startswith("Audit: unban")], what="the unban's line")
    (ban_line,) = [t for t in emu.sent_texts(QUEUE) if t.startswith("Audit: ban")]
    (unban_line,) = [t for t in emu.sent_texts(QUEUE) if t.startswith("Audit: unban")]
    assert unban_line.startswith(f"Audit: unban by Olga (telegram:{OLGA})"), unban_line
    assert ban_line.startswith(f"Audit: ban by Olga (telegram:{OLGA}) → Bob (telegram:{BOB})"), \
        ban_line


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

VK_NAMES = {VK_BOB: ("Bob", "Brown"), VK_EVA: ("Eva", "Evans"), VK_MARIA: ("Maria", "Mod")}


@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                 ) -> AsyncIterator[Callable[[], Awaitable[VkBot]]]:
    """The community "demo" on VK: chat 2000000001 and the wall, queue chat 2000000002,
    Maria (900) listed as a moderator; English, Europe/Moscow, audit posted to the queue,
    the default ladder (a VK "mute" removes from the chat)."""
    started: list[VkBot] = []

    async def start() -> VkBot:
        emulator.real_names.update(VK_NAMES)
        emulator.screen_names[VK_BOB] = "bobbrown"
        emulator.add_members(VK_CHAT, VK_BOB, VK_EVA, VK_MARIA)
        text = vk_config_text(emulator, community_extra="audit = true\n" + NO_FLOOD)
        running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
        await running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


async def vk_ask(emulator: VkEmulator, peer: int, who: int, text: str, *,
                 settle: bool = False, **extra: Any) -> tuple[int, list[str]]:
    """``who`` writes ``text`` in ``peer`` (a chat, the queue or a private dialogue) and the
    bot answers there (not only an audit line); returns its cmid and the bot's new texts
    there. The poller handles
    events in order, so the next event is handled after this one; ``settle`` also waits
    until the poller went back to the long poll (everything the event caused was sent), at
    the price of a long-poll round or two of real time."""
    before = len(emulator.sent(peer))
    cmid = emulator.post_message(peer, who, text, **extra)
    await emulator.wait_for(lambda: not_audit([m.text for m in emulator.sent(peer)[before:]]))
    if settle:
        await vk_settle(emulator)
    return cmid, [m.text for m in emulator.sent(peer)[before:]]


def not_audit(texts: list[str]) -> list[str]:
    return [t for t in texts if not t.startswith("Audit:")]


def vk_card(emulator: VkEmulator, number: int) -> Any:
    return next(m for m in emulator.sent(VK_QUEUE) if m.text.startswith(f"Ticket #{number} "))


async def vk_report(emulator: VkEmulator, clock: FakeClock) -> tuple[int, Any]:
    """Bob posts spam in the chat, Eva reports it; returns the spam's cmid and card #1."""
    spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    clock.advance(timedelta(seconds=20))
    await vk_ask(emulator, VK_CHAT, VK_EVA, "!report spam, he sent me the same in DMs",
                 reply_to=spam)
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if m.text.startswith("Ticket #1 ")])
    return spam, vk_card(emulator, 1)


async def vk_swears(emulator: VkEmulator) -> int:
    cmid = emulator.post_message(VK_CHAT, VK_BOB, RUDE)
    await emulator.wait_for(lambda: any(m.cmid == cmid and m.deleted
                                        for m in emulator.peer(VK_CHAT).messages))
    await vk_settle(emulator)
    return cmid


# --------------------------------------------------------------------------------------------
# VK: lookups and appeals
# --------------------------------------------------------------------------------------------

async def test_vk_lookup_by_reply_screen_name_id_mention_link_and_ref_gives_one_record(
        emulator, vk_bot, clock) -> None:
    """Maria warned Bob for advertising; an hour later the filter warned him for swearing
    (and removed him from the chat: VK has no mute). In the chat, !warns in reply to his
    message, !warns @bobbrown, !warns @id4401, /warns vk.com/id4401 and /warns 4401 all
    show the same record: two warnings with reasons and Moscow times, the filter's as the
    rule. In the queue /warns vk:4401 shows the filter's explanation; in a private dialogue
    Maria's /warns 4401 shows the record with the rule."""
    await vk_bot()
    spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    await vk_ask(emulator, VK_CHAT, VK_MARIA, "!warn advertising", reply_to=spam)
    first = clock.now()
    clock.advance(timedelta(hours=1))
    await vk_swears(emulator)
    second = clock.now()
    asked = []
    for text, extra in (("!warns", {"reply_to": spam}), ("!warns @bobbrown", {}),
                        (f"!warns @id{VK_BOB}", {}), (f"/warns vk.com/id{VK_BOB}", {}),
                        (f"/warns {VK_BOB}", {})):
        cmid, _ = await vk_ask(emulator, VK_CHAT, VK_MARIA, text, **extra)
        asked.append(cmid)
    _, in_queue = await vk_ask(emulator, VK_QUEUE, VK_MARIA, f"/warns vk:{VK_BOB}")
    _, private = await vk_ask(emulator, VK_MARIA, VK_MARIA, f"/warns {VK_BOB}", settle=True)
    answers = [[m.text for m in emulator.sent(VK_CHAT) if m.reply_to == cmid]
               for cmid in asked]
    assert all(a == answers[0] for a in answers) and len(answers[0]) == 1, answers
    record = answers[0][0]
    lines = record.splitlines()
    ads = next(i for i, line in enumerate(lines) if "advertising" in line)
    rude = next(i for i, line in enumerate(lines) if "strong language" in line)
    assert ads < rude and local(first) in lines[ads] and local(second) in lines[rude], record
    assert not mentions(record, *OBSCENE), record
    (queue_record,) = not_audit(in_queue)
    assert "advertising" in queue_record and "fuck" in queue_record, queue_record
    assert private == [record], private


async def test_vk_member_appeals_a_filter_warning_privately_and_hears_it_was_taken_back(
        emulator, vk_bot, clock, tmp_path, capsys) -> None:
    """Eva reported Bob's spam and Maria warned him from the card; later the filter warned
    him (and removed him from the chat). Bob asks the community privately: both warnings,
    polite, naming neither Eva nor Maria. He appeals (/complaint …); Maria types !unwarn
    vk:4401 quoted a film in the queue and !resolve 2 with a note: Bob is told privately
    with the note, one warning is left, and the audit has the unwarn and the verdict by
    Maria with her reasons."""
    await vk_bot()
    _spam, card = await vk_report(emulator, clock)
    await vk_ask(emulator, VK_QUEUE, VK_MARIA, "!warn advertising", reply_to=card.cmid)
    clock.advance(timedelta(minutes=30))
    await vk_swears(emulator)
    _, own = await vk_ask(emulator, VK_BOB, VK_BOB, "/warns")
    _, acked = await vk_ask(emulator, VK_BOB, VK_BOB,
                            "/complaint the second warning is a mistake, I quoted a film")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if m.text.startswith("Ticket #2 ")])
    appeal = vk_card(emulator, 2).text
    _, unwarned = await vk_ask(emulator, VK_QUEUE, VK_MARIA, f"!unwarn vk:{VK_BOB} quoted a film")
    before = len(emulator.sent(VK_BOB))
    await vk_ask(emulator, VK_QUEUE, VK_MARIA, "!resolve 2 warning taken back, sorry")
    await emulator.wait_for(lambda: len(emulator.sent(VK_BOB)) > before)
    await vk_settle(emulator)
    told = [m.text for m in emulator.sent(VK_BOB)[before:]]
    _, after = await vk_ask(emulator, VK_BOB, VK_BOB, "/warns")
    (record,) = own
    assert "advertising" in record and "strong language" in record, record
    assert not mentions(record, "Eva", VK_EVA, "Maria", VK_MARIA, "#1", *OBSCENE), record
    assert acked == [render("complaints.ack", number=2)], acked
    assert "Bob Brown" in appeal and "I quoted a film" in appeal, appeal
    assert render("moderation.unwarned", user="@bobbrown", count=1) in unwarned, unwarned
    assert told == [render("complaints.outcome_resolved", number=2, note=render(
        "complaints.outcome_note", note="warning taken back, sorry"))], told
    (left,) = after
    assert "advertising" in left and "strong language" not in left, left
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (unwarn,) = rows(lines, "unwarn")
    assert field(unwarn, "by") == f"vk:{VK_MARIA}" and field(unwarn, "target") == \
        f"vk:{VK_BOB}" and field(unwarn, "reason") == "quoted a film", unwarn
    verdict = [r for r in rows(lines, "ticket.resolve") if '"ticket": 2' in r]
    assert len(verdict) == 1 and field(verdict[0], "by") == f"vk:{VK_MARIA}", verdict


async def test_vk_appeal_rejected_the_member_hears_why_and_nothing_is_lifted(
        emulator, vk_bot, clock, tmp_path, capsys) -> None:
    """Maria "muted" Bob for a day for flooding (VK has no mute: he was removed from the
    chat). Bob appeals privately; Maria rejects it with a reason. Bob hears the verdict once
    with the reason and no moderator's name; nothing is undone (no unban); the audit has
    the removal (degraded from a mute) and the rejection, by Maria, with the reasons."""
    await vk_bot()
    flood = emulator.post_message(VK_CHAT, VK_BOB, "up up up up")
    await vk_ask(emulator, VK_CHAT, VK_MARIA, "!mute 1d flooding", reply_to=flood)
    await emulator.wait_calls("messages.removeChatUser")
    clock.advance(timedelta(minutes=5))
    await vk_ask(emulator, VK_BOB, VK_BOB, "/complaint why was I removed? I only said up")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if m.text.startswith("Ticket #1 ")])
    before = len(emulator.sent(VK_BOB))
    await vk_ask(emulator, VK_QUEUE, VK_MARIA, "!reject 1 flooding twice today, rules 3")
    await emulator.wait_for(lambda: len(emulator.sent(VK_BOB)) > before)
    await vk_settle(emulator)
    told = [m.text for m in emulator.sent(VK_BOB)[before:]]
    assert told == [render("complaints.outcome_rejected", number=1, note=render(
        "complaints.outcome_note", note="flooding twice today, rules 3"))], told
    assert not mentions(told[0], "Maria", VK_MARIA), told
    assert not emulator.calls_to("groups.unban"), emulator.calls_to("groups.unban")
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (removed,) = rows(lines, "kick")
    assert field(removed, "by") == f"vk:{VK_MARIA}" and field(removed, "reason") == "flooding"
    assert '"degraded_from": "mute"' in removed, removed
    (rejected,) = rows(lines, "ticket.reject")
    assert field(rejected, "by") == f"vk:{VK_MARIA}", rejected
    assert field(rejected, "reason") == "flooding twice today, rules 3", rejected


async def test_vk_moderator_lookup_of_a_banned_member_says_banned_and_until_when(
        emulator, vk_bot, clock) -> None:
    """Maria banned Bob for 3 days for spam links (a community ban). At 2 a.m. another
    look from the queue (/warns vk:4401, the only lookup there is) must tell her the member
    is banned and until when, as an /info-like lookup does, not that he has a clean
    record: the bot knows (the audit stores the ban's end)."""
    await vk_bot()
    spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
    await vk_ask(emulator, VK_CHAT, VK_MARIA, "!ban 3d spam links", reply_to=spam)
    await emulator.wait_calls("groups.ban")
    end = (clock.now() + timedelta(days=3)).astimezone(TZ)
    _, said = await vk_ask(emulator, VK_QUEUE, VK_MARIA, f"!warns vk:{VK_BOB}")
    (record,) = not_audit(said)
    assert "ban" in record.lower() and "spam links" in record, record
    assert str(end.day) in record, (record, end)


async def test_vk_ban_button_audit_line_names_the_moderator(emulator, vk_bot, clock) -> None:
    """As on Telegram: Maria Mod (screen name "maria") presses "Ban author" on card #1; the
    queue's audit line must read "Audit: ban by Maria Mod (vk:900) → Bob Brown (vk:4401)",
    as her typed commands' lines do."""
    emulator.screen_names[VK_MARIA] = "maria"
    await vk_bot()
    _spam, card = await vk_report(emulator, clock)
    emulator.press(VK_QUEUE, VK_MARIA, card.cmid, vk_button(card, "Ban"))
    await emulator.wait_calls("groups.ban")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if m.text.startswith("Audit: ban")])
    await vk_ask(emulator, VK_QUEUE, VK_MARIA, f"!unban {VK_BOB} appeal accepted")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if m.text.startswith("Audit: unban")])
    await vk_settle(emulator)
    (ban_line,) = [m.text for m in emulator.sent(VK_QUEUE) if m.text.startswith("Audit: ban")]
    (unban_line,) = [m.text for m in emulator.sent(VK_QUEUE)
                     if m.text.startswith("Audit: unban")]
    assert unban_line.startswith(f"Audit: unban by Maria Mod (vk:{VK_MARIA})"), unban_line
    assert ban_line.startswith(
        f"Audit: ban by Maria Mod (vk:{VK_MARIA}) → Bob Brown (vk:{VK_BOB})"), ban_line


# --------------------------------------------------------------------------------------------
# Both networks: one community, its queue on VK
# --------------------------------------------------------------------------------------------

async def test_cross_network_lookups_from_the_other_network_leave_out_handles(
        emu, emulator, tmp_path, clock, capsys) -> None:
    """One community: the Telegram group "Cats" and a VK chat; its queue is a VK chat.
    Telegram Bob (@bob) and VK Bob Brown (bobbrown) each have a warning. From the VK queue
    and from Maria's private VK dialogue, /warns telegram:4301 shows Bob's record without
    "@bob" (on VK it would be someone else); from Olga's private Telegram chat, /warns
    vk:4401 shows Bob Brown's without "@bobbrown". Maria takes Bob's warning back from the
    VK queue: the audit line names the Telegram group where it took effect, with her
    reason, and Bob finds his record clean."""
    emu.world.chats[GROUP].title = "Cats"
    for uid, name, username in ((OLGA, "Olga", "olga"), (BOB, "Bob", "bob")):
        emu.world.user(uid, name, username)
    emulator.real_names.update(VK_NAMES)
    emulator.screen_names[VK_BOB] = "bobbrown"
    emulator.add_members(VK_CHAT, VK_BOB, VK_EVA, VK_MARIA)
    emulator.add_members(VK_QUEUE, VK_MARIA)
    path = tmp_path / "config.toml"
    path.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TOKEN}"
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
        timezone = "Europe/Moscow"
        chats = ["telegram:{GROUP}", "vk:{VK_CHAT}"]
        moderators = ["vk:{VK_MARIA}"]
        queue = "vk:{VK_QUEUE}"
        audit = true
        """) + NO_FLOOD, encoding="utf-8")
    bot = await BothNetworks(path, clock, emu, emulator, instance="qa57").start()
    try:
        await say_hello(emu, BOB)
        spam = emu.user_message(GROUP, BOB, SPAM)
        await command(emu, OLGA, "/warn advertising", reply_to=spam["message_id"])
        vk_spam = emulator.post_message(VK_CHAT, VK_BOB, SPAM)
        await vk_ask(emulator, VK_CHAT, VK_MARIA, "!warn ads in the chat", reply_to=vk_spam)
        _, in_queue = await vk_ask(emulator, VK_QUEUE, VK_MARIA, f"/warns telegram:{BOB}")
        _, in_private = await vk_ask(emulator, VK_MARIA, VK_MARIA, f"/warns telegram:{BOB}")
        olga = await tg_ask(emu, OLGA, OLGA, f"/warns vk:{VK_BOB}")
        _, taken = await vk_ask(emulator, VK_QUEUE, VK_MARIA,
                                f"/unwarn telegram:{BOB} wrong person, sorry", settle=True)
        own = await tg_ask(emu, BOB, BOB, "/warns")
    finally:
        await bot.stop()
    for said in (not_audit(in_queue), in_private):
        assert len(said) == 1 and "Bob" in said[0] and "advertising" in said[0], said
        assert "@bob" not in said[0], said
    (vk_record,) = olga
    assert "Bob Brown" in vk_record and "ads in the chat" in vk_record, vk_record
    assert "@bobbrown" not in vk_record, vk_record
    assert render("moderation.unwarned", user="Bob", count=0) in taken, taken
    (line,) = [t for t in taken if t.startswith("Audit:")]
    assert f"Maria Mod (vk:{VK_MARIA})" in line and f"Cats (telegram:{GROUP})" in line, line
    assert "wrong person, sorry" in line, line
    assert own == [render("moderation.no_warnings", user="@bob")], own
    lines = await audit(path, clock, capsys)
    (unwarn,) = rows(lines, "unwarn")
    assert field(unwarn, "by") == f"vk:{VK_MARIA}" and field(unwarn, "target") == \
        f"telegram:{BOB}", unwarn
