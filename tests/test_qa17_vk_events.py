"""QA round 17 — the VK event zoo.

Drives the real VK adapter (poller + executor) against the VK API emulator with the kinds of
events a real VK community produces: wall threads, quotes and forwards, attachments, service
(action) messages, the bot removed from its chat, VK error codes in the middle of work and
the target forms moderators type. Scenarios not covered by test_qa4_vk.py, test_qa13_vk.py,
test_vk_*.py and test_qa9_resilience.py. Each test asserts what a member, moderator or owner
expects; a failing test is a finding (see /tmp/s5/qa17_findings.md).
"""

from __future__ import annotations

import textwrap
from collections.abc import AsyncIterator, Callable
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
from vk_emulator.wire import said as _said
from vk_emulator.wire import settle as _settle
from vk_emulator.wire import wall_said as _wall_said

from bot.core.clock import FakeClock

OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_2 = "Это просто пиздец какой-то"
SPAMMER = 777
OTHER_CHAT = 2_000_000_007

FAQ_EN = """
[[faq]]
id = "price"
lang = "en"
questions = ["How much does the course cost?", "What is the price of the course?"]
answer = "The course costs 500 rub per month."
"""


async def _run(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, *,
               community_extra: str = "", user_token: bool = True,
               edit: Callable[[str], str] | None = None) -> RunningBot:
    (tmp_path / "faq.toml").write_text(textwrap.dedent(FAQ_EN), encoding="utf-8")
    text = vk_config_text(emulator, community_extra='faq = "faq.toml"\n' + community_extra,
                          user_token=user_token)
    if edit is not None:
        text = edit(text)
    running = RunningBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = await _run(emulator, tmp_path, clock)
    yield running
    await running.stop()


async def _drain(bot: RunningBot, clock: FakeClock, step: timedelta = timedelta(seconds=40),
                 rounds: int = 4) -> None:
    """Let the outbox retry what it put back (flood control, transient errors)."""
    assert bot.app is not None
    for _ in range(rounds):
        clock.advance(step)
        await bot.app.pipeline.drain()


def _message(emulator: VkEmulator, peer: int, cmid: int) -> ChatMessage:
    return next(m for m in emulator.peer(peer).messages if m.cmid == cmid)


async def _help_still_answered(emulator: VkEmulator, peer: int = CHAT) -> None:
    """The loop is alive and reading: a /help posted now gets its reply."""
    asked = emulator.post_message(peer, MEMBER, "/help")
    await emulator.wait_for(lambda: any(m.reply_to == asked for m in emulator.sent(peer)))


def _action_message(emulator: VkEmulator, peer: int, from_id: int, action: dict[str, Any],
                    text: str = "") -> int:
    return emulator.post_message(peer, from_id, text, action=action)


# == Wall threads ===========================================================================

async def test_obscene_reply_in_a_wall_thread_is_deleted_and_warned_under_the_post(
        emulator: VkEmulator, bot: RunningBot) -> None:
    parent = emulator.post_comment(10, MEMBER, "Great post, thanks!")
    reply = emulator.post_comment(10, SPAMMER, OBSCENE, reply_to_comment=parent)
    delete = (await emulator.wait_calls("wall.deleteComment"))[0]
    assert delete["comment_id"] == str(reply)
    assert emulator.comments[reply]["deleted"] and not emulator.comments[parent]["deleted"]
    notice = await emulator.wait_for(lambda: _wall_said(emulator, "Warning 1 of 4"))
    assert notice[0]["post_id"] == "10"
    # VK refuses a reply to a comment that no longer exists: the notice must not hang off
    # the comment the bot has just deleted.
    assert notice[0].params.get("reply_to_comment") != str(reply)


