"""QA round 7: moderator commands as a Rose/Combot user expects them, through the real Telegram
adapter and the Bot API emulator. Each test states what a moderator at 2 a.m. relies on; a
failing test is a finding (see /tmp/qa7.md)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

import pytest
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    LISTED_MODERATOR,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    TOKEN,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import (
    command,
    render,
    replies_to,
    reply_messages,
    settle,
    wall_clock,
)

from bot.app import App
from bot.core.clock import FakeClock

BOT_ID = int(TOKEN.split(":", 1)[0])


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    return functools.partial(make_tg_app, "qa7")


def near(value: int, moment: datetime, slack: int = 2) -> bool:
    return abs(int(value) - int(moment.timestamp())) <= slack


# --- /warn, the ladder, /warns, /unwarn --------------------------------------------------

async def test_warn_with_reason_shows_reason_count_and_next_step(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "buy followers here", username="bob")
        cmd = await command(emu, ADMIN, "/warn advertising", reply_to=target["message_id"])
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        "@bob has been warned for advertising. Warning 1 of 4; next: mute 1h."]
    assert not emu.calls_of("restrictChatMember", ok=None)


async def test_second_warn_applies_the_ladders_mute_1h(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        await command(emu, ADMIN, "/warn ad 1", reply_to=target["message_id"])
        second = await command(emu, ADMIN, "/warn ad 2", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the ladder's mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert mute.params["user_id"] == MEMBER
    assert near(mute.params["until_date"], clock.now() + timedelta(hours=1))
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "restricted"
    (reply,) = replies_to(emu, GROUP, second["message_id"])
    assert "Muted for 1h" in reply and "Warning 2 of 4; next: mute 1d." in reply, reply


async def test_warns_lists_each_reason(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        await command(emu, ADMIN, "/warn first reason", reply_to=target["message_id"])
        await command(emu, ADMIN, "/warn second reason", reply_to=target["message_id"])
        listing = await command(emu, LISTED_MODERATOR, "/warns @bob")
    (text,) = replies_to(emu, GROUP, listing["message_id"])
    assert text.startswith("@bob has active warnings: 2; the ladder has 4 steps:"), text
    assert "1. " in text and "first reason" in text
    assert "2. " in text and "second reason" in text
    assert text.index("first reason") < text.index("second reason")


async def test_unwarn_without_warnings_says_so(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "hi", username="bob")
        cmd = await command(emu, ADMIN, "/unwarn", reply_to=target["message_id"])
    assert replies_to(emu, GROUP, cmd["message_id"]) == ["@bob has no active warnings."]


async def test_manual_warning_expires_after_warn_expiry(make_app, emu, fake, clock) -> None:
    app = await make_app(extra_community="""
        [community.moderation]
        warn_expiry = "1d"
        """)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        await command(emu, ADMIN, "/warn ad", reply_to=target["message_id"])
        clock.advance(timedelta(days=1, minutes=1))
        again = await command(emu, ADMIN, "/warn ad again", reply_to=target["message_id"])
        listing = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
    (text,) = replies_to(emu, GROUP, again["message_id"])
    assert "Warning 1 of 4" in text, "an expired warning must not count"
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert replies_to(emu, GROUP, listing["message_id"])[0].startswith(
        "@bob has active warnings: 1")


# --- /mute, /unmute, /ban, /unban, /kick -------------------------------------------------

async def test_mute_without_duration_uses_configured_default_mute(make_app, emu, fake,
                                                                  clock) -> None:
    app = await make_app(extra_community="""
        [community.moderation]
        default_mute = "30m"
        """)
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        cmd = await command(emu, ADMIN, "/mute", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert near(mute.params["until_date"], clock.now() + timedelta(minutes=30))
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        "@bob is muted for 30m for breaking the chat rules."]


async def test_mute_with_duration_and_reason_wording(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        cmd = await command(emu, ADMIN, "/mute 2h flooding the chat",
                            reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        "@bob is muted for 2h for flooding the chat."]
    member = emu.world.chats[GROUP].members[MEMBER]
    assert member["status"] == "restricted"
    assert near(member["until_date"], clock.now() + timedelta(hours=2))


async def test_unban_of_a_present_member_does_not_remove_them(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hello", username="bob")
        await command(emu, ADMIN, "/unban @bob")
        await settle(emu)
    assert emu.world.chats[GROUP].members.get(MEMBER, {"status": "member"})["status"] == "member"
    for call in emu.calls_of("unbanChatMember", ok=None):
        assert call.params.get("only_if_banned") in (True, "true", "True"), call.params


async def test_timed_ban_with_reason(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "scam", username="bob")
        cmd = await command(emu, ADMIN, "/ban 3d scam links", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == MEMBER
    assert near(ban.params["until_date"], clock.now() + timedelta(days=3))
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        "@bob is banned for 3d. Reason: scam links. To lift it: /unban."]


async def test_kick_by_username_lets_them_rejoin(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        await command(emu, ADMIN, "/kick @bob trolling")
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember"), what="the kick's unban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == MEMBER
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "left", \
        "kicked, not left banned: they may come back"


# --- aiming: by id, telegram:ID, unknown @username, explicit target over reply ------------

@pytest.mark.parametrize("form", ["{id}", "telegram:{id}"])
async def test_mute_by_numeric_id_and_by_telegram_id(make_app, emu, fake, clock,
                                                     form: str) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        cmd = await command(emu, ADMIN, f"/mute {form.format(id=MEMBER)} 10m spam")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert mute.params["user_id"] == MEMBER
    assert near(mute.params["until_date"], clock.now() + timedelta(minutes=10))
    assert replies_to(emu, GROUP, cmd["message_id"]) == ["@bob is muted for 10m for spam."]


async def test_unknown_username_gets_a_clear_reply_and_nothing_happens(make_app, emu,
                                                                       fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, "/ban @ghost 1d")
        await settle(emu)
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert reply.startswith("I can't find @ghost."), reply
    assert not emu.calls_of("banChatMember", ok=None)


async def test_explicit_username_wins_over_the_reply(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, OTHER_MEMBER, "i am carol", username="carol")
        innocent = emu.user_message(GROUP, MEMBER, "i reported carol", username="bob")
        await settle(emu)
        emu.user_message(GROUP, ADMIN, "/ban @carol", reply_to=innocent["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == OTHER_MEMBER


# --- protected targets -------------------------------------------------------------------

@pytest.mark.parametrize("cmd_text", ["/ban {bot}", "/kick {bot}", "/warn {bot}"])
async def test_targeting_the_bot_by_id_is_refused(make_app, emu, fake, cmd_text: str) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, cmd_text.format(bot=BOT_ID))
        await settle(emu)
    assert not [c for c in emu.calls_of("banChatMember", ok=None)
                if c.params["user_id"] == BOT_ID]
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "has been warned" not in reply and "banned" not in reply \
        and "removed" not in reply, reply


async def test_targeting_the_bot_is_refused_even_when_it_is_not_an_admin(make_app, emu,
                                                                        fake) -> None:
    """Where the bot lost its admin status it no longer appears in getChatAdministrators;
    /warn on its own message must still not warn the bot (nor climb a ladder against it)."""
    emu.world.chats[GROUP].bot_status = "member"
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        helped = await command(emu, MEMBER, "/help")
        (bot_msg,) = reply_messages(emu, GROUP, helped["message_id"])
        cmd = await command(emu, ADMIN, "/warn", reply_to=bot_msg["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "has been warned" not in reply, reply


async def test_admin_cannot_mute_a_listed_moderator(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        mod_msg = emu.user_message(GROUP, LISTED_MODERATOR, "mod here", username="mo")
        cmd = await command(emu, ADMIN, "/mute 10m", reply_to=mod_msg["message_id"])
    assert replies_to(emu, GROUP, cmd["message_id"]) == [
        render("moderation.refuse.protected", user="@mo")]
    assert not emu.calls_of("restrictChatMember", ok=None)


# --- the bot lacking rights --------------------------------------------------------------

async def test_without_restrict_right_the_moderator_is_told_once(make_app, emu, fake) -> None:
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("I could not ban")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
        emu.user_message(GROUP, ADMIN, "/ban spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: len(emu.calls_of("banChatMember", ok=False)) >= 2,
                           what="second attempt")
        # the bot is alive and answers the next command
        listing = await command(emu, ADMIN, "/warns", reply_to=target["message_id"])
        await settle(emu)
    failures = [t for t in emu.sent_texts(GROUP) if t.startswith("I could not ban")]
    assert failures == ["I could not ban @bob: I need to be an admin with that right here."]
    assert replies_to(emu, GROUP, listing["message_id"])
    assert emu.world.chats[GROUP].members.get(MEMBER, {"status": "member"})["status"] == "member"


async def test_bot_not_admin_mute_is_reported_in_the_chat(make_app, emu, fake) -> None:
    emu.world.chats[GROUP].bot_status = "member"
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        emu.user_message(GROUP, ADMIN, "/mute 10m", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("I could not mute")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
    failures = [t for t in emu.sent_texts(GROUP) if t.startswith("I could not mute")]
    assert failures == ["I could not mute @bob: I need to be an admin with that right here."]


# --- replies and clean-up ----------------------------------------------------------------

async def test_every_command_gets_exactly_one_reply(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        sent = []
        for text in ("/warn spam", "/warns", "/unwarn", "/mute 10m", "/unmute", "/ban 1d",
                     "/unban", "/mute 10x", "/warn"):
            cmd = emu.user_message(GROUP, ADMIN, text, reply_to=target["message_id"])
            await emu.wait_for(lambda c=cmd: replies_to(emu, GROUP, c["message_id"]),
                               what=f"reply to {text}")
            sent.append((text, cmd))
        await settle(emu)
    counts = {text: len(replies_to(emu, GROUP, cmd["message_id"])) for text, cmd in sent}
    assert all(n == 1 for n in counts.values()), counts


async def test_command_notice_deletes_itself_after_notice_ttl(make_app, emu, fake,
                                                              clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        cmd = await command(emu, ADMIN, "/warn spam", reply_to=target["message_id"])
        (notice,) = reply_messages(emu, GROUP, cmd["message_id"])
        clock.advance(timedelta(minutes=1))
        await settle(emu)
        assert not emu.is_deleted(GROUP, notice["message_id"]), "deleted before notice_ttl"
        clock.advance(timedelta(minutes=1, seconds=30))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice["message_id"]),
                           what="the notice deleting itself")
    assert not emu.is_deleted(GROUP, target["message_id"]), "/warn keeps the evidence"


async def test_del_removes_the_message_and_the_command(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "phishing link")
        cmd = emu.user_message(GROUP, ADMIN, "/del", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, target["message_id"])
                           and emu.is_deleted(GROUP, cmd["message_id"]), what="both deleted")
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"]) == []


# --- help, @botname suffix, private chat, queue chat -------------------------------------

async def test_help_for_moderators_and_members(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        by_admin = await command(emu, ADMIN, "/help")
        by_listed = await command(emu, LISTED_MODERATOR, "/help")
        by_member = await command(emu, MEMBER, "/help")
    assert replies_to(emu, GROUP, by_admin["message_id"]) == [render("common.help_moderator")]
    assert replies_to(emu, GROUP, by_listed["message_id"]) == [render("common.help_moderator")]
    assert replies_to(emu, GROUP, by_member["message_id"]) == [render("common.help_member")]


async def test_mute_with_the_bots_username_suffix(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute@modbot_test_bot 15m",
                         reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert near(mute.params["until_date"], clock.now() + timedelta(minutes=15))


async def test_mute_in_a_private_chat_says_where_it_works(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        cmd = await command(emu, LISTED_MODERATOR, "/mute @bob 10m", chat=LISTED_MODERATOR)
    assert replies_to(emu, LISTED_MODERATOR, cmd["message_id"]) == [
        render("common.wrong_place.chat_queue", command="/mute")]
    assert not emu.calls_of("restrictChatMember", ok=None)


async def test_ban_from_the_queue_chat_acts_in_the_group(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        cmd = await command(emu, ADMIN, "/ban @bob 1d spam", chat=QUEUE)
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["chat_id"] == GROUP and ban.params["user_id"] == MEMBER
    assert near(ban.params["until_date"], clock.now() + timedelta(days=1))
    assert replies_to(emu, QUEUE, cmd["message_id"]) == [
        "@bob is banned for 1d. Reason: spam. To lift it: /unban."]


# --- second batch ------------------------------------------------------------------------

async def test_fourth_warn_reaches_the_ladders_permanent_ban(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "ad", username="bob")
        last = None
        for n in range(4):
            last = await command(emu, ADMIN, f"/warn ad {n}", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ladder's ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == MEMBER and not ban.params.get("until_date")
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "kicked"
    (reply,) = replies_to(emu, GROUP, last["message_id"])
    assert "Banned until a moderator lifts it" in reply, reply


@pytest.mark.parametrize(("word", "delta"), [
    ("1h30m", timedelta(minutes=90)), ("10min", timedelta(minutes=10)),
    ("2hours", timedelta(hours=2)), ("1w", timedelta(weeks=1)), ("10мин", timedelta(minutes=10)),
])
async def test_mute_durations_as_readme_spells_them(make_app, emu, fake, clock, word: str,
                                                    delta: timedelta) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, f"/mute {word}", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    assert near(mute.params["until_date"], clock.now() + delta)


async def test_dwarn_deletes_the_message_and_warns(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam link", username="bob")
        cmd = await command(emu, ADMIN, "/dwarn spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, target["message_id"]), what="deletion")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert reply.startswith("@bob has been warned for spam."), reply


async def test_help_in_private_for_a_listed_moderator(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = emu.user_message(LISTED_MODERATOR, LISTED_MODERATOR, "/help")
        await emu.wait_for(lambda: len(emu.sent_texts(LISTED_MODERATOR)) >= 2, what="help")
    assert render("common.help_moderator") in emu.sent_texts(LISTED_MODERATOR)
    assert cmd["message_id"]


async def test_help_in_private_for_a_group_admin(make_app, emu, fake) -> None:
    """README: moderators are the chat's admins plus the listed ones; the admin of the group
    asking the bot privately is a moderator too."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(ADMIN, ADMIN, "/help")
        await emu.wait_for(lambda: len(emu.sent_texts(ADMIN)) >= 2, what="help")
    assert render("common.help_moderator") in emu.sent_texts(ADMIN), emu.sent_texts(ADMIN)


