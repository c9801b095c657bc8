"""QA round 31: Telegram forum supergroups (topics) and channels, end to end through the Bot API
emulator. Every reply the bot makes to a message in a topic must land in that topic and reply
to the right message; notices that delete themselves delete the right message; a forum queue
chat; /report from a topic; the FAQ repeat window per topic; anti-flood across topics;
scheduled posts to General and to channels; channel posts coming back; service messages; a
topic closed by admins (400 TOPIC_CLOSED). A failing test is a finding (see
/tmp/s7/qa31_findings.md)."""

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
from tg_emulator.wire import non_help, render, wall_clock

from bot.app import App
from bot.core.clock import FakeClock

CHANNEL = -1008  # the community's own channel (a configured chat)
LINKED = -1007  # the channel whose discussion group GROUP is
TELEGRAM_SERVICE = 777000
SPAMMER = 444
TOPIC_CLOSED = "Bad Request: TOPIC_CLOSED"

FAQ_TEXT = '''
[[faq]]
id = "lessons"
lang = "en"
questions = ["When are the lessons?", "What time are the lessons?"]
answer = "Lessons are on Tuesdays and Thursdays at 7 pm."
'''


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


@pytest.fixture
def make_app(emu: TelegramEmulator, make_tg_app: Callable[..., Awaitable[App]]
             ) -> Callable[..., Awaitable[App]]:
    emu.group(LINKED, title="Official news", type="channel", username="official_news")
    emu.world.chat(GROUP).linked_chat_id = LINKED
    return functools.partial(make_tg_app, "qa31")


async def faq_app(make_app, tmp_path: Path, extra: str = "", **parts: str) -> App:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    return await make_app(extra_community='faq = "faq.toml"\n' + extra, **parts)


# --- helpers ---------------------------------------------------------------------------

def forum_chat(emu: TelegramEmulator, chat_id: int = GROUP) -> dict[str, Any]:
    """The chat as Telegram shows it for a forum supergroup (the emulator has no is_forum)."""
    return {**emu.world.chats[chat_id].as_json(), "is_forum": True}


def topic_msg(emu: TelegramEmulator, user_id: int, text: str | None, thread: int | None, *,
              chat_id: int = GROUP, reply_to: dict[str, Any] | None = None,
              **fields: Any) -> dict[str, Any]:
    """A member's message in a forum chat: in topic ``thread`` (None: General)."""
    chat = emu.world.chat(chat_id)
    fields.setdefault("from", emu.world.user(user_id))
    if text is not None:
        fields["text"] = text
    if thread is not None:
        fields["message_thread_id"] = thread
        fields["is_topic_message"] = True
    if reply_to is not None:
        nested = dict(reply_to)
        nested.pop("reply_to_message", None)
        fields["reply_to_message"] = nested
    message = emu.world.new_message(chat, **fields)
    message["chat"] = forum_chat(emu, chat_id)
    emu.world.store(chat, message, from_bot=False)
    emu.world.push("message", message)
    emu._bump()
    return message


def opener(emu: TelegramEmulator, thread: int, creator: int = ADMIN,
           name: str = "Questions") -> dict[str, Any]:
    """The service message that opens a topic; its id is the topic's id in real Telegram."""
    return topic_msg(emu, creator, None, thread,
                     forum_topic_created={"name": name, "icon_color": 7322096})


def calls_replying_to(emu: TelegramEmulator, chat_id: int, message_id: int) -> list[Any]:
    return [c for c in emu.calls_of("sendMessage", ok=None)
            if str(c.params.get("chat_id")) == str(chat_id)
            and (c.params.get("reply_parameters") or {}).get("message_id") == message_id]


def thread_of(call: Any) -> int | None:
    value = call.params.get("message_thread_id")
    return int(value) if value not in (None, "", 0) else None


def sends_to(emu: TelegramEmulator, chat_id: int, ok: bool | None = None) -> list[Any]:
    return [c for c in emu.calls_of("sendMessage", ok=ok)
            if str(c.params.get("chat_id")) == str(chat_id)]


