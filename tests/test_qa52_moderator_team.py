"""QA round 52: a team of moderators working at once, on both networks.

Two moderators claim or close the same ticket within seconds (card buttons and /take
/resolve /reject typed), one mutes while another unmutes, two ban the same member; who counts
as a moderator (listed in config, a chat admin, an admin of the queue chat only, an anonymous
admin, a channel sender, a forwarded order); an admin demoted mid-run; moderators acting from
the queue chat on a member by id; and the audit trail naming the right moderator for each
action. The bar is what a Rose / Combot team expects: nothing done or announced twice, the
loser of a race told politely who got there first, every action attributed correctly.

The real Telegram adapter runs in-process against tests/tg_emulator and the real VK adapter
against tests/vk_emulator (both imported, never edited). Time is the injected clock (run near
the present: Telegram reads until_date against the wall clock); waits are predicates on what
the emulators saw, never sleeps. Plumbing is shared with tests/test_qa40_night_shift.py.
"""

from __future__ import annotations

import copy
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from test_qa40_night_shift import (
    ANON_BOT,
    answered,
    at,
    audit_cli,
    audit_rows,
    bans,
    button,
    card_now,
    cards,
    member_actions,
    muted_all,
    post,
    restricts,
    say_hello_privately,
    until,
    vk_bans,
    vk_button,
    vk_removed,
    vk_replies_to,
    vk_said,
    vk_snackbars,
)
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, LISTED_MODERATOR, QUEUE, TOKEN, RunningBot, fast_options
from tg_emulator.wire import command, render, replies_to, wall_clock
from tg_emulator.world import ADMIN_RIGHTS
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_OLGA
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
PAVEL = LISTED_MODERATOR  # 900: listed in `moderators`, admin of nothing
GLEB = 701  # admin of the group only
QUINN = 702  # admin of the queue chat only
WITNESS = 950  # a listed moderator whose /help marks "everything before was handled"
RAIDERS = (4101, 4102, 4103, 4104)
RAIDER_NAMES = {4101: "Igor", 4102: "Denis", 4103: "Marat", 4104: "Ruslan"}
REPORTER = 5101
CHANNEL = -100777  # a channel a member posts as
SPAM = "Earn 5000 a day with no investment! DM me t.me/easy_money_24"

VK_PAVEL = 901  # admin of the VK queue chat: a moderator community-wide
VK_GLEB = 903  # admin of the VK community chat only
VK_RAIDERS = (4201, 4202, 4203)
VK_REPORTER = 5201
VK_NAMES = {VK_OLGA: ("Olga", "Vk"), VK_PAVEL: ("Pavel", "Vk"), VK_GLEB: ("Gleb", "Vk"),
            4201: ("Igor", "Raider"), 4202: ("Denis", "Raider"), 4203: ("Marat", "Raider"),
            VK_REPORTER: ("Anna", "Reporter")}
POST_ID = 10


@pytest.fixture
def clock() -> FakeClock:
    # Telegram reads until_date against the wall clock; `modbot audit --since` against it too
    return wall_clock()


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

def team_config(folder: Path, api_base: str, *, audit: bool) -> LoadedConfig:
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
        timezone = "UTC"
        chats = ["telegram:{GROUP}"]
        moderators = ["telegram:{PAVEL}", "telegram:{WITNESS}"]
        queue = "telegram:{QUEUE}"
        audit = {"true" if audit else "false"}
        """)
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


@pytest.fixture
def team(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
         open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """The community "demo": group "Cats" (admins Olga, Gleb), queue chat (admins Olga,
    Quinn), Pavel listed as a moderator."""
    emu.world.chats[GROUP].title = "Cats"
    emu.world.chats[GROUP].admins |= {GLEB}
    emu.world.chats[QUEUE].admins |= {QUINN}
    for uid, name in {OLGA: "Olga", PAVEL: "Pavel", GLEB: "Gleb", QUINN: "Quinn",
                      WITNESS: "Wit", REPORTER: "Anna", **RAIDER_NAMES}.items():
        emu.world.user(uid, name)

    async def make(audit: bool = False) -> App:
        return await open_app(team_config(tmp_path, emu.api_base, audit=audit), clock, "qa52")

    return make


async def tg_settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before has been handled: a listed moderator's /help got its answer."""
    probe = emu.user_message(chat, WITNESS, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="the witness's /help answer")


