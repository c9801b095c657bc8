"""QA round 45: a community that lives on VK only, run by an SMM manager.

No `[telegram]` section at all: one VK chat and the community wall are the community's chats, a
second VK chat is the moderators' queue. Members write in the chat, comment under wall posts,
write to the community privately, use !commands and /commands and press VK callback buttons;
moderators act from the chat, the wall and the queue chat. Every test drives the real VK adapter
(`run_vk`) against the local VK API + Bots Long Poll emulator and asserts what people see on VK.
Time moves only by the injected FakeClock. Nothing here may assume Telegram exists: no crash,
no Telegram wording, VK's limits respected (message length, keyboard limits, random_id).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from vk_emulator import VkEmulator
from vk_emulator.harness import (
    CHAT,
    MEMBER,
    MODERATOR,
    QUEUE,
    RunningBot,
    vk_config_text,
    write_vk_config,
)
from vk_emulator.server import ChatMessage
from vk_emulator.wire import said, settle, wall_said

from bot.core.clock import FakeClock

REPO = Path(__file__).resolve().parent.parent
POST = 10  # a community wall post members comment under
OFFENDER = 501
REPORTER = MEMBER
OBSCENE = "Блядь, ну кто так строит?"

FAQ = textwrap.dedent('''
    [[faq]]
    id = "pay"
    lang = "en"
    questions = ["How do I pay for the course?", "Can I pay by card?"]
    answer = "Pay by card on the website or by bank transfer."

    [[faq]]
    id = "lessons"
    lang = "en"
    questions = ["When are the lessons?"]
    answer = "Lessons are on Tuesdays and Thursdays at 7 pm."

    [[faq]]
    id = "refund"
    lang = "en"
    questions = ["How do I get a refund for the course if I paid by card and changed my mind?"]
    answer = "Write to support within 14 days for a full refund."
    ''')
PAY = "Pay by card on the website or by bank transfer."
LESSONS = "Lessons are on Tuesdays and Thursdays at 7 pm."
SUGGEST = "[community.answers]\nanswer_threshold = 0.999\nsuggest_threshold = 0.3\n"
TELEGRAM_WORDS = ("telegram", "t.me/", "supergroup", "@botfather")

# VK's documented limits (dev.vk.com: keyboard, messages.send)
VK_MESSAGE_LIMIT = 4096
VK_INLINE_ROWS = 6
VK_INLINE_PER_ROW = 5
VK_INLINE_BUTTONS = 10
VK_LABEL_LIMIT = 40
VK_PAYLOAD_LIMIT = 255


async def _start(emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
                 community_extra: str = "") -> RunningBot:
    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    text = vk_config_text(emulator, community_extra='faq = "faq.toml"\n' + community_extra)
    assert "[telegram]" not in text and "telegram:" not in text, "a VK-only community"
    emulator.peer(QUEUE).title = "Moderators"
    emulator.peer(CHAT).title = "Yoga Club Chat"
    running = RunningBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def bot(emulator: VkEmulator, tmp_path: Path,
              clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = await _start(emulator, tmp_path, clock)
    yield running
    await running.stop()


@pytest.fixture
async def start_with(emulator: VkEmulator, tmp_path: Path, clock: FakeClock
                     ) -> AsyncIterator[Callable[[str], Awaitable[RunningBot]]]:
    started: list[RunningBot] = []

    async def start(extra: str) -> RunningBot:
        running = await _start(emulator, tmp_path, clock, extra)
        started.append(running)
        return running

    yield start
    for running in started:
        await running.stop()


# -- helpers ---------------------------------------------------------------------------------

def reply_comment(emulator: VkEmulator, post_id: int, from_id: int, text: str,
                  parent: int) -> int:
    """A reply under a wall comment as VK delivers it: wall_reply_new names the comment and
    its author (reply_to_comment, reply_to_user); the harness's post_comment leaves the
    author out, so the event is built here as VK sends it."""
    comment_id = max([*emulator.comments, 0]) + 1000
    emulator.comments[comment_id] = {"id": comment_id, "post_id": post_id, "from_id": from_id,
                                     "text": text, "deleted": False}
    emulator.push("wall_reply_new", {
        "id": comment_id, "from_id": from_id, "date": int(emulator.clock()), "text": text,
        "post_id": post_id, "owner_id": -emulator.group_id, "post_owner_id": -emulator.group_id,
        "parents_stack": [parent], "reply_to_comment": parent,
        "reply_to_user": emulator.comments[parent]["from_id"]})
    return comment_id


def no_telegram(text: str) -> None:
    lowered = text.lower()
    for word in TELEGRAM_WORDS:
        assert word not in lowered, f"Telegram wording {word!r} in a VK-only community: {text!r}"


def replies(emulator: VkEmulator, peer: int, cmid: int) -> list[ChatMessage]:
    return [m for m in emulator.sent(peer) if m.reply_to == cmid]


async def say(emulator: VkEmulator, peer: int, who: int, text: str, *,
              reply_to: int | None = None) -> list[ChatMessage]:
    """Post and wait for the bot's reply to it (a reply or any new message in that peer)."""
    before = len(emulator.sent(peer))
    cmid = emulator.post_message(peer, who, text, reply_to=reply_to)
    await emulator.wait_for(lambda: len(emulator.sent(peer)) > before)
    await settle(emulator)
    return [m for m in emulator.sent(peer)[before:]] or replies(emulator, peer, cmid)


