"""QA round 19 — "the moderator who knows Rose": command semantics and replies at the edges,
through the real Telegram adapter and the Bot API emulator (and the VK emulator where the
behaviour must match). Scenarios not covered by test_qa7_commands.py, test_qa_commands.py,
test_moderation_commands.py, test_moderation_permissions.py or test_qa8_telegram_texts.py.
Each test asserts what a moderator used to Rose/Combot expects; a failing test is a finding
(see /tmp/s5/qa19_findings.md)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    OTHER_MEMBER,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import (
    command,
    non_help,
    render,
    replies_to,
    reply_messages,
    settle,
    wall_clock,
)
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT, MODERATOR, vk_config_text, write_vk_config
from vk_emulator.harness import RunningBot as VkRunningBot

from bot.app import App
from bot.core.clock import FakeClock

CHANNEL = -100777  # a channel a member posts as
ENGLISH_LEAKS = re.compile(
    r"\b(muted|banned|warned|Usage|can't|could not|removed|Warning|next|Reason|"
    r"active warning|is a moderator|write again|unbanned)\b")


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(lang: str = "en", **config_parts: str) -> App:
        return await make_tg_app("qa19", lang, **config_parts)

    return make


def near(value: int, moment, slack: int = 3) -> bool:
    return abs(int(value) - int(moment.timestamp())) <= slack


def russian(text: str) -> bool:
    return bool(re.search("[а-яА-Я]", text)) and not ENGLISH_LEAKS.search(text)


def status(emu: TelegramEmulator, user: int = MEMBER) -> str:
    return emu.world.chats[GROUP].members.get(user, {"status": "member"})["status"]


# == durations as a Russian moderator types them ============================================

@pytest.mark.parametrize(("word", "delta"), [
    ("2ч", timedelta(hours=2)),
    ("3д", timedelta(days=3)),
    ("10M", timedelta(minutes=10)),
    ("2Ч", timedelta(hours=2)),
    ("1w1d", timedelta(days=8)),
    ("90m", timedelta(minutes=90)),
    ("2дня", timedelta(days=2)),
])
async def test_russian_and_uppercase_mute_durations(make_app, emu, fake, clock, word: str,
                                                    delta: timedelta) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        cmd = await command(emu, ADMIN, f"/mute {word} реклама", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert near(mute.params["until_date"], clock.now() + delta), (word, mute.params)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert russian(reply) and "реклама" in reply, reply


async def test_ban_navsegda_is_permanent_and_said_in_russian(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "скам", username="bob")
        cmd = await command(emu, ADMIN, "/ban навсегда мошенник", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert not ban.params.get("until_date"), ban.params
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert russian(reply) and "мошенник" in reply and "навсегда" not in reply.split(":")[-1], \
        reply


async def test_mute_forever_uppercase_is_permanent(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        cmd = await command(emu, ADMIN, "/mute FOREVER spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert not mute.params.get("until_date"), mute.params
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "FOREVER" not in reply and "until" in reply, reply


@pytest.mark.parametrize("word", ["1.5h", "1,5ч", "1h-30m"])
async def test_fractional_or_odd_duration_is_refused_not_defaulted(make_app, emu, fake,
                                                                    word: str) -> None:
    """Rose refuses 1.5h; what matters is that the moderator is told, and nobody is muted for
    the default hour instead."""
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        cmd = await command(emu, ADMIN, f"/mute {word}", reply_to=target["message_id"])
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert word in reply and russian(reply.replace(word, "")), reply


@pytest.mark.parametrize(("text", "delta"), [
    ("/mute 2 days", timedelta(days=2)),
    ("/mute 10 мин", timedelta(minutes=10)),
    ("/mute 2 часа", timedelta(hours=2)),
])
async def test_number_and_unit_with_a_space(make_app, emu, fake, clock, text: str,
                                            delta: timedelta) -> None:
    """A Russian moderator types "10 мин" with a space. Either it is read as 10 minutes, or it
    is refused with the reason; never a mute of some other length (the default hour) with
    "мин" as the reason."""
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        cmd = await command(emu, ADMIN, text, reply_to=target["message_id"])
        await settle(emu)
    mutes = emu.calls_of("restrictChatMember", ok=None)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    if mutes:
        assert near(mutes[0].params["until_date"], clock.now() + delta), (text, reply)
    assert russian(re.sub(r"«[^»]*»", "", reply)), reply


async def test_reason_on_the_next_line_keeps_the_duration(make_app, emu, fake, clock) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        cmd = await command(emu, ADMIN, "/mute 10m\nреклама в личке",
                            reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert near(mute.params["until_date"], clock.now() + timedelta(minutes=10))
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "реклама в личке" in reply, reply


async def test_quoted_reason_arrives_as_typed(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "scam", username="bob")
        cmd = await command(emu, ADMIN, '/ban 1d "scam links" (see #rules)',
                            reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert near(ban.params["until_date"], clock.now() + timedelta(days=1))
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        '@bob is banned for 1d. Reason: "scam links" (see #rules). To lift it: /unban.']


async def test_ban_a_week_boundary_52w_ok_53w_too_long(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "scam", username="bob")
        too_long = await command(emu, ADMIN, "/ban 53w", reply_to=target["message_id"])
        await settle(emu)
        assert not emu.calls_of("banChatMember", ok=None)
        await command(emu, ADMIN, "/ban 52w", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (reply,) = replies_to(emu, GROUP, too_long["message_id"])
    assert "53w" in reply and "366" in reply, reply
    (ban,) = emu.calls_of("banChatMember")
    assert near(ban.params["until_date"], clock.now() + timedelta(weeks=52))


async def test_russian_mute_notice_spells_combined_duration(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        cmd = await command(emu, ADMIN, "/mute 1h30m флуд", reply_to=target["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "1 ч 30 мин" in reply and "1h30m" not in reply, reply


# == targets ================================================================================

async def test_ban_in_reply_to_someone_who_already_left_still_bans(make_app, emu, fake) -> None:
    """Rose bans a spammer who has left, so they cannot come back."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam link", username="bob")
        await settle(emu)
        emu.world.chats[GROUP].members[MEMBER] = {"status": "left"}
        cmd = await command(emu, ADMIN, "/ban spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await settle(emu)
    assert status(emu) == "kicked"
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert reply.startswith("@bob is banned"), reply
    assert not [t for t in emu.sent_texts(GROUP) if t.startswith("I could not")]


async def test_ban_in_reply_to_an_anonymous_admin_is_refused(make_app, emu, fake) -> None:
    """An admin posting as the group: Rose says it cannot act on an anonymous admin. The bot
    must neither ban the group's anonymous-admin bot account nor the group itself."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        anon = emu.user_message(GROUP, 0, "Rules updated", sender_chat=GROUP)
        cmd = await command(emu, LISTED_MODERATOR, "/ban", reply_to=anon["message_id"])
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None)
    assert not emu.calls_of("banChatSenderChat", ok=None)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "banned" not in reply, reply


async def test_mute_in_reply_to_an_anonymous_admin_is_refused(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        anon = emu.user_message(GROUP, 0, "Rules updated", sender_chat=GROUP)
        cmd = await command(emu, LISTED_MODERATOR, "/mute 10m",
                            reply_to=anon["message_id"])
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "muted" not in reply and "warned" not in reply, reply


async def test_warn_in_reply_to_an_anonymous_admin_is_refused(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        anon = emu.user_message(GROUP, 0, "Rules updated", sender_chat=GROUP)
        cmd = await command(emu, LISTED_MODERATOR, "/warn", reply_to=anon["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "has been warned" not in reply, reply


async def test_ban_in_reply_to_a_channel_sender_bans_the_channel(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        post = emu.user_message(GROUP, 0, "buy crypto", sender_chat=CHANNEL)
        cmd = await command(emu, ADMIN, "/ban crypto spam", reply_to=post["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatSenderChat"), what="the channel ban")
    (ban,) = emu.calls_of("banChatSenderChat")
    assert int(ban.params["sender_chat_id"]) == CHANNEL
    assert not emu.calls_of("banChatMember", ok=None), "the Channel_Bot account was banned"
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "banned" in reply and "crypto spam" in reply, reply


async def test_ban_of_the_groups_linked_channel_is_refused(make_app, emu, fake) -> None:
    """The discussion group's linked channel is the owners' (README); a moderator replying
    /ban to an auto-forwarded channel post must not ban the community's own channel."""
    emu.world.chats[GROUP].linked_chat_id = CHANNEL
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        post = emu.user_message(GROUP, 0, "New lesson is out!", sender_chat=CHANNEL)
        post["is_automatic_forward"] = True
        cmd = await command(emu, ADMIN, "/ban", reply_to=post["message_id"])
        await settle(emu)
    assert not emu.calls_of("banChatSenderChat", ok=None)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "banned" not in reply, reply


async def test_ban_in_reply_to_the_bots_own_notice_is_refused(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        warned = await command(emu, ADMIN, "/warn спам", reply_to=target["message_id"])
        (notice,) = reply_messages(emu, GROUP, warned["message_id"])
        cmd = await command(emu, ADMIN, "/ban", reply_to=notice["message_id"])
        await settle(emu)
    assert not emu.calls_of("banChatMember", ok=None)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert russian(reply) and "забанен" not in reply, reply


async def test_ban_on_oneself_by_reply_is_refused_in_russian(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        own = emu.user_message(GROUP, LISTED_MODERATOR, "я модератор", username="mo")
        cmd = await command(emu, LISTED_MODERATOR, "/ban", reply_to=own["message_id"])
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        render("moderation.refuse.self", "ru", command="/ban")]
    assert not emu.calls_of("banChatMember", ok=None)


async def test_ban_on_another_admin_gives_the_reason_in_russian(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, ADMIN, "я админ", username="boss")
        await settle(emu)
        cmd = await command(emu, LISTED_MODERATOR, "/ban @boss")
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        render("moderation.refuse.protected", "ru", user="@boss")]
    assert not emu.calls_of("banChatMember", ok=None)


# == the ladder and warnings ================================================================

async def test_warn_past_the_last_step_keeps_the_ban_and_says_so_sensibly(make_app, emu,
                                                                          fake) -> None:
    """A fifth /warn after the ladder's ban: no "Warning 5 of 4", no crash, still banned."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        for n in range(4):
            await command(emu, ADMIN, f"/warn ad {n}", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ladder's ban")
        fifth = await command(emu, ADMIN, "/warn ad again", reply_to=target["message_id"])
        await settle(emu)
    (reply,) = replies_to(emu, GROUP, fifth["message_id"])
    assert "5 of 4" not in reply, reply
    assert status(emu) == "kicked"
    for call in emu.calls_of("banChatMember"):
        assert not call.params.get("until_date"), "a permanent ban turned into a timed one"


async def test_resetwarns_exists_as_in_rose(make_app, emu, fake) -> None:
    """Rose's /resetwarns clears a member's warnings; moderators type it out of habit."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        await command(emu, ADMIN, "/warn ad", reply_to=target["message_id"])
        emu.user_message(GROUP, ADMIN, "/resetwarns", reply_to=target["message_id"])
        await settle(emu)
        listing = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
    assert replies_to(emu, GROUP, listing["message_id"]) == ["@bob has no active warnings."]


async def test_unban_of_someone_not_banned_keeps_their_warnings(make_app, emu, fake) -> None:
    """A moderator /unbans the wrong person (or someone who was only warned). Rose answers
    "this user isn't banned" and changes nothing; here their ladder progress must survive."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        await command(emu, ADMIN, "/warn ad", reply_to=target["message_id"])
        await command(emu, ADMIN, "/unban", reply_to=target["message_id"])
        listing = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
    (text,) = replies_to(emu, GROUP, listing["message_id"])
    assert text.startswith("@bob has active warnings: 1"), text


async def test_unban_of_someone_not_banned_says_so(make_app, emu, fake) -> None:
    """The bot cannot see a ban given by hand, so it lifts one in any case; but it says it
    had none on record (Rose: "this user isn't banned") and leaves the member as they were."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hello", username="bob")
        await settle(emu)
        cmd = await command(emu, ADMIN, "/unban @bob")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "no ban of theirs on record" in reply and "cleared" not in reply, reply
    assert status(emu) == "member"


