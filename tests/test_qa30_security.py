"""QA round 30 — a security auditor attacking the bot, black box, on Telegram and VK.

Over the real adapters (Bot API emulator, VK API emulator) and the real CLI: forged button
presses by people who are moderators *somewhere* (another community, an unconfigured group),
with tampered data; moderator commands smuggled in through edits, captions, automatic forwards
of the linked channel; an admin demoted mid-session; markup and hidden characters that could
turn the bot into a phishing or spoofing tool; the bot added to a stranger's group; tokens in
`check-config`'s output. Scenarios already in test_qa4_*, test_qa7_commands,
test_qa9_resilience, test_qa12_complaints, test_qa16_update_zoo, test_qa17_vk_events,
test_qa23_hostile_member and test_moderation_permissions are not repeated.

Each test asserts what a moderator, owner or member expects (README, docs/DESIGN.md, or where
they are silent, Rose/Combot habits); a failing test is a finding (/tmp/s7/qa30_findings.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
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
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    FakeTime,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import render, replies_to, settle, wall_clock
from tg_emulator.world import ADMIN_RIGHTS
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MEMBER as VK_MEMBER
from vk_emulator.harness import MODERATOR as VK_MODERATOR
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.core.clock import FakeClock

SPAMMER = 444
STRANGER = 955  # admin of a group the bot was never configured for
UNKNOWN_GROUP = -3003
OTHER_GROUP = -1003  # the second community's chat
OTHER_QUEUE = -2004  # the second community's queue
OTHER_MOD = 901  # the second community's moderator (admin of its chat and queue)
LINKED = -1007
TELEGRAM_SERVICE = 777000
VK_SPAMMER = 777
RLO, LRI, ZWSP, ZWJ = "\u202e", "\u2066", "\u200b", "\u200d"
HIDDEN = (RLO, LRI, ZWSP, ZWJ, "\u2067", "\u2068", "\u2069", "\u202a", "\u202b", "\u202d",
          "\u200e", "\u200f", "\u2060", "\ufeff")

TWO_COMMUNITIES = f"""
[[community]]
name = "other"
language = "en"
timezone = "UTC"
chats = ["telegram:{OTHER_GROUP}"]
moderators = ["telegram:{OTHER_MOD}"]
queue = "telegram:{OTHER_QUEUE}"
"""

FAQ_TEXT = '''
[[faq]]
id = "lessons"
lang = "en"
questions = ["When are the lessons?", "What time are the lessons?"]
answer = "Lessons are on Tuesdays and Thursdays at 7 pm."
'''


# ============================== Telegram plumbing ==========================================

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(emu: TelegramEmulator, make_tg_app: Callable[..., Awaitable[App]], tmp_path: Path,
             clock: FakeClock, open_app: Callable[..., Awaitable[App]]
             ) -> Callable[..., Awaitable[App]]:
    async def make(two_chats: bool = False, **parts: str) -> App:
        if not two_chats:
            return await make_tg_app("qa30", **parts)
        from tg_emulator.harness import telegram_config

        from bot.config import load_config
        telegram_config(tmp_path, emu.api_base, **parts)
        path = tmp_path / "config.toml"
        path.write_text(path.read_text(encoding="utf-8").replace(
            f'chats = ["telegram:{GROUP}"]', f'chats = ["telegram:{GROUP}", "telegram:-1004"]'),
            encoding="utf-8")
        return await open_app(load_config(path), clock, "qa30")

    return make


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get(
        "inline_keyboard", []) for b in row]


def ticket_id(card: dict[str, Any]) -> str:
    return buttons(card)[0].rsplit(":", 1)[1]


async def report(emu: TelegramEmulator, *, reason: str = "spam", reporter: int = MEMBER,
                 author: int = SPAMMER, text: str = "cheap watches at spam.example",
                 chat: int = GROUP, queue: int = QUEUE,
                 **author_extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before = len(emu.sent_messages(queue))
    bad = emu.user_message(chat, author, text, **author_extra)
    emu.user_message(chat, reporter, f"/report {reason}".strip(), reply_to=bad["message_id"])
    await emu.wait_for(lambda: len(emu.sent_messages(queue)) > before, what="the card")
    return bad, emu.sent_messages(queue)[before]


def card_now(emu: TelegramEmulator, card: dict[str, Any], queue: int = QUEUE) -> dict[str, Any]:
    return emu.world.messages[(queue, card["message_id"])].message


async def press(emu: TelegramEmulator, chat: int, message_id: int, who: int,
                data: str) -> dict[str, Any]:
    qid = emu.press(chat, message_id, who, data)
    await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"),
                       what=f"the answer to {data!r}")
    return dict(emu.world.callbacks[qid]["answered"])


def punishments(emu: TelegramEmulator) -> list[Any]:
    return (emu.calls_of("restrictChatMember", ok=None) + emu.calls_of("banChatMember", ok=None)
            + emu.calls_of("banChatSenderChat", ok=None))


def raw(emu: TelegramEmulator, chat_id: int, user: dict[str, Any] | None,
        **fields: Any) -> dict[str, Any]:
    chat = emu.world.chat(chat_id)
    if user is not None:
        fields.setdefault("from", user)
    message = emu.world.new_message(chat, **fields)
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


def push_admin_change(emu: TelegramEmulator, chat_id: int, user_id: int, *, old: str,
                      new: str) -> None:
    """A chat_member update: an admin promoted or demoted by the owner."""
    chat = emu.world.chat(chat_id)
    user = emu.world.user(user_id)
    emu.inject_raw({"chat_member": {
        "chat": chat.as_json(), "from": emu.world.user(1), "date": int(time.time()),
        "old_chat_member": {"status": old, "user": user,
                            **(ADMIN_RIGHTS if old == "administrator" else {})},
        "new_chat_member": {"status": new, "user": user,
                            **(ADMIN_RIGHTS if new == "administrator" else {})}}})


async def bot_message_in(emu: TelegramEmulator, chat: int, who: int) -> dict[str, Any]:
    """Some message of the bot's in ``chat`` to press a forged button under (a /help answer)."""
    probe = emu.user_message(chat, who, "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]), what="help")
    return next(m for m in emu.sent_messages(chat)
                if (m.get("reply_to_message") or {}).get("message_id") == probe["message_id"])


# ============================== forged presses by moderators of elsewhere ==================

async def test_other_communitys_moderator_forging_our_ticket_id_in_their_own_queue(
        make_app, emu) -> None:
    """Ticket ids in button data are database ids shared by every community of the bot. The
    moderator of community "other" presses t:ban:<our ticket> under a bot message in *their*
    queue, where they are a real moderator: our reported member must not be banned, our
    message not deleted, our card not touched."""
    emu.group(OTHER_GROUP, title="Other", admins=(OTHER_MOD,))
    emu.group(OTHER_QUEUE, title="Other queue", admins=(OTHER_MOD,))
    app = await make_app(tail=TWO_COMMUNITIES)
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        tid = ticket_id(card)
        theirs = await bot_message_in(emu, OTHER_QUEUE, OTHER_MOD)
        answers = [await press(emu, OTHER_QUEUE, theirs["message_id"], OTHER_MOD,
                               f"t:{kind}:{tid}")
                   for kind in ("claim", "del", "ban", "resolve", "reject")]
        await settle(emu)
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]
    assert all(a.get("show_alert") for a in answers), answers


