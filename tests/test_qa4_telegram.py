"""QA round 4: what a mature moderation bot must get right, through the real Telegram adapter
and the Bot API emulator (FAQ, moderation commands, the obscenity ladder, reports, scheduled
posts, platform errors). Each test states what a user would expect; a failure is a finding."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
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
    TOKEN,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import (
    WITNESS,
    command,
    non_help,
    render,
    replies_to,
    settle,
    wall_clock,
)

from bot.app import App
from bot.core.clock import FakeClock

CHANNEL = -1005  # a channel a member posts as
UNKNOWN_GROUP = -3003  # a group the owner never configured
LISTED = 900  # LISTED_MODERATOR in the harness


@pytest.fixture
async def emu() -> AsyncIterator[TelegramEmulator]:
    async with TelegramEmulator(TOKEN) as emulator:
        emulator.group(GROUP, title="Demo", admins=(ADMIN,))
        emulator.group(QUEUE, title="Queue", admins=(ADMIN,))
        emulator.group(CHANNEL, title="Bob's channel", type="channel")
        yield emulator


@pytest.fixture
def make_app(make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(instance: str = "qa4", **config_parts: str) -> App:
        return await make_tg_app(instance, **config_parts)

    return make


@pytest.fixture
def clock() -> FakeClock:
    return wall_clock()


def texts_after(emu: TelegramEmulator, chat_id: int, count: int) -> list[str]:
    return emu.sent_texts(chat_id)[count:]


FAQ_TEXT = '''
[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the course?", "Can I pay by card?"]
answer = "Pay by card on the website or by bank transfer."

[[faq]]
id = "lessons"
lang = "en"
questions = ["When are the lessons?"]
answer = "Lessons are on Tuesdays and Thursdays at 7 pm."

[[faq]]
id = "pay-ru"
lang = "ru"
questions = ["Как оплатить курс?", "Можно оплатить картой?"]
answer = "Оплатить можно картой на сайте или банковским переводом."
'''


def post_id_of(emu, cmd: dict) -> str:
    """The post number in the bot's "Scheduled post #N: …" reply to ``cmd``."""
    return replies_to(emu, GROUP, cmd["message_id"])[0].split("#", 1)[1].split(":", 1)[0]


async def run_due_after(app: App, clock, delta: timedelta) -> None:
    """Move the clock on and let the scheduler publish what is due."""
    from bot.features.schedule import service_for
    clock.advance(delta)
    await service_for(app).run_due(clock.now())


async def faq_app(make_app, tmp_path: Path, **parts: str) -> App:
    (tmp_path / "faq.toml").write_text(FAQ_TEXT, encoding="utf-8")
    return await make_app(extra_community='faq = "faq.toml"\n', **parts)


# --- FAQ -------------------------------------------------------------------------------

async def test_faq_reworded_question_is_answered_in_reply(make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "hi, how can i pay for the course?", what="answer")
    (answer,) = replies_to(emu, GROUP, asked["message_id"])
    assert "Pay by card on the website or by bank transfer." in answer