async def test_question_in_a_wall_thread_reply_to_the_communitys_comment_is_answered(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """The community answered under its post; a member asks a follow-up in that thread."""
    own = emulator.post_comment(10, -emulator.group_id, "Ask us anything!")
    asked = emulator.post_comment(10, MEMBER, "How much does the course cost?",
                                  reply_to_comment=own)
    answer = await emulator.wait_for(lambda: _wall_said(emulator, "500 rub"))
    assert answer[0]["post_id"] == "10"
    assert answer[0].params.get("reply_to_comment") == str(asked)


async def test_the_communitys_own_obscene_reply_in_a_thread_is_never_punished(
        emulator: VkEmulator, bot: RunningBot) -> None:
    parent = emulator.post_comment(10, MEMBER, "Where is my order?")
    emulator.post_comment(10, -emulator.group_id, OBSCENE, reply_to_comment=parent)
    await _settle(emulator)
    assert not emulator.calls_to("wall.deleteComment")
    assert not _wall_said(emulator, "Warning")
    assert str(emulator.group_id) not in {c["owner_id"] for c in emulator.calls_to("groups.ban")}


async def test_wall_comments_are_left_alone_when_the_wall_is_not_one_of_the_communitys_chats(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """The owner configured only the chat: the wall is not the bot's business. Nothing is
    deleted, nothing is answered, and there is no attempt to "leave" the wall."""
    running = await _run(emulator, tmp_path, clock,
                         edit=lambda t: t.replace('"vk:2000000001", "vk:wall"',
                                                  '"vk:2000000001"'))
    try:
        bad = emulator.post_comment(10, SPAMMER, OBSCENE)
        emulator.post_comment(10, MEMBER, "How much does the course cost?")
        await _settle(emulator)
        await _help_still_answered(emulator)
    finally:
        await running.stop()
    assert not emulator.comments[bad]["deleted"]
    methods = {c.method for c in emulator.calls}
    assert not methods & {"wall.deleteComment", "wall.createComment", "groups.ban"}, methods
    assert not emulator.calls_to("messages.removeChatUser")
    assert [c.method for c in emulator.calls if c.error is not None] == []


async def test_wall_comment_with_only_a_sticker_is_ignored_and_the_loop_goes_on(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.push("wall_reply_new", {
        "id": 91_001, "from_id": MEMBER, "date": 0, "text": "", "post_id": 10,
        "owner_id": -emulator.group_id, "parents_stack": [], "post_owner_id": -emulator.group_id,
        "attachments": [{"type": "sticker", "sticker": {"product_id": 1, "sticker_id": 9}}]})
    await _help_still_answered(emulator)
    assert not emulator.calls_to("wall.deleteComment")
    assert not emulator.calls_to("wall.createComment")


# == Quotes, forwards and attachments in chats ==============================================

async def test_replying_to_an_obscene_message_does_not_punish_the_replier(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """VK's reply_message carries the quoted text; only the quoted author swore."""
    emulator.add_members(CHAT, SPAMMER, MEMBER)
    bad = emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
    emulator.post_message(CHAT, MEMBER, "please keep it civil", reply_to=bad)
    emulator.post_message(CHAT, MEMBER, "+1", reply_to=bad)
    await _settle(emulator)
    deleted = [c["cmids"] for c in emulator.calls_to("messages.delete")]
    assert deleted == [str(bad)], deleted
    assert len(_said(emulator, CHAT, "Warning")) == 1
    assert not emulator.calls_to("messages.removeChatUser")


async def test_a_forward_only_obscene_message_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, MEMBER)
    cmid = emulator.post_message(CHAT, MEMBER, "", fwd_text=OBSCENE_2)
    await emulator.wait_for(lambda: _message(emulator, CHAT, cmid).deleted)


async def test_obscene_forward_with_a_comment_of_ones_own_is_also_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """"look at this" + a forwarded obscene message shows the obscenity in the chat just
    the same as a forward without a comment: adding two words must not dodge the filter."""
    emulator.add_members(CHAT, MEMBER)
    cmid = emulator.post_message(CHAT, MEMBER, "look at this lol", fwd_text=OBSCENE_2)
    await _settle(emulator)
    assert _message(emulator, CHAT, cmid).deleted, "the obscene forward stayed in the chat"


async def test_obscene_caption_under_a_photo_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, MEMBER)
    cmid = emulator.post_message(CHAT, MEMBER, OBSCENE, attachments=[{
        "type": "photo", "photo": {"id": 5, "owner_id": MEMBER, "access_key": "k"}}])
    await emulator.wait_for(lambda: _message(emulator, CHAT, cmid).deleted)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))