async def tg_report(emu: TelegramEmulator, clock: FakeClock, author: int = RAIDERS[0]
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Anna reports the author's spam; returns the spam message and ticket #N's card."""
    before = len(cards(emu))
    spam = emu.user_message(GROUP, author, SPAM)
    clock.advance(timedelta(seconds=5))
    await command(emu, REPORTER, "/report spam", reply_to=spam["message_id"])
    await emu.wait_for(lambda: len(cards(emu)) > before, what="the card")
    return spam, copy.deepcopy(cards(emu)[before])


def push_admin_change(emu: TelegramEmulator, chat_id: int, user_id: int, *, old: str,
                      new: str) -> None:
    """What Telegram sends when the owner promotes or demotes someone (chat_member)."""
    chat = emu.world.chat(chat_id)
    user = emu.world.user(user_id)
    emu.inject_raw({"chat_member": {
        "chat": chat.as_json(), "from": emu.world.user(OLGA), "date": int(time.time()),
        "old_chat_member": {"status": old, "user": user,
                            **(ADMIN_RIGHTS if old == "administrator" else {})},
        "new_chat_member": {"status": new, "user": user,
                            **(ADMIN_RIGHTS if new == "administrator" else {})}}})


def group_said(emu: TelegramEmulator, words: str) -> list[str]:
    return [t for t in emu.sent_texts(GROUP) if words in t]


def audit_lines(emu: TelegramEmulator) -> list[str]:
    return [t for t in emu.sent_texts(QUEUE) if t.startswith("Audit:")]


# --------------------------------------------------------------------------------------------
# Telegram: two moderators on one ticket
# --------------------------------------------------------------------------------------------

async def test_tg_claim_button_then_take_typed_seconds_later_each_loser_told_who_holds_it(
        team, emu, fake, clock, tmp_path: Path) -> None:
    """Olga presses Claim; three seconds later Pavel types /take 1 and Gleb (a group admin,
    who works cards community-wide in the queue) /take #1. README: "a Claim within a minute
    of another moderator's is a race, not a hand-over, and is refused with who holds the
    ticket" — the buttons and the typed commands are the same lifecycle. Olga keeps it, the
    queue hears no hand-over, and `modbot audit` shows one claim, Olga's."""
    app = await team()
    async with RunningBot(app, fast_options(fake)):
        _spam, card = await tg_report(emu, clock)
        claim = button(card, "t:claim:")
        assert claim is not None
        (first,) = await answered(emu, emu.press(QUEUE, card["message_id"], OLGA, claim))
        clock.advance(timedelta(seconds=3))
        take = await command(emu, PAVEL, "/take 1", chat=QUEUE)
        clock.advance(timedelta(seconds=2))
        take2 = await command(emu, GLEB, "/take #1", chat=QUEUE)
        await tg_settle(emu, QUEUE)
    assert first["text"] == render("complaints.done_claim", number=1), first
    refusal = render("complaints.refused_just_claimed", number=1, who="Olga")
    assert replies_to(emu, QUEUE, take["message_id"]) == [refusal]
    assert replies_to(emu, QUEUE, take2["message_id"]) == [refusal]
    assert "claimed by Olga" in card_now(emu, card)["text"], card_now(emu, card)["text"]
    assert not [t for t in emu.sent_texts(QUEUE) if "took it over" in t]
    lines = audit_cli(tmp_path / "config.toml")
    claims = audit_rows(lines, "ticket.claim")
    assert len(claims) == 1 and f"by=telegram:{OLGA}" in claims[0], claims


async def test_tg_resolve_typed_and_reject_pressed_seconds_apart_the_first_verdict_stands(
        team, emu, fake, clock, tmp_path: Path) -> None:
    """Olga types /resolve 1 removed; two seconds later Pavel, looking at the old card,
    presses Reject, and Gleb types /reject 1 not spam. The ticket stays resolved, Anna hears
    exactly one outcome (resolved, with Olga's note) — never "no action" after "resolved" —
    and the audit has one verdict, Olga's."""
    app = await team()
    async with RunningBot(app, fast_options(fake)):
        await say_hello_privately(emu, REPORTER)
        _spam, card = await tg_report(emu, clock)
        reject = button(card, "t:reject:")
        assert reject is not None
        resolve = await command(emu, OLGA, "/resolve 1 removed", chat=QUEUE)
        clock.advance(timedelta(seconds=2))
        (pressed,) = await answered(emu, emu.press(QUEUE, card["message_id"], PAVEL, reject))
        clock.advance(timedelta(seconds=2))
        typed = await command(emu, GLEB, "/reject 1 not spam", chat=QUEUE)
        await tg_settle(emu, QUEUE)
    assert replies_to(emu, QUEUE, resolve["message_id"]) == [
        render("complaints.done_resolve", number=1)]
    assert pressed["text"] != render("complaints.done_reject", number=1), pressed
    assert replies_to(emu, QUEUE, typed["message_id"]) != [
        render("complaints.done_reject", number=1)]
    assert "resolved" in card_now(emu, card)["text"].splitlines()[0], card_now(emu, card)
    outcomes = [t for t in emu.sent_texts(REPORTER) if "#1" in t]
    assert outcomes == [render("complaints.outcome_resolved", number=1, note=render(
        "complaints.outcome_note", note="removed"))], outcomes
    lines = audit_cli(tmp_path / "config.toml")
    assert [f"by=telegram:{OLGA}" in r for r in audit_rows(lines, "ticket.resolve")] == [True]
    assert audit_rows(lines, "ticket.reject") == [], audit_rows(lines, "ticket.reject")


async def test_tg_loser_of_a_verdict_race_is_told_who_closed_the_ticket_and_how(
        team, emu, fake, clock) -> None:
    """The same race as above, from Pavel's side. A Claim race is refused "with who holds
    the ticket" (README); a verdict race deserves at least as much: Pavel must learn that
    Olga resolved it (not merely that it is "closed"), and must not be invited to reopen it
    to overturn her — the reporter would then hear a second, contradicting outcome."""
    app = await team()
    async with RunningBot(app, fast_options(fake)):
        _spam, _card = await tg_report(emu, clock)
        await command(emu, OLGA, "/resolve 1 removed", chat=QUEUE)
        clock.advance(timedelta(seconds=2))
        typed = await command(emu, PAVEL, "/reject 1 not spam", chat=QUEUE)
        await tg_settle(emu, QUEUE)
    (answer,) = replies_to(emu, QUEUE, typed["message_id"])
    assert "Olga" in answer and "resolved" in answer, answer
    assert "/reopen" not in answer, answer


# --------------------------------------------------------------------------------------------
# Telegram: two moderators on one member
# --------------------------------------------------------------------------------------------

async def test_tg_mute_and_unmute_typed_seconds_apart_apply_in_order_and_audit_names_each(
        team, emu, fake, clock) -> None:
    """Olga mutes Igor for 1h; two seconds later Pavel, who thinks it a mistake, unmutes him
    (both sent before the bot read either). Telegram sees the mute and then the lifting, in
    that order; Igor can write; each moderator's answer is their own; with `audit = true` the
    queue reads "mute by Olga" and "unmute by Pavel", naming Igor and the group."""
    app = await team(audit=True)
    raider = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, raider, SPAM)
        expected = at(clock, timedelta(hours=1))
        mute = emu.user_message(GROUP, OLGA, "/mute 1h flood", reply_to=spam["message_id"])
        clock.advance(timedelta(seconds=2))
        unmute = emu.user_message(GROUP, PAVEL, "/unmute", reply_to=spam["message_id"])
        await emu.wait_for(lambda: len(restricts(emu, raider)) >= 2
                           and replies_to(emu, GROUP, unmute["message_id"]),
                           what="the mute and the unmute")
        await emu.wait_for(lambda: len(audit_lines(emu)) >= 2, what="two audit lines")
        await tg_settle(emu)
    first, second = restricts(emu, raider)
    # an hour from when the bot read it (the clock moved two seconds while both waited)
    assert muted_all(first) and expected <= until(first) <= expected + 2, first
    assert all(v for k, v in second["permissions"].items() if k.startswith("can_send")), second
    assert emu.world.chats[GROUP].members[raider]["status"] == "member"
    (muted,) = replies_to(emu, GROUP, mute["message_id"])
    assert "Igor" in muted and "1h" in muted and "flood" in muted, muted
    assert replies_to(emu, GROUP, unmute["message_id"]) == [
        render("moderation.done.unmute", user="Igor")]
    lines = audit_lines(emu)
    assert len(lines) == 2, lines
    assert lines[0].startswith(
        f"Audit: mute by Olga (telegram:{OLGA}) → Igor (telegram:{raider}) in Cats "
        f"(telegram:{GROUP})"), lines
    assert lines[1].startswith(
        f"Audit: unmute by Pavel (telegram:{PAVEL}) → Igor (telegram:{raider}) in Cats "
        f"(telegram:{GROUP})"), lines


