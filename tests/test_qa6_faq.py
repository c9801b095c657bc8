"""QA6: the FAQ features end to end, as owners, moderators and members rely on them.

Not the matching quality: commands, reloads, bands and thresholds from config, the repeat
window, gaps, export/import and the faq-match line tool.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import queue
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_faq import (
    ENTRIES,
    GROUP,
    MODERATOR,
    PRIVATE,
    QUEUE,
    VK_CHAT,
    Recorder,
    callback,
    faq_app,
    message,
    texts,
    write_faq,
    write_faq_config,
)

from bot.app import App
from bot.cli import main
from bot.core.actions import AnswerCallback, SendMessage
from bot.core.clock import FakeClock
from bot.core.events import ReplyTarget
from bot.core.faq.entries import FaqEntry, dump_faq_file, load_faq_file
from bot.core.texts import RAW_KEY

PAY, SCHEDULE, REFUND = (e.answer for e in ENTRIES)
PARAPHRASE_REFUND = "is a refund possible?"  # answered (~0.95) with the default threshold
MIDDLE_PAY = "can I use paypal for the course?"  # middle band (~0.77)
ROOT = Path(__file__).resolve().parents[1]


async def ask(app: App, recorder: Recorder, *args: object, **kwargs: object) -> list[SendMessage]:
    await app.pipeline.process(message(*args, **kwargs))  # type: ignore[arg-type]
    return recorder.sent()


def answer_texts(sent: list[SendMessage]) -> list[str]:
    return [str(s.text.params["text"]) for s in sent if s.text.key == RAW_KEY]


def config_with(folder: Path, answers: str) -> Path:
    """The helper config with the `[community.answers]` body replaced by `answers`."""
    path = write_faq_config(folder)
    text = path.read_text(encoding="utf-8").replace('repeat_window = "30m"\n', "")
    path.write_text(text.replace("[community.answers]\n", f"[community.answers]\n{answers}\n"),
                    encoding="utf-8")
    return path


async def gaps_of(app: App) -> list[str]:
    async with app.uow_factory() as uow:
        return [g.text for g in await uow.faq.gaps("demo", app.clock.now() - timedelta(days=1))]


@pytest.fixture
async def bot(tmp_path: Path, clock: FakeClock):  # type: ignore[no-untyped-def]
    app, recorder = await faq_app(write_faq_config(tmp_path), clock)
    yield app, recorder
    await app.close()


# --- /faq for everyone -------------------------------------------------------------------------

async def test_vk_member_lists_topics_with_bang_faq(bot: tuple[App, Recorder]) -> None:
    """README: commands also start with `!` on VK; `/faq` lists for anyone."""
    app, recorder = bot
    sent = await ask(app, recorder, VK_CHAT, "!faq")
    body = "\n".join(texts(app, sent))
    assert "pay — How do I pay for the course?" in body
    assert "schedule — When are the lessons?" in body


async def test_faq_id_in_a_group_shows_the_answer_any_case(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    event = message(GROUP, "/faq Schedule")
    await app.pipeline.process(event)
    sent = recorder.sent()
    assert answer_texts(sent) == [SCHEDULE]
    assert sent[0].chat == GROUP


async def test_list_and_show_follow_adds_and_deletes(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    await ask(app, recorder, QUEUE, "/faq add Is there wifi?; Do you have wifi? | Yes, ask at "
              "the desk.", user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq del refund", user=MODERATOR)
    listing = "\n".join(texts(app, await ask(app, recorder, GROUP, "/faq")))
    assert "is-there-wifi — Is there wifi?" in listing
    assert "refund" not in listing
    gone = await ask(app, recorder, PRIVATE, "/faq refund")
    assert [(s.text.key, s.text.params.get("id")) for s in gone] == [("faq.not_found", "refund")]
    shown = await ask(app, recorder, PRIVATE, "/faq is-there-wifi")
    assert answer_texts(shown) == ["Yes, ask at the desk."]
    # The second wording is a wording too: members asking it get the answer.
    assert answer_texts(await ask(app, recorder, GROUP, "Do you have wifi?")) == [
        "Yes, ask at the desk."]


async def test_empty_faq_says_so(tmp_path: Path, clock: FakeClock) -> None:
    config = write_faq_config(tmp_path, entries=[])
    (tmp_path / "faq.toml").write_text("faq = []\n", encoding="utf-8")
    app, recorder = await faq_app(config, clock)
    try:
        sent = await ask(app, recorder, GROUP, "/faq")
        assert texts(app, sent) == ["The FAQ is empty for now."]
    finally:
        await app.close()


# --- moderators' edits -------------------------------------------------------------------------

async def test_member_edit_is_refused_and_changes_nothing(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, GROUP, "/faq edit pay | Everything is free!")
    assert texts(app, sent) == ["Sorry, only moderators can use /faq edit."]
    assert answer_texts(await ask(app, recorder, PRIVATE, "/faq pay")) == [PAY]


async def test_add_in_reply_to_a_message_without_text_gets_usage(
        bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    photo = ReplyTarget("41", None, "")
    sent = await ask(app, recorder, QUEUE, "/faq add What does the hall look like?",
                     user=MODERATOR, reply_to=photo)
    assert [s.text.key for s in sent] == ["faq.usage"]
    listing = "\n".join(texts(app, await ask(app, recorder, PRIVATE, "/faq")))
    assert "hall" not in listing


async def test_too_long_question_is_refused(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, QUEUE, "/faq add " + "why " * 100 + "? | Because.",
                     user=MODERATOR)
    assert [s.text.key for s in sent] == ["faq.too_long"]


async def test_edit_question_and_answer_survives_restart(tmp_path: Path,
                                                         clock: FakeClock) -> None:
    config = write_faq_config(tmp_path)
    app, recorder = await faq_app(config, clock)
    sent = await ask(app, recorder, QUEUE,
                     "/faq edit schedule When do the classes start? | Mondays at 6 pm.",
                     user=MODERATOR)
    assert texts(app, sent) == ["Updated schedule: When do the classes start?"]
    await app.close()

    app, recorder = await faq_app(config, clock)
    try:
        assert answer_texts(await ask(app, recorder, PRIVATE, "/faq schedule")) == [
            "Mondays at 6 pm."]
        listing = "\n".join(texts(app, await ask(app, recorder, GROUP, "/faq")))
        assert "schedule — When do the classes start?" in listing
        assert answer_texts(await ask(app, recorder, GROUP, "When do the classes start?")) == [
            "Mondays at 6 pm."]
    finally:
        await app.close()


async def test_file_and_chat_edits_coexist_after_a_reload(tmp_path: Path,
                                                          bot: tuple[App, Recorder]) -> None:
    """Chat edits win for their entries; the owner's file changes reach the others."""
    app, recorder = bot
    await ask(app, recorder, QUEUE, "/faq add Where do I park my car? | Behind the building.",
              user=MODERATOR)
    await ask(app, recorder, QUEUE, "/faq edit pay | Cash only.", user=MODERATOR)
    wifi = FaqEntry("wifi", "en", ("What is the wifi password?",), "It is on the board.")
    schedule = FaqEntry("schedule", "en", ("When are the lessons?",), "Lessons are on Mondays.")
    changed_pay = FaqEntry("pay", "en", ENTRIES[0].questions, "File says: card only.")
    write_faq(tmp_path / "faq.toml", [changed_pay, schedule, ENTRIES[2], wifi])
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    assert answer_texts(await ask(app, recorder, GROUP, "What is the wifi password?")) == [
        "It is on the board."]
    assert answer_texts(await ask(app, recorder, GROUP, "When are the lessons?")) == [
        "Lessons are on Mondays."]
    assert answer_texts(await ask(app, recorder, GROUP, "Where do I park my car?")) == [
        "Behind the building."]
    assert answer_texts(await ask(app, recorder, PRIVATE, "/faq pay")) == ["Cash only."]