async def test_stickers_reposts_and_voice_messages_without_text_are_left_alone(
        emulator: VkEmulator, bot: RunningBot) -> None:
    for attachment in ({"type": "sticker", "sticker": {"sticker_id": 1}},
                       {"type": "wall", "wall": {"id": 3, "owner_id": -5, "text": "news"}},
                       {"type": "audio_message", "audio_message": {"duration": 3}},
                       {"type": "photo", "photo": {"id": 6, "owner_id": MEMBER}}):
        emulator.post_message(CHAT, MEMBER, "", attachments=[attachment])
    await _help_still_answered(emulator)
    assert not emulator.calls_to("messages.delete")
    assert [m.text for m in emulator.sent(CHAT) if m.reply_to is None] == []


# == Service (action) messages ==============================================================

async def test_service_messages_are_not_treated_as_text_and_do_not_stop_the_loop(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, 600)
    pinned = emulator.post_message(CHAT, MEMBER, "meeting at 7")
    _action_message(emulator, CHAT, 600, {"type": "chat_title_update", "text": "Byte school"})
    _action_message(emulator, CHAT, 600, {"type": "chat_pin_message", "member_id": 600,
                                          "conversation_message_id": pinned,
                                          "message": "meeting at 7"})
    _action_message(emulator, CHAT, 600, {"type": "chat_unpin_message", "member_id": 600})
    _action_message(emulator, CHAT, 600, {"type": "chat_photo_update"})
    _action_message(emulator, CHAT, 601, {"type": "chat_invite_user_by_link"})
    _action_message(emulator, CHAT, 600, {"type": "chat_invite_user", "member_id": 602})
    _action_message(emulator, CHAT, 602, {"type": "chat_kick_user", "member_id": 602})
    await _help_still_answered(emulator)
    assert not emulator.calls_to("messages.delete")
    assert not emulator.calls_to("messages.removeChatUser")
    assert [m for m in emulator.sent(CHAT) if m.reply_to is None] == []


