"""QA20 — the FAQ in a live chat.

Drives the FAQ end to end through the real Telegram adapter (Bot API emulator), the real VK
adapter (VK emulator) and the `modbot faq …` command line, as members, moderators and the owner
would. Scenarios not covered by test_qa6_faq.py, test_faqsvc_*.py, test_faq_gaps.py or
test_faq_bilingual.py. Each test asserts what a user would expect; a failing test is a finding
(see /tmp/s5/qa20_findings.md).
"""

from __future__ import annotations

import json
import logging
import os
import textwrap
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import (
    ADMIN,
    GROUP,
    MEMBER,
    OTHER_MEMBER,
    RunningBot,
    fast_options,
)
from tg_emulator.wire import command, non_help, render, replies_to, reply_messages, settle
from vk_emulator import VkEmulator
from vk_emulator.harness import CHAT as VK_CHAT
from vk_emulator.harness import MEMBER as VK_MEMBER
from vk_emulator.harness import MODERATOR as VK_MODERATOR
from vk_emulator.harness import RunningBot as VkBot
from vk_emulator.harness import vk_config_text, write_vk_config

from bot.app import App, create_app
from bot.cli import main
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.core.faq.entries import load_faq_file

SECOND_GROUP = -1003  # a second community's chat (two-community tests)

TRICKY = ('Prices: <b>5 < 6 & 7 > 3</b>, *not bold*, _not italic_, `not code`, '
          '[a link](https://example.com) & &amp; done.\nLine two 🎉\n\nLine four — ok ✅')

FAQ_TEXT = f'''
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
id = "refund"
lang = "en"
questions = ["How do I get a refund?"]
answer = "Write to support within 14 days for a full refund."

[[faq]]
id = "prices"
lang = "en"
questions = ["What are the prices?"]
answer = {json.dumps(TRICKY, ensure_ascii=False)}
'''


def _faq_toml() -> str:
    return FAQ_TEXT


PAY = "Pay by card on the website or by bank transfer."
LESSONS = "Lessons are on Tuesdays and Thursdays at 7 pm."


def bump(path: Path, text: str) -> None:
    """Rewrite a file and move its mtime forward so a reload cannot miss it."""
    path.write_text(text, encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 3_000_000_000))


@pytest.fixture
def make_app(tmp_path: Path,
             make_tg_app: Callable[..., Awaitable[App]]) -> Callable[..., Awaitable[App]]:
    async def make(extra_community: str = "", tail: str = "", faq: str | None = None) -> App:
        (tmp_path / "faq.toml").write_text(faq if faq is not None else _faq_toml(),
                                           encoding="utf-8")
        return await make_tg_app("qa20", extra_community='faq = "faq.toml"\n' + extra_community,
                                 tail=tail)

    return make


def answers_in(emu: TelegramEmulator, chat: int, words: str) -> list[str]:
    return [t for t in emu.sent_texts(chat) if words in t]


async def ask(emu: TelegramEmulator, who: int, text: str, **extra: object) -> dict:
    """Send a message and wait until it and everything before it was handled."""
    sent = emu.user_message(extra.pop("chat", GROUP), who, text, **extra)  # type: ignore[arg-type]
    await settle(emu, sent["chat"]["id"])
    return sent


# == Who may change the FAQ ===================================================================