async def test_unmute_of_someone_not_muted_says_so(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hello", username="bob")
        await settle(emu)
        cmd = await command(emu, ADMIN, "/unmute @bob")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert reply != "@bob can write again.", "claims to lift a mute that was never there"


async def test_unmute_of_a_banned_member_does_not_bring_them_back(make_app, emu, fake) -> None:
    """/unmute on someone banned must not undo the ban (restrictChatMember on a kicked user
    in the emulator is a no-op only if the bot does not call unban)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        await command(emu, ADMIN, "/ban spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await command(emu, ADMIN, "/unmute", reply_to=target["message_id"])
        await settle(emu)
    assert not emu.calls_of("unbanChatMember", ok=None)
    assert status(emu) == "kicked", emu.world.chats[GROUP].members[MEMBER]


async def test_mute_of_someone_already_muted_replaces_the_end(make_app, emu, fake,
                                                              clock) -> None:
    """Rose replaces: /mute 1d then /mute 10m ends the mute in 10 minutes."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        await command(emu, ADMIN, "/mute 1d", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the first mute")
        second = await command(emu, ADMIN, "/mute 10m", reply_to=target["message_id"])
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2,
                           what="the second mute")
    member = emu.world.chats[GROUP].members[MEMBER]
    assert member["status"] == "restricted"
    assert near(member["until_date"], clock.now() + timedelta(minutes=10)), member
    assert replies_to(emu, GROUP, second["message_id"]) == [
        "@bob is muted for 10m for breaking the chat rules."]


