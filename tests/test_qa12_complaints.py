"""QA round 12: the complaint queue worked the way a moderation team works it at 2 a.m., through
the real Telegram adapter (Bot API emulator) and the real VK adapter (VK API emulator).

Each test asserts what a reporter or a moderator expects; a failing test is a finding
(see /tmp/qa12.md). Scenarios already covered by test_qa5_queue_schedule.py,
test_qa_complaints.py, test_complaints_*.py and test_qa4_* are not repeated here.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
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
    TOKEN,
    FakeTime,
    RunningBot,
    fast_options,
    telegram_config,
)
from tg_emulator.wire import render, replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MEMBER as VK_MEMBER
from vk_emulator.harness import MODERATOR as VK_MODERATOR
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage, VkError

from bot.app import App
from bot.core.clock import FakeClock

BOT_ID = int(TOKEN.split(":", 1)[0])
SPAMMER = 444
VK_SPAMMER = 777
VK_SECOND_MOD = 901
REPO = Path(__file__).resolve().parent.parent


# ============================== Telegram plumbing ==========================================

@pytest.fixture
def tg_clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(tmp_path: Path, emu: TelegramEmulator, tg_clock: FakeClock,
             open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(instance: str = "qa12", **parts: str) -> App:
        return await open_app(telegram_config(tmp_path, emu.api_base, **parts), tg_clock,
                              instance)

    return make


def tg_button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


def tg_buttons(message: dict[str, Any]) -> list[str]:
    return [b["callback_data"].split(":")[1]
            for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row]


def card_of(emu: TelegramEmulator, n: int = 0) -> dict[str, Any]:
    return emu.sent_messages(QUEUE)[n]


async def tg_report(emu: TelegramEmulator, reason: str = "spam", *, reporter: int = MEMBER,
                    author: int = SPAMMER, text: str = "cheap watches at spam.example"
                    ) -> tuple[dict[str, Any], dict[str, Any]]:
    """`author` posts, `reporter` reports it; returns (reported message, card)."""
    before = len(emu.sent_messages(QUEUE))
    bad = emu.user_message(GROUP, author, text)
    emu.user_message(GROUP, reporter, f"/report {reason}".strip(), reply_to=bad["message_id"])
    await emu.wait_for(lambda: len(emu.sent_messages(QUEUE)) > before, what="the card")
    return bad, emu.sent_messages(QUEUE)[before]


async def tg_press(emu: TelegramEmulator, card: dict[str, Any], who: int, prefix: str) -> dict:
    qid = emu.press(QUEUE, card["message_id"], who, tg_button(card, prefix))
    await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what=f"{prefix} answer")
    return emu.world.callbacks[qid]["answered"]


async def tg_queue_command(emu: TelegramEmulator, who: int, text: str) -> list[str]:
    cmd = emu.user_message(QUEUE, who, text)
    await emu.wait_for(lambda: replies_to(emu, QUEUE, cmd["message_id"]), what=f"{text} reply")
    return replies_to(emu, QUEUE, cmd["message_id"])


def block_private(emu: TelegramEmulator, user_id: int) -> None:
    """The user never started the bot / blocked it: Telegram answers 403 to a private send."""
    emu.world.chat(user_id).bot_status = "kicked"


async def run_cli(*argv: str) -> tuple[int, str, str]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *argv, cwd=str(REPO), env=env,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()


# ============================== VK plumbing ================================================

@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[VkBot]:
    emulator.set_admins(VK_QUEUE, VK_SECOND_MOD)
    running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator)), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_button(message: ChatMessage, label: str) -> str:
    assert message.keyboard is not None, "the card has no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


def vk_labels(message: ChatMessage) -> list[str]:
    if message.keyboard is None:
        return []
    return [str(b["action"].get("label", "")) for row in message.keyboard["buttons"]
            for b in row]


async def vk_report(emulator: VkEmulator, *, text: str = "buy followers at spam.example",
                    author: int = VK_SPAMMER, reporter: int = VK_MEMBER,
                    command: str = "!report spam",
                    attachments: list[dict[str, Any]] | None = None) -> ChatMessage:
    before = len(emulator.sent(VK_QUEUE))
    bad = emulator.post_message(VK_CHAT, author, text, attachments=attachments)
    emulator.post_message(VK_CHAT, reporter, command, reply_to=bad)
    await emulator.wait_for(lambda: len(emulator.sent(VK_QUEUE)) > before)
    return emulator.sent(VK_QUEUE)[before]


async def vk_settle(emulator: VkEmulator) -> None:
    """The poller went back to the long poll twice: what came before is handled and sent."""
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


def vk_card(emulator: VkEmulator, n: int = 0) -> ChatMessage:
    return [m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text][n]


def vk_said(emulator: VkEmulator, peer: int, needle: str) -> list[str]:
    return [m.text for m in emulator.sent(peer) if needle in m.text]


def vk_refuse_private(emulator: VkEmulator, user_id: int) -> None:
    """VK error 901: the user has not allowed the community to write to them."""
    original = emulator._send_to

    def send_to(peer_id: int, p: dict[str, str]) -> dict[str, Any]:
        if peer_id == user_id:
            raise VkError(901, "Can't send messages for users without permission")
        return original(peer_id, p)

    emulator._send_to = send_to  # type: ignore[method-assign]


# ============================== the reporter's experience ==================================

async def test_tg_reporter_who_blocked_the_bot_ticket_still_resolves_and_card_is_edited(
        make_app, emu) -> None:
    app = await make_app()
    block_private(emu, MEMBER)
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        answer = await tg_press(emu, card, ADMIN, "t:resolve:")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card_of(emu)["text"],
                           what="card edited to resolved")
        await settle(emu)
    assert answer["text"] == render("complaints.done_resolve", number=1)
    assert emu.calls_of("sendMessage", ok=False), "the private notice was attempted"
    # the outcome never leaks into the group as a fallback
    outcome = render("complaints.outcome_resolved", number=1, note="")
    assert outcome not in emu.sent_texts(GROUP)


async def test_tg_moderator_is_told_when_the_reporter_could_not_be_informed(
        make_app, emu) -> None:
    app = await make_app()
    block_private(emu, MEMBER)
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, _card = await tg_report(emu)
        texts = await tg_queue_command(emu, ADMIN, "/reject 1 not a violation")
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="failed notice")
        await settle(emu, QUEUE)
    queue_texts = emu.sent_texts(QUEUE)
    told = [t for t in queue_texts[1:] if "#1" in t and t not in texts]
    assert told or any("could not" in t.lower() or "couldn't" in t.lower()
                       or "not informed" in t.lower() or "can't" in t.lower()
                       for t in queue_texts), (
        f"nobody in the queue learns the reporter never heard the outcome: {queue_texts}")


async def test_vk_reporter_without_permission_901_ticket_resolves_and_nothing_breaks(
        emulator, vk_bot) -> None:
    vk_refuse_private(emulator, VK_MEMBER)
    card = await vk_report(emulator)
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Resolve"))
    await emulator.wait_for(lambda: "resolved" in vk_card(emulator).text)
    await emulator.wait_for(lambda: [c for c in emulator.calls
                                     if c.method == "messages.send" and c.error == 901])
    await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "I could not tell"))
    # the bot keeps working after the refusal: a second report files #2
    second = await vk_report(emulator, text="more spam at spam.example", author=778)
    assert "#2" in second.text
    outcome = "Your report #1 has been reviewed and resolved"
    assert not vk_said(emulator, VK_CHAT, outcome), "the outcome leaked into the public chat"


async def test_vk_moderator_is_told_when_the_reporter_could_not_be_informed(
        emulator, vk_bot) -> None:
    vk_refuse_private(emulator, VK_MEMBER)
    await vk_report(emulator)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!reject 1 fine")
    await emulator.wait_for(lambda: "rejected" in vk_card(emulator).text)
    await vk_settle(emulator)
    texts = [m.text for m in emulator.sent(VK_QUEUE)]
    assert any("#1" in t and ("could not" in t.lower() or "couldn't" in t.lower()
                              or "not informed" in t.lower() or "can't" in t.lower()
                              or "901" in t) for t in texts), (
        f"nobody in the queue learns the reporter never heard the outcome: {texts}")


async def test_tg_reporter_gets_exactly_one_ack_and_one_outcome(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="greeting")
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        rep = emu.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        card = card_of(emu)
        await tg_press(emu, card, ADMIN, "t:claim:")
        await tg_press(emu, card_of(emu), ADMIN, "t:resolve:")
        outcome = render("complaints.outcome_resolved", number=1, note="")
        await emu.wait_for(lambda: outcome in emu.sent_texts(MEMBER), what="the outcome")
        await settle(emu)
    assert replies_to(emu, GROUP, rep["message_id"]) == [render("complaints.ack", number=1)]
    assert emu.sent_texts(MEMBER).count(outcome) == 1
    # a claim is not an outcome: the reporter hears nothing else privately
    assert [t for t in emu.sent_texts(MEMBER) if "#1" in t or "ticket" in t.lower()] == [
        outcome], "a claim is not an outcome: the reporter hears only the verdict privately"


async def test_vk_reporter_gets_exactly_one_ack_and_the_note(emulator, vk_bot) -> None:
    await vk_report(emulator)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!take 1")
    await emulator.wait_for(lambda: "claimed" in vk_card(emulator).text)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!resolve #1 warned the author")
    told = await emulator.wait_for(lambda: vk_said(emulator, VK_MEMBER, "Your report #1"))
    await vk_settle(emulator)
    assert len(told) == 1 and "warned the author" in told[0]
    acks = vk_said(emulator, VK_CHAT, "#1")
    assert len(acks) == 1, acks


# ============================== what is reported ===========================================

async def test_tg_report_about_a_sticker_shows_what_was_posted(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        chat = emu.world.chat(GROUP)
        sticker = emu.world.new_message(chat, **{
            "from": emu.world.user(SPAMMER),
            "sticker": {"file_id": "stk1", "file_unique_id": "u1", "type": "regular",
                        "width": 512, "height": 512, "is_animated": False,
                        "is_video": False, "emoji": "🖕"}})
        emu.world.store(chat, sticker, from_bot=False)
        emu.user_message(GROUP, MEMBER, "/report rude sticker", reply_to=sticker["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    text = card_of(emu)["text"]
    assert "Message: —" not in text, f"the card does not say what was reported:\n{text}"


async def test_tg_report_about_a_photo_without_caption_has_a_link_and_placeholder(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        photo = emu.user_message(GROUP, SPAMMER, photo=True)
        emu.user_message(GROUP, MEMBER, "/report nsfw", reply_to=photo["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    text = card_of(emu)["text"]
    assert "[photo]" in text
    assert f"https://t.me/c/{str(GROUP).removeprefix('-100')}/{photo['message_id']}" in text \
        or "t.me/" in text


async def test_vk_report_about_a_photo_without_text_says_it_was_a_photo(
        emulator, vk_bot) -> None:
    photo = [{"type": "photo", "photo": {"owner_id": VK_SPAMMER, "id": 5}}]
    bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "", attachments=photo)
    # the emulator's reply_message drops attachments; VK sends them: build the update by hand
    peer = emulator.peer(VK_CHAT)
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(VK_CHAT, cmid, VK_MEMBER, "!report nsfw", reply_to=bad))
    emulator.push("message_new", {"message": {
        "date": 0, "from_id": VK_MEMBER, "id": 0, "out": 0, "peer_id": VK_CHAT,
        "text": "!report nsfw", "conversation_message_id": cmid, "fwd_messages": [],
        "attachments": [], "reply_message": {
            "conversation_message_id": bad, "from_id": VK_SPAMMER, "text": "",
            "peer_id": VK_CHAT, "attachments": photo}},
        "client_info": {"button_actions": ["text", "callback"], "keyboard": True,
                        "inline_keyboard": True}})
    card = (await emulator.wait_for(lambda: emulator.sent(VK_QUEUE)))[0]
    assert "Message: —" not in card.text, card.text
    assert "photo" in card.text.lower()


async def test_vk_report_about_a_sticker_says_what_was_posted(emulator, vk_bot) -> None:
    sticker = [{"type": "sticker", "sticker": {"product_id": 1, "sticker_id": 9}}]
    bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "", attachments=sticker)
    peer = emulator.peer(VK_CHAT)
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(VK_CHAT, cmid, VK_MEMBER, "!report", reply_to=bad))
    emulator.push("message_new", {"message": {
        "date": 0, "from_id": VK_MEMBER, "id": 0, "out": 0, "peer_id": VK_CHAT,
        "text": "!report", "conversation_message_id": cmid, "fwd_messages": [],
        "attachments": [], "reply_message": {
            "conversation_message_id": bad, "from_id": VK_SPAMMER, "text": "",
            "peer_id": VK_CHAT, "attachments": sticker}},
        "client_info": {"button_actions": ["text", "callback"], "keyboard": True,
                        "inline_keyboard": True}})
    card = (await emulator.wait_for(lambda: emulator.sent(VK_QUEUE)))[0]
    assert "Message: —" not in card.text, card.text


async def test_tg_report_about_a_forwarded_message_names_the_member_who_posted_it(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        fwd = emu.user_message(GROUP, SPAMMER, "forwarded scam: send 1 BTC get 2",
                               forwarded_from=12345)
        emu.user_message(GROUP, MEMBER, "/report scam", reply_to=fwd["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        card = card_of(emu)
        answer = await tg_press(emu, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: emu.calls_of("banChatMember", ok=None), what="the ban")
    assert answer["text"] == render("complaints.done_ban", number=1)
    (ban,) = emu.calls_of("banChatMember", ok=None)
    assert int(ban.params["user_id"]) == SPAMMER, "the forwarder (who posted it) is banned"
    assert "send 1 BTC" in card["text"]


async def test_tg_report_about_an_anonymous_admin_offers_no_ban(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        anon = emu.user_message(GROUP, ADMIN, "the rules changed", sender_chat=GROUP)
        emu.user_message(GROUP, MEMBER, "/report", reply_to=anon["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    card = card_of(emu)
    assert "ban" not in tg_buttons(card), f"Ban author offered for the group itself: {card}"
    assert render("complaints.card_against_moderator").strip() in card["text"]


async def test_tg_report_about_the_bots_own_message_offers_no_ban_of_the_bot(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        help_cmd = emu.user_message(GROUP, OTHER_MEMBER, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, help_cmd["message_id"]),
                           what="the bot's answer")
        bot_msg = [m for m in emu.sent_messages(GROUP)][-1]
        emu.user_message(GROUP, MEMBER, "/report annoying bot", reply_to=bot_msg["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE)
                           or len(emu.sent_messages(GROUP)) > 1, what="card or reply")
        await settle(emu)
    cards = emu.sent_messages(QUEUE)
    if cards:
        assert "ban" not in tg_buttons(cards[0]), (
            f"the card offers to ban the bot itself: {cards[0]['reply_markup']}")


async def test_vk_report_about_the_communitys_own_message_offers_no_ban(
        emulator, vk_bot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "/help")
    sent = await emulator.wait_for(lambda: emulator.sent(VK_CHAT))
    emulator.post_message(VK_CHAT, 555, "!report the bot spams", reply_to=sent[-1].cmid)
    await vk_settle(emulator)
    await vk_settle(emulator)
    cards = [m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]
    if cards:
        assert not [label for label in vk_labels(cards[0]) if "Ban" in label], (
            f"the card offers to ban the community itself: {vk_labels(cards[0])}")


async def test_tg_message_deleted_by_its_author_then_ban_still_bans_and_resolves(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await tg_report(emu)
        # the author deletes it themselves: Telegram no longer knows the message
        del emu.world.messages[(GROUP, bad["message_id"])]
        await tg_press(emu, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card_of(emu)["text"],
                           what="resolved after ban")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert int(ban.params["user_id"]) == SPAMMER


async def test_tg_delete_button_on_a_message_already_gone_keeps_ticket_workable(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await tg_report(emu)
        del emu.world.messages[(GROUP, bad["message_id"])]
        await tg_press(emu, card, ADMIN, "t:del:")
        await emu.wait_for(lambda: emu.calls_of("deleteMessage", ok=False), what="the failure")
        answer = await tg_press(emu, card_of(emu), ADMIN, "t:resolve:")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card_of(emu)["text"],
                           what="resolved")
    assert answer["text"] == render("complaints.done_resolve", number=1)


async def test_tg_message_edited_after_the_report_card_keeps_the_reported_text(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, _card = await tg_report(emu, text="send me 100$ or I leak your photos")
        emu.edit_user_message(GROUP, bad["message_id"], "hello everyone")
        second = emu.user_message(GROUP, OTHER_MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, second["message_id"]), what="ack")
        await emu.wait_for(lambda: "reports: 2" in card_of(emu)["text"], what="merged")
    text = card_of(emu)["text"]
    assert "leak your photos" in text, f"the evidence was replaced by the edit:\n{text}"
    assert len(emu.sent_messages(QUEUE)) == 1


async def test_tg_report_of_a_message_from_before_the_bot_started(make_app, emu) -> None:
    """The reported message never reached the bot (posted before it started): the reply
    still carries it, so a ticket is filed with its text and author."""
    chat = emu.world.chat(GROUP)
    old = emu.world.new_message(chat, **{"from": emu.world.user(SPAMMER),
                                         "text": "ancient spam at spam.example"})
    emu.world.store(chat, old, from_bot=False)
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        emu.user_message(GROUP, MEMBER, "/report old spam", reply_to=old["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    text = card_of(emu)["text"]
    assert "ancient spam" in text and str(SPAMMER) in text


# ============================== working the queue ==========================================

async def test_tg_resolve_and_reject_pressed_at_once_one_wins_reporter_told_once(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:resolve:"))
        q2 = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, tg_button(card, "t:reject:"))
        await emu.wait_for(lambda: emu.world.callbacks[q1].get("answered")
                           and emu.world.callbacks[q2].get("answered"), what="both answers")
        await settle(emu)
    a1 = emu.world.callbacks[q1]["answered"]["text"]
    a2 = emu.world.callbacks[q2]["answered"]["text"]
    assert a1 == render("complaints.done_resolve", number=1)
    assert a2.startswith("Ticket #1 is already closed"), a2  # with who decided it, a moment ago
    assert emu.world.callbacks[q2]["answered"]["show_alert"]
    assert render("complaints.state_resolved") in card_of(emu)["text"]
    outcomes = [t for t in emu.sent_texts(MEMBER) if "Your report #1" in t]
    assert len(outcomes) <= 1


async def test_vk_resolve_and_reject_pressed_at_once_one_wins(emulator, vk_bot) -> None:
    card = await vk_report(emulator)
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Resolve"))
    emulator.press(VK_QUEUE, VK_SECOND_MOD, card.cmid, vk_button(card, "Reject"))
    await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
    await vk_settle(emulator)
    text = vk_card(emulator).text
    assert ("resolved" in text) != ("rejected" in text), text
    told = [m.text for m in emulator.sent(VK_MEMBER) if "Your report #1" in m.text]
    assert len(told) == 1, told
    answers = emulator.calls_to("messages.sendMessageEventAnswer")
    shown = [json.loads(a.params.get("event_data", "{}")).get("text", "") for a in answers]
    assert any("already closed" in s for s in shown), shown


async def test_tg_card_buttons_follow_the_state_and_name_who_acted(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        assert tg_buttons(card) == ["claim", "resolve", "reject", "del", "ban"]
        await tg_press(emu, card, ADMIN, "t:claim:")
        await emu.wait_for(lambda: render("complaints.state_claimed") in card_of(emu)["text"],
                           what="claimed")
        claimed = card_of(emu)
        assert "claim" not in tg_buttons(claimed) and "resolve" in tg_buttons(claimed)
        assert f"User{ADMIN}" in claimed["text"] or str(ADMIN) in claimed["text"]
        await tg_press(emu, claimed, ADMIN, "t:reject:")
        await emu.wait_for(lambda: render("complaints.state_rejected") in card_of(emu)["text"],
                           what="rejected")
        assert tg_buttons(card_of(emu)) == ["reopen"]
        await tg_press(emu, card_of(emu), LISTED_MODERATOR, "t:reopen:")
        await emu.wait_for(lambda: render("complaints.state_new") in card_of(emu)["text"],
                           what="reopened")
    assert tg_buttons(card_of(emu)) == ["claim", "resolve", "reject", "del", "ban"]
    cards = [m for m in emu.sent_messages(QUEUE) if "Ticket #" in m.get("text", "")]
    assert len(cards) == 1, "the card is edited in place, never re-posted"


async def test_vk_card_buttons_follow_the_state(emulator, vk_bot) -> None:
    card = await vk_report(emulator)
    assert [label for label in vk_labels(card)] == [
        "Claim", "Resolve", "Reject", "Delete message", "Ban author"]
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Reject"))
    await emulator.wait_for(lambda: "rejected" in vk_card(emulator).text)
    assert vk_labels(vk_card(emulator)) == ["Reopen"]
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(vk_card(emulator), "Reopen"))
    await emulator.wait_for(lambda: "· new" in vk_card(emulator).text)
    assert "Claim" in vk_labels(vk_card(emulator))


async def test_tg_stale_resolve_button_after_reject_is_refused_and_card_unchanged(
        make_app, emu) -> None:
    """Two moderators had the card open; one rejects; the other's old Resolve button must
    not silently override the verdict nor tell the reporter twice."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        old_resolve = tg_button(card, "t:resolve:")
        await tg_queue_command(emu, ADMIN, "/reject 1 fine")
        await emu.wait_for(lambda: render("complaints.state_rejected") in card_of(emu)["text"],
                           what="rejected")
        qid = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, old_resolve)
        await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what="answer")
        await settle(emu)
    assert emu.world.callbacks[qid]["answered"]["text"].startswith("Ticket #1 is already closed")
    assert render("complaints.state_rejected") in card_of(emu)["text"]