async def test_member_del_is_refused_and_the_entry_keeps_answering(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        cmd = await command(emu, MEMBER, "/faq del lessons", what="refusal")
        asked = await command(emu, OTHER_MEMBER, "When are the lessons?", what="answer")
    (refusal,) = replies_to(emu, GROUP, cmd["message_id"])
    assert refusal.startswith("Sorry, only moderators can use")
    assert replies_to(emu, GROUP, asked["message_id"]) == [LESSONS]


async def test_admin_add_edit_del_cycle_over_the_wire(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        add = await command(emu, ADMIN, "/faq add Is there parking? | Yes, behind the building.")
        (added,) = replies_to(emu, GROUP, add["message_id"])
        faq_id = added.split(" as ", 1)[1].split(":", 1)[0]
        edit = await command(emu, ADMIN, f"/faq edit {faq_id} | Yes, 20 free places behind it.")
        asked = await command(emu, MEMBER, "Is there parking?", what="the edited answer")
        delete = await command(emu, ADMIN, f"/faq del {faq_id}")
        shown = await command(emu, MEMBER, f"/faq {faq_id}", what="not found")
    assert replies_to(emu, GROUP, edit["message_id"])[0].startswith(f"Updated {faq_id}")
    assert replies_to(emu, GROUP, asked["message_id"]) == ["Yes, 20 free places behind it."]
    assert replies_to(emu, GROUP, delete["message_id"])[0].startswith(f"Removed {faq_id}")
    assert replies_to(emu, GROUP, shown["message_id"]) == [render("faq.not_found", id=faq_id)]


# == /faq add in reply to a message ===========================================================

async def test_add_in_reply_to_a_photo_takes_its_caption_as_the_answer(
        make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        photo = emu.user_message(GROUP, OTHER_MEMBER, photo=True,
                                 caption="Parking is behind the building, 20 free places.")
        cmd = await command(emu, ADMIN, "/faq add Where can I park?", reply_to=photo["message_id"])
        asked = await command(emu, MEMBER, "Where can I park?", what="the new answer")
    assert replies_to(emu, GROUP, cmd["message_id"])[0].startswith("Added to the FAQ as")
    assert replies_to(emu, GROUP, asked["message_id"]) == [
        "Parking is behind the building, 20 free places."]


async def test_add_in_reply_to_a_very_long_message_is_refused_with_the_limits(
        make_app, emu, fake) -> None:
    app = await make_app()
    long_text = ("All about our lessons. " * 200).strip()  # ~4,600 characters
    async with RunningBot(app, fast_options(fake)):
        long_msg = emu.user_message(GROUP, OTHER_MEMBER, long_text)
        cmd = await command(emu, ADMIN, "/faq add Tell me everything about lessons?",
                            reply_to=long_msg["message_id"])
        listing = await command(emu, MEMBER, "/faq")
    assert replies_to(emu, GROUP, cmd["message_id"]) == [render("faq.too_long")]
    assert "everything" not in replies_to(emu, GROUP, listing["message_id"])[0]


# == ids: case, Cyrillic, duplicates ===========================================================

async def test_cyrillic_question_gets_a_readable_id_usable_in_any_case(
        make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        add = await command(emu, ADMIN, "/faq add Где парковка? | За зданием, 20 мест.")
        (added,) = replies_to(emu, GROUP, add["message_id"])
        faq_id = added.split(" as ", 1)[1].split(":", 1)[0]
        lower = await command(emu, MEMBER, f"/faq {faq_id}")
        upper = await command(emu, MEMBER, f"/faq {faq_id.upper()}")
    assert faq_id == "gde-parkovka"
    assert replies_to(emu, GROUP, lower["message_id"]) == ["За зданием, 20 мест."]
    assert replies_to(emu, GROUP, upper["message_id"]) == ["За зданием, 20 мест."]


async def test_cyrillic_id_from_the_file_is_shown_edited_and_deleted_in_any_case(
        make_app, emu, fake) -> None:
    faq = _faq_toml() + textwrap.dedent('''
        [[faq]]
        id = "Оплата"
        lang = "ru"
        questions = ["Как оплатить курс?"]
        answer = "Картой на сайте."
        ''')
    app = await make_app(faq=faq)
    async with RunningBot(app, fast_options(fake)):
        shown = await command(emu, MEMBER, "/faq оплата")
        edit = await command(emu, ADMIN, "/faq edit ОПЛАТА | Картой или переводом.")
        asked = await command(emu, MEMBER, "Как оплатить курс?", what="the edited answer")
    assert replies_to(emu, GROUP, shown["message_id"]) == ["Картой на сайте."]
    assert replies_to(emu, GROUP, edit["message_id"])[0].startswith("Updated Оплата")
    assert replies_to(emu, GROUP, asked["message_id"]) == ["Картой или переводом."]


async def test_adding_a_question_the_faq_already_has_does_not_make_a_rival_entry(
        make_app, emu, fake) -> None:
    """A moderator who does not know the entry exists adds it again: the bot should point to the
    existing entry (or use /faq edit), not keep two entries that compete for the question."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        add = await command(emu, ADMIN, "/faq add When are the lessons? | On Mondays at 6 pm.")
        listing = await command(emu, ADMIN, "/faq", chat=ADMIN)
    listed = replies_to(emu, ADMIN, listing["message_id"])[0]
    lines = [line for line in listed.splitlines() if "When are the lessons?" in line]
    assert len(lines) == 1, (
        f"two FAQ entries now hold the same question: {lines}; the moderator was told "
        f"{replies_to(emu, GROUP, add['message_id'])}")


async def test_duplicate_add_with_different_case_and_spaces_is_one_entry(
        make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/faq add Is there Wi-Fi? | Yes: network Guest.")
        await command(emu, ADMIN, "/faq add   is there wi-fi?   |  Yes: network Guest.")
        listing = await command(emu, ADMIN, "/faq", chat=ADMIN)
    listed = replies_to(emu, ADMIN, listing["message_id"])[0]
    assert sum("wi-fi" in line.casefold() for line in listed.splitlines()) == 1, listed


# == The file on disk and chat edits ==========================================================

async def test_owner_file_change_to_an_entry_moderators_edited_is_not_silently_lost(
        make_app, emu, fake, tmp_path, clock, caplog) -> None:
    """A moderator edits `lessons` in chat; later the owner changes the same entry in the file.
    The documented rule keeps the chat edit; a mature bot at least says so (a log warning naming
    the entry) instead of dropping the owner's newer text without a word."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/faq edit lessons | Lessons are on Mondays (chat edit).")
        with caplog.at_level(logging.INFO):
            bump(tmp_path / "faq.toml", _faq_toml().replace(
                LESSONS, "Lessons moved to Wednesdays at 8 pm (owner's file)."))
            clock.advance(timedelta(seconds=5))
            asked = await command(emu, MEMBER, "When are the lessons?", what="answer")
    answer = replies_to(emu, GROUP, asked["message_id"])[0]
    warned = [r.getMessage() for r in caplog.records
              if r.levelno >= logging.WARNING and "lessons" in r.getMessage()]
    assert "Wednesdays" in answer or warned, (
        f"owner's newer file text ignored without a warning; members got {answer!r}")


async def test_entry_deleted_in_chat_that_lives_only_in_the_file_stays_deleted_after_reload(
        make_app, emu, fake, tmp_path, clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        delete = await command(emu, ADMIN, "/faq del refund")
        # the owner touches the file for something else
        bump(tmp_path / "faq.toml", _faq_toml().replace(PAY, "Pay by card only."))
        clock.advance(timedelta(seconds=5))
        paid = await command(emu, MEMBER, "How do I pay for the course?", what="new pay answer")
        refund = await ask(emu, OTHER_MEMBER, "How do I get a refund?")
    assert replies_to(emu, GROUP, delete["message_id"])[0].startswith("Removed refund")
    assert replies_to(emu, GROUP, paid["message_id"]) == ["Pay by card only."]
    assert replies_to(emu, GROUP, refund["message_id"]) == []


# == Answers that break markup or length ======================================================

async def test_answer_with_markup_characters_line_breaks_and_emoji_arrives_verbatim(
        make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "What are the prices?", what="answer")
    (sent,) = reply_messages(emu, GROUP, asked["message_id"])
    assert sent["text"] == TRICKY
    call = next(c for c in emu.calls_of("sendMessage")
                if c.result["message_id"] == sent["message_id"])
    assert not call.params.get("parse_mode"), "an answer must not be parsed as HTML/Markdown"


async def test_markup_characters_typed_in_chat_add_arrive_verbatim(make_app, emu, fake) -> None:
    app = await make_app()
    text = "Use <code>PROMO</code> & *save* 10% — see _terms_ `now` 🎁\nsecond line"
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, f"/faq add Is there a promo code? | {text}")
        asked = await command(emu, MEMBER, "Is there a promo code?", what="answer")
    assert replies_to(emu, GROUP, asked["message_id"]) == [text]


async def test_longest_allowed_answer_with_emoji_is_delivered_in_one_message(
        make_app, emu, fake) -> None:
    long_answer = ("Расписание 📅 занятий: " + "пн/ср/пт 19:00; " * 300)[:3499] + "✅"
    faq = _faq_toml() + (
        '\n[[faq]]\nid = "timetable"\nlang = "ru"\nquestions = ["Какое расписание занятий?"]\n'
        f"answer = {json.dumps(long_answer, ensure_ascii=False)}\n")
    app = await make_app(faq=faq)
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "Какое расписание занятий?", what="answer")
    assert replies_to(emu, GROUP, asked["message_id"]) == [long_answer]


# == Anti-repeat ==============================================================================

async def test_same_question_in_two_forum_topics_is_answered_in_each(
        make_app, emu, fake) -> None:
    """A pointer "↑" to an answer in another topic is useless: the asker cannot see it."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = await command(emu, MEMBER, "When are the lessons?", thread_id=5, what="answer")
        second = await command(emu, OTHER_MEMBER, "When are the lessons?", thread_id=7,
                               what="answer in topic 7")
    assert replies_to(emu, GROUP, first["message_id"]) == [LESSONS]
    (reply,) = reply_messages(emu, GROUP, second["message_id"])
    assert reply["text"] == LESSONS
    assert reply.get("message_thread_id") == 7


async def test_repeat_pointer_in_a_topic_stays_in_that_topic(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await command(emu, MEMBER, "When are the lessons?", thread_id=5, what="answer")
        emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?", thread_id=5,
                         first_name="Carol")
        await emu.wait_for(lambda: answers_in(emu, GROUP, "↑"), what="the pointer")
    pointer = next(c for c in emu.calls_of("sendMessage") if "↑" in c.result["text"])
    assert str(pointer.params.get("message_thread_id")) == "5"


async def test_after_a_moderator_deletes_the_answer_the_next_asker_gets_the_answer_again(
        make_app, emu, fake) -> None:
    """The moderator removed the bot's answer with /del; a pointer "I answered this a moment
    ago ↑" to a message that no longer exists helps nobody."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = await command(emu, MEMBER, "When are the lessons?", what="answer")
        (answer,) = reply_messages(emu, GROUP, first["message_id"])
        emu.user_message(GROUP, ADMIN, "/del", reply_to=answer["message_id"])
        await emu.wait_for(lambda: emu.is_deleted(GROUP, answer["message_id"]),
                           what="the answer deleted")
        again = await ask(emu, OTHER_MEMBER, "When are the lessons?")
    replies = replies_to(emu, GROUP, again["message_id"])
    texts_after = [t for t in emu.sent_texts(GROUP) if "↑" in t or t == LESSONS]
    assert LESSONS in replies or texts_after.count(LESSONS) == 2, (
        f"after the answer was deleted the next asker got {texts_after[1:]}")


async def test_repeat_window_pointer_goes_after_the_window_ends(make_app, emu, fake,
                                                                clock) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await command(emu, MEMBER, "When are the lessons?", what="answer")
        clock.advance(timedelta(minutes=10))
        emu.user_message(GROUP, OTHER_MEMBER, "When are the lessons?")
        await emu.wait_for(lambda: answers_in(emu, GROUP, "↑"), what="the pointer")
        clock.advance(timedelta(minutes=21))  # 31 min after the answer
        third = await command(emu, 444, "When are the lessons?", what="a fresh answer")
    assert replies_to(emu, GROUP, third["message_id"]) == [LESSONS]


# == Private "did you mean" buttons ==========================================================

SUGGEST = '[community.answers]\nanswer_threshold = 0.99\nsuggest_threshold = 0.3\n'
MIDDLE = "what payment options do you accept for the course?"


async def _suggest(emu: TelegramEmulator) -> dict:
    asked = emu.user_message(MEMBER, MEMBER, MIDDLE)
    await emu.wait_for(lambda: reply_messages(emu, MEMBER, asked["message_id"]),
                       what="did you mean")
    (offer,) = reply_messages(emu, MEMBER, asked["message_id"])
    return offer


def _buttons(message: dict) -> list[dict]:
    return [b for row in message["reply_markup"]["inline_keyboard"] for b in row]


async def test_private_did_you_mean_button_press_sends_the_answer(make_app, emu, fake) -> None:
    app = await make_app(extra_community=SUGGEST)
    emu.world.chat(MEMBER, "private")
    async with RunningBot(app, fast_options(fake)):
        offer = await _suggest(emu)
        button = _buttons(offer)[0]
        before = len(emu.sent_texts(MEMBER))
        emu.press(MEMBER, offer["message_id"], MEMBER, button["callback_data"])
        await emu.wait_for(lambda: emu.calls_of("answerCallbackQuery"), what="callback answer")
        await emu.wait_for(lambda: len(emu.sent_texts(MEMBER)) > before, what="the answer")
    assert offer["text"] == render("faq.did_you_mean")
    assert button["text"] == "How do I pay for the course?"
    assert emu.sent_texts(MEMBER)[before:] == [PAY]


async def test_pressing_an_old_button_after_the_entry_was_deleted_says_it_is_gone(
        make_app, emu, fake) -> None:
    app = await make_app(extra_community=SUGGEST)
    emu.world.chat(MEMBER, "private")
    async with RunningBot(app, fast_options(fake)):
        offer = await _suggest(emu)
        await command(emu, ADMIN, "/faq del pay")
        before = len(emu.sent_texts(MEMBER))
        emu.press(MEMBER, offer["message_id"], MEMBER, "faq:show:pay")
        await emu.wait_for(lambda: emu.calls_of("answerCallbackQuery"), what="callback answer")
    (call,) = emu.calls_of("answerCallbackQuery")
    assert call.params.get("text") == render("faq.gone")
    assert emu.sent_texts(MEMBER)[before:] == []


async def test_did_you_mean_is_never_offered_in_the_group(make_app, emu, fake) -> None:
    app = await make_app(extra_community=SUGGEST)
    async with RunningBot(app, fast_options(fake)):
        await ask(emu, MEMBER, MIDDLE)
    assert non_help(emu.sent_texts(GROUP)) == []
    assert not any(m.get("reply_markup") for m in emu.sent_messages(GROUP))


async def test_pressing_a_faq_button_in_the_group_does_not_post_the_answer_to_everyone(
        make_app, emu, fake) -> None:
    """An FAQ button only ever lives in a private chat; a callback with its data from a group
    message (an old client, a forged press) should not make the bot post in the group."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        listing = await command(emu, MEMBER, "/faq")
        (bot_msg,) = reply_messages(emu, GROUP, listing["message_id"])
        before = len(emu.sent_texts(GROUP))
        emu.press(GROUP, bot_msg["message_id"], MEMBER, "faq:show:pay")
        await emu.wait_for(lambda: emu.calls_of("answerCallbackQuery"), what="callback answer")
        await settle(emu)
    assert PAY not in emu.sent_texts(GROUP)[before:]


# == What counts as a question for the bot ===================================================

async def test_question_without_question_mark_is_answered(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "how do i pay for the course", what="answer")
    assert replies_to(emu, GROUP, asked["message_id"]) == [PAY]


async def test_statements_about_faq_topics_get_no_answer(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        for text in ("I paid for the course by card yesterday, all fine.",
                     "The lessons are great, thanks!",
                     "Got my refund, thank you so much"):
            emu.user_message(GROUP, MEMBER, text)
        await settle(emu)
    assert non_help(emu.sent_texts(GROUP)) == []


async def test_question_put_to_a_named_member_is_left_to_them(make_app, emu, fake) -> None:
    """"@bob when are the lessons?" asks Bob; the bot butting in is noise."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        asked = await ask(emu, MEMBER, "@bob when are the lessons?")
    assert replies_to(emu, GROUP, asked["message_id"]) == []


async def test_question_in_a_reply_to_another_member_is_left_to_them(
        make_app, emu, fake) -> None:
    """Alice replies to Bob's message "How do I pay for the course?" — she asks Bob, within
    their conversation."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        bob = emu.user_message(GROUP, OTHER_MEMBER, "I joined the course last week, love it")
        asked = await ask(emu, MEMBER, "Nice! How did you pay for the course?",
                          reply_to=bob["message_id"])
    assert replies_to(emu, GROUP, asked["message_id"]) == []


async def test_question_replying_to_the_bots_own_answer_is_answered(
        make_app, emu, fake) -> None:
    """The other side: a follow-up to the bot itself is meant for the bot."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        first = await command(emu, MEMBER, "How do I pay for the course?", what="answer")
        (answer,) = reply_messages(emu, GROUP, first["message_id"])
        follow = await command(emu, MEMBER, "And how do I get a refund?",
                               reply_to=answer["message_id"], what="follow-up answer")
    assert replies_to(emu, GROUP, follow["message_id"]) == [
        "Write to support within 14 days for a full refund."]


async def test_question_addressed_to_the_bot_by_mention_is_answered(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        asked = await command(emu, MEMBER, "@modbot_test_bot when are the lessons?",
                              what="answer")
    assert replies_to(emu, GROUP, asked["message_id"]) == [LESSONS]


async def test_faq_command_with_the_bot_username_shows_the_entry(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        shown = await command(emu, MEMBER, "/faq@modbot_test_bot lessons")
    assert replies_to(emu, GROUP, shown["message_id"]) == [LESSONS]


async def test_add_with_several_wordings_answers_each(make_app, emu, fake) -> None:
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        await command(emu, ADMIN, "/faq add Where is the studio?; How do I find you? | "
                                  "5 Baker Street, 2nd floor.")
        first = await command(emu, MEMBER, "Where is the studio?", what="answer")
        second = await command(emu, OTHER_MEMBER, "How do I find you?", what="answer 2",
                               thread_id=9)
    assert replies_to(emu, GROUP, first["message_id"]) == ["5 Baker Street, 2nd floor."]
    assert replies_to(emu, GROUP, second["message_id"]) == ["5 Baker Street, 2nd floor."]


async def test_moderator_asking_in_reply_to_a_member_is_not_lectured_by_the_bot(
        make_app, emu, fake) -> None:
    """A moderator quoting the question back to a member ("how do I pay for the course? it is
    pinned") is talking to that member; the bot answering on top is noise."""
    app = await make_app()
    async with RunningBot(app, fast_options(fake)):
        member = emu.user_message(GROUP, MEMBER, "payment broken for me")
        asked = await ask(emu, ADMIN, "@u111 how do I pay for the course? See the pinned post",
                          reply_to=member["message_id"])
    assert replies_to(emu, GROUP, asked["message_id"]) == []


# == Two communities on one bot ==============================================================

TWO_COMMUNITIES = f'''
[[community]]
name = "yoga"
language = "en"
timezone = "UTC"
faq = "yoga.toml"
chats = ["telegram:{SECOND_GROUP}"]
moderators = ["telegram:701"]
queue = "telegram:-2004"
'''

YOGA_FAQ = '''
[[faq]]
id = "mats"
lang = "en"
questions = ["Do I need to bring my own yoga mat?"]
answer = "Mats are provided at the studio."

[[faq]]
id = "pay"
lang = "en"
questions = ["How do I pay for the yoga class?"]
answer = "Yoga classes are paid in cash at the studio."
'''


@pytest.fixture
async def two(make_app, emu, tmp_path) -> App:
    (tmp_path / "yoga.toml").write_text(YOGA_FAQ, encoding="utf-8")
    emu.group(SECOND_GROUP, title="Yoga", admins=(701,))
    emu.group(-2004, title="Yoga queue", admins=(701,))
    return await make_app(tail=TWO_COMMUNITIES)


async def test_two_communities_answer_only_from_their_own_faq(two, emu, fake) -> None:
    async with RunningBot(two, fast_options(fake)):
        mats = await command(emu, MEMBER, "Do I need to bring my own yoga mat?",
                             chat=SECOND_GROUP, what="yoga answer")
        lessons_in_yoga = await ask(emu, MEMBER, "When are the lessons?", chat=SECOND_GROUP)
        mats_in_demo = await ask(emu, MEMBER, "Do I need to bring my own yoga mat?")
        shown = await command(emu, MEMBER, "/faq pay", chat=SECOND_GROUP)
    assert replies_to(emu, SECOND_GROUP, mats["message_id"]) == ["Mats are provided at the studio."]
    assert replies_to(emu, SECOND_GROUP, lessons_in_yoga["message_id"]) == []
    assert replies_to(emu, GROUP, mats_in_demo["message_id"]) == []
    assert replies_to(emu, SECOND_GROUP, shown["message_id"]) == [
        "Yoga classes are paid in cash at the studio."]


async def test_an_edit_in_one_community_does_not_touch_the_other_with_the_same_id(
        two, emu, fake) -> None:
    async with RunningBot(two, fast_options(fake)):
        await command(emu, ADMIN, "/faq edit pay | Demo: pay by crypto only.")
        yoga = await command(emu, MEMBER, "/faq pay", chat=SECOND_GROUP)
        demo = await command(emu, MEMBER, "/faq pay")
        foreign = await command(emu, ADMIN, "/faq del mats", chat=SECOND_GROUP, what="refusal")
        mats = await command(emu, MEMBER, "/faq mats", chat=SECOND_GROUP)
    assert replies_to(emu, SECOND_GROUP, yoga["message_id"]) == [
        "Yoga classes are paid in cash at the studio."]
    assert replies_to(emu, GROUP, demo["message_id"]) == ["Demo: pay by crypto only."]
    assert replies_to(emu, SECOND_GROUP, foreign["message_id"])[0].startswith("Sorry, only")
    assert replies_to(emu, SECOND_GROUP, mats["message_id"]) == [
        "Mats are provided at the studio."]


async def test_private_faq_list_follows_the_community_the_member_was_last_seen_in(
        two, emu, fake) -> None:
    emu.world.chat(MEMBER, "private")
    async with RunningBot(two, fast_options(fake)):
        await ask(emu, MEMBER, "hello yoga people", chat=SECOND_GROUP)
        listing = await command(emu, MEMBER, "/faq", chat=MEMBER)
    listed = replies_to(emu, MEMBER, listing["message_id"])[0]
    assert "mats" in listed and "lessons" not in listed


# == VK: chats, the wall, private ============================================================

@pytest.fixture
async def vk(emulator: VkEmulator, tmp_path: Path, clock: FakeClock) -> AsyncIterator[VkBot]:
    (tmp_path / "faq.toml").write_text(_faq_toml(), encoding="utf-8")
    config = write_vk_config(tmp_path, vk_config_text(
        emulator, community_extra='faq = "faq.toml"\n' + SUGGEST.replace(
            "[community.answers]", "[community.answers]\n")))
    running = VkBot(config, clock, emulator)
    await running.start()
    yield running
    await running.stop()


@pytest.fixture
async def vk_plain(emulator: VkEmulator, tmp_path: Path,
                   clock: FakeClock) -> AsyncIterator[VkBot]:
    (tmp_path / "faq.toml").write_text(_faq_toml(), encoding="utf-8")
    config = write_vk_config(tmp_path, vk_config_text(
        emulator, community_extra='faq = "faq.toml"\n'))
    running = VkBot(config, clock, emulator)
    await running.start()
    yield running
    await running.stop()


async def vk_settle(emulator: VkEmulator) -> None:
    polls = len(emulator.calls_to("longpoll.check"))
    await emulator.wait_for(lambda: len(emulator.calls_to("longpoll.check")) > polls + 1)


def vk_said(emulator: VkEmulator, peer: int, words: str) -> list[str]:
    return [m.text for m in emulator.sent(peer) if words in m.text]


async def test_vk_member_bang_faq_del_is_refused_and_the_entry_keeps_answering(
        emulator: VkEmulator, vk_plain: VkBot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "!faq del lessons")
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "only moderators"))
    emulator.post_message(VK_CHAT, 501, "When are the lessons?")
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "Tuesdays"))


async def test_vk_answer_with_markup_characters_and_emoji_arrives_verbatim(
        emulator: VkEmulator, vk_plain: VkBot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "What are the prices?")
    (sent,) = await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "Prices:"))
    assert sent == TRICKY
    emulator.post_comment(10, VK_MEMBER, "What are the prices?")
    await emulator.wait_calls("wall.createComment")
    (comment,) = [c for c in emulator.calls_to("wall.createComment") if "Prices:" in c["message"]]
    assert comment["message"] == TRICKY