async def test_tg_two_moderators_ban_the_same_member_once_and_the_second_hears_who_did(
        team, emu, fake, clock) -> None:
    """Olga and Pavel both /ban Denis for his spam, two seconds apart. One ban, one "banned"
    notice in the group (members read every notice: two are noise in a raid), and Pavel is
    told Denis is already banned — by Olga — rather than believing he did it."""
    app = await team()
    raider = RAIDERS[1]
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, raider, SPAM)
        emu.user_message(GROUP, OLGA, "/ban spam", reply_to=spam["message_id"])
        clock.advance(timedelta(seconds=2))
        second = emu.user_message(GROUP, PAVEL, "/ban spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, second["message_id"]),
                           what="an answer to Pavel")
        await tg_settle(emu)
    assert len(bans(emu, raider)) == 1, bans(emu, raider)
    assert len(group_said(emu, "is banned")) == 1, group_said(emu, "is banned")
    (answer,) = replies_to(emu, GROUP, second["message_id"])
    assert "Olga" in answer, answer


async def test_tg_second_moderators_timed_ban_does_not_shorten_a_fresh_permanent_ban(
        team, emu, fake, clock) -> None:
    """Olga bans Marat for good; Pavel, who did not see it, types /ban 1d a moment later.
    Telegram's banChatMember with an until_date replaces the ban: Marat would be back
    tomorrow. README: a member the bot banned stays banned — no second moderator's /mute
    replaces the ban ("is banned here… /unban first"); a timed /ban is the same trap. The
    permanent ban must stand and Pavel be told why nothing changed."""
    app = await team()
    raider = RAIDERS[2]
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, raider, SPAM)
        await command(emu, OLGA, "/ban spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: bans(emu, raider), what="Olga's ban")
        clock.advance(timedelta(seconds=3))
        second = await command(emu, PAVEL, "/ban 1d spam", reply_to=spam["message_id"])
        await tg_settle(emu)
    assert [until(p) for p in bans(emu, raider)] == [0], bans(emu, raider)
    assert emu.world.chats[GROUP].members[raider] == {"status": "kicked", "until_date": 0}
    (answer,) = replies_to(emu, GROUP, second["message_id"])
    assert "1 day" not in answer and "1d" not in answer, answer


# --------------------------------------------------------------------------------------------
# Telegram: who counts as a moderator, and who gets the credit
# --------------------------------------------------------------------------------------------

async def test_tg_who_may_moderate_listed_admin_queue_admin_anonymous_yes_channel_forward_no(
        team, emu, fake, clock) -> None:
    """README "Who is a moderator": the chat's admins, the queue chat's admins, the listed
    `moderators`, and an admin posting anonymously count; a forwarded message (even one Olga
    herself forwards: its "/ban" is a quote) and a member posting as a channel do not. With
    `audit = true` each action is credited to whoever did it — the anonymous admin to the
    group itself (who is behind it is exactly what anonymity hides), never to
    GroupAnonymousBot or to a person."""
    app = await team(audit=True)
    r1, r2, r3, r4 = RAIDERS
    group = emu.world.chats[GROUP].as_json()
    async with RunningBot(app, fast_options(fake)):
        spam = {r: emu.user_message(GROUP, r, f"{SPAM} #{r}") for r in RAIDERS}
        post(emu, GROUP, ANON_BOT, "/ban spam", reply_to=spam[r1]["message_id"],
             sender_chat=group)
        warn = await command(emu, PAVEL, "/warn ads", reply_to=spam[r2]["message_id"])
        mute = await command(emu, QUINN, "/mute 10m ads", reply_to=spam[r3]["message_id"])
        emu.user_message(GROUP, OLGA, f"/ban {r4}", forwarded_from=OLGA)
        emu.user_message(GROUP, 0, "/kick", sender_chat=CHANNEL, reply_to=spam[r4]["message_id"])
        await emu.wait_for(lambda: bans(emu, r1) and len(audit_lines(emu)) >= 3,
                           what="the anonymous ban and three audit lines")
        await tg_settle(emu)
    assert len(bans(emu, r1)) == 1 and until(bans(emu, r1)[0]) == 0
    assert "has been warned" in replies_to(emu, GROUP, warn["message_id"])[0]
    assert len(restricts(emu, r3)) == 1, restricts(emu, r3)
    assert "muted" in replies_to(emu, GROUP, mute["message_id"])[0]
    assert not [a for a in member_actions(emu) if int(a[1]["user_id"]) in (r2, r4)], \
        member_actions(emu)
    assert not group_said(emu, "Ruslan"), group_said(emu, "Ruslan")
    lines = audit_lines(emu)
    assert len(lines) == 3, lines
    by = {line.split(" by ")[0].removeprefix("Audit: "): line for line in lines}
    assert by["ban"].startswith(
        f"Audit: ban by Cats (telegram:{GROUP}) → Igor (telegram:{r1})"), by["ban"]
    assert by["warning"].startswith(f"Audit: warning by Pavel (telegram:{PAVEL}) → Denis"), by
    assert by["mute"].startswith(f"Audit: mute by Quinn (telegram:{QUINN}) → Marat"), by
    assert not any(str(ANON_BOT["id"]) in line for line in lines), lines


async def test_tg_admin_demoted_mid_run_loses_powers_in_the_group_and_on_the_queue_cards(
        team, emu, fake, clock) -> None:
    """Gleb, an admin of the group, warns a raider. The owner demotes him (Telegram sends a
    chat_member update). From that moment (Rose: demoted = no powers) his /ban in the group
    and his Claim on a card in the queue — where a group admin counts community-wide — are
    refused; the raider is not banned and the ticket stays unclaimed. Promoted again, he can
    claim at once."""
    app = await team()
    raider = RAIDERS[0]
    async with RunningBot(app, fast_options(fake)):
        spam, card = await tg_report(emu, clock, author=raider)
        warn = await command(emu, GLEB, "/warn spam", reply_to=spam["message_id"])
        emu.world.chats[GROUP].admins.discard(GLEB)
        push_admin_change(emu, GROUP, GLEB, old="administrator", new="member")
        clock.advance(timedelta(seconds=5))
        ban = await command(emu, GLEB, "/ban spam", reply_to=spam["message_id"])
        claim = button(card, "t:claim:")
        assert claim is not None
        (refused,) = await answered(emu, emu.press(QUEUE, card["message_id"], GLEB, claim))
        text_after_refusal = card_now(emu, card)["text"]
        emu.world.chats[GROUP].admins.add(GLEB)
        push_admin_change(emu, GROUP, GLEB, old="member", new="administrator")
        clock.advance(timedelta(seconds=5))
        (granted,) = await answered(emu, emu.press(QUEUE, card["message_id"], GLEB, claim))
        await tg_settle(emu)
    assert "has been warned" in replies_to(emu, GROUP, warn["message_id"])[0]
    assert replies_to(emu, GROUP, ban["message_id"]) == [
        render("common.not_moderator", command="/ban")]
    assert not bans(emu, raider), bans(emu, raider)
    assert refused["text"] != render("complaints.done_claim", number=1), refused
    assert "claimed" not in text_after_refusal.splitlines()[0], text_after_refusal
    assert granted["text"] == render("complaints.done_claim", number=1), granted


# --------------------------------------------------------------------------------------------
# Telegram: acting from the queue chat on a member by id
# --------------------------------------------------------------------------------------------

async def test_tg_queue_warns_unmute_and_ban_by_id_act_in_the_group_and_name_it(
        team, emu, fake, clock) -> None:
    """Igor swore (the filter's warning) and Pavel muted him in the group. From the queue
    chat Olga types /warns 4101 (moderators there see the filter's explanation), /unmute
    4101 (the group's restriction is lifted) and /ban 4102 spam (Denis is banned in the
    group). Each answer in the queue names the member; the audit line of the ban names the
    group where it took effect, not the queue, and Olga as the one who did it."""
    app = await team(audit=True)
    igor, denis = RAIDERS[0], RAIDERS[1]
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, denis, SPAM)
        rude = emu.user_message(GROUP, igor, "this is fucking ridiculous")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, rude["message_id"]), what="deleted")
        clock.advance(timedelta(seconds=30))
        spam = emu.user_message(GROUP, igor, SPAM)
        await command(emu, PAVEL, "/mute 2h ads", reply_to=spam["message_id"])
        clock.advance(timedelta(seconds=30))
        warns = await command(emu, OLGA, f"/warns {igor}", chat=QUEUE)
        unmute = await command(emu, OLGA, f"/unmute {igor}", chat=QUEUE)
        await emu.wait_for(lambda: len(restricts(emu, igor)) == 2, what="the unmute")
        ban = await command(emu, OLGA, f"/ban {denis} spam", chat=QUEUE)
        await emu.wait_for(lambda: bans(emu, denis), what="the ban")
        await emu.wait_for(lambda: [t for t in audit_lines(emu) if t.startswith("Audit: ban")],
                           what="the ban's audit line")
        await tg_settle(emu, QUEUE)
    (listed,) = replies_to(emu, QUEUE, warns["message_id"])
    assert "Igor" in listed and "active warnings: 1" in listed and "fuck" in listed, listed
    lifted = restricts(emu, igor)[1]
    assert int(lifted["chat_id"]) == GROUP, lifted
    assert all(v for k, v in lifted["permissions"].items() if k.startswith("can_send")), lifted
    assert replies_to(emu, QUEUE, unmute["message_id"]) == [
        render("moderation.done.unmute", user="Igor")]
    (banned,) = bans(emu, denis)
    assert int(banned["chat_id"]) == GROUP and until(banned) == 0, banned
    (said_ban,) = replies_to(emu, QUEUE, ban["message_id"])
    assert "Denis" in said_ban and "banned" in said_ban, said_ban
    (line,) = [t for t in audit_lines(emu) if t.startswith("Audit: ban")]
    assert line.startswith(f"Audit: ban by Olga (telegram:{OLGA}) → Denis (telegram:{denis}) "
                           f"in "), line
    assert f"telegram:{GROUP}" in line and f"telegram:{QUEUE}" not in line, line


