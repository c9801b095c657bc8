"""QA round 63: features meeting each other, on the wire, on Telegram and on VK.

The FAQ, the obscenity filter, the complaint queue, scheduled posts and the moderators'
commands each work alone (earlier rounds). Here they meet in one chat, as they do in a busy
community: a question that is also obscene, an answered question edited into мат (and an
obscene one edited clean), a /report racing the filter or a moderator's /del, a complaint
about the bot's own FAQ answer or a scheduled post whose text the filter would flag, /del and
/purge of answered messages, a muted member asking and complaining in private, a moderator's
own мат reported by a member, and a crowd asking the same thing while two of them swear.

What a moderator of a mature bot (Rose, Combot, tg-spam) finds sensible, and README.md says:
nothing left dangling (no bot answer under a removed message, no card pointing at nothing
without saying so), nothing done twice, every verdict explained, and `modbot audit` telling
the story. README: "the same entry is not re-answered in the same chat within repeat_window
… unless a moderator has since … deleted it with /del: then the answer is sent again"; "A
bot's message (the bot's own included) may be reported and deleted, but the card offers no
'Ban author' for it"; "reports against moderators are marked"; "Admins, listed moderators
and anonymous admins are never punished automatically".

The real Telegram adapter runs in-process against tests/tg_emulator and the real VK adapter
against tests/vk_emulator. Time is the injected FakeClock near the wall clock (Telegram reads
until_date against it); waits are predicates on what the emulators saw, never sleeps. An
xfail(strict=True) marks a product problem ("QA63: …").
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

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
from tg_emulator.wire import render, replies_to, reply_messages, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage

from bot.app import App
from bot.core.clock import FakeClock
from bot.features.moderation import audit_command
from bot.features.schedule import service_for

# --------------------------------------------------------------------------------------------
# The community: a gym's English FAQ, the default ladder (warn, mute 1h, mute 1d, ban)
# --------------------------------------------------------------------------------------------

HOURS = "We are open every day from 7:00 to 23:00."
PRICE = "A monthly membership costs 3000 roubles."
FAQ = f'''
[[faq]]
id = "hours"
lang = "en"
questions = ["When are you open?", "What are your opening hours?"]
answer = "{HOURS}"

[[faq]]
id = "price"
lang = "en"
questions = ["How much is a membership?", "What does a monthly pass cost?"]
answer = "{PRICE}"
'''

ASK_HOURS = "When are you open?"
ASK_HOURS_2 = "What are your opening hours?"
ASK_PRICE = "How much is a membership?"
ASK_PRICE_2 = "What does a monthly pass cost?"
RUDE_HOURS = "When the fuck are you open?"
RUDE = "you are all fucking idiots"
RUDE_2 = "shut the fuck up"
SPAM = "buy cheap followers at followers-spam.example"
FLAGGED_POST = "New season starts on Monday, it is going to be fucking great!"

# Telegram cast (ADMIN = 700 is an admin of the group and of the queue chat)
ANNA, BOB, CARL, DORA, EVE, FRED = 4601, 4602, 4603, 4604, 4605, 4606
TG_NAMES = {ADMIN: ("Olga", "olga"), ANNA: ("Anna", "anna"), BOB: ("Bob", "bob"),
            CARL: ("Carl", "carl"), DORA: ("Dora", "dora"), EVE: ("Eve", "eve"),
            FRED: ("Fred", "fred")}
# VK cast (VK_MOD = 900 is the community's listed moderator)
V_ANNA, V_BOB, V_CARL, V_DORA, V_EVE, V_FRED = 4701, 4702, 4703, 4704, 4705, 4706
VK_NAMES = {VK_MOD: ("Maria", "Mod"), V_ANNA: ("Anna", "Ash"), V_BOB: ("Bob", "Brown"),
            V_CARL: ("Carl", "Cole"), V_DORA: ("Dora", "Dean"), V_EVE: ("Eve", "Eld"),
            V_FRED: ("Fred", "Fox")}

_WITNESSES = itertools.count(590_001)  # bystanders whose /help marks "all before is handled"


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


async def audit(config_path: Path, clock: FakeClock,
                capsys: pytest.CaptureFixture[str]) -> list[str]:
    """`modbot audit --community demo --since 30d`, as the owner runs it: its lines."""
    capsys.readouterr()
    args = argparse.Namespace(config=str(config_path), community="demo", since="30d")
    assert await audit_command(args, clock=clock) == 0
    return capsys.readouterr().out.splitlines()


def rows(lines: list[str], action: str) -> list[str]:
    """The audit lines of one action ("2026-03-02 12:00:00 UTC  warn  by=…")."""
    return [line for line in lines if len(line.split()) > 3 and line.split()[3] == action]


def said_removed(text: str) -> bool:
    return re.search(r"\b(deleted|removed|gone)\b", text, re.IGNORECASE) is not None


def warnings_said(texts: list[str]) -> list[str]:
    return [t for t in texts if "Warning " in t]


# --------------------------------------------------------------------------------------------
# Telegram plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
def tg(tmp_path: Path, emu: TelegramEmulator, clock: FakeClock,
       open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    """``await tg(extra=…)``: the community "demo" on the Bot API emulator with the gym's FAQ
    (group "Gym" with admin Olga, queue chat with admin Olga)."""
    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    emu.world.chats[GROUP].title = "Gym"
    for uid, (name, username) in TG_NAMES.items():
        emu.world.user(uid, name, username)

    async def make(extra: str = "") -> App:
        config = telegram_config(tmp_path, emu.api_base,
                                 extra_community='faq = "faq.toml"\n' + extra)
        return await open_app(config, clock, "qa61")

    return make


async def settle(emu: TelegramEmulator, chat: int = GROUP) -> None:
    """Everything sent before this has been handled: a new bystander's /help got its answer."""
    probe = emu.user_message(chat, next(_WITNESSES), "/help")
    await emu.wait_for(lambda: replies_to(emu, chat, probe["message_id"]),
                       what="a bystander's /help answer")