async def test_vk_moderator_adds_in_reply_and_it_is_answered_on_the_wall_too(
        emulator: VkEmulator, vk_plain: VkBot) -> None:
    said = emulator.post_message(VK_CHAT, VK_MEMBER, "The studio is at 5 Baker Street, 2nd floor.")
    emulator.post_message(VK_CHAT, VK_MODERATOR, "!faq add Where is the studio?", reply_to=said)
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "Added to the FAQ"))
    emulator.post_comment(11, 501, "Where is the studio?")
    await emulator.wait_for(lambda: [c for c in emulator.calls_to("wall.createComment")
                                     if "Baker Street" in c["message"]])
    (comment,) = [c for c in emulator.calls_to("wall.createComment")
                  if "Baker Street" in c["message"]]
    assert comment["message"] == "The studio is at 5 Baker Street, 2nd floor."


async def test_vk_question_replying_to_another_member_is_left_to_them(
        emulator: VkEmulator, vk_plain: VkBot) -> None:
    bob = emulator.post_message(VK_CHAT, 501, "I joined the course last week, love it")
    emulator.post_message(VK_CHAT, VK_MEMBER, "Nice! How did you pay for the course?",
                          reply_to=bob)
    await vk_settle(emulator)
    await vk_settle(emulator)
    assert vk_said(emulator, VK_CHAT, "Pay by card") == []