async def test_faq_same_question_within_window_points_to_earlier_answer(
        make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        await command(emu, MEMBER, "When are the lessons?", what="answer")
        emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?", first_name="Carol")
        await emu.wait_for(lambda: any("↑" in t for t in emu.sent_texts(GROUP)),
                           what="the pointer to the earlier answer")
        await settle(emu)
    answers = [c for c in emu.calls_of("sendMessage") if "Tuesdays" in c.result["text"]]
    assert len(answers) == 1, f"the answer was repeated: {emu.sent_texts(GROUP)}"
    (pointer,) = [c for c in emu.calls_of("sendMessage") if "↑" in c.result["text"]]
    assert "Carol" in pointer.result["text"]
    assert pointer.result["reply_to_message"]["message_id"] == \
        answers[0].result["message_id"], "the pointer quotes the earlier answer"


async def test_faq_greetings_and_thanks_get_no_answer(make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        for text in ("hello everyone!", "thanks a lot!", "good morning :)", "ok, thank you"):
            emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
    assert non_help(emu.sent_texts(GROUP)) == []


async def test_faq_russian_question_is_answered_in_russian(make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "Подскажите, как оплатить курс?", what="answer")
    (answer,) = replies_to(emu, GROUP, asked["message_id"])
    assert "Оплатить можно картой" in answer
    assert "Pay by card" not in answer


async def test_faq_list_for_a_member(make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "/faq", what="list")
    (listing,) = replies_to(emu, GROUP, asked["message_id"])
    assert listing.startswith("Questions I can answer:")
    assert "How do I pay for the course?" in listing and "When are the lessons?" in listing


async def test_faq_add_by_a_member_is_refused_and_changes_nothing(
        make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        cmd = emu.user_message(GROUP, MEMBER,
                               "/faq add Where is the office? | Our office is on Mars.")
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="refusal")
        asked = emu.user_message(GROUP, OTHER_MEMBER, "Where is the office?")
        await settle(emu)
    (refusal,) = replies_to(emu, GROUP, cmd["message_id"])
    assert refusal.startswith("Sorry, only moderators can use")
    assert not any("Mars" in t for t in emu.sent_texts(GROUP))
    assert replies_to(emu, GROUP, asked["message_id"]) == []


async def test_faq_add_by_a_moderator_is_answered_without_restart(
        make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        cmd = emu.user_message(GROUP, ADMIN,
                               "/faq add Where is the office? | Our office is at 5 Baker Street.")
        await emu.wait_for(lambda: replies_to(emu, GROUP, cmd["message_id"]), what="added")
        asked = emu.user_message(GROUP, MEMBER, "Where is the office?")
        await emu.wait_for(lambda: replies_to(emu, GROUP, asked["message_id"]),
                           what="the new answer")
    (added,) = replies_to(emu, GROUP, cmd["message_id"])
    assert added.startswith("Added to the FAQ as")
    (answer,) = replies_to(emu, GROUP, asked["message_id"])
    assert "5 Baker Street" in answer


# --- moderation commands ---------------------------------------------------------------

async def test_warn_warns_lists_and_unwarn(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "off-topic ad", first_name="Bob")
        warn = emu.user_message(GROUP, ADMIN, "/warn off-topic", reply_to=target["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, warn["message_id"])
                           or len(emu.sent_texts(GROUP)) >= 1, what="warned")
        warns = emu.user_message(GROUP, ADMIN, "/warns", reply_to=target["message_id"])
        await emu.wait_for(lambda: any("has active warnings" in t for t in emu.sent_texts(GROUP)),
                           what="/warns")
        emu.user_message(GROUP, ADMIN, "/unwarn", reply_to=target["message_id"])
        await emu.wait_for(lambda: any(t.startswith("Removed the latest warning")
                                       for t in emu.sent_texts(GROUP)), what="/unwarn")
        emu.user_message(GROUP, ADMIN, "/warns", reply_to=target["message_id"])
        await emu.wait_for(lambda: any("no active warnings" in t for t in emu.sent_texts(GROUP)),
                           what="/warns after /unwarn")
    texts = emu.sent_texts(GROUP)
    assert any("Bob" in t and "warned" in t and "off-topic" in t for t in texts), texts
    listing = next(t for t in texts if "has active warnings" in t)
    assert "Bob has active warnings: 1" in listing
    assert any("Active warnings left: 0" in t for t in texts)
    assert not emu.is_deleted(GROUP, target["message_id"]), "/warn keeps the evidence"
    assert warns["message_id"]


async def test_mute_10m_restricts_until_now_plus_10m_and_unmute_lifts(
        make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute 10m", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
        expected_until = int((clock.now() + timedelta(minutes=10)).timestamp())
        member = emu.world.chats[GROUP].members[MEMBER]
        assert member["status"] == "restricted"
        assert abs(member["until_date"] - expected_until) <= 2, (member, expected_until)
        assert member.get("can_send_messages") is False
        emu.user_message(GROUP, ADMIN, "/unmute", reply_to=target["message_id"])
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2,
                           what="the unmute")
        await emu.wait_for(lambda: any("can write again" in t for t in emu.sent_texts(GROUP)),
                           what="the unmute notice")
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "member"


@pytest.mark.parametrize("command", ["/mute @bob 10m", "/mute 10m @bob"])
async def test_mute_duration_before_or_after_the_target(make_app, emu, fake, clock,
                                                        command: str) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "hello", username="bob", first_name="Bob")
        await settle(emu)
        emu.user_message(GROUP, ADMIN, command)
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (call,) = emu.calls_of("restrictChatMember")
    assert call.params["user_id"] == MEMBER
    expected_until = int((clock.now() + timedelta(minutes=10)).timestamp())
    assert abs(int(call.params["until_date"]) - expected_until) <= 2


@pytest.mark.parametrize("arg", ["10x", "10", "-5m", "0m", "400d"])
async def test_bad_mute_duration_gets_usage_and_no_mute(make_app, emu, fake, arg: str) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        cmd = emu.user_message(GROUP, ADMIN, f"/mute {arg}", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.sent_texts(GROUP), what="a reply")
        await settle(emu)
    assert not emu.calls_of("restrictChatMember"), f"/mute {arg} muted someone"
    texts = non_help(emu.sent_texts(GROUP))
    assert len(texts) == 1, texts
    assert render("moderation.usage.mute") in texts[0]
    assert arg in texts[0]
    assert cmd["message_id"]


async def test_ban_then_unban(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "scam link", first_name="Bob")
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        assert emu.world.chats[GROUP].members[MEMBER]["status"] == "kicked"
        (ban,) = emu.calls_of("banChatMember")
        assert not ban.params.get("until_date"), "a /ban without duration is permanent"
        emu.user_message(GROUP, ADMIN, f"/unban {MEMBER}")
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember"), what="the unban")
        await emu.wait_for(lambda: any("is unbanned" in t for t in emu.sent_texts(GROUP)),
                           what="the unban notice")
    assert emu.world.chats[GROUP].members[MEMBER]["status"] != "kicked"


async def test_kick_removes_but_lets_them_come_back(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "rude stuff")
        emu.user_message(GROUP, ADMIN, "/kick", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("unbanChatMember")
                           or any("removed from the chat" in t for t in emu.sent_texts(GROUP)),
                           what="the kick")
        await emu.wait_for(lambda: any("removed from the chat" in t
                                       for t in emu.sent_texts(GROUP)), what="the notice")
    assert emu.calls_of("banChatMember"), "a kick removes the member"
    assert emu.world.chats[GROUP].members[MEMBER]["status"] != "kicked", \
        "after a kick the member may come back (not left banned)"


async def test_anonymous_admins_ban_in_reply_works(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, 0, "/ban", reply_to=target["message_id"], sender_chat=GROUP)
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == MEMBER


async def test_ban_in_reply_to_a_channel_post_bans_the_channel(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "buy my stuff", sender_chat=CHANNEL)
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatSenderChat"), what="channel ban")
        await settle(emu)
    assert CHANNEL in emu.world.chats[GROUP].banned_sender_chats
    assert not [c for c in emu.calls_of("banChatMember")
                if c.params["user_id"] == 136817688], "must not ban the Channel_Bot user"


async def test_forwarded_ban_from_an_admin_does_not_act(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "hi")
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"],
                         forwarded_from=OTHER_MEMBER)
        await settle(emu)
    assert not emu.calls_of("banChatMember")


async def test_member_posting_as_a_channel_cannot_ban(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hi")
        emu.user_message(GROUP, MEMBER, "/ban", reply_to=target["message_id"],
                         sender_chat=CHANNEL)
        await settle(emu)
    assert not emu.calls_of("banChatMember")
    assert not emu.calls_of("banChatSenderChat")


async def test_commands_in_an_unconfigured_chat_do_nothing_and_the_bot_leaves(
        make_app, emu, fake) -> None:
    emu.group(UNKNOWN_GROUP, title="Elsewhere", admins=(ADMIN,))
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(UNKNOWN_GROUP, MEMBER, "hi")
        emu.user_message(UNKNOWN_GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        emu.user_message(UNKNOWN_GROUP, ADMIN, "/mute 10m", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("leaveChat"), what="the bot leaving")
        await settle(emu)
    assert not emu.calls_of("banChatMember")
    assert not emu.calls_of("restrictChatMember")
    assert len(emu.calls_of("leaveChat")) == 1
    assert len(emu.sent_texts(UNKNOWN_GROUP)) <= 1


async def test_moderator_cannot_ban_another_admin(make_app, emu, fake) -> None:
    from tg_emulator.harness import LISTED_MODERATOR
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, ADMIN, "admin talking")
        emu.user_message(GROUP, LISTED_MODERATOR, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="a reply")
    assert not emu.calls_of("banChatMember", ok=None)
    assert any("is a moderator or an admin" in t for t in emu.sent_texts(GROUP))


# --- obscenity ladder ------------------------------------------------------------------

async def test_obscenity_ladder_climbs_warn_mute_mute_ban(make_app, emu, fake, clock) -> None:
    app = await make_app()
    rude = ["you are a fucking idiot", "what the fuck is this", "fuck off", "fucking hell"]
    async with RunningBot(app, fast_options(fake)):
        sent = []
        for n, text in enumerate(rude, 1):
            msg = emu.user_message(GROUP, MEMBER, text, first_name="Bob")
            sent.append(msg)
            await emu.wait_for(lambda m=msg: emu.is_deleted(GROUP, m["message_id"]),
                               what=f"deletion {n}")
            await emu.wait_for(lambda n=n: len(non_help(emu.sent_texts(GROUP))) >= n,
                               what=f"notice {n}")
            if n == 2:
                await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="mute 1h")
                (mute,) = emu.calls_of("restrictChatMember")
                expected = int((clock.now() + timedelta(hours=1)).timestamp())
                assert abs(int(mute.params["until_date"]) - expected) <= 2
            if n == 3:
                await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2,
                                   what="mute 1d")
                mute = emu.calls_of("restrictChatMember")[1]
                expected = int((clock.now() + timedelta(days=1)).timestamp())
                assert abs(int(mute.params["until_date"]) - expected) <= 2
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
    notices = non_help(emu.sent_texts(GROUP))
    assert "Warning 1 of 4; next: mute 1h" in notices[0], notices[0]
    assert "Muted" in notices[1] and "next: mute 1d" in notices[1], notices[1]
    assert "Banned" in notices[3], notices[3]
    for notice in notices:
        assert render("moderation.reason.obscene") in notice
        assert "fuck" not in notice.lower(), "the notice never repeats the word"


async def test_obscenity_ladder_uses_the_configured_mute_duration(make_app, emu, fake,
                                                                  clock) -> None:
    app = await make_app(extra_community="""
        [community.moderation]
        ladder = [{ action = "mute", duration = "10m" }, { action = "ban" }]
        """)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this chat")
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (mute,) = emu.calls_of("restrictChatMember")
    expected = int((clock.now() + timedelta(minutes=10)).timestamp())
    assert abs(int(mute.params["until_date"]) - expected) <= 2


async def test_moderators_obscene_message_is_not_punished(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, ADMIN, "fuck, the server is down again")
        await settle(emu)
    assert not emu.calls_of("restrictChatMember", ok=None)
    assert not emu.calls_of("banChatMember", ok=None)
    assert not any("Warning" in t for t in emu.sent_texts(GROUP))


# --- reports ---------------------------------------------------------------------------

def _button(message: dict[str, Any], prefix: str) -> str:
    for row in message["reply_markup"]["inline_keyboard"]:
        for button in row:
            if button["callback_data"].startswith(prefix):
                return str(button["callback_data"])
    raise AssertionError(f"no {prefix} button on {message}")


async def test_report_without_reply_gives_usage(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, MEMBER, "/report spam", what="usage")
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("complaints.report_usage")]
    assert emu.sent_texts(QUEUE) == []