def bot_texts(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """What the bot said in ``chat`` (bystanders' /help answers left out)."""
    helps = {render("common.help_member"), render("common.help_moderator")}
    return [t for t in emu.sent_texts(chat) if t not in helps]


async def tg_answer(emu: TelegramEmulator, who: int, text: str, *, chat: int = GROUP,
                    **extra: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``who`` writes in ``chat`` and the bot replies to it: (the message, the replies)."""
    sent = emu.user_message(chat, who, text, **extra)
    await emu.wait_for(lambda: reply_messages(emu, chat, sent["message_id"]),
                       what=f"a reply to {text!r}")
    return sent, reply_messages(emu, chat, sent["message_id"])


async def tg_said_after(emu: TelegramEmulator, who: int, text: str, *, chat: int = GROUP,
                        **extra: Any) -> list[dict[str, Any]]:
    """``who`` writes in ``chat``; the bot's messages there once everything was handled (an
    answer in reply, a pointer replying to an earlier answer, a notice…)."""
    before = {m["message_id"] for m in emu.sent_messages(chat)}
    emu.user_message(chat, who, text, **extra)
    await settle(emu, chat)
    helps = {render("common.help_member"), render("common.help_moderator")}
    return [m for m in emu.sent_messages(chat)
            if m["message_id"] not in before and (m.get("text") or "") not in helps]


def tg_edit(emu: TelegramEmulator, clock: FakeClock, message: dict[str, Any], text: str,
            seconds: int = 20) -> None:
    """The member edits ``message`` a little later (Telegram dates edits to the second). The
    edit is its own update: the message as first sent stays as the bot will read it."""
    clock.advance(timedelta(seconds=seconds))
    edited = {**message, "text": text, "edit_date": int(clock.now().timestamp())}
    edited.pop("reply_to_message", None)
    emu.inject_raw({"edited_message": edited})


def tg_dangling(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    """The bot's live messages in ``chat`` that reply to a message that is gone."""
    out = []
    for stored in emu.world.messages.values():
        if stored.chat_id != chat or not stored.from_bot or stored.deleted:
            continue
        target = stored.message.get("reply_to_message")
        if target and emu.is_deleted(chat, target["message_id"]):
            out.append(stored.message.get("text") or "")
    return out


def tg_card(emu: TelegramEmulator, number: int) -> dict[str, Any]:
    return next(m for m in emu.sent_messages(QUEUE)
                if (m.get("text") or "").startswith(f"Ticket #{number} "))


async def tg_wait_card(emu: TelegramEmulator, number: int) -> dict[str, Any]:
    await emu.wait_for(lambda: [m for m in emu.sent_messages(QUEUE)
                                if (m.get("text") or "").startswith(f"Ticket #{number} ")],
                       what=f"card #{number}")
    return tg_card(emu, number)


def tg_buttons(message: dict[str, Any]) -> dict[str, str]:
    """label → callback data of a card's buttons."""
    return {b["text"]: b["callback_data"]
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for b in row}


async def tg_press(emu: TelegramEmulator, card: dict[str, Any], who: int, label: str) -> str:
    """``who`` presses the card's button ``label``; returns the button's answer text."""
    query = emu.press(QUEUE, card["message_id"], who, tg_buttons(card)[label])
    await emu.wait_for(lambda: emu.world.callbacks[query].get("answered"),
                       what=f"the answer to {label!r}")
    return str(emu.world.callbacks[query]["answered"].get("text") or "")


async def scheduler_round(app: App, clock: FakeClock) -> None:
    """One round of `modbot run`'s scheduler loop on the test's clock, then the outbox."""
    await service_for(app).run_due(clock.now())
    await app.pipeline.drain()


# --------------------------------------------------------------------------------------------
# VK plumbing
# --------------------------------------------------------------------------------------------

@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
             ) -> AsyncIterator[Callable[..., Awaitable[VkBot]]]:
    """``await vk(extra=…)``: the community "demo" on VK (chat 2000000001 and the wall, queue
    chat 2000000002, Maria listed as a moderator) with the gym's FAQ; stopped at teardown."""
    started: list[VkBot] = []

    async def start(extra: str = "", folder: Path | None = None) -> VkBot:
        """``folder``: where its config, FAQ and database live (another than the Telegram
        bot's, when one test runs both)."""
        where = folder or tmp_path
        where.mkdir(exist_ok=True)
        (where / "faq.toml").write_text(FAQ, encoding="utf-8")
        emulator.real_names.update(VK_NAMES)
        emulator.add_members(VK_CHAT, VK_MOD, *VK_NAMES)
        emulator.add_members(VK_QUEUE, VK_MOD)
        text = vk_config_text(emulator, community_extra='faq = "faq.toml"\n' + extra)
        running = VkBot(write_vk_config(where, text), clock, emulator)
        await running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


