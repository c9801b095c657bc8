"""QA round 23 — the hostile member.

A member who wants to misuse the bot, over the real Telegram adapter (Bot API emulator) and the
real VK adapter (VK API emulator): forged button presses, making the bot say things for them,
making it spam, getting someone else punished, evading the filter, and moderator commands in a
private chat. Scenarios already in test_qa9_resilience.py, test_moderation_permissions.py,
test_qa12_complaints.py, test_qa16_update_zoo.py and test_qa17_vk_events.py are not repeated.
Each test asserts what a member, moderator or owner expects; a failing test is a finding (see
/tmp/s5/qa23_findings.md).
"""

from __future__ import annotations

import copy
import functools
import json
import textwrap
import time
from collections.abc import AsyncIterator, Awaitable, Callable
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
from tg_emulator.wire import non_help, render, replies_to, settle, wall_clock
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
VK_SPAMMER = 777
OBSCENE = "fuck off, all of you"
VK_OBSCENE = "Блядь, ну кто так строит?"

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
def make_app(emu: TelegramEmulator, make_tg_app: Callable[..., Awaitable[App]]
             ) -> Callable[..., Awaitable[App]]:
    return functools.partial(make_tg_app, "qa23")


async def faq_app(make_app: Callable[..., Awaitable[App]], tmp_path: Path, **parts: str) -> App:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    return await make_app(extra_community='faq = "faq.toml"\n', **parts)


def buttons(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"] for row in message.get("reply_markup", {}).get(
        "inline_keyboard", []) for b in row]


def ticket_id(card: dict[str, Any]) -> str:
    """The ticket's id as its buttons carry it (t:ACTION:ID)."""
    return buttons(card)[0].rsplit(":", 1)[1]


async def report(emu: TelegramEmulator, *, reason: str = "spam", reporter: int = MEMBER,
                 author: int = SPAMMER, text: str = "cheap watches at spam.example",
                 **author_extra: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before = len(emu.sent_messages(QUEUE))
    bad = emu.user_message(GROUP, author, text, **author_extra)
    emu.user_message(GROUP, reporter, f"/report {reason}".strip(), reply_to=bad["message_id"])
    await emu.wait_for(lambda: len(emu.sent_messages(QUEUE)) > before, what="the card")
    return bad, emu.sent_messages(QUEUE)[before]


def card_now(emu: TelegramEmulator, card: dict[str, Any]) -> dict[str, Any]:
    return emu.world.messages[(QUEUE, card["message_id"])].message


async def press(emu: TelegramEmulator, chat: int, message_id: int, who: int,
                data: str) -> dict[str, Any]:
    qid = emu.press(chat, message_id, who, data)
    await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"),
                       what=f"the answer to {data!r}")
    return dict(emu.world.callbacks[qid]["answered"])


def punishments(emu: TelegramEmulator) -> list[Any]:
    return (emu.calls_of("restrictChatMember", ok=None) + emu.calls_of("banChatMember", ok=None)
            + emu.calls_of("banChatSenderChat", ok=None))


def notices(emu: TelegramEmulator, chat: int = GROUP) -> list[str]:
    return [t for t in non_help(emu.sent_texts(chat)) if "removed" in t or "Warning" in t]


def bot_texts_since(emu: TelegramEmulator, start: int, chat: int = GROUP) -> list[str]:
    return [c.result.get("text") or "" for c in emu.calls[start:]
            if c.method == "sendMessage" and c.ok and c.result["chat"]["id"] == chat]


async def warned(emu: TelegramEmulator, message: dict[str, Any], n: int = 1) -> None:
    await emu.wait_for(lambda: emu.is_deleted(GROUP, message["message_id"]),
                       what="the obscene message to be deleted")
    await emu.wait_for(lambda: any(f"Warning {n} of 4" in t for t in emu.sent_texts(GROUP)),
                       what=f"warning {n}")


# ============================== forged button presses (Telegram) ===========================