async def test_replies_in_the_queue_chat_stay(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        cmd = await command(emu, ADMIN, "/warn @bob spam", chat=QUEUE)
        (reply,) = reply_messages(emu, QUEUE, cmd["message_id"])
        clock.advance(timedelta(minutes=10))
        await settle(emu, QUEUE)
        await settle(emu)
    assert not emu.is_deleted(QUEUE, reply["message_id"]), "the queue keeps its trace"


async def test_del_without_delete_right_is_reported_once(make_app, emu, fake) -> None:
    emu.world.chats[GROUP].bot_rights["can_delete_messages"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "phishing")
        emu.user_message(GROUP, ADMIN, "/del", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("I could not delete")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
        await settle(emu)
    failures = [t for t in emu.sent_texts(GROUP) if t.startswith("I could not delete")]
    assert failures == ["I could not delete the message: I need to be an admin with that "
                        "right here."], failures


async def test_kick_without_rights_is_reported(make_app, emu, fake) -> None:
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "troll", username="bob")
        emu.user_message(GROUP, ADMIN, "/kick", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("I could not remove")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
        await settle(emu)
    failures = [t for t in emu.sent_texts(GROUP) if t.startswith("I could not")]
    assert failures == ["I could not remove @bob: I need to be an admin with that right here."]


async def test_command_reply_stays_in_the_forum_topic(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob", thread_id=7)
        cmd = await command(emu, ADMIN, "/warn spam", reply_to=target["message_id"],
                            thread_id=7)
    (call,) = [c for c in emu.calls_of("sendMessage")
               if (c.params.get("reply_parameters") or {}).get("message_id")
               == cmd["message_id"]]
    assert call.params.get("message_thread_id") == 7


async def test_mute_then_unmute_by_username_restores_writing(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        await command(emu, ADMIN, "/mute @bob forever")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="mute")
        cmd = await command(emu, ADMIN, "/unmute @bob")
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2, what="unmute")
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "member"
    assert replies_to(emu, GROUP, cmd["message_id"]) == ["@bob can write again."]


# --- third batch: aiming mistakes that hurt the wrong person ------------------------------

async def test_username_lookup_is_case_insensitive(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="BobSmith")
        await settle(emu)
        emu.user_message(GROUP, ADMIN, "/ban @bobsmith 1d")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    assert emu.calls_of("banChatMember")[0].params["user_id"] == MEMBER


async def test_a_username_taken_over_targets_its_current_owner(make_app, emu, fake,
                                                               clock) -> None:
    """Bob was @bob; he renamed, and Carol took @bob and is spamming. /ban @bob must ban the
    one who holds @bob now (the latest seen), never the innocent former holder."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi, I'm bob", username="bob")
        await settle(emu)
        clock.advance(timedelta(hours=2))
        emu.user_message(GROUP, OTHER_MEMBER, "buy crypto now", username="bob")
        await settle(emu)
        emu.user_message(GROUP, ADMIN, "/ban @bob spam")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    assert emu.calls_of("banChatMember")[0].params["user_id"] == OTHER_MEMBER


async def test_kick_of_a_banned_member_does_not_lift_the_ban(make_app, emu, fake) -> None:
    """Moderator A banned a spammer; moderator B, not seeing it, /kicks the same spammer in
    reply to an old message. A kick must not turn into an unban."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        await command(emu, ADMIN, "/ban spam", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await command(emu, LISTED_MODERATOR, "/kick", reply_to=target["message_id"])
        await settle(emu)
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "kicked", \
        f"the ban was lifted by a kick: {emu.world.chats[GROUP].members[MEMBER]}"


async def test_anonymous_admin_gets_the_moderator_help(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = emu.user_message(GROUP, 0, "/help", sender_chat=GROUP)
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="help")
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("common.help_moderator")]


async def test_rights_failure_is_reported_again_after_an_hour(make_app, emu, fake,
                                                              clock) -> None:
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", username="bob")
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("I could not ban")
                                       for t in emu.sent_texts(GROUP)), what="the failure")
        clock.advance(timedelta(hours=1, minutes=1))
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: len([t for t in emu.sent_texts(GROUP)
                                        if t.startswith("I could not ban")]) == 2,
                           what="the second failure notice")


