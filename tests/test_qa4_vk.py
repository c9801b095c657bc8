"""QA round 4 — VK, end to end through the real adapter (poller + executor) and the VK emulator.

Scenarios a community bot must get right on VK that the other VK tests do not cover. Each
asserts what a member, moderator or owner expects to happen; a failing test is a finding
(see /tmp/qa4_vk.md).
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import AsyncIterator
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

from bot.core.clock import FakeClock

OBSCENE = "Блядь, ну кто так строит?"  # tests/data/profanity/samples.jsonl prof-0002
OBSCENE_2 = "Это просто пиздец какой-то"
SPAMMER = 777

FAQ_EN = """
[[faq]]
id = "price"
lang = "en"
questions = ["How much does the course cost?", "What is the price of the course?"]
answer = "The course costs 500 rub per month."
"""

FAQ_RU = """
[[faq]]
id = "pay"
lang = "ru"
questions = ["Как оплатить курс?", "Можно ли оплатить курс картой?"]
answer = "Оплатить курс можно картой или через СБП на сайте."
"""


def _config_text(emulator: VkEmulator, *, language: str = "en", community_extra: str = "",
                 extra: str = "", user_token: bool = True) -> str:
    text = vk_config_text(emulator, community_extra=community_extra, extra=extra,
                          user_token=user_token)
    return text.replace('language = "en"', f'language = "{language}"')


async def _run(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, *,
               faq: str = FAQ_EN, language: str = "en", community_extra: str = "",
               user_token: bool = True) -> RunningBot:
    (tmp_path / "faq.toml").write_text(textwrap.dedent(faq), encoding="utf-8")
    config = write_vk_config(tmp_path, _config_text(
        emulator, language=language, community_extra='faq = "faq.toml"\n' + community_extra,
        user_token=user_token))
    running = RunningBot(config, clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = await _run(emulator, tmp_path, clock)
    yield running
    await running.stop()


async def _settle(emulator: VkEmulator, bot: RunningBot, events: int) -> None:
    """Wait until the pipeline has seen `events` more events and the poller has gone back to
    the long poll twice (so everything those events decided has been delivered)."""
    assert bot.app is not None
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


def _button(message: ChatMessage, label: str) -> str:
    """The callback data of the button whose label contains `label`."""
    assert message.keyboard is not None, "the card has no keyboard"
    for row in message.keyboard["buttons"]:
        for button in row:
            action = button["action"]
            if label.lower() in str(action.get("label", "")).lower():
                return str(json.loads(action["payload"])["d"])
    raise AssertionError(f"no button {label!r} in {message.keyboard}")


def _texts(messages: list[ChatMessage]) -> list[str]:
    return [m.text for m in messages]


# -- FAQ ------------------------------------------------------------------------------------

async def test_faq_reworded_question_in_a_chat_is_answered_in_reply(
        emulator: VkEmulator, bot: RunningBot) -> None:
    cmid = emulator.post_message(CHAT, MEMBER, "what's the price of the course?")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "500 rub" in sent[0].text and sent[0].reply_to == cmid


async def test_faq_same_question_again_within_the_repeat_window_is_not_answered_twice(
        emulator: VkEmulator, bot: RunningBot) -> None:
    first = emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
    await emulator.wait_for(lambda: emulator.sent(CHAT))
    second = emulator.post_message(CHAT, 501, "How much does the course cost?")
    # The bot points to its earlier answer (faq.answered_above) instead of repeating it.
    pointer = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if m.reply_to == second])
    answers = [m for m in emulator.sent(CHAT) if "500 rub" in m.text]
    assert [m.reply_to for m in answers] == [first]
    assert "I answered this a moment ago" in pointer[0].text


async def test_faq_same_question_in_a_wall_comment_twice_is_not_answered_twice(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_comment(10, MEMBER, "How much does the course cost?")
    await emulator.wait_calls("wall.createComment")
    emulator.post_comment(10, 501, "How much does the course cost?")
    await _settle(emulator, bot, 2)
    answers = [c for c in emulator.calls_to("wall.createComment") if "500 rub" in c["message"]]
    assert len(answers) == 1


async def test_faq_chatter_gets_no_reply(emulator: VkEmulator, bot: RunningBot) -> None:
    for text in ("hi all", "lol that was a great lesson yesterday", "ok thanks",
                 "what a night!"):
        emulator.post_message(CHAT, MEMBER, text)
    await _settle(emulator, bot, 4)
    assert emulator.sent(CHAT) == []
    assert not emulator.calls_to("wall.createComment")


async def test_faq_russian_question_gets_the_russian_answer_in_a_russian_community(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=FAQ_RU, language="ru")
    try:
        cmid = emulator.post_message(CHAT, MEMBER, "Подскажите, как можно оплатить курс?")
        sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    finally:
        await running.stop()
    assert "СБП" in sent[0].text and sent[0].reply_to == cmid


async def test_faq_question_in_a_wall_comment_reply_thread_is_answered_on_the_wall(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """A question asked as a reply to another comment is answered under the same post, in
    reply to the asker's comment, never in a chat."""
    parent = emulator.post_comment(10, 501, "Great post!")
    comment = emulator.post_comment(10, MEMBER, "What is the price of the course?",
                                    reply_to_comment=parent)
    call = (await emulator.wait_calls("wall.createComment"))[0]
    assert (call["post_id"], call["reply_to_comment"]) == ("10", str(comment))
    assert "500 rub" in call["message"]
    assert emulator.sent(CHAT) == []