async def test_tg_queue_lists_oldest_first_with_claim_state_and_skips_closed(
        make_app, emu, tg_clock) -> None:
    from datetime import timedelta
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu, text="first spam one")
        tg_clock.advance(timedelta(minutes=10))
        await tg_report(emu, text="second spam two", author=445)
        tg_clock.advance(timedelta(minutes=10))
        await tg_report(emu, text="third spam three", author=446)
        await tg_queue_command(emu, ADMIN, "/take 2")
        await tg_queue_command(emu, ADMIN, "/resolve 3 gone")
        listing = await tg_queue_command(emu, LISTED_MODERATOR, "/queue")
    (text,) = listing
    lines = [line for line in text.splitlines() if line.startswith("#")]
    assert [line.split(" ")[0] for line in lines] == ["#1", "#2"], text
    assert render("complaints.state_claimed") in lines[1]
    assert f"User{ADMIN}" in lines[1] or str(ADMIN) in lines[1], lines[1]
    assert "20" in lines[0] or "0:20" in lines[0], f"age of the oldest not shown: {lines[0]}"


@pytest.mark.parametrize("command,key", [
    ("/resolve 7 done", "complaints.not_found"),
    ("/take #0", "complaints.not_found"),
    ("/reopen 1", "complaints.refused_already_open"),
    ("/abuse 1", "complaints.abuse_marked"),
    ("/resolve", "complaints.usage"),
])
async def test_tg_queue_commands_with_wrong_numbers_and_states(make_app, emu,
                                                               command, key) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        replies = await tg_queue_command(emu, ADMIN, command)
    params: dict[str, object] = {
        "complaints.not_found": {"number": [*command.split(), ""][1]},
        "complaints.refused_already_open": {"number": 1},
        "complaints.abuse_marked": {"who": f"telegram:{MEMBER}"},
        "complaints.usage": {"command": "/resolve"},
    }[key]
    expected = render(key, **params)
    assert replies == [expected]


