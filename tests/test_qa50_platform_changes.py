"""QA round 50: the platform changes under the bot, mid-run, on both networks.

The bot is running (in-process, the real Telegram and VK adapters against the local
emulators, the injected clock) when the people who own the chats change things: the bot is
demoted or loses single rights, is removed from a community chat or from the queue chat, a
forum topic it posts to is closed or deleted, the Telegram token is revoked, the VK token stops
working or loses a permission, the chat of a reported message disappears.

What a Rose / Combot owner expects (README "If the platform refuses an action for good…",
"Removed from one of its chats, it tells the queue chat", "A permanent error (bot not in the
chat, no right to post) marks the occurrence failed and tells the queue chat", "Nothing that
reached the bot is lost", the complaint buttons' refusals; issue #8/#9 "never drops an action
silently", "a notice to the queue chat where a human must act"): a clear notice in the queue
(or the log when the queue itself is gone) saying what the bot can no longer do, said once and
not on every message, no crash and no busy loop, nothing lost that can still be done, and the
bot carries on by itself when the right is given back.
"""

from __future__ import annotations

import asyncio
import json
import logging
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator, methods
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import replies_to, settle, wall_clock
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MEMBER as VK_MEMBER
from vk_emulator.harness import MODERATOR as VK_MOD
from vk_emulator.harness import QUEUE as VK_QUEUE
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config
from vk_emulator.server import ChatMessage
from vk_emulator.wire import said
from vk_emulator.wire import settle as vk_settle

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.schedule import service_for

OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_2 = "Это просто пиздец какой-то"
NEW_TOKEN = "123456:NEW-TOKEN-zyxwvutsrqponmlkjihgfedcba"  # same bot, token regenerated
NOT_ADMIN = "I need to be an admin with that right here"
NOT_ADMIN_THERE = "I need to be an admin with that right there"  # as the queue reads it
CHAT_GONE = "the bot is not in that chat (removed, or the chat is gone)"
TOPIC = 45


# ============================================================================================
# Telegram plumbing
# ============================================================================================

@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(**config_parts: str) -> App:
        return await make_tg_app("qa50", "en", **config_parts)

    return make


def failures(texts: list[str]) -> list[str]:
    return [t for t in texts if t.startswith("I could not")]


def bot_status_update(emu: TelegramEmulator, chat_id: int, status: str) -> None:
    """A my_chat_member update: an admin of `chat_id` changes the bot's status there (and the
    emulated chat follows, so later calls are answered accordingly)."""
    chat = emu.world.chats[chat_id]
    old = emu.world.member_json(chat, emu.world.bot_id)
    chat.bot_status = status
    new = emu.world.member_json(chat, emu.world.bot_id)
    if status == "kicked":
        new = {"status": "kicked", "user": emu.world.bot_user, "until_date": 0}
    emu.inject_raw({"my_chat_member": {
        "chat": chat.as_json(), "from": emu.world.user(ADMIN),
        "date": int(emu.world.clock()), "old_chat_member": old, "new_chat_member": new}})


def tg_button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


async def tg_press(emu: TelegramEmulator, card: dict[str, Any], who: int, prefix: str) -> None:
    qid = emu.press(QUEUE, card["message_id"], who, tg_button(card, prefix))
    await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what=f"{prefix} answer")


async def drain(app: App, clock: FakeClock, step: timedelta = timedelta(seconds=30),
                rounds: int = 4) -> None:
    """Let the outbox's delayed retries come due (the injected clock moves, not real time)."""
    for _ in range(rounds):
        clock.advance(step)
        await app.pipeline.drain()


# ============================================================================================
# Telegram: rights taken away in a community chat
# ============================================================================================