async def test_member_forged_ticket_buttons_in_the_group_do_nothing(make_app, emu) -> None:
    """A member sends t:claim / t:ban / t:del for a real ticket from the community chat (under
    the bot's acknowledgement, which is a bot message there): refused, nobody banned, nothing
    deleted, the card is untouched."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        tid = ticket_id(card)
        ack = await emu.wait_for(lambda: next((m for m in emu.sent_messages(GROUP)
                                               if "#1" in (m.get("text") or "")), None),
                                 what="the acknowledgement")
        answers = [await press(emu, GROUP, ack["message_id"], OTHER_MEMBER, f"t:{kind}:{tid}")
                   for kind in ("claim", "ban", "del", "resolve", "reject")]
        await settle(emu)
    assert all(a["show_alert"] for a in answers), answers
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]
    assert render("complaints.state_new") in card_now(emu, card)["text"]


async def test_member_pressing_ban_on_the_card_in_the_queue_chat_is_refused(make_app,
                                                                            emu) -> None:
    """A member who got into the queue chat presses the card's real Ban button."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        ban = next(d for d in buttons(card) if d.startswith("t:ban:"))
        answer = await press(emu, QUEUE, card["message_id"], OTHER_MEMBER, ban)
        await settle(emu)
    assert answer["show_alert"]
    assert "only moderators" in (answer["text"] or "").lower()
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]


async def test_member_forged_ticket_buttons_from_a_private_chat_do_nothing(make_app,
                                                                          emu) -> None:
    """In the member's private chat with the bot (under the bot's /help answer there)."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        tid = ticket_id(card)
        hello = emu.user_message(MEMBER, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_messages(MEMBER), what="the private /help")
        mine = emu.sent_messages(MEMBER)[0]
        for kind in ("ban", "del", "claim"):
            await press(emu, MEMBER, mine["message_id"], MEMBER, f"t:{kind}:{tid}")
        await settle(emu)
    assert hello
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]


@pytest.mark.parametrize("data", [
    "t:ban:", "t:ban:abc", "t:ban:-1", "t:ban:1:2", "t::1", "t:ban:99999999999999999999",
    "t:ban:١", "t:ban:1\u0000", "t:" + "x" * 60, "faq:", "faq:../../etc", "\u202e", ""])
async def test_malformed_button_data_is_answered_and_harmless(make_app, emu, data) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await report(emu)
        answer = await press(emu, QUEUE, card["message_id"], OTHER_MEMBER, data)
        await settle(emu)
    assert render("common.error") not in (answer.get("text") or "")
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, bad["message_id"])
    assert card_now(emu, card)["text"] == card["text"]


async def test_forged_press_on_a_members_own_message_is_refused(make_app, emu) -> None:
    """The "button" is pressed on a message that is not the bot's card at all."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(emu)
        tid = ticket_id(card)
        own = emu.user_message(GROUP, OTHER_MEMBER, "just chatting")
        answer = await press(emu, GROUP, own["message_id"], OTHER_MEMBER, f"t:ban:{tid}")
        await settle(emu)
    assert answer["show_alert"]
    assert not punishments(emu)
    assert card_now(emu, card)["text"] == card["text"]


