"""Splitting a message into words, with their spans in the original text.

Two kinds of token come out:

* a *word*: letters and digits, with invisible characters and combining marks inside it, and
  mask characters between letters (``х*й``, ``п...ц``, ``х%йня``, ``х___й``, ``a$$hole``,
  ``п@здец``), at its end
  (``на х**``, ``сук@``) or a ``$``/``@`` at its start (``$hit``, ``@sshole``), plus the
  ``3.14`` that stands for «пи»;
* a *spaced run*: three or more single letters separated by spaces, dots, hyphens or
  underscores (``х у й``, ``f.u.c.k``, ``п-и-з-д-е-ц``).  Only single letters are joined, so
  two real words («не будь») never are.

The regex is linear: its character classes are disjoint, so nothing backtracks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .normalize import INVISIBLE_CLASS

_LETTER = r"[^\W_]"
_MARKS = f"[{INVISIBLE_CLASS}]*"
_UNIT = rf"(?:(?:3[.,]14(?=[^\W\d_])|{_LETTER}){_MARKS})"
_JOIN = r"(?:[*#@$!%]+|_{2,}|\.{2,}|…)"
_WORD = rf"[@$]?{_MARKS}{_UNIT}+(?:{_JOIN}{_UNIT}+)*[*#$@]*"
_SINGLE = rf"{_LETTER}{_MARKS}(?!{_LETTER})"
_RUN = rf"(?<!{_LETTER}){_SINGLE}(?:[\s._\-]{{1,3}}{_SINGLE}){{2,}}"
_TOKEN = re.compile(rf"(?P<run>{_RUN})|(?P<word>{_WORD})")
_RUN_SEPARATORS = re.compile(r"[\s._\-]+")
#: other mask characters between letters (``х%йня``, ``х___й``), read as the ``*`` wildcard
_MASK_STANDINS = re.compile(r"%+|_{2,}")


@dataclass(frozen=True, slots=True)
class Token:
    """A word or a spaced run: its text with separators removed, and its span."""

    text: str
    start: int
    end: int
    spaced: bool


def tokenize(text: str, start: int = 0, end: int | None = None) -> Iterator[Token]:
    """Yield the tokens of ``text[start:end]`` in order (spans index the whole text)."""
    for found in _TOKEN.finditer(text, start, len(text) if end is None else end):
        start, end = found.span()
        if found.lastgroup == "run":
            yield Token(_RUN_SEPARATORS.sub("", found.group()), start, end, True)
        else:
            yield Token(_MASK_STANDINS.sub("*", found.group()), start, end, False)