async def test_other_communitys_ticket_cannot_be_worked_from_our_queue_by_our_moderator(
        make_app, emu) -> None:
    """The reverse: our moderator (ADMIN, admin of our group and queue) presses buttons with
    the id of community "other"'s ticket in our queue. They are no moderator of "other"."""
    emu.group(OTHER_GROUP, title="Other", admins=(OTHER_MOD,))
    emu.group(OTHER_QUEUE, title="Other queue", admins=(OTHER_MOD,))
    app = await make_app(tail=TWO_COMMUNITIES)
    async with RunningBot(app, fast_options(FakeTime())):
        bad, their_card = await report(emu, chat=OTHER_GROUP, queue=OTHER_QUEUE)
        tid = ticket_id(their_card)
        ours = await bot_message_in(emu, QUEUE, ADMIN)
        for kind in ("ban", "del", "claim", "reject"):
            await press(emu, QUEUE, ours["message_id"], ADMIN, f"t:{kind}:{tid}")
        await settle(emu)
    assert not punishments(emu)
    assert not emu.is_deleted(OTHER_GROUP, bad["message_id"])
    assert card_now(emu, their_card, OTHER_QUEUE)["text"] == their_card["text"]


async def test_listed_moderator_pressing_in_an_unconfigured_group_does_nothing(
        make_app, emu) -> None:
    """Buttons work where the community's cards live. A listed moderator (and the stranger
    group's own admin) pressing real ticket data under a message in a group the bot stays in
    silently (leave_unknown_chats = false) must not act from there."""
    emu.group(UNKNOWN_GROUP, title="Elsewhere", admins=(STRANGER,))
    app = await make_app(extra_telegram="leave_unknown_chats = false\n")
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        tid = ticket_id(card)
        there = emu.user_message(UNKNOWN_GROUP, STRANGER, "hi all")
        answers = []
        for who in (STRANGER, LISTED_MODERATOR):
            for kind in ("ban", "del", "resolve"):
                answers.append(await press(emu, UNKNOWN_GROUP, there["message_id"], who,
                                           f"t:{kind}:{tid}"))
        await settle(emu)
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]
    assert emu.sent_texts(UNKNOWN_GROUP) == []