async def test_tg_queue_ban_by_id_audit_line_names_the_group_by_its_title(
        team, emu, fake, clock) -> None:
    """README's audit line: "Audit: ban by Olga (telegram:700) → Spammer (telegram:501) in
    Cats (telegram:-1001)", and "a /ban typed in the queue names the group, not the queue".
    The moderators reading the queue know their groups by title (the cards use it); a bare
    id is what a ban typed in the group never shows."""
    app = await team(audit=True)
    denis = RAIDERS[1]
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, denis, SPAM)
        await command(emu, OLGA, f"/ban {denis} spam", chat=QUEUE)
        await emu.wait_for(lambda: [t for t in audit_lines(emu) if t.startswith("Audit: ban")],
                           what="the ban's audit line")
    (line,) = [t for t in audit_lines(emu) if t.startswith("Audit: ban")]
    assert f"→ Denis (telegram:{denis}) in Cats (telegram:{GROUP})" in line, line


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[VkBot]:
    """The community on VK, in English: chat 2000000001 (admin Gleb) and the wall; queue chat
    2000000002 (admin Pavel, Olga a member); Olga listed as a moderator."""
    emulator.set_admins(VK_CHAT, VK_GLEB)
    emulator.add_members(VK_CHAT, *VK_RAIDERS, VK_REPORTER)
    emulator.set_admins(VK_QUEUE, VK_PAVEL)
    emulator.add_members(VK_QUEUE, VK_OLGA)
    emulator.real_names.update(VK_NAMES)
    running = VkBot(write_vk_config(tmp_path, vk_config_text(
        emulator, community_extra="audit = true")), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_cards(emulator: VkEmulator) -> list[ChatMessage]:
    return [m for m in emulator.sent(VK_QUEUE) if m.text.startswith("Ticket #")]


def vk_audit(emulator: VkEmulator) -> list[str]:
    return vk_said(emulator, VK_QUEUE, "Audit:")


async def vk_report(emulator: VkEmulator, clock: FakeClock, author: int = VK_RAIDERS[0]
                    ) -> tuple[int, ChatMessage]:
    spam = emulator.post_message(VK_CHAT, author, SPAM)
    clock.advance(timedelta(seconds=5))
    emulator.post_message(VK_CHAT, VK_REPORTER, "!report spam", reply_to=spam)
    card = (await emulator.wait_for(lambda: vk_cards(emulator)))[0]
    return spam, card


def vk_wall_reply(emulator: VkEmulator, from_id: int, text: str, parent: int,
                  parent_author: int) -> int:
    """A comment written as a reply to another comment (VK names the replied-to author)."""
    comment_id = 50_000 + len(emulator.comments)
    emulator.comments[comment_id] = {"id": comment_id, "post_id": POST_ID, "from_id": from_id,
                                     "text": text, "deleted": False}
    emulator.push("wall_reply_new", {
        "id": comment_id, "from_id": from_id, "date": int(emulator.clock()), "text": text,
        "post_id": POST_ID, "owner_id": -emulator.group_id, "parents_stack": [parent],
        "post_owner_id": -emulator.group_id, "reply_to_comment": parent,
        "reply_to_user": parent_author})
    return comment_id


# --------------------------------------------------------------------------------------------
# VK: two managers on one ticket
# --------------------------------------------------------------------------------------------

async def test_vk_take_typed_by_two_managers_seconds_apart_the_second_is_told_who_holds_it(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock, tmp_path: Path) -> None:
    """In the VK queue chat Olga (listed) types !take 1; three seconds later Pavel (the queue
    chat's admin) types /take #1 and then presses Claim on the card. Both are refused naming
    Olga; the card says she holds it; the audit has one claim, hers."""
    _spam, card = await vk_report(emulator, clock)
    claim = vk_button(card, "Claim")  # the card as Pavel last saw it
    olga = emulator.post_message(VK_QUEUE, VK_OLGA, "!take 1")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, olga))
    clock.advance(timedelta(seconds=3))
    pavel = emulator.post_message(VK_QUEUE, VK_PAVEL, "/take #1")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, pavel))
    clock.advance(timedelta(seconds=2))
    emulator.press(VK_QUEUE, VK_PAVEL, card.cmid, claim)
    await emulator.wait_calls("messages.sendMessageEventAnswer", 1)
    await vk_settle(emulator)
    assert vk_replies_to(emulator, VK_QUEUE, olga) == [render("complaints.done_claim", number=1)]
    refusal = render("complaints.refused_just_claimed", number=1, who="Olga Vk")
    assert vk_replies_to(emulator, VK_QUEUE, pavel) == [refusal]
    assert vk_snackbars(emulator) == [refusal], vk_snackbars(emulator)
    assert "claimed by Olga Vk" in vk_cards(emulator)[0].text, vk_cards(emulator)[0].text
    claims = audit_rows(audit_cli(tmp_path / "config.toml"), "ticket.claim")
    assert len(claims) == 1 and f"by=vk:{VK_OLGA}" in claims[0], claims


