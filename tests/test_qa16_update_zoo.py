"""QA round 16: the Telegram update zoo. Real groups send much more than plain text: captions on
videos and documents, edited captions, albums, polls, inline-bot messages, formatted text,
forwards, a linked channel's automatic forwards, members posting as channels, anonymous admins,
service messages, forum topics, quotes and replies to other chats, other bots, Telegram's own
account, commands with odd spacing, 4,096-character messages, emoji. Each test states what a
member, moderator or owner expects of a mature moderation bot (Rose, Combot); a failing test is
a finding (see /tmp/s5/qa16_findings.md)."""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    QUEUE,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import command, non_help, render, replies_to, settle, wall_clock

from bot.app import App
from bot.core.clock import FakeClock

CHANNEL = -1005  # a member's own channel
LINKED = -1007  # the channel whose discussion group GROUP is
CHANNEL_BOT = 136817688  # Telegram's "Channel_Bot" user on messages sent as a channel
TELEGRAM_SERVICE = 777000  # Telegram's own account (sender of automatic forwards)
OTHER_BOT = 5555


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(emu: TelegramEmulator, make_tg_app: Callable[..., Awaitable[App]]
             ) -> Callable[..., Awaitable[App]]:
    emu.group(CHANNEL, title="Bob's channel", type="channel")
    emu.group(LINKED, title="Official news", type="channel", username="official_news")
    emu.world.chat(GROUP).linked_chat_id = LINKED
    return functools.partial(make_tg_app, "qa16")


FAQ_TEXT = '''
[[faq]]
id = "lessons"
lang = "en"
questions = ["When are the lessons?", "What time are the lessons?"]
answer = "Lessons are on Tuesdays and Thursdays at 7 pm."
'''


async def faq_app(make_app, tmp_path: Path, **parts: str) -> App:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    return await make_app(extra_community='faq = "faq.toml"\n', **parts)


def raw(emu: TelegramEmulator, chat_id: int, user: dict[str, Any] | None,
        **fields: Any) -> dict[str, Any]:
    """A message with arbitrary fields, stored in the world and pushed as an update."""
    chat = emu.world.chat(chat_id)
    if user is not None:
        fields.setdefault("from", user)
    message = emu.world.new_message(chat, **fields)
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


def member(emu: TelegramEmulator, user_id: int = MEMBER, name: str | None = None,
           **extra: Any) -> dict[str, Any]:
    user = dict(emu.world.user(user_id, name))
    user.update(extra)
    return user


def edit_raw(emu: TelegramEmulator, chat_id: int, message_id: int, **fields: Any) -> None:
    stored = emu.world.messages[(chat_id, message_id)]
    stored.message.update(fields)
    stored.message["edit_date"] = int(time.time()) + 1
    emu.world.push("edited_message", dict(stored.message))
    emu._bump()


VIDEO = {"file_id": "vid1", "file_unique_id": "vid1u", "width": 640, "height": 360,
         "duration": 5}
DOCUMENT = {"file_id": "doc1", "file_unique_id": "doc1u", "file_name": "notes.pdf"}


def poll(question: str, options: list[str]) -> dict[str, Any]:
    return {"id": "poll1", "question": question,
            "options": [{"persistent_id": str(i), "text": o, "voter_count": 0}
                        for i, o in enumerate(options)],
            "total_voter_count": 0, "is_closed": False, "is_anonymous": True,
            "type": "regular", "allows_multiple_answers": False, "allows_revoting": False,
            "members_only": False}


def warnings(emu: TelegramEmulator) -> list[str]:
    return [t for t in non_help(emu.sent_texts(GROUP)) if "Warning" in t or "removed" in t]


def punishments(emu: TelegramEmulator) -> list[Any]:
    return (emu.calls_of("restrictChatMember", ok=None) + emu.calls_of("banChatMember", ok=None)
            + emu.calls_of("banChatSenderChat", ok=None))