async def test_kick_of_someone_not_in_the_chat_leaves_no_ban_behind(make_app, emu,
                                                                     fake) -> None:
    """Rose: "this user isn't in the chat". The bot does not ask the platform who is in the
    chat before a kick (a known limitation: the reply still reads as a removal), but it must
    not leave a ban behind."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "bye", username="bob")
        await settle(emu)
        emu.world.chats[GROUP].members[MEMBER] = {"status": "left"}
        cmd = await command(emu, ADMIN, "/kick @bob")
        await settle(emu)
    assert status(emu) == "left", "a kick of a non-member left a ban behind"
    assert len(replies_to(emu, GROUP, cmd["message_id"])) == 1


async def test_member_asking_for_someone_elses_warns_gets_one_russian_refusal(make_app, emu,
                                                                              fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "реклама", username="carol")
        await command(emu, ADMIN, "/warn реклама казино", reply_to=target["message_id"])
        cmd = await command(emu, MEMBER, "/warns @carol")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert russian(reply) and "казино" not in reply and "@carol" not in reply, reply


# == where the replies go and what stays ====================================================

async def test_the_moderators_command_message_is_kept(make_app, emu, fake, clock) -> None:
    """Rose keeps /warn, /mute, /ban commands (the trail); only /del removes its command."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        cmds = [await command(emu, ADMIN, text, reply_to=target["message_id"])
                for text in ("/warn spam", "/mute 10m", "/unmute", "/warns")]
        clock.advance(timedelta(minutes=5))
        await settle(emu)
    deleted = [c["text"] for c in cmds if emu.is_deleted(GROUP, c["message_id"])]
    assert deleted == [], deleted