async def test_vk_reject_and_resolve_seconds_apart_the_reporter_hears_one_outcome(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock, tmp_path: Path) -> None:
    """Pavel rejects ticket #1 with the card's button; two seconds later Olga, still reading
    the card, types !resolve 1 banned. The rejection stands: Anna is told once, "no action",
    with nothing contradicting it afterwards; Olga's answer is not "resolved"; the audit has
    Pavel's verdict only."""
    _spam, card = await vk_report(emulator, clock)
    emulator.press(VK_QUEUE, VK_PAVEL, card.cmid, vk_button(card, "Reject"))
    await emulator.wait_for(lambda: "rejected" in vk_cards(emulator)[0].text.splitlines()[0])
    clock.advance(timedelta(seconds=2))
    olga = emulator.post_message(VK_QUEUE, VK_OLGA, "!resolve 1 banned")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, olga))
    await vk_settle(emulator)
    assert vk_snackbars(emulator) == [render("complaints.done_reject", number=1)]
    assert vk_replies_to(emulator, VK_QUEUE, olga) != [render("complaints.done_resolve", number=1)]
    told = [m.text for m in emulator.sent(VK_REPORTER) if "#1" in m.text]
    assert told == [render("complaints.outcome_rejected", number=1, note="")], told
    assert "rejected" in vk_cards(emulator)[0].text.splitlines()[0]
    lines = audit_cli(tmp_path / "config.toml")
    assert [f"by=vk:{VK_PAVEL}" in r for r in audit_rows(lines, "ticket.reject")] == [True]
    assert audit_rows(lines, "ticket.resolve") == []