def vk_replies(emulator: VkEmulator, peer: int, cmid: int) -> list[ChatMessage]:
    """The bot's messages in ``peer`` that reply to message ``cmid``."""
    return [m for m in emulator.sent(peer) if m.reply_to == cmid]


async def vk_settle(emulator: VkEmulator, peer: int = VK_CHAT) -> None:
    """Everything posted before was handled: a new bystander's /help got its answer."""
    cmid = emulator.post_message(peer, next(_WITNESSES), "/help")
    await emulator.wait_for(lambda: vk_replies(emulator, peer, cmid))


def vk_bot_texts(emulator: VkEmulator, peer: int = VK_CHAT) -> list[str]:
    helps = {render("common.help_member"), render("common.help_moderator")}
    return [m.text for m in emulator.sent(peer) if m.text not in helps]


async def vk_answer(emulator: VkEmulator, who: int, text: str, *, peer: int = VK_CHAT,
                    **extra: Any) -> tuple[int, list[ChatMessage]]:
    """``who`` writes in ``peer`` and the bot replies to it: (its cmid, the replies)."""
    cmid = emulator.post_message(peer, who, text, **extra)
    await emulator.wait_for(lambda: vk_replies(emulator, peer, cmid))
    return cmid, vk_replies(emulator, peer, cmid)