async def test_forged_faq_button_in_the_group_does_not_post_an_answer(make_app, emu,
                                                                      tmp_path) -> None:
    """"Did you mean" buttons work in private only; a forged faq: press in the group must not
    make the bot post there (a member could otherwise make it repeat answers at will)."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        probe = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, probe["message_id"]), what="help")
        start = len(emu.calls)
        target = emu.sent_messages(GROUP)[0]
        for _ in range(10):
            await press(emu, GROUP, target["message_id"], MEMBER, "faq:show:lessons")
        await settle(emu)
    assert not [t for t in bot_texts_since(emu, start) if "Tuesdays" in t]


# ============================== making the bot say things ==================================

async def test_notice_does_not_ping_a_moderator_whose_handle_is_the_members_name(
        make_app, emu) -> None:
    """A member without a username names themselves "@boss_admin" (the admin's handle) and
    swears: the notice must not read "@boss_admin, your message was removed…" (it pings the
    admin and tells the chat the admin was punished)."""
    emu.world.user(ADMIN, "Boss", "boss_admin")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        msg = emu.user_message(GROUP, MEMBER, OBSCENE, first_name="@boss_admin")
        await warned(emu, msg)
    (notice,) = notices(emu)
    assert "@boss_admin" not in notice, notice


async def test_notice_does_not_advertise_a_link_in_the_members_name(make_app, emu) -> None:
    """Spam accounts put their link in the name and then trip the bot so that it repeats it."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        msg = emu.user_message(GROUP, MEMBER, OBSCENE, first_name="FREE CRYPTO t.me/scamchan")
        await warned(emu, msg)
    (notice,) = notices(emu)
    assert "t.me/scamchan" not in notice, notice


async def test_notice_strips_direction_overrides_and_hidden_characters_from_a_name(
        make_app, emu) -> None:
    """An RTL override would turn the rest of the notice around; zero-width characters hide
    what the name says."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        msg = emu.user_message(GROUP, MEMBER, OBSCENE, first_name="Bob\u202enoitaton\u2066")
        await warned(emu, msg)
    (notice,) = notices(emu)
    assert "\u202e" not in notice and "\u2066" not in notice


async def test_notice_for_a_name_with_an_obscene_word_split_by_zero_width_space(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        msg = emu.user_message(GROUP, MEMBER, OBSCENE, first_name="Mother\u200bfucker")
        await warned(emu, msg)
    (notice,) = notices(emu)
    assert "fucker" not in notice.replace("\u200b", "").lower(), notice


async def test_notice_for_a_200_character_name_stays_short_and_clean(make_app, emu) -> None:
    app = await make_app()
    name = "Super long display name " * 8 + "fuck"
    async with RunningBot(app, fast_options(FakeTime())):
        msg = emu.user_message(GROUP, MEMBER, OBSCENE, first_name=name)
        await warned(emu, msg)
    (notice,) = notices(emu)
    assert "fuck" not in notice.lower() and len(notice) < 300, notice


async def test_answered_above_does_not_repeat_an_obscene_name(make_app, emu,
                                                              tmp_path) -> None:
    """The moderation notice hides a name the filter would remove (README); the FAQ's
    "X, I answered this a moment ago" must not say it for the troll either."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        first = emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]), what="answer")
        second = emu.user_message(GROUP, MEMBER, "When are the lessons?",
                                  first_name="Fucker")
        await settle(emu)
    said = non_help(emu.sent_texts(GROUP))
    assert not [t for t in said if "fuck" in t.lower()], said
    assert second


async def test_answered_above_does_not_ping_someone_else(make_app, emu, tmp_path) -> None:
    emu.world.user(ADMIN, "Boss", "boss_admin")
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        first = emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, first["message_id"]), what="answer")
        emu.user_message(GROUP, MEMBER, "When are the lessons?", first_name="@boss_admin")
        await settle(emu)
    said = non_help(emu.sent_texts(GROUP))
    assert not [t for t in said if "@boss_admin" in t], said


@pytest.mark.parametrize("word", ["@boss_admin", "t.me/scamchan", "https://scam.example/x"])
async def test_faq_with_an_unknown_id_does_not_echo_it_into_the_group(make_app, emu, tmp_path,
                                                                     word) -> None:
    """"/faq @boss_admin" → "There is no FAQ entry @boss_admin": the bot pings or advertises
    on the member's behalf."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        cmd = emu.user_message(GROUP, MEMBER, f"/faq {word}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"])
                           or emu.is_deleted(GROUP, cmd["message_id"]), what="the reply")
        await settle(emu)
    said = non_help(emu.sent_texts(GROUP))
    assert not [t for t in said if word in t], said


async def test_report_reason_cannot_forge_card_lines(make_app, emu) -> None:
    """A reason with line breaks must not add lines that look like the card's own
    ("Author: @boss_admin", a fake state)."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(
            emu, reason="spam\nAuthor: @boss_admin\nReported by: Moderator Team · reports: 9")
    lines = card["text"].splitlines()
    assert len([ln for ln in lines if ln.startswith("Author:")]) == 1, card["text"]
    assert len([ln for ln in lines if ln.startswith("Reported by:")]) == 1, card["text"]