async def removed_and_warned(emu: TelegramEmulator, message: dict[str, Any]) -> None:
    await emu.wait_for(lambda: emu.is_deleted(GROUP, message["message_id"]),
                       what="the obscene message to be deleted")
    await emu.wait_for(lambda: any("Warning 1 of 4" in t for t in emu.sent_texts(GROUP)),
                       what="the warning")


# --- obscenity wherever members put words ---------------------------------------------

async def test_obscene_video_caption_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), video=VIDEO, caption="watch this fucking clip")
        await removed_and_warned(emu, msg)


async def test_obscene_document_caption_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), document=DOCUMENT, caption="notes, пиздец какие")
        await removed_and_warned(emu, msg)


async def test_caption_edited_into_obscenity_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, photo=True, caption="our new office")
        await settle(emu)
        edit_raw(emu, GROUP, msg["message_id"], caption="our new fucking office")
        await removed_and_warned(emu, msg)


async def test_album_with_an_obscene_caption_is_one_offence(make_app, emu, fake) -> None:
    """An album is three messages sharing media_group_id; the caption sits on one of them."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        user = member(emu)
        first = raw(emu, GROUP, user, media_group_id="album-1", photo=emu.world.photo_sizes(),
                    caption="holiday pics, fuck yeah")
        raw(emu, GROUP, user, media_group_id="album-1", photo=emu.world.photo_sizes())
        raw(emu, GROUP, user, media_group_id="album-1", photo=emu.world.photo_sizes())
        await removed_and_warned(emu, first)
        await settle(emu)
    assert len(warnings(emu)) == 1, f"one album, one offence: {warnings(emu)}"


async def test_obscene_poll_question_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), poll=poll("who the fuck broke the build?",
                                                     ["me", "not me"]))
        await removed_and_warned(emu, msg)


async def test_obscene_poll_option_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), poll=poll("Rate the new teacher",
                                                     ["great", "ok", "полный пиздец"]))
        await removed_and_warned(emu, msg)


async def test_obscenity_sent_via_an_inline_bot_is_the_members(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu, name="Bob"), text="fuck mondays",
                  via_bot={"id": 140267078, "is_bot": True, "first_name": "GIF",
                           "username": "gif"})
        await removed_and_warned(emu, msg)
    (notice,) = warnings(emu)
    assert notice.startswith("Bob"), f"the member who sent it answers for it: {notice}"


async def test_obscene_text_link_visible_text_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    text = "read this shit here"
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), text=text, entities=[
            {"type": "text_link", "offset": 0, "length": len(text),
             "url": "https://example.com/article"}])
        await removed_and_warned(emu, msg)


async def test_obscenity_inside_a_spoiler_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    text = "plot twist: the hero is a motherfucker"
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), text=text, entities=[
            {"type": "spoiler", "offset": 12, "length": len(text) - 12}])
        await removed_and_warned(emu, msg)


async def test_forwarded_obscenity_from_a_user_warns_the_forwarder(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.world.user(OTHER_MEMBER, "Carol")
        msg = emu.user_message(GROUP, MEMBER, "look what he wrote: fuck you all",
                               first_name="Bob", forwarded_from=OTHER_MEMBER)
        await removed_and_warned(emu, msg)
    (notice,) = warnings(emu)
    assert notice.startswith("Bob") and "Carol" not in notice, notice


async def test_forwarded_obscenity_from_a_channel_warns_the_forwarder(make_app, emu,
                                                                      fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu, name="Bob"), text="какой пиздец творится",
                  forward_origin={"type": "channel", "date": int(time.time()) - 60,
                                  "chat": emu.world.chats[CHANNEL].as_json(),
                                  "message_id": 77})
        await removed_and_warned(emu, msg)
    assert not emu.calls_of("banChatSenderChat", ok=None), \
        "a forward is not the channel posting here: do not ban the channel"


async def test_an_admin_forwarding_obscenity_is_not_punished(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, ADMIN, "evidence: fuck you all", forwarded_from=OTHER_MEMBER)
        await settle(emu)
    assert not punishments(emu)
    assert warnings(emu) == []


# --- channels, the linked channel, anonymous admins -------------------------------------

def automatic_forward(emu: TelegramEmulator, text: str) -> dict[str, Any]:
    """A post of the linked channel, copied by Telegram into its discussion group."""
    channel = emu.world.chats[LINKED].as_json()
    return raw(emu, GROUP, {"id": TELEGRAM_SERVICE, "is_bot": False, "first_name": "Telegram"},
               text=text, sender_chat=channel, is_automatic_forward=True,
               forward_origin={"type": "channel", "date": int(time.time()) - 5,
                               "chat": channel, "message_id": 501},
               forward_from_chat=channel, forward_from_message_id=501,
               forward_date=int(time.time()) - 5)


async def test_linked_channel_post_with_strong_language_is_left_alone(make_app, emu,
                                                                      fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        post = automatic_forward(emu, "Holy shit, we shipped it! Fucking proud of the team.")
        await settle(emu)
    assert not emu.is_deleted(GROUP, post["message_id"]), "the owner's channel post was deleted"
    assert not punishments(emu), "the linked channel was punished as a member"
    assert warnings(emu) == []


async def test_linked_channel_post_asking_a_question_gets_no_faq_answer(make_app, emu, fake,
                                                                        tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        post = automatic_forward(emu, "When are the lessons? New timetable below!")
        await settle(emu)
        # a member then asks: they get the answer itself, not a pointer to one given the channel
        asked = emu.user_message(GROUP, MEMBER, "When are the lessons?")
        await settle(emu)
    assert replies_to(emu, GROUP, post["message_id"]) == [], \
        "the bot answered its own channel's announcement from the FAQ"
    answers = replies_to(emu, GROUP, asked["message_id"])
    assert answers and "Tuesdays" in answers[0], \
        f"the member got no answer of their own; the bot said: {non_help(emu.sent_texts(GROUP))}"


async def test_linked_channel_commenting_as_itself_is_not_punished(make_app, emu,
                                                                   fake) -> None:
    """The owner's linked channel (known from its automatic forwards) commenting in its own
    discussion group is the owner speaking, like an anonymous admin: Rose treats it as admin."""
    app = await make_app(extra_community="""
        [community.moderation]
        ladder = [{ action = "ban" }]
        """)
    async with RunningBot(app, fast_options(fake)):
        automatic_forward(emu, "Stream starts in 5 minutes")
        await settle(emu)
        comment = emu.user_message(GROUP, 0, "Damn right, this shit is live now!",
                                   sender_chat=LINKED)
        await settle(emu)
    assert not emu.calls_of("banChatSenderChat", ok=None), \
        "the bot banned the group's own linked channel"
    assert not emu.is_deleted(GROUP, comment["message_id"])


async def test_report_about_a_linked_channel_post_offers_no_ban_of_the_channel(
        make_app, emu, fake) -> None:
    """Like a report about an anonymous admin: the group's own channel is not a member."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        post = automatic_forward(emu, "New prices from Monday")
        emu.user_message(GROUP, MEMBER, "/report price gouging", reply_to=post["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    card = emu.sent_messages(QUEUE)[0]
    buttons = [b["callback_data"].split(":")[1]
               for row in card.get("reply_markup", {}).get("inline_keyboard", []) for b in row]
    assert "ban" not in buttons, f"Ban author offered for the group's linked channel: {card}"


async def test_linked_channel_post_does_not_trip_antiflood(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        posts = [automatic_forward(emu, f"News item {n}") for n in range(10)]
        await settle(emu)
    assert not any(emu.is_deleted(GROUP, p["message_id"]) for p in posts)
    assert not punishments(emu)


async def test_member_as_own_channel_reaching_ban_bans_the_channel(make_app, emu,
                                                                   fake) -> None:
    app = await make_app(extra_community="""
        [community.moderation]
        ladder = [{ action = "warn" }, { action = "ban" }]
        """)
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, MEMBER, "fuck this", sender_chat=CHANNEL)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, first["message_id"]), what="del 1")
        second = emu.user_message(GROUP, MEMBER, "fuck this again", sender_chat=CHANNEL)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, second["message_id"]), what="del 2")
        await emu.wait_for(lambda: emu.calls_of("banChatSenderChat"), what="channel ban")
        await settle(emu)
    (ban,) = emu.calls_of("banChatSenderChat")
    assert int(ban.params["sender_chat_id"]) == CHANNEL
    assert not [c for c in emu.calls_of("banChatMember", ok=None)
                if int(c.params["user_id"]) in (CHANNEL_BOT, MEMBER)], \
        "the ban must hit the channel, not the Channel_Bot placeholder user"