async def vk_says(emulator: VkEmulator, who: int, text: str, *, peer: int = VK_CHAT,
                  **extra: Any) -> tuple[int, list[str]]:
    """``who`` writes; returns its cmid and the bot's next messages in ``peer``."""
    before = len(emulator.sent(peer))
    cmid = emulator.post_message(peer, who, text, **extra)
    await emulator.wait_for(lambda: [m for m in emulator.sent(peer)[before:]
                                     if not m.text.startswith("Audit:")])
    return cmid, [m.text for m in emulator.sent(peer)[before:]]


def vk_message(emulator: VkEmulator, peer: int, cmid: int) -> ChatMessage:
    return next(m for m in emulator.peer(peer).messages if m.cmid == cmid)


def vk_deleted(emulator: VkEmulator, peer: int, cmid: int) -> bool:
    return vk_message(emulator, peer, cmid).deleted


def vk_edit(emulator: VkEmulator, clock: FakeClock, peer: int, cmid: int, text: str,
            seconds: int = 20) -> None:
    """message_edit, as VK sends it: the message object itself, with its update_time."""
    clock.advance(timedelta(seconds=seconds))
    message = vk_message(emulator, peer, cmid)
    message.text = text
    emulator.push("message_edit", {
        "date": int(clock.now().timestamp()) - seconds,
        "update_time": int(clock.now().timestamp()), "from_id": message.from_id, "id": 0,
        "out": 0, "peer_id": peer, "text": text, "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})


def vk_dangling(emulator: VkEmulator, peer: int = VK_CHAT) -> list[str]:
    """The bot's live messages in ``peer`` that reply to a message that is gone."""
    gone = {m.cmid for m in emulator.peer(peer).messages if m.deleted}
    return [m.text for m in emulator.sent(peer) if not m.deleted and m.reply_to in gone]


def vk_card(emulator: VkEmulator, number: int) -> ChatMessage:
    return next(m for m in emulator.sent(VK_QUEUE) if m.text.startswith(f"Ticket #{number} "))


async def vk_wait_card(emulator: VkEmulator, number: int) -> ChatMessage:
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if m.text.startswith(f"Ticket #{number} ")])
    return vk_card(emulator, number)


def vk_labels(message: ChatMessage) -> dict[str, str]:
    """label → callback data of a card's buttons."""
    if message.keyboard is None:
        return {}
    return {str(b["action"].get("label", "")): str(json.loads(b["action"]["payload"])["d"])
            for row in message.keyboard["buttons"] for b in row}


# ============================================================================================
# 1. An answered question edited into мат
# ============================================================================================

async def test_tg_answered_question_edited_into_mat_is_one_offence_and_leaves_no_answer_dangling(
        tg, emu, clock, tmp_path, capsys) -> None:
    """Anna asks when the gym is open and gets the answer in reply; twenty seconds later she
    edits her question into мат. The filter removes it and warns her once (Warning 1 of 4,
    no mute), and the audit tells it as the filter's, with the explanation. Nothing of the
    bot's is left replying to her removed message (an answer under "Deleted message" reads as
    the bot answering nothing), and Bob, asking the same a minute later, gets the answer or a
    pointer to one he can see."""
    app = await tg()
    async with RunningBot(app, fast_options(FakeTime())):
        question, answers = await tg_answer(emu, ANNA, ASK_HOURS)
        assert [m["text"] for m in answers] == [HOURS], answers
        tg_edit(emu, clock, question, RUDE_HOURS)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, question["message_id"]),
                           what="the edited question removed")
        await settle(emu)
        clock.advance(timedelta(minutes=1))
        bob_got = await tg_said_after(emu, BOB, ASK_HOURS_2)
    assert len(warnings_said(bot_texts(emu))) == 1, bot_texts(emu)
    assert "Warning 1 of 4" in warnings_said(bot_texts(emu))[0], bot_texts(emu)
    assert not emu.calls_of("restrictChatMember"), "one offence: a warning, no mute"
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (deleted,) = rows(lines, "filter.delete")
    (warned,) = rows(lines, "warn")
    assert f"target=telegram:{ANNA}" in deleted and "fuck" in deleted, deleted
    assert "by=auto:filter" in warned, warned
    (reply,) = bob_got  # the answer, or a pointer to an answer Bob can see
    pointed = (reply.get("reply_to_message") or {}).get("message_id")
    assert reply["text"] == HOURS or (pointed and not emu.is_deleted(GROUP, pointed)), reply
    assert tg_dangling(emu) == [], "the bot's answer still replies to the removed question"


