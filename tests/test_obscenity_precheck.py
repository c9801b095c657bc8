"""The fast path must never hide a word the matcher knows: every listed word form is found
alone, inside a sentence, after the same sentence was seen clean, and capitalised."""

from __future__ import annotations

import pytest

from filters.obscenity import ObscenityFilter
from filters.obscenity.data import load_sections, load_words

FORMS = [word for words in load_sections("mask_forms.txt").values() for word in words]
# capitalised, these read as names (Dick Van Dyke): covered by the names test instead
NAMES = frozenset(load_words("en_names.txt"))


@pytest.fixture(scope="module")
def flt() -> ObscenityFilter:
    warm = ObscenityFilter()
    for text in ("ну и что тут у нас", "so what do we have here", "привет всем, как дела"):
        assert not warm.check(text).obscene  # fills the remembered-clean pieces
    return warm


@pytest.mark.parametrize("form", FORMS)
def test_every_form_is_found_through_the_fast_path(flt: ObscenityFilter, form: str) -> None:
    assert flt.check(form).obscene, form
    assert flt.check(f"ну и что тут {form} у нас").obscene, form
    assert flt.check(f"so what {form} do we have here").obscene, form
    assert flt.check(form.upper()).obscene, form
    if form not in NAMES:
        assert flt.check(form.capitalize() + "!").obscene, form


def test_remembered_clean_pieces_do_not_leak_between_settings() -> None:
    strict = ObscenityFilter(extra_words=["балбес"])
    relaxed = ObscenityFilter()
    assert not relaxed.check("ну ты балбес").obscene
    assert strict.check("ну ты балбес").obscene
    assert not relaxed.check("ну ты балбес").obscene
