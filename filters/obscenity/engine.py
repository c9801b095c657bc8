"""The obscenity filter: the fast pre-check in front of the word-by-word matcher."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Sequence

from .lexicon import Lexicon
from .model import CLEAN, Match, Verdict
from .normalize import Script, normalize_word
from .prefilter import (
    ANY_CYRILLIC,
    MIXED_SCRIPT,
    VS_AFTER_LETTER,
    WEIRD,
    build_trigger,
)
from .tokens import Token, tokenize

_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_PLAIN_WORD = re.compile("[a-z]+|[а-яё]+")
# beyond this many letters a spaced run is searched for a word inside it, not matched whole
_RUN_WINDOW = 12
_RUN_ATTEMPTS = 400


@functools.lru_cache(maxsize=64)
def _compiled(
    languages: tuple[str, ...], extra: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[Lexicon, re.Pattern[str]]:
    """Build (and share between filters with the same settings) a lexicon and its trigger."""
    lexicon = Lexicon(languages, extra, allowed)
    return lexicon, build_trigger(lexicon.stems)


class ObscenityFilter:
    """Decides whether a chat message is obscene, and explains why.

    Settings are per community: ``languages`` picks the lexicons (``"ru"``, ``"en"``),
    ``extra_words`` adds words the owner wants removed (mild ones like «дурак» included; a word
    also matches with up to three more letters: дураки), ``allowed_words`` lists words never to
    report.  What to do with an obscene message is the caller's business.
    """

    def __init__(
        self,
        *,
        languages: Sequence[str] = ("ru", "en"),
        extra_words: Sequence[str] = (),
        allowed_words: Sequence[str] = (),
    ) -> None:
        unknown = set(languages) - {"ru", "en"}
        if unknown:
            raise ValueError(f"unsupported languages: {sorted(unknown)}")
        self._lexicon, self._trigger = _compiled(
            tuple(sorted(set(languages))), tuple(extra_words), tuple(allowed_words)
        )

    def check(self, text: str) -> Verdict:
        """Return the verdict for one message."""
        lowered = text.lower()
        if self._trigger.search(" " + lowered) is None and (
            lowered.isascii() or not self._suspicious_unicode(lowered)
        ):
            return CLEAN
        return self._full_check(text)

    @staticmethod
    def _suspicious_unicode(lowered: str) -> bool:
        """Non-ASCII disguises the trigger cannot see: marks, look-alikes, compatibility forms."""
        if WEIRD.search(lowered) is not None:
            return True
        if "\ufe0f" in lowered and VS_AFTER_LETTER.search(lowered) is not None:
            return True
        if not unicodedata.is_normalized("NFKC", lowered):
            return True
        return ANY_CYRILLIC.search(lowered) is not None and MIXED_SCRIPT.search(lowered) is not None

    def _full_check(self, text: str) -> Verdict:
        default = self._default_script(text)
        matches: list[Match] = []
        for token in tokenize(text):
            match = self._match_token(text, token, default)
            if match is not None:
                matches.append(match)
        if not matches:
            return CLEAN
        return Verdict(True, tuple(matches))

    @staticmethod
    def _default_script(text: str) -> Script:
        """The script of the message as a whole, for words whose letters do not decide."""
        cyrillic = len(_CYRILLIC_LETTER.findall(text))
        latin = len(_LATIN_LETTER.findall(text))
        return Script.LAT if latin > cyrillic else Script.CYR

    def _match_token(self, text: str, token: Token, default: Script) -> Match | None:
        if not token.spaced:
            lowered = token.text.lower()
            if _PLAIN_WORD.fullmatch(lowered) and self._trigger.search(" " + lowered) is None:
                return None
        word = normalize_word(token.text, default)
        if word is None:
            return None
        hit = self._lexicon.match(word)
        if hit is not None:
            return Match(hit.name, token.start, token.end, text[token.start:token.end],
                         hit.normalized, hit.lexicon)
        if token.spaced and len(word.text) > 3:
            return self._search_run(text, token, default)
        return None

    def _search_run(self, text: str, token: Token, default: Script) -> Match | None:
        """Find a word inside a long spaced run («п р и в е т х у й»).

        Only windows that start where the trigger sees a stem are tried, and their number is
        bounded, so a 4096-letter run costs a few milliseconds at most.
        """
        letters = token.text
        lowered = " " + letters.lower()
        attempts = 0
        for found in self._trigger.finditer(lowered):
            begin = max(found.start() - 1, 0)
            for start in range(max(begin - 4, 0), begin + 1):
                for stop in range(found.end() - 1, min(len(letters), start + _RUN_WINDOW) + 1):
                    attempts += 1
                    if attempts > _RUN_ATTEMPTS:
                        return None
                    word = normalize_word(letters[start:stop], default)
                    hit = None if word is None else self._lexicon.match(word)
                    if hit is not None:
                        return Match(hit.name, token.start, token.end,
                                     text[token.start:token.end], hit.normalized, hit.lexicon)
        return None