async def test_anonymous_admin_strong_language_is_not_punished(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        post = emu.user_message(GROUP, 0, "server is down again, fuck", sender_chat=GROUP)
        await settle(emu)
    assert not emu.is_deleted(GROUP, post["message_id"])
    assert not punishments(emu)
    assert warnings(emu) == []


async def test_anonymous_admin_can_warn_and_mute(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam spam", first_name="Bob")
        warn = emu.user_message(GROUP, 0, "/warn ads", reply_to=target["message_id"],
                                sender_chat=GROUP)
        await emu.wait_for(lambda: replies_to(emu, GROUP, warn["message_id"]), what="warn")
        mute = emu.user_message(GROUP, 0, "/mute 10m", reply_to=target["message_id"],
                                sender_chat=GROUP)
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (reply,) = replies_to(emu, GROUP, warn["message_id"])
    assert "Bob" in reply and "Warning 1 of 4" in reply, reply
    (call,) = emu.calls_of("restrictChatMember")
    assert int(call.params["user_id"]) == MEMBER
    assert mute["message_id"]


async def test_an_album_of_ten_photos_is_not_flooding(make_app, emu, fake) -> None:
    """Telegram sends an album as up to 10 messages at once; members see one post."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        user = member(emu)
        album = [raw(emu, GROUP, user, media_group_id="album-10",
                     photo=emu.world.photo_sizes(), **({"caption": "our trip"} if n == 0
                                                       else {}))
                 for n in range(10)]
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None), \
        f"one album was punished as flooding: {non_help(emu.sent_texts(GROUP))}"
    assert not any(emu.is_deleted(GROUP, m["message_id"]) for m in album)


async def test_anonymous_admin_can_add_an_faq_entry(make_app, emu, fake, tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        add = emu.user_message(GROUP, 0, "/faq add Where is the parking? | Behind the building.",
                               sender_chat=GROUP)
        await emu.wait_for(lambda: replies_to(emu, GROUP, add["message_id"]), what="added")
        asked = await command(emu, MEMBER, "Where is the parking?", what="the new answer")
    assert "Behind the building." in replies_to(emu, GROUP, asked["message_id"])[0]


async def test_question_in_a_photo_caption_is_answered(make_app, emu, fake, tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, photo=True, caption="When are the lessons?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="answer")
    assert "Tuesdays" in replies_to(emu, GROUP, asked["message_id"])[0]


# --- service messages and names --------------------------------------------------------

async def test_forum_topic_created_with_an_obscene_name_does_not_crash(make_app, emu,
                                                                       fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        opener = raw(emu, GROUP, member(emu), message_thread_id=55, is_topic_message=True,
                     forum_topic_created={"name": "fuck off topic", "icon_color": 7322096})
        raw(emu, GROUP, member(emu), message_thread_id=55, is_topic_message=True,
            forum_topic_edited={"name": "shit topic"})
        raw(emu, GROUP, member(emu), message_thread_id=55, is_topic_message=True,
            forum_topic_closed={})
        await settle(emu)
        asked = await command(emu, MEMBER, "/help", what="help after topic service messages")
    assert not emu.is_deleted(GROUP, opener["message_id"])
    assert replies_to(emu, GROUP, asked["message_id"])
    assert warnings(emu) == [], "a service message is not a member's text"


async def test_new_member_with_an_obscene_name_joining_does_not_crash(make_app, emu,
                                                                      fake) -> None:
    app = await make_app()
    newbie = emu.world.user(4444, "Fuck Face")
    async with RunningBot(app, fast_options(fake)):
        raw(emu, GROUP, newbie, new_chat_members=[newbie])
        emu.inject_raw({"chat_member": {
            "chat": emu.world.chats[GROUP].as_json(), "from": newbie,
            "date": int(time.time()),
            "old_chat_member": {"status": "left", "user": newbie},
            "new_chat_member": {"status": "member", "user": newbie}}})
        await settle(emu)
        asked = await command(emu, 4444, "/help", what="help for the newcomer")
    assert replies_to(emu, GROUP, asked["message_id"])
    assert warnings(emu) == []


async def test_notice_does_not_repeat_obscenity_from_the_members_name(make_app, emu,
                                                                      fake) -> None:
    """README: the notice "never repeats the word" — a name like "Fucker" brings it back."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "fuck off", first_name="Fucker")
        await removed_and_warned(emu, msg)
    (notice,) = warnings(emu)
    assert "fuck" not in notice.lower(), f"the bot itself posted the obscenity: {notice!r}"


async def test_exotic_message_kinds_do_not_stop_the_bot(make_app, emu, fake) -> None:
    app = await make_app()
    chat = emu.world.chats[GROUP].as_json()
    async with RunningBot(app, fast_options(fake)):
        user = member(emu)
        raw(emu, GROUP, user, story={"chat": emu.world.chats[CHANNEL].as_json(), "id": 3})
        raw(emu, GROUP, user, dice={"emoji": "🎯", "value": 6})
        raw(emu, GROUP, user, giveaway={"chats": [chat], "winners_selection_date":
                                        int(time.time()) + 3600, "winner_count": 1})
        raw(emu, GROUP, user, text="hello", link_preview_options={"is_disabled": True},
            sender_boost_count=2, is_from_offline=True)
        raw(emu, GROUP, user, contact={"phone_number": "+100", "first_name": "Fuck"})
        raw(emu, GROUP, user, video_note={"file_id": "vn", "file_unique_id": "vnu",
                                          "length": 240, "duration": 3})
        emu.inject_raw({"message_reaction": {
            "chat": chat, "message_id": 100, "user": user, "date": int(time.time()),
            "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "👍"}]}})
        emu.inject_raw({"chat_join_request": {
            "chat": chat, "from": member(emu, 4545, "Fucking Spammer"),
            "user_chat_id": 4545, "date": int(time.time())}})
        await settle(emu)
        asked = await command(emu, MEMBER, "/help", what="help after the zoo")
    assert replies_to(emu, GROUP, asked["message_id"])
    assert warnings(emu) == []


async def test_obscene_reply_to_a_story_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), text="what a shitty story, fuck it",
                  reply_to_story={"chat": emu.world.chats[CHANNEL].as_json(), "id": 3})
        await removed_and_warned(emu, msg)


# --- forum topics ----------------------------------------------------------------------

async def test_faq_answer_in_a_forum_topic_goes_to_that_topic(make_app, emu, fake,
                                                              tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, "When are the lessons?", thread_id=77)
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]), what="answer")
    (call,) = [c for c in emu.calls_of("sendMessage") if "Tuesdays" in c.result["text"]]
    assert call.params.get("message_thread_id") == 77