async def test_reporter_name_cannot_forge_card_lines(make_app, emu) -> None:
    """Telegram names are one line, but a member's name may imitate the card's separators."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.world.user(MEMBER, "Alice · reports: 40 · against moderator")
        _bad, card = await report(emu)
    assert "Reported by:" in card["text"]
    assert "(telegram:111)" in card["text"] or "111" in card["text"], card["text"]


async def test_member_cannot_schedule_posts_or_edit_the_faq(make_app, emu, tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        for text in ("/schedule in 1m Join t.me/scamchan now!",
                     "/faq add When are the lessons? | Never, go to t.me/scamchan",
                     "/faq edit lessons | Cancelled, see t.me/scamchan",
                     "/faq del lessons"):
            emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
        asked = emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="answer")
    assert "Tuesdays" in replies_to(emu, GROUP, asked["message_id"])[0]
    assert not [t for t in emu.sent_texts() if "scamchan" in t]
    refusals = [t for t in emu.sent_texts(GROUP) if "only moderators" in t]
    assert len(refusals) == 1, refusals


@pytest.mark.parametrize("name", ["Fucker", "@boss_admin"])
async def test_warns_reply_does_not_say_the_members_chosen_name_for_them(make_app, emu,
                                                                        name) -> None:
    """"/warns" answers "NAME has no active warnings." in the group: a troll's name is said by
    the bot (the notice hides it; this reply does not)."""
    emu.world.user(ADMIN, "Boss", "boss_admin")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        cmd = emu.user_message(GROUP, MEMBER, "/warns", first_name=name)
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="reply")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert name.lower() not in reply.lower(), reply


async def test_member_cannot_read_another_members_warnings(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, OTHER_MEMBER, OBSCENE)
        await warned(emu, bad)
        cmd = emu.user_message(GROUP, MEMBER, f"/warns {OTHER_MEMBER}")
        await settle(emu)
        other = emu.user_message(GROUP, MEMBER, "/warns",
                                 reply_to=emu.user_message(GROUP, OTHER_MEMBER, "hi")[
                                     "message_id"])
        await settle(emu)
    said = replies_to(emu, GROUP, cmd["message_id"]) + replies_to(emu, GROUP,
                                                                   other["message_id"])
    assert not [t for t in said if "strong language" in t or "1." in t], said


# ============================== making the bot spam ========================================

@pytest.mark.parametrize("text", ["/help", "/faq", "/warns"])
async def test_a_member_cannot_make_the_bot_answer_a_command_30_times(make_app, emu, tmp_path,
                                                                      text) -> None:
    """30 commands in a few seconds from one member: anti-flood mutes at 8 messages in 10 s;
    the bot must not post 30 replies into the group for them."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        sent = [emu.user_message(GROUP, MEMBER, text) for _ in range(30)]
        await settle(emu)
    replies = [r for m in sent for r in replies_to(emu, GROUP, m["message_id"])]
    assert len(replies) <= 8, f"{len(replies)} replies to {text} x30"


async def test_a_members_help_flood_does_not_hold_up_moderating_someone_else(
        make_app, emu) -> None:
    """Telegram lets a bot post ~20 messages a minute in a group; 30 /help replies use that up
    for a minute and a half. Another member's obscene message, posted right after, must still
    be removed (and warned about) promptly, not after the flood's replies (bot time: the
    sleeps the paced sender asked for)."""
    fake = FakeTime()
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        probe = emu.user_message(GROUP, ADMIN, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, probe["message_id"]), what="help")
        start = fake.now
        for _ in range(30):
            emu.user_message(GROUP, MEMBER, "/help")
        bad = emu.user_message(GROUP, OTHER_MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), timeout=30,
                           what="the obscene message deleted")
        deleted_after = fake.now - start
        await emu.wait_for(lambda: any("Warning 1 of 4" in t for t in emu.sent_texts(GROUP)),
                           timeout=30, what="the warning")
        warned_after = fake.now - start
    assert deleted_after <= 15, f"the obscene message stayed up {deleted_after:.0f}s"
    assert warned_after <= 20, f"the warning came {warned_after:.0f}s later"