async def test_tg_resolving_a_closed_ticket_by_text_is_refused(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        await tg_queue_command(emu, ADMIN, "/resolve 1 ok")
        again = await tg_queue_command(emu, LISTED_MODERATOR, "/reject 1 no")
        await settle(emu)
    assert len(again) == 1 and again[0].startswith("Ticket #1 is already closed"), again
    outcomes = [t for t in emu.sent_texts(MEMBER) if "Your report #1" in t]
    assert len(outcomes) <= 1


TWO_COMMUNITIES = """
[[community]]
name = "other"
language = "en"
timezone = "UTC"
chats = ["telegram:-1003"]
moderators = ["telegram:901"]
queue = "telegram:-2004"
"""


async def test_tg_a_moderator_of_another_community_cannot_work_our_ticket(
        make_app, emu) -> None:
    emu.group(-1003, title="Other", admins=(901,))
    emu.group(-2004, title="Other queue", admins=(901,))
    app = await make_app(tail=TWO_COMMUNITIES)
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        # the other community's moderator, in the other community's queue
        cmd = emu.user_message(-2004, 901, "/resolve 1 not mine")
        await emu.wait_for(lambda: replies_to(emu, -2004, cmd["message_id"]), what="reply")
        # and pressing our card's button from our queue, where they are no moderator
        qid = emu.press(QUEUE, card["message_id"], 901, tg_button(card, "t:resolve:"))
        await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what="answer")
        await settle(emu)
    assert replies_to(emu, -2004, cmd["message_id"]) == [
        render("complaints.not_found", number="1")]
    assert render("complaints.state_new") in card_of(emu)["text"]