def notice_calls(emu: TelegramEmulator, word: str = "Warning") -> list[Any]:
    return [c for c in sends_to(emu, GROUP, ok=True) if word in c.result["text"]]


async def wait_reply(emu: TelegramEmulator, message: dict[str, Any], chat_id: int = GROUP,
                     what: str = "the reply") -> Any:
    await emu.wait_for(lambda: calls_replying_to(emu, chat_id, message["message_id"]),
                       what=what)
    return calls_replying_to(emu, chat_id, message["message_id"])[0]


def button(message: dict[str, Any], prefix: str) -> str:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for b in row:
            if b["callback_data"].startswith(prefix):
                return str(b["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


async def press(emu: TelegramEmulator, chat_id: int, card: dict[str, Any], who: int,
                prefix: str) -> dict:
    qid = emu.press(chat_id, card["message_id"], who, button(card, prefix))
    await emu.wait_for(lambda: emu.world.callbacks[qid].get("answered"), what=f"{prefix} answer")
    return emu.world.callbacks[qid]["answered"]


async def topic_settle(emu: TelegramEmulator, thread: int | None = None) -> None:
    """Like wire.settle, but the witness's /help is in ``thread`` of the forum."""
    probe = topic_msg(emu, 333, "/help", thread)
    await wait_reply(emu, probe, what="the witness's /help answer")


# --- 1. every kind of reply stays in the topic ------------------------------------------

@pytest.mark.parametrize("who,text,kind", [
    (MEMBER, "/help", "help"),
    (MEMBER, "/warns", "own warnings"),
    (MEMBER, "/faq", "faq list"),
    (MEMBER, "/report spam", "report usage (no reply)"),
    (MEMBER, "/ban", "refusal of a member's /ban"),
    (ADMIN, "/mute", "moderator usage (no target)"),
    (ADMIN, "/frobnicate", "unknown command"),
])
async def test_every_command_reply_in_a_topic_lands_in_that_topic(make_app, emu, fake, tmp_path,
                                                                  who, text, kind) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        opener(emu, 41)
        cmd = topic_msg(emu, who, text, 41)
        if kind == "unknown command":
            await topic_settle(emu, 41)
        else:
            await wait_reply(emu, cmd, what=f"the {kind} reply")
    for call in calls_replying_to(emu, GROUP, cmd["message_id"]):
        assert thread_of(call) == 41, f"{kind}: reply sent outside topic 41: {call.params}"
    stray = [c.result["text"] for c in sends_to(emu, GROUP) if thread_of(c) != 41]
    assert stray == [], f"{kind}: the bot wrote outside the topic: {stray}"


async def test_refusal_of_a_members_ban_in_a_topic_replies_in_that_topic(make_app, emu,
                                                                        fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = topic_msg(emu, OTHER_MEMBER, "hello", 42)
        cmd = topic_msg(emu, MEMBER, "/ban", 42, reply_to=target)
        call = await wait_reply(emu, cmd, what="the refusal")
        await topic_settle(emu, 42)
    assert thread_of(call) == 42, call.params
    assert not emu.calls_of("banChatMember", ok=None)


async def test_moderator_ban_announcement_in_a_topic_lands_in_that_topic(make_app, emu,
                                                                        fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = topic_msg(emu, SPAMMER, "buy followers", 43)
        cmd = topic_msg(emu, ADMIN, "/ban spam", 43, reply_to=target)
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await emu.wait_for(lambda: sends_to(emu, GROUP, ok=True), what="the announcement")
        await topic_settle(emu, 43)
    outside = [c.result["text"] for c in sends_to(emu, GROUP) if thread_of(c) != 43]
    assert outside == [], f"ban announcement outside topic 43: {outside}"
    assert cmd["message_id"]


# --- 2. notices that delete themselves --------------------------------------------------

async def test_filter_notice_in_a_topic_deletes_itself_not_something_else(make_app, emu, fake,
                                                                         clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bystander = topic_msg(emu, OTHER_MEMBER, "good morning", 44)
        bad = topic_msg(emu, MEMBER, "this is fucking broken", 44)
        await emu.wait_for(lambda: notice_calls(emu), what="the warning")
        (notice,) = notice_calls(emu)
        assert thread_of(notice) == 44
        notice_id = notice.result["message_id"]
        assert emu.is_deleted(GROUP, bad["message_id"])
        clock.advance(timedelta(minutes=3))  # notice_ttl 2m
        await emu.wait_for(lambda: emu.is_deleted(GROUP, notice_id), timeout=8,
                           what="the notice's own clean-up")
        await topic_settle(emu, 44)
    assert not emu.is_deleted(GROUP, bystander["message_id"])
    deletes = [int(c.params["message_id"]) for c in emu.calls_of("deleteMessage", ok=None)]
    assert sorted(deletes) == sorted([bad["message_id"], notice_id]), deletes


async def test_report_ack_in_a_topic_deletes_itself_and_leaves_the_report_alone(
        make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = topic_msg(emu, SPAMMER, "cheap watches at spam.example", 45)
        rep = topic_msg(emu, MEMBER, "/report spam", 45, reply_to=bad)
        ack = await wait_reply(emu, rep, what="the ack")
        assert thread_of(ack) == 45
        ack_id = ack.result["message_id"]
        clock.advance(timedelta(minutes=10))
        await emu.wait_for(lambda: emu.is_deleted(GROUP, ack_id), timeout=8,
                           what="the ack's clean-up")
        await topic_settle(emu, 45)
    assert not emu.is_deleted(GROUP, bad["message_id"]), "the reported message vanished"


# --- 3. /report from a topic: the card ---------------------------------------------------

async def test_card_link_for_a_topic_message_names_the_topic(make_app, emu, fake) -> None:
    """Telegram's own "Copy link" of a topic message is t.me/c/<chat>/<topic>/<message>."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        opener(emu, 46)
        bad = topic_msg(emu, SPAMMER, "cheap watches at spam.example", 46)
        topic_msg(emu, MEMBER, "/report spam", 46, reply_to=bad)
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    card = emu.sent_messages(QUEUE)[0]["text"]
    internal = str(GROUP).removeprefix("-100")
    assert f"t.me/c/{internal}/46/{bad['message_id']}" in card, card


async def test_card_ban_and_delete_buttons_work_for_a_topic_report(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = topic_msg(emu, SPAMMER, "cheap watches at spam.example", 47)
        topic_msg(emu, MEMBER, "/report spam", 47, reply_to=bad)
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        card = emu.sent_messages(QUEUE)[0]
        await press(emu, QUEUE, card, ADMIN, "t:ban:")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]),
                           what="the message deleted with the ban")
        await topic_settle(emu, 47)
    (ban,) = emu.calls_of("banChatMember")
    assert int(ban.params["user_id"]) == SPAMMER
    stray = [c.result["text"] for c in sends_to(emu, GROUP) if thread_of(c) not in (47,)]
    assert stray == [], f"the bot wrote outside topic 47: {stray}"


# --- 4. a forum queue chat ---------------------------------------------------------------

async def test_forum_queue_gets_cards_in_general_and_answers_commands_in_their_topic(
        make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, SPAMMER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        take = topic_msg(emu, ADMIN, "/take 1", 9, chat_id=QUEUE)
        reply = await wait_reply(emu, take, chat_id=QUEUE, what="/take reply")
        queue_list = topic_msg(emu, ADMIN, "/queue", 9, chat_id=QUEUE)
        listing = await wait_reply(emu, queue_list, chat_id=QUEUE, what="/queue reply")
    (card_call,) = [c for c in sends_to(emu, QUEUE) if c.params.get("reply_markup")][:1]
    assert thread_of(card_call) is None, f"card not in General: {card_call.params}"
    assert not emu.calls_of("sendMessage", ok=False)
    assert thread_of(reply) == 9, reply.params
    assert thread_of(listing) == 9, listing.params


# --- 5. FAQ repeat window: per topic, General included ----------------------------------

async def test_question_in_general_then_in_a_topic_is_answered_in_both(make_app, emu, fake,
                                                                       tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        first = topic_msg(emu, MEMBER, "When are the lessons?", None)
        a = await wait_reply(emu, first, what="answer in General")
        second = topic_msg(emu, OTHER_MEMBER, "When are the lessons?", 48)
        b = await wait_reply(emu, second, what="answer in topic 48")
        topic_msg(emu, 555, "When are the lessons?", None)
        await emu.wait_for(lambda: len(sends_to(emu, GROUP, ok=True)) >= 3,
                           what="pointer in General")
        c = sends_to(emu, GROUP, ok=True)[2]
    assert "Tuesdays" in a.result["text"] and thread_of(a) is None
    assert "Tuesdays" in b.result["text"], f"got {b.result['text']!r} (a pointer elsewhere?)"
    assert thread_of(b) == 48
    assert thread_of(c) is None
    assert "Tuesdays" in c.result["text"] or "↑" in c.result["text"]


async def test_answer_that_failed_in_a_closed_topic_is_not_pointed_to_later(
        make_app, emu, fake, tmp_path, closed_topics) -> None:
    """The answer never arrived (TOPIC_CLOSED). After the topic reopens, the next asker must
    get the answer, not "I answered this a moment ago ↑" pointing at nothing."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        closed_topics.add((GROUP, 49))
        first = topic_msg(emu, MEMBER, "When are the lessons?", 49)
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="refused send")
        closed_topics.clear()  # the admins reopen the topic
        second = topic_msg(emu, OTHER_MEMBER, "When are the lessons?", 49)
        b = await wait_reply(emu, second, what="the second answer")
    assert "Tuesdays" in b.result["text"], f"pointer to an answer that never arrived: " \
                                           f"{b.result['text']!r}"
    assert first["message_id"]


# --- 6. anti-flood across topics ---------------------------------------------------------

async def test_flood_spread_over_topics_is_still_one_member_flooding(make_app, emu,
                                                                     fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        for n in range(9):
            topic_msg(emu, MEMBER, f"hey {n}", 50 + n % 4)
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the flood mute")
        await topic_settle(emu, 50)
    (mute,) = emu.calls_of("restrictChatMember")
    assert int(mute.params["user_id"]) == MEMBER


async def test_same_text_posted_in_three_topics_is_removed_as_repeats(make_app, emu,
                                                                   fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        posts = [topic_msg(emu, MEMBER, "JOIN MY CASINO t.me/casino", t) for t in (61, 62, 63)]
        await emu.wait_for(lambda: all(emu.is_deleted(GROUP, p["message_id"])
                                       for p in posts[1:]), what="the repeats removed")
        await topic_settle(emu, 61)
    notices = [c for c in sends_to(emu, GROUP, ok=True)
               if c.result["text"] not in (render("common.help_member"),)]
    assert notices, "no repeat notice"
    assert all(thread_of(c) in (62, 63) for c in notices), [c.params for c in notices]


async def test_members_creating_topics_fast_is_not_flooding(make_app, emu, fake) -> None:
    """Opening topics is a service message, not chatter (a members-can-create-topics forum)."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        openers = [opener(emu, 70 + n, creator=MEMBER, name=f"Question {n}") for n in range(10)]
        for n in range(10):
            topic_msg(emu, MEMBER, None, 70 + n, forum_topic_edited={"name": f"Q {n}"})
        await topic_settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not any(emu.is_deleted(GROUP, o["message_id"]) for o in openers)
    assert non_help(emu.sent_texts(GROUP)) == []


async def test_forum_service_messages_get_no_reaction(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        opener(emu, 80, creator=MEMBER, name="Как оплатить курс? блять")
        topic_msg(emu, ADMIN, None, 80, forum_topic_closed={})
        topic_msg(emu, ADMIN, None, 80, forum_topic_reopened={})
        topic_msg(emu, ADMIN, None, None, general_forum_topic_hidden={})
        topic_msg(emu, ADMIN, None, None, general_forum_topic_unhidden={})
        await topic_settle(emu)
    assert non_help(emu.sent_texts(GROUP)) == []
    assert not emu.calls_of("deleteMessage", ok=None)


# --- 7. General topic --------------------------------------------------------------------

async def test_reply_in_general_of_a_forum_carries_no_topic(make_app, emu, fake) -> None:
    """In General, a reply carries message_thread_id (the replied message) without
    is_topic_message; sending into that "thread" fails on the real server."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = topic_msg(emu, OTHER_MEMBER, "anyone here?", None)
        bad = topic_msg(emu, MEMBER, "fuck off", None, reply_to=first,
                        message_thread_id=first["message_id"])
        await emu.wait_for(lambda: notice_calls(emu), what="the warning")
    (call,) = notice_calls(emu)
    assert thread_of(call) is None, call.params
    assert emu.is_deleted(GROUP, bad["message_id"])


async def test_config_post_to_a_forum_without_topic_goes_to_general(make_app, emu, fake,
                                                                    clock) -> None:
    from bot.features.schedule import service_for
    when = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    app = await make_app(tail=f'\n[[community.schedule]]\nat = "{when}"\ntext = "Digest"\n'
                              f'chats = ["telegram:{GROUP}"]\n')
    async with RunningBot(app, fast_options(fake)):
        clock.advance(timedelta(minutes=6))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: [c for c in sends_to(emu, GROUP, ok=True)
                                    if c.result.get("text") == "Digest"], what="the post")
    (post,) = [c for c in sends_to(emu, GROUP, ok=True) if c.result.get("text") == "Digest"]
    assert thread_of(post) is None, post.params


async def test_config_post_naming_general_by_its_id_goes_to_general(make_app, emu, fake,
                                                                    clock) -> None:
    """General's topic id is 1, but the Bot API refuses message_thread_id=1 ("message thread
    not found", tdlib/telegram-bot-api#798): "telegram:ID/1" must mean General, or be refused
    by check-config."""
    from bot.features.schedule import service_for
    when = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    try:
        app = await make_app(tail=f'\n[[community.schedule]]\nat = "{when}"\ntext = "Digest"\n'
                                  f'chats = ["telegram:{GROUP}/1"]\n')
    except Exception as exc:  # refused at load: acceptable
        assert "1" in str(exc)
        return
    async with RunningBot(app, fast_options(fake)):
        clock.advance(timedelta(minutes=6))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: [c for c in sends_to(emu, GROUP, ok=None)
                                    if c.params.get("text") == "Digest"], what="the post")
    (post,) = [c for c in sends_to(emu, GROUP, ok=None) if c.params.get("text") == "Digest"]
    assert thread_of(post) is None, f"sent with message_thread_id=1: {post.params}"


# --- 8. channels ---------------------------------------------------------------------------

def channel_post(emu: TelegramEmulator, text: str, *, kind: str = "channel_post",
                 message_id: int | None = None) -> dict[str, Any]:
    chat = emu.world.chats[CHANNEL]
    message = emu.world.new_message(chat, text=text, sender_chat=chat.as_json())
    if message_id is not None:
        message["message_id"] = message_id
    emu.world.store(chat, message, from_bot=False)
    emu.world.push(kind, message)
    emu._bump()
    return message


async def test_channel_posts_coming_back_are_not_judged_or_answered(make_app, emu, fake,
                                                                    tmp_path, clock,
                                                                    open_app) -> None:
    from tg_emulator.harness import telegram_config

    from bot.config import load_config
    from bot.features.schedule import service_for
    emu.group(CHANNEL, title="News", admins=(ADMIN,), type="channel")
    when = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    text = "When are the lessons? Damn good question, fucking finally answered: Tuesdays!"
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    telegram_config(tmp_path, emu.api_base, extra_community='faq = "faq.toml"\n')
    path = tmp_path / "config.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        f'chats = ["telegram:{GROUP}"]', f'chats = ["telegram:{GROUP}", "telegram:{CHANNEL}"]',
        1) + f'\n[[community.schedule]]\nat = "{when}"\ntext = "{text}"\n'
             f'chats = ["telegram:{CHANNEL}"]\n', encoding="utf-8")
    app = await open_app(load_config(path), clock, "qa31")
    async with RunningBot(app, fast_options(fake)):
        clock.advance(timedelta(minutes=6))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: emu.sent_messages(CHANNEL), what="the channel post")
        (posted,) = emu.sent_messages(CHANNEL)
        assert posted["sender_chat"]["id"] == CHANNEL
        # Telegram echoes it: as a channel_post (if subscribed), an edit, and the automatic
        # forward into the linked discussion group
        channel_post(emu, text, message_id=posted["message_id"])
        channel_post(emu, text + " (edited)", kind="edited_channel_post",
                     message_id=posted["message_id"])
        ch = emu.world.chats[CHANNEL].as_json()
        fwd = topic_msg(emu, TELEGRAM_SERVICE, text, None, sender_chat=ch,
                        is_automatic_forward=True,
                        forward_origin={"type": "channel", "date": int(time.time()) - 5,
                                        "chat": ch, "message_id": posted["message_id"]})
        await topic_settle(emu)
    assert not emu.calls_of("deleteMessage", ok=None), "the community's own post was deleted"
    assert not emu.calls_of("banChatSenderChat", ok=None)
    assert calls_replying_to(emu, GROUP, fwd["message_id"]) == []
    assert [c for c in emu.calls_of("sendMessage", ok=None)
            if str(c.params.get("chat_id")) == str(CHANNEL)
            and c.params.get("text") != text] == [], "the bot answered in the channel"


# --- 9. a topic closed by admins -----------------------------------------------------------

@pytest.fixture
def closed_topics(monkeypatch) -> set[tuple[int, int]]:
    """(chat, topic) pairs where sendMessage/sendPhoto answer 400 TOPIC_CLOSED, as Telegram
    does for a topic closed by admins (a fault wrapper local to this module)."""
    from tg_emulator import methods
    from tg_emulator.methods import ApiError
    closed: set[tuple[int, int]] = set()
    for name in ("sendMessage", "sendPhoto"):
        original = methods.METHODS[name]

        def wrapped(world, p, _original=original):
            thread = p.get("message_thread_id")
            if thread and (int(p.get("chat_id")), int(thread)) in closed:
                raise ApiError(400, TOPIC_CLOSED)
            return _original(world, p)

        monkeypatch.setitem(methods.METHODS, name, wrapped)
    return closed


async def test_obscenity_in_a_closed_topic_is_still_removed_and_punished_once(
        make_app, emu, fake, closed_topics) -> None:
    """Admins closed the topic: the notice cannot be posted (400 TOPIC_CLOSED). The message
    is still deleted, the ladder still climbs, the notice is tried once, the bot goes on."""
    app = await make_app(extra_community="""
        [community.moderation]
        ladder = [{ action = "mute", duration = "1h" }]
        """)
    async with RunningBot(app, fast_options(fake)):
        closed_topics.add((GROUP, 90))
        bad = topic_msg(emu, MEMBER, "this is fucking broken", 90)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deletion")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="refused notice")
        await topic_settle(emu, 91)
    refused = emu.calls_of("sendMessage", ok=False)
    assert len(refused) == 1, f"TOPIC_CLOSED retried {len(refused)} times"


async def test_report_in_a_closed_topic_still_files_the_ticket(make_app, emu, fake,
                                                                closed_topics) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = topic_msg(emu, SPAMMER, "cheap watches at spam.example", 92)
        await topic_settle(emu, 93)
        closed_topics.add((GROUP, 92))
        topic_msg(emu, MEMBER, "/report spam", 92, reply_to=bad)
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="refused ack")
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        await topic_settle(emu, 93)
    assert len(emu.sent_messages(QUEUE)) == 1
    assert len(emu.calls_of("sendMessage", ok=False)) == 1


async def test_command_in_a_closed_topic_acts_and_does_not_retry_the_reply(
        make_app, emu, fake, closed_topics) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = topic_msg(emu, SPAMMER, "spam", 94)
        await topic_settle(emu, 95)
        closed_topics.add((GROUP, 94))
        topic_msg(emu, ADMIN, "/ban spam", 94, reply_to=target)
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="refused reply")
        await topic_settle(emu, 95)
    assert len(emu.calls_of("sendMessage", ok=False)) == 1
    # a refused announcement is not a failed ban: no "the ban failed" notice anywhere
    texts = emu.sent_texts(GROUP) + emu.sent_texts(QUEUE)
    assert not [t for t in texts if "fail" in t.lower() or "could not" in t.lower()], texts