# --------------------------------------------------------------------------------------------
# VK: two managers on one member
# --------------------------------------------------------------------------------------------

async def test_vk_second_managers_timed_ban_does_not_shorten_a_permanent_community_ban(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """Olga bans Denis from the community for good; Pavel, a moment later, !ban 1d. A VK
    ban is the whole community's: a second groups.ban with an end_date turns the permanent
    ban into a one-day one. One ban call, no end date; the chat hears "banned" once."""
    raider = VK_RAIDERS[1]
    spam = emulator.post_message(VK_CHAT, raider, SPAM)
    emulator.post_message(VK_CHAT, VK_OLGA, "!ban spam", reply_to=spam)
    await emulator.wait_for(lambda: vk_bans(emulator, raider))
    clock.advance(timedelta(seconds=3))
    second = emulator.post_message(VK_CHAT, VK_PAVEL, "!ban 1d spam", reply_to=spam)
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_CHAT, second))
    await vk_settle(emulator)
    assert [c.params.get("end_date") for c in vk_bans(emulator, raider)] == [None], \
        [c.params for c in vk_bans(emulator, raider)]
    assert emulator.bans[raider] is None, emulator.bans
    assert len(vk_said(emulator, VK_CHAT, "is banned")) == 1, vk_said(emulator, VK_CHAT)