# ============================== reporter limits ============================================

async def test_tg_abusive_reporter_is_ignored_but_others_report_the_same_message(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        await tg_queue_command(emu, ADMIN, "/abuse 1")
        bad = emu.user_message(GROUP, 445, "new spam at spam.example")
        ignored = emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, ignored["message_id"]), what="ack")
        honest = emu.user_message(GROUP, OTHER_MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: len(emu.sent_messages(QUEUE)) >= 2, what="card #2")
        await emu.wait_for(lambda: replies_to(emu, GROUP, honest["message_id"]), what="ack 2")
        await settle(emu)
    assert replies_to(emu, GROUP, ignored["message_id"]) == [render("complaints.ack_neutral")]
    cards = [m for m in emu.sent_messages(QUEUE) if m.get("text", "").startswith("Ticket #")]
    assert len(cards) == 2 and "#2" in cards[1]["text"]
    assert "reports: 1" in cards[1]["text"]
    assert replies_to(emu, GROUP, honest["message_id"]) == [render("complaints.ack", number=2)]


async def test_vk_abuse_then_unabuse_by_bang_commands(emulator, vk_bot) -> None:
    await vk_report(emulator)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!abuse 1")
    await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "ignore reports"))
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report", reply_to=emulator.post_message(
        VK_CHAT, 778, "other spam"))
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "has been noted"))
    assert len([m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]) == 1
    emulator.post_message(VK_QUEUE, VK_MODERATOR, f"!unabuse vk:{VK_MEMBER}")
    await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "accepted again"))
    await vk_report(emulator, text="third spam", author=779)
    assert "#2" in vk_card(emulator, 1).text