async def test_a_30s_mute_is_short_not_permanent(make_app, emu, fake, clock) -> None:
    """Telegram reads an until_date under 30 s away as "forever"; a moderator's /mute 30s
    must stay a short mute."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute 30s", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    until = int(mute.params.get("until_date") or 0)
    assert until, "a 30 s mute became permanent"
    assert 0 < until - int(datetime.now(UTC).timestamp()) <= 3600 * 2, until


async def test_warn_by_id_of_someone_never_seen(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, "/warn 4242 spam in DMs")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "has been warned for spam in DMs" in reply and "Warning 1 of 4" in reply, reply


async def test_ban_from_the_queue_without_rights_tells_the_moderator_in_the_queue(
        make_app, emu, fake) -> None:
    """The moderator typed /ban in the queue chat and was told there "@bob is banned"; when
    Telegram refuses, the correction must reach them where they are (the queue), not only
    the group they are not looking at."""
    emu.world.chats[GROUP].bot_rights["can_restrict_members"] = False
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hi", username="bob")
        await settle(emu)
        await command(emu, ADMIN, "/ban @bob spam", chat=QUEUE)
        await emu.wait_for(lambda: emu.calls_of("banChatMember", ok=False), what="the refusal")
        await emu.wait_for(lambda: any(t.startswith("I could not ban")
                                       for t in emu.sent_texts()), what="a failure notice")
        await settle(emu, QUEUE)
    assert any(t.startswith("I could not ban @bob") for t in emu.sent_texts(QUEUE)), \
        f"queue: {emu.sent_texts(QUEUE)}; group: {emu.sent_texts(GROUP)}"


async def test_a_timed_ban_survives_a_later_kick(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "spam", username="bob")
        await settle(emu)
        await command(emu, ADMIN, "/ban @bob 3d spam")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await command(emu, ADMIN, "/kick @bob")
        await settle(emu)
    member = emu.world.chats[GROUP].members[MEMBER]
    assert member["status"] == "kicked", f"the 3-day ban was lifted by /kick: {member}"