async def test_vk_same_question_in_the_chat_and_on_the_wall_is_answered_in_both(
        emulator: VkEmulator, vk_plain: VkBot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "When are the lessons?")
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "Tuesdays"))
    emulator.post_comment(10, 501, "When are the lessons?")
    await emulator.wait_for(lambda: [c for c in emulator.calls_to("wall.createComment")
                                     if "Tuesdays" in c["message"]])


async def test_vk_private_did_you_mean_press_sends_the_answer(
        emulator: VkEmulator, vk: VkBot) -> None:
    emulator.post_private(VK_MEMBER, MIDDLE)
    offers = await emulator.wait_for(
        lambda: [m for m in emulator.sent(VK_MEMBER) if m.keyboard])
    offer = offers[0]
    assert offer.text == render("faq.did_you_mean")
    actions = [b["action"] for row in offer.keyboard["buttons"] for b in row]
    assert actions[0]["label"] == "How do I pay for the course?"
    emulator.press(VK_MEMBER, VK_MEMBER, offer.cmid, actions[0]["payload"]["d"]
                   if isinstance(actions[0]["payload"], dict) else
                   json.loads(actions[0]["payload"])["d"])
    await emulator.wait_for(lambda: vk_said(emulator, VK_MEMBER, PAY))
    await emulator.wait_calls("messages.sendMessageEventAnswer")


