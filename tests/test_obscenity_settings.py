"""Per-community settings: extra words, allowed words, languages."""

from __future__ import annotations

import pytest

from filters.obscenity import ObscenityFilter


def test_mild_words_are_allowed_by_default() -> None:
    flt = ObscenityFilter()
    for text in ("ну ты и дурак", "блин, опять", "damn it", "what the hell", "this is crap",
                 "kiss my ass", "piss off", "жопа"):
        assert not flt.check(text).obscene, text


def test_extra_words_make_mild_words_obscene() -> None:
    flt = ObscenityFilter(extra_words=["дурак", "блин", "damn", "crap"])
    verdict = flt.check("ну ты и дурак")
    assert verdict.obscene
    match = verdict.matches[0]
    assert (match.word, match.lexicon, match.fragment) == ("дурак", "extra", "дурак")
    assert flt.check("дураки кругом").obscene
    assert flt.check("Блин!").obscene
    assert flt.check("damned printer").obscene
    assert flt.check("CRAP").obscene


def test_extra_words_see_through_disguises() -> None:
    flt = ObscenityFilter(extra_words=["дурак"])
    assert flt.check("ну ты и д у р а к").obscene
    assert flt.check("дуууурак").obscene
    assert flt.check("дyрaк").obscene
    assert flt.check("д*рак").obscene


def test_extra_words_do_not_leak_into_other_filters() -> None:
    ObscenityFilter(extra_words=["балбес"])
    assert not ObscenityFilter().check("балбес").obscene


def test_allowed_words_override_the_lexicon() -> None:
    flt = ObscenityFilter(allowed_words=["сука", "Dick"])
    assert not flt.check("сука").obscene
    assert not flt.check("dick").obscene
    assert flt.check("блядь").obscene


def test_allowed_word_is_matched_after_normalisation() -> None:
    flt = ObscenityFilter(allowed_words=["хер"])
    assert not flt.check("ХЕР").obscene
    assert not flt.check("xeр").obscene


def test_allowed_word_holds_in_hashtags_handles_and_with_a_year() -> None:
    """The owner's brand stays allowed where brands are written: glued to a year, in a
    hashtag of joined words and in the brand's own @handle; мат glued to it is still read."""
    flt = ObscenityFilter(allowed_words=["Хуяндай"])
    for text in ("Тест-драйв #Хуяндай2026", "Встречаемся в #Хуяндай_Сити",
                 "Вопросы пишите @хуяндай_авто"):
        assert not flt.check(text).obscene, text
    assert flt.check("#Хуяндай_хуйня").obscene


def test_languages_russian_only() -> None:
    flt = ObscenityFilter(languages=("ru",))
    assert flt.check("блядь").obscene
    assert flt.check("nahuy").obscene
    assert not flt.check("fuck this").obscene
    assert not flt.check("faggot").obscene


def test_languages_english_only() -> None:
    flt = ObscenityFilter(languages=("en",))
    assert flt.check("fuck this").obscene
    assert not flt.check("блядь").obscene
    assert not flt.check("nahuy").obscene
    assert not flt.check("чурка").obscene


def test_unknown_language_is_rejected() -> None:
    with pytest.raises(ValueError):
        ObscenityFilter(languages=("de",))


def test_filters_with_the_same_settings_agree() -> None:
    a = ObscenityFilter(extra_words=["дурак"])
    b = ObscenityFilter(extra_words=["дурак"])
    assert a.check("дурак") == b.check("дурак")