async def test_tg_delete_right_taken_mid_run_is_told_once_and_deleting_resumes_when_given_back(
        make_app, emu, fake) -> None:
    """An admin unticks "Delete messages" while the bot runs. Three members swear: the
    moderators hear once (queue and chat), not three times; the warnings still count; once the
    right is back the next obscene message is deleted without any further notice."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, first["message_id"]), what="delete")
        emu.world.chats[GROUP].bot_rights["can_delete_messages"] = False
        kept = [emu.user_message(GROUP, uid, OBSCENE_2) for uid in (OTHER_MEMBER, 444, 445)]
        await emu.wait_for(lambda: failures(emu.sent_texts(QUEUE)), what="the queue notice")
        await settle(emu)
        emu.world.chats[GROUP].bot_rights["can_delete_messages"] = True
        later = emu.user_message(GROUP, 446, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, later["message_id"]), what="resumed")
        await settle(emu)
    assert failures(emu.sent_texts(QUEUE)) == [
        f"I could not delete a message in Demo (telegram:{GROUP}): {NOT_ADMIN_THERE}."], \
        emu.sent_texts(QUEUE)
    assert len(failures(emu.sent_texts(GROUP))) == 1, emu.sent_texts(GROUP)
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in kept)
    warned = [t for t in emu.sent_texts(GROUP) if "Warning 1 of 4" in t]
    assert len(warned) == 5, emu.sent_texts(GROUP)


async def test_tg_without_the_delete_right_members_are_not_told_a_message_was_removed(
        make_app, emu, fake) -> None:
    """Once a delete was refused for want of the right, the next offender reads that the
    message breaks the rules (it stays), not that it was removed; when the right is back and
    a delete works again, members read "removed" again."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.world.chats[GROUP].bot_rights["can_delete_messages"] = False
        emu.user_message(GROUP, MEMBER, OBSCENE)
        await emu.wait_for(lambda: failures(emu.sent_texts(QUEUE)), what="the queue notice")
        await settle(emu)
        stays = emu.user_message(GROUP, OTHER_MEMBER, OBSCENE_2)
        await emu.wait_for(lambda: [t for t in emu.sent_texts(GROUP) if "breaks the rules" in t],
                           what="the notice for a message that stays")
        await settle(emu)
        emu.world.chats[GROUP].bot_rights["can_delete_messages"] = True
        back = emu.user_message(GROUP, 444, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, back["message_id"]), what="deleted")
        await settle(emu)
        after = emu.user_message(GROUP, 445, OBSCENE_2)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, after["message_id"]), what="deleted")
        await settle(emu)
    assert not emu.is_deleted(GROUP, stays["message_id"])
    notices = [t for t in emu.sent_texts(GROUP) if "Warning 1 of 4" in t]
    assert len(notices) == 4, notices
    assert "breaks the rules" in notices[1] and "removed" not in notices[1], notices
    assert "your message was removed" in notices[3], notices