# -- Commands -------------------------------------------------------------------------------

async def test_slash_warn_in_reply_warns_and_warns_lists_it(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers")
    emulator.post_message(CHAT, MODERATOR, "/warn spam links", reply_to=bad)
    done = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "has been warned" in m.text])
    assert "spam links" in done[0].text
    emulator.post_message(CHAT, MODERATOR, "!warns", reply_to=bad)
    listed = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "active warning" in m.text])
    assert ": 1; the ladder" in listed[0].text and "spam links" in listed[0].text
    assert not emulator.peer(CHAT).messages[0].deleted  # /warn keeps the evidence


async def test_club_mention_before_bang_warn_with_an_id_mention_target(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, MODERATOR,
                          f"[club{emulator.group_id}|@club] !warn [id{SPAMMER}|@spammer] rude")
    done = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "has been warned" in m.text])
    assert "rude" in done[0].text
    # The warning is stored against the mentioned user: ask with !warns and the same mention.
    emulator.post_message(CHAT, MODERATOR, f"!warns [id{SPAMMER}|@spammer]")
    listed = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "active warning" in m.text])
    assert ": 1; the ladder" in listed[0].text


async def test_bang_mute_10m_by_forwarded_message_removes_the_member_from_the_chat(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """VK has no mute: the default fallback (`kick`) removes the member from the chat, and the
    notice says so."""
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "flood flood flood")
    # On VK one points at a message by forwarding it along with the command.
    peer = emulator.peer(CHAT)
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(CHAT, cmid, MODERATOR, "!mute 10m flooding"))
    emulator.push("message_new", {"message": {
        "date": 0, "from_id": MODERATOR, "id": 0, "out": 0, "peer_id": CHAT,
        "text": "!mute 10m flooding", "conversation_message_id": cmid,
        "fwd_messages": [{"from_id": SPAMMER, "text": "flood flood flood", "date": 0,
                          "peer_id": CHAT, "conversation_message_id": bad}],
        "attachments": []}})
    remove = (await emulator.wait_calls("messages.removeChatUser"))[0]
    assert (remove["chat_id"], remove["member_id"]) == ("1", str(SPAMMER))
    notice = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "VK has no mute" in m.text
                 or "removed from the chat" in m.text])
    assert notice


async def test_unmute_on_vk_says_there_is_nothing_to_lift_or_that_they_can_write(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, MODERATOR, f"/unmute [id{SPAMMER}|@spammer]")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "can write again" in sent[0].text or "no mute to lift" in sent[0].text


async def test_slash_ban_and_unban_by_mention_use_groups_ban_and_unban(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, MODERATOR, f"/ban [id{SPAMMER}|@spammer] spam")
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER) and "end_date" not in ban.params  # permanent
    assert SPAMMER in emulator.bans
    emulator.post_message(CHAT, MODERATOR, f"/unban {SPAMMER}")
    unban = (await emulator.wait_calls("groups.unban"))[0]
    assert unban["owner_id"] == str(SPAMMER)
    assert SPAMMER not in emulator.bans
    await emulator.wait_for(lambda: [m for m in emulator.sent(CHAT) if "unbanned" in m.text])