@pytest.mark.parametrize("data", [
    "t:ban:{tid} OR 1=1", "t:ban:{tid};DROP TABLE tickets", "t:ban:{tid}' --",
    "t:ban:{tid}\n", "t:ban:+{tid}", "t:ban: {tid}", "t:ban:{tid}.0", "t:ban:0x1",
    "t:ban:999999999", "t:ban:1e3", "t:BAN:{tid}", "T:ban:{tid}",
    "t:ban:{tid}:extra", "t:ban:%7B{tid}%7D", "t:ban:<b>{tid}</b>"])
async def test_a_moderators_tampered_button_data_acts_on_nothing(make_app, emu,
                                                                  data: str) -> None:
    """A moderator's client (or a modified one) sends tampered data: only the exact
    t:ACTION:ID shape may act; anything else is answered and harmless, never an error."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        forged = data.format(tid=ticket_id(card))
        answer = await press(emu, QUEUE, card["message_id"], ADMIN, forged)
        await settle(emu)
        queue = emu.user_message(QUEUE, ADMIN, "/queue")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, queue["message_id"]), what="queue")
    assert render("common.error") not in (answer.get("text") or "")
    assert not emu.calls_of("banChatMember", ok=None), forged
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]
    assert "#1" in replies_to(emu, QUEUE, queue["message_id"])[0], "the ticket table broke"


async def test_press_from_a_bot_account_is_not_taken_for_a_moderator(make_app, emu) -> None:
    """A callback whose `from` claims to be the bot itself (or another bot) is not a
    moderator press; only people are."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(emu)
        qid = emu.world.new_callback_id()
        query = {"id": qid, "from": emu.world.bot_user, "message": card,
                 "chat_instance": f"ci{QUEUE}", "data": f"t:ban:{ticket_id(card)}"}
        emu.world.callbacks[qid] = query
        emu.inject_raw({"callback_query": query})
        await settle(emu)
        await settle(emu, QUEUE)
    assert not emu.calls_of("banChatMember", ok=None)
    assert card_now(emu, card)["text"] == card["text"]


# ============================== commands smuggled in =======================================

async def test_a_member_editing_an_old_message_into_ban_bans_nobody(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        mine = emu.user_message(GROUP, MEMBER, "nice weather", reply_to=target["message_id"])
        await settle(emu)
        emu.edit_user_message(GROUP, mine["message_id"], "/ban @x")
        emu.edit_user_message(GROUP, mine["message_id"], f"/ban {OTHER_MEMBER}")
        await settle(emu)
    assert not punishments(emu)


async def test_an_admins_days_old_message_edited_into_ban_does_not_ban(make_app, emu) -> None:
    """Commands are things typed now. An admin fixing a typo in an old message ("/bam" →
    "/ban") or a compromised admin session replaying edits should not execute a ban on a
    message that was not a command when sent; Rose and Combot ignore edited messages."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        old = emu.user_message(GROUP, ADMIN, "welcome!", reply_to=target["message_id"])
        await settle(emu)
        emu.edit_user_message(GROUP, old["message_id"], "/ban")
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None), "an edit turned into a ban"


async def test_a_members_photo_caption_ban_is_refused_and_bans_nobody(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        emu.user_message(GROUP, MEMBER, photo=True, caption="/ban forever",
                         reply_to=target["message_id"])
        emu.user_message(GROUP, MEMBER, photo=True, caption=f"/mute 1d @{OTHER_MEMBER}")
        await settle(emu)
    assert not punishments(emu)


async def test_linked_channel_post_quoting_a_ban_command_bans_nobody(make_app, emu) -> None:
    """The owner's channel posts "How to report: reply /ban @spammer…" — Telegram copies it
    into the discussion group as an automatic forward. A forward is a quote (README)."""
    emu.group(LINKED, title="Official news", type="channel", username="official_news")
    emu.world.chat(GROUP).linked_chat_id = LINKED
    emu.world.user(SPAMMER, "Spam", "spammer")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, SPAMMER, "hi")
        await settle(emu)
        channel = emu.world.chats[LINKED].as_json()
        raw(emu, GROUP, {"id": TELEGRAM_SERVICE, "is_bot": False, "first_name": "Telegram"},
            text="/ban @spammer", sender_chat=channel, is_automatic_forward=True,
            forward_origin={"type": "channel", "date": int(time.time()) - 5, "chat": channel,
                            "message_id": 501},
            forward_from_chat=channel, forward_from_message_id=501,
            forward_date=int(time.time()) - 5)
        await settle(emu)
    assert not punishments(emu)


async def test_a_forwarded_admins_ban_in_the_queue_chat_does_not_act(make_app, emu) -> None:
    """In the queue chat a command acts in every community chat: a forwarded "/ban 222" from
    an admin (posted by a member of the queue chat) must not."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(QUEUE, MEMBER, f"/ban {OTHER_MEMBER}", forwarded_from=ADMIN)
        emu.user_message(QUEUE, ADMIN, f"/ban {OTHER_MEMBER}", forwarded_from=ADMIN)
        await settle(emu)
        await settle(emu, QUEUE)
    assert not punishments(emu)


async def test_a_ban_addressed_to_our_bot_in_an_unconfigured_group_does_nothing(
        make_app, emu) -> None:
    """"/ban@modbot_test_bot 222" typed by the admin of a stranger's group where the bot
    stayed (leave off) must not reach our community's group (where 222 is a member)."""
    emu.group(UNKNOWN_GROUP, title="Elsewhere", admins=(STRANGER,))
    app = await make_app(extra_telegram="leave_unknown_chats = false\n")
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, OTHER_MEMBER, "hi")
        emu.user_message(UNKNOWN_GROUP, STRANGER, f"/ban@modbot_test_bot {OTHER_MEMBER}")
        emu.user_message(UNKNOWN_GROUP, LISTED_MODERATOR, f"/ban@modbot_test_bot {OTHER_MEMBER}")
        await emu.wait_for(lambda: not emu.pending_updates, what="all confirmed")
        await settle(emu)
    assert not punishments(emu)
    assert emu.sent_texts(UNKNOWN_GROUP) == []