async def test_same_question_in_another_topic_is_answered_there(make_app, emu, fake,
                                                                tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        a = emu.user_message(GROUP, MEMBER, "When are the lessons?", thread_id=77)
        await emu.wait_for(lambda: replies_to(emu, GROUP, a["message_id"]), what="answer 1")
        b = emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?", thread_id=88)
        await emu.wait_for(lambda: replies_to(emu, GROUP, b["message_id"]), what="answer 2")
    (second,) = reply_calls = [c for c in emu.calls_of("sendMessage")
                               if (c.params.get("reply_parameters") or {}).get("message_id")
                               == b["message_id"]]
    assert second.params.get("message_thread_id") == 88, reply_calls
    assert "Tuesdays" in second.result["text"]


async def test_obscenity_in_a_topic_reply_to_the_opener_warns_in_that_topic(make_app, emu,
                                                                            fake) -> None:
    """In forums every message in a topic "replies" to the topic's opening service message."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        opener = raw(emu, GROUP, member(emu, ADMIN), message_thread_id=90,
                     is_topic_message=True,
                     forum_topic_created={"name": "Homework", "icon_color": 7322096})
        nested = dict(opener)
        msg = raw(emu, GROUP, member(emu), text="this homework is fucking hard",
                  message_thread_id=90, is_topic_message=True, reply_to_message=nested)
        await removed_and_warned(emu, msg)
    (call,) = [c for c in emu.calls_of("sendMessage") if "Warning" in c.result["text"]]
    assert call.params.get("message_thread_id") == 90


async def test_reply_in_an_ordinary_group_carries_no_topic(make_app, emu, fake) -> None:
    """Outside forums Telegram still puts message_thread_id on replies (without
    is_topic_message); sending a notice "into" that thread fails on the real server."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = emu.user_message(GROUP, OTHER_MEMBER, "anyone here?")
        msg = raw(emu, GROUP, member(emu), text="fuck off", message_thread_id=first["message_id"],
                  reply_to_message=dict(first))
        await removed_and_warned(emu, msg)
    (call,) = [c for c in emu.calls_of("sendMessage") if "Warning" in c.result["text"]]
    assert not call.params.get("message_thread_id"), call.params


def topic_opener(emu: TelegramEmulator, thread: int, creator: int = ADMIN) -> dict[str, Any]:
    return raw(emu, GROUP, member(emu, creator), message_thread_id=thread,
               is_topic_message=True,
               forum_topic_created={"name": "Questions", "icon_color": 7322096})


async def test_report_in_a_topic_without_a_real_reply_gives_usage(make_app, emu, fake) -> None:
    """Telegram makes every topic message "reply" to the topic opener; that is not a target."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        opener = topic_opener(emu, 61)
        cmd = raw(emu, GROUP, member(emu), text="/report spam", message_thread_id=61,
                  is_topic_message=True, reply_to_message=dict(opener))
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="usage")
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("complaints.report_usage")]
    assert emu.sent_messages(QUEUE) == []


async def test_warn_in_a_topic_without_a_real_reply_warns_nobody(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        opener = topic_opener(emu, 62, creator=MEMBER)
        cmd = raw(emu, GROUP, member(emu, ADMIN), text="/warn", message_thread_id=62,
                  is_topic_message=True, reply_to_message=dict(opener))
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="a reply")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "Warning 1 of 4" not in reply, f"the topic's creator was warned: {reply}"
    (call,) = [c for c in emu.calls_of("sendMessage")
               if (c.params.get("reply_parameters") or {}).get("message_id") == cmd["message_id"]]
    assert call.params.get("message_thread_id") == 62


async def test_edit_into_obscenity_in_a_topic_warns_in_that_topic(make_app, emu,
                                                                 fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "nice topic", thread_id=63)
        await settle(emu)
        emu.edit_user_message(GROUP, msg["message_id"], "nice fucking topic")
        await removed_and_warned(emu, msg)
    (call,) = [c for c in emu.calls_of("sendMessage") if "Warning" in c.result["text"]]
    assert call.params.get("message_thread_id") == 63


# --- replies: quotes and replies to other chats ----------------------------------------

async def test_warn_on_a_reply_with_a_quote_targets_the_replied_author(make_app, emu,
                                                                       fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "buy cheap followers at spam.example",
                                  first_name="Bob")
        nested = dict(target)
        cmd = raw(emu, GROUP, member(emu, ADMIN), text="/warn ads",
                  reply_to_message=nested,
                  quote={"text": "cheap followers", "position": 4, "is_manual": True})
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="reply")
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "Bob" in reply and "Warning 1 of 4" in reply, reply


async def test_ban_with_only_an_external_reply_bans_nobody(make_app, emu, fake) -> None:
    """A reply to a message in another chat has `external_reply`, not `reply_to_message`."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = raw(emu, GROUP, member(emu, ADMIN), text="/ban",
                  external_reply={"origin": {"type": "user", "date": int(time.time()) - 99,
                                             "sender_user": emu.world.user(OTHER_MEMBER)},
                                  "chat": {"id": -4040, "type": "supergroup",
                                           "title": "Elsewhere"},
                                  "message_id": 12})
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="usage")
        await settle(emu)
    assert not punishments(emu), "a ban aimed at a message in another chat hit someone"


