"""Reading Russian written in Latin letters: by sound (blyat → блят) or by shape (cyka → сука)."""

from __future__ import annotations

import re

from .data import load_translit

_VOWELS = frozenset("аеиоуыэюяё")
#: spellings of е after a separating sign, and what cannot stand before one
_SEPARATED = frozenset({"ye", "je", "yo", "jo", "'e", "'o"})
_NOT_BEFORE_SIGN = _VOWELS | {"ъ", "ь"}
#: Latin letters that look like Cyrillic ones; a word made only of them may be Russian in disguise
SHAPE_LETTERS = frozenset("abcehkmoptxyuinr")
#: how a word made of SHAPE_LETTERS reads in Cyrillic
SHAPE_TO_CYR = str.maketrans(
    {"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о", "p": "р",
     "t": "т", "x": "х", "y": "у", "u": "и", "i": "и", "n": "п", "r": "г"}
)


class Transliterator:
    """Latin → Cyrillic reading of Russian written in Latin letters (blyat → блят)."""

    def __init__(self) -> None:
        pairs, self.stems = load_translit()
        self._map = dict(pairs)
        # "y" is not in the pairs: it reads as й after a vowel and as ы elsewhere
        self._regex = re.compile("|".join([re.escape(latin) for latin, _ in pairs] + ["y"]))

    def __call__(self, word: str, *, hard_sign: bool = False) -> str:
        """The Cyrillic reading; with ``hard_sign``, "ye"/"je"/"yo" after a consonant read as
        ъе, the separating sign writers spell by sound (razyebay → разъебай, sjebal → съебал)."""
        out: list[str] = []
        for piece in self._regex.findall(word):
            if piece == "y":
                out.append("й" if out and out[-1] in _VOWELS else "ы")
            elif hard_sign and piece in _SEPARATED and out and out[-1] not in _NOT_BEFORE_SIGN:
                out.append("ъ" + self._map[piece])
            else:
                out.append(self._map[piece])
        return "".join(out)