async def test_vk_old_button_after_the_entry_was_deleted_says_it_is_gone(
        emulator: VkEmulator, vk: VkBot) -> None:
    emulator.post_private(VK_MEMBER, MIDDLE)
    offers = await emulator.wait_for(
        lambda: [m for m in emulator.sent(VK_MEMBER) if m.keyboard])
    emulator.post_message(VK_CHAT, VK_MODERATOR, "!faq del pay")
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "Removed pay"))
    emulator.press(VK_MEMBER, VK_MEMBER, offers[0].cmid, "faq:show:pay")
    (call,) = await emulator.wait_calls("messages.sendMessageEventAnswer")
    assert "no longer in the FAQ" in call["event_data"]
    assert vk_said(emulator, VK_MEMBER, PAY) == []


# == `modbot faq import|export|gaps` =========================================================

CLI_CONFIG = """
[database]
url = "sqlite+aiosqlite:///modbot.db"

[telegram]
token = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"

[[community]]
name = "demo"
language = "en"
faq = "faq.toml"
chats = ["telegram:-1001"]
moderators = ["telegram:900"]
queue = "telegram:-2002"
{more}
"""

SECOND = """
[[community]]
name = "yoga"
language = "en"
faq = "yoga.toml"
chats = ["telegram:-1003"]
moderators = ["telegram:901"]
queue = "telegram:-2004"
"""