async def test_report_with_only_an_external_reply_gives_usage(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = raw(emu, GROUP, member(emu), text="/report spam",
                  external_reply={"origin": {"type": "hidden_user",
                                             "date": int(time.time()) - 99,
                                             "sender_user_name": "Someone"},
                                  "message_id": 12})
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="usage")
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("complaints.report_usage")]
    assert emu.sent_messages(QUEUE) == []


# --- senders that are not members ------------------------------------------------------

async def test_another_bots_strong_language_is_left_alone(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, OTHER_BOT, "fuck: build failed", is_bot=True,
                               username="ci_bot")
        await settle(emu)
    assert not emu.is_deleted(GROUP, msg["message_id"])
    assert not punishments(emu)


async def test_another_bots_question_is_not_answered(make_app, emu, fake, tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, OTHER_BOT, "When are the lessons?", is_bot=True,
                               username="quiz_bot")
        await settle(emu)
    assert replies_to(emu, GROUP, msg["message_id"]) == []


async def test_a_message_from_the_bot_itself_is_ignored(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, dict(emu.world.bot_user), text="fuck, quoting the rules: /ban")
        await settle(emu)
    assert not emu.is_deleted(GROUP, msg["message_id"])
    assert not punishments(emu)
    assert warnings(emu) == []


