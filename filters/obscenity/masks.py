"""Wildcard masks (х*й, п...ц, на х**, f**k): which known word form a mask can stand for."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from .data import load_sections

_LATIN = re.compile("[a-z]+")
_MASK_PART = re.compile(r"([*#]+)|(\.{2,}|…)|(\w)|(.)", re.S)


@functools.lru_cache(maxsize=2048)
def mask_regex(text: str) -> re.Pattern[str] | None:
    """Turn a masked word (х*й, п...ц, f**k) into a regex over the mask-forms text."""
    parts: list[str] = []
    letters = 0
    for stars, dots, letter, other in _MASK_PART.findall(text):
        if stars:
            parts.append(rf"\w{{1,{len(stars) + 1}}}")
        elif dots:
            parts.append(r"\w{1,6}")
        elif letter:
            parts.append(re.escape(letter))
            letters += 1
        elif other:
            return None
    if letters == 0:
        return None
    return re.compile("^" + "".join(parts) + "$", re.M)


class MaskForms:
    """The word forms of ``data/mask_forms.txt`` (plus owner extras) a mask is compared with."""

    def __init__(self, ru: bool, en: bool, extras: Mapping[str, str]) -> None:
        lexicon_of: dict[str, str] = {}
        for section, words in load_sections("mask_forms.txt").items():
            for word in words:
                cyrillic = _LATIN.fullmatch(word) is None
                if (cyrillic and not ru) or (not cyrillic and not en):
                    continue
                lexicon_of[word.replace("ё", "е")] = section
        for norm in extras:
            lexicon_of[norm] = "extra"
        self._lexicon_of = lexicon_of
        # one string, one form per line: a mask becomes one multi-line regex search
        self._text = "\n".join(lexicon_of)

    def latin_forms(self) -> list[str]:
        """The listed English forms (fuck, twat, wanker…)."""
        return [form for form in self._lexicon_of if _LATIN.fullmatch(form)]

    def lexicon_of(self, form: str) -> str | None:
        """The lexicon of a listed word form (ё read as е), or None for any other word."""
        return self._lexicon_of.get(form)

    def match(self, masked: str) -> tuple[str, str] | None:
        """The first form the masked word can stand for, and its lexicon."""
        pattern = mask_regex(masked)
        if pattern is None:
            return None
        found = pattern.search(self._text)
        if found is None:
            return None
        return found.group(), self._lexicon_of[found.group()]