async def test_anonymous_admin_of_an_unconfigured_group_cannot_ban_in_ours(make_app,
                                                                          emu) -> None:
    """An anonymous admin (sender_chat == chat) of a stranger's group the bot stayed in counts
    as an admin *there* only; "/ban 222" must not reach the community's group."""
    emu.group(UNKNOWN_GROUP, title="Elsewhere", admins=(STRANGER,))
    app = await make_app(extra_telegram="leave_unknown_chats = false\n")
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, OTHER_MEMBER, "hi")
        emu.user_message(UNKNOWN_GROUP, 0, f"/ban {OTHER_MEMBER}", sender_chat=UNKNOWN_GROUP)
        emu.user_message(UNKNOWN_GROUP, 0, f"/mute 1d {OTHER_MEMBER}",
                         sender_chat=UNKNOWN_GROUP)
        await emu.wait_for(lambda: not emu.pending_updates, what="all confirmed")
        await settle(emu)
    assert not punishments(emu)
    assert emu.sent_texts(UNKNOWN_GROUP) == []


async def test_admin_of_one_community_group_is_no_moderator_in_another(make_app, emu) -> None:
    """README: "Who is a moderator: the chat's admins … plus the community's moderators".
    Rose and Combot scope admin powers to the chat: the admin of the community's side chat
    (a flood/off-topic group run by volunteers) is not an admin of the main group and should
    not be able to /ban there; the owner lists real cross-chat moderators in `moderators`."""
    side = -1004
    emu.group(side, title="Off-topic", admins=(STRANGER,))
    app = await make_app(two_chats=True)
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        ban = emu.user_message(GROUP, STRANGER, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, ban["message_id"])
                           or emu.calls_of("banChatMember", ok=None), what="a reaction")
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None), \
        "the side chat's admin banned a member of the main group"


# ============================== an admin demoted mid-session ===============================

async def test_demoted_admin_loses_powers_when_telegram_reports_the_demotion(
        make_app, emu) -> None:
    """Rose: demoted = no powers from that moment. Telegram sends a chat_member update when
    an owner demotes an admin; the bot must not keep serving the cached admin list."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        warn = emu.user_message(GROUP, ADMIN, "/warn", reply_to=target["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, warn["message_id"]), what="warn")
        for chat in (GROUP, QUEUE):  # demoted everywhere in the community
            emu.world.chat(chat).admins.discard(ADMIN)
            push_admin_change(emu, chat, ADMIN, old="administrator", new="member")
        await settle(emu)
        ban = emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, ban["message_id"])
                           or emu.calls_of("banChatMember", ok=None), what="a reaction")
        await settle(emu)
    assert "chat_member" in (emu.allowed_updates or []), \
        f"the bot never asks Telegram for chat_member updates: {emu.allowed_updates}"
    assert not emu.calls_of("banChatMember", ok=None), "the demoted admin could still ban"


async def test_demoted_admin_loses_powers_after_admins_ttl_at_the_latest(make_app, emu,
                                                                        clock) -> None:
    """Even without any update, the admin list is cached for admins_ttl (300 s) only."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hello")
        warn = emu.user_message(GROUP, ADMIN, "/warn", reply_to=target["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, warn["message_id"]), what="warn")
        for chat in (GROUP, QUEUE):  # demoted everywhere in the community
            emu.world.chat(chat).admins.discard(ADMIN)
        clock.advance(timedelta(seconds=301))
        ban = emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, ban["message_id"])
                           or emu.calls_of("banChatMember", ok=None), what="a reaction")
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None), "the demoted admin could still ban"