async def test_telegram_service_account_message_is_never_punished(make_app, emu,
                                                                   fake) -> None:
    """777000 without the automatic-forward flag (older clients, channel signatures)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        raw(emu, GROUP, {"id": TELEGRAM_SERVICE, "is_bot": False, "first_name": "Telegram"},
            text="Shit happens: maintenance tonight")
        await settle(emu)
    assert not punishments(emu), "the bot tried to mute or ban Telegram's service account"


async def test_member_with_only_a_first_name_is_named_in_the_notice(make_app, emu,
                                                                    fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, {"id": 6060, "is_bot": False, "first_name": "Ёжик"},
                  text="ёб твою мать")
        await removed_and_warned(emu, msg)
    (notice,) = warnings(emu)
    assert notice.startswith("Ёжик"), notice


# --- commands with odd shapes ----------------------------------------------------------

async def test_command_addressed_to_another_bot_in_capitals_is_ignored(make_app, emu,
                                                                       fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/BAN@Other_Bot", reply_to=target["message_id"])
        emu.user_message(GROUP, ADMIN, "/warn@OtherBot2 spam", reply_to=target["message_id"])
        await settle(emu)
        assert not punishments(emu)
        assert non_help(emu.sent_texts(GROUP)) == []
        emu.user_message(GROUP, ADMIN, "/BAN@ModBot_Test_Bot", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="our ban")


async def test_warn_with_the_reason_on_the_next_line(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam", first_name="Bob")
        cmd = await command(emu, ADMIN, "/warn\nadvertising links",
                            reply_to=target["message_id"])
    (reply,) = replies_to(emu, GROUP, cmd["message_id"])
    assert "Bob" in reply and "advertising links" in reply, reply


async def test_mute_with_extra_spaces_uses_the_duration(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute    10m   flooding  ",
                         reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (call,) = emu.calls_of("restrictChatMember")
    expected = int((clock.now() + timedelta(minutes=10)).timestamp())
    assert abs(int(call.params["until_date"]) - expected) <= 2, call.params


async def test_ban_in_a_photo_caption_by_an_admin_works(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, reply_to=target["message_id"], photo=True,
                         caption="/ban scam screenshot attached")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert int(ban.params["user_id"]) == MEMBER


async def test_members_obscene_caption_command_is_still_filtered(make_app, emu, fake) -> None:
    """"/report" is not a licence: obscenity in a command's text is still removed."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hi")
        msg = emu.user_message(GROUP, MEMBER, "/report this fucking idiot",
                               reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the ticket")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, msg["message_id"]),
                           what="the obscene report text to be removed")