def cli_config(folder: Path, *, two: bool = False, faq: str | None = None) -> Path:
    (folder / "faq.toml").write_text(faq if faq is not None else _faq_toml(), encoding="utf-8")
    (folder / "yoga.toml").write_text(YOGA_FAQ, encoding="utf-8")
    path = folder / "config.toml"
    path.write_text(CLI_CONFIG.replace("{more}", SECOND if two else ""), encoding="utf-8")
    return path


async def _in_chat(config: Path, clock: FakeClock, *said: tuple[str, str, str]) -> None:
    """(chat id, user id, text) messages through the real pipeline, actions recorded."""
    from helpers_faq import Recorder, message

    from bot.core.chats import ChatRef, UserRef
    app = await create_app(load_config(config), clock=clock, instance_id="qa20-cli")
    recorder = Recorder()
    app.router.add(recorder.executor("telegram"))
    try:
        for chat, user, text in said:
            await app.pipeline.process(message(ChatRef("telegram", chat), text,
                                               user=UserRef("telegram", user)))
    finally:
        await app.close()


def run_cli(*argv: str) -> int:
    return main(list(argv))


def test_cli_import_of_a_missing_file_names_it_and_changes_nothing(tmp_path, capsys) -> None:
    config = cli_config(tmp_path)
    code = run_cli("faq", "import", str(tmp_path / "nope.toml"), "--config", str(config))
    _out, err = capsys.readouterr()
    assert code == 1
    assert "nope.toml" in err and "Traceback" not in err
    assert run_cli("faq", "export", "-", "--config", str(config)) == 0
    assert capsys.readouterr().out.count("[[faq]]") == 4