async def test_a_pin_of_an_obscene_message_by_an_admin_does_not_punish_the_admin(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """VK's pin service message quotes the pinned text; the admin who pinned did not swear."""
    emulator.set_admins(CHAT, 600)
    _action_message(emulator, CHAT, 600, {"type": "chat_pin_message", "member_id": 600,
                                          "conversation_message_id": 1,
                                          "message": OBSCENE}, text="")
    await _settle(emulator)
    assert not emulator.calls_to("messages.delete")
    assert not _said(emulator, CHAT, "Warning")


async def test_the_bot_removed_from_its_community_chat_tells_the_queue(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """A chat admin kicks the community out of the chat: the moderators must learn that the
    chat is no longer moderated, and the bot must not keep writing there."""
    emulator.set_admins(CHAT, 600)
    del emulator.peer(CHAT).members[-emulator.group_id]
    _action_message(emulator, CHAT, 600, {"type": "chat_kick_user",
                                          "member_id": -emulator.group_id})
    await _settle(emulator)
    await _settle(emulator)
    told = [m.text for m in emulator.sent(QUEUE)]
    assert any(str(CHAT) in t or "removed" in t.lower() for t in told), told
    assert not [c for c in emulator.calls if c.method == "messages.send"
                and c.params.get("peer_ids") == str(CHAT)]


async def test_someone_else_invited_to_the_chat_gets_no_message_and_the_bot_stays(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, 600)
    _action_message(emulator, CHAT, 600, {"type": "chat_invite_user", "member_id": SPAMMER})
    await _help_still_answered(emulator)
    assert not [c for c in emulator.calls_to("messages.removeChatUser")
                if c["member_id"] == str(-emulator.group_id)]


# == Who is writing ========================================================================

async def test_the_communitys_own_chat_messages_are_never_input(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """An admin writing as the community (from_id = -group_id): never judged, never answered,
    never a command."""
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, -emulator.group_id, OBSCENE)
    emulator.post_message(CHAT, -emulator.group_id, "How much does the course cost?")
    emulator.post_message(CHAT, -emulator.group_id, f"!ban [id{SPAMMER}|@spammer]")
    await _settle(emulator)
    assert not emulator.calls_to("messages.delete")
    assert not emulator.calls_to("groups.ban")
    assert emulator.sent(CHAT) == [m for m in emulator.peer(CHAT).messages
                                   if m.from_id == -emulator.group_id]
    assert not [m for m in emulator.sent(CHAT) if "500 rub" in m.text or "Warning" in m.text]


async def test_the_bots_outgoing_message_reply_events_are_ignored(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """VK echoes what the community sends in private dialogs as message_reply."""
    emulator.push("message_reply", {
        "date": 0, "from_id": -emulator.group_id, "id": 99, "out": 1, "peer_id": MEMBER,
        "text": OBSCENE, "conversation_message_id": 50, "fwd_messages": [], "attachments": []})
    emulator.push("message_typing_state", {"state": "typing", "from_id": MEMBER,
                                           "to_id": -emulator.group_id})
    emulator.push("message_read", {"from_id": MEMBER, "peer_id": MEMBER, "read_message_id": 1})
    emulator.push("group_join", {"user_id": SPAMMER, "join_type": "join"})
    emulator.push("group_leave", {"user_id": SPAMMER, "self": 1})
    await _help_still_answered(emulator)
    assert not emulator.calls_to("messages.delete")
    assert emulator.sent(MEMBER) == []


async def test_obscene_message_from_a_member_whose_profile_cannot_be_read_is_still_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """users.get refuses (hidden / banned profile, error 15 / 30): the name is a nicety, the
    moderation is not."""
    emulator.fail("users.get", 15, times=5)
    emulator.add_members(CHAT, 8_001)
    cmid = emulator.post_message(CHAT, 8_001, OBSCENE)
    await emulator.wait_for(lambda: _message(emulator, CHAT, cmid).deleted)
    notice = await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
    assert "8001" in notice[0].text  # named somehow, never blank


async def test_a_deactivated_members_obscene_message_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    real = emulator._m_users_get

    def users_get(p: dict[str, str]) -> Any:
        return [dict(u, first_name="DELETED", last_name="", deactivated="deleted")
                if u["id"] == 8_002 else u for u in real(p)]

    emulator._m_users_get = users_get  # type: ignore[method-assign]
    emulator.add_members(CHAT, 8_002)
    cmid = emulator.post_message(CHAT, 8_002, OBSCENE)
    await emulator.wait_for(lambda: _message(emulator, CHAT, cmid).deleted)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))


async def test_obscenity_written_to_the_bot_privately_is_not_a_chat_offence(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, OBSCENE)
    await _settle(emulator)
    assert not emulator.calls_to("messages.delete")
    assert not emulator.calls_to("groups.ban")
    assert not [m for m in emulator.sent(MEMBER) if "Warning" in m.text]
    # and the member's record in the community is clean
    emulator.post_private(MEMBER, "/warns")
    await emulator.wait_for(lambda: emulator.sent(MEMBER))
    assert not [m for m in emulator.sent(MEMBER) if "1 of 4" in m.text]


# == Peers ==================================================================================

async def test_a_message_in_an_unknown_chat_is_never_moderated_there(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(OTHER_CHAT, SPAMMER)
    emulator.post_message(OTHER_CHAT, SPAMMER, OBSCENE)
    emulator.post_message(OTHER_CHAT, SPAMMER, OBSCENE_2)
    await emulator.wait_calls("messages.removeChatUser")
    await _settle(emulator)
    assert not emulator.calls_to("messages.delete")
    assert not emulator.calls_to("groups.ban")
    removed = [c["member_id"] for c in emulator.calls_to("messages.removeChatUser")]
    assert removed == [str(-emulator.group_id)], removed
    assert len(emulator.sent(OTHER_CHAT)) == 1


# == VK errors in the middle of work ========================================================

async def test_access_denied_on_delete_tells_the_chat_and_the_queue_once(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.add_members(CHAT, SPAMMER, 8_003)
    emulator.fail("messages.delete", 15, times=2)
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    emulator.post_message(CHAT, 8_003, OBSCENE)
    await emulator.wait_for(lambda: _said(emulator, QUEUE, "could not delete"))
    await _drain(bot, clock, step=timedelta(seconds=5), rounds=2)
    await _settle(emulator)
    assert len(_said(emulator, QUEUE, "could not delete")) == 1
    chat = _said(emulator, CHAT, "could not delete")
    assert len(chat) == 1 and "admin" in chat[0].text


@pytest.mark.parametrize("code", [917, 925])
async def test_chat_permission_errors_on_removal_are_explained_as_missing_rights(
        emulator: VkEmulator, bot: RunningBot, code: int) -> None:
    """Ladder step 2 removes the member; VK answers 917 (no access to the chat) or 925 (not
    a chat admin). Moderators should read "I need to be an admin", not a raw VK error."""
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
    emulator.fail("messages.removeChatUser", code)
    emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
    told = await emulator.wait_for(lambda: _said(emulator, QUEUE, "could not remove"))
    assert "I need to be an admin with that right there." in told[0].text, told[0].text
    assert str(CHAT) in told[0].text, "the queue is told which chat needs the right"


async def test_chat_disabled_error_945_on_delete_is_reported_not_retried_forever(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.fail("messages.delete", 945, times=20)
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: _said(emulator, QUEUE, "could not delete"))
    await _drain(bot, clock, step=timedelta(minutes=2), rounds=3)
    await _settle(emulator)
    tries = [c for c in emulator.calls if c.method == "messages.delete"]
    assert len(tries) <= 3, f"retried a permanent error {len(tries)} times"


async def test_internal_error_10_on_removal_is_retried_and_removes_once(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
    emulator.fail("messages.removeChatUser", 10, times=2)
    emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
    await emulator.wait_calls("messages.removeChatUser")
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 2 of 4"))
    await _settle(emulator)
    assert SPAMMER not in emulator.peer(CHAT).members
    assert len(emulator.calls_to("messages.removeChatUser")) == 1
    assert not _said(emulator, QUEUE, "could not")


async def test_wall_delete_whose_answer_is_lost_deletes_and_warns_once(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.fail("wall.deleteComment", 10, times=3, after_effect=True)
    emulator.fail("wall.createComment", 10, after_effect=True)
    comment = emulator.post_comment(10, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: emulator.comments[comment]["deleted"])
    await emulator.wait_for(lambda: _wall_said(emulator, "Warning 1 of 4"))
    await _drain(bot, clock, step=timedelta(minutes=1), rounds=3)
    await _settle(emulator)
    notices = [c for c in emulator.comments.values()
               if c["from_id"] == -emulator.group_id and "Warning" in c["text"]]
    assert len(notices) == 1, [c["text"] for c in notices]


async def test_flood_control_9_on_the_wall_warning_delivers_it_once_later(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.fail("wall.createComment", 9, times=2)
    comment = emulator.post_comment(10, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: emulator.comments[comment]["deleted"])
    await emulator.wait_for(lambda: [c for c in emulator.calls
                                     if c.method == "wall.createComment" and c.error == 9])
    for _ in range(6):
        if _wall_said(emulator, "Warning 1 of 4"):
            break
        await _drain(bot, clock, rounds=1)
    await _drain(bot, clock, step=timedelta(minutes=2), rounds=2)
    await _settle(emulator)
    assert len(_wall_said(emulator, "Warning 1 of 4")) == 1


async def test_too_many_requests_6_on_users_get_does_not_hold_up_moderation(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.fail("users.get", 6, times=10)
    emulator.add_members(CHAT, 8_004)
    cmid = emulator.post_message(CHAT, 8_004, OBSCENE)
    await emulator.wait_for(lambda: _message(emulator, CHAT, cmid).deleted)


async def test_long_poll_failed_1_and_2_around_a_report_lose_and_double_nothing(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers at spam.example")
    emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
    await emulator.wait_for(lambda: _said(emulator, QUEUE, "#1"))
    emulator.fail_longpoll(1)
    emulator.fail_longpoll(2)
    # posted while the bot is still recovering: it must arrive all the same
    asked = emulator.post_message(CHAT, MEMBER, "/help")
    await emulator.wait_for(lambda: any(m.reply_to == asked for m in emulator.sent(CHAT)))
    servers = len(emulator.calls_to("groups.getLongPollServer"))
    emulator.fail_longpoll(3)
    await emulator.wait_for(lambda: len(emulator.calls_to("groups.getLongPollServer")) > servers)
    again = emulator.post_message(CHAT, MEMBER, "!help")
    await emulator.wait_for(lambda: any(m.reply_to == again for m in emulator.sent(CHAT)))
    await _settle(emulator)
    cards = [m for m in emulator.sent(QUEUE) if "#1" in m.text]
    assert len(cards) == 1 and not _said(emulator, QUEUE, "#2")
    assert len([m for m in emulator.sent(CHAT) if m.reply_to == asked]) == 1
    assert len(emulator.calls_to("messages.delete")) == 0


async def test_access_denied_15_on_wall_delete_tells_the_queue(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.fail("wall.deleteComment", 15, times=3)
    emulator.post_comment(10, SPAMMER, OBSCENE)
    told = await emulator.wait_for(lambda: _said(emulator, QUEUE, "could not delete"))
    assert "admin" in told[0].text


async def test_flood_control_9_on_removal_removes_once_later(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
    emulator.fail("messages.removeChatUser", 9)
    emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
    await emulator.wait_for(lambda: [c for c in emulator.calls
                                     if c.method == "messages.removeChatUser" and c.error == 9])
    for _ in range(6):
        if emulator.calls_to("messages.removeChatUser"):
            break
        await _drain(bot, clock, rounds=1)
    await _drain(bot, clock, step=timedelta(minutes=2), rounds=2)
    await _settle(emulator)
    assert SPAMMER not in emulator.peer(CHAT).members
    assert len(emulator.calls_to("messages.removeChatUser")) == 1
    assert not _said(emulator, QUEUE, "could not")


# == Command forms moderators type ==========================================================

@pytest.mark.parametrize("command", [
    f"/ban [id{SPAMMER}|Joe Spammer] spam",
    f"!ban [id{SPAMMER}|@joe_spam] spam",
    f"!BAN [id{SPAMMER}|Joe] spam",
    f"/ban vk:{SPAMMER} spam",
    f"!ban {SPAMMER} spam",
])
async def test_ban_target_forms(emulator: VkEmulator, bot: RunningBot, command: str) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, MODERATOR, command)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)
    assert "end_date" not in ban.params


async def test_ban_by_screen_name_of_a_member_seen_before(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.screen_names[SPAMMER] = "joe_spam"
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, SPAMMER, "hello all")
    await _settle(emulator)
    emulator.post_message(CHAT, MODERATOR, "!ban @joe_spam 1d spam")
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER) and "end_date" in ban.params


async def test_ban_by_an_unknown_screen_name_says_so_and_bans_nobody(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_message(CHAT, MODERATOR, "!ban @nobody_here spam")
    await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "nobody_here" in m.text])
    assert not emulator.calls_to("groups.ban")


@pytest.mark.parametrize("target", [f"@id{SPAMMER}", f"https://vk.com/id{SPAMMER}",
                                    f"vk.com/id{SPAMMER}"])
async def test_ban_by_a_plain_id_handle_or_profile_link(
        emulator: VkEmulator, bot: RunningBot, target: str) -> None:
    """Typed without VK's mention markup (from a desktop client, or pasted): @id777 and a
    profile link name the member as surely as [id777|…]."""
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, MODERATOR, f"!ban {target} spam")
    await emulator.wait_for(lambda: emulator.calls_to("groups.ban") or emulator.sent(CHAT))
    await _settle(emulator)
    bans = [c["owner_id"] for c in emulator.calls_to("groups.ban")]
    assert bans == [str(SPAMMER)], [m.text for m in emulator.sent(CHAT)]


async def test_warn_with_duration_first_and_mention_target(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, MODERATOR, f"!mute 10m [id{SPAMMER}|@joe] flood")
    remove = (await emulator.wait_calls("messages.removeChatUser"))[0]
    assert remove["member_id"] == str(SPAMMER)


async def test_ban_of_another_community_by_club_mention_does_not_ban_a_person(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """[club555|Spam Shop] is a community: banning must target -555 or explain, never a
    person and never our own community."""
    emulator.post_message(CHAT, MODERATOR, "!ban [club555|Spam Shop] spam")
    await _settle(emulator)
    owners = {c["owner_id"] for c in emulator.calls_to("groups.ban")}
    assert owners <= {"-555"}, owners
    assert str(-emulator.group_id) not in owners
    assert emulator.sent(CHAT), "the moderator got no answer at all"


async def test_command_addressed_to_the_community_in_a_private_dialog(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, f"[club{emulator.group_id}|@modbot] !help")
    await emulator.wait_for(lambda: emulator.sent(MEMBER))


async def test_report_in_the_private_dialog_with_a_forwarded_chat_message_files_a_ticket(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """The VK way to point at a message from a private dialog: forward it with /report."""
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers at spam.example")
    await _settle(emulator)
    message = {
        "date": 0, "from_id": MEMBER, "id": 7_001, "out": 0, "peer_id": MEMBER,
        "text": "/report spam", "conversation_message_id": 7_001, "attachments": [],
        "fwd_messages": [{"from_id": SPAMMER, "text": "buy followers at spam.example",
                          "date": 0, "peer_id": CHAT, "conversation_message_id": bad}]}
    emulator.push("message_new", {"message": message, "client_info": {}})
    card = await emulator.wait_for(lambda: _said(emulator, QUEUE, "#1"))
    assert "spam.example" in card[0].text or str(SPAMMER) in card[0].text
    await emulator.wait_for(lambda: [m for m in emulator.sent(MEMBER) if "#1" in m.text])


async def test_a_message_edited_into_a_ban_command_does_not_ban(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    cmid = emulator.post_message(CHAT, MODERATOR, "hello everyone")
    await _settle(emulator)
    emulator.push("message_edit", {
        "date": 0, "update_time": 9, "from_id": MODERATOR, "id": 0, "out": 0, "peer_id": CHAT,
        "text": f"!ban [id{SPAMMER}|@joe]", "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})
    await _settle(emulator)
    assert not emulator.calls_to("groups.ban")
    assert SPAMMER in emulator.peer(CHAT).members


async def test_odd_button_payloads_are_answered_and_do_not_stop_the_loop(
        emulator: VkEmulator, bot: RunningBot) -> None:
    for payload in ("not json at all", {"x": 1}, None, {"d": "t:take:999"}):
        emulator.push("message_event", {"user_id": MEMBER, "peer_id": CHAT,
                                        "event_id": f"odd{id(payload)}", "payload": payload,
                                        "conversation_message_id": 1})
    emulator.push("message_event", {"user_id": MEMBER, "peer_id": OTHER_CHAT,
                                    "event_id": "elsewhere", "payload": {"d": "t:take:1"},
                                    "conversation_message_id": 1})
    await _help_still_answered(emulator)
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.delete")


async def test_the_bot_added_back_to_its_own_chat_stays(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, 600)
    emulator.invite_bot(CHAT, 600)
    await _help_still_answered(emulator)
    assert not [c for c in emulator.calls_to("messages.removeChatUser")
                if c["member_id"] == str(-emulator.group_id)]


async def test_a_message_that_only_addresses_the_community_gets_no_reaction(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_message(CHAT, MEMBER, f"[club{emulator.group_id}|@modbot]")
    emulator.post_message(CHAT, MEMBER, f"[club{emulator.group_id}|Modbot], ")
    await _help_still_answered(emulator)
    assert not emulator.calls_to("messages.delete")


async def test_the_communitys_own_wall_comment_edit_is_never_judged(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.push("wall_reply_edit", {
        "id": 92_001, "from_id": -emulator.group_id, "date": 3, "text": OBSCENE,
        "post_id": 10, "owner_id": -emulator.group_id, "parents_stack": [],
        "post_owner_id": -emulator.group_id})
    await _settle(emulator)
    assert not emulator.calls_to("wall.deleteComment")
    assert not _wall_said(emulator, "Warning")


# == Mentions as a vehicle for words ========================================================

async def test_mentioning_a_member_whose_name_is_rude_is_not_an_offence(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """VK fills [id777|…] with the member's real name; that name is not the writer's words."""
    emulator.real_names[SPAMMER] = ("Мудак", "Иванов")
    emulator.add_members(CHAT, MEMBER)
    emulator.post_message(CHAT, MEMBER, f"[id{SPAMMER}|Мудак Иванов], привет, как дела")
    await _help_still_answered(emulator)
    assert not emulator.calls_to("messages.delete")


async def test_an_insult_written_as_the_text_of_a_mention_link_is_caught(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """In VK anyone can write "@id777 (пиздабол)": everyone sees a link reading "пиздабол".
    The text shown in the chat is obscene, whatever markup carries it."""
    emulator.add_members(CHAT, MEMBER)
    cmid = emulator.post_message(CHAT, MEMBER, f"ну ты и [id{SPAMMER}|пиздабол], конечно")
    await _settle(emulator)
    assert _message(emulator, CHAT, cmid).deleted, "an obscene mention text stayed in the chat"


# == Duplicate delivery and flaky admin look-ups ============================================

async def test_vk_delivering_the_same_event_twice_acts_once(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """VK's long poll is at-least-once too: the same event_id may come again."""
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers at spam.example")
    emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
    emulator.post_comment(10, SPAMMER, OBSCENE)
    for update in list(emulator.updates[-3:]):
        emulator.updates.append(dict(update))
    emulator._wake()
    await _settle(emulator)
    await _settle(emulator)
    assert len([m for m in emulator.sent(QUEUE) if "Ticket #" in m.text]) == 1
    assert len(_wall_said(emulator, "Warning")) == 1
    assert len(emulator.calls_to("wall.deleteComment")) == 1


async def test_a_chat_admins_obscene_message_is_not_punished_while_vk_fails_to_list_admins(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """messages.getConversationMembers keeps answering 10: not knowing who is an admin must
    not end with an admin removed from their own chat."""
    emulator.set_admins(CHAT, 600)
    emulator.fail("messages.getConversationMembers", 10, times=100)
    emulator.post_message(CHAT, 600, OBSCENE)
    emulator.post_message(CHAT, 600, OBSCENE_2)
    await _settle(emulator)
    await _settle(emulator)
    removed = [c for c in emulator.calls_to("messages.removeChatUser") if c["member_id"] == "600"]
    assert not removed, [m.text for m in emulator.sent(CHAT)]
    assert not [c for c in emulator.calls_to("groups.ban") if c["owner_id"] == "600"]


async def test_help_addressed_to_the_community_in_a_wall_comment_is_answered_under_the_post(
        emulator: VkEmulator, bot: RunningBot) -> None:
    asked = emulator.post_comment(10, MEMBER, f"[club{emulator.group_id}|Byte School], /help")
    reply = await emulator.wait_calls("wall.createComment")
    assert reply[0]["post_id"] == "10"
    assert reply[0].params.get("reply_to_comment") == str(asked)


# == A banned member comes back ============================================================

async def test_a_banned_member_invited_back_into_the_chat_is_removed_again(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """A VK community ban does not keep anyone out of a chat: a friend can simply invite
    them back. "A member already banned stays banned" (README) needs the bot to remove them."""
    emulator.add_members(CHAT, SPAMMER)
    emulator.set_admins(CHAT, 600)
    emulator.post_message(CHAT, MODERATOR, f"!ban [id{SPAMMER}|@joe] spam")
    await emulator.wait_calls("messages.removeChatUser")
    assert SPAMMER not in emulator.peer(CHAT).members
    emulator.add_members(CHAT, SPAMMER)
    _action_message(emulator, CHAT, 601, {"type": "chat_invite_user", "member_id": SPAMMER})
    emulator.post_message(CHAT, SPAMMER, "I'm back, buy followers at spam.example")
    await _settle(emulator)
    await _settle(emulator)
    assert SPAMMER not in emulator.peer(CHAT).members, "the banned member is back in the chat"


async def test_an_obscene_second_forward_in_one_message_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, MEMBER)
    peer = emulator.peer(CHAT)
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(CHAT, cmid, MEMBER, ""))
    emulator.push("message_new", {"message": {
        "date": 0, "from_id": MEMBER, "id": 0, "out": 0, "peer_id": CHAT, "text": "",
        "conversation_message_id": cmid, "attachments": [],
        "fwd_messages": [{"from_id": 778, "text": "see below", "date": 0},
                         {"from_id": 779, "text": OBSCENE_2, "date": 0}]}, "client_info": {}})
    await _settle(emulator)
    assert _message(emulator, CHAT, cmid).deleted, "the second forwarded message is obscene"
