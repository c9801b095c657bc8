"""The FAQ feature through the pipeline: answers, reloads, chat edits, bands, anti-repeat."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from helpers_faq import (
    ENTRIES,
    GROUP,
    MODERATOR,
    PRIVATE,
    QUEUE,
    VK_CHAT,
    VK_WALL,
    Recorder,
    callback,
    faq_app,
    feature,
    message,
    texts,
    use_fake_matcher,
    write_faq,
    write_faq_config,
)

from bot.app import App
from bot.core.actions import AnswerCallback, DeleteMessage, NotifyQueue, SendMessage
from bot.core.clock import FakeClock
from bot.core.events import ReplyTarget, SenderKind
from bot.core.faq.entries import FaqEntry
from bot.core.texts import RAW_KEY

PAY = ENTRIES[0].answer


@pytest.fixture
async def bot(tmp_path: Path, clock: FakeClock) -> AsyncIterator[tuple[App, Recorder]]:
    app, recorder = await faq_app(write_faq_config(tmp_path), clock)
    yield app, recorder
    await app.close()


async def ask(app: App, recorder: Recorder, *args: object, **kwargs: object) -> list[SendMessage]:
    await app.pipeline.process(message(*args, **kwargs))  # type: ignore[arg-type]
    return recorder.sent()


# --- answering with the real matcher -------------------------------------------------------

async def test_answers_a_question_in_the_group_as_a_reply(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    event = message(GROUP, "How do I pay for the course?")
    await app.pipeline.process(event)
    sent = recorder.sent()
    assert len(sent) == 1
    assert sent[0].text.key == RAW_KEY and sent[0].text.params["text"] == PAY
    assert sent[0].reply_to == event.message_id and sent[0].chat == GROUP


async def test_chatter_and_unknown_questions_get_silence(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    assert await ask(app, recorder, GROUP, "hello everyone, nice to meet you") == []
    assert await ask(app, recorder, GROUP, "Is there parking near the school?") == []


async def test_vk_wall_comment_is_answered_under_its_post(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, VK_WALL, "When are the lessons?", thread_id="post-7")
    assert [(s.chat, s.thread_id) for s in sent] == [(VK_WALL, "post-7")]
    # Another post's comments are another conversation: no "answered above" there.
    sent = await ask(app, recorder, VK_WALL, "When are the lessons?", thread_id="post-8")
    assert sent[0].text.params["text"] == ENTRIES[1].answer


async def test_messages_from_bots_and_edits_are_not_answered(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    assert await ask(app, recorder, GROUP, "How do I pay for the course?",
                     kind=SenderKind.BOT) == []
    assert await ask(app, recorder, GROUP, "How do I pay for the course?", edited=True) == []


async def test_moderators_questions_are_answered_too(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, GROUP, "How do I get a refund?", user=MODERATOR)
    assert sent[0].text.params["text"] == ENTRIES[2].answer


async def test_answers_disabled_in_config(tmp_path: Path, clock: FakeClock) -> None:
    app, recorder = await faq_app(write_faq_config(tmp_path, answers="enabled = false"), clock)
    try:
        assert await ask(app, recorder, GROUP, "How do I pay for the course?") == []
        # /faq still lists the topics
        sent = await ask(app, recorder, GROUP, "/faq")
        assert "pay — How do I pay for the course?" in texts(app, sent)[0]
    finally:
        await app.close()


# --- reload without restart ----------------------------------------------------------------

async def test_file_change_is_picked_up_without_restart(tmp_path: Path,
                                                        bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    assert await ask(app, recorder, GROUP, "Where do I park my car?") == []
    builds = feature(app).library.builds
    parking = FaqEntry("parking", "en", ("Where do I park my car?",),
                       "Free parking behind the building.")
    write_faq(tmp_path / "faq.toml", [*ENTRIES, parking])
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]  # re-checked every 2 s
    sent = await ask(app, recorder, GROUP, "Where do I park my car?")
    assert sent and sent[0].text.params["text"] == "Free parking behind the building."
    assert feature(app).library.builds == builds + 1
    # Nothing changed since: no rebuild for the next messages.
    await ask(app, recorder, GROUP, "When are the lessons?")
    assert feature(app).library.builds == builds + 1


async def test_touching_the_file_without_changes_does_not_rebuild(
        tmp_path: Path, bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, GROUP, "When are the lessons?")
    builds = feature(app).library.builds
    write_faq(tmp_path / "faq.toml", ENTRIES)
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]  # re-checked every 2 s
    await ask(app, recorder, GROUP, "When are the lessons again?")
    assert feature(app).library.builds == builds


async def test_a_broken_file_keeps_the_last_good_faq(tmp_path: Path,
                                                     bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    assert await ask(app, recorder, GROUP, "When are the lessons?")
    (tmp_path / "faq.toml").write_text("[[faq]]\nid = 1\n", encoding="utf-8")
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]  # re-checked every 2 s
    sent = await ask(app, recorder, GROUP, "How do I pay for the course?")
    assert sent[0].text.params["text"] == PAY


async def test_a_broken_or_removed_file_is_told_to_the_queue_once(
        tmp_path: Path, bot: tuple[App, Recorder]) -> None:
    """The owner saves a broken FAQ file: answers keep coming from the last good version and
    the queue hears once what is wrong (the log alone would leave the owner wondering); a
    second broken version is told again, and a removed file too."""
    app, recorder = bot
    path = tmp_path / "faq.toml"

    async def queue_texts_after_tick() -> list[str]:
        app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
        await app.pipeline.tick()
        said = [a for a in recorder.take() if isinstance(a, (SendMessage, NotifyQueue))
                and (a.queue if isinstance(a, NotifyQueue) else a.chat) == QUEUE]
        return [app.catalog.render(a.text, "en") for a in said]

    assert await queue_texts_after_tick() == []
    path.write_text("[[faq]]\nid = 1\n", encoding="utf-8")
    (told,) = await queue_texts_after_tick()
    assert "faq.toml" in told and "last good version" in told and "question" in told, told
    assert await queue_texts_after_tick() == []
    path.write_text("[[faq]\n", encoding="utf-8")
    assert len(await queue_texts_after_tick()) == 1
    path.unlink()
    (gone,) = await queue_texts_after_tick()
    assert "faq.toml" in gone and "is gone" in gone, gone
    sent = await ask(app, recorder, GROUP, "How do I pay for the course?")
    assert sent[0].text.params["text"] == PAY


async def test_tick_reloads_the_file(tmp_path: Path, bot: tuple[App, Recorder]) -> None:
    app, _ = bot
    write_faq(tmp_path / "faq.toml", ENTRIES[:1])
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]  # re-checked every 2 s
    await app.pipeline.tick()
    async with app.uow_factory() as uow:
        book = await feature(app).book(app.config.community("demo"), uow)
    assert [e.id for e in book.entries] == ["pay"]


# --- /faq list and show --------------------------------------------------------------------

async def test_members_can_list_topics(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, GROUP, "/faq")
    assert len(sent) == 1 and sent[0].delete_after is not None  # a self-deleting notice
    body = texts(app, sent)[0]
    assert "pay — How do I pay for the course?" in body
    assert "refund — How do I get a refund?" in body


async def test_group_list_is_short_private_list_is_full(tmp_path: Path,
                                                        clock: FakeClock) -> None:
    many = [FaqEntry(f"q{i}", "en", (f"Question number {i}?",), f"Answer {i}.")
            for i in range(25)]
    app, recorder = await faq_app(write_faq_config(tmp_path, many), clock)
    try:
        group = texts(app, await ask(app, recorder, GROUP, "/faq"))
        assert len(group) == 1 and "q9 —" in group[0] and "q10 —" not in group[0]
        assert "15 more" in group[0]
        private = "\n".join(texts(app, await ask(app, recorder, PRIVATE, "/faq")))
        assert all(f"q{i} — Question number {i}?" in private for i in range(25))
    finally:
        await app.close()


async def test_faq_id_shows_one_answer_and_junk_gets_usage(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, PRIVATE, "/faq refund")
    assert sent[0].text.params["text"] == ENTRIES[2].answer
    sent = await ask(app, recorder, PRIVATE, "/faq nosuchthing")
    assert (sent[0].text.key, sent[0].text.params["id"]) == ("faq.not_found", "nosuchthing")
    sent = await ask(app, recorder, PRIVATE, "/faq refund and more words")
    assert sent[0].text.key == "faq.usage_member"  # a member is not shown /faq add|edit|del
    sent = await ask(app, recorder, QUEUE, "/faq refund and more words", user=MODERATOR)
    assert sent[0].text.key == "faq.usage"


async def test_a_question_asked_through_faq_is_answered_when_confident(
        bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, PRIVATE, "/faq when are the lessons?")
    assert sent[0].text.params["text"] == ENTRIES[1].answer
    sent = await ask(app, recorder, PRIVATE, "/faq is there parking near the school?")
    assert sent[0].text.key == "faq.usage_member"


# --- chat edits ----------------------------------------------------------------------------

async def test_add_edit_delete_from_chat(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, QUEUE,
                     "/faq add Where do I park my car? | Free parking behind the building.",
                     user=MODERATOR)
    assert sent[0].text.key == "faq.added"
    assert sent[0].text.params["id"] == "where-do-i-park-my"
    answered = await ask(app, recorder, GROUP, "Where do I park my car?")
    assert answered[0].text.params["text"] == "Free parking behind the building."

    sent = await ask(app, recorder, QUEUE, "/faq edit where-do-i-park-my | Parking is paid now.",
                     user=MODERATOR)
    assert sent[0].text.key == "faq.updated"
    answered = await ask(app, recorder, VK_CHAT, "Where can I park my car?")
    assert answered[0].text.params["text"] == "Parking is paid now."

    sent = await ask(app, recorder, QUEUE, "/faq del where-do-i-park-my", user=MODERATOR)
    assert sent[0].text.key == "faq.deleted"
    assert await ask(app, recorder, VK_WALL, "Where do I park my car?", thread_id="1") == []


async def test_edit_question_only_and_both(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, QUEUE, "/faq edit refund Can I get my money back? |", user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq edit pay How much is it?; What is the price? | 100 EUR.",
              user=MODERATOR)
    async with app.uow_factory() as uow:
        book = await feature(app).book(app.config.community("demo"), uow)
    refund, pay = book.get("refund"), book.get("pay")
    assert refund is not None and pay is not None
    assert refund.questions == ("Can I get my money back?",)
    assert refund.answer == ENTRIES[2].answer
    assert pay.questions == ("How much is it?", "What is the price?") and pay.answer == "100 EUR."
    assert [e.id for e in book.entries] == ["pay", "schedule", "refund"]  # file order kept


async def test_add_and_edit_in_reply_take_the_answer_from_the_message(
        bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    original = ReplyTarget("41", None, "The wifi password is on the board.")
    sent = await ask(app, recorder, GROUP, "/faq add What is the wifi password?",
                     user=MODERATOR, reply_to=original)
    faq_id = sent[0].text.params["id"]
    updated = ReplyTarget("42", None, "Ask the front desk for the wifi password.")
    await ask(app, recorder, GROUP, f"/faq edit {faq_id}", user=MODERATOR, reply_to=updated)
    answered = await ask(app, recorder, VK_CHAT, "What is the wifi password?")
    assert answered[0].text.params["text"] == "Ask the front desk for the wifi password."


@pytest.mark.parametrize("command", [
    "/faq add", "/faq add only a question", "/faq add | only an answer", "/faq edit",
    "/faq edit pay", "/faq edit |x", "/faq edit pay |", "/faq del", "/faq del pay refund",
])
async def test_bad_arguments_get_the_usage(bot: tuple[App, Recorder], command: str) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, QUEUE, command, user=MODERATOR)
    assert [s.text.key for s in sent] == ["faq.usage"]
    assert "/faq edit ID | answer" in texts(app, sent)[0]


async def test_unknown_ids_are_reported(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    for command in ("/faq edit nope | x", "/faq del nope"):
        sent = await ask(app, recorder, QUEUE, command, user=MODERATOR)
        assert sent[0].text.key == "faq.not_found" and sent[0].text.params["id"] == "nope"


async def test_too_long_answers_are_refused(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, QUEUE, "/faq add Long? | " + "x" * 5000, user=MODERATOR)
    assert sent[0].text.key == "faq.too_long"


async def test_members_cannot_edit(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, GROUP, "/faq add Free beer? | Yes.")
    assert [s.text.key for s in sent] == ["common.not_moderator"]
    assert texts(app, sent) == ["Sorry, only moderators can use /faq add."]
    assert await ask(app, recorder, GROUP, "/faq del pay") == []  # one refusal per cooldown
    sent = await ask(app, recorder, GROUP, "How do I pay for the course?")
    assert sent[0].text.params["text"] == PAY
    assert "Free beer" not in texts(app, await ask(app, recorder, GROUP, "/faq"))[0]


async def test_edits_are_audited(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, QUEUE, "/faq add Free beer? | No.", user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq edit pay | Cash only.", user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq del refund", user=MODERATOR)
    async with app.uow_factory() as uow:
        records = await uow.audit.since("demo", app.clock.now() - timedelta(days=1))
    assert [(r.action, r.target, r.actor) for r in records] == [
        ("faq.add", "free-beer", "telegram:900"),
        ("faq.edit", "pay", "telegram:900"),
        ("faq.delete", "refund", "telegram:900"),
    ]
    assert records[1].reason == "answer"


async def test_new_ids_never_reuse_a_deleted_id(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    first = await ask(app, recorder, QUEUE, "/faq add Free beer? | No.", user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq del free-beer", user=MODERATOR)
    second = await ask(app, recorder, QUEUE, "/faq add Free beer? | Maybe.", user=MODERATOR)
    emoji = await ask(app, recorder, QUEUE, "/faq add 🍺? | Maybe.", user=MODERATOR)
    assert first[0].text.params["id"] == "free-beer"
    assert second[0].text.params["id"] == "free-beer-2"
    assert emoji[0].text.params["id"] == "chat-1"


async def test_chat_edits_survive_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    config = write_faq_config(tmp_path)
    app, recorder = await faq_app(config, clock)
    await ask(app, recorder, QUEUE, "/faq add Where do I park my car? | Behind the building.",
              user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq edit pay | Cash only.", user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq del refund", user=MODERATOR)
    await app.close()

    app, recorder = await faq_app(config, clock)
    try:
        parked = await ask(app, recorder, GROUP, "Where do I park my car?")
        assert parked[0].text.params["text"] == "Behind the building."
        paid = await ask(app, recorder, GROUP, "How do I pay for the course?")
        assert paid[0].text.params["text"] == "Cash only."
        assert await ask(app, recorder, GROUP, "How do I get a refund?") == []
        # The owner edits the file: chat edits still win, deletions still hide.
        write_faq(tmp_path / "faq.toml", [*ENTRIES[:2], FaqEntry(
            "refund", "en", ("How do I get a refund?",), "New refund text.")])
        assert await ask(app, recorder, VK_CHAT, "How do I get a refund?") == []
    finally:
        await app.close()


# --- bands (forced with a fake matcher) ----------------------------------------------------

RULES = {"pay": ("answer", "pay"), "money": ("suggest", "refund"), "weird": ("none", None)}


async def test_suggest_band_is_silent_in_groups(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    use_fake_matcher(app, RULES)
    assert await ask(app, recorder, GROUP, "where does my money go?") == []
    assert await ask(app, recorder, GROUP, "weird question?") == []
    assert (await ask(app, recorder, GROUP, "how to pay?"))[0].text.params["text"] == PAY


async def test_suggest_band_offers_buttons_in_private(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    use_fake_matcher(app, RULES)
    sent = await ask(app, recorder, PRIVATE, "where does my money go?")
    assert len(sent) == 1 and sent[0].text.key == "faq.did_you_mean"
    datas = [row[0].data for row in sent[0].buttons]
    assert datas == ["faq:show:refund", "faq:show:pay", "faq:show:schedule"]
    assert sent[0].buttons[0][0].label.params["text"] == "How do I get a refund?"
    assert (await ask(app, recorder, PRIVATE, "how to pay?"))[0].text.params["text"] == PAY
    assert await ask(app, recorder, PRIVATE, "weird question?") == []

    await app.pipeline.process(callback(PRIVATE, "faq:show:refund"))
    answered, shown = recorder.take()  # the press is answered first (Telegram times it out)
    assert isinstance(answered, AnswerCallback) and answered.text.key == "faq.shown"
    assert isinstance(shown, SendMessage) and shown.chat == PRIVATE
    assert shown.text.params["text"] == ENTRIES[2].answer
    await app.pipeline.process(callback(PRIVATE, "faq:show:refund"))  # a double tap
    (again,) = recorder.take()
    assert isinstance(again, AnswerCallback) and again.text.key == "faq.shown_above"


async def test_callback_for_a_deleted_entry(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, QUEUE, "/faq del refund", user=MODERATOR)
    await app.pipeline.process(callback(PRIVATE, "faq:show:refund"))
    actions = recorder.take()
    assert len(actions) == 1 and isinstance(actions[0], AnswerCallback)
    assert actions[0].text.key == "faq.gone" and actions[0].alert


# --- anti-repeat ---------------------------------------------------------------------------

async def test_same_question_within_the_window_points_to_the_earlier_answer(
        bot: tuple[App, Recorder], clock: FakeClock) -> None:
    app, recorder = bot
    first = await ask(app, recorder, GROUP, "How do I pay for the course?")
    answer_message_id = recorder.results[-1].message_id
    clock.advance(timedelta(minutes=10))
    second_event = message(GROUP, "can I pay by card?")
    await app.pipeline.process(second_event)
    second = recorder.sent()
    assert first[0].text.params["text"] == PAY
    assert [s.text.key for s in second] == ["faq.answered_above"]
    assert second[0].reply_to == answer_message_id  # quotes the earlier answer
    assert second[0].delete_after is not None
    assert "@u555" in texts(app, second)[0]
    # A different entry is answered normally meanwhile.
    other = await ask(app, recorder, GROUP, "When are the lessons?")
    assert other[0].text.key == RAW_KEY
    # After the window the answer is given again.
    clock.advance(timedelta(minutes=21))
    third = await ask(app, recorder, GROUP, "How do I pay for the course?")
    assert third[0].text.params["text"] == PAY


async def test_pointer_on_vk_chats_replies_to_the_asker(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, VK_CHAT, "How do I pay for the course?")
    event = message(VK_CHAT, "How do I pay for the course?")
    await app.pipeline.process(event)
    sent = recorder.sent()
    assert sent[0].text.key == "faq.answered_above" and sent[0].reply_to == event.message_id


async def test_anti_repeat_is_per_chat(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, GROUP, "How do I pay for the course?")
    sent = await ask(app, recorder, VK_CHAT, "How do I pay for the course?")
    assert sent[0].text.params["text"] == PAY


async def test_a_failed_answer_does_not_block_the_next_one(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    recorder.fail = lambda action: isinstance(action, SendMessage)
    await ask(app, recorder, GROUP, "How do I pay for the course?")
    recorder.fail = lambda action: False
    sent = await ask(app, recorder, GROUP, "How do I pay for the course?")
    assert sent[0].text.params["text"] == PAY


async def test_private_chats_are_answered_every_time(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    for _ in range(2):
        sent = await ask(app, recorder, PRIVATE, "How do I pay for the course?")
        assert sent[0].text.params["text"] == PAY


# --- gaps ----------------------------------------------------------------------------------

async def test_unanswered_group_questions_are_stored_as_gaps(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    use_fake_matcher(app, RULES)
    await ask(app, recorder, GROUP, "where does my money go?")     # suggest in a group: gap
    await ask(app, recorder, VK_WALL, "weird question?", thread_id="9")  # none: gap
    await ask(app, recorder, GROUP, "just chatting")              # not a question
    await ask(app, recorder, GROUP, "how to pay?")                # answered
    await ask(app, recorder, PRIVATE, "weird private question?")  # unanswered in private: a gap
    async with app.uow_factory() as uow:
        gaps = await uow.faq.gaps("demo", app.clock.now() - timedelta(days=1))
    assert [(g.chat, g.text, g.best_faq_id) for g in gaps] == [
        ("telegram:-1001", "where does my money go?", "refund"),
        ("vk:wall#9", "weird question?", None),
        (str(PRIVATE), "weird private question?", None),
    ]
    assert gaps[0].author == "telegram:555"


async def test_queue_chat_messages_are_not_faq_material(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, QUEUE, "How do I pay for the course?", user=MODERATOR)
    assert not [s for s in sent if s.text.key == RAW_KEY]
    assert not any(isinstance(a, NotifyQueue | DeleteMessage) for a in recorder.take())
