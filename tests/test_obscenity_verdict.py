"""The verdict types: immutable, self-explaining."""

from __future__ import annotations

import dataclasses

import pytest

from filters.obscenity import Match, ObscenityFilter, Verdict


def test_clean_verdict() -> None:
    verdict = ObscenityFilter().check("Всем привет!")
    assert verdict == Verdict(False, ())
    assert verdict.explain() == "clean"


def test_explain_names_entry_place_and_normalised_form() -> None:
    text = ObscenityFilter().check("ну и x*йня").explain()
    assert text == 'хуй ← "x*йня" [5:10] → хуйня (ru.mat)'


def test_explain_shows_normalised_form_when_it_differs() -> None:
    text = ObscenityFilter().check("Пиииииздец").explain()
    assert "пиздец" in text


def test_types_are_frozen_and_slotted() -> None:
    match = Match("fuck", 0, 4, "fuck", "fuck", "en.profanity")
    with pytest.raises(dataclasses.FrozenInstanceError):
        match.word = "x"  # type: ignore[misc]
    assert not hasattr(match, "__dict__")
    verdict = Verdict(True, (match,))
    with pytest.raises(dataclasses.FrozenInstanceError):
        verdict.obscene = False  # type: ignore[misc]
    assert verdict.explain() == 'fuck ← "fuck" [0:4] (en.profanity)'


def test_empty_and_blank_messages_are_clean() -> None:
    flt = ObscenityFilter()
    assert flt.check("") == Verdict(False, ())
    assert flt.check("   \n\t ") == Verdict(False, ())