async def test_vk_chat_admin_counts_on_the_wall_and_in_the_queue_a_member_nowhere(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """README: the queue chat and the VK wall serve the whole community, so there an admin
    of any of its chats counts. Gleb, admin of the community chat only, bans a spammer by
    replying !ban under the spammer's wall comment, and claims ticket #1 in the queue chat; a
    member's identical !ban under another comment is refused and bans nobody. The audit
    credits Gleb."""
    spammer, other = VK_RAIDERS[0], VK_RAIDERS[2]
    await vk_report(emulator, clock, author=VK_RAIDERS[1])
    bad = emulator.post_comment(POST_ID, spammer, "cheap followers at spam.example")
    vk_wall_reply(emulator, VK_GLEB, "!ban spam", bad, spammer)
    await emulator.wait_for(lambda: vk_bans(emulator, spammer))
    take = emulator.post_message(VK_QUEUE, VK_GLEB, "!take 1")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, take))
    bad2 = emulator.post_comment(POST_ID, other, "more cheap followers at spam.example")
    vk_wall_reply(emulator, VK_REPORTER, "!ban spam", bad2, other)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert len(vk_bans(emulator, spammer)) == 1
    assert not vk_bans(emulator, other), emulator.calls_to("groups.ban")
    assert vk_replies_to(emulator, VK_QUEUE, take) == [render("complaints.done_claim", number=1)]
    assert "claimed by Gleb Vk" in vk_cards(emulator)[0].text
    (line,) = [t for t in vk_audit(emulator) if t.startswith("Audit: ban")]
    assert line.startswith(f"Audit: ban by Gleb Vk (vk:{VK_GLEB}) → Igor Raider (vk:{spammer})"), \
        line