async def test_demoted_queue_admin_cannot_press_ban_after_admins_ttl(make_app, emu,
                                                                     clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        claim = next(d for d in buttons(card) if d.startswith("t:claim:"))
        await press(emu, QUEUE, card["message_id"], ADMIN, claim)
        emu.world.chat(QUEUE).admins.discard(ADMIN)
        emu.world.chat(GROUP).admins.discard(ADMIN)
        clock.advance(timedelta(seconds=301))
        ban = next(d for d in buttons(card) if d.startswith("t:ban:"))
        answer = await press(emu, QUEUE, card["message_id"], ADMIN, ban)
        await settle(emu)
    assert answer.get("show_alert"), answer
    assert not emu.calls_of("banChatMember", ok=None)
    assert not emu.is_deleted(GROUP, bad["message_id"])


# ============================== markup, hidden characters, phishing ========================

PHISH = '<a href="https://phish.example/login">Official support</a> [click](https://phish.example)'


def no_markup_calls(emu: TelegramEmulator) -> list[str]:
    """Every text the bot sent or edited goes out as plain text: no parse_mode, no entities."""
    bad = []
    for call in emu.calls:
        marked = call.params.get("parse_mode") not in (None, "") or call.params.get(
            "entities") or call.params.get("caption_entities")
        if call.method in ("sendMessage", "editMessageText", "sendPhoto") and marked:
            bad.append(f"{call.method}: {call.params}")
    return bad


async def test_html_in_a_report_reason_is_shown_literally_on_card_and_its_edits(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(emu, reason=PHISH, text=PHISH)
        claim = next(d for d in buttons(card) if d.startswith("t:claim:"))
        await press(emu, QUEUE, card["message_id"], ADMIN, claim)
        await emu.wait_for(lambda: emu.calls_of("editMessageText"), what="the card edit")
        await settle(emu)
    assert no_markup_calls(emu) == []
    assert "phish.example" in card_now(emu, card)["text"]  # visible, so moderators see it


async def test_faq_answer_with_html_is_posted_as_plain_text(make_app, emu, tmp_path) -> None:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(FakeTime())):
        add = emu.user_message(GROUP, ADMIN,
                               f"/faq add How do I pay for the course? | Pay here: {PHISH}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, add["message_id"]),
                           what="added", timeout=30)
        asked = emu.user_message(GROUP, MEMBER, "How do I pay for the course?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]),
                           what="answer", timeout=30)
    assert no_markup_calls(emu) == []
    assert "<a href=" in replies_to(emu, GROUP, asked["message_id"])[0]


async def test_hidden_link_in_a_faq_add_reply_is_not_lost_silently(make_app, emu,
                                                                  tmp_path) -> None:
    """"/faq add question" in reply to a message whose word "here" is a text_link to a phishing
    page: the answer the members get must not carry a hidden URL, and it must not silently
    lose the only URL either — the visible text is what is stored and shown."""
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(FakeTime())):
        src = raw(emu, GROUP, emu.world.user(ADMIN), text="Pay here",
                  entities=[{"type": "text_link", "offset": 4, "length": 4,
                             "url": "https://phish.example/pay"}])
        add = emu.user_message(GROUP, ADMIN, "/faq add How do I pay for the course?",
                               reply_to=src["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, add["message_id"]),
                           what="added", timeout=30)
        asked = emu.user_message(GROUP, MEMBER, "How do I pay for the course?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]),
                           what="answer", timeout=30)
    assert no_markup_calls(emu) == []
    assert not [c for c in emu.calls_of("sendMessage") if "phish" in json.dumps(c.params)
                and "phish" not in (c.params.get("text") or "")]


async def test_ticket_card_strips_direction_overrides_from_names(make_app, emu) -> None:
    """A spammer named "Spam‮nimda" makes the card read "…admin" backwards. The notice strips
    direction controls (test_qa23); the card moderators act on must too."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.world.user(MEMBER, f"Re{LRI}porter")
        _bad, card = await report(emu, first_name=f"Spam{RLO}nimda")
    head = card["text"].split("Message")[0]
    assert not [hex(ord(ch)) for ch in head if ch in (RLO, LRI)], card["text"]


async def test_ticket_card_names_carry_no_invisible_characters(make_app, emu) -> None:
    """Zero-width characters inside a display name ("Ad\u200bmin", "Supp\u200dort") are
    invisible on the card; they only serve to dodge the moderators' eyes and searches (the
    moderator types "Admin" into the chat search and does not find the impersonator), and
    the obscenity filter strips them when it reads words (README)."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.world.user(MEMBER, f"Re{ZWSP}porter")
        _bad, card = await report(emu, first_name=f"Ad{ZWJ}min{ZWSP} Team")
    head = card["text"].split("Message")[0]
    hidden = [hex(ord(ch)) for ch in head if ch in HIDDEN]
    assert hidden == [], f"{hidden} on the card:\n{card['text']}"