async def test_tg_queue_notice_says_which_chat_lost_the_right(make_app, emu, fake) -> None:
    """In the queue chat "I need to be an admin with that right here" points at the queue
    itself. An owner with several chats must read there WHICH chat needs the right back."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.world.chats[GROUP].bot_rights["can_delete_messages"] = False
        emu.user_message(GROUP, MEMBER, OBSCENE)
        await emu.wait_for(lambda: failures(emu.sent_texts(QUEUE)), what="the queue notice")
    (notice,) = failures(emu.sent_texts(QUEUE))
    assert "Demo" in notice or str(GROUP) in notice, notice


async def test_tg_restrict_right_taken_mute_fails_once_and_works_again_when_given_back(
        make_app, emu, fake) -> None:
    """"Ban users" is taken away: a moderator's /mute fails and the queue hears it once, a
    second failed /mute adds no second notice; the failed mute is not remembered as done, so
    after the right is given back the same /mute restricts the member."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
        bob = emu.user_message(GROUP, MEMBER, "buy now", username="bob")
        emu.user_message(GROUP, ADMIN, "/mute 10m spam", reply_to=bob["message_id"])
        await emu.wait_for(lambda: failures(emu.sent_texts(QUEUE)), what="the queue notice")
        carl = emu.user_message(GROUP, OTHER_MEMBER, "buy now too", username="carl")
        emu.user_message(GROUP, ADMIN, "/mute 10m spam", reply_to=carl["message_id"])
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember", ok=False)) >= 2,
                           what="the second refused mute")
        await settle(emu)
        emu.world.chats[GROUP].bot_rights["can_restrict_members"] = True
        again = emu.user_message(GROUP, ADMIN, "/mute 10m spam", reply_to=bob["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, again["message_id"]), what="reply")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
        await settle(emu)
    queue = failures(emu.sent_texts(QUEUE))
    assert len(queue) == 1 and queue[0].startswith("I could not mute"), queue
    assert [c.params["user_id"] for c in emu.calls_of("restrictChatMember")] == [MEMBER]
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "restricted"


async def test_tg_demotion_to_member_is_told_to_the_queue_when_it_happens(
        make_app, emu, fake) -> None:
    """An admin demotes the bot to an ordinary member (Telegram sends my_chat_member). The
    bot can no longer delete, mute or ban there: like the removal notice, the queue should
    hear it now, naming the chat, not after the next spam wave fails."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        bot_status_update(emu, GROUP, "member")
        await settle(emu, QUEUE)
        await settle(emu)
    told = [t for t in emu.sent_texts(QUEUE) if "Demo" in t or str(GROUP) in t]
    assert told, emu.sent_texts(QUEUE)


# ============================================================================================
# Telegram: removed from a community chat, from the queue chat
# ============================================================================================

async def test_tg_removed_then_added_back_queue_told_once_and_moderation_resumes(
        make_app, emu, fake) -> None:
    """The bot is kicked from the group: the queue hears it once. Added back as an admin,
    the bot stays (it is a configured chat, not a stranger's) and deletes obscene messages
    again, without being told to anyone a second time."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        bot_status_update(emu, GROUP, "kicked")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "I was removed" in t],
                           what="the removal notice")
        bot_status_update(emu, GROUP, "administrator")
        bad = emu.user_message(GROUP, MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
        await settle(emu)
    removed = [t for t in emu.sent_texts(QUEUE) if "I was removed" in t]
    assert len(removed) == 1 and "Demo" in removed[0], removed
    assert not emu.calls_of("leaveChat", ok=None)
    assert emu.world.chats[GROUP].bot_status == "administrator"


async def test_tg_removed_from_the_queue_chat_keeps_moderating_and_keeps_the_ticket(
        make_app, emu, fake, clock, caplog) -> None:
    """The bot is removed from the moderators' queue chat. The log names it (the queue cannot
    be told); the group is still moderated, a /report still files ticket #1 and acknowledges
    it, the refused card is not retried in a loop; once the bot is back in the queue chat the
    ticket is there (/queue lists it)."""
    caplog.set_level(logging.INFO)
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        bot_status_update(emu, QUEUE, "kicked")
        await settle(emu)
        spam = emu.user_message(GROUP, 444, "cheap watches at spam.example")
        report = emu.user_message(GROUP, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, report["message_id"]), what="ack")
        bad = emu.user_message(GROUP, OTHER_MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
        await drain(app, clock, step=timedelta(minutes=2), rounds=5)
        await settle(emu)
        tries = [c for c in emu.calls_of("sendMessage", ok=False)
                 if str(c.params.get("chat_id")) == str(QUEUE)]
        bot_status_update(emu, QUEUE, "administrator")
        listing = emu.user_message(QUEUE, ADMIN, "/queue")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, listing["message_id"]),
                           what="the /queue answer")
    (ack,) = replies_to(emu, GROUP, report["message_id"])
    assert "#1" in ack, ack
    assert 1 <= len(tries) <= 3, f"the refused card was sent {len(tries)} times"
    assert any("#1" in t for t in replies_to(emu, QUEUE, listing["message_id"]))
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any(f"telegram:{QUEUE}" in line for line in logged), logged[-20:]


# ============================================================================================
# Telegram: the token is revoked mid-run
# ============================================================================================

async def test_tg_token_revoked_mid_run_no_busy_loop_and_nothing_lost_after_restart(
        make_app, emu, fake, tmp_path, clock, open_app) -> None:
    """The owner revokes the token in @BotFather while the bot runs. The bot backs off instead
    of hammering getUpdates; members keep writing. Restarted with the new token, it answers
    and moderates what was written meanwhile (Telegram keeps unconfirmed updates)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.token = NEW_TOKEN
        loop = asyncio.get_running_loop()
        started = loop.time()
        before = emu.request_counts.get("getUpdates", 0)
        question = emu.user_message(GROUP, MEMBER, "/help")
        bad = emu.user_message(GROUP, OTHER_MEMBER, OBSCENE)
        await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) >= before + 4,
                           timeout=15, what="four refused polls")
        elapsed = loop.time() - started
    assert elapsed >= 0.3, f"four refused polls in {elapsed:.2f}s: no backoff"
    assert not replies_to(emu, GROUP, question["message_id"])
    path = tmp_path / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(TOKEN, NEW_TOKEN), encoding="utf-8")
    restarted = await open_app(load_config(path), clock, "qa50-new-token")
    async with RunningBot(restarted, fast_options(fake)):
        # what the old token read before Telegram refused it waits for its retry (at most a
        # minute); what it did not read comes with the first poll
        await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) > before + 4,
                           what="the new token polling")
        clock.advance(timedelta(minutes=1))
        await emu.wait_for(lambda: replies_to(emu, GROUP, question["message_id"]),
                           what="the /help written while the token was revoked")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]),
                           what="the obscene message written meanwhile")
        await settle(emu)
    assert len(replies_to(emu, GROUP, question["message_id"])) == 1


async def test_tg_token_revoked_mid_run_the_log_says_it_is_the_token(
        make_app, emu, fake, caplog) -> None:
    """Telegram answers 401 Unauthorized to everything: the owner reading the log must learn
    that the token was revoked (VK's error 5 gets "the token is invalid or revoked"), not
    only a generic poll error."""
    caplog.set_level(logging.INFO)
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.token = NEW_TOKEN
        before = emu.request_counts.get("getUpdates", 0)
        await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) >= before + 3,
                           timeout=15, what="refused polls")
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("token" in line.lower() for line in logged), logged[-10:]
    assert not any("TEST-TOKEN" in line or "NEW-TOKEN" in line for line in logged)


async def test_tg_send_refused_401_is_retried_and_delivered_exactly_once(
        make_app, emu, fake, clock) -> None:
    """A moment of 401 on sendMessage (a token swap in progress) is not a reason to drop a
    member's answer: it is retried and arrives once."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        emu.fail_next("sendMessage", times=2, status=401, description="Unauthorized")
        question = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: len(emu.calls_of("sendMessage", ok=False)) >= 1,
                           what="the refused send")
        for _ in range(6):
            if replies_to(emu, GROUP, question["message_id"]):
                break
            await drain(app, clock, step=timedelta(seconds=20), rounds=1)
        await emu.wait_for(lambda: replies_to(emu, GROUP, question["message_id"]),
                           what="the answer after the 401s")
        await settle(emu)
    assert len(replies_to(emu, GROUP, question["message_id"])) == 1


# ============================================================================================
# Telegram: a forum topic it posts to is closed or deleted
# ============================================================================================

def topic_post_config(clock: FakeClock, text: str) -> str:
    at = (clock.now() + timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    return textwrap.dedent(f"""
        [[community.schedule]]
        at = "{at}"
        text = "{text}"
        chats = ["telegram:{GROUP}/{TOPIC}"]
        """)


def refuse_topic(monkeypatch: pytest.MonkeyPatch, refusal: str) -> None:
    """Telegram refuses every send into the forum topic TOPIC of GROUP with `refusal` (the
    topic was closed, or deleted); the rest of the group works as before."""
    original = methods.METHODS["sendMessage"]

    def send(world: Any, params: dict[str, Any]) -> Any:
        if str(params.get("chat_id")) == str(GROUP) \
                and str(params.get("message_thread_id") or "") == str(TOPIC):
            raise methods.ApiError(400, refusal)
        return original(world, params)

    monkeypatch.setitem(methods.METHODS, "sendMessage", send)


@pytest.mark.parametrize("refusal", ["Bad Request: TOPIC_CLOSED",
                                     "Bad Request: message thread not found"])
async def test_tg_scheduled_post_to_a_closed_or_deleted_topic_fails_once_and_queue_is_told(
        make_app, emu, fake, clock, monkeypatch, refusal) -> None:
    """The topic a post is planned for was closed (or deleted) by an admin. The post is
    tried once, not hammered, and the queue hears once that it was not published."""
    text = "Weekly digest 📰"
    app = await make_app(extra_community=topic_post_config(clock, text))
    refuse_topic(monkeypatch, refusal)
    async with RunningBot(app, fast_options(fake)):
        await settle(emu)
        for _ in range(8):
            clock.advance(timedelta(minutes=2))
            await service_for(app).run_due(clock.now())
            await app.pipeline.drain()
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if text in t],
                           what="the queue notice")
        await settle(emu)
    tries = [c for c in emu.calls_of("sendMessage", ok=None) if c.params.get("text") == text]
    assert len(tries) == 1, [(c.status, c.params.get("message_thread_id")) for c in tries]
    assert str(tries[0].params.get("message_thread_id")) == str(TOPIC)
    told = [t for t in emu.sent_texts(QUEUE) if text in t]
    assert len(told) == 1 and "could not be published" in told[0], told
    assert "the topic in that chat is closed or deleted" in told[0], told