async def test_vk_chat_admin_demoted_loses_the_queue_cards_once_the_admin_list_expires(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """VK sends no event when a chat admin is demoted, so the bot learns it when its cached
    admin list expires (`vk.admins_ttl`, 300 s). Gleb warns a raider as the chat's admin; he
    is demoted; six minutes later his Claim on the card in the queue chat and his !ban in the
    chat are refused, and nobody is banned or claimed."""
    raider = VK_RAIDERS[0]
    spam, card = await vk_report(emulator, clock, author=raider)
    claim = vk_button(card, "Claim")
    warn = emulator.post_message(VK_CHAT, VK_GLEB, "!warn spam", reply_to=spam)
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_CHAT, warn))
    emulator.peer(VK_CHAT).members[VK_GLEB] = "member"
    clock.advance(timedelta(minutes=6))
    emulator.press(VK_QUEUE, VK_GLEB, card.cmid, claim)
    await emulator.wait_calls("messages.sendMessageEventAnswer", 1)
    ban = emulator.post_message(VK_CHAT, VK_GLEB, "!ban spam", reply_to=spam)
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_CHAT, ban))
    await vk_settle(emulator)
    assert "has been warned" in vk_replies_to(emulator, VK_CHAT, warn)[0]
    assert vk_snackbars(emulator) != [render("complaints.done_claim", number=1)]
    assert "claimed" not in vk_cards(emulator)[0].text.splitlines()[0]
    assert vk_replies_to(emulator, VK_CHAT, ban) == [
        render("common.not_moderator", command="/ban")]
    assert not vk_bans(emulator, raider) and not vk_removed(emulator, raider)


# --------------------------------------------------------------------------------------------
# VK: acting from the queue chat on a member by id
# --------------------------------------------------------------------------------------------

async def test_vk_queue_unban_by_id_lifts_the_community_ban_with_one_call(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """README: "a VK ban is the whole community's, so a /ban from the queue that acts in
    several VK chats and on the wall calls it once". Lifting it is the same single fact: one
    groups.unban, as the ban was one groups.ban (no double actions)."""
    denis = VK_RAIDERS[1]
    emulator.post_message(VK_CHAT, denis, SPAM)
    ban = emulator.post_message(VK_QUEUE, VK_PAVEL, f"!ban {denis} spam")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, ban))
    clock.advance(timedelta(minutes=5))
    unban = emulator.post_message(VK_QUEUE, VK_PAVEL, f"!unban {denis}")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, unban))
    await vk_settle(emulator)
    assert len(vk_bans(emulator, denis)) == 1
    assert [int(c.params["owner_id"]) for c in emulator.calls_to("groups.unban")] == [denis]


async def test_vk_queue_ban_warns_and_unban_by_id_act_once_community_wide_and_name_the_chat(
        emulator: VkEmulator, vk: VkBot, clock: FakeClock) -> None:
    """From the VK queue chat Pavel types !warn 4203 links, !warns 4203, !ban 4202 spam and
    later !unban 4202. README: a /ban from the queue acting in several VK chats and on the
    wall calls groups.ban once; the answers name the member; the audit line names the chat
    where the ban took effect and Pavel as the one who did it."""
    denis, marat = VK_RAIDERS[1], VK_RAIDERS[2]
    for member in (denis, marat):
        emulator.post_message(VK_CHAT, member, f"{SPAM} #{member}")
    warn = emulator.post_message(VK_QUEUE, VK_PAVEL, f"!warn {marat} links")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, warn))
    warns = emulator.post_message(VK_QUEUE, VK_PAVEL, f"!warns {marat}")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, warns))
    ban = emulator.post_message(VK_QUEUE, VK_PAVEL, f"!ban {denis} spam")
    await emulator.wait_for(lambda: vk_bans(emulator, denis)
                            and vk_replies_to(emulator, VK_QUEUE, ban))
    clock.advance(timedelta(minutes=5))
    unban = emulator.post_message(VK_QUEUE, VK_PAVEL, f"!unban {denis}")
    await emulator.wait_for(lambda: vk_replies_to(emulator, VK_QUEUE, unban))
    await vk_settle(emulator)
    (warned,) = vk_replies_to(emulator, VK_QUEUE, warn)
    assert "Marat Raider" in warned and "links" in warned, warned
    (listed,) = vk_replies_to(emulator, VK_QUEUE, warns)
    assert "Marat Raider" in listed and "active warnings: 1" in listed and "links" in listed, \
        listed
    assert len(vk_bans(emulator, denis)) == 1, emulator.calls_to("groups.ban")
    (said_ban,) = vk_replies_to(emulator, VK_QUEUE, ban)
    assert "Denis Raider" in said_ban and "banned" in said_ban, said_ban
    assert {int(c.params["owner_id"]) for c in emulator.calls_to("groups.unban")} == {denis}
    (said_unban,) = vk_replies_to(emulator, VK_QUEUE, unban)
    assert "Denis Raider" in said_unban and "unbanned" in said_unban, said_unban
    (line,) = [t for t in vk_audit(emulator) if t.startswith("Audit: ban")]
    assert line.startswith(f"Audit: ban by Pavel Vk (vk:{VK_PAVEL}) → Denis Raider "
                           f"(vk:{denis}) in "), line
    assert f"vk:{VK_CHAT}" in line and f"vk:{VK_QUEUE}" not in line, line
