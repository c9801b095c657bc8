"""QA round 32: the ticket lifecycle at its edges, and moderators' mistakes at 2 a.m., through
the real Telegram adapter (Bot API emulator) and the real VK adapter (VK API emulator).

Each test asserts what a reporter or a moderator expects (README.md / docs/DESIGN.md, or where
they are silent, what Rose/Combot users expect); a failing test is a finding (see
/tmp/s7/qa32_findings.md). Scenarios covered by test_qa12_complaints.py, test_qa24_cross_queue.py,
test_complaints_*.py and test_qa5_queue_schedule.py are not repeated.
"""

from __future__ import annotations

import json
import textwrap
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

from bot.app import App
from bot.config import load_config
from bot.core.clock import FakeClock

SPAMMER = 444
VK_SPAMMER = 777
VK_SECOND_MOD = 901
OTHER_GROUP = -1005


# ============================== Telegram plumbing ==========================================

@pytest.fixture
def tg_clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(tmp_path: Path, emu: TelegramEmulator, tg_clock: FakeClock,
             open_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(instance: str = "qa32", replace: tuple[str, str] | None = None,
                   **parts: str) -> App:
        config = telegram_config(tmp_path, emu.api_base, **parts)
        if replace is not None:
            path = tmp_path / "config.toml"
            path.write_text(path.read_text(encoding="utf-8").replace(*replace),
                            encoding="utf-8")
            config = load_config(path)
        return await open_app(config, tg_clock, instance)

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


def cards(emu: TelegramEmulator) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(QUEUE) if m.get("text", "").startswith("Ticket #")
            and " · " in m["text"].splitlines()[0]]


def card_of(emu: TelegramEmulator, n: int = 0) -> dict[str, Any]:
    return cards(emu)[n]


async def tg_report(emu: TelegramEmulator, reason: str = "spam", *, reporter: int = MEMBER,
                    author: int = SPAMMER, text: str = "cheap watches at spam.example",
                    **author_kw: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    before = len(cards(emu))
    bad = emu.user_message(GROUP, author, text, **author_kw)
    emu.user_message(GROUP, reporter, f"/report {reason}".strip(), reply_to=bad["message_id"])
    await emu.wait_for(lambda: len(cards(emu)) > before, what="the card")
    return bad, cards(emu)[before]


async def tg_press(emu: TelegramEmulator, card: dict[str, Any], who: int, prefix: str) -> dict:
    qid = emu.press(QUEUE, card["message_id"], who, tg_button(card, prefix))
    await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what=f"{prefix} answer")
    return emu.world.callbacks[qid]["answered"]


async def tg_queue_command(emu: TelegramEmulator, who: int, text: str,
                           **extra: Any) -> list[str]:
    cmd = emu.user_message(QUEUE, who, text, **extra)
    await emu.wait_for(lambda: replies_to(emu, QUEUE, cmd["message_id"]), what=f"{text} reply")
    return replies_to(emu, QUEUE, cmd["message_id"])


async def start_private(emu: TelegramEmulator, user: int) -> None:
    emu.user_message(user, user, "/start")
    await emu.wait_for(lambda: emu.sent_texts(user), what="greeting")


def outcomes(emu: TelegramEmulator, user: int, number: int = 1) -> list[str]:
    return [t for t in emu.sent_texts(user) if f"Your report #{number}" in t]


# ============================== moderators' mistakes: undo =================================