@pytest.mark.parametrize("tool", [
    ["faq", "import", "{faq}"], ["faq", "export", "-"], ["faq", "gaps"]])
def test_cli_unknown_community_names_the_known_ones(tmp_path, capsys, tool) -> None:
    config = cli_config(tmp_path, two=True)
    argv = [a.replace("{faq}", str(tmp_path / "faq.toml")) for a in tool]
    code = run_cli(*argv, "--config", str(config), "--community", "Yoga ")
    out, err = capsys.readouterr()
    assert code == 1
    assert "'Yoga '" in err and "demo" in err and "yoga" in err
    assert out == ""


@pytest.mark.parametrize("tool", [["faq", "export", "-"], ["faq", "gaps"]])
def test_cli_several_communities_without_community_asks_to_choose(tmp_path, capsys,
                                                                  tool) -> None:
    config = cli_config(tmp_path, two=True)
    assert run_cli(*tool, "--config", str(config)) == 1
    assert "--community" in capsys.readouterr().err


def test_cli_missing_config_is_one_line_not_a_traceback(tmp_path, capsys) -> None:
    for tool in (["faq", "export", "-"], ["faq", "gaps"]):
        code = run_cli(*tool, "--config", str(tmp_path / "missing.toml"))
        err = capsys.readouterr().err
        assert code == 1 and "missing.toml" in err and "Traceback" not in err


def test_cli_gaps_bad_top_is_a_usage_error(tmp_path, capsys) -> None:
    config = cli_config(tmp_path)
    with pytest.raises(SystemExit) as stop:
        run_cli("faq", "gaps", "--config", str(config), "--top", "many")
    assert stop.value.code == 2
    assert "--top" in capsys.readouterr().err
    assert run_cli("faq", "gaps", "--config", str(config), "--top", "0") != 0


def test_cli_export_to_a_missing_folder_says_it_cannot_write(tmp_path, capsys) -> None:
    config = cli_config(tmp_path)
    code = run_cli("faq", "export", str(tmp_path / "no" / "such" / "out.toml"),
                   "--config", str(config))
    err = capsys.readouterr().err
    assert code == 1 and "cannot write" in err


def test_cli_export_of_an_empty_faq_can_be_imported_back(tmp_path, capsys) -> None:
    """An owner backs up a community whose FAQ is still empty, then restores it."""
    config = cli_config(tmp_path, faq="")
    config.write_text(config.read_text().replace('faq = "faq.toml"\n', ""), encoding="utf-8")
    out_file = tmp_path / "backup.toml"
    assert run_cli("faq", "export", str(out_file), "--config", str(config)) == 0
    capsys.readouterr()
    code = run_cli("faq", "import", str(out_file), "--config", str(config))
    _out, err = capsys.readouterr()
    assert code == 0, f"the exported backup is refused by import: {err.strip()!r}"