async def test_vk_answered_question_edited_into_mat_is_one_offence_and_leaves_no_answer_dangling(
        vk, emulator, clock, tmp_path, capsys) -> None:
    """The same in a VK chat: the answered question edited into мат is removed and warned
    once (no removal from the chat), audited as the filter's; no bot answer is left replying
    to the removed message."""
    await vk()
    cmid, answers = await vk_answer(emulator, V_ANNA, ASK_HOURS)
    assert [m.text for m in answers] == [HOURS], answers
    vk_edit(emulator, clock, VK_CHAT, cmid, RUDE_HOURS)
    await emulator.wait_for(lambda: vk_deleted(emulator, VK_CHAT, cmid))
    await vk_settle(emulator)
    clock.advance(timedelta(minutes=1))
    await vk_answer(emulator, V_BOB, ASK_HOURS_2)
    await vk_settle(emulator)
    said = warnings_said(vk_bot_texts(emulator))
    assert len(said) == 1 and "Warning 1 of 4" in said[0], vk_bot_texts(emulator)
    assert not emulator.calls_to("messages.removeChatUser")
    lines = await audit(tmp_path / "config.toml", clock, capsys)
    (deleted,) = rows(lines, "filter.delete")
    assert f"target=vk:{V_ANNA}" in deleted and "fuck" in deleted, deleted
    assert len(rows(lines, "warn")) == 1, lines
    assert vk_dangling(emulator) == [], "the bot's answer still replies to the removed question"


# ============================================================================================
# 2. An obscene question edited clean, and asked again politely
# ============================================================================================

# ============================================================================================
# 3. A /report racing the filter, and a moderator's /del
# ============================================================================================

def check_report_of_a_gone_message(told: list[str], cards: list[tuple[str, set[str]]],
                                   quoted: str) -> None:
    """The reporter hears exactly once; a card about the message (its text, its button
    labels), if any, says the message is no longer in the chat and offers no "Delete message"
    (else a moderator presses it on nothing, or goes looking for it); with no card, the
    reporter is told it was already removed."""
    assert len(told) == 1, told
    about = [(text, labels) for text, labels in cards if quoted in text]
    if about:
        text, labels = about[-1]
        assert said_removed(text), text
        assert "Delete message" not in labels, (text, labels)
    else:
        assert said_removed(told[0]) or "already" in told[0].lower(), told


# ============================================================================================
# 4. Complaints about the bot's own FAQ answer and about a scheduled post the filter would flag
# ============================================================================================

# ============================================================================================
# 5. /del and /purge of answered messages, and the FAQ's repeat window
# ============================================================================================

# ============================================================================================
# 6. A muted (and a banned) member asks and complains in private
# ============================================================================================

# ============================================================================================
# 7. A moderator's own мат, reported by a member, and a moderator's question
# ============================================================================================

MOD_RUDE = "New rules are pinned, read the fucking pinned message before asking"


# ============================================================================================
# 8. A crowd asks the same thing at once while two of them swear
# ============================================================================================

CROWD = ((ANNA, RUDE_HOURS), (BOB, ASK_HOURS), (CARL, "hi all, when are you open?"),
         (DORA, "When are you open, what the fuck"), (EVE, ASK_HOURS_2), (FRED, ASK_HOURS))
LATE = 4607

