"""QA round 13 — VK in depth: community chats, the wall, private messages.

Drives the real VK adapter (poller + executor) against the VK API emulator. Scenarios not
covered by test_qa4_vk.py, test_vk_features.py, test_qa9/11/12. Each test asserts what a
member, moderator or owner expects; a failing test is a finding (see /tmp/qa13.md).
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
from vk_emulator.wire import said as _said
from vk_emulator.wire import settle as _settle
from vk_emulator.wire import wall_said as _wall_said

from bot.core.clock import FakeClock

OBSCENE = "Блядь, ну кто так строит?"
OBSCENE_2 = "Это просто пиздец какой-то"
OBSCENE_3 = "Ну ты и мудак, честное слово"
OBSCENE_4 = "Охуеть, опять сломалось"
SPAMMER = 777

FAQ_EN = """
[[faq]]
id = "price"
lang = "en"
questions = ["How much does the course cost?", "What is the price of the course?"]
answer = "The course costs 500 rub per month."

[[faq]]
id = "refund"
lang = "en"
questions = ["How do I get a refund?", "Can I get my money back?"]
answer = "Write to support@example.com within 14 days for a full refund."
"""


def _config(emulator: VkEmulator, *, community_extra: str = "", extra: str = "",
            user_token: bool = True, language: str = "en") -> str:
    text = vk_config_text(emulator, community_extra=community_extra, extra=extra,
                          user_token=user_token)
    return text.replace('language = "en"', f'language = "{language}"')


async def _run(emulator: VkEmulator, tmp_path: Path, clock: FakeClock, *,
               faq: str = FAQ_EN, community_extra: str = "", extra: str = "",
               user_token: bool = True, language: str = "en") -> RunningBot:
    (tmp_path / "faq.toml").write_text(textwrap.dedent(faq), encoding="utf-8")
    config = write_vk_config(tmp_path, _config(
        emulator, community_extra='faq = "faq.toml"\n' + community_extra, extra=extra,
        user_token=user_token, language=language))
    running = RunningBot(config, clock, emulator)
    await running.start()
    return running


@pytest.fixture
async def bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[RunningBot]:
    running = await _run(emulator, tmp_path, clock)
    yield running
    await running.stop()


def _buttons(message: ChatMessage) -> list[dict[str, Any]]:
    assert message.keyboard is not None, "no keyboard"
    return [b["action"] for row in message.keyboard["buttons"] for b in row]


def _wall_reply(emulator: VkEmulator, post_id: int, from_id: int, text: str, parent: int,
                parent_author: int) -> int:
    """A comment written as a reply to another comment (VK names the replied-to author)."""
    comment_id = 50_000 + len(emulator.comments)
    emulator.comments[comment_id] = {"id": comment_id, "post_id": post_id, "from_id": from_id,
                                     "text": text, "deleted": False}
    emulator.push("wall_reply_new", {
        "id": comment_id, "from_id": from_id, "date": 0, "text": text, "post_id": post_id,
        "owner_id": -emulator.group_id, "parents_stack": [parent],
        "post_owner_id": -emulator.group_id, "reply_to_comment": parent,
        "reply_to_user": parent_author})
    return comment_id


# == Who is a moderator on VK ==============================================================

async def test_chat_admin_from_conversation_members_can_bang_warn(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """Not listed in `moderators`, but VK marks them is_admin in the chat."""
    emulator.set_admins(CHAT, 600)
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers")
    emulator.post_message(CHAT, 600, "!warn spam", reply_to=bad)
    done = await emulator.wait_for(lambda: _said(emulator, CHAT, "has been warned"))
    assert "spam" in done[0].text
    assert not _said(emulator, CHAT, "only moderators")


async def test_chat_owner_can_ban_and_is_never_punished_automatically(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, owner=601)
    emulator.post_message(CHAT, 601, OBSCENE)
    await _settle(emulator)
    assert not _said(emulator, CHAT, "Warning")
    assert not emulator.calls_to("messages.removeChatUser")
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, 601, f"!ban [id{SPAMMER}|@spammer] spam")
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)


async def test_member_promoted_to_chat_admin_can_moderate_once_the_cache_expires(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers")
    emulator.post_message(CHAT, 602, "!warn spam", reply_to=bad)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "only moderators"))
    emulator.set_admins(CHAT, 602)
    clock.advance(timedelta(minutes=6))  # past the 300 s admin cache
    emulator.post_message(CHAT, 602, "!warn spam", reply_to=bad)
    done = await emulator.wait_for(lambda: _said(emulator, CHAT, "has been warned"))
    assert "spam" in done[0].text


async def test_chat_admin_demoted_loses_moderator_rights_once_the_cache_expires(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.set_admins(CHAT, 603)
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers")
    emulator.post_message(CHAT, 603, "!warn spam", reply_to=bad)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "has been warned"))
    emulator.peer(CHAT).members[603] = "member"
    clock.advance(timedelta(minutes=6))
    emulator.post_message(CHAT, 603, f"!ban [id{SPAMMER}|@spammer]")
    await emulator.wait_for(lambda: _said(emulator, CHAT, "only moderators"))
    assert not emulator.calls_to("groups.ban")


async def test_chat_admins_obscene_wall_comment_is_not_punished(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """README: an admin of one of the community's chats is protected on the wall too."""
    emulator.set_admins(CHAT, 604)
    emulator.post_comment(10, 604, OBSCENE)
    await _settle(emulator)
    assert not emulator.calls_to("groups.ban")
    assert not _wall_said(emulator, "Warning")