def test_cli_export_reflects_chat_edits_adds_and_deletes_and_reads_back(
        tmp_path, capsys, clock) -> None:
    import asyncio
    config = cli_config(tmp_path)
    asyncio.run(_in_chat(config, clock,
                         ("-2002", "900", "/faq add Где парковка? | За зданием <20 мест> & 🚗"),
                         ("-2002", "900", "/faq del refund"),
                         ("-2002", "900", "/faq edit pay | Card only.")))
    out_file = tmp_path / "out.toml"
    assert run_cli("faq", "export", str(out_file), "--config", str(config)) == 0
    assert "exported 4 entries of demo" in capsys.readouterr().out
    entries = {e.id: e for e in load_faq_file(out_file)}
    assert list(entries) == ["pay", "lessons", "prices", "gde-parkovka"]
    assert entries["pay"].answer == "Card only."
    assert entries["gde-parkovka"].answer == "За зданием <20 мест> & 🚗"
    assert entries["prices"].answer == TRICKY


def test_cli_import_twice_reports_everything_unchanged(tmp_path, capsys) -> None:
    config = cli_config(tmp_path)
    extra = tmp_path / "extra.toml"
    extra.write_text(textwrap.dedent('''
        [[faq]]
        id = "wifi"
        lang = "en"
        questions = ["What is the wifi password?"]
        answer = "It is on the board."

        [[faq]]
        id = "pay"
        lang = "en"
        questions = ["How do I pay for the course?"]
        answer = "Card only."
        '''), encoding="utf-8")
    assert run_cli("faq", "import", str(extra), "--config", str(config)) == 0
    assert capsys.readouterr().out.strip() == \
        "imported 2 entries into demo: 1 new, 1 replaced, 0 unchanged"
    assert run_cli("faq", "import", str(extra), "--config", str(config)) == 0
    assert capsys.readouterr().out.strip() == \
        "imported 2 entries into demo: 0 new, 0 replaced, 2 unchanged"


def test_cli_import_with_an_id_in_another_case_replaces_not_duplicates(tmp_path, capsys) -> None:
    """`/faq PAY` and `/faq pay` are the same entry in chat; an imported "PAY" should be too."""
    config = cli_config(tmp_path)
    extra = tmp_path / "extra.toml"
    extra.write_text(textwrap.dedent('''
        [[faq]]
        id = "PAY"
        lang = "en"
        questions = ["How do I pay for the course?"]
        answer = "Card only."
        '''), encoding="utf-8")
    assert run_cli("faq", "import", str(extra), "--config", str(config)) == 0
    capsys.readouterr()
    assert run_cli("faq", "export", "-", "--config", str(config)) == 0
    ids = [e.split('"')[1] for e in capsys.readouterr().out.splitlines() if e.startswith("id = ")]
    assert sorted(i.casefold() for i in ids).count("pay") == 1, ids


def test_cli_gaps_of_one_community_show_none_of_the_other(tmp_path, capsys, clock) -> None:
    import asyncio
    from datetime import UTC, datetime
    now_clock = FakeClock(datetime.now(UTC))
    config = cli_config(tmp_path, two=True)
    asyncio.run(_in_chat(config, now_clock,
                         ("-1001", "111", "Is there a sauna in the building?"),
                         ("-1003", "112", "Can I bring my dog to the yoga class?"),
                         ("-1003", "113", "Are dogs allowed at yoga?")))
    assert run_cli("faq", "gaps", "--config", str(config), "--community", "demo") == 0
    demo = capsys.readouterr().out
    assert run_cli("faq", "gaps", "--config", str(config), "--community", "yoga") == 0
    yoga = capsys.readouterr().out
    assert "sauna" in demo and "dog" not in demo
    assert "dog" in yoga and "sauna" not in yoga
    assert yoga.splitlines()[0].startswith("2 unanswered questions in yoga in the last 30d")


async def test_vk_after_a_moderator_deletes_the_answer_the_next_asker_gets_it_again(
        emulator: VkEmulator, vk_plain: VkBot) -> None:
    emulator.post_message(VK_CHAT, VK_MEMBER, "When are the lessons?")
    await emulator.wait_for(lambda: vk_said(emulator, VK_CHAT, "Tuesdays"))
    (answer,) = [m for m in emulator.sent(VK_CHAT) if "Tuesdays" in m.text]
    emulator.post_message(VK_CHAT, VK_MODERATOR, "!del", reply_to=answer.cmid)
    await emulator.wait_for(lambda: answer.deleted)
    emulator.post_message(VK_CHAT, 501, "When are the lessons?")
    await emulator.wait_for(lambda: [m for m in emulator.sent(VK_CHAT)
                                     if m.cmid > answer.cmid and m.from_id < 0
                                     and ("Tuesdays" in m.text or "↑" in m.text)])
    later = [m.text for m in emulator.sent(VK_CHAT) if m.cmid > answer.cmid and m.from_id < 0]
    assert LESSONS in later, f"after the answer was deleted the next asker got {later}"