@pytest.mark.parametrize(("command", "words"), [
    ("!mute -5m", "Usage: /mute"),
    ("!mute 0m", "longer than zero"),
    ("!ban 400d", "at most 366 days"),
    ("!mute 10months", "Usage: /mute"),
    ("!mute 10", "Usage: /mute"),
])
async def test_bad_arguments_get_a_usage_reply_and_no_action(
        emulator: VkEmulator, bot: RunningBot, command: str, words: str) -> None:
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "hello")
    emulator.post_message(CHAT, MODERATOR, command, reply_to=bad)
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert words in sent[0].text
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")
    assert SPAMMER in emulator.peer(CHAT).members


async def test_a_members_moderator_commands_are_refused_once_per_cooldown(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_message(CHAT, SPAMMER, "hello")
    emulator.post_message(CHAT, MEMBER, "/warn", reply_to=bad)
    emulator.post_message(CHAT, MEMBER, "!mute 10m", reply_to=bad)
    emulator.post_message(CHAT, MEMBER, "/ban", reply_to=bad)
    await emulator.wait_for(lambda: emulator.sent(CHAT))
    await _settle(emulator, bot, 4)
    refusals = [m for m in emulator.sent(CHAT) if "only moderators" in m.text]
    assert len(refusals) == 1
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")


# -- Obscenity ------------------------------------------------------------------------------

async def test_obscene_chat_message_deleted_author_warned_then_ladder_climbs(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    first = emulator.post_message(CHAT, SPAMMER, OBSCENE)
    warning = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "Warning 1 of 4" in m.text])
    # On VK the next step (mute 1h) is carried out as removal from the chat: either wording.
    assert ("next: mute 1h" in warning[0].text
            or "next: removal from the chat" in warning[0].text)
    assert "Блядь" not in warning[0].text and "блядь" not in warning[0].text.lower()
    assert emulator.peer(CHAT).messages[first - 1].deleted
    second = emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
    # Step 2 is "mute 1h": on VK the default fallback removes the member from the chat.
    remove = (await emulator.wait_calls("messages.removeChatUser"))[0]
    assert remove["member_id"] == str(SPAMMER)
    assert emulator.peer(CHAT).messages[second - 1].deleted
    notice = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "Warning 2 of 4" in m.text])
    assert "VK has no mute: removed from the chat instead" in notice[0].text


async def test_obscene_wall_comment_is_deleted_and_the_author_warned_on_the_wall(
        emulator: VkEmulator, bot: RunningBot) -> None:
    comment = emulator.post_comment(10, MEMBER, OBSCENE)
    await emulator.wait_calls("wall.deleteComment")
    assert emulator.comments[comment]["deleted"]
    notice = await emulator.wait_calls("wall.createComment")
    assert "Warning 1 of 4" in notice[0]["message"]
    assert notice[0]["post_id"] == "10"
    assert emulator.sent(CHAT) == []


async def test_a_chat_message_edited_into_obscenity_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    cmid = emulator.post_message(CHAT, MEMBER, "nice weather today")
    await _settle(emulator, bot, 1)
    emulator.peer(CHAT).messages[cmid - 1].text = OBSCENE
    emulator.push("message_edit", {
        "date": 0, "update_time": 5, "from_id": MEMBER, "id": 0, "out": 0, "peer_id": CHAT,
        "text": OBSCENE, "conversation_message_id": cmid, "fwd_messages": [],
        "attachments": []})
    delete = (await emulator.wait_calls("messages.delete"))[0]
    assert (delete["peer_id"], delete["cmids"]) == (str(CHAT), str(cmid))


async def test_a_wall_comment_edited_into_obscenity_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    comment = emulator.post_comment(10, MEMBER, "nice post")
    await _settle(emulator, bot, 1)
    emulator.comments[comment]["text"] = OBSCENE
    emulator.push("wall_reply_edit", {
        "id": comment, "from_id": MEMBER, "date": 1, "text": OBSCENE, "post_id": 10,
        "owner_id": -emulator.group_id, "parents_stack": [],
        "post_owner_id": -emulator.group_id})
    delete = (await emulator.wait_calls("wall.deleteComment"))[0]
    assert delete["comment_id"] == str(comment)