async def test_group_title_with_direction_override_does_not_flip_the_card(make_app,
                                                                          emu) -> None:
    """Group titles are set by whoever has 'change info' in the group."""
    emu.world.chat(GROUP).title = f"Cats{RLO}eueuq dab"
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(emu)
    assert RLO not in card["text"], card["text"]


async def test_an_faq_answer_over_the_limit_is_refused_not_half_sent(make_app, emu,
                                                                    tmp_path) -> None:
    """README: an answer is at most 3,500 characters (one message)."""
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    app = await make_app(extra_community='faq = "faq.toml"\n')
    async with RunningBot(app, fast_options(FakeTime())):
        add = emu.user_message(GROUP, ADMIN,
                               "/faq add How do I pay for the course? | " + "x" * 3900)
        await emu.wait_for(lambda: replies_to(emu, GROUP, add["message_id"]),
                           what="reply", timeout=30)
        asked = emu.user_message(GROUP, MEMBER, "How do I pay for the course?")
        await settle(emu)
    assert not [t for t in replies_to(emu, GROUP, asked["message_id"]) if "xxxxx" in t]
    assert not emu.calls_of("sendMessage", ok=False)


# ============================== the bot added to a stranger's group ========================

async def test_added_as_admin_to_a_strangers_group_sends_one_message_and_leaves(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.add_bot_to_group(UNKNOWN_GROUP, title="Crypto pumps", by_user=STRANGER)
        emu.world.chat(UNKNOWN_GROUP).bot_status = "administrator"
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="the bot leaving")
        emu.user_message(UNKNOWN_GROUP, STRANGER, "/help")
        emu.user_message(UNKNOWN_GROUP, STRANGER, "/ban 222")
        await settle(emu)
    assert len(emu.sent_texts(UNKNOWN_GROUP)) <= 1
    assert len(emu.calls_of("leaveChat")) == 1
    assert not punishments(emu)


async def test_the_leave_message_does_not_repeat_the_strangers_title(make_app, emu) -> None:
    """A spammer titles a group "FREE CRYPTO t.me/scamchan" and adds the bot; the one message
    the bot sends before leaving must not advertise for them (or repeat obscenity)."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.add_bot_to_group(UNKNOWN_GROUP, title="FREE CRYPTO t.me/scamchan fuck",
                             by_user=STRANGER)
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="the bot leaving")
        await settle(emu)
    for text in emu.sent_texts(UNKNOWN_GROUP) + emu.sent_texts(QUEUE):
        assert "scamchan" not in text and "fuck" not in text, text


async def test_added_by_a_listed_moderator_to_an_unconfigured_group_still_leaves(
        make_app, emu) -> None:
    """Being a moderator of a community does not make every group they own a community
    chat: README — an unconfigured group gets one message, then the bot leaves."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.add_bot_to_group(UNKNOWN_GROUP, title="Mod's side group", by_user=LISTED_MODERATOR)
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="the bot leaving")
        emu.user_message(UNKNOWN_GROUP, LISTED_MODERATOR, f"/ban {OTHER_MEMBER}")
        await settle(emu)
    assert len(emu.sent_texts(UNKNOWN_GROUP)) <= 1
    assert not punishments(emu)