async def test_vk_duplicate_report_by_the_same_member_is_not_counted_twice(
        emulator, vk_bot) -> None:
    bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers")
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report", reply_to=bad)
    await emulator.wait_for(lambda: emulator.sent(VK_QUEUE))
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report again", reply_to=bad)
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "already reported"))
    emulator.post_message(VK_CHAT, 556, "/report", reply_to=bad)
    await emulator.wait_for(lambda: "reports: 2" in vk_card(emulator).text)
    assert len([m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]) == 1


async def test_vk_rate_limit_tells_the_reporter_and_files_nothing(
        emulator, tmp_path, clock) -> None:
    text = vk_config_text(emulator, community_extra=(
        '\n[community.complaints]\nrate_limit = 2\nrate_window = "1h"\n'))
    running = VkBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    try:
        for n in range(2):
            await vk_report(emulator, text=f"spam {n}", author=780 + n)
        bad = emulator.post_message(VK_CHAT, 790, "spam 3")
        emulator.post_message(VK_CHAT, VK_MEMBER, "!report", reply_to=bad)
        await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "too many reports"))
        await vk_settle(emulator)
    finally:
        await running.stop()
    assert len([m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]) == 2


# ============================== audit ======================================================

async def test_tg_every_step_is_in_modbot_audit_with_who(make_app, emu, tmp_path) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        await tg_press(emu, card, ADMIN, "t:claim:")
        await tg_queue_command(emu, LISTED_MODERATOR, "/reject 1 not spam")
        await tg_queue_command(emu, ADMIN, "/reopen 1")
        await tg_press(emu, card_of(emu), ADMIN, "t:del:")
        await tg_queue_command(emu, ADMIN, "/abuse 1")
        await settle(emu)
    await app.close()
    code, out, err = await run_cli("audit", "--config", str(tmp_path / "config.toml"),
                                   "--community", "demo", "--since", "1d")
    assert code == 0, err
    lines = out.splitlines()

    def line_with(word: str) -> str:
        hits = [line for line in lines if word in line]
        assert hits, f"`modbot audit` has no {word!r} line:\n{out}"
        return hits[0]

    assert str(ADMIN) in line_with("ticket.claim")
    assert str(LISTED_MODERATOR) in line_with("ticket.reject")
    assert "not spam" in line_with("ticket.reject")
    assert str(ADMIN) in line_with("ticket.reopen")
    assert str(ADMIN) in line_with("reporter_abusive")
    assert str(MEMBER) in line_with("reporter_abusive")
    assert any("delete" in line and str(ADMIN) in line and "#1" in line for line in lines), out