async def test_tg_closed_topic_the_offence_is_still_removed_and_the_refused_notice_not_hammered(
        make_app, emu, fake, clock, monkeypatch) -> None:
    """An admin closes the topic right after a member swore in it (an admin may still write
    there, the bot's notice is refused with TOPIC_CLOSED). The message is deleted and the
    warning counts; the refused notice is not retried in a loop; the rest of the group is
    answered as before."""
    refuse_topic(monkeypatch, "Bad Request: TOPIC_CLOSED")
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, MEMBER, OBSCENE, thread_id=TOPIC)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deleted")
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="the refusal")
        await drain(app, clock, step=timedelta(minutes=1), rounds=5)
        await settle(emu)
        warns = emu.user_message(GROUP, ADMIN, f"/warns {MEMBER}")
        await emu.wait_for(lambda: replies_to(emu, GROUP, warns["message_id"]), what="/warns")
    (listing,) = replies_to(emu, GROUP, warns["message_id"])
    assert "active warnings: 1" in listing, listing
    refused = [c for c in emu.calls_of("sendMessage", ok=False)
               if str(c.params.get("message_thread_id")) == str(TOPIC)]
    assert 1 <= len(refused) <= 2, f"the refused notice was sent {len(refused)} times"
    assert not failures(emu.sent_texts(QUEUE)), emu.sent_texts(QUEUE)


