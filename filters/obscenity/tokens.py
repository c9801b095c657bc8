"""Splitting a message into words, with their spans in the original text.

Two kinds of token come out:

* a *word*: letters and digits, with invisible characters and combining marks inside it, and
  mask characters between letters (``х*й``, ``п...ц``, ``х%йня``, ``х_йня``, ``a$$hole``,
  ``п@здец``, ``х&йня``, ``п^здец``, ``f?ck``), at its end
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

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .normalize import INVISIBLE_CLASS, QUERY_MARKS, QUERY_MASK
from .splits import SHORT_WORDS

_LETTER = r"[^\W_]"
#: what may stand between spaced-out letters: blanks, dots, dashes, and the punctuation and
#: bullets used the same way (с~у~к~а, п|и|з|д|е|ц, f/u/c/k, ш•л•ю•х•а, м▪у▪д▪и▪л▪а)
SEPARATORS = r"\s._\-~|/•·▪+"
_MARKS = f"[{INVISIBLE_CLASS}]*"
_UNIT = rf"(?:(?:3[.,]14(?=[^\W\d_])|{_LETTER}){_MARKS})"
#: symbols drawn like a letter, read as that letter between two letters (confusables.txt): © for
#: c/с (fu©k), ¥ for у/y (х¥йня), ® for r (who®e), ¡ for i ($h¡t); alone or beside a number
#: they are what they say (©2026, ¥500, Brand®, ¡Hola!), so they join nothing there
LOOK_ALIKE_SYMBOLS = "©¥®¡"
#: what joins the pieces of one word: mask characters and look-alike symbols, and the
#: ``?``, ``&`` and ``^`` members type for a hidden letter (х&йня, п^здец, f?ck), which stay in
#: the token's text (normalize.py reads them as ``*``) only where they hide a letter (see
#: ``hides_letters``)
_JOIN = (rf"(?:[*#@$!%_☆★€¢×{LOOK_ALIKE_SYMBOLS}{re.escape(QUERY_MARKS)}]+\+?"
         rf"|\+(?=[a-z])|\.{{2,}}|…|'(?=[aeiouy]))")
#: emoji inside a word (пиз🤬дец, fu🤬ck, f⭐ck: the stars, squares and circles of the
#: miscellaneous symbols and arrows block are emoji too) and a hyphenated line break (пиз-⏎дец):
#: removed
EMOJI_CLASS = "\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff"
_SILENT = rf"(?:[{EMOJI_CLASS}]+|-\r?\n[ \t]*)"
_SILENT_RE = re.compile(_SILENT)
_EMOJI_RE = re.compile(f"[{EMOJI_CLASS}]+")
#: a mask may also hide the first letter (*баный, *лядь), but not after a letter, digit or star
#: (2*3, **bold**)
_LEAD_MASK = r"(?:(?<![\w*])\*{1,3}(?=[^\W\d_]))"
#: a € or © opening a Russian word is its е or с (€бать, ©ука): the word goes on in Cyrillic
#: letters, so a price (€20), a year (©2026) or a Latin name (€uro, ©Acme) is never read so,
#: and a brand after © (©Сбер) is read as nothing listed
_LEAD_EURO = "[€©](?=[а-яёА-ЯЁ])"
_WORD = (rf"{_LEAD_MASK}?(?:[@$]{{1,3}}|{_LEAD_EURO})?{_MARKS}{_UNIT}+"
         rf"(?:(?:{_JOIN}|{_SILENT}){_UNIT}+)*[*#$@]*")
_SINGLE = rf"{_LETTER}{_MARKS}(?!{_LETTER})"
_RUN = rf"(?<!{_LETTER}){_SINGLE}(?:[{SEPARATORS}]{{1,3}}{_SINGLE}){{2,}}"
_SYLLABLE = rf"{_LETTER}{{1,3}}"
_CHAIN = rf"(?<!{_LETTER}){_SYLLABLE}(?:-{_SYLLABLE}){{2,}}(?![^\W_])"
_TOKEN = re.compile(rf"(?P<run>{_RUN})|(?P<chain>{_CHAIN})|(?P<word>{_WORD})")
_RUN_SEPARATORS = re.compile(f"[{SEPARATORS}]+")
#: other mask characters between letters (``х%йня``, ``х_йня``, ``зал#па``, the × that looks like
#: an x in ``на×уй``), read as the ``*`` wildcard
_MASK_STANDINS = re.compile(r"[%☆★#×]+|_+")
#: a note or a language with its sharp (C#, F#, A#, J#): one # after one letter hides nothing
#: (f* would fill to fag); f##, f#ck and f#g stay masks
_SHARP = re.compile("[a-gj]#", re.IGNORECASE)


#: the most letters a word with ``?``, ``&``, ``^``… (QUERY_MARKS) is read as one masked word
#: in (п^здюлей, f?ck; a longer run is two words joined by a question mark)
_QUERY_WORD_LETTERS = 12
#: the most letters a word with ``&``, ``^`` or a backtick between two letters is read as one
#: masked word in (motherf^cker)
_INSIDE_WORD_LETTERS = 16
#: the same letter either side of a face's mouth (T^T, T_T, Т~Т, T__T); a star is a mask (t**t)
_EMOTICON = re.compile(r"([^\W\d_])[\^~&_]{1,2}\1", re.IGNORECASE)
_INSIDE_WORD = re.compile(r"[^\W\d_]+(?:[&^`][^\W\d_]+)+")


def hides_letters(word: str) -> bool:
    """Whether every ``?``, ``&``, ``^``… in a word stands for a hidden letter: beside a piece
    of one or two letters that is no word by itself (п^здец, f?ck, бл&дь, пизд?ц, sh?t), in a
    word of at most ``_QUERY_WORD_LETTERS`` characters.  Between longer pieces, or beside a
    real short word, the mark is punctuation typed without its space («сук?на котором»,
    «Спи?дорогой», «ну?бля») or joins initials (AT&T, Q&A, R&D): the pieces are then words of
    their own."""
    pieces = QUERY_MASK.split(word)
    letters = sum(map(len, pieces))
    if letters > _INSIDE_WORD_LETTERS:
        return False
    if _INSIDE_WORD.fullmatch(word) is not None and not word.isupper():
        # ``&``, ``^`` or a backtick between letters is no punctuation a member types between
        # two words (the question mark is): ох&енно, motherf^cker, му`дак; a masked reading
        # is only ever compared with the listed forms, and falls back to the pieces
        # (black&white, rock&roll), so a longer word is safe; capitals are initials (AT&T)
        return True
    if letters > _QUERY_WORD_LETTERS:
        return False
    return all(_fragment(left) or _fragment(right) for left, right in itertools.pairwise(pieces))


def _fragment(piece: str) -> bool:
    """A piece of one or two letters that is no word of its own (п, бл, ck, ц; not на, is)."""
    return 1 <= len(piece) <= 2 and piece.isalpha() and piece.lower() not in SHORT_WORDS


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
        if found.lastgroup == "word" and _EMOTICON.fullmatch(found.group()) is not None:
            continue  # a face, not a masked word (T^T, T_T would read as t*t: twat)
        if found.lastgroup == "word" and _SHARP.fullmatch(found.group()) is not None:
            continue  # C#, F#: a language or a note
        if found.lastgroup == "word" and QUERY_MASK.search(found.group()) is not None \
                and not hides_letters(found.group()):
            # punctuation between two words (ну?бля, AT&T): each piece is a token of its own
            position = start
            for mark in QUERY_MASK.finditer(text, start, end):
                yield from tokenize(text, position, mark.start())
                position = mark.end()
            yield from tokenize(text, position, end)
            continue
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