async def test_thirty_reports_in_a_row_make_at_most_a_handful_of_messages(make_app,
                                                                          emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        for i in range(30):
            bad = emu.user_message(GROUP, 5000 + i, f"message number {i}")
            emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await settle(emu)
        await settle(emu)
    cards = [m for m in emu.sent_messages(QUEUE) if "Ticket #" in (m.get("text") or "")]
    assert len(cards) <= 5, len(cards)
    in_group = non_help(emu.sent_texts(GROUP))
    assert len(in_group) <= 7, in_group


async def test_fifty_presses_of_a_faq_button_in_private_do_not_flood(make_app, emu,
                                                                     tmp_path) -> None:
    """A member hammering a "Did you mean" button: each press is answered, the loop lives."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(MEMBER, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_messages(MEMBER), what="private help")
        mine = emu.sent_messages(MEMBER)[0]
        qids = [emu.press(MEMBER, mine["message_id"], MEMBER, "faq:show:lessons") for _ in range(50)]
        await emu.wait_for(lambda: all(emu.world.callbacks[q].get("answered") for q in qids),
                           timeout=30, what="50 answers")
        await settle(emu)
    answers = [t for t in emu.sent_texts(MEMBER) if "Tuesdays" in t]
    assert 1 <= len(answers) <= 50


async def test_thirty_reports_of_the_same_message_say_little(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        for _ in range(30):
            emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await settle(emu)
        await settle(emu)
    cards = [m for m in emu.sent_messages(QUEUE) if "Ticket #" in (m.get("text") or "")]
    assert len(cards) == 1
    in_group = non_help(emu.sent_texts(GROUP))
    assert len(in_group) <= 3, in_group


async def test_leaving_and_rejoining_does_not_reset_the_flood_counter(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        for i in range(5):
            emu.user_message(GROUP, MEMBER, f"spam line {i}")
        chat = emu.world.chat(GROUP)
        user = emu.world.user(MEMBER)
        for body in ({"left_chat_member": user}, {"new_chat_members": [user]}):
            message = emu.world.new_message(chat, **{"from": user, **body})
            emu.world.store(chat, message, from_bot=False)
            emu.world.push("message", message)
        emu._bump()
        for i in range(5, 9):
            emu.user_message(GROUP, MEMBER, f"spam line {i}")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember", ok=None),
                           what="the flood mute")


# ============================== getting someone else punished ==============================

async def test_a_crowd_of_reports_never_punishes_by_itself(make_app, emu) -> None:
    """Six sock puppets report a regular member's harmless message: the card counts them, but
    nothing happens to the member until a moderator decides."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        target = emu.user_message(GROUP, OTHER_MEMBER, "I disagree with you about the lessons")
        for puppet in range(6000, 6006):
            emu.user_message(GROUP, puppet, "/report scam", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        await settle(emu)
    assert not punishments(emu)
    assert not emu.is_deleted(GROUP, target["message_id"])
    card = emu.sent_messages(QUEUE)[0]
    assert len([m for m in emu.sent_messages(QUEUE) if "Ticket #" in (m.get("text") or "")]) == 1
    assert "reports: 6" in card_now(emu, card)["text"], card_now(emu, card)["text"]


async def test_edit_into_obscenity_after_a_moderator_replied_punishes_only_the_editor(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        msg = emu.user_message(GROUP, MEMBER, "hi everyone, nice to meet you")
        mod = emu.user_message(GROUP, ADMIN, "welcome!", reply_to=msg["message_id"])
        await settle(emu)
        emu.edit_user_message(GROUP, msg["message_id"], OBSCENE)
        await warned(emu, msg)
        await settle(emu)
    assert not emu.is_deleted(GROUP, mod["message_id"])
    assert all(str(c.params.get("user_id")) != str(ADMIN) for c in punishments(emu))
    (notice,) = notices(emu)
    assert "User111" in notice or "111" in notice, notice


async def test_report_against_a_listed_moderator_is_marked_and_offers_no_ban(make_app,
                                                                             emu) -> None:
    """A member reports a moderator (listed in the config, not a chat admin) hoping for a Ban
    button on the card."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(emu, author=LISTED_MODERATOR, text="rules are rules")
    assert render("complaints.card_against_moderator").strip() in card["text"]
    assert not [d for d in buttons(card) if d.startswith("t:ban:")], buttons(card)


async def test_impersonator_with_the_same_name_is_told_apart_on_the_card(make_app,
                                                                         emu) -> None:
    """A member copies the moderator's display name; the card must show who it really is."""
    emu.world.user(ADMIN, "Boss Admin", "boss_admin")
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await report(emu, text="send me your password", first_name="Boss Admin")
    assert f"telegram:{SPAMMER}" in card["text"], card["text"]
    assert render("complaints.card_against_moderator").strip() not in card["text"]
    assert [d for d in buttons(card) if d.startswith("t:ban:")]


async def test_ban_by_handle_hits_the_real_owner_not_a_member_named_like_the_handle(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, SPAMMER, "buy my stuff", username="realbob")
        await settle(emu)
        emu.user_message(GROUP, MEMBER, "I am bob", first_name="@realbob")
        await settle(emu)
        cmd = emu.user_message(GROUP, ADMIN, "/ban @realbob")
        await emu.wait_for(lambda: emu.calls_of("banChatMember", ok=None)
                           or replies_to(emu, GROUP, cmd["message_id"]), what="the ban")
        await settle(emu)
    bans = emu.calls_of("banChatMember", ok=None)
    assert [int(c.params["user_id"]) for c in bans] == [SPAMMER]


# ============================== evading ====================================================

async def test_obscene_message_deleted_by_its_author_before_the_bot_acts_still_counts(
        make_app, emu) -> None:
    app = await make_app()
    msg = emu.user_message(GROUP, MEMBER, OBSCENE)
    emu.world.messages[(GROUP, msg["message_id"])].deleted = True  # gone before the bot looks
    async with RunningBot(app, fast_options(FakeTime())):
        await settle(emu)
        second = emu.user_message(GROUP, MEMBER, "fuck this again")
        await warned(emu, second, n=2)


async def test_obscene_message_edited_clean_before_the_bot_read_it_still_counts(make_app,
                                                                               emu) -> None:
    """Posted obscene, edited clean seconds later; both updates wait for the bot. The offence
    was seen by everyone: it counts."""
    app = await make_app()
    msg = emu.user_message(GROUP, MEMBER, OBSCENE)
    emu.world.updates[-1]["message"] = copy.deepcopy(msg)  # the update keeps what was posted
    emu.edit_user_message(GROUP, msg["message_id"], "hello, all of you")
    async with RunningBot(app, fast_options(FakeTime())):
        await warned(emu, msg)
        await settle(emu)
        second = emu.user_message(GROUP, MEMBER, "fuck this again")
        await warned(emu, second, n=2)


async def test_leaving_and_rejoining_does_not_reset_warnings(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        first = emu.user_message(GROUP, MEMBER, OBSCENE)
        await warned(emu, first)
        chat = emu.world.chat(GROUP)
        for field in ("left_chat_member", "new_chat_members"):
            value = emu.world.user(MEMBER)
            body = {"from": value, field: [value] if field == "new_chat_members" else value}
            message = emu.world.new_message(chat, **body)
            emu.world.store(chat, message, from_bot=False)
            emu.world.push("message", message)
            emu.world.push("chat_member", {
                "chat": chat.as_json(), "from": value, "date": int(time.time()),
                "old_chat_member": {"status": "member" if field == "left_chat_member"
                                    else "left", "user": value},
                "new_chat_member": {"status": "left" if field == "left_chat_member"
                                    else "member", "user": value}})
            emu._bump()
        await settle(emu)
        second = emu.user_message(GROUP, MEMBER, "fuck this again")
        await warned(emu, second, n=2)


# ============================== private chat ===============================================

async def test_member_moderation_commands_in_private_do_nothing_and_say_little(make_app, emu,
                                                                              tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, OTHER_MEMBER, "hello")
        await settle(emu)
        for text in (f"/ban {OTHER_MEMBER}", f"/mute {OTHER_MEMBER} 1h", "/del",
                     "/faq del lessons", f"/warn {OTHER_MEMBER}", "/resetwarns"):
            emu.user_message(MEMBER, MEMBER, text)
        emu.user_message(MEMBER, MEMBER, "/help")
        await emu.wait_for(lambda: any(render("common.help_private") in t
                                       for t in emu.sent_texts(MEMBER)), what="private help")
        asked = emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="answer")
    assert not punishments(emu)
    assert not emu.calls_of("deleteMessage", ok=None)
    private = emu.sent_texts(MEMBER)
    assert not [t for t in private if render("common.error") in t], private
    assert len([t for t in private if "only moderators" in t]) <= 1, private


async def test_moderator_ban_by_id_in_private_is_sensible(make_app, emu) -> None:
    """A moderator sends "/ban 111" to the bot privately: either the member is banned in the
    community's chat and the moderator is told, or the moderator is told where /ban works.
    Never silence, never an error."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, MEMBER, "hello")
        await settle(emu)
        cmd = emu.user_message(ADMIN, ADMIN, f"/ban {MEMBER}")
        await emu.wait_for(lambda: replies_to(emu, ADMIN, cmd["message_id"])
                           or emu.sent_texts(ADMIN), what="a reply in private")
        await settle(emu)
    said = emu.sent_texts(ADMIN)
    assert said and not [t for t in said if render("common.error") in t], said
    banned = [c for c in emu.calls_of("banChatMember", ok=None)
              if int(c.params["user_id"]) == MEMBER]
    if banned:
        assert all(int(c.params["chat_id"]) == GROUP for c in banned)


async def test_moderator_del_in_private_says_where_it_works(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        cmd = emu.user_message(ADMIN, ADMIN, "/del")
        await emu.wait_for(lambda: replies_to(emu, ADMIN, cmd["message_id"]), what="reply")
    (reply,) = replies_to(emu, ADMIN, cmd["message_id"])
    assert "/del" in reply and render("common.error") not in reply


async def test_moderator_faq_del_in_private_is_carried_out_or_explained(make_app, emu,
                                                                        tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, ADMIN, "morning")
        await settle(emu)
        cmd = emu.user_message(ADMIN, ADMIN, "/faq del lessons")
        await emu.wait_for(lambda: replies_to(emu, ADMIN, cmd["message_id"]), what="reply")
    (reply,) = replies_to(emu, ADMIN, cmd["message_id"])
    assert render("common.error") not in reply
    assert "lessons" in reply or "/faq" in reply, reply


# ============================== VK =========================================================

VK_FAQ = """
[[faq]]
id = "price"
lang = "en"
questions = ["How much does the course cost?", "What is the price of the course?"]
answer = "The course costs 500 rub per month."
"""


@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[VkBot]:
    (tmp_path / "faq.toml").write_text(textwrap.dedent(VK_FAQ), encoding="utf-8")
    text = vk_config_text(emulator, community_extra='faq = "faq.toml"\n')
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    yield running
    await running.stop()


async def vk_report(emulator: VkEmulator, reason: str = "spam") -> tuple[int, Any]:
    before = len(emulator.sent(VK_QUEUE))
    bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers at spam.example")
    emulator.post_message(VK_CHAT, VK_MEMBER, f"!report {reason}", reply_to=bad)
    await emulator.wait_for(lambda: len(emulator.sent(VK_QUEUE)) > before)
    return bad, emulator.sent(VK_QUEUE)[before]


def vk_payloads(message: Any) -> list[str]:
    if message.keyboard is None:
        return []
    return [str(json.loads(b["action"]["payload"])["d"]) for row in message.keyboard["buttons"]
            for b in row]


def vk_punished(emulator: VkEmulator) -> list[Any]:
    return (emulator.calls_to("groups.ban") + emulator.calls_to("messages.removeChatUser"))


async def test_vk_member_forged_ticket_buttons_in_the_chat_do_nothing(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    bad, card = await vk_report(emulator)
    tid = vk_payloads(card)[0].rsplit(":", 1)[1]
    ack = await emulator.wait_for(lambda: next((m for m in emulator.sent(VK_CHAT)
                                                if "#1" in m.text), None))
    for kind in ("ban", "del", "claim", "resolve"):
        emulator.press(VK_CHAT, VK_MEMBER, ack.cmid, f"t:{kind}:{tid}")
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert not vk_punished(emulator)
    assert not next(m for m in emulator.peer(VK_CHAT).messages if m.cmid == bad).deleted
    assert "new" in card.text
    assert len(emulator.calls_to("messages.sendMessageEventAnswer")) >= 4


async def test_vk_member_pressing_the_cards_ban_in_the_queue_chat_is_refused(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    bad, card = await vk_report(emulator)
    ban = next(d for d in vk_payloads(card) if d.startswith("t:ban:"))
    emulator.press(VK_QUEUE, VK_MEMBER, card.cmid, ban)
    await emulator.wait_for(lambda: emulator.calls_to("messages.sendMessageEventAnswer"))
    await vk_settle(emulator)
    assert not vk_punished(emulator)
    assert not next(m for m in emulator.peer(VK_CHAT).messages if m.cmid == bad).deleted
    answer = emulator.calls_to("messages.sendMessageEventAnswer")[-1]
    assert "only moderators" in json.loads(answer["event_data"])["text"].lower()


async def test_vk_faq_with_at_all_does_not_make_the_bot_ping_everyone(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    """VK chats may forbid members to use @all, but the community bot is a chat admin: it must
    not say "@all" (or "@online") for a member, unless VK is told not to notify."""
    for text in ("/faq @all", "!faq @online", f"!faq [id{VK_MODERATOR}|boss]"):
        emulator.post_message(VK_CHAT, VK_MEMBER, text)
    await vk_settle(emulator)
    await vk_settle(emulator)
    pings = [c for c in emulator.calls_to("messages.send")
             if str(c.params.get("peer_ids", c.params.get("peer_id"))) == str(VK_CHAT)
             and any(w in c.params.get("message", "") for w in ("@all", "@online", "[id"))
             and c.params.get("disable_mentions") != "1"]
    assert not pings, [c.params.get("message") for c in pings]


async def test_vk_report_reason_with_at_all_does_not_ping_the_whole_queue_chat(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    _bad, card = await vk_report(emulator, reason="@all look at this!!!")
    sends = [c for c in emulator.calls_to("messages.send")
             if str(c.params.get("peer_ids", c.params.get("peer_id"))) == str(VK_QUEUE)]
    pings = [c for c in sends if "@all" in c.params.get("message", "")
             and c.params.get("disable_mentions") != "1"]
    assert not pings, card.text


async def test_vk_member_help_30_times_gets_a_handful_of_replies(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    before = len(emulator.sent(VK_CHAT))
    for _ in range(30):
        emulator.post_message(VK_CHAT, VK_MEMBER, "!help")
    await vk_settle(emulator)
    await vk_settle(emulator)
    await vk_settle(emulator)
    replies = emulator.sent(VK_CHAT)[before:]
    assert len(replies) <= 8, f"{len(replies)} bot messages for 30 !help"


async def test_vk_member_ban_in_private_does_nothing(emulator: VkEmulator,
                                                     vk_bot: VkBot) -> None:
    emulator.post_message(VK_CHAT, VK_SPAMMER, "hello")
    await vk_settle(emulator)
    for text in (f"/ban {VK_SPAMMER}", f"!mute {VK_SPAMMER} 1h", "/del", "/faq del price"):
        emulator.post_private(VK_MEMBER, text)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert not vk_punished(emulator)
    assert not emulator.calls_to("messages.delete")
    private = [m.text for m in emulator.sent(VK_MEMBER)]
    assert len([t for t in private if "only moderators" in t]) <= 1, private
    asked = emulator.post_message(VK_CHAT, VK_SPAMMER, "How much does the course cost?")
    await emulator.wait_for(lambda: any(m.reply_to == asked for m in emulator.sent(VK_CHAT)))
    assert VK_MODERATOR  # the community's moderator is untouched by all this


async def test_vk_obscene_message_edited_clean_before_the_bot_read_it_still_counts(
        emulator: VkEmulator, vk_bot: VkBot) -> None:
    cmid = emulator.post_message(VK_CHAT, VK_MEMBER, VK_OBSCENE)
    emulator.push("message_edit", {
        "date": 0, "update_time": 9, "from_id": VK_MEMBER, "id": 0, "out": 0,
        "peer_id": VK_CHAT, "text": "Всем привет, как дела?", "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert [m for m in emulator.sent(VK_CHAT) if "Warning 1 of 4" in m.text], \
        [m.text for m in emulator.sent(VK_CHAT)]