async def test_added_to_a_strangers_channel_posts_nothing_there(make_app, emu) -> None:
    """Added as a channel admin by a stranger: leave; any message would be a post to all the
    stranger's subscribers in the bot's name."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.group(-1009, title="Stranger's channel", type="channel")
        emu.add_bot_to_group(-1009, title="Stranger's channel", by_user=STRANGER,
                             type="channel")
        emu.world.chat(-1009).bot_status = "administrator"
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="the bot leaving")
        await settle(emu)
    assert emu.sent_texts(-1009) == []


# ============================== VK ==========================================================

@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[VkBot]:
    text = vk_config_text(emulator)
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_payloads(message: Any) -> list[str]:
    if message.keyboard is None:
        return []
    return [str(json.loads(b["action"]["payload"])["d"]) for row in message.keyboard["buttons"]
            for b in row]


def vk_punished(emulator: VkEmulator) -> list[Any]:
    return [c for c in emulator.calls_to("groups.ban") + emulator.calls_to(
        "messages.removeChatUser") if c.params.get("member_id") != str(-emulator.group_id)]


async def vk_report(emulator: VkEmulator, reason: str = "spam") -> tuple[int, Any]:
    before = len(emulator.sent(VK_QUEUE))
    bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers at spam.example")
    emulator.post_message(VK_CHAT, VK_MEMBER, f"!report {reason}", reply_to=bad)
    await emulator.wait_for(lambda: len(emulator.sent(VK_QUEUE)) > before)
    return bad, emulator.sent(VK_QUEUE)[before]


async def test_vk_strangers_chat_admin_pressing_real_ticket_data_does_nothing(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    stranger_chat = 2_000_000_009
    emulator.set_admins(stranger_chat, 6060, owner=6060)
    bad, card = await vk_report(emulator)
    tid = vk_payloads(card)[0].rsplit(":", 1)[1]
    msg = emulator.post_message(stranger_chat, 6060, "hi")
    for who in (6060, VK_MODERATOR):
        for kind in ("ban", "del", "resolve"):
            emulator.press(stranger_chat, who, msg, f"t:{kind}:{tid}")
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert not vk_punished(emulator)
    assert not next(m for m in emulator.peer(VK_CHAT).messages if m.cmid == bad).deleted
    assert "new" in card.text


@pytest.mark.parametrize("payload", [
    {"d": "t:ban:1 OR 1=1"}, {"d": ["t:ban:1"]}, {"d": {"$ne": None}}, {"d": 1},
    {"command": "start"}, {"d": "t:ban:1\u0000"}, {"d": "t:ban:" + "9" * 5000}])
async def test_vk_moderator_tampered_payloads_act_on_nothing(
        emulator: VkEmulator, vk_bot: VkBot, payload: dict[str, Any]) -> None:
    bad, card = await vk_report(emulator)
    emulator.push("message_event", {"user_id": VK_MODERATOR, "peer_id": VK_QUEUE,
                                    "event_id": "cbx", "payload": payload,
                                    "conversation_message_id": card.cmid})
    await vk_settle(emulator)
    await vk_settle(emulator)
    asked = emulator.post_message(VK_QUEUE, VK_MODERATOR, "!queue")
    await emulator.wait_for(lambda: any(m.reply_to == asked or "#1" in m.text
                                        for m in emulator.sent(VK_QUEUE)[1:]))
    assert not vk_punished(emulator)
    assert not next(m for m in emulator.peer(VK_CHAT).messages if m.cmid == bad).deleted


async def test_vk_invited_to_a_strangers_chat_says_at_most_once_and_leaves(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    """README: added to an unconfigured group, one message, then leave (default true)."""
    stranger_chat = 2_000_000_009
    emulator.set_admins(stranger_chat, 6060, owner=6060)
    emulator.add_members(stranger_chat, 6161)
    emulator.invite_bot(stranger_chat, 6060)
    await emulator.wait_for(lambda: [c for c in emulator.calls if c.method in (
        "messages.removeChatUser", "messages.leaveChat") or (
        c.method == "messages.removeChatUser" and c.params.get("member_id") == "-42")],
        timeout=10)
    emulator.post_message(stranger_chat, 6060, "!ban [id6161|Bob]")
    await vk_settle(emulator)
    assert len(emulator.sent(stranger_chat)) <= 1
    assert not vk_punished(emulator)


async def test_vk_ticket_card_strips_direction_overrides_from_names(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    emulator.real_names[VK_SPAMMER] = (f"Spam{RLO}nimda", "X")
    emulator.real_names[VK_MEMBER] = (f"Re{LRI}porter", "Y")
    _bad, card = await vk_report(emulator)
    head = card.text.split("Message")[0]
    assert not [hex(ord(ch)) for ch in head if ch in (RLO, LRI)], card.text


async def test_vk_ticket_card_names_carry_no_invisible_characters(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    emulator.real_names[VK_SPAMMER] = (f"Ad{ZWJ}min", f"Te{ZWSP}am")
    _bad, card = await vk_report(emulator)
    head = card.text.split("Message")[0]
    assert not [hex(ord(ch)) for ch in head if ch in HIDDEN], card.text


async def test_vk_edit_into_a_bang_ban_by_a_chat_admin_bans_nobody(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    """An admin's old chat message edited into "!ban" (the member version is in qa17)."""
    emulator.set_admins(VK_CHAT, 880)
    emulator.add_members(VK_CHAT, VK_SPAMMER)
    target = emulator.post_message(VK_CHAT, VK_SPAMMER, "hello")
    old = emulator.post_message(VK_CHAT, 880, "welcome", reply_to=target)
    await vk_settle(emulator)
    message = {"date": int(time.time()), "from_id": 880, "id": 0, "out": 0,
               "peer_id": VK_CHAT, "text": "!ban", "conversation_message_id": old,
               "fwd_messages": [], "attachments": [], "update_time": int(time.time()),
               "reply_message": {"conversation_message_id": target, "from_id": VK_SPAMMER,
                                 "text": "hello", "peer_id": VK_CHAT, "attachments": []}}
    emulator.push("message_edit", message)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert not vk_punished(emulator)


