"""The FAQ store's pieces: merging file and chat edits, ids, the library's rebuild rule, the repo."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from helpers_faq import ENTRIES, FakeMatcher, faq_app, feature, write_faq, write_faq_config

from bot.app import App
from bot.core.clock import FakeClock
from bot.core.faq.entries import FaqEntry
from bot.core.faq.library import FaqLibrary, thresholds_for
from bot.core.faq.matcher import FaqMatcher, Thresholds
from bot.core.faq.service import new_entry_id, slugify, split_questions
from bot.core.faq.store import FaqEditRecord, find, merge_entries
from bot.core.settings import AnswerSettings

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def edit(entry: FaqEntry, deleted: bool = False) -> FaqEditRecord:
    return FaqEditRecord(faq_id=entry.id, lang=entry.lang, questions=entry.questions,
                         answer=entry.answer, deleted=deleted, source="chat",
                         updated_by="telegram:900", updated_at=T0)


# --- merge and ids -------------------------------------------------------------------------

def test_chat_edits_override_hide_and_append() -> None:
    _, schedule, refund = ENTRIES
    new = FaqEntry("parking", "en", ("Where to park?",), "Behind.")
    changed = FaqEntry("pay", "en", ("How to pay?",), "Cash.")
    merged = merge_entries(ENTRIES, [edit(new), edit(changed), edit(schedule, deleted=True)])
    assert merged == (changed, refund, new)
    gone = FaqEntry("old", "en", ("Old?",), "Old.")
    assert merge_entries([], [edit(gone, deleted=True)]) == ()
    assert merge_entries(ENTRIES, []) == ENTRIES


def test_find_is_exact_first_then_case_insensitive() -> None:
    entries = [FaqEntry("Pay", "en", ("a",), "A"), FaqEntry("pay", "en", ("b",), "B")]
    assert find(entries, "pay") is entries[1]
    assert find(entries, "PAY") is entries[0]
    assert find(entries, "nope") is None


@pytest.mark.parametrize(("question", "slug"), [
    ("Как оплатить курс?", "kak-oplatit-kurs"),
    ("How do I pay for the course, please?", "how-do-i-pay-for"),
    ("Щётка и ёжик: подъезд?", "shchetka-i-ezhik-podezd"),
    ("🍺?", ""),
    ("Supercalifragilisticexpialidocious-extraordinarily long words", "supercalifragilisticexpialidocious"),
])
def test_slugs(question: str, slug: str) -> None:
    assert slugify(question) == slug
    assert len(slug) <= 40


def test_new_ids_are_unique() -> None:
    assert new_entry_id("Free beer?", set()) == "free-beer"
    assert new_entry_id("Free beer?", {"free-beer", "Free-Beer-2"}) == "free-beer-3"
    assert new_entry_id("?!", {"chat-1"}) == "chat-2"


def test_split_questions() -> None:
    assert split_questions(" How to pay? ; Card?\nCash? ;; ") == ("How to pay?", "Card?", "Cash?")
    assert split_questions("  ") == ()


def test_thresholds_come_from_config_or_matcher_defaults() -> None:
    assert thresholds_for(AnswerSettings()) == Thresholds()
    custom = thresholds_for(AnswerSettings(answer_threshold=0.8, suggest_threshold=0.2))
    assert custom == Thresholds(answer=0.8, suggest=0.2)
    half = thresholds_for(AnswerSettings(answer_threshold=0.9))
    assert half == Thresholds(answer=0.9, suggest=Thresholds().suggest)


# --- the library ---------------------------------------------------------------------------

class MemoryRepo:
    """Just the part of FaqRepo the library reads."""

    def __init__(self) -> None:
        self.rows: dict[str, FaqEditRecord] = {}
        self.version = 0
        self.edit_loads = 0

    async def revision(self, community: str) -> str:
        return str(self.version)

    async def edits(self, community: str) -> list[FaqEditRecord]:
        self.edit_loads += 1
        return list(self.rows.values())

    def put(self, entry: FaqEntry, deleted: bool = False) -> None:
        self.rows[entry.id] = edit(entry, deleted)
        self.version += 1


class CountingFactory:
    def __init__(self) -> None:
        self.built: list[tuple[tuple[str, ...], Thresholds]] = []

    def __call__(self, entries: Sequence[FaqEntry], thresholds: Thresholds) -> FakeMatcher:
        self.built.append((tuple(e.id for e in entries), thresholds))
        return FakeMatcher({}, entries)


async def test_library_rebuilds_only_when_content_changes(tmp_path: Path) -> None:
    path = tmp_path / "faq.toml"
    write_faq(path, ENTRIES)
    factory = CountingFactory()
    library = FaqLibrary({"demo": path}, factory)
    repo = MemoryRepo()
    settings = AnswerSettings()
    book = await library.book("demo", settings, repo)
    assert [e.id for e in book.entries] == ["pay", "schedule", "refund"]
    await library.book("demo", settings, repo)
    assert len(factory.built) == 1 and repo.edit_loads == 1

    repo.put(FaqEntry("parking", "en", ("Park?",), "Behind."))
    book = await library.book("demo", settings, repo)
    assert [e.id for e in book.entries] == ["pay", "schedule", "refund", "parking"]
    assert len(factory.built) == 2

    write_faq(path, ENTRIES)  # touched, same content
    await library.book("demo", settings, repo)
    assert len(factory.built) == 2

    write_faq(path, ENTRIES[:1])
    book = await library.book("demo", settings, repo)
    assert [e.id for e in book.entries] == ["pay", "parking"]

    custom = AnswerSettings(answer_threshold=0.9)
    await library.book("demo", custom, repo)
    assert factory.built[-1] == (("pay", "parking"), Thresholds(answer=0.9))
    assert library.builds == len(factory.built) == 4


async def test_library_without_file_or_entries(tmp_path: Path) -> None:
    factory = CountingFactory()
    library = FaqLibrary({"demo": None, "gone": tmp_path / "missing.toml"}, factory)
    repo = MemoryRepo()
    for name in ("demo", "gone"):
        book = await library.book(name, AnswerSettings(), repo)
        assert book.entries == () and book.matcher is None
        verdict = book.match("Is there a sauna?")
        assert verdict.band == "none" and verdict.is_question
        assert not book.match("good morning").is_question
    assert factory.built == []


# --- config thresholds reach the real matcher ----------------------------------------------

async def test_config_thresholds_reach_the_matcher(tmp_path: Path, clock: FakeClock) -> None:
    config = write_faq_config(tmp_path, answers="answer_threshold = 0.9\nsuggest_threshold = 0.2")
    app, _ = await faq_app(config, clock)
    try:
        async with app.uow_factory() as uow:
            book = await feature(app).book(app.config.community("demo"), uow)
        assert isinstance(book.matcher, FaqMatcher)
        assert book.matcher.thresholds == Thresholds(answer=0.9, suggest=0.2)
        assert list((tmp_path / ".modbot-cache" / "faq").glob("faq-*.pickle"))
    finally:
        await app.close()


# --- the SQL repository --------------------------------------------------------------------

async def test_sql_repo_revision_edits_and_answers(app: App) -> None:
    pay = ENTRIES[0]
    async with app.uow_factory() as uow:
        repo = uow.faq
        revisions = [await repo.revision("demo")]
        await repo.put("demo", pay, by="telegram:900", at=T0)
        revisions.append(await repo.revision("demo"))
        await repo.put("demo", FaqEntry("pay", "en", pay.questions, "Cash."), by="x", at=T0)
        revisions.append(await repo.revision("demo"))
        await repo.delete("demo", pay, by="x", at=T0)
        revisions.append(await repo.revision("demo"))
        assert len(set(revisions)) == 4  # every write changes it, even at the same instant
        assert await repo.revision("other") == revisions[0]
        edits = await repo.edits("demo")
        assert [(e.faq_id, e.answer, e.deleted) for e in edits] == [("pay", pay.answer, True)]

        first = await repo.add_answer("demo", "telegram:-1001", "pay", T0)
        await repo.set_answer_message(first, "77")
        found = await repo.last_answer("demo", "telegram:-1001", "pay", T0 - timedelta(minutes=1))
        assert found is not None and found.message_id == "77"
        assert await repo.last_answer("demo", "telegram:-1001", "pay",
                                      T0 + timedelta(seconds=1)) is None
        assert await repo.last_answer("demo", "vk:wall#1", "pay", T0) is None
        await repo.drop_answer(first)
        assert await repo.last_answer("demo", "telegram:-1001", "pay", T0) is None

        await repo.add_gap("demo", "telegram:-1001", "x" * 5000, None, None, 0.0, T0)
        gaps = await repo.gaps("demo", T0)
        assert len(gaps) == 1 and len(gaps[0].text) == 1000
        await uow.commit()


def test_index_cache_lives_next_to_the_database_or_in_the_user_cache(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.config import load_config
    from bot.features.faq import cache_dir

    config_path = write_faq_config(tmp_path)
    assert cache_dir(load_config(config_path)) == tmp_path / ".modbot-cache" / "faq"
    text = config_path.read_text(encoding="utf-8")
    config_path.write_text(text.replace("sqlite+aiosqlite:///modbot.db",
                                        "postgresql+asyncpg://bot@db/modbot"), encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir(load_config(config_path)) == tmp_path / "xdg" / "modbot" / "faq"