async def test_a_moderators_obscene_message_is_not_punished(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_message(CHAT, MODERATOR, OBSCENE)
    await _settle(emulator, bot, 1)
    assert not emulator.calls_to("messages.removeChatUser")
    assert not [m for m in emulator.sent(CHAT) if "Warning" in m.text]


# -- Reports --------------------------------------------------------------------------------

async def _file_report(emulator: VkEmulator) -> ChatMessage:
    bad = emulator.post_message(CHAT, SPAMMER, "buy cheap followers at spam.example")
    emulator.post_message(CHAT, MEMBER, "!report spam", reply_to=bad)
    return (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]


async def test_report_claim_then_resolve_by_buttons_and_the_reporter_is_told(
        emulator: VkEmulator, bot: RunningBot) -> None:
    card = await _file_report(emulator)
    assert "#1" in card.text and "spam" in card.text
    emulator.press(QUEUE, MODERATOR, card.cmid, _button(card, "Claim"))
    await emulator.wait_for(lambda: "claimed" in emulator.sent(QUEUE)[0].text)
    card = emulator.sent(QUEUE)[0]
    emulator.press(QUEUE, MODERATOR, card.cmid, _button(card, "Resolve"))
    await emulator.wait_for(lambda: "resolved" in emulator.sent(QUEUE)[0].text)
    told = await emulator.wait_for(lambda: [
        m for p in (MEMBER, CHAT) for m in emulator.sent(p)
        if "Your report #1 has been reviewed and resolved" in m.text])
    assert len(told) == 1


async def test_report_reject_by_button_tells_the_reporter_no_action(
        emulator: VkEmulator, bot: RunningBot) -> None:
    card = await _file_report(emulator)
    emulator.press(QUEUE, MODERATOR, card.cmid, _button(card, "Reject"))
    await emulator.wait_for(lambda: "rejected" in emulator.sent(QUEUE)[0].text)
    told = await emulator.wait_for(lambda: [
        m for p in (MEMBER, CHAT) for m in emulator.sent(p)
        if "Your report #1 has been reviewed; the moderators took no action" in m.text])
    assert len(told) == 1


async def test_report_buttons_pressed_by_a_member_in_the_queue_do_nothing(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """Only moderators may claim/resolve; a non-moderator who presses gets a snackbar."""
    card = await _file_report(emulator)
    before = card.text
    emulator.press(QUEUE, 555, card.cmid, _button(card, "Resolve"))
    await emulator.wait_calls("messages.sendMessageEventAnswer")
    await _settle(emulator, bot, 1)
    assert emulator.sent(QUEUE)[0].text == before
    assert not [m for m in emulator.sent(MEMBER) if "resolved" in m.text]


async def test_report_delete_message_button_deletes_the_reported_chat_message(
        emulator: VkEmulator, bot: RunningBot) -> None:
    card = await _file_report(emulator)
    emulator.press(QUEUE, MODERATOR, card.cmid, _button(card, "Delete"))
    delete = (await emulator.wait_calls("messages.delete"))[0]
    assert (delete["peer_id"], delete["cmids"]) == (str(CHAT), "1")
    assert emulator.peer(CHAT).messages[0].deleted


async def test_a_report_about_a_wall_comment_files_a_ticket_with_a_link(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_comment(10, SPAMMER, "buy cheap followers at spam.example")
    obj: dict[str, Any] = {"id": 9999, "from_id": MEMBER, "date": 0, "text": "!report spam",
                           "post_id": 10, "owner_id": -emulator.group_id,
                           "parents_stack": [bad], "post_owner_id": -emulator.group_id,
                           "reply_to_comment": bad, "reply_to_user": SPAMMER}
    emulator.comments[9999] = {"id": 9999, "post_id": 10, "from_id": MEMBER,
                               "text": "!report spam", "deleted": False}
    emulator.push("wall_reply_new", obj)
    card = (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]
    assert "#1" in card.text
    assert f"wall-{emulator.group_id}_10?reply={bad}" in card.text
    assert f"id{SPAMMER}" in card.text or str(SPAMMER) in card.text


# -- Scheduled posts ------------------------------------------------------------------------

SCHEDULE_WALL = """
[[community.schedule]]
at = "2026-03-02 12:30"
text = "Open lesson tonight at 19:00"
chats = ["vk:wall"]
"""

SCHEDULE_CHAT = """
[[community.schedule]]
at = "2026-03-02 12:30"
text = "Reminder: homework is due tonight"
chats = ["vk:2000000001"]
"""


async def test_a_scheduled_chat_post_is_sent_exactly_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    running = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_CHAT)
    assert running.app is not None
    service = service_for(running.app)
    try:
        await service.start(clock.now())
        await service.run_due(clock.now())
        assert emulator.sent(CHAT) == []
        clock.advance(timedelta(minutes=31))
        await service.run_due(clock.now())
        await service.run_due(clock.now())
        clock.advance(timedelta(minutes=5))
        await service.run_due(clock.now())
    finally:
        await running.stop()
    assert _texts(emulator.sent(CHAT)) == ["Reminder: homework is due tonight"]


async def test_a_scheduled_wall_post_survives_a_restart_before_it_is_due(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    first = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_WALL)
    assert first.app is not None
    try:
        service = service_for(first.app)
        await service.start(clock.now())
        await service.run_due(clock.now())
    finally:
        await first.stop()
    assert not emulator.calls_to("wall.post")
    clock.advance(timedelta(minutes=31))
    config = write_vk_config(tmp_path, (tmp_path / "config.toml").read_text(encoding="utf-8"))
    second = RunningBot(config, clock, emulator)
    await second.start()
    try:
        assert second.app is not None
        service = service_for(second.app)
        await service.start(clock.now())
        await service.run_due(clock.now())
        await service.run_due(clock.now())
    finally:
        await second.stop()
    assert [p["message"] for p in emulator.posts.values()] == ["Open lesson tonight at 19:00"]


@pytest.mark.parametrize(("code", "after_effect"), [(6, False), (10, False), (10, True)])
async def test_a_vk_error_on_wall_post_is_retried_without_duplicates(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock, code: int,
        after_effect: bool) -> None:
    from bot.features.schedule import service_for

    running = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_WALL)
    assert running.app is not None
    try:
        service = service_for(running.app)
        await service.start(clock.now())
        emulator.fail("wall.post", code, times=2, after_effect=after_effect)
        clock.advance(timedelta(minutes=31))
        for _ in range(4):
            await service.run_due(clock.now())
            clock.advance(timedelta(minutes=2))
            await running.app.pipeline.drain()
    finally:
        await running.stop()
    assert [p["message"] for p in emulator.posts.values()] == ["Open lesson tonight at 19:00"]
    assert not [m for m in emulator.sent(QUEUE) if "could not be published" in m.text]


# -- Boundaries -----------------------------------------------------------------------------

async def test_events_from_another_group_id_are_ignored(
        emulator: VkEmulator, bot: RunningBot) -> None:
    update = {"type": "message_new", "group_id": 999, "event_id": "foreign-1", "v": "5.199",
              "object": {"message": {
                  "date": 0, "from_id": MEMBER, "id": 0, "out": 0, "peer_id": CHAT,
                  "text": "/help", "conversation_message_id": 50, "fwd_messages": [],
                  "attachments": []}}}
    emulator.updates.append(update)
    emulator._wake()
    await _settle(emulator, bot, 1)
    assert emulator.sent(CHAT) == []


async def test_the_bot_invited_to_the_queue_chat_stays(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """The queue chat is not one of the community's chats but is configured: no leaving."""
    emulator.invite_bot(QUEUE, inviter=MODERATOR)
    await _settle(emulator, bot, 1)
    assert not emulator.calls_to("messages.removeChatUser")
    assert not [m for m in emulator.sent(QUEUE) if "Leaving" in m.text]


# -- More: ladder on the wall, queue commands, private complaints, cleanup, schedule ---------

async def test_second_obscene_wall_comment_gets_a_timed_community_ban(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    """Wall comments have no mute or removal: step 2 (mute 1h) becomes a 1h community ban."""
    emulator.post_comment(10, SPAMMER, OBSCENE)
    await emulator.wait_calls("wall.deleteComment")
    emulator.post_comment(10, SPAMMER, OBSCENE_2)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER) and ban.token == "user"
    end = int(ban["end_date"])
    expected = int((clock.now() + timedelta(hours=1)).timestamp())
    assert abs(end - expected) <= 120
    await emulator.wait_calls("wall.deleteComment", 2)
    notice = await emulator.wait_for(lambda: [
        c for c in emulator.calls_to("wall.createComment") if "Warning 2 of 4" in c["message"]])
    assert "banned" in notice[0]["message"]


async def test_ban_author_button_bans_deletes_and_resolves(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    card = await _file_report(emulator)
    emulator.press(QUEUE, MODERATOR, card.cmid, _button(card, "Ban author"))
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)
    await emulator.wait_for(lambda: emulator.peer(CHAT).messages[0].deleted)
    await emulator.wait_for(lambda: "resolved" in emulator.sent(QUEUE)[0].text)
    assert SPAMMER not in emulator.peer(CHAT).members


async def test_resolve_by_text_in_the_queue_chat_tells_the_reporter_the_note(
        emulator: VkEmulator, bot: RunningBot) -> None:
    await _file_report(emulator)
    emulator.post_message(QUEUE, MODERATOR, "!take #1")
    await emulator.wait_for(lambda: [m for m in emulator.sent(QUEUE) if "is yours" in m.text])
    emulator.post_message(QUEUE, MODERATOR, "/resolve 1 removed the spammer")
    told = await emulator.wait_for(lambda: [
        m for p in (MEMBER, CHAT) for m in emulator.sent(p) if "resolved" in m.text])
    assert "Your report #1" in told[0].text and "removed the spammer" in told[0].text
    await emulator.wait_for(lambda: "resolved" in emulator.sent(QUEUE)[0].text)


async def test_a_private_complaint_on_vk_becomes_a_ticket_and_is_acknowledged_privately(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, "/complaint")
    await emulator.wait_for(lambda: [
        m for m in emulator.sent(MEMBER) if "describe your complaint" in m.text])
    emulator.post_private(MEMBER, "A member keeps sending me spam in private messages")
    card = (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]
    assert "#1" in card.text and "keeps sending me spam" in card.text
    ack = await emulator.wait_for(lambda: [m for m in emulator.sent(MEMBER) if "#1" in m.text])
    assert len(ack) == 1 and "Thank you" in ack[0].text


async def test_a_ban_given_in_the_queue_chat_acts_in_the_community(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(QUEUE, MODERATOR, f"!ban {SPAMMER} spam bot")
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)
    await emulator.wait_for(lambda: SPAMMER not in emulator.peer(CHAT).members)


async def test_dwarn_deletes_the_message_and_the_warning_notice_cleans_itself_up(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    bad = emulator.post_message(CHAT, SPAMMER, "offtopic ad")
    emulator.post_message(CHAT, MODERATOR, "!dwarn ads", reply_to=bad)
    delete = (await emulator.wait_calls("messages.delete"))[0]
    assert delete["cmids"] == str(bad)
    notice = (await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "warned" in m.text]))[0]
    clock.advance(timedelta(minutes=3))  # notice_ttl is 2m
    await emulator.wait_for(lambda: notice.deleted)


async def test_antiflood_repeats_are_deleted_on_vk(
        emulator: VkEmulator, bot: RunningBot) -> None:
    cmids = [emulator.post_message(CHAT, SPAMMER, "JOIN MY CHANNEL NOW") for _ in range(4)]
    await emulator.wait_calls("messages.delete")
    await _settle(emulator, bot, 4)
    deleted = {m.cmid for m in emulator.peer(CHAT).messages if m.deleted and m.from_id == SPAMMER}
    assert not emulator.peer(CHAT).messages[cmids[0] - 1].deleted  # the first one stays
    assert deleted >= set(cmids[2:])


async def test_a_moderators_schedule_command_in_a_vk_chat_posts_once_when_due(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    emulator.post_message(CHAT, MODERATOR, "!schedule in 1h Webinar starts now!")
    added = await emulator.wait_for(
        lambda: [m for m in emulator.sent(CHAT) if "Scheduled post #" in m.text])
    assert added
    assert bot.app is not None
    service = service_for(bot.app)
    await service.run_due(clock.now())
    assert not [m for m in emulator.sent(CHAT) if m.text == "Webinar starts now!"]
    clock.advance(timedelta(minutes=61))
    await service.run_due(clock.now())
    await service.run_due(clock.now())
    await bot.app.pipeline.drain()
    posts = [m for m in emulator.sent(CHAT) if m.text == "Webinar starts now!"]
    walls = [p for p in emulator.posts.values() if p.get("message") == "Webinar starts now!"]
    assert len(posts) + len(walls) >= 1
    assert len(posts) <= 1 and len(walls) <= 1


async def test_a_scheduled_post_missed_by_more_than_the_grace_is_skipped_not_posted_late(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    from bot.features.schedule import service_for

    clock.advance(timedelta(hours=3))  # the bot starts 2.5 h after the 12:30 post was due
    running = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_WALL)
    assert running.app is not None
    try:
        service = service_for(running.app)
        await service.start(clock.now())
        await service.run_due(clock.now())
        await running.app.pipeline.drain()
    finally:
        await running.stop()
    assert emulator.posts == {}


# -- More: addressing, edits, other senders, staying silent ---------------------------------

async def test_a_question_addressed_to_the_community_by_mention_is_answered(
        emulator: VkEmulator, bot: RunningBot) -> None:
    cmid = emulator.post_message(
        CHAT, MEMBER, f"[club{emulator.group_id}|@club] how much does the course cost?")
    sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    assert "500 rub" in sent[0].text and sent[0].reply_to == cmid


async def test_editing_an_answered_question_does_not_get_a_second_answer(
        emulator: VkEmulator, bot: RunningBot) -> None:
    cmid = emulator.post_message(CHAT, MEMBER, "How much does the course cots?")
    await emulator.wait_for(lambda: emulator.sent(CHAT))
    emulator.push("message_edit", {
        "date": 0, "update_time": 7, "from_id": MEMBER, "id": 0, "out": 0, "peer_id": CHAT,
        "text": "How much does the course cost?", "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})
    await _settle(emulator, bot, 1)
    assert len([m for m in emulator.sent(CHAT) if "500 rub" in m.text]) == 1
    assert len(emulator.sent(CHAT)) == 1


async def test_an_obscene_wall_comment_posted_as_another_community_is_deleted(
        emulator: VkEmulator, bot: RunningBot) -> None:
    comment = emulator.post_comment(10, -555, OBSCENE)
    delete = (await emulator.wait_calls("wall.deleteComment"))[0]
    assert delete["comment_id"] == str(comment)


async def test_with_leave_unknown_chats_off_the_bot_stays_silent_in_an_unknown_chat(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    config = write_vk_config(tmp_path, _config_text(emulator, extra="leave_unknown_chats = false"))
    running = RunningBot(config, clock, emulator)
    await running.start()
    stranger = 2_000_000_077
    try:
        emulator.invite_bot(stranger, inviter=MEMBER)
        emulator.post_message(stranger, MEMBER, "/help")
        emulator.post_message(stranger, MEMBER, OBSCENE)
        await _settle(emulator, running, 3)
    finally:
        await running.stop()
    assert emulator.sent(stranger) == []
    assert not emulator.calls_to("messages.removeChatUser")
    assert not emulator.calls_to("messages.delete")


async def test_delete_button_on_a_wall_comment_ticket_deletes_the_reported_comment(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    bad = emulator.post_comment(10, SPAMMER, "buy cheap followers at spam.example")
    emulator.comments[9999] = {"id": 9999, "post_id": 10, "from_id": MEMBER,
                               "text": "!report spam", "deleted": False}
    emulator.push("wall_reply_new", {
        "id": 9999, "from_id": MEMBER, "date": 0, "text": "!report spam", "post_id": 10,
        "owner_id": -emulator.group_id, "parents_stack": [bad],
        "post_owner_id": -emulator.group_id, "reply_to_comment": bad, "reply_to_user": SPAMMER})
    card = (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]
    ack = (await emulator.wait_calls("wall.createComment"))[0]
    assert "Your report #1" in ack["message"] and ack["reply_to_comment"] == "9999"
    emulator.press(QUEUE, MODERATOR, card.cmid, _button(card, "Delete"))
    await emulator.wait_for(lambda: emulator.comments[bad]["deleted"])


async def test_a_russian_community_gets_russian_notices_and_refusals(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=FAQ_RU, language="ru")
    try:
        emulator.post_message(CHAT, SPAMMER, OBSCENE)
        notice = await emulator.wait_for(
            lambda: [m for m in emulator.sent(CHAT) if "Предупреждение 1 из 4" in m.text])
        bad = emulator.post_message(CHAT, SPAMMER, "привет")
        emulator.post_message(CHAT, MEMBER, "!ban", reply_to=bad)
        await emulator.wait_for(lambda: len(emulator.sent(CHAT)) >= 2)
    finally:
        await running.stop()
    assert "сообщение удалено" in notice[0].text
    for message in emulator.sent(CHAT):
        assert "Warning" not in message.text and "Sorry" not in message.text