def buttons(message: ChatMessage) -> list[dict[str, Any]]:
    assert message.keyboard is not None, f"no keyboard on {message.text!r}"
    return [b for row in message.keyboard["buttons"] for b in row]


def button_data(message: ChatMessage, label: str) -> str:
    for button in buttons(message):
        action = button["action"]
        if label.lower() in str(action.get("label", "")).lower():
            payload = action["payload"]
            payload = payload if isinstance(payload, dict) else json.loads(payload)
            return str(payload["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


def check_keyboard_limits(message: ChatMessage) -> None:
    keyboard = message.keyboard
    assert keyboard is not None
    rows = keyboard["buttons"]
    if keyboard.get("inline"):
        assert len(rows) <= VK_INLINE_ROWS, rows
        assert sum(len(r) for r in rows) <= VK_INLINE_BUTTONS, rows
        assert all(len(r) <= VK_INLINE_PER_ROW for r in rows), rows
    for button in (b for r in rows for b in r):
        action = button["action"]
        assert action["type"] in ("callback", "text", "open_link"), action
        assert 0 < len(action.get("label", "")) <= VK_LABEL_LIMIT, action
        payload = action.get("payload")
        if payload is not None:
            raw = payload if isinstance(payload, str) else json.dumps(payload)
            assert len(raw.encode()) <= VK_PAYLOAD_LIMIT, action


def cards(emulator: VkEmulator) -> list[ChatMessage]:
    return [m for m in emulator.sent(QUEUE) if "#" in m.text and m.keyboard]


async def report_in_chat(emulator: VkEmulator, *, author: int = OFFENDER,
                         reporter: int = REPORTER, text: str = "buy followers at spam.example",
                         command: str = "!report spam") -> ChatMessage:
    before = len(cards(emulator))
    bad = emulator.post_message(CHAT, author, text)
    emulator.post_message(CHAT, reporter, command, reply_to=bad)
    await emulator.wait_for(lambda: len(cards(emulator)) > before)
    return cards(emulator)[before]


async def press(emulator: VkEmulator, peer: int, who: int, message: ChatMessage,
                label: str) -> dict[str, str]:
    before = len(emulator.calls_to("messages.sendMessageEventAnswer"))
    event_id = emulator.press(peer, who, message.cmid, button_data(message, label))
    answers = await emulator.wait_for(
        lambda: len(emulator.calls_to("messages.sendMessageEventAnswer")) > before
        and emulator.calls_to("messages.sendMessageEventAnswer"))
    answer = next(a for a in answers if a["event_id"] == event_id)
    await settle(emulator)
    return answer.params


async def drain(bot: RunningBot, clock: FakeClock, rounds: int = 4) -> None:
    assert bot.app is not None
    for _ in range(rounds):
        clock.advance(timedelta(seconds=40))
        await bot.app.pipeline.drain()


async def run_cli(*argv: str) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for key in ("MODBOT_TELEGRAM_TOKEN",):
        env.pop(key, None)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *argv, cwd=str(REPO), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


# == Config and help ==========================================================================

async def test_check_config_of_a_vk_only_community_passes_without_telegram(
        emulator: VkEmulator, tmp_path: Path) -> None:
    """README: `telegram` section absent = Telegram off. The owner of a VK-only community
    gets a clean summary: no error and no complaint about a missing Telegram token."""
    (tmp_path / "faq.toml").write_text(FAQ, encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(vk_config_text(emulator, community_extra='faq = "faq.toml"\n'),
                    encoding="utf-8")
    code, out, err = await run_cli("check-config", str(path))
    assert code == 0, (out, err)
    assert "Traceback" not in out + err
    assert "MODBOT_TELEGRAM_TOKEN" not in out + err
    for line in out.splitlines():
        if "error" in line.lower():
            raise AssertionError(line)


async def test_help_in_the_vk_chat_for_member_and_moderator_speaks_only_of_vk(
        emulator: VkEmulator, bot: RunningBot) -> None:
    member = await say(emulator, CHAT, MEMBER, "!help")
    moderator = await say(emulator, CHAT, MODERATOR, "/help")
    assert any("/report" in m.text for m in member), [m.text for m in member]
    assert any("/ban" in m.text for m in moderator), [m.text for m in moderator]
    for message in member + moderator:
        no_telegram(message.text)
        assert len(message.text) <= VK_MESSAGE_LIMIT


async def test_private_help_on_vk_tells_how_to_complain_and_speaks_only_of_vk(
        emulator: VkEmulator, bot: RunningBot) -> None:
    before = len(emulator.sent(MEMBER))
    emulator.post_private(MEMBER, "/help")
    await emulator.wait_for(lambda: len(emulator.sent(MEMBER)) >= before + 2)
    await settle(emulator)
    texts = [m.text for m in emulator.sent(MEMBER)[before:]]
    assert any("/complaint" in t for t in texts), texts
    for text in texts:
        no_telegram(text)


async def test_abuse_usage_in_the_vk_queue_gives_a_vk_example(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """A moderator of a VK-only community types `/abuse` without a target: the usage must
    show an id form that works here (vk:ID), not a Telegram one."""
    reply = await say(emulator, QUEUE, MODERATOR, "/abuse")
    text = " ".join(m.text for m in reply)
    assert "/abuse" in text, text
    no_telegram(text)


# == Reports and tickets =====================================================================

async def test_chat_report_card_in_the_vk_queue_fits_vk_keyboards_and_buttons_work(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """`!report` in the chat → one acknowledgement with #1, a card in the VK queue chat whose
    callback keyboard respects VK's limits; Claim then Resolve edit the card in place and the
    reporter hears the outcome privately."""
    emulator.post_private(REPORTER, "hi")  # the reporter allowed the community to write
    await settle(emulator)
    card = await report_in_chat(emulator)
    await settle(emulator)
    acks = said(emulator, CHAT, "#1")
    assert len(acks) == 1, [m.text for m in emulator.sent(CHAT)]
    assert "Ticket #1" in card.text or "#1" in card.text.splitlines()[0]
    no_telegram(card.text)
    check_keyboard_limits(card)
    assert card.keyboard is not None and card.keyboard.get("inline")
    await press(emulator, QUEUE, MODERATOR, card, "Claim")
    card_now = next(m for m in emulator.sent(QUEUE) if m.cmid == card.cmid)
    await press(emulator, QUEUE, MODERATOR, card_now, "Resolve")
    card_now = next(m for m in emulator.sent(QUEUE) if m.cmid == card.cmid)
    assert "resolved" in card_now.text.lower(), card_now.text
    assert emulator.calls_to("messages.edit")
    told = [m.text for m in emulator.sent(REPORTER) if "#1" in m.text]
    assert len(told) == 1, [m.text for m in emulator.sent(REPORTER)]
    no_telegram(told[0])


async def test_report_from_a_wall_comment_files_a_ticket_quoting_the_comment(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """README: `!report` in reply to a message; on the wall a reply comment is the reply."""
    bad = emulator.post_comment(POST, OFFENDER, "buy followers at spam.example")
    reply_comment(emulator, POST, REPORTER, "!report spam", bad)
    await emulator.wait_for(lambda: cards(emulator))
    (card,) = cards(emulator)
    assert f"(vk:{OFFENDER})" in card.text, card.text
    assert "spam.example" in card.text, card.text
    no_telegram(card.text)
    check_keyboard_limits(card)


async def test_private_complaint_to_the_community_becomes_a_ticket(
        emulator: VkEmulator, bot: RunningBot) -> None:
    before = len(emulator.sent(REPORTER))
    emulator.post_private(REPORTER, "/complaint Someone in the chat sells followers")
    await emulator.wait_for(lambda: cards(emulator))
    await emulator.wait_for(lambda: len(emulator.sent(REPORTER)) > before)
    (card,) = cards(emulator)
    assert "sells followers" in card.text
    acks = [m.text for m in emulator.sent(REPORTER)[before:] if "#1" in m.text]
    assert len(acks) == 1
    no_telegram(card.text)
    no_telegram(acks[0])


async def test_tickets_taken_resolved_and_rejected_by_commands_in_the_vk_queue(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(REPORTER, "hi")
    emulator.post_private(502, "hi")
    await settle(emulator)
    first = await report_in_chat(emulator)
    second = await report_in_chat(emulator, author=503, reporter=502, text="cheap likes here",
                                  command="/report ads")
    took = await say(emulator, QUEUE, MODERATOR, "/take 1")
    assert any("#1" in m.text for m in took), [m.text for m in took]
    await say(emulator, QUEUE, MODERATOR, "!resolve #1 handled")
    await say(emulator, QUEUE, MODERATOR, "/reject 2 not spam")
    first_now = next(m for m in emulator.sent(QUEUE) if m.cmid == first.cmid)
    second_now = next(m for m in emulator.sent(QUEUE) if m.cmid == second.cmid)
    assert "resolved" in first_now.text.lower(), first_now.text
    assert "rejected" in second_now.text.lower(), second_now.text
    assert [m.text for m in emulator.sent(REPORTER) if "#1" in m.text]
    assert [m.text for m in emulator.sent(502) if "#2" in m.text]


async def test_queue_listing_of_many_long_tickets_stays_within_one_vk_message(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    for n in range(25):
        await report_in_chat(emulator, author=600 + n, reporter=700 + n,
                             text=f"spam number {n} " + "x" * 300,
                             command="!report " + "very long reason " * 12)
    listing = await say(emulator, QUEUE, MODERATOR, "/queue")
    assert listing
    for message in listing:
        assert 0 < len(message.text) <= VK_MESSAGE_LIMIT, len(message.text)
        no_telegram(message.text)
    assert "#1" in listing[0].text


# == Moderation from the chat, the wall and the queue ========================================

async def test_mute_in_the_vk_chat_falls_back_to_removal_and_says_so(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """README: VK has no timed mute; default `vk_mute_fallback = kick`, and the notice tells
    members so."""
    bad = emulator.post_message(CHAT, OFFENDER, "stop posting here lol")
    before = len(emulator.sent(CHAT))
    emulator.post_message(CHAT, MODERATOR, "!mute 1h flooding", reply_to=bad)
    await emulator.wait_calls("messages.removeChatUser")
    await emulator.wait_for(lambda: len(emulator.sent(CHAT)) > before)
    await settle(emulator)
    (kick,) = emulator.calls_to("messages.removeChatUser")
    assert kick["member_id"] == str(OFFENDER)
    assert kick["chat_id"] == str(CHAT - 2_000_000_000)
    notices = [m.text for m in emulator.sent(CHAT)[before:]]
    assert any("VK has no mute" in t for t in notices), notices
    for text in notices:
        no_telegram(text)


async def test_warn_in_reply_to_a_wall_comment_warns_under_the_post(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_comment(POST, OFFENDER, "this club is a scam, everyone leave")
    reply_comment(emulator, POST, MODERATOR, "!warn rude", bad)
    notice = await emulator.wait_for(lambda: wall_said(emulator, "Warning 1 of"))
    assert notice[0]["post_id"] == str(POST)
    # VK tells the member only if the notice replies to their comment or links them
    assert (notice[0].params.get("reply_to_comment") == str(bad)
            or f"[id{OFFENDER}|" in notice[0]["message"]), notice[0].params
    no_telegram(notice[0]["message"])


async def test_ban_in_reply_to_a_wall_comment_bans_from_the_community_with_an_end_date(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    bad = emulator.post_comment(POST, OFFENDER, "buy followers at spam.example")
    reply_comment(emulator, POST, MODERATOR, "!dban 1d spam", bad)
    (ban,) = await emulator.wait_calls("groups.ban")
    await emulator.wait_for(lambda: emulator.comments[bad]["deleted"])
    assert ban["owner_id"] == str(OFFENDER)
    expected_end = int((clock.now() + timedelta(days=1)).timestamp())
    assert abs(int(ban["end_date"]) - expected_end) <= 120, (ban.params, expected_end)
    assert ban.token == "user"


async def test_ban_typed_in_the_vk_queue_bans_once_and_removes_from_the_chat(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, OFFENDER)
    reply = await say(emulator, QUEUE, MODERATOR, f"/ban vk:{OFFENDER} 3d spam")
    await settle(emulator)
    bans = emulator.calls_to("groups.ban")
    assert len(bans) == 1, [b.params for b in bans]
    assert bans[0]["owner_id"] == str(OFFENDER)
    assert OFFENDER not in emulator.peer(CHAT).members or emulator.bans.get(OFFENDER)
    for message in reply:
        no_telegram(message.text)


async def test_kick_typed_in_the_vk_queue_removes_the_member_from_the_chat(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, OFFENDER)
    reply = await say(emulator, QUEUE, MODERATOR, f"!kick vk.com/id{OFFENDER}")
    await emulator.wait_calls("messages.removeChatUser")
    assert OFFENDER not in emulator.peer(CHAT).members
    assert not emulator.calls_to("groups.ban")
    for message in reply:
        no_telegram(message.text)


async def test_obscene_chat_message_deleted_for_all_and_warned(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_message(CHAT, OFFENDER, OBSCENE)
    (delete,) = await emulator.wait_calls("messages.delete")
    assert delete["cmids"] == str(bad) and delete["delete_for_all"] == "1"
    notice = await emulator.wait_for(lambda: said(emulator, CHAT, "Warning 1 of"))
    no_telegram(notice[0].text)
    assert OBSCENE not in notice[0].text


# == FAQ ======================================================================================

async def test_faq_answers_in_the_chat_and_under_a_wall_post(
        emulator: VkEmulator, bot: RunningBot) -> None:
    asked = emulator.post_message(CHAT, MEMBER, "When are the lessons?")
    await emulator.wait_for(lambda: replies(emulator, CHAT, asked))
    assert [m.text for m in replies(emulator, CHAT, asked)] == [LESSONS]
    comment = emulator.post_comment(POST, 502, "How do I pay for the course?")
    answer = await emulator.wait_for(lambda: wall_said(emulator, PAY))
    assert answer[0]["post_id"] == str(POST)
    assert answer[0].params.get("reply_to_comment") == str(comment)


async def test_did_you_mean_in_vk_private_keyboard_fits_vk_limits_and_answers(
        emulator: VkEmulator, start_with: Callable[[str], Awaitable[RunningBot]]) -> None:
    """A long canonical question must not break VK's 40-character button label limit."""
    await start_with(SUGGEST)
    asked = emulator.post_private(MEMBER, "how do i get my money back for the course?")
    offers = await emulator.wait_for(
        lambda: [m for m in emulator.sent(MEMBER) if m.keyboard and m.reply_to == asked])
    offer = offers[0]
    check_keyboard_limits(offer)
    no_telegram(offer.text)
    answer = await press(emulator, MEMBER, MEMBER, offer, "refund")
    assert answer
    await emulator.wait_for(lambda: [m for m in emulator.sent(MEMBER) if "14 days" in m.text])


# == Scheduled posts ==========================================================================

async def test_post_scheduled_from_the_vk_queue_goes_to_the_wall_and_the_chat_once(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    reply = await say(emulator, QUEUE, MODERATOR, "!schedule in 1h Open lesson tonight at 7 pm")
    assert reply
    for message in reply:
        no_telegram(message.text)
    assert bot.app is not None
    service = service_for(bot.app)
    clock.advance(timedelta(minutes=61))
    await service.run_due(clock.now())
    await bot.app.pipeline.drain()
    clock.advance(timedelta(minutes=5))
    await service.run_due(clock.now())
    await bot.app.pipeline.drain()
    wall = [p for p in emulator.posts.values() if "Open lesson" in p.get("message", "")]
    chat = said(emulator, CHAT, "Open lesson tonight")
    assert len(wall) == 1 and len(chat) == 1, (wall, [m.text for m in chat])
    assert wall[0]["owner_id"] == str(-emulator.group_id)
    assert all(int(c.params.get("random_id", "0") or 0) != 0
               for c in emulator.calls_to("messages.send")), "every send is idempotent"


async def test_scheduled_post_of_4096_characters_reaches_the_vk_chat_whole(
        emulator: VkEmulator, start_with: Callable[[str], Awaitable[RunningBot]],
        clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    text = ("Spring schedule. " * 300)[:4090] + " КОНЕЦ"
    assert len(text) == 4096
    when = (clock.now() + timedelta(hours=1)).isoformat()
    running = await start_with(
        f'\n[[community.schedule]]\nat = {when}\ntext = "{text}"\nchats = ["vk:{CHAT}"]\n')
    assert running.app is not None
    clock.advance(timedelta(minutes=61))
    await service_for(running.app).run_due(clock.now())
    await running.app.pipeline.drain()
    sent = said(emulator, CHAT, "Spring schedule")
    assert len(sent) == 1
    assert sent[0].text == text


# == random_id idempotency ====================================================================

async def test_a_reply_whose_response_was_lost_is_retried_without_a_duplicate(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    """VK sent the message but the answer was lost (error after the effect): the retry
    carries the same random_id, so members see the answer once."""
    emulator.fail("messages.send", 10, after_effect=True)
    asked = emulator.post_message(CHAT, MEMBER, "When are the lessons?")
    await emulator.wait_for(lambda: replies(emulator, CHAT, asked))
    await drain(bot, clock)
    await settle(emulator)
    sends = [c for c in emulator.calls if c.method == "messages.send"
             and LESSONS in c.params.get("message", "")]
    assert len(sends) >= 2, "the lost response is retried"
    assert len({c["random_id"] for c in sends}) == 1
    assert [m.text for m in replies(emulator, CHAT, asked)] == [LESSONS]