async def test_scheduled_post_to_a_closed_topic_fails_once_and_tells_the_queue(
        make_app, emu, fake, clock, closed_topics) -> None:
    from bot.features.schedule import service_for
    when = (clock.now() + timedelta(minutes=5)).strftime("%Y-%m-%d %H:%M")
    app = await make_app(tail=f'\n[[community.schedule]]\nat = "{when}"\ntext = "Digest"\n'
                              f'chats = ["telegram:{GROUP}/45"]\n')
    async with RunningBot(app, fast_options(fake)):
        closed_topics.add((GROUP, 45))
        for _ in range(4):
            clock.advance(timedelta(minutes=3))
            await service_for(app).run_due(clock.now())
            await app.pipeline.drain()
        await emu.wait_for(lambda: emu.calls_of("sendMessage", ok=False), what="refused post")
        await emu.wait_for(lambda: [t for t in emu.sent_texts(QUEUE) if "Digest" in t],
                           what="the queue told")
    attempts = [c for c in emu.calls_of("sendMessage", ok=None) if c.params.get("text") ==
                "Digest"]
    assert len(attempts) == 1, f"{len(attempts)} attempts"
    assert thread_of(attempts[0]) == 45


# --- 10. more replies in topics ------------------------------------------------------------

async def test_schedule_typed_in_general_of_a_forum_posts_to_general(make_app, emu, fake,
                                                                     clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = topic_msg(emu, ADMIN, "/schedule in 30m General digest", None)
        confirm = await wait_reply(emu, cmd, what="the confirmation")
        clock.advance(timedelta(minutes=31))
        await service_for(app).run_due(clock.now())
        await emu.wait_for(lambda: [c for c in sends_to(emu, GROUP, ok=True)
                                    if c.result.get("text") == "General digest"],
                           what="the post")
    (post,) = [c for c in sends_to(emu, GROUP, ok=True)
               if c.result.get("text") == "General digest"]
    assert thread_of(post) is None and thread_of(confirm) is None, post.params


async def test_member_posting_as_a_channel_in_a_topic_is_told_in_that_topic(make_app, emu,
                                                                            fake) -> None:
    emu.group(-1005, title="Bob's channel", type="channel")
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = topic_msg(emu, 136817688, "fuck this topic", 96,
                        sender_chat=emu.world.chats[-1005].as_json())
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deletion")
        await emu.wait_for(lambda: notice_calls(emu), what="the warning")
    (call,) = notice_calls(emu)
    assert thread_of(call) == 96, call.params


async def test_moderator_del_in_a_topic_deletes_the_target_and_says_nothing_elsewhere(
        make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bystander = topic_msg(emu, OTHER_MEMBER, "hello all", 97)
        target = topic_msg(emu, SPAMMER, "spam.example deals", 97)
        cmd = topic_msg(emu, ADMIN, "/del", 97, reply_to=target)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, target["message_id"]), what="deleted")
        await topic_settle(emu, 97)
    assert not emu.is_deleted(GROUP, bystander["message_id"])
    outside = [c.result["text"] for c in sends_to(emu, GROUP, ok=True) if thread_of(c) != 97]
    assert outside == [], outside
    assert cmd["message_id"]


async def test_faq_follow_up_in_reply_to_the_answer_in_a_topic_stays_there(make_app, emu, fake,
                                                                           tmp_path) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        q = topic_msg(emu, MEMBER, "When are the lessons?", 98)
        answer = await wait_reply(emu, q, what="the answer")
        follow = topic_msg(emu, MEMBER, "What time are the lessons?", 98,
                           reply_to=answer.result)
        await topic_settle(emu, 98)
    for call in calls_replying_to(emu, GROUP, follow["message_id"]):
        assert thread_of(call) == 98, call.params
    outside = [c.result["text"] for c in sends_to(emu, GROUP, ok=True) if thread_of(c) != 98]
    assert outside == [], outside