async def test_duplicate_reports_make_one_ticket(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report spam", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        second = emu.user_message(GROUP, WITNESS + 1, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, second["message_id"]),
                           what="the second ack")
        again = emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: replies_to(emu, GROUP, again["message_id"]),
                           what="the duplicate ack")
    assert len(emu.sent_messages(QUEUE)) == 1, "one ticket per reported message"
    assert replies_to(emu, GROUP, second["message_id"]) == [
        render("complaints.ack_merged", number=1)]
    assert replies_to(emu, GROUP, again["message_id"]) == [
        render("complaints.ack_duplicate", number=1)]


async def test_members_cannot_press_ticket_buttons(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        (card,) = emu.sent_messages(QUEUE)
        before = card["text"]
        for prefix in ("t:claim:", "t:reject:", "t:ban:"):
            qid = emu.press(QUEUE, card["message_id"], MEMBER, _button(card, prefix))
            await emu.wait_for(lambda q=qid: emu.world.callbacks[q].get("answered"),
                               what=f"{prefix} answered")
    assert card["text"] == before
    assert not emu.calls_of("banChatMember", ok=None)
    assert not emu.is_deleted(GROUP, bad["message_id"])


async def test_reject_tells_the_reporter(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(MEMBER, MEMBER, "/start")
        await emu.wait_for(lambda: emu.sent_texts(MEMBER), what="greeting")
        bad = emu.user_message(GROUP, OTHER_MEMBER, "I disagree with you")
        emu.user_message(GROUP, MEMBER, "/report rude", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        (card,) = emu.sent_messages(QUEUE)
        emu.press(QUEUE, card["message_id"], ADMIN, _button(card, "t:reject:"))
        outcome = render("complaints.outcome_rejected", number=1, note="")
        await emu.wait_for(lambda: outcome in emu.sent_texts(MEMBER), what="the outcome")
    assert render("complaints.state_rejected") in card["text"]


async def test_reporting_own_message_is_refused(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        mine = emu.user_message(GROUP, MEMBER, "my own words")
        cmd = await command(emu, MEMBER, "/report", reply_to=mine["message_id"], what="refusal")
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("complaints.report_own")]
    assert emu.sent_texts(QUEUE) == []


# --- scheduled posts -------------------------------------------------------------------

async def test_schedule_in_1h_publishes_once(make_app, emu, fake, clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, "/schedule in 1h Webinar starts now!", what="added")
        service = service_for(app)
        await service.run_due(clock.now())
        assert "Webinar starts now!" not in emu.sent_texts(GROUP)
        clock.advance(timedelta(minutes=61))
        await service.run_due(clock.now())
        await emu.wait_for(lambda: "Webinar starts now!" in emu.sent_texts(GROUP),
                           what="the post")
        clock.advance(timedelta(hours=2))
        await service.run_due(clock.now())
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"])[0].startswith("Scheduled post #")
    assert emu.sent_texts(GROUP).count("Webinar starts now!") == 1


async def test_unschedule_cancels_the_post(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, "/schedule in 1h Cancelled webinar", what="added")
        added = replies_to(emu, GROUP, cmd["message_id"])[0]
        post_id = added.split("#", 1)[1].split(":", 1)[0]
        un = await command(emu, ADMIN, f"/unschedule {post_id}", what="removed")
        await run_due_after(app, clock, timedelta(hours=2))
        await settle(emu)
    assert replies_to(emu, GROUP, un["message_id"]) == [
        render("schedule.removed", id=post_id, text="Cancelled webinar")]
    assert "Cancelled webinar" not in emu.sent_texts(GROUP)


async def test_recurring_post_publishes_once_per_occurrence(make_app, emu, fake, clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app()
    # the next 10:00 strictly after now (the clock starts on a whole hour: at 10:00 itself
    # the first run is tomorrow's)
    to_ten = (timedelta(hours=10) - timedelta(hours=clock.now().hour)) % timedelta(days=1) \
        or timedelta(days=1)
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/schedule every day 10:00 Daily digest", what="added")
        service = service_for(app)
        for day in range(3):
            clock.advance(to_ten + timedelta(minutes=1) if day == 0 else timedelta(days=1))
            await service.run_due(clock.now())
            await service.run_due(clock.now())
            await emu.wait_for(lambda d=day: emu.sent_texts(GROUP).count("Daily digest") == d + 1,
                               what=f"post {day + 1}")
        await settle(emu)
    assert emu.sent_texts(GROUP).count("Daily digest") == 3


async def test_members_schedule_is_refused(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, MEMBER, "/schedule in 1h Buy my course!", what="refusal")
        await run_due_after(app, clock, timedelta(hours=2))
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"])[0].startswith("Sorry, only moderators")
    assert "Buy my course!" not in emu.sent_texts(GROUP)


async def test_restart_between_schedule_and_due_publishes_once(
        make_app, emu, fake, clock) -> None:
    from bot.features.schedule import service_for
    first = await make_app(instance="first")
    async with RunningBot(first, fast_options(fake)):
        await command(emu, ADMIN, "/schedule in 1h After the restart", what="added")
    await first.close()
    clock.advance(timedelta(minutes=61))
    second = await make_app(instance="second")
    async with RunningBot(second, fast_options(fake)):
        service = service_for(second)
        await service.run_due(clock.now())
        await emu.wait_for(lambda: "After the restart" in emu.sent_texts(GROUP), what="post")
        await service.run_due(clock.now())
        await settle(emu)
    assert emu.sent_texts(GROUP).count("After the restart") == 1


# --- platform errors on moderation actions ---------------------------------------------

async def test_429_on_restrict_is_retried_and_the_mute_applies_once(make_app, emu, fake) -> None:
    emu.fail_next("restrictChatMember", status=429, retry_after=2)
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute 10m", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
        await emu.wait_for(lambda: any("is muted" in t for t in emu.sent_texts(GROUP)),
                           what="the notice")
    assert len(emu.calls_of("restrictChatMember")) == 1
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "restricted"
    assert 2.0 in fake.sleeps
    assert not any(t.startswith("I could not") for t in emu.sent_texts(GROUP))


async def test_500_on_ban_is_retried(make_app, emu, fake) -> None:
    emu.fail_next("banChatMember", 2, status=500)
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/ban", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await emu.wait_for(lambda: any("is banned" in t for t in emu.sent_texts(GROUP)),
                           what="the notice")
    assert len(emu.calls_of("banChatMember")) == 1
    assert emu.world.chats[GROUP].members[MEMBER]["status"] == "kicked"
    assert emu.sent_texts(GROUP).count(next(t for t in emu.sent_texts(GROUP)
                                            if "is banned" in t)) == 1


# --- second batch: edges a busy group hits ---------------------------------------------

async def test_an_edit_that_turns_obscene_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "nice weather today")
        await settle(emu)
        emu.edit_user_message(GROUP, msg["message_id"], "fucking weather today")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, msg["message_id"]), what="deletion")
        await emu.wait_for(lambda: any("Warning 1 of 4" in t for t in emu.sent_texts(GROUP)),
                           what="the warning")


