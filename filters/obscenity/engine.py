"""The obscenity filter: the fast pre-check in front of the word-by-word matcher."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence

from .lexicon import Lexicon
from .model import CLEAN, Match, Verdict
from .normalize import Script, normalize_word
from .prefilter import (
    ANY_CYRILLIC,
    ANY_LATIN,
    MIXED_SCRIPT,
    SPACED,
    SYMBOLS,
    VS_AFTER_LETTER,
    SUSPECT,
    build_triggers,
)
from .tokens import Token, tokenize

_CYRILLIC_LETTER = re.compile("[\u0400-\u04ff]")
_LATIN_LETTER = re.compile("[A-Za-z]")
_PLAIN_WORD = re.compile("[a-z]+|[а-яё]+")

# beyond this many letters a spaced run is searched for a word inside it, not matched whole
_RUN_WINDOW = 16
_RUN_ATTEMPTS = 400


def _find(text: str, char: str, start: int) -> int:
    """Index of ``char`` in ``text`` from ``start``, or the length of the text."""
    index = text.find(char, start)
    return len(text) if index < 0 else index


_NEVER = re.compile(r"(?!)")


@functools.lru_cache(maxsize=64)
def _compiled(
    languages: tuple[str, ...], extra: tuple[str, ...], allowed: tuple[str, ...]
) -> tuple[Lexicon, re.Pattern[str], re.Pattern[str]]:
    """Build (and share between filters with the same settings) a lexicon and its triggers."""
    lexicon = Lexicon(languages, extra, allowed)
    latin, cyrillic = build_triggers(lexicon.stems)
    return lexicon, latin or _NEVER, cyrillic or _NEVER


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
        self._lexicon, self._latin, self._cyrillic = _compiled(
            tuple(sorted(set(languages))), tuple(extra_words), tuple(allowed_words)
        )

    def check(self, text: str) -> Verdict:
        """Return the verdict for one message."""
        lowered = text.lower()
        if lowered.isascii():
            if (
                self._latin.search(lowered) is None
                and SYMBOLS.search(lowered) is None
                and SPACED.search(" " + lowered) is None
            ):
                return CLEAN
            return self._check_windows(text, lowered)
        if self._suspicious_unicode(lowered) or len(lowered) != len(text):
            return self._check_tokens(text, tokenize(text))
        if self._cyrillic.search(lowered) is None and SPACED.search(" " + lowered) is None:
            return CLEAN
        return self._check_windows(text, lowered)

    def _suspicious_unicode(self, lowered: str) -> bool:
        """Non-ASCII text the windowed check cannot handle: marks, look-alikes, compatibility
        forms, symbols inside words, Latin letters (mixed script or Latin stems)."""
        if SUSPECT.search(lowered) is not None:
            return True
        if "\ufe0f" in lowered and VS_AFTER_LETTER.search(lowered) is not None:
            return True
        if not unicodedata.is_normalized("NFKC", lowered):
            return True
        if ANY_LATIN.search(lowered) is None:
            return False
        if ANY_CYRILLIC.search(lowered) is not None and MIXED_SCRIPT.search(lowered) is not None:
            return True
        return self._latin.search(lowered) is not None

    def _check_windows(self, text: str, lowered: str) -> Verdict:
        """Match only the words around the places the pre-check fired (plain text)."""
        tokens: dict[int, Token] = {}
        covered = 0
        for start, end, spaced in self._hits(lowered):
            if end <= covered:
                continue
            if spaced:
                # a spaced-out run: the token starts at the first letter and runs on
                window_start, window_end = start, len(text)
            else:
                window_start = max(text.rfind(ch, 0, start) for ch in " \n\t") + 1
                window_end = min(_find(text, ch, end) for ch in " \n\t")
            for token in tokenize(text, window_start, window_end):
                tokens.setdefault(token.start, token)
                covered = max(covered, token.end)
                if token.end >= end:
                    break
        return self._check_tokens(text, (tokens[key] for key in sorted(tokens)))

    def _hits(self, lowered: str) -> list[tuple[int, int, bool]]:
        """Where the pre-check fires: (start, end, is a spaced-out run), in text order."""
        hits = [(m.start(), m.end(), False) for m in self._latin.finditer(lowered)]
        hits += [(m.start(), m.end(), False) for m in self._cyrillic.finditer(lowered)]
        hits += [(m.start(), m.end(), False) for m in SYMBOLS.finditer(lowered)]
        hits += [(m.start(), m.end() - 1, True) for m in SPACED.finditer(" " + lowered)]
        hits.sort()
        return hits

    def _check_tokens(self, text: str, tokens: Iterable[Token]) -> Verdict:
        default = self._default_script(text)
        matches: list[Match] = []
        for token in tokens:
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
        attempts = 0
        for begin, end, _ in self._hits(letters.lower()):
            for start in range(max(begin - 10, 0), begin + 1):
                for stop in range(end, min(len(letters), start + _RUN_WINDOW) + 1):
                    attempts += 1
                    if attempts > _RUN_ATTEMPTS:
                        return None
                    word = normalize_word(letters[start:stop], default)
                    hit = None if word is None else self._lexicon.match(word)
                    if hit is not None:
                        return Match(hit.name, token.start, token.end,
                                     text[token.start:token.end], hit.normalized, hit.lexicon)
        return None
