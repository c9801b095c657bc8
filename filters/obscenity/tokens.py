"""Splitting a message into words, with their spans in the original text.

Two kinds of token come out:

* a *word*: letters and digits, with invisible characters and combining marks inside it, and
  mask characters between letters (``х*й``, ``п...ц``, ``х%йня``, ``х_йня``, ``a$$hole``,
  ``п@здец``), at its end
  (``на х**``, ``сук@``), a ``*`` at its start (``*баный``; ``*word*`` is emphasis) or a
  ``$``/``@`` there (``$hit``, ``@sshole``), plus the
  ``3.14`` that stands for «пи»;
* a *spaced run*: three or more single letters separated by spaces, dots, hyphens or
  underscores (``х у й``, ``f.u.c.k``, ``п-и-з-д-е-ц``).  Only single letters are joined, so
  two real words («не будь») never are;
* a *syllable chain*: three or more pieces of one to three letters joined by hyphens
  (``за-е-ба-ли``), read as one word; «ха-ха-ха» reads as хахаха and matches nothing.

The regex is linear: its character classes are disjoint, so nothing backtracks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .normalize import INVISIBLE_CLASS

_LETTER = r"[^\W_]"
#: what may stand between spaced-out letters: blanks, dots, dashes, and the punctuation and
#: bullets used the same way (с~у~к~а, п|и|з|д|е|ц, f/u/c/k, ш•л•ю•х•а, м▪у▪д▪и▪л▪а)
SEPARATORS = r"\s._\-~|/•·▪+"
_MARKS = f"[{INVISIBLE_CLASS}]*"
_UNIT = rf"(?:(?:3[.,]14(?=[^\W\d_])|{_LETTER}){_MARKS})"
_JOIN = r"(?:[*#@$!%_☆★€¢×]+\+?|\+(?=[a-z])|\.{2,}|…|'(?=[aeiouy]))"
#: emoji inside a word (пиз🤬дец, fu🤬ck) and a hyphenated line break (пиз-⏎дец): removed
EMOJI_CLASS = "\U0001f000-\U0001faff\u2600-\u27bf"
_SILENT = rf"(?:[{EMOJI_CLASS}]+|-\r?\n[ \t]*)"
_SILENT_RE = re.compile(_SILENT)
_EMOJI_RE = re.compile(f"[{EMOJI_CLASS}]+")
#: a mask may also hide the first letter (*баный, *лядь), but not after a letter, digit or star
#: (2*3, **bold**)
_LEAD_MASK = r"(?:(?<![\w*])\*{1,3}(?=[^\W\d_]))"
_WORD = rf"{_LEAD_MASK}?[@$]{{0,3}}{_MARKS}{_UNIT}+(?:(?:{_JOIN}|{_SILENT}){_UNIT}+)*[*#$@]*"
_SINGLE = rf"{_LETTER}{_MARKS}(?!{_LETTER})"
_RUN = rf"(?<!{_LETTER}){_SINGLE}(?:[{SEPARATORS}]{{1,3}}{_SINGLE}){{2,}}"
_SYLLABLE = rf"{_LETTER}{{1,3}}"
_CHAIN = rf"(?<!{_LETTER}){_SYLLABLE}(?:-{_SYLLABLE}){{2,}}(?![^\W_])"
_TOKEN = re.compile(rf"(?P<run>{_RUN})|(?P<chain>{_CHAIN})|(?P<word>{_WORD})")
_RUN_SEPARATORS = re.compile(f"[{SEPARATORS}]+")
#: other mask characters between letters (``х%йня``, ``х_йня``, ``зал#па``, the × that looks like
#: an x in ``на×уй``), read as the ``*`` wildcard
_MASK_STANDINS = re.compile(r"[%☆★#×]+|_+")


@dataclass(frozen=True, slots=True)
class Token:
    """A word or a spaced run: its text with separators removed, and its span."""

    text: str
    start: int
    end: int
    spaced: bool
    #: the word read with its emoji as a mask (sh🤬t): an emoji may stand for a letter as
    #: well as sit between letters (пиз🤬дец); None when the word holds no emoji
    masked: str | None = None
    #: a Cyrillic word right after a lone # (#уйня): the # may hide its first letter, but a
    #: hashtag is usually just a word (#ебург), so only a listed word form counts
    hashtag: bool = False
    #: the word as written (underscores and all), for readings that need its pieces
    source: str = ""


def tokenize(text: str, start: int = 0, end: int | None = None) -> Iterator[Token]:
    """Yield the tokens of ``text[start:end]`` in order (spans index the whole text)."""
    for found in _TOKEN.finditer(text, start, len(text) if end is None else end):
        start, end = found.span()
        if found.lastgroup == "run":
            yield Token(_RUN_SEPARATORS.sub("", found.group()), start, end, True)
        elif found.lastgroup == "chain":
            yield Token(found.group().replace("-", ""), start, end, False)
        else:
            # stars first: ☆ is also in the emoji range, but inside a word it hides a letter
            starred = _MASK_STANDINS.sub("*", found.group())
            if starred.startswith("*") and starred.endswith("*"):
                # *word* is emphasis (Markdown, chat habits), not a word masked at both ends
                starred = starred.strip("*")
            text = _SILENT_RE.sub("", starred)
            masked = None
            if _EMOJI_RE.search(starred) is not None:
                masked = _SILENT_RE.sub("", _EMOJI_RE.sub("*", starred))
            yield Token(text, start, end, False, masked, _after_hash(found.string, start),
                        found.group())


def _after_hash(text: str, start: int) -> bool:
    """Whether the word at ``start`` opens with a Cyrillic letter right after a lone #."""
    return (start > 0 and text[start - 1] == "#" and "а" <= text[start].lower() <= "я"
            and (start < 2 or not (text[start - 2].isalnum() or text[start - 2] in "#_&")))