async def test_tg_mistaken_reject_then_reopen_and_resolve_reporter_hears_the_correction(
        make_app, emu) -> None:
    """Rejected by mistake at 2 a.m.: /reopen, then resolve. The reporter, told "no action",
    must not be left believing it: the last thing they hear is the corrected verdict."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        await tg_report(emu)
        await tg_queue_command(emu, ADMIN, "/reject 1")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="first outcome")
        assert await tg_queue_command(emu, ADMIN, "/reopen 1") == [
            render("complaints.done_reopen", number=1)]
        await tg_queue_command(emu, LISTED_MODERATOR, "/resolve 1 sorry, removed now")
        await emu.wait_for(lambda: len(outcomes(emu, MEMBER)) >= 2, what="corrected outcome")
        await settle(emu)
    told = outcomes(emu, MEMBER)
    assert len(told) == 2, told
    assert "resolved" in told[-1] and "sorry, removed now" in told[-1], told
    assert render("complaints.state_resolved") in card_of(emu)["text"]


async def test_tg_mistaken_ban_from_the_card_is_undone_by_reopen_and_unban_in_reply(
        make_app, emu) -> None:
    """Ban author pressed on the wrong card: /reopen 1, then /unban in reply to the card (the
    card targets its author, README) lifts the ban in the group."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        await tg_press(emu, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card_of(emu)["text"],
                           what="resolved by the ban")
        await tg_queue_command(emu, ADMIN, "/reopen 1")
        await emu.wait_for(lambda: render("complaints.state_new") in card_of(emu)["text"],
                           what="reopened")
        replies = await tg_queue_command(emu, ADMIN, "/unban",
                                         reply_to=card_of(emu)["message_id"])
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember", ok=None), what="the unban")
    unbans = [c for c in emu.calls_of("unbanChatMember")
              if int(c.params["user_id"]) == SPAMMER and int(c.params["chat_id"]) == GROUP]
    assert unbans, f"no unban of the author in the group; the bot said {replies}"
    assert emu.world.chat(GROUP).members[SPAMMER]["status"] != "kicked"
    assert "ban" in tg_buttons(card_of(emu)), "the reopened card offers its buttons again"