async def test_bad_duration_reply_stays_in_the_forum_topic(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob", thread_id=9)
        cmd = await command(emu, ADMIN, "/mute 1.5h", reply_to=target["message_id"],
                            thread_id=9)
    (call,) = [c for c in emu.calls_of("sendMessage")
               if (c.params.get("reply_parameters") or {}).get("message_id")
               == cmd["message_id"]]
    assert call.params.get("message_thread_id") == 9


async def test_rights_failure_notice_lands_in_the_commands_topic(make_app, emu, fake) -> None:
    """In a forum, "I could not ban" must reach the moderator in the topic they typed in, not
    General."""
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob", thread_id=9)
        emu.user_message(GROUP, ADMIN, "/ban spam", reply_to=target["message_id"],
                         thread_id=9)
        await emu.wait_for(lambda: any(t.startswith("I could not ban")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
    (call,) = [c for c in emu.calls_of("sendMessage")
               if (c.result.get("text") or "").startswith("I could not ban")
               and c.result["chat"]["id"] == GROUP]
    assert call.params.get("message_thread_id") == 9, call.params


async def test_dwarn_without_delete_right_warns_and_says_what_failed_once(make_app, emu,
                                                                          fake) -> None:
    emu.world.chats[GROUP].bot_rights["can_delete_messages"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam link", username="bob")
        cmd = await command(emu, ADMIN, "/dwarn spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("I could not delete")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
        await settle(emu)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert reply.startswith("@bob has been warned for spam."), reply
    failures = [t for t in emu.sent_texts(GROUP) if t.startswith("I could not")]
    assert failures == ["I could not delete the message: I need to be an admin with that "
                        "right here."], failures


async def test_ladder_mute_without_restrict_right_is_reported_once(make_app, emu, fake) -> None:
    """The second /warn reaches the ladder's mute; the bot cannot restrict. One clear notice,
    and the bot still answers."""
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "реклама", username="bob")
        await command(emu, ADMIN, "/warn реклама", reply_to=target["message_id"])
        await command(emu, ADMIN, "/warn реклама", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("Не получилось замьютить")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
        await settle(emu)
    failures = [t for t in emu.sent_texts(GROUP) if t.startswith("Не получилось")]
    assert failures == ["Не получилось замьютить @bob: мне нужны права администратора на это "
                        "действие."], failures
    assert all(russian(t) for t in non_help(emu.sent_texts(GROUP))), emu.sent_texts(GROUP)


async def test_every_edge_reply_in_a_russian_chat_is_russian(make_app, emu, fake) -> None:
    app = await make_app(lang="ru")
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "спам", username="bob")
        texts = ["/mute 1.5h", "/mute 0m", "/ban 400d", "/mute навсегда", "/unmute",
                 "/ban 2ч", "/unban", "/kick", "/unwarn", "/warns", "/dwarn"]
        cmds = []
        for text in texts:
            cmds.append((text, await command(emu, ADMIN, text, reply_to=target["message_id"])))
        nobody = await command(emu, ADMIN, "/mute @nobody_ever 10m")
        cmds.append(("/mute @nobody_ever", nobody))
        bare = await command(emu, ADMIN, "/ban")
        cmds.append(("/ban (no target)", bare))
    bad = {}
    for text, cmd in cmds:
        for reply in replies_to(emu, GROUP, cmd["message_id"]):
            visible = re.sub(r"«[^»]*»|/\w+|@\w+|\b\d+[a-z]+\b|\[[^\]]*\]", "", reply)
            if not russian(visible):
                bad[text] = reply
    assert bad == {}, bad


# == VK: the same semantics with "!" ========================================================

def _vk_said(emulator: VkEmulator, peer: int, words: str) -> list:
    return [m for m in emulator.sent(peer) if words in m.text]


async def _vk_bot(emulator: VkEmulator, tmp_path: Path, clock: FakeClock,
                  language: str = "ru") -> VkRunningBot:
    text = vk_config_text(emulator).replace('language = "en"', f'language = "{language}"')
    running = VkRunningBot(write_vk_config(tmp_path, text), clock, emulator)
    await running.start()
    return running


async def test_vk_russian_duration_with_bang_mute(emulator: VkEmulator, tmp_path: Path,
                                                  clock: FakeClock) -> None:
    """"!mute 2ч" in a Russian VK chat: the kick fallback, said in Russian."""
    running = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, 777)
        bad = emulator.post_message(CHAT, 777, "реклама казино")
        emulator.post_message(CHAT, MODERATOR, "!mute 2ч реклама", reply_to=bad)
        await emulator.wait_calls("messages.removeChatUser")
        said = await emulator.wait_for(lambda: _vk_said(emulator, CHAT, "реклама"))
    finally:
        await running.stop()
    assert russian(said[-1].text), said[-1].text


async def test_vk_fractional_duration_is_refused(emulator: VkEmulator, tmp_path: Path,
                                                 clock: FakeClock) -> None:
    running = await _vk_bot(emulator, tmp_path, clock)
    try:
        emulator.add_members(CHAT, 777)
        bad = emulator.post_message(CHAT, 777, "реклама казино")
        emulator.post_message(CHAT, MODERATOR, "!mute 1.5h", reply_to=bad)
        said = await emulator.wait_for(lambda: _vk_said(emulator, CHAT, "1.5h"))
    finally:
        await running.stop()
    assert not emulator.calls_to("messages.removeChatUser")
    assert not emulator.calls_to("groups.ban")
    assert "не срок" in said[0].text, said[0].text


async def test_vk_unban_of_someone_not_banned_keeps_their_warnings(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    running = await _vk_bot(emulator, tmp_path, clock, language="en")
    try:
        emulator.add_members(CHAT, 777)
        bad = emulator.post_message(CHAT, 777, "buy followers")
        emulator.post_message(CHAT, MODERATOR, "!warn spam", reply_to=bad)
        await emulator.wait_for(lambda: _vk_said(emulator, CHAT, "has been warned"))
        emulator.post_message(CHAT, MODERATOR, "!unban", reply_to=bad)
        await emulator.wait_for(lambda: _vk_said(emulator, CHAT, "unban")
                                or _vk_said(emulator, CHAT, "isn't banned")
                                or _vk_said(emulator, CHAT, "not banned")
                                or _vk_said(emulator, CHAT, "no ban"))
        emulator.post_message(CHAT, MODERATOR, "!warns", reply_to=bad)
        listing = await emulator.wait_for(lambda: _vk_said(emulator, CHAT, "warning")
                                          and [m for m in emulator.sent(CHAT)
                                               if "active warning" in m.text])
    finally:
        await running.stop()
    assert ": 1; the ladder has" in listing[-1].text, listing[-1].text



# == more edges =============================================================================

def _service(emu: TelegramEmulator, user_id: int, **fields) -> dict:
    chat = emu.world.chat(GROUP)
    fields.setdefault("from", emu.world.user(user_id))
    message = emu.world.new_message(chat, **fields)
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


async def test_mute_typed_in_a_topic_does_not_hit_the_topic_creator(make_app, emu,
                                                                    fake) -> None:
    """In a forum, Telegram makes every topic message a reply to the topic's creation
    message. "/mute 10m" typed without replying must get the usage, not mute whoever opened
    the topic."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        root = _service(emu, MEMBER, message_thread_id=0,
                        forum_topic_created={"name": "Offtopic", "icon_color": 7322096})
        root["message_thread_id"] = root["message_id"]
        cmd = await command(emu, ADMIN, "/mute 10m", reply_to=root["message_id"],
                            thread_id=root["message_id"])
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("moderation.usage.mute")]


async def test_usage_and_refusal_replies_clean_up_after_notice_ttl(make_app, emu, fake,
                                                                   clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        bad = await command(emu, ADMIN, "/mute 1.5h", reply_to=target["message_id"])
        mod = emu.user_message(GROUP, LISTED_MODERATOR, "hi", username="mo")
        refused = await command(emu, ADMIN, "/ban", reply_to=mod["message_id"])
        notices = [m["message_id"] for c in (bad, refused)
                   for m in reply_messages(emu, GROUP, c["message_id"])]
        clock.advance(timedelta(minutes=2, seconds=30))
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, n) for n in notices),
                           what="the usage and refusal deleting themselves")
    assert len(notices) == 2


async def test_del_of_a_message_already_gone_is_quiet(make_app, emu, fake) -> None:
    """Two moderators race to /del the same spam; the second must not get an error notice
    about a message that is already gone."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "phishing link")
        await settle(emu)
        cmd = emu.user_message(GROUP, ADMIN, "/del", reply_to=target["message_id"])
        # the other moderator's /del landed first (no await in between: same tick)
        emu.world.messages[(GROUP, target["message_id"])].deleted = True
        await emu.wait_for(lambda: emu.is_deleted(GROUP, cmd["message_id"]),
                           what="the command removed")
        await settle(emu)
    assert not [t for t in emu.sent_texts(GROUP) if t.startswith("I could not")], \
        emu.sent_texts(GROUP)


async def test_warn_in_reply_to_a_join_message_warns_the_newcomer_in_russian(make_app, emu,
                                                                            fake) -> None:
    """A spam bot joins; the moderator replies /ban to the "joined" service message."""
    app = await make_app(lang="ru")
    bot_user = emu.world.user(4444, "Спамбот", "spam_4444")
    async with RunningBot(app, fast_options(fake)):
        joined = _service(emu, 4444, new_chat_members=[bot_user])
        cmd = await command(emu, ADMIN, "/ban спамбот", reply_to=joined["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == 4444
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert russian(reply) and "@spam_4444" in reply, reply


async def test_ban_of_a_member_added_by_someone_targets_the_added_member(make_app, emu,
                                                                         fake) -> None:
    """"Carol added Bob": /ban in reply to that service message. The moderator means the
    newcomer (Bob); banning Carol, an ordinary member who invited him, would hit the wrong
    person."""
    app = await make_app()
    newcomer = emu.world.user(4545, "Spammy", "spammy")
    async with RunningBot(app, fast_options(fake)):
        added = _service(emu, OTHER_MEMBER, new_chat_members=[newcomer])
        await command(emu, ADMIN, "/ban", reply_to=added["message_id"])
        await settle(emu)
    banned = [c.params["user_id"] for c in emu.calls_of("banChatMember", ok=None)]
    assert banned == [4545], banned


async def test_ban_in_reply_to_a_forward_targets_the_forwarder(make_app, emu, fake) -> None:
    """Rose acts on whoever posted the message in this chat: a member forwarding spam from
    someone else gets the ban, not the (absent) original author."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        fwd = emu.user_message(GROUP, MEMBER, "CHEAP CRYPTO", username="bob",
                               forwarded_from=5151)
        cmd = await command(emu, ADMIN, "/ban spam", reply_to=fwd["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    assert [c.params["user_id"] for c in emu.calls_of("banChatMember")] == [MEMBER]
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert reply.startswith("@bob is banned"), reply


async def test_vk_kick_of_someone_who_already_left_is_not_an_error(
        emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> None:
    """"!kick" on a member who has left the VK chat: nothing to do. Rose would say they are
    not in the chat; at the least there must be no "I could not remove… platform said"
    alarm in the chat and the queue."""
    running = await _vk_bot(emulator, tmp_path, clock, language="en")
    try:
        emulator.add_members(CHAT, 777)
        bad = emulator.post_message(CHAT, 777, "buy followers")
        del emulator.peer(CHAT).members[777]
        emulator.post_message(CHAT, MODERATOR, "!kick", reply_to=bad)
        await emulator.wait_for(lambda: [c for c in emulator.calls
                                         if c.method == "messages.removeChatUser"])
        emulator.post_message(CHAT, MODERATOR, "!warns", reply_to=bad)
        await emulator.wait_for(lambda: _vk_said(emulator, CHAT, "active warnings"))
    finally:
        await running.stop()
    alarms = [m.text for m in emulator.sent() if m.text.startswith("I could not")]
    assert alarms == [], alarms


async def test_duration_first_then_username_in_reply_still_targets_the_username(
        make_app, emu, fake, clock) -> None:
    """README: the duration may come before the target, and an explicit @username wins over
    the reply. "/mute 10m @carol" sent in reply to Bob's message must mute Carol, not Bob
    (with "@carol" as the reason)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, OTHER_MEMBER, "spam spam", username="carol")
        innocent = emu.user_message(GROUP, MEMBER, "carol is spamming", username="bob")
        await settle(emu)
        cmd = await command(emu, ADMIN, "/mute 10m @carol", reply_to=innocent["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember", ok=None), what="a mute")
    assert [c.params["user_id"] for c in emu.calls_of("restrictChatMember", ok=None)] == [
        OTHER_MEMBER], replies_to(emu, GROUP, cmd["message_id"])
    assert replies_to(emu, GROUP, cmd["message_id"])[0].startswith("@carol is muted for 10m")


async def test_ban_duration_first_then_id_in_reply_targets_the_id(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, OTHER_MEMBER, "spam spam", username="carol")
        innocent = emu.user_message(GROUP, MEMBER, "carol is spamming", username="bob")
        await settle(emu)
        await command(emu, ADMIN, f"/ban 1d {OTHER_MEMBER} spam",
                      reply_to=innocent["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember", ok=None), what="a ban")
    assert [c.params["user_id"] for c in emu.calls_of("banChatMember", ok=None)] == [
        OTHER_MEMBER]


@pytest.mark.parametrize("word", ["forever", "навсегда"])
async def test_forever_before_the_username_works_like_a_duration(make_app, emu, fake,
                                                                 word: str) -> None:
    """README: the duration may come before the target (/mute 10m @bob); "forever" is the
    permanent duration, so "/ban forever @carol" must ban Carol permanently."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, OTHER_MEMBER, "spam spam", username="carol")
        await settle(emu)
        cmd = await command(emu, ADMIN, f"/ban {word} @carol scam")
        await settle(emu)
    bans = emu.calls_of("banChatMember", ok=None)
    assert [c.params["user_id"] for c in bans] == [OTHER_MEMBER], \
        replies_to(emu, GROUP, cmd["message_id"])
    assert not bans[0].params.get("until_date")