async def test_an_obscene_photo_caption_is_removed(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, photo=True, caption="look at this shit, fuckers")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, msg["message_id"]), what="deletion")


async def test_notices_in_a_forum_topic_stay_in_that_topic(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck this topic", thread_id=42)
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the warning")
    (call,) = [c for c in emu.calls_of("sendMessage") if "Warning" in c.result["text"]]
    assert call.params.get("message_thread_id") == 42


async def test_a_command_addressed_to_another_bot_is_ignored(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/ban@other_bot", reply_to=target["message_id"])
        await settle(emu)
        assert not emu.calls_of("banChatMember")
        emu.user_message(GROUP, ADMIN, "/ban@modbot_test_bot", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="our ban")


async def test_mute_forever_is_permanent(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute forever", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="the mute")
    (call,) = emu.calls_of("restrictChatMember")
    assert not call.params.get("until_date"), call.params


async def test_a_moderator_cannot_mute_the_bot_or_themselves(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, "/help")
        await emu.wait_for(lambda: emu.sent_messages(GROUP), what="help")
        (bot_msg,) = emu.sent_messages(GROUP)
        emu.user_message(GROUP, ADMIN, "/mute 10m", reply_to=bot_msg["message_id"])
        emu.user_message(GROUP, LISTED, "/mute 10m", reply_to=(
            emu.user_message(GROUP, LISTED, "me")["message_id"]))
        await emu.wait_for(lambda: len(non_help(emu.sent_texts(GROUP))) >= 2, what="2 replies")
        await settle(emu)
    assert not [c for c in emu.calls_of("restrictChatMember", ok=None)], \
        "the bot tried to mute itself or a moderator"
    assert asked["message_id"]


async def test_warning_on_an_anonymous_admins_message_is_refused(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        anon = emu.user_message(GROUP, 0, "announcement", sender_chat=GROUP)
        emu.user_message(GROUP, LISTED, "/warn", reply_to=anon["message_id"])
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="a reply")
        await settle(emu)
    texts = non_help(emu.sent_texts(GROUP))
    assert not any("has been warned" in t for t in texts), texts


async def test_channel_sender_obscenity_is_not_punished_as_channel_bot(make_app, emu,
                                                                       fake) -> None:
    app = await make_app(extra_community="""
        [community.moderation]
        ladder = [{ action = "mute", duration = "10m" }, { action = "ban" }]
        """)
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "fuck you all", sender_chat=CHANNEL)
        await emu.wait_for(lambda: emu.is_deleted(GROUP, msg["message_id"]), what="deletion")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the notice")
    assert not emu.calls_of("restrictChatMember", ok=None), "a channel can't be muted"
    (notice,) = non_help(emu.sent_texts(GROUP))
    assert render("moderation.degraded.channel_warn").strip() in notice


async def test_warnings_expire_after_warn_expiry(make_app, emu, fake, clock) -> None:
    app = await make_app(extra_community="""
        [community.moderation]
        warn_expiry = "1d"
        """)
    async with RunningBot(app, fast_options(fake)):
        emu.user_message(GROUP, MEMBER, "fuck")
        await emu.wait_for(lambda: any("Warning 1 of 4" in t for t in emu.sent_texts(GROUP)),
                           what="first warning")
        clock.advance(timedelta(days=2))
        emu.user_message(GROUP, MEMBER, "fuck again")
        await emu.wait_for(lambda: len([t for t in emu.sent_texts(GROUP) if "Warning" in t]) == 2,
                           what="second notice")
    assert not emu.calls_of("restrictChatMember"), "an expired warning must not count"


async def test_unban_clears_warnings_so_the_ladder_restarts(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        for n in range(4):
            emu.user_message(GROUP, MEMBER, f"fuck number {n}")
            await emu.wait_for(lambda n=n: len(non_help(emu.sent_texts(GROUP))) >= n + 1,
                               what=f"notice {n}")
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        emu.user_message(GROUP, ADMIN, f"/unban {MEMBER}")
        await emu.wait_for(lambda: any("is unbanned" in t for t in emu.sent_texts(GROUP)),
                           what="unban")
        emu.user_message(GROUP, MEMBER, "fuck, sorry")
        await emu.wait_for(lambda: any("Warning 1 of 4" in t
                                       for t in emu.sent_texts(GROUP)[-2:]), what="fresh start")
    assert len(emu.calls_of("banChatMember")) == 1


async def test_members_refusals_are_rate_limited_across_commands(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, OTHER_MEMBER, "hi")
        for command in ("/ban", "/mute 10m", "/kick", "/warn"):
            emu.user_message(GROUP, MEMBER, command, reply_to=target["message_id"])
        await settle(emu)
    refusals = [t for t in emu.sent_texts(GROUP) if t.startswith("Sorry, only moderators")]
    assert len(refusals) == 1, refusals


async def test_ban_author_button_bans_deletes_and_resolves(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bad = emu.user_message(GROUP, OTHER_MEMBER, "cheap watches at spam.example")
        emu.user_message(GROUP, MEMBER, "/report", reply_to=bad["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
        (card,) = emu.sent_messages(QUEUE)
        emu.press(QUEUE, card["message_id"], ADMIN, _button(card, "t:ban:"))
        await emu.wait_for(lambda: emu.calls_of("banChatMember"), what="the ban")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, bad["message_id"]), what="deletion")
        await emu.wait_for(lambda: render("complaints.state_resolved") in card["text"],
                           what="card resolved")
    (ban,) = emu.calls_of("banChatMember")
    assert ban.params["user_id"] == OTHER_MEMBER


async def test_a_403_on_the_schedule_marks_failed_and_tells_the_queue(make_app, emu, fake,
                                                                     clock) -> None:
    from bot.features.schedule import service_for
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/schedule in 1h Nobody sees this", what="added")
        emu.fail_next("sendMessage", status=403,
                      description="Forbidden: bot is not a member of the supergroup chat")
        await run_due_after(app, clock, timedelta(minutes=61))
        await emu.wait_for(lambda: any("could not be published" in t
                                       for t in emu.sent_texts(QUEUE)), what="queue told")
        await service_for(app).run_due(clock.now())
    assert "Nobody sees this" not in emu.sent_texts(GROUP)


async def test_faq_del_by_a_moderator_stops_the_answer(make_app, emu, tmp_path, fake) -> None:
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, "/faq del lessons", what="deleted")
        asked = emu.user_message(GROUP, MEMBER, "When are the lessons?")
        await settle(emu)
    assert replies_to(emu, GROUP, cmd["message_id"])[0].startswith("Removed lessons")
    assert replies_to(emu, GROUP, asked["message_id"]) == []


async def test_members_unschedule_is_refused(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, ADMIN, "/schedule in 1h Still on", what="added")
        post_id = post_id_of(emu, cmd)
        await command(emu, MEMBER, f"/unschedule {post_id}", what="refusal")
        await run_due_after(app, clock, timedelta(minutes=61))
        await emu.wait_for(lambda: "Still on" in emu.sent_texts(GROUP), what="the post")


async def test_429_on_delete_during_the_ladder_deletes_once_and_warns_once(
        make_app, emu, fake) -> None:
    emu.fail_next("deleteMessage", status=429, retry_after=2)
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, MEMBER, "fuck off")
        await emu.wait_for(lambda: emu.is_deleted(GROUP, msg["message_id"]), what="deletion")
        await emu.wait_for(lambda: non_help(emu.sent_texts(GROUP)), what="the warning")
        await settle(emu)
    assert len(non_help(emu.sent_texts(GROUP))) == 1
    assert not emu.calls_of("restrictChatMember")


async def test_a_second_mute_replaces_the_first(make_app, emu, fake, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        target = emu.user_message(GROUP, MEMBER, "spam")
        emu.user_message(GROUP, ADMIN, "/mute 2h", reply_to=target["message_id"])
        await emu.wait_for(lambda: emu.calls_of("restrictChatMember"), what="mute 1")
        emu.user_message(GROUP, ADMIN, "/mute 30m", reply_to=target["message_id"])
        await emu.wait_for(lambda: len(emu.calls_of("restrictChatMember")) == 2, what="mute 2")
    expected = int((clock.now() + timedelta(minutes=30)).timestamp())
    assert abs(emu.world.chats[GROUP].members[MEMBER]["until_date"] - expected) <= 2


async def test_report_against_a_moderator_is_marked(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        msg = emu.user_message(GROUP, ADMIN, "members are stupid")
        emu.user_message(GROUP, MEMBER, "/report rude admin", reply_to=msg["message_id"])
        await emu.wait_for(lambda: emu.sent_messages(QUEUE), what="the card")
    (card,) = emu.sent_messages(QUEUE)
    assert render("complaints.card_against_moderator").strip() in card["text"]


@pytest.mark.parametrize("question", ["Can I get a refund for the course?",
                                      "Когда начинается курс?"])
async def test_faq_stays_silent_on_a_related_but_unanswered_question(
        make_app, emu, tmp_path, fake, question: str) -> None:
    """The FAQ covers paying and the lesson days; refunds and start dates are not in it. "A
    wrong answer is worse than none": the bot must not send the payment answer, even for the
    one Russian entry of a bilingual FAQ, which has no other Russian entry to compete with."""
    app = await faq_app(make_app, tmp_path)
    async with RunningBot(app, fast_options(fake)):
        asked = emu.user_message(GROUP, MEMBER, question)
        await settle(emu)
    assert replies_to(emu, GROUP, asked["message_id"]) == []