async def test_tg_two_moderators_press_reopen_at_once_one_reopens_the_other_is_told(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        await tg_queue_command(emu, ADMIN, "/resolve 1")
        await emu.wait_for(lambda: "reopen" in tg_buttons(card_of(emu)), what="closed card")
        closed = card_of(emu)
        q1 = emu.press(QUEUE, closed["message_id"], ADMIN, tg_button(closed, "t:reopen:"))
        q2 = emu.press(QUEUE, closed["message_id"], LISTED_MODERATOR,
                       tg_button(closed, "t:reopen:"))
        await emu.wait_for(lambda: emu.world.callbacks[q1].get("answered")
                           and emu.world.callbacks[q2].get("answered"), what="answers")
        await settle(emu)
    answers = sorted([emu.world.callbacks[q]["answered"]["text"] for q in (q1, q2)])
    assert answers == sorted([render("complaints.done_reopen", number=1),
                              render("complaints.refused_already_open", number=1)]), answers
    assert len(cards(emu)) == 1


async def test_tg_a_report_on_the_same_message_after_reopen_joins_the_reopened_ticket(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, _card = await tg_report(emu)
        await tg_queue_command(emu, ADMIN, "/reject 1")
        await tg_queue_command(emu, ADMIN, "/reopen 1")
        again = emu.user_message(GROUP, OTHER_MEMBER, "/report still spam",
                                 reply_to=bad["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, again["message_id"]), what="ack")
        await settle(emu)
    assert replies_to(emu, GROUP, again["message_id"]) == [
        render("complaints.ack_merged", number=1)]
    assert len(cards(emu)) == 1 and "reports: 2" in card_of(emu)["text"]



# ============================== SLA after reopening ========================================

async def test_tg_reopened_ticket_is_reannounced_after_the_sla_again(
        make_app, emu, tg_clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        await tg_queue_command(emu, ADMIN, "/reject 1")
        tg_clock.advance(timedelta(minutes=40))
        await settle(emu)
        await settle(emu, QUEUE)
        assert not [t for t in emu.sent_texts(QUEUE) if "⏰" in t], "a closed ticket nagged"
        await tg_queue_command(emu, ADMIN, "/reopen 1")
        tg_clock.advance(timedelta(minutes=31))
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "⏰" in t],
                           what="the SLA reminder of the reopened ticket")
        tg_clock.advance(timedelta(minutes=31))
        await settle(emu)
        await settle(emu, QUEUE)
    reminders = [t for t in emu.sent_texts(QUEUE) if "⏰" in t]
    assert len(reminders) == 1 and "#1" in reminders[0], reminders


# ============================== the evidence and the people ================================

async def test_tg_reported_member_left_before_ban_is_still_banned_and_cannot_return(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        # the spammer leaves the group before a moderator looks
        chat = emu.world.chat(GROUP)
        chat.members[SPAMMER] = {"status": "left"}
        left = emu.world.new_message(chat, **{"from": emu.world.user(SPAMMER),
                                              "left_chat_member": emu.world.user(SPAMMER)})
        emu.world.store(chat, left, from_bot=False)
        emu.world.push("message", left)
        answer = await tg_press(emu, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card_of(emu)["text"],
                           what="resolved by the ban")
        await settle(emu)
    assert answer["text"] == render("complaints.done_ban", number=1)
    assert emu.world.chat(GROUP).members[SPAMMER]["status"] == "kicked", (
        "the member who left was not banned: they can come back")
    assert not [t for t in emu.sent_texts() if "could not ban" in t.lower()]


async def test_tg_report_on_a_join_message_is_about_the_newcomer(make_app, emu) -> None:
    """A spam bot joins; a member replies /report to "Carol added Spammy". The card names the
    newcomer and Ban author bans them, not Carol who added them."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        chat = emu.world.chat(GROUP)
        newcomer = emu.world.user(4242, "CryptoGiveaway")
        joined = emu.world.new_message(chat, **{"from": emu.world.user(OTHER_MEMBER),
                                                "new_chat_members": [newcomer]})
        emu.world.store(chat, joined, from_bot=False)
        emu.world.push("message", joined)
        emu.user_message(GROUP, MEMBER, "/report spam bot", reply_to=joined["message_id"])
        await emu.wait_for(lambda: cards(emu), what="the card")
        card = card_of(emu)
        assert "4242" in card["text"], f"the card does not name the newcomer:\n{card['text']}"
        await tg_press(emu, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: emu.calls_of("banChatMember", ok=None), what="the ban")
        await settle(emu)
    banned = [int(c.params["user_id"]) for c in emu.calls_of("banChatMember", ok=None)]
    assert banned == [4242], banned


async def test_tg_delete_pressed_for_a_message_its_author_deleted_says_nothing_alarming(
        make_app, emu) -> None:
    """The author deleted it before a moderator looked: "Delete message" must not make the bot
    announce a failure in the group or the queue."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad, card = await tg_report(emu)
        del emu.world.messages[(GROUP, bad["message_id"])]
        await tg_press(emu, card, ADMIN, "t:del:")
        await emu.wait_for(lambda: emu.calls_of("deleteMessage", ok=False), what="the miss")
        await settle(emu)
        await settle(emu, QUEUE)
    loud = [t for t in emu.sent_texts() if "could not delete" in t.lower()
            or "Bad Request" in t]
    assert not loud, loud
    assert "cheap watches" in card_of(emu)["text"], "the card lost the evidence"


# ============================== odd reasons ================================================

async def test_tg_emoji_only_reason_is_kept_and_the_reporter_is_not_punished(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        rep = emu.user_message(GROUP, MEMBER, "/report 🤮🤮🤮", reply_to=bad["message_id"])
        await emu.wait_for(lambda: cards(emu), what="the card")
        await settle(emu)
    assert "Reason: 🤮🤮🤮" in card_of(emu)["text"], card_of(emu)["text"]
    assert not emu.is_deleted(GROUP, rep["message_id"]), "an emoji reason was taken for abuse"
    assert replies_to(emu, GROUP, rep["message_id"]) == [render("complaints.ack", number=1)]


async def test_tg_obscene_reason_still_files_the_report_with_one_ack(make_app, emu) -> None:
    """An angry member swears in the reason. The filter may remove the /report message (the
    policy judges commands too), but the complaint must not be lost, and the reporter gets
    exactly one acknowledgement."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report this fucking spammer again",
                         reply_to=bad["message_id"])
        await emu.wait_for(lambda: cards(emu), what="the card")
        await settle(emu)
    acks = [t for t in emu.sent_texts(GROUP) if "#1" in t]
    assert acks == [render("complaints.ack", number=1)], emu.sent_texts(GROUP)
    assert "spam.example" in card_of(emu)["text"]


async def test_tg_outcome_with_a_very_long_note_reaches_the_reporter_whole(
        make_app, emu) -> None:
    """A moderator pastes the rules into the note. The card shortens it; the reporter's
    private outcome must still be one deliverable message ending in a whole sentence."""
    app = await make_app()
    note = ("Rule 4: no advertising of any kind in this group. " * 80).strip()[:4000]
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        await tg_report(emu)
        await tg_queue_command(emu, ADMIN, f"/resolve 1 {note}")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the outcome")
        await settle(emu, QUEUE)
    (told,) = outcomes(emu, MEMBER)
    assert len(told) <= 4096
    assert not [t for t in emu.sent_texts(QUEUE) if "could not tell" in t.lower()]
    assert len(card_of(emu)["text"]) <= 4096


# ============================== the chat left the config ===================================

async def _ticket_then_chat_removed(make_app, emu) -> App:
    first = await make_app("first")
    async with RunningBot(first, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        await tg_report(emu)
    await first.close()
    emu.group(OTHER_GROUP, title="New home", admins=(ADMIN,))
    return await make_app("second", replace=(f'chats = ["telegram:{GROUP}"]',
                                             f'chats = ["telegram:{OTHER_GROUP}"]'))


async def test_tg_ticket_of_a_chat_removed_from_config_can_still_be_resolved(
        make_app, emu) -> None:
    second = await _ticket_then_chat_removed(make_app, emu)
    async with RunningBot(second, fast_options(FakeTime())):
        answer = await tg_press(emu, card_of(emu), ADMIN, "t:resolve:")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the reporter told")
    assert answer["text"] == render("complaints.done_resolve", number=1)
    assert render("complaints.state_resolved") in card_of(emu)["text"]


async def test_tg_ban_button_for_a_chat_no_longer_moderated_answers_clearly_and_acts_not(
        make_app, emu) -> None:
    """"The bot acts only in the community's chats": after the owner removed the group from
    the config, Ban author on an old card must not ban there, and must say why."""
    second = await _ticket_then_chat_removed(make_app, emu)
    async with RunningBot(second, fast_options(FakeTime())):
        answer = await tg_press(emu, card_of(emu), ADMIN, "t:ban:")
        await settle(emu, OTHER_GROUP)
        await settle(emu, QUEUE)
    bans = [c for c in emu.calls_of("banChatMember", ok=None)
            if int(c.params["chat_id"]) == GROUP]
    assert not bans, f"banned in a chat the bot no longer moderates; answer: {answer}"
    assert answer["text"] != render("complaints.done_ban", number=1), answer


# ============================== /queue on a busy night =====================================

async def test_tg_queue_listing_of_many_tickets_with_long_names_is_whole(
        make_app, emu) -> None:
    """Thirty open tickets about members with long names: /queue shows what fits, in whole
    lines, and still says how many more there are."""
    app = await make_app(extra_community=textwrap.dedent("""
        [community.complaints]
        rate_limit = 100
        """))
    async with RunningBot(app, fast_options(FakeTime())):
        for i in range(30):
            await tg_report(emu, reporter=3000 + i, author=4000 + i,
                            text=f"spam number {i} " + "buy now " * 30,
                            first_name=f"Very Long Display Name Of Spammer {i:02d} " + "x" * 24,
                            username=f"spammer_account_number_{i:02d}x")
        listing = await tg_queue_command(emu, ADMIN, "/queue")
    text = "\n".join(listing)
    assert text.startswith("Open tickets: 30"), text[:200]
    assert all(len(t) <= 4096 for t in listing)
    assert not text.endswith("…"), f"the list was cut off mid-line: …{text[-200:]}"
    assert "more." in text or "#30" in text, f"the rest of the queue is not mentioned: …{text[-300:]}"


# ============================== VK =========================================================

@pytest.fixture
async def vk_bot(emulator: VkEmulator, tmp_path: Path,
                 clock: FakeClock) -> AsyncIterator[VkBot]:
    emulator.set_admins(VK_QUEUE, VK_SECOND_MOD)
    running = VkBot(write_vk_config(tmp_path, vk_config_text(emulator)), clock, emulator)
    await running.start()
    yield running
    await running.stop()


def vk_button(message: Any, label: str) -> str:
    assert message.keyboard is not None, "the card has no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


async def vk_report(emulator: VkEmulator, *, text: str = "buy followers at spam.example",
                    author: int = VK_SPAMMER, reporter: int = VK_MEMBER,
                    command: str = "!report spam") -> tuple[int, Any]:
    before = len(emulator.sent(VK_QUEUE))
    bad = emulator.post_message(VK_CHAT, author, text)
    emulator.post_message(VK_CHAT, reporter, command, reply_to=bad)
    await emulator.wait_for(lambda: len(emulator.sent(VK_QUEUE)) > before)
    return bad, emulator.sent(VK_QUEUE)[before]


async def vk_settle(emulator: VkEmulator) -> None:
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


def vk_card(emulator: VkEmulator, n: int = 0) -> Any:
    return [m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text][n]


async def test_vk_message_edited_after_the_report_card_keeps_the_reported_text(
        emulator, vk_bot) -> None:
    bad, _card = await vk_report(emulator, text="send me 100$ or I leak your photos")
    for message in emulator.peer(VK_CHAT).messages:
        if message.cmid == bad:
            message.text = "hello everyone"
    emulator.push("message_edit", {
        "date": 0, "update_time": 9, "from_id": VK_SPAMMER, "id": 0, "out": 0,
        "peer_id": VK_CHAT, "text": "hello everyone", "conversation_message_id": bad,
        "fwd_messages": [], "attachments": []})
    await vk_settle(emulator)
    emulator.post_message(VK_CHAT, 556, "!report", reply_to=bad)
    await emulator.wait_for(lambda: "reports: 2" in vk_card(emulator).text)
    assert "leak your photos" in vk_card(emulator).text, vk_card(emulator).text
    assert len([m for m in emulator.sent(VK_QUEUE) if "Ticket #" in m.text]) == 1


async def test_vk_reported_member_left_the_chat_then_ban_button_bans_in_the_community(
        emulator, vk_bot) -> None:
    _bad, card = await vk_report(emulator)
    emulator.peer(VK_CHAT).members.pop(VK_SPAMMER, None)
    emulator.post_message(VK_CHAT, VK_SPAMMER, "", action={
        "type": "chat_kick_user", "member_id": VK_SPAMMER})
    await vk_settle(emulator)
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Ban author"))
    await emulator.wait_for(lambda: "resolved" in vk_card(emulator).text)
    await vk_settle(emulator)
    assert VK_SPAMMER in emulator.bans, "the member who left was not banned: they can return"
    said = [m.text for m in emulator.sent(VK_QUEUE) + emulator.sent(VK_CHAT)]
    assert not [t for t in said if "could not" in t.lower() or "935" in t], said


async def test_vk_mistaken_ban_is_undone_by_bang_reopen_and_bang_unban_on_the_card(
        emulator, vk_bot) -> None:
    _bad, card = await vk_report(emulator)
    emulator.press(VK_QUEUE, VK_MODERATOR, card.cmid, vk_button(card, "Ban author"))
    await emulator.wait_for(lambda: "resolved" in vk_card(emulator).text)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!reopen 1")
    await emulator.wait_for(lambda: "· new" in vk_card(emulator).text)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!unban", reply_to=vk_card(emulator).cmid)
    await emulator.wait_for(lambda: emulator.calls_to("groups.unban"))
    assert VK_SPAMMER not in emulator.bans


async def test_vk_resolved_by_one_then_rejected_by_another_by_text_reporter_told_once(
        emulator, vk_bot) -> None:
    """Two moderators type at once: the second verdict is refused and the reporter hears one."""
    await vk_report(emulator)
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!resolve 1 removed")
    emulator.post_message(VK_QUEUE, VK_SECOND_MOD, "!reject 1 not spam")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE)
                                     if "already closed" in m.text])
    await vk_settle(emulator)
    told = [m.text for m in emulator.sent(VK_MEMBER) if "Your report #1" in m.text]
    assert len(told) == 1 and "removed" in told[0], told
    assert "resolved" in vk_card(emulator).text


# ============================== after the SLA reminder: which card is "the card"? ==========

async def test_tg_resolve_in_reply_to_the_original_card_after_the_sla_reminder(
        make_app, emu, tg_clock) -> None:
    """The reminder re-posts the card; a moderator scrolls up and replies /resolve to the
    original card (the one the report made). It is still ticket #1's card."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        _bad, original = await tg_report(emu)
        tg_clock.advance(timedelta(minutes=31))
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "⏰" in t],
                           what="the SLA reminder")
        replies = await tg_queue_command(emu, ADMIN, "/resolve done",
                                         reply_to=original["message_id"])
    assert replies == [render("complaints.done_resolve", number=1)], replies


async def test_tg_ban_in_reply_to_the_original_card_after_the_sla_reminder_bans_the_author(
        make_app, emu, tg_clock) -> None:
    """README: "/ban 1d in reply to card #17" targets the ticket's author — also the card the
    report made, after the SLA reminder re-posted it."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, original = await tg_report(emu)
        tg_clock.advance(timedelta(minutes=31))
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "⏰" in t],
                           what="the SLA reminder")
        replies = await tg_queue_command(emu, ADMIN, "/ban 1d spam",
                                         reply_to=original["message_id"])
        await settle(emu)
    banned = [int(c.params["user_id"]) for c in emu.calls_of("banChatMember", ok=None)]
    assert banned == [SPAMMER], f"banned {banned}; the bot said {replies}"


async def test_vk_bang_resolve_in_reply_to_the_original_card_after_the_sla_reminder(
        emulator, vk_bot, clock) -> None:
    _bad, original = await vk_report(emulator)
    clock.advance(timedelta(minutes=31))
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_QUEUE) if "⏰" in m.text])
    emulator.post_message(VK_QUEUE, VK_MODERATOR, "!resolve done", reply_to=original.cmid)
    await vk_settle(emulator)
    await vk_settle(emulator)
    told = [m.text for m in emulator.sent(VK_MEMBER) if "Your report #1" in m.text]
    said = [m.text for m in emulator.sent(VK_QUEUE)][-3:]
    assert told, f"the ticket was not resolved; the queue heard: {said}"


# ============================== more 2 a.m. mistakes ========================================

async def test_tg_report_typed_in_the_queue_in_reply_to_a_card_files_no_ticket_about_it(
        make_app, emu) -> None:
    """A sleepy moderator types /report (meaning /resolve) under a card in the queue chat: no
    ticket #2 about the bot's own card; a short hint instead of silence or a new card."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await tg_report(emu)
        cmd = emu.user_message(QUEUE, ADMIN, "/report", reply_to=card_of(emu)["message_id"])
        await settle(emu, QUEUE)
        await settle(emu)
    assert len(cards(emu)) == 1, [c["text"][:60] for c in cards(emu)]
    assert replies_to(emu, QUEUE, cmd["message_id"]), "the /report in the queue got no answer"


async def test_tg_card_deleted_from_the_queue_by_mistake_ticket_still_workable_by_text(
        make_app, emu) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        await start_private(emu, MEMBER)
        _bad, card = await tg_report(emu)
        del emu.world.messages[(QUEUE, card["message_id"])]
        listing = await tg_queue_command(emu, ADMIN, "/queue")
        replies = await tg_queue_command(emu, ADMIN, "/resolve 1 handled")
        await emu.wait_for(lambda: outcomes(emu, MEMBER), what="the reporter told")
        await settle(emu, QUEUE)
    assert "#1" in listing[0]
    assert replies == [render("complaints.done_resolve", number=1)]


async def test_tg_ban_in_reply_to_a_fresh_card_bans_the_author(make_app, emu) -> None:
    """Control for the two tests above: before any reminder, replying to the card works."""
    app = await make_app()
    async with RunningBot(app, fast_options(FakeTime())):
        _bad, card = await tg_report(emu)
        replies = await tg_queue_command(emu, ADMIN, "/ban 1d spam", reply_to=card["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember", ok=None), what="the ban")
    banned = [int(c.params["user_id"]) for c in emu.calls_of("banChatMember", ok=None)]
    assert banned == [SPAMMER], f"banned {banned}; the bot said {replies}"