# ============================================================================================
# Telegram: the reported message's chat is gone
# ============================================================================================

async def test_tg_reported_chat_gone_card_buttons_explain_and_ticket_can_still_be_closed(
        make_app, emu, fake) -> None:
    """After a report, the group is deleted. "Delete message" and "Ban author" on the card
    cannot work: the queue hears why (the chat is gone), the ticket stays open instead of
    claiming a ban, and /resolve still closes it."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        spam = emu.user_message(GROUP, 444, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report spam", reply_to=spam["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        card = emu.sent_messages(QUEUE)[0]
        await settle(emu)
        del emu.world.chats[GROUP]
        await tg_press(emu, card, ADMIN, "t:del:")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if CHAT_GONE in t],
                           what="why the delete failed")
        await tg_press(emu, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE)
                                    if t.startswith("I could not ban")], what="why no ban")
        open_card = emu.world.messages[(QUEUE, card["message_id"])].message["text"]
        resolve = emu.user_message(QUEUE, ADMIN, "/resolve 1 chat deleted")
        await emu.wait_for(lambda: replies_to(emu, QUEUE, resolve["message_id"]), what="/resolve")
    assert "resolved" not in open_card.split("\n")[0], open_card
    assert "Ticket #1 is resolved." in replies_to(emu, QUEUE, resolve["message_id"])
    (ban_notice,) = [t for t in emu.sent_texts(QUEUE) if t.startswith("I could not ban")]
    assert CHAT_GONE in ban_notice, ban_notice


# ============================================================================================
# VK plumbing
# ============================================================================================

@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[VkBot]:
    emulator.peer(VK_CHAT).title = "Oak chat"
    emulator.add_members(VK_CHAT, VK_MOD, VK_MEMBER, 501, 502, 503, 504)
    emulator.add_members(VK_QUEUE, VK_MOD)
    running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator)), clock, emulator)
    await running.start()
    yield running
    await running.stop()


async def vk_drain(bot: VkBot, clock: FakeClock, step: timedelta = timedelta(seconds=40),
                   rounds: int = 4) -> None:
    assert bot.app is not None
    for _ in range(rounds):
        clock.advance(step)
        await bot.app.pipeline.drain()


def vk_failures(emulator: VkEmulator, peer: int) -> list[str]:
    return [m.text for m in emulator.sent(peer) if m.text.startswith("I could not")]


def vk_button(message: ChatMessage, label: str) -> str:
    assert message.keyboard is not None, "the card has no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


def deleted_cmids(emulator: VkEmulator) -> set[int]:
    return {int(x) for c in emulator.calls_to("messages.delete")
            if c.params.get("peer_id") == str(VK_CHAT) for x in c["cmids"].split(",")}


# ============================================================================================
# VK: the community loses its rights in a chat
# ============================================================================================

async def test_vk_chat_admin_taken_delete_told_once_and_deleting_resumes_when_given_back(
        emulator, vk_bot, clock) -> None:
    """The chat's owner takes the community's admin rights (VK answers 925 to deletes).
    Three members swear: one notice in the queue and one in the chat, warnings still count;
    rights given back, the next obscene message is deleted and nobody is told again."""
    emulator.fail("messages.delete", 925, times=3)
    cmids = [emulator.post_message(VK_CHAT, uid, OBSCENE) for uid in (501, 502, 503)]
    await emulator.wait_for(lambda: vk_failures(emulator, VK_QUEUE))
    await emulator.wait_for(lambda: len([c for c in emulator.calls
                                         if c.method == "messages.delete" and c.error]) >= 3)
    await vk_settle(emulator)
    later = emulator.post_message(VK_CHAT, 504, OBSCENE_2)
    await emulator.wait_for(lambda: later in deleted_cmids(emulator))
    await vk_drain(vk_bot, clock, rounds=2)
    await vk_settle(emulator)
    assert vk_failures(emulator, VK_QUEUE) == [
        f"I could not delete a message in Oak chat (vk:{VK_CHAT}): {NOT_ADMIN_THERE}."]
    assert len(vk_failures(emulator, VK_CHAT)) == 1
    assert not set(cmids) & deleted_cmids(emulator)
    assert len(said(emulator, VK_CHAT, "Warning 1 of 4")) == 4


async def test_vk_without_the_delete_right_members_are_not_told_a_message_was_removed(
        emulator, vk_bot) -> None:
    """VK refuses deletes (925): after the first refusal, offenders read that their message
    breaks the rules, not that it was removed; once a delete works again, "removed" again."""
    emulator.fail("messages.delete", 925, times=2)
    emulator.post_message(VK_CHAT, 501, OBSCENE)
    await emulator.wait_for(lambda: vk_failures(emulator, VK_QUEUE))
    await vk_settle(emulator)
    stays = emulator.post_message(VK_CHAT, 502, OBSCENE_2)
    await emulator.wait_for(lambda: said(emulator, VK_CHAT, "breaks the rules"))
    await emulator.wait_for(lambda: len([c for c in emulator.calls
                                         if c.method == "messages.delete" and c.error]) >= 2)
    await vk_settle(emulator)
    back = emulator.post_message(VK_CHAT, 503, OBSCENE)
    await emulator.wait_for(lambda: back in deleted_cmids(emulator))
    await vk_settle(emulator)
    after = emulator.post_message(VK_CHAT, 504, OBSCENE_2)
    await emulator.wait_for(lambda: after in deleted_cmids(emulator))
    await vk_settle(emulator)
    assert stays not in deleted_cmids(emulator)
    notices = [m.text for m in said(emulator, VK_CHAT, "Warning 1 of 4")]
    assert len(notices) == 4, notices
    assert "breaks the rules" in notices[1] and "removed" not in notices[1], notices
    assert "your message was removed" in notices[3], notices


async def test_vk_queue_notice_says_which_chat_lost_the_rights(emulator, vk_bot) -> None:
    """The queue reads "I need to be an admin with that right here": an SMM manager with
    several VK chats must learn which one, so the notice names it."""
    emulator.fail("messages.delete", 925, times=1)
    emulator.post_message(VK_CHAT, 501, OBSCENE)
    await emulator.wait_for(lambda: vk_failures(emulator, VK_QUEUE))
    (notice,) = vk_failures(emulator, VK_QUEUE)
    assert "Oak chat" in notice or str(VK_CHAT) in notice, notice


async def test_vk_user_token_loses_ban_permission_told_once_and_bans_again_when_restored(
        emulator, vk_bot) -> None:
    """The admin whose user token the bot uses loses the right to ban (error 15): a
    moderator's !ban fails and the queue hears it once, a second refused !ban adds nothing;
    the permission back, the next !ban goes through."""
    emulator.fail("groups.ban", 15, times=2)
    first = emulator.post_message(VK_CHAT, 501, "buy followers")
    emulator.post_message(VK_CHAT, VK_MOD, "!ban spam", reply_to=first)
    await emulator.wait_for(lambda: vk_failures(emulator, VK_QUEUE))
    second = emulator.post_message(VK_CHAT, 502, "buy followers too")
    emulator.post_message(VK_CHAT, VK_MOD, "!ban spam", reply_to=second)
    await emulator.wait_for(lambda: len([c for c in emulator.calls
                                         if c.method == "groups.ban" and c.error]) >= 2)
    await vk_settle(emulator)
    third = emulator.post_message(VK_CHAT, 503, "buy followers again")
    emulator.post_message(VK_CHAT, VK_MOD, "!ban spam", reply_to=third)
    await emulator.wait_calls("groups.ban")
    await vk_settle(emulator)
    told = vk_failures(emulator, VK_QUEUE)
    assert len(told) == 1 and told[0].startswith("I could not ban"), told
    assert [c["owner_id"] for c in emulator.calls_to("groups.ban")] == ["503"]


# ============================================================================================
# VK: the community token stops working, the queue chat is lost
# ============================================================================================

async def test_vk_token_revoked_mid_run_is_logged_bounded_and_work_resumes(
        emulator, vk_bot, caplog) -> None:
    """The community token is revoked (error 5 on every call). The log says so in words an
    owner acts on; each refused call is not retried in a loop; the poll keeps running, and
    once a working token is back the bot answers again."""
    caplog.set_level(logging.INFO)
    good = emulator.token
    emulator.token = "revoked-token"
    emulator.post_message(VK_CHAT, VK_MEMBER, "/help")
    emulator.post_message(VK_CHAT, 501, OBSCENE)
    await emulator.wait_for(lambda: len([c for c in emulator.calls if c.error == 5]) >= 2)
    await vk_settle(emulator)
    await vk_settle(emulator)
    refused = [c for c in emulator.calls if c.error == 5]
    emulator.token = good
    probe = emulator.post_message(VK_CHAT, VK_MEMBER, "/help")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT) if m.reply_to == probe])
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("revoked" in line for line in logged), logged[-10:]
    assert not any("vk-test-token" in line for line in logged)
    assert len(refused) <= 8, [c.method for c in refused]


async def test_vk_queue_chat_access_lost_chat_still_moderated_and_ticket_kept(
        emulator, vk_bot, clock, caplog) -> None:
    """The community is removed from the VK queue chat (917 on sends there). Reports still
    become tickets and are acknowledged, the chat is still moderated, the refused card is not
    retried in a loop and the log names the problem; back in the queue chat, /queue lists
    the ticket."""
    caplog.set_level(logging.INFO)
    emulator.peer(VK_QUEUE).members.pop(-emulator.group_id)
    spam = emulator.post_message(VK_CHAT, 501, "buy followers at spam.example")
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report spam", reply_to=spam)
    await emulator.wait_for(lambda: said(emulator, VK_CHAT, "#1"))
    bad = emulator.post_message(VK_CHAT, 502, OBSCENE)
    await emulator.wait_for(lambda: bad in deleted_cmids(emulator))
    await vk_drain(vk_bot, clock, step=timedelta(minutes=2), rounds=4)
    await vk_settle(emulator)
    tries = [c for c in emulator.calls if c.method == "messages.send" and c.error == 917]
    emulator.peer(VK_QUEUE).members[-emulator.group_id] = "admin"
    listing = emulator.post_message(VK_QUEUE, VK_MOD, "/queue")
    answer = await emulator.wait_for(
        lambda: [m for m in emulator.sent(VK_QUEUE) if m.reply_to == listing])
    assert 1 <= len(tries) <= 3, f"the refused card was sent {len(tries)} times"
    assert any("#1" in m.text for m in answer), [m.text for m in answer]
    logged = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("917" in line for line in logged), logged[-10:]


# ============================================================================================
# VK: the reported message's chat is gone
# ============================================================================================

async def test_vk_reported_chat_gone_delete_button_explains_and_ticket_can_still_be_closed(
        emulator, vk_bot) -> None:
    """After a report the VK chat is disabled (error 945). "Delete message" on the card is
    refused with the reason in the queue's words, and /resolve still closes the ticket."""
    spam = emulator.post_message(VK_CHAT, 501, "buy followers at spam.example")
    emulator.post_message(VK_CHAT, VK_MEMBER, "!report spam", reply_to=spam)
    card = await emulator.wait_for(
        lambda: next((m for m in emulator.sent(VK_QUEUE) if "Ticket #1" in m.text), None))
    emulator.fail("messages.delete", 945, times=5)
    emulator.press(VK_QUEUE, VK_MOD, card.cmid, vk_button(card, "Delete message"))
    told = await emulator.wait_for(lambda: said(emulator, VK_QUEUE, "could not delete"))
    resolve = emulator.post_message(VK_QUEUE, VK_MOD, "/resolve 1 chat is gone")
    done = await emulator.wait_for(
        lambda: [m for m in emulator.sent(VK_QUEUE) if m.reply_to == resolve])
    assert CHAT_GONE in told[0].text, told[0].text
    assert any("Ticket #1 is resolved." in m.text for m in done), [m.text for m in done]