@pytest.mark.parametrize("text", ["/help you are all fucking idiots", "/faq пошли вы нахуй",
                                  "/ban all you motherfuckers", "/warns fuck you, admins"])
async def test_a_member_command_is_no_way_around_the_filter(make_app, emu, fake,
                                                            text: str) -> None:
    """Prefixing abuse with a command ("/help", "/faq", a refused "/ban") must not bypass
    the filter: members see the words all the same."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
    assert emu.is_deleted(GROUP, msg["message_id"]), \
        f"abuse behind a command stayed up; the bot said: {non_help(emu.sent_texts(GROUP))}"


async def test_offences_queued_while_the_bot_was_down_climb_the_ladder_once_each(
        make_app, emu, fake, clock) -> None:
    """Three obscene messages arrive in one getUpdates batch (the bot was restarting)."""
    app = await make_app()
    msgs = [emu.user_message(GROUP, MEMBER, text, first_name="Bob")
            for text in ("fuck", "fucking hell", "shit, fuck")]
    async with RunningBot(app, fast_options(fake)):
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, m["message_id"]) for m in msgs),
                           what="all three deleted")
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2,
                           what="mute 1h then mute 1d")
        await settle(emu)
    notices = warnings(emu)
    assert len(notices) == 3, notices
    assert "Warning 1 of 4" in notices[0] and "Warning 2 of 4" in notices[1] \
        and "Warning 3 of 4" in notices[2], notices
    first, second = emu.calls_of("restrictChatMember")
    assert int(second.params["until_date"]) - int(first.params["until_date"]) > 20 * 3600


async def test_slash_shapes_that_are_not_commands_do_nothing(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        for text in ("/", "//ban", "/ban@", "/ ban", "/ban,now", "/бан"):
            emu.user_message(GROUP, ADMIN, text, reply_to=target["message_id"])
        await settle(emu)
    assert not punishments(emu)


async def test_linked_channel_editing_its_post_is_left_alone(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        post = automatic_forward(emu, "Stream tonight")
        await settle(emu)
        edit_raw(emu, GROUP, post["message_id"], text="Stream tonight, holy shit, it's big")
        await settle(emu)
    assert not emu.is_deleted(GROUP, post["message_id"])
    assert not punishments(emu)


# --- sizes and emoji ---------------------------------------------------------------------

async def test_4096_character_message_with_obscenity_at_the_end(make_app, emu, fake) -> None:
    app = await make_app()
    filler = ("The quick brown fox jumps over the lazy dog. " * 100)
    text = (filler[: 4096 - len(" and fuck you")] + " and fuck you")
    assert len(text) == 4096
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, text)
        await removed_and_warned(emu, msg)


async def test_emoji_only_messages_get_no_reaction(make_app, emu, fake, tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        for text in ("😂😂😂", "🖕", "👍🏽", "❓", "🤬🤬", "🇷🇺❤️🇺🇦"):
            emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
    assert non_help(emu.sent_texts(GROUP)) == []
    assert not emu.calls_of("deleteMessage", ok=None)


async def test_custom_emoji_entities_do_not_hide_obscenity(make_app, emu, fake) -> None:
    app = await make_app()
    text = "🔥 fuck 🔥"
    async with RunningBot(app, fast_options(fake)):
        msg = raw(emu, GROUP, member(emu), text=text, entities=[
            {"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "5368324"},
            {"type": "custom_emoji", "offset": len(text) - 2, "length": 2,
             "custom_emoji_id": "5368324"}])
        await removed_and_warned(emu, msg)


async def test_custom_emoji_only_message_is_left_alone(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        raw(emu, GROUP, member(emu), text="🖕🖕", entities=[
            {"type": "custom_emoji", "offset": 0, "length": 2, "custom_emoji_id": "1"},
            {"type": "custom_emoji", "offset": 2, "length": 2, "custom_emoji_id": "2"}])
        await settle(emu)
    assert warnings(emu) == []