# ============================== tokens and the CLI =========================================

TG_INLINE = "7012345678:AAHsecretSECRETsecretSECRETsecret_xyz"
VK_INLINE = "vk1.a.INLINEsecretINLINEsecretINLINEsecret0123456789"
VK_USER_INLINE = "vk1.a.USERsecretUSERsecretUSERsecretUSERsecret0123"
PROXY_PASSWORD = "Pr0xyPa55w0rd"
WEBHOOK_SECRET = "whsecretWHSECRET123"


def check_config(path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ}
    for key in ("MODBOT_TELEGRAM_TOKEN", "MODBOT_VK_TOKEN", "MODBOT_LOG_LEVEL"):
        env.pop(key, None)
    return subprocess.run([sys.executable, "-m", "bot", "check-config", str(path)],
                          capture_output=True, text=True, env=env, timeout=120,
                          cwd=Path(__file__).parent.parent)


def inline_config(extra_tg: str = "", extra_vk: str = "", group_id: str = "42") -> str:
    return textwrap.dedent(f"""\
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{TG_INLINE}"
        proxy = "socks5://bob:{PROXY_PASSWORD}@127.0.0.1:1080"
        {extra_tg}

        [vk]
        token = "{VK_INLINE}"
        user_token = "{VK_USER_INLINE}"
        group_id = {group_id}
        {extra_vk}

        [[community]]
        name = "demo"
        language = "en"
        chats = ["telegram:-1001", "vk:2000000001"]
        queue = "telegram:-2002"
        """)


SECRETS = (TG_INLINE, TG_INLINE.split(":", 1)[1], VK_INLINE, VK_USER_INLINE, PROXY_PASSWORD,
           WEBHOOK_SECRET)


@pytest.mark.parametrize("variant", ["ok", "bad-group", "unknown-key", "toml-error",
                                     "bad-proxy", "webhook"])
def test_check_config_never_prints_inline_secrets(tmp_path: Path, variant: str) -> None:
    text = {
        "ok": inline_config(),
        "bad-group": inline_config(group_id='"abc"'),
        "unknown-key": inline_config(extra_tg=f'tokne = "{TG_INLINE}"',
                                     extra_vk=f'usertoken = "{VK_USER_INLINE}"'),
        "toml-error": inline_config().replace(f'token = "{TG_INLINE}"',
                                              f'token = "{TG_INLINE}'),
        "bad-proxy": inline_config().replace("socks5://", "sock5://"),
        "webhook": inline_config(extra_tg=textwrap.dedent(f"""\
            mode = "webhook"
            webhook_url = "http://bob:{PROXY_PASSWORD}@"
            webhook_secret = "{WEBHOOK_SECRET}"
            """).replace("\n", "\n        ")),
    }[variant]
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    done = check_config(path)
    out = done.stdout + done.stderr
    leaked = [s for s in SECRETS if s in out]
    assert leaked == [], f"check-config printed {leaked}:\n{out}"
    assert "Traceback" not in out, out


def test_check_config_notes_a_token_written_inline(tmp_path: Path) -> None:
    """README/DESIGN put tokens in the environment (`${MODBOT_TELEGRAM_TOKEN}`) and promise
    tokens "from the environment" are never printed and scrubbed from logs. A token pasted
    into config.toml is a secret in a file that gets copied, committed and shared for help:
    an auditor expects check-config to say so (it notes the missing user_token already)."""
    path = tmp_path / "config.toml"
    path.write_text(inline_config(), encoding="utf-8")
    done = check_config(path)
    out = (done.stdout + done.stderr).lower()
    assert "telegram.token" in out and ("environment" in out or "${" in out), out