# --- file reloads ------------------------------------------------------------------------------

async def test_broken_file_is_logged_with_file_and_key_then_a_fix_is_picked_up(
        tmp_path: Path, bot: tuple[App, Recorder], caplog: pytest.LogCaptureFixture) -> None:
    app, recorder = bot
    assert answer_texts(await ask(app, recorder, GROUP, "How do I get a refund?")) == [REFUND]
    path = tmp_path / "faq.toml"
    path.write_text('[[faq]]\nid = "pay"\nlang = "en"\nquestions = ["How do I pay?"]\n',
                    encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    with caplog.at_level(logging.WARNING):
        await app.pipeline.tick()
    logged = "\n".join(r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING)
    assert str(path) in logged and "faq[0].answer" in logged
    # The last good FAQ keeps answering.
    assert answer_texts(await ask(app, recorder, GROUP, "When are the lessons?")) == [SCHEDULE]
    # The owner fixes the file: picked up without a restart.
    write_faq(path, [FaqEntry("pay", "en", ("How do I pay?",), "Fixed: card only.")])
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    assert answer_texts(await ask(app, recorder, PRIVATE, "/faq pay")) == ["Fixed: card only."]
    assert answer_texts(await ask(app, recorder, GROUP, "How do I pay?")) == [
        "Fixed: card only."]
    assert await ask(app, recorder, VK_CHAT, "When are the lessons?") == []


async def test_removed_file_keeps_the_last_good_faq(tmp_path: Path,
                                                   bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    assert answer_texts(await ask(app, recorder, GROUP, "When are the lessons?")) == [SCHEDULE]
    (tmp_path / "faq.toml").unlink()
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    assert answer_texts(await ask(app, recorder, GROUP, "How do I get a refund?")) == [REFUND]


async def test_file_broken_right_after_start_keeps_the_faq_checked_at_start(
        tmp_path: Path, bot: tuple[App, Recorder]) -> None:
    """The file was valid when the bot started (`modbot run` builds every FAQ before polling:
    warm_up); an owner's typo before the first question must not leave the bot with no FAQ."""
    from bot.runtime.run import warm_up

    app, recorder = bot
    await warm_up(app)
    path = tmp_path / "faq.toml"
    path.write_text('[[faq]]\nid = "pay"\n', encoding="utf-8")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    app.clock.advance(timedelta(seconds=3))  # type: ignore[attr-defined]
    assert answer_texts(await ask(app, recorder, GROUP, "How do I get a refund?")) == [REFUND]


# --- bands and thresholds (real matcher) -------------------------------------------------------

async def test_middle_band_private_buttons_and_press_real_matcher(
        bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    sent = await ask(app, recorder, PRIVATE, MIDDLE_PAY)
    assert [s.text.key for s in sent] == ["faq.did_you_mean"]
    assert texts(app, sent) == ["Did you mean one of these?"]
    first = sent[0].buttons[0][0]
    assert first.data == "faq:show:pay"
    assert first.label.params["text"] == "How do I pay for the course?"
    await app.pipeline.process(callback(PRIVATE, first.data))
    actions = recorder.take()
    answers = [a for a in actions if isinstance(a, SendMessage)]
    assert answer_texts(answers) == [PAY] and answers[0].chat == PRIVATE
    assert any(isinstance(a, AnswerCallback) for a in actions)
    # The same question in the group: silence, kept as a gap.
    assert await ask(app, recorder, GROUP, MIDDLE_PAY) == []
    assert await gaps_of(app) == [MIDDLE_PAY]


async def test_default_threshold_answers_the_paraphrase(bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    assert answer_texts(await ask(app, recorder, GROUP, PARAPHRASE_REFUND)) == [REFUND]


async def test_high_answer_threshold_silences_the_paraphrase_in_groups(
        tmp_path: Path, clock: FakeClock) -> None:
    app, recorder = await faq_app(config_with(tmp_path, "answer_threshold = 0.99"), clock)
    try:
        assert await ask(app, recorder, GROUP, PARAPHRASE_REFUND) == []
        assert await gaps_of(app) == [PARAPHRASE_REFUND]
        # Exact questions still clear it.
        assert answer_texts(await ask(app, recorder, GROUP, "How do I get a refund?")) == [REFUND]
    finally:
        await app.close()


async def test_suggest_threshold_from_config_turns_a_paraphrase_into_buttons_in_private(
        tmp_path: Path, clock: FakeClock) -> None:
    answers = "answer_threshold = 0.99\nsuggest_threshold = 0.5"
    app, recorder = await faq_app(config_with(tmp_path, answers), clock)
    try:
        sent = await ask(app, recorder, PRIVATE, PARAPHRASE_REFUND)
        assert [s.text.key for s in sent] == ["faq.did_you_mean"]
        assert sent[0].buttons[0][0].data == "faq:show:refund"
    finally:
        await app.close()


async def test_suggest_threshold_above_the_score_gives_silence_in_private(
        tmp_path: Path, clock: FakeClock) -> None:
    answers = "answer_threshold = 0.99\nsuggest_threshold = 0.95"
    app, recorder = await faq_app(config_with(tmp_path, answers), clock)
    try:
        assert await ask(app, recorder, PRIVATE, MIDDLE_PAY) == []
    finally:
        await app.close()


async def test_disabled_answers_are_silent_everywhere_and_keep_no_gaps(
        tmp_path: Path, clock: FakeClock) -> None:
    app, recorder = await faq_app(config_with(tmp_path, "enabled = false"), clock)
    try:
        assert await ask(app, recorder, PRIVATE, "How do I pay for the course?") == []
        assert await ask(app, recorder, PRIVATE, MIDDLE_PAY) == []
        assert await ask(app, recorder, GROUP, "Is there parking near the school?") == []
        assert await gaps_of(app) == []
    finally:
        await app.close()


# --- repeat window -----------------------------------------------------------------------------

async def test_configured_repeat_window_is_respected(tmp_path: Path, clock: FakeClock) -> None:
    app, recorder = await faq_app(config_with(tmp_path, 'repeat_window = "5m"'), clock)
    try:
        assert answer_texts(await ask(app, recorder, GROUP, "How do I pay for the course?")) == [
            PAY]
        clock.advance(timedelta(minutes=3))
        again = await ask(app, recorder, GROUP, "Can I pay by card?")
        assert [s.text.key for s in again] == ["faq.answered_above"]
        assert answer_texts(await ask(app, recorder, GROUP, "When are the lessons?")) == [
            SCHEDULE]
        clock.advance(timedelta(minutes=3))  # 6 minutes after the first answer
        assert answer_texts(await ask(app, recorder, GROUP, "How do I pay for the course?")) == [
            PAY]
    finally:
        await app.close()


async def test_repeat_window_holds_across_a_restart(tmp_path: Path, clock: FakeClock) -> None:
    config = write_faq_config(tmp_path)
    app, recorder = await faq_app(config, clock)
    await ask(app, recorder, GROUP, "How do I pay for the course?")
    await app.close()
    clock.advance(timedelta(minutes=5))
    app, recorder = await faq_app(config, clock)
    try:
        sent = await ask(app, recorder, GROUP, "How do I pay for the course?")
        assert [s.text.key for s in sent] == ["faq.answered_above"]
    finally:
        await app.close()


# --- gaps --------------------------------------------------------------------------------------

async def test_redelivered_question_is_one_gap(bot: tuple[App, Recorder]) -> None:
    """README: handlers are idempotent by platform message id."""
    app, _ = bot
    event = message(GROUP, "Is there parking near the school?")
    await app.pipeline.process(event)
    await app.pipeline.process(event)
    assert await gaps_of(app) == ["Is there parking near the school?"]


def test_gaps_cli_by_community_groups_and_orders(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    config = write_faq_config(tmp_path)

    async def chat() -> None:
        app, _ = await faq_app(config, FakeClock(datetime.now(UTC)))
        try:
            for chat, text in [
                (GROUP, "Can I bring my dog?"), (VK_CHAT, "Is there a sauna?"),
                (GROUP, "Are dogs allowed here?"), (GROUP, "lol same here"),
                (VK_CHAT, "Does the gym have a sauna?"), (GROUP, "Can I bring my dog inside?"),
                (GROUP, "When are the lessons?"), (PRIVATE, "Is there a pool?"),
            ]:
                await app.pipeline.process(message(chat, text))
        finally:
            await app.close()

    asyncio.run(chat())
    assert main(["faq", "gaps", "--config", str(config), "--community", "demo"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("6 unanswered questions in demo")  # the private one too
    heads = [line.split(None, 1) for line in lines[1:] if line.strip()[:1].isdigit()]
    assert [count for count, _ in heads] == ["3", "2", "1"]
    assert "dog" in heads[0][1] and "sauna" in heads[1][1] and "pool" in heads[2][1]
    assert "lol" not in out and "lessons" not in out


# --- export / import ---------------------------------------------------------------------------

async def test_import_reaches_a_running_bot_without_restart(tmp_path: Path,
                                                            clock: FakeClock) -> None:
    config = write_faq_config(tmp_path)
    app, recorder = await faq_app(config, clock)
    try:
        assert answer_texts(await ask(app, recorder, GROUP, "How do I get a refund?")) == [REFUND]
        patch = tmp_path / "patch.toml"
        patch.write_text(dump_faq_file([
            FaqEntry("refund", "en", ("How do I get a refund?",), "No refunds any more."),
            FaqEntry("parking", "en", ("Where do I park my car?",), "Behind the building."),
        ]), encoding="utf-8")
        assert await asyncio.to_thread(
            main, ["faq", "import", str(patch), "--config", str(config)]) == 0
        clock.advance(timedelta(seconds=3))
        assert answer_texts(await ask(app, recorder, VK_CHAT, "How do I get a refund?")) == [
            "No refunds any more."]
        assert answer_texts(await ask(app, recorder, GROUP, "Where do I park my car?")) == [
            "Behind the building."]
    finally:
        await app.close()


def test_export_import_round_trip_keeps_several_wordings(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    config = write_faq_config(first)

    async def add() -> None:
        app, recorder = await faq_app(config, FakeClock())
        try:
            await ask(app, recorder, QUEUE, "/faq add Is there wifi?; Do you have wifi? | Yes.",
                      user=MODERATOR)
        finally:
            await app.close()

    asyncio.run(add())
    exported = tmp_path / "out.toml"
    assert main(["faq", "export", str(exported), "--config", str(config),
                 "--community", "demo"]) == 0
    wifi = [e for e in load_faq_file(exported) if e.id == "is-there-wifi"]
    assert wifi and wifi[0].questions == ("Is there wifi?", "Do you have wifi?")
    other = write_faq_config(second, entries=[])
    (second / "faq.toml").write_text("faq = []\n", encoding="utf-8")
    assert main(["faq", "import", str(exported), "--config", str(other),
                 "--community", "demo"]) == 0
    capsys.readouterr()
    assert main(["faq", "export", "-", "--config", str(other), "--community", "demo"]) == 0
    assert capsys.readouterr().out == exported.read_text(encoding="utf-8")


# --- faq-match through the real command line ---------------------------------------------------

def _spawn(faq: Path) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "bot", "faq-match", "--faq", str(faq)],
                            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, encoding="utf-8")


def test_faq_match_cli_answers_each_line_as_it_arrives(tmp_path: Path) -> None:
    faq = tmp_path / "faq.toml"
    write_faq(faq, ENTRIES)
    proc = _spawn(faq)
    lines: queue.Queue[str] = queue.Queue()
    reader = threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True)
    reader.start()
    assert proc.stdin is not None
    try:
        inputs = [
            json.dumps({"id": "a1", "text": "How do I pay for the course?"}),
            "{broken json",
            json.dumps({"id": 42}),
            json.dumps({"id": "a4", "text": "nice weather today"}),
            json.dumps({"id": "a5", "text": MIDDLE_PAY}),
        ]
        got = []
        for line in inputs:  # the next line is written only after the previous answer came
            proc.stdin.write(line + "\n")
            proc.stdin.flush()
            got.append(json.loads(lines.get(timeout=120)))
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert got[0]["id"] == "a1" and got[0]["faq_id"] == "pay" and got[0]["score"] > 0.85
    assert got[1]["id"] is None and "error" in got[1]
    assert got[2]["id"] == 42 and "error" in got[2] and "text" in got[2]["error"]
    assert got[3]["id"] == "a4" and got[3]["faq_id"] is None and "score" in got[3]
    assert got[4]["id"] == "a5" and got[4]["faq_id"] is None  # not an answer: no faq_id


def test_faq_match_cli_broken_faq_names_file_and_key(tmp_path: Path) -> None:
    faq = tmp_path / "faq.toml"
    faq.write_text('[[faq]]\nid = "x"\nlang = "en"\nquestions = []\nanswer = "A"\n',
                   encoding="utf-8")
    proc = _spawn(faq)
    out, err = proc.communicate('{"id": 1, "text": "hi?"}\n', timeout=120)
    assert proc.returncode == 1 and out == ""
    assert str(faq) in err and "faq[0].questions" in err
    assert "Traceback" not in err


# --- more owner / moderator expectations -------------------------------------------------------

async def test_after_an_answer_is_edited_the_next_asker_gets_the_new_answer(
        bot: tuple[App, Recorder], clock: FakeClock) -> None:
    """A pointer to an answer the moderators have since corrected would send members to
    outdated information."""
    app, recorder = bot
    assert answer_texts(await ask(app, recorder, GROUP, "How do I pay for the course?")) == [PAY]
    await ask(app, recorder, QUEUE, "/faq edit pay | Card payments are suspended; transfer only.",
              user=MODERATOR)
    clock.advance(timedelta(minutes=2))
    sent = await ask(app, recorder, GROUP, "How do I pay for the course?")
    assert [s.text.key for s in sent] == [RAW_KEY], [s.text.key for s in sent]
    assert answer_texts(sent) == ["Card payments are suspended; transfer only."]


async def test_moderator_can_edit_in_a_private_chat_with_the_bot(
        bot: tuple[App, Recorder]) -> None:
    app, recorder = bot
    from bot.core.chats import ChatRef
    private_mod = ChatRef("telegram", "900")
    sent = await ask(app, recorder, private_mod, "/faq add Is there a locker room? | Yes, "
                     "downstairs.", user=MODERATOR)
    assert [s.text.key for s in sent] == ["faq.added"]
    assert answer_texts(await ask(app, recorder, GROUP, "Is there a locker room?")) == [
        "Yes, downstairs."]


async def test_english_entry_added_in_chat_of_a_bilingual_russian_community_is_answered(
        tmp_path: Path, clock: FakeClock) -> None:
    ru = FaqEntry("oplata", "ru", ("Как оплатить курс?",), "Картой на сайте.")
    en = FaqEntry("pay-en", "en", ("How do I pay for the course?",), "By card on the website.")
    config = write_faq_config(tmp_path, [ru, en])
    config.write_text(config.read_text(encoding="utf-8").replace('language = "en"',
                                                                 'language = "ru"'),
                      encoding="utf-8")
    app, recorder = await faq_app(config, clock)
    try:
        sent = await ask(app, recorder, QUEUE, "/faq add Where do I park my car? | Behind the "
                         "building.", user=MODERATOR)
        assert [s.text.key for s in sent] == ["faq.added"]
        assert answer_texts(await ask(app, recorder, GROUP, "Where do I park my car?")) == [
            "Behind the building."]
    finally:
        await app.close()


async def test_import_brings_back_an_entry_deleted_in_chat(tmp_path: Path,
                                                           clock: FakeClock) -> None:
    config = write_faq_config(tmp_path)
    app, recorder = await faq_app(config, clock)
    try:
        await ask(app, recorder, QUEUE, "/faq del refund", user=MODERATOR)
        assert await ask(app, recorder, GROUP, "How do I get a refund?") == []
        patch = tmp_path / "patch.toml"
        patch.write_text(dump_faq_file([
            FaqEntry("refund", "en", ("How do I get a refund?",), "Refunds within 7 days.")]),
            encoding="utf-8")
        assert await asyncio.to_thread(
            main, ["faq", "import", str(patch), "--config", str(config)]) == 0
        clock.advance(timedelta(seconds=3))
        assert answer_texts(await ask(app, recorder, VK_CHAT, "How do I get a refund?")) == [
            "Refunds within 7 days."]
    finally:
        await app.close()