async def test_listed_moderator_bang_ban_in_a_wall_reply_bans_the_commenter(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_comment(10, SPAMMER, "buy cheap followers at spam.example")
    _wall_reply(emulator, 10, MODERATOR, "!ban spam", bad, SPAMMER)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER) and "end_date" not in ban.params
    assert not emulator.sent(CHAT)


async def test_members_bang_ban_in_a_wall_reply_is_refused(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_comment(10, SPAMMER, "buy cheap followers at spam.example")
    _wall_reply(emulator, 10, MEMBER, "!ban spam", bad, SPAMMER)
    await _settle(emulator)
    assert not emulator.calls_to("groups.ban")
    assert not emulator.comments[bad]["deleted"]


# == The ladder on VK ======================================================================

async def test_fallback_ban_turns_the_ladders_mute_into_a_timed_community_ban_in_a_chat(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, community_extra=(
        '[community.moderation]\nvk_mute_fallback = "ban"\n'))
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.post_message(CHAT, SPAMMER, OBSCENE)
        await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
        emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
        ban = (await emulator.wait_calls("groups.ban"))[0]
        notice = await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 2 of 4"))
        await emulator.wait_calls("messages.removeChatUser")
    finally:
        await running.stop()
    assert ban["owner_id"] == str(SPAMMER)
    expected = int((clock.now() + timedelta(hours=1)).timestamp())
    assert abs(int(ban["end_date"]) - expected) <= 120
    assert "VK has no mute: banned" in notice[0].text and "1h" in notice[0].text


async def test_fallback_warn_only_deletes_and_warns_at_the_mute_step(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, community_extra=(
        '[community.moderation]\nvk_mute_fallback = "warn"\n'))
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.post_message(CHAT, SPAMMER, OBSCENE)
        await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
        second = emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
        notice = await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 2 of 4"))
        await _settle(emulator)
    finally:
        await running.stop()
    assert emulator.peer(CHAT).messages[second - 1].deleted
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")
    assert "warning only" in notice[0].text


async def test_fallback_ban_mute_then_unmute_lifts_the_community_ban(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, community_extra=(
        '[community.moderation]\nvk_mute_fallback = "ban"\n'))
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.post_message(CHAT, MODERATOR, f"!mute [id{SPAMMER}|@spammer] 10m flood")
        ban = (await emulator.wait_calls("groups.ban"))[0]
        expected = int((clock.now() + timedelta(minutes=10)).timestamp())
        assert abs(int(ban["end_date"]) - expected) <= 120
        emulator.post_message(CHAT, MODERATOR, f"!unmute [id{SPAMMER}|@spammer]")
        unban = (await emulator.wait_calls("groups.unban"))[0]
        told = await emulator.wait_for(lambda: _said(emulator, CHAT, "can write again"))
    finally:
        await running.stop()
    assert unban["owner_id"] == str(SPAMMER) and SPAMMER not in emulator.bans
    assert "no mute to lift" not in told[0].text


async def test_timed_bang_ban_3d_sets_end_date_and_removes_from_the_chat(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "spam spam")
    emulator.post_message(CHAT, MODERATOR, "!ban 3d spamming", reply_to=bad)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    expected = int((clock.now() + timedelta(days=3)).timestamp())
    assert abs(int(ban["end_date"]) - expected) <= 120
    await emulator.wait_for(lambda: SPAMMER not in emulator.peer(CHAT).members)
    notice = await emulator.wait_for(lambda: _said(emulator, CHAT, "is banned"))
    assert "3d" in notice[0].text or "3 days" in notice[0].text


async def test_bang_kick_removes_from_the_chat_without_a_community_ban(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "spam spam")
    emulator.post_message(CHAT, MODERATOR, "!kick off-topic", reply_to=bad)
    await emulator.wait_calls("messages.removeChatUser")
    await emulator.wait_for(lambda: _said(emulator, CHAT, "removed from the chat"))
    assert not emulator.calls_to("groups.ban")


async def test_warning_notice_names_the_member_by_their_vk_name_not_id(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """users.get gives first/last names ("Member 777" in the emulator)."""
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    notice = await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
    assert "Member 777" in notice[0].text, notice[0].text
    assert "id777" not in notice[0].text


async def test_the_ladder_reaches_a_permanent_community_ban_on_the_fourth_offence(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    for n, text in enumerate((OBSCENE, OBSCENE_2, OBSCENE_3, OBSCENE_4), start=1):
        emulator.post_message(CHAT, SPAMMER, text)
        if n < 4:
            await emulator.wait_for(lambda n=n: _said(emulator, CHAT, f"Warning {n} of 4"))
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER) and "end_date" not in ban.params


async def test_wall_kick_step_without_duration_is_a_warning_only(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """README: on the wall a kick step without a duration becomes a warning."""
    ladder = ('[community.moderation]\nladder = [{ action = "warn" }, { action = "kick" }, '
              '{ action = "ban" }]\n')
    running = await _run(emulator, tmp_path, clock, community_extra=ladder)
    try:
        emulator.post_comment(10, SPAMMER, OBSCENE)
        await emulator.wait_for(lambda: _wall_said(emulator, "Warning 1 of 3"))
        second = emulator.post_comment(10, SPAMMER, OBSCENE_2)
        notice = await emulator.wait_for(lambda: _wall_said(emulator, "Warning 2 of 3"))
        await _settle(emulator)
    finally:
        await running.stop()
    assert emulator.comments[second]["deleted"]
    assert not emulator.calls_to("groups.ban")
    assert "removed from the chat" not in notice[0]["message"].lower()


# == Command spelling ======================================================================

@pytest.mark.parametrize("command", ["!Ban", "!BAN", "/Ban", "!ban@club42"])
async def test_bang_ban_in_other_case_or_with_the_club_suffix_works(
        emulator: VkEmulator, bot: RunningBot, command: str) -> None:
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "spam spam")
    emulator.post_message(CHAT, MODERATOR, f"{command} spam", reply_to=bad)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)


async def test_bang_space_ban_is_not_a_command_and_does_nothing(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """"! ban" is not a command (as in Rose); it must not act, nor be mis-read."""
    emulator.add_members(CHAT, SPAMMER)
    bad = emulator.post_message(CHAT, SPAMMER, "spam spam")
    emulator.post_message(CHAT, MODERATOR, "! ban", reply_to=bad)
    await _settle(emulator)
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")


@pytest.mark.parametrize("command", ["!ban", "!kick", "!mute 10m"])
async def test_punishing_the_bots_own_message_never_bans_or_removes_the_community(
        emulator: VkEmulator, bot: RunningBot, command: str) -> None:
    """A moderator replies "!ban" to the bot's FAQ answer (a slip, or a test of the bot):
    the community must not ban itself nor leave its own chat."""
    emulator.post_message(CHAT, MEMBER, "How much does the course cost?")
    answer = (await emulator.wait_for(lambda: _said(emulator, CHAT, "500 rub")))[0]
    emulator.post_message(CHAT, MODERATOR, command, reply_to=answer.cmid)
    await _settle(emulator)
    await _settle(emulator)
    assert not [c.params for c in emulator.calls_to("groups.ban")
                if c["owner_id"] in (str(-emulator.group_id), str(emulator.group_id))]
    assert not [c.params for c in emulator.calls_to("messages.removeChatUser")
                if int(c["member_id"]) < 0]
    assert -emulator.group_id in emulator.peer(CHAT).members


async def test_bang_ban_of_the_communitys_own_wall_comment_does_not_ban_the_community(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_comment(10, MEMBER, "What is the price of the course?")
    answer = (await emulator.wait_calls("wall.createComment"))[0]
    own = next(cid for cid, c in emulator.comments.items() if c["text"] == answer["message"])
    _wall_reply(emulator, 10, MODERATOR, "!ban", own, -emulator.group_id)
    await _settle(emulator)
    await _settle(emulator)
    assert not [c.params for c in emulator.calls_to("groups.ban")
                if c["owner_id"] in (str(-emulator.group_id), str(emulator.group_id))]


async def test_moderator_cannot_warn_a_chat_admin(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, 605)
    msg = emulator.post_message(CHAT, 605, "I am the admin here")
    emulator.post_message(CHAT, MODERATOR, "!ban", reply_to=msg)
    reply = await emulator.wait_for(lambda: emulator.sent(CHAT))
    await _settle(emulator)
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")
    assert "banned" not in reply[0].text


async def test_wall_warning_notice_names_the_commenter_by_name(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_comment(10, SPAMMER, OBSCENE)
    notice = await emulator.wait_for(lambda: _wall_said(emulator, "Warning 1 of 4"))
    assert "Member 777" in notice[0]["message"], notice[0]["message"]


async def test_bang_warn_in_reply_to_a_message_that_forwards_someone_warns_the_poster(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """A member forwards a third party's text into the chat; the moderator warns the member
    who posted it (the quoted author is not in the chat)."""
    emulator.post_message(CHAT, 503, "", fwd_text="look at this spam")
    bad = emulator.peer(CHAT).next_cmid - 1
    emulator.post_message(CHAT, MODERATOR, "!warn reposting spam", reply_to=bad)
    done = await emulator.wait_for(lambda: _said(emulator, CHAT, "has been warned"))
    assert "503" in done[0].text
    emulator.post_message(CHAT, MODERATOR, "!warns [id503|@m]")
    listed = await emulator.wait_for(lambda: _said(emulator, CHAT, "active warnings"))
    assert ": 1; the ladder" in listed[0].text


# == The wall ==============================================================================

async def test_the_communitys_own_obscene_comment_is_left_alone(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_comment(10, -emulator.group_id, OBSCENE)
    emulator.post_comment(10, MEMBER, "hello")  # something after it, to settle on
    await _settle(emulator)
    assert not emulator.calls_to("wall.deleteComment")
    assert not emulator.calls_to("groups.ban")


async def test_member_bang_warns_in_a_wall_comment_is_answered_under_the_post(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_comment(10, SPAMMER, OBSCENE)
    await emulator.wait_calls("wall.deleteComment")
    comment = emulator.post_comment(10, SPAMMER, "!warns")
    reply = await emulator.wait_for(lambda: _wall_said(emulator, "active warnings"))
    assert reply[0]["post_id"] == "10" and reply[0]["reply_to_comment"] == str(comment)
    assert ": 1; the ladder" in reply[0]["message"]
    assert not emulator.sent(CHAT)


async def test_moderator_bang_warn_in_a_wall_reply_warns_under_the_post(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_comment(10, SPAMMER, "buy cheap followers at spam.example")
    _wall_reply(emulator, 10, MODERATOR, "!warn spam links", bad, SPAMMER)
    notice = await emulator.wait_for(lambda: _wall_said(emulator, "has been warned"))
    assert notice[0]["post_id"] == "10"
    assert "spam links" in notice[0]["message"]
    assert not emulator.comments[bad]["deleted"]  # /warn keeps the evidence


async def test_moderator_bang_dwarn_in_a_wall_reply_deletes_the_comment(
        emulator: VkEmulator, bot: RunningBot) -> None:
    bad = emulator.post_comment(10, SPAMMER, "buy cheap followers at spam.example")
    _wall_reply(emulator, 10, MODERATOR, "!dwarn spam", bad, SPAMMER)
    delete = (await emulator.wait_calls("wall.deleteComment"))[0]
    assert delete["comment_id"] == str(bad)


async def test_wall_warning_notice_deletes_itself_after_notice_ttl(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    emulator.post_comment(10, SPAMMER, OBSCENE)
    notice = (await emulator.wait_for(lambda: _wall_said(emulator, "Warning 1 of 4")))[0]
    created = [cid for cid, c in emulator.comments.items()
               if c["from_id"] == -emulator.group_id and "Warning 1 of 4" in c["text"]]
    assert created, notice
    clock.advance(timedelta(minutes=3))
    await emulator.wait_for(lambda: emulator.comments[created[0]]["deleted"])


# == Private messages ======================================================================

async def test_private_help_is_answered_privately(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, "/help")
    help_text = await emulator.wait_for(lambda: _said(emulator, MEMBER, "Commands:"))
    assert "/faq" in help_text[0].text and "/report" in help_text[0].text
    assert not emulator.sent(CHAT)


async def test_private_bang_help_and_bang_faq_work(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, "!faq")
    listed = await emulator.wait_for(lambda: _said(emulator, MEMBER, "How much does"))
    assert "How do I get a refund?" in "\n".join(m.text for m in emulator.sent(MEMBER))
    assert listed


async def test_private_question_is_answered_from_the_faq(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, "How do I get a refund?")
    answer = await emulator.wait_for(lambda: _said(emulator, MEMBER, "support@example.com"))
    assert len(answer) == 1


async def test_private_mute_says_where_it_works_and_does_nothing(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MODERATOR, f"!mute {SPAMMER} 10m")
    reply = await emulator.wait_for(lambda: emulator.sent(MODERATOR))
    assert reply[0].text
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")


FAQ_RU_LONG = """
[[faq]]
id = "oplata"
lang = "ru"
questions = ["Какими способами можно оплатить обучение на курсе программирования 💳?"]
answer = "Оплатить обучение можно картой, через СБП или по счёту для юрлиц."

[[faq]]
id = "vozvrat"
lang = "ru"
questions = ["Как вернуть деньги за курс, если передумал учиться 🤔?"]
answer = "Напишите в поддержку в течение 14 дней — вернём всю сумму."
"""


async def test_private_did_you_mean_buttons_fit_vk_limits_and_answer_when_pressed(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=FAQ_RU_LONG, language="ru",
                         community_extra=("[community.answers]\nanswer_threshold = 0.99\n"
                                          "suggest_threshold = 0.05\n"))
    try:
        emulator.post_private(MEMBER, "какие варианты есть чтобы заплатить?")
        offer = (await emulator.wait_for(lambda: [
            m for m in emulator.sent(MEMBER) if m.keyboard]))[0]
        buttons = _buttons(offer)
        for action in buttons:
            assert action["type"] == "callback"
            assert 0 < len(action["label"]) <= 40, action["label"]
            assert len(action["payload"]) <= 255
        pay = next(a for a in buttons if "оплат" in a["label"].lower())
        emulator.press(MEMBER, MEMBER, offer.cmid, json.loads(pay["payload"])["d"])
        answer = await emulator.wait_for(lambda: _said(emulator, MEMBER, "через СБП"))
        await emulator.wait_calls("messages.sendMessageEventAnswer")
    finally:
        await running.stop()
    assert len(answer) == 1


async def test_did_you_mean_is_never_shown_in_a_community_chat(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=FAQ_RU_LONG, language="ru",
                         community_extra=("[community.answers]\nanswer_threshold = 0.99\n"
                                          "suggest_threshold = 0.05\n"))
    try:
        emulator.post_message(CHAT, MEMBER, "какие варианты есть чтобы заплатить?")
        await _settle(emulator)
    finally:
        await running.stop()
    assert not [m for m in emulator.sent(CHAT) if m.keyboard]


async def test_private_complaint_in_one_message_becomes_a_ticket(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.post_private(MEMBER, "!complaint id777 sends me scam links in private")
    card = (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]
    assert "#1" in card.text and "scam links" in card.text
    ack = await emulator.wait_for(lambda: _said(emulator, MEMBER, "#1"))
    assert len(ack) == 1


# == Scheduled posts with photos ===========================================================

SCHEDULE_PHOTO_WALL = """
[[community.schedule]]
at = "2026-03-02 12:30"
text = "Open lesson tonight at 19:00"
photo = "lesson.jpg"
chats = ["vk:wall"]
"""

SCHEDULE_PHOTO_CHAT = """
[[community.schedule]]
at = "2026-03-02 12:30"
text = "Homework is due tonight"
photo = "lesson.jpg"
chats = ["vk:2000000001"]
"""


async def _due(running: RunningBot, clock: FakeClock, advance: timedelta) -> None:
    from bot.features.schedule import service_for

    assert running.app is not None
    service = service_for(running.app)
    await service.start(clock.now())
    clock.advance(advance)
    await service.run_due(clock.now())
    await service.run_due(clock.now())
    await running.app.pipeline.drain()


async def test_scheduled_photo_wall_post_uploads_once_and_survives_a_restart(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "lesson.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"x" * 2000)
    first = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_PHOTO_WALL)
    try:
        await _due(first, clock, timedelta(minutes=31))
    finally:
        await first.stop()
    config = write_vk_config(tmp_path, (tmp_path / "config.toml").read_text(encoding="utf-8"))
    second = RunningBot(config, clock, emulator)
    await second.start()
    try:
        await _due(second, clock, timedelta(minutes=5))
    finally:
        await second.stop()
    assert len(emulator.posts) == 1
    post = next(iter(emulator.posts.values()))
    assert post["message"] == "Open lesson tonight at 19:00"
    assert post.get("attachments", "").startswith(f"photo-{emulator.group_id}_")
    assert [c.params["size"] for c in emulator.calls_to("upload")] == ["2004"]


async def test_scheduled_photo_chat_post_uses_the_messages_upload_flow(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    (tmp_path / "lesson.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"y" * 100)
    running = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_PHOTO_CHAT)
    try:
        await _due(running, clock, timedelta(minutes=31))
        await _due(running, clock, timedelta(minutes=5))
    finally:
        await running.stop()
    posts = [m for m in emulator.sent(CHAT) if m.text == "Homework is due tonight"]
    assert len(posts) == 1
    assert (posts[0].attachment or "").startswith("photo")
    assert emulator.calls_to("photos.getMessagesUploadServer")
    assert emulator.calls_to("photos.saveMessagesPhoto")
    assert not emulator.calls_to("photos.getWallUploadServer")


async def test_scheduled_photo_wall_post_without_user_token_tells_the_queue(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """VK refuses wall.post/photos to a community token: the owner must hear why."""
    (tmp_path / "lesson.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"z" * 100)
    running = await _run(emulator, tmp_path, clock, community_extra=SCHEDULE_PHOTO_WALL,
                         user_token=False)
    try:
        await _due(running, clock, timedelta(minutes=31))
        told = await emulator.wait_for(lambda: [m for m in emulator.sent(QUEUE)
                                                if "user_token" in m.text
                                                or "could not be published" in m.text])
    finally:
        await running.stop()
    assert emulator.posts == {}
    assert told


# == Long texts and labels =================================================================

def _many_entries(count: int) -> str:
    return "".join(textwrap.dedent(f"""
        [[faq]]
        id = "entry-{i:03d}"
        lang = "ru"
        questions = ["Вопрос номер {i} про расписание занятий группы продвинутого уровня?"]
        answer = "Ответ {i}."
        """) for i in range(count))


async def test_faq_list_longer_than_4096_arrives_whole_in_private_chunks(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=_many_entries(120), language="ru")
    try:
        emulator.post_private(MEMBER, "!faq")
        await emulator.wait_for(lambda: len(emulator.sent(MEMBER)) >= 2)
        await _settle(emulator)
    finally:
        await running.stop()
    sent = emulator.sent(MEMBER)
    assert all(len(m.text) <= 4096 for m in sent)
    text = "\n".join(m.text for m in sent)
    missing = [i for i in range(120) if f"Вопрос номер {i} " not in text]
    assert not missing, f"{len(missing)} entries missing from the list"


async def test_faq_list_of_120_in_a_chat_is_short_and_points_to_private(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=_many_entries(120), language="ru")
    try:
        emulator.post_message(CHAT, MEMBER, "!faq")
        listed = await emulator.wait_for(lambda: emulator.sent(CHAT))
        await _settle(emulator)
    finally:
        await running.stop()
    assert len(emulator.sent(CHAT)) == 1 and len(listed[0].text) <= 4096
    assert "ещё 110" in listed[0].text


async def test_long_cyrillic_emoji_answer_of_3500_chars_is_delivered_whole(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    body = ("Подробности про оплату 💳 " * 200)[:3480] + " КОНЕЦ"
    faq = textwrap.dedent(f'''
        [[faq]]
        id = "long"
        lang = "ru"
        questions = ["Как оплатить курс?"]
        answer = "{body}"
        ''')
    running = await _run(emulator, tmp_path, clock, faq=faq, language="ru")
    try:
        emulator.post_message(CHAT, MEMBER, "Как оплатить курс?")
        sent = await emulator.wait_for(lambda: emulator.sent(CHAT))
    finally:
        await running.stop()
    assert sent[0].text.endswith("КОНЕЦ")


async def test_faq_id_of_a_long_answer_shows_the_whole_answer(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    body = ("Длинный ответ 🙂 " * 300)[:3490] + " КОНЕЦ"
    faq = textwrap.dedent(f'''
        [[faq]]
        id = "long"
        lang = "ru"
        questions = ["{'Очень длинный вопрос про оплату курса ' * 3}?"]
        answer = "{body}"
        ''')
    running = await _run(emulator, tmp_path, clock, faq=faq, language="ru")
    try:
        emulator.post_message(CHAT, MEMBER, "!faq long")
        await emulator.wait_for(lambda: emulator.sent(CHAT))
        await _settle(emulator)
    finally:
        await running.stop()
    text = "\n".join(m.text for m in emulator.sent(CHAT))
    assert "КОНЕЦ" in text


async def test_queue_card_buttons_have_labels_within_vk_limits_in_russian(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, language="ru")
    try:
        bad = emulator.post_message(CHAT, SPAMMER, "купите подписчиков")
        emulator.post_message(CHAT, MEMBER, "!report спам", reply_to=bad)
        card = (await emulator.wait_for(lambda: emulator.sent(QUEUE)))[0]
    finally:
        await running.stop()
    for action in _buttons(card):
        assert 0 < len(action["label"]) <= 40
        assert len(action["payload"]) <= 255
    assert "Member 777" in card.text, card.text


# == More: private help for chat admins, chat bots, schedule from a photo reply ============

async def test_private_help_for_a_chat_admin_offers_moderator_commands(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(CHAT, 606)
    emulator.post_private(606, "/help")
    help_text = await emulator.wait_for(lambda: _said(emulator, 606, "Moderator commands"))
    assert "/ban" in help_text[0].text


async def test_obscene_message_from_a_chat_bot_community_is_left_alone(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """README: chat bots (communities) are left alone like Telegram's bots."""
    emulator.post_message(CHAT, -555, OBSCENE)
    emulator.post_message(CHAT, MEMBER, "hello")
    await _settle(emulator)
    assert not emulator.calls_to("groups.ban")
    assert not emulator.calls_to("messages.removeChatUser")


async def test_schedule_in_reply_to_a_photo_message_posts_the_photo(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    """README: `/schedule <when>` in reply to a message posts its text and photo."""
    from bot.features.schedule import service_for

    photo = {"type": "photo", "photo": {"id": 456, "owner_id": MEMBER, "access_key": "k1"}}
    peer = emulator.peer(CHAT)
    original = peer.next_cmid
    emulator.post_message(CHAT, MEMBER, "Our new classroom!", attachments=[photo])
    cmid = peer.next_cmid
    peer.next_cmid += 1
    peer.messages.append(ChatMessage(CHAT, cmid, MODERATOR, "!schedule in 1h"))
    emulator.push("message_new", {"message": {
        "date": 0, "from_id": MODERATOR, "id": 0, "out": 0, "peer_id": CHAT,
        "text": "!schedule in 1h", "conversation_message_id": cmid, "fwd_messages": [],
        "attachments": [], "reply_message": {
            "conversation_message_id": original, "from_id": MEMBER, "peer_id": CHAT,
            "text": "Our new classroom!", "attachments": [photo]}}})
    await emulator.wait_for(lambda: _said(emulator, CHAT, "Scheduled post #"))
    assert bot.app is not None
    service = service_for(bot.app)
    clock.advance(timedelta(minutes=61))
    await service.run_due(clock.now())
    await bot.app.pipeline.drain()
    await _settle(emulator)
    chat_posts = [m for m in emulator.sent(CHAT) if m.text == "Our new classroom!"]
    wall_posts = [p for p in emulator.posts.values() if p.get("message") == "Our new classroom!"]
    assert chat_posts or wall_posts
    for m in chat_posts:
        assert m.attachment == f"photo{MEMBER}_456_k1"
    for p in wall_posts:
        assert p.get("attachments") == f"photo{MEMBER}_456_k1"


async def test_queue_chat_owner_is_a_moderator_in_the_queue(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.set_admins(QUEUE, owner=607)
    emulator.add_members(CHAT, SPAMMER)
    emulator.post_message(CHAT, SPAMMER, "hello")
    emulator.post_message(QUEUE, 607, f"!ban {SPAMMER} spam bot")
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)


async def test_did_you_mean_button_pressed_twice_answers_once(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, faq=FAQ_RU_LONG, language="ru",
                         community_extra=("[community.answers]\nanswer_threshold = 0.99\n"
                                          "suggest_threshold = 0.05\n"))
    try:
        emulator.post_private(MEMBER, "какие варианты есть чтобы заплатить?")
        offer = (await emulator.wait_for(lambda: [
            m for m in emulator.sent(MEMBER) if m.keyboard]))[0]
        pay = next(a for a in _buttons(offer) if "оплат" in a["label"].lower())
        data = json.loads(pay["payload"])["d"]
        emulator.press(MEMBER, MEMBER, offer.cmid, data)
        emulator.press(MEMBER, MEMBER, offer.cmid, data)
        await emulator.wait_calls("messages.sendMessageEventAnswer", 2)
        await _settle(emulator)
    finally:
        await running.stop()
    # a second press within the repeat window points to the answer or repeats it, but the
    # member is never flooded: at most two messages about it
    answers = _said(emulator, MEMBER, "через СБП")
    assert 1 <= len(answers) <= 2


# == More: degraded bans without a user token, anti-flood, wall edits ======================

async def test_fallback_ban_without_user_token_tells_chat_and_queue_it_was_only_a_removal(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _run(emulator, tmp_path, clock, user_token=False, community_extra=(
        '[community.moderation]\nvk_mute_fallback = "ban"\n'))
    try:
        emulator.add_members(CHAT, SPAMMER)
        emulator.post_message(CHAT, SPAMMER, OBSCENE)
        await emulator.wait_for(lambda: _said(emulator, CHAT, "Warning 1 of 4"))
        emulator.post_message(CHAT, SPAMMER, OBSCENE_2)
        await emulator.wait_calls("messages.removeChatUser")
        told = await emulator.wait_for(lambda: _said(emulator, QUEUE, "not banned"))
    finally:
        await running.stop()
    assert "user_token" in told[0].text
    assert not emulator.calls_to("groups.ban")


async def test_wall_ban_without_user_token_tells_the_queue(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """README: a ban for a wall comment fails with the missing-token message."""
    running = await _run(emulator, tmp_path, clock, user_token=False)
    try:
        emulator.post_comment(10, SPAMMER, OBSCENE)
        await emulator.wait_calls("wall.deleteComment")
        emulator.post_comment(10, SPAMMER, OBSCENE_2)
        await emulator.wait_calls("wall.deleteComment", 2)
        told = await emulator.wait_for(lambda: _said(emulator, QUEUE, "could not ban"))
    finally:
        await running.stop()
    assert "user_token" in told[0].text or "user token" in told[0].text


async def test_antiflood_in_a_vk_chat_removes_the_flooder_by_default(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, SPAMMER)
    for i in range(9):
        emulator.post_message(CHAT, SPAMMER, f"message number {i} " + "x" * i)
    remove = (await emulator.wait_calls("messages.removeChatUser"))[0]
    assert remove["member_id"] == str(SPAMMER)
    notice = await emulator.wait_for(lambda: _said(emulator, CHAT, "slow down"))
    assert notice


async def test_antiflood_on_the_wall_becomes_a_ten_minute_community_ban(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    for i in range(9):
        emulator.post_comment(10, SPAMMER, f"comment number {i} " + "y" * i)
    ban = (await emulator.wait_calls("groups.ban"))[0]
    assert ban["owner_id"] == str(SPAMMER)
    expected = int((clock.now() + timedelta(minutes=10)).timestamp())
    assert abs(int(ban.params.get("end_date", "0")) - expected) <= 120, ban.params


async def test_editing_an_answered_wall_question_does_not_get_a_second_answer(
        emulator: VkEmulator, bot: RunningBot) -> None:
    comment = emulator.post_comment(10, MEMBER, "How much does the course cots?")
    await emulator.wait_calls("wall.createComment")
    emulator.push("wall_reply_edit", {
        "id": comment, "from_id": MEMBER, "date": 5, "text": "How much does the course cost?",
        "post_id": 10, "owner_id": -emulator.group_id, "parents_stack": [],
        "post_owner_id": -emulator.group_id})
    await _settle(emulator)
    assert len(emulator.calls_to("wall.createComment")) == 1


async def test_wall_comment_edited_twice_into_obscenity_warns_once(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """The member fixes a typo in an edit right after the first: two wall_reply_edit events
    for one comment (`date` is the comment's creation date in both). One offence."""
    comment = emulator.post_comment(10, MEMBER, "nice post")
    await _settle(emulator)
    for text in (OBSCENE, OBSCENE + "!"):
        emulator.push("wall_reply_edit", {
            "id": comment, "from_id": MEMBER, "date": 1, "text": text, "post_id": 10,
            "owner_id": -emulator.group_id, "parents_stack": [],
            "post_owner_id": -emulator.group_id})
    await emulator.wait_calls("wall.deleteComment")
    await _settle(emulator)
    assert len(_wall_said(emulator, "Warning")) == 1
    assert not _wall_said(emulator, "Warning 2 of 4")


async def test_chat_message_edited_twice_into_obscenity_warns_once(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.add_members(CHAT, MEMBER)
    cmid = emulator.post_message(CHAT, MEMBER, "nice weather today")
    await _settle(emulator)
    for stamp, text in ((5, OBSCENE), (6, OBSCENE + "!")):
        emulator.push("message_edit", {
            "date": 0, "update_time": stamp, "from_id": MEMBER, "id": 0, "out": 0,
            "peer_id": CHAT, "text": text, "conversation_message_id": cmid,
            "fwd_messages": [], "attachments": []})
    await emulator.wait_calls("messages.delete")
    await _settle(emulator)
    assert len(_said(emulator, CHAT, "Warning")) == 1, [m.text for m in emulator.sent(CHAT)]
    assert not emulator.calls_to("messages.removeChatUser")


async def test_obscene_message_edited_before_the_bot_deleted_it_counts_once(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """Posted, then quickly edited (still obscene) — both events arrive in one batch. The
    member committed one offence: one warning, not a jump to step 2 (removal)."""
    emulator.add_members(CHAT, SPAMMER)
    cmid = emulator.post_message(CHAT, SPAMMER, OBSCENE)
    emulator.push("message_edit", {
        "date": 0, "update_time": 5, "from_id": SPAMMER, "id": 0, "out": 0,
        "peer_id": CHAT, "text": OBSCENE + " ну правда", "conversation_message_id": cmid,
        "fwd_messages": [], "attachments": []})
    await emulator.wait_calls("messages.delete")
    await _settle(emulator)
    assert len(_said(emulator, CHAT, "Warning")) == 1, [m.text for m in emulator.sent(CHAT)]
    assert not emulator.calls_to("messages.removeChatUser")
    assert SPAMMER in emulator.peer(CHAT).members


async def test_schedule_command_with_a_text_over_4096_is_refused_or_posted_whole(
        emulator: VkEmulator, bot: RunningBot, clock: FakeClock) -> None:
    """README: a scheduled text is at most 4,096 characters (one message). A longer one from
    a moderator must be refused when scheduled — never cut silently when it goes out."""
    from bot.features.schedule import service_for

    long_text = ("Большой анонс 📣 " * 400)[:5000] + " КОНЕЦ"
    emulator.post_message(CHAT, MODERATOR, f"!schedule in 1h {long_text}")
    reply = (await emulator.wait_for(lambda: emulator.sent(CHAT)))[0]
    assert bot.app is not None
    service = service_for(bot.app)
    clock.advance(timedelta(minutes=61))
    await service.run_due(clock.now())
    await bot.app.pipeline.drain()
    await _settle(emulator)
    chat_posts = [m for m in emulator.sent(CHAT) if m.text.startswith("Большой анонс")]
    wall_posts = [p["message"] for p in emulator.posts.values()]
    if "Scheduled post #" in reply.text:
        assert all(m.text.endswith("КОНЕЦ") for m in chat_posts), "the chat post was cut"
        assert all(w.endswith("КОНЕЦ") for w in wall_posts), "the wall post was cut"
    else:
        assert not chat_posts and not wall_posts
        assert "4096" in reply.text or "4,096" in reply.text or "long" in reply.text.lower()


async def test_unban_in_a_wall_comment_by_a_moderator_lifts_the_community_ban(
        emulator: VkEmulator, bot: RunningBot) -> None:
    emulator.bans[SPAMMER] = None
    emulator.post_comment(10, MODERATOR, f"!unban {SPAMMER}")
    unban = (await emulator.wait_calls("groups.unban"))[0]
    assert unban["owner_id"] == str(SPAMMER)
    await emulator.wait_for(lambda: _wall_said(emulator, "unbanned"))


async def test_listed_moderator_still_works_when_chat_members_cannot_be_read(
        emulator: VkEmulator, bot: RunningBot) -> None:
    """The community lost chat-admin rights (917 on getConversationMembers): the listed
    moderator's command and the filter still work."""
    emulator.fail("messages.getConversationMembers", 917, times=50)
    bad = emulator.post_message(CHAT, SPAMMER, "buy followers")
    emulator.post_message(CHAT, MODERATOR, "!warn spam", reply_to=bad)
    await emulator.wait_for(lambda: _said(emulator, CHAT, "has been warned"))
    emulator.post_message(CHAT, SPAMMER, OBSCENE)
    await emulator.wait_calls("messages.delete")


async def test_bang_report_in_a_top_level_wall_comment_explains_how_to_report(
        emulator: VkEmulator, bot: RunningBot) -> None:
    comment = emulator.post_comment(10, MEMBER, "!report")
    reply = (await emulator.wait_calls("wall.createComment"))[0]
    assert reply["reply_to_comment"] == str(comment)
    assert not emulator.sent(QUEUE)