async def test_tg_filing_a_report_is_in_the_audit(make_app, emu, tmp_path) -> None:
    """"Every transition is stored with who and when": the report itself (who reported whom)
    is the first step of the ticket's story."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        await settle(emu)
    await app.close()
    code, out, err = await run_cli("audit", "--config", str(tmp_path / "config.toml"),
                                   "--community", "demo", "--since", "1d")
    assert code == 0, err
    assert any(str(MEMBER) in line and ("report" in line or "open" in line)
               for line in out.splitlines()), f"the report is not in the audit:\n{out}{err}"


# ============================== restart ====================================================

async def test_tg_claim_survives_a_restart_and_queue_shows_it(make_app, emu) -> None:
    first = await make_app("first")
    async with RunningBot(first, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        await tg_press(emu, card, ADMIN, "t:claim:")
        await emu.wait_for(lambda: render("complaints.state_claimed") in card_of(emu)["text"],
                           what="claimed")
    await first.close()
    second = await make_app("second")
    async with RunningBot(second, fast_options(FakeTime())):
        listing = await tg_queue_command(emu, LISTED_MODERATOR, "/queue")
        answer = await tg_press(emu, card_of(emu), LISTED_MODERATOR, "t:reject:")
        await emu.wait_for(lambda: render("complaints.state_rejected") in card_of(emu)["text"],
                           what="rejected")
    assert render("complaints.state_claimed") in listing[0]
    assert answer["text"] == render("complaints.done_reject", number=1)


async def test_vk_reject_button_after_a_restart_works_and_reporter_is_told(
        emulator, tmp_path, clock) -> None:
    config = write_vk_config(tmp_path, vk_config_text(emulator))
    first = VkBot(config, clock, emulator, instance_id="one")
    await first.start()
    try:
        card = await vk_report(emulator)
        emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Claim"))
        await emulator.wait_for(lambda: "claimed" in vk_card(emulator).text)
    finally:
        await first.stop()
    second = VkBot(config, clock, emulator, instance_id="two")
    await second.start()
    try:
        card = vk_card(emulator)
        emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Reject"))
        await emulator.wait_for(lambda: "rejected" in vk_card(emulator).text)
        told = await emulator.wait_for(lambda: vk_said(emulator, VK_MEMBER, "Your report #1"))
        await vk_settle(emulator)
    finally:
        await second.stop()
    assert len(told) == 1
    assert len([m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]) == 1


# ============================== more: merged reporters, topics, long input, races ==========

async def test_tg_every_merged_reporter_hears_the_outcome_once(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        for user in (MEMBER, OTHER_MEMBER):
            emu.user_message(user, user, "/start")
            await emu.wait_for(lambda u=user: emu.sent_texts(u), what="greeting")
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        emu.user_message(GROUP, OTHER_MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: "reports: 2" in card_of(emu)["text"], what="merged")
        await tg_queue_command(emu, ADMIN, "/resolve 1 removed")
        outcome = render("complaints.outcome_resolved", number=1,
                         note=render("complaints.outcome_note", note="removed"))
        await emu.wait_for(lambda: outcome in emu.sent_texts(MEMBER)
                           and outcome in emu.sent_texts(OTHER_MEMBER), what="both told")
        await settle(emu)
    assert emu.sent_texts(MEMBER).count(outcome) == 1
    assert emu.sent_texts(OTHER_MEMBER).count(outcome) == 1


async def test_tg_report_in_a_forum_topic_is_acknowledged_in_that_topic(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "spam in the topic", thread_id=77)
        rep = emu.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"],
                               thread_id=77)
        await emu.wait_for(lambda: replies_to(emu, GROUP, rep["message_id"]), what="ack")
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        card = card_of(emu)
        await tg_press(emu, card, ADMIN, "t:del:")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
    acks = [c for c in emu.calls_of("sendMessage") if c.result["chat"]["id"] == GROUP]
    assert acks and int(acks[0].params.get("message_thread_id") or 0) == 77


async def test_tg_huge_reported_text_and_reason_still_make_a_card(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "SPAM " * 800,
                               first_name="𝔖𝔭𝔞𝔪𝔪𝔢𝔯" * 20)
        rep = emu.user_message(GROUP, MEMBER, "/report " + "this is abuse " * 300,
                               reply_to=bad["message_id"], first_name="Ж" * 64)
        await emu.wait_for(lambda: replies_to(emu, GROUP, rep["message_id"]), what="ack")
        await settle(emu)
    cards = emu.sent_messages(QUEUE)
    assert len(cards) == 1, f"no card; failed calls: {emu.calls_of('sendMessage', ok=False)}"
    assert len(cards[0]["text"]) <= 4096 and "#1" in cards[0]["text"]
    assert replies_to(emu, GROUP, rep["message_id"]) == [render("complaints.ack", number=1)]


async def test_tg_ban_pressed_twice_at_once_bans_once(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        q1 = emu.press(QUEUE, card["message_id"], ADMIN, tg_button(card, "t:ban:"))
        q2 = emu.press(QUEUE, card["message_id"], LISTED_MODERATOR, tg_button(card, "t:ban:"))
        await emu.wait_for(lambda: emu.world.callbacks[q1].get("answered")
                           and emu.world.callbacks[q2].get("answered"), what="answers")
        await settle(emu)
    assert len(emu.calls_of("banChatMember", ok=None)) == 1
    # the second press comes while the ban is on its way, or after it closed the ticket
    second = emu.world.callbacks[q2]["answered"]["text"]
    assert second == render("complaints.refused_ban_pending", number=1) \
        or second.startswith("Ticket #1 is already closed"), second
    assert len([t for t in emu.sent_texts(MEMBER) if "#1" in t]) <= 1


async def test_tg_abusive_reporter_private_complaint_is_ignored_too(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        cmd = emu.user_message(QUEUE, ADMIN, "/abuse", reply_to=card["message_id"])
        await emu.wait_for(lambda: replies_to(emu, QUEUE, cmd["message_id"]), what="marked")
        emu.user_message(MEMBER, MEMBER, "/complaint the admins are corrupt")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="private ack")
        await settle(emu)
    assert replies_to(emu, QUEUE, cmd["message_id"]) == [
        render("complaints.abuse_marked", who=f"telegram:{MEMBER}")]
    assert emu.sent_texts(MEMBER) == [render("complaints.ack_neutral")]
    assert len([m for m in emu.sent_messages(QUEUE) if "Ticket #" in m.get("text", "")]) == 1


async def test_vk_report_by_forwarding_the_message_files_a_ticket(emulator, vk_bot) -> None:
    """On VK one points at a message by forwarding it with the command."""
    bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers now")
    peer = emulator.peer(VK_CHAT)
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(VK_CHAT, cmid, VK_MEMBER, "!report spam"))
    emulator.push("message_new", {"message": {
        "date": 0, "from_id": VK_MEMBER, "id": 0, "out": 0, "peer_id": VK_CHAT,
        "text": "!report spam", "conversation_message_id": cmid, "attachments": [],
        "fwd_messages": [{"from_id": VK_SPAMMER, "text": "buy followers now", "date": 0,
                          "peer_id": VK_CHAT, "conversation_message_id": bad}]},
        "client_info": {"button_actions": ["text", "callback"], "keyboard": True,
                        "inline_keyboard": True}})
    card = (await emulator.wait_for(lambda: emulator.sent(VK_QUEUE)))[0]
    assert "#1" in card.text and "buy followers now" in card.text
    assert str(VK_SPAMMER) in card.text
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Delete"))
    delete = (await emulator.wait_calls("messages.delete"))[0]
    assert delete["cmids"] == str(bad)


async def test_vk_queue_by_bang_command_lists_open_tickets_with_claimer(
        emulator, vk_bot, clock) -> None:
    from datetime import timedelta
    await vk_report(emulator, text="spam one")
    clock.advance(timedelta(minutes=5))
    await vk_report(emulator, text="spam two", author=778)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!take #2")
    await emulator.wait_for(lambda: "claimed" in vk_card(emulator, 1).text)
    emulator.post_message(VK_QUEUE, VK_SECOND_MOD, "!queue")
    listing = await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "Open tickets"))
    lines = [line for line in listing[0].splitlines() if line.startswith("#")]
    assert [line.split(" ")[0] for line in lines] == ["#1", "#2"], listing[0]
    assert "claimed" in lines[1] and str(VK_MODERATOR) in lines[1], lines[1]


async def test_vk_wrong_ticket_numbers_by_bang_commands(emulator, vk_bot) -> None:
    await vk_report(emulator)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!resolve 5 done")
    await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "can't find ticket"))
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!reject 1")
    await emulator.wait_for(lambda: "rejected" in vk_card(emulator).text)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!resolve 1")
    await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "already closed"))
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!reopen №1")
    await emulator.wait_for(lambda: vk_said(emulator, VK_QUEUE, "open again"))
    assert "· new" in vk_card(emulator).text


async def test_tg_pressing_ban_on_a_report_about_the_bot_does_not_ban_the_bot(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        help_cmd = emu.user_message(GROUP, OTHER_MEMBER, "/help")
        await emu.wait_for(lambda: replies_to(emu, GROUP, help_cmd["message_id"]),
                           what="the bot's answer")
        bot_msg = emu.sent_messages(GROUP)[-1]
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bot_msg["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        card = card_of(emu)
        if "ban" not in tg_buttons(card):
            return
        answer = await tg_press(emu, card, ADMIN, "t:ban:")
        await settle(emu)
    tried = [c for c in emu.calls_of("banChatMember", ok=None)
             if int(c.params["user_id"]) == BOT_ID]
    assert not tried, f"the bot tried to ban itself; the moderator was told {answer}"
    assert answer["text"] != render("complaints.done_ban", number=1)


async def test_vk_report_ack_is_removed_after_ack_ttl(emulator, vk_bot, clock) -> None:
    from datetime import timedelta
    await vk_report(emulator)
    ack = await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT) if "#1" in m.text])
    clock.advance(timedelta(minutes=2))
    await emulator.wait_for(lambda: ack[0].deleted, timeout=20)
    assert not emulator.peer(VK_CHAT).messages[0].deleted, "only the ack goes, not the evidence"


async def test_vk_pressing_ban_on_a_report_about_the_community_does_not_act_on_itself(
        emulator, vk_bot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "/help")
    sent = await emulator.wait_for(lambda: emulator.sent(VK_CHAT))
    emulator.post_message(VK_CHAT, 555, "!report the bot spams", reply_to=sent[-1].cmid)
    card = (await emulator.wait_for(lambda: emulator.sent(VK_QUEUE)))[0]
    labels = vk_labels(card)
    if not [label for label in labels if "Ban" in label]:
        return
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Ban author"))
    await emulator.wait_calls("messages.sendMessageEventAnswer")
    await vk_settle(emulator)
    on_self = [c for c in emulator.calls
               if c.method in ("groups.ban", "messages.removeChatUser")
               and str(emulator.group_id) in (c.params.get("owner_id", "").lstrip("-"),
                                              c.params.get("member_id", "").lstrip("-"))]
    assert not on_self, f"the bot acted against its own community: {on_self}"
    assert -emulator.group_id in emulator.peer(VK_CHAT).members, "the bot removed itself"


async def test_tg_delete_then_ban_deletes_the_message_once(make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await tg_report(emu)
        await tg_press(emu, card, ADMIN, "t:del:")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
        await tg_press(emu, card_of(emu), ADMIN, "t:ban:")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card_of(emu)["text"],
                           what="resolved")
        await settle(emu)
    deletes = [c for c in emu.calls_of("deleteMessage", ok=None)
               if int(c.params["message_id"]) == bad["message_id"]]
    assert len(deletes) == 1, deletes
    assert len(emu.calls_of("banChatMember")) == 1


async def test_vk_report_against_a_chat_admin_is_marked_and_offers_no_ban(
        emulator, vk_bot) -> None:
    emulator.set_admins(VK_CHAT, 600)
    card = await vk_report(emulator, author=600, text="admin being rude")
    assert "about a moderator" in card.text
    assert not [label for label in vk_labels(card) if "Ban" in label], vk_labels(card)


async def test_vk_report_is_rejected_from_the_telegram_queue_and_the_vk_reporter_is_told(
        tmp_path, emulator) -> None:
    from bot.config import load_config as load
    from bot.runtime.run import run_bot

    async with TelegramEmulator(TOKEN) as tg:
        tg.group(QUEUE, title="Queue", admins=(ADMIN,))
        path = tmp_path / "config.toml"
        path.write_text(f"""
[database]
url = "sqlite+aiosqlite:///modbot.db"

[telegram]
token = "{TOKEN}"
api_base = "{tg.api_base}"
poll_timeout = 1

[vk]
token = "{emulator.token}"
user_token = "{emulator.user_token}"
group_id = {emulator.group_id}
api_base = "{emulator.api_base}"
poll_wait = 1

[[community]]
name = "club"
language = "en"
chats = ["vk:{VK_CHAT}"]
queue = "telegram:{QUEUE}"
""", encoding="utf-8")
        stop = asyncio.Event()
        task = asyncio.create_task(run_bot(load(path), stop))
        try:
            await tg.wait_for(lambda: emulator.calls_to("longpoll.check"), timeout=20,
                              what="the VK long poll")
            bad = emulator.post_message(VK_CHAT, VK_SPAMMER, "buy followers")
            emulator.post_message(VK_CHAT, VK_MEMBER, "!report spam", reply_to=bad)
            await tg.wait_for(lambda: tg.sent_messages(QUEUE), timeout=20, what="the card")
            cmd = tg.user_message(QUEUE, ADMIN, "/reject 1 just an ad, allowed here")
            await tg.wait_for(lambda: replies_to(tg, QUEUE, cmd["message_id"]), timeout=20,
                              what="done")
            told = await tg.wait_for(lambda: [m.text for m in emulator.sent(VK_MEMBER)
                                              if "Your report #1" in m.text],
                                     timeout=20, what="the VK reporter told")
            await tg.wait_for(lambda: render("complaints.state_rejected")
                              in tg.sent_messages(QUEUE)[0]["text"], timeout=20,
                              what="card edited")
        finally:
            stop.set()
            assert await asyncio.wait_for(task, 60) == 0
    assert len(told) == 1 and "just an ad, allowed here" in told[0]
    assert len([m for m in emulator.sent(VK_CHAT) if "#1" in m.text]) == 1, "one ack on VK"
