"""Words split in two by a space, a line break or a hyphen (ху йня, fu⏎ck, пиз-дец, ГАН-ДОН).

Spaced-out letters (х у й) are found elsewhere; this is the other half of the trick: one break
inside a word, so that each half looks harmless on its own.  Joining every pair of neighbours
would glue innocent words together («не будь» → небудь, «ху из ху» → хуиз), so a pair is only
joined when one half cannot be a word by itself:

* one or two letters that are not a real short word (ху, fu, ц — but not из, на, is, ok);
* a start no Russian word has (йня, ьян, ыть);

and neither half is a real short word.  Two longer halves (пиз дец, еба нутый) are joined
only into one of the commonest мат forms (mask_forms.txt), and only when neither half is a
real word (``data/split_words.txt``: «гон дон», «спи здили» are two words).  A hyphen inside
one piece (пиз-дец) joins halves of two to four letters.  The joined word must then match the
lexicon as a whole word, the way any word does, allow-list included.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from .data import load_sections, load_words

_LINES = load_words("short_words.txt")
#: real one- and two-letter words (and chat shorthands): never a fragment, never joined
SHORT_WORDS = frozenset(w for line in _LINES if not line.startswith("particle:")
                        for w in line.split())
#: ... and halves of ordinary hyphenated words (кто-то, из-за, кое-как, какой-нибудь)
_PARTICLES = SHORT_WORDS | frozenset(w for line in _LINES if line.startswith("particle:")
                                     for w in line.removeprefix("particle:").split())
#: the shortest half of a listed form cut in two that ``_FORM_HALVES`` holds (shorter halves
#: are fragments, joined by the general rule)
_LONG_HALF = 3
#: real words that are halves of listed forms: never joined so (гон дон, ass hole)
_REAL_HALVES = frozenset(w for line in load_words("split_words.txt") for w in line.split())


def _form_halves() -> frozenset[tuple[str, str]]:
    """The listed мат forms (mask_forms.txt) cut in two at every place where both halves have
    ``_LONG_HALF`` letters or more and neither is a real word: пиз|дец, еба|нутый, fuc|ker."""
    halves: set[tuple[str, str]] = set()
    for forms in load_sections("mask_forms.txt").values():
        for form in forms:
            form = form.replace("ё", "е")
            for cut in range(_LONG_HALF, len(form) - _LONG_HALF + 1):
                first, second = form[:cut], form[cut:]
                if first not in _REAL_HALVES and second not in _REAL_HALVES:
                    halves.add((first, second))
    return frozenset(halves)


_FORM_HALVES = _form_halves()
#: every piece that may be one of those halves (such a piece is never remembered as clean)
_FORM_PIECES = frozenset(piece for pair in _FORM_HALVES for piece in pair)
#: real short words that also begin мат: «число пи», but «пи-дор» is one word
_HYPHEN_HEADS = frozenset({"пи"})
_LETTERS = "a-zа-яё"
_BAD_START = re.compile("[ьъы]|й[бвгджзклмнпрстфхцчшщ]")
#: what a piece longer than a fragment (up to two letters and punctuation) may start with
_MAY_START = frozenset("ьъый«\"'(")
_PIECE = re.compile(r"\S+")
_CORE = re.compile(rf"[«\"'(]*([{_LETTERS}]+(?:-[{_LETTERS}]+)?)[.,!?…:;)»\"']*")
_HYPHENATED = re.compile(rf"[{_LETTERS}]{{2,4}}-[{_LETTERS}]{{2,4}}")


#: a piece of the message: its letters (empty when it is not a plain word) and their span
Piece = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Joined:
    """A candidate word: the halves joined (original case), and its span in the message."""

    text: str
    start: int
    end: int
    #: the halves as written (one piece for a hyphenated word)
    parts: tuple[str, ...] = ()


def _is_fragment(core: str) -> bool:
    """Whether a lower-case piece of letters cannot be a word on its own."""
    if core in SHORT_WORDS:
        return False
    if len(core) <= 2:
        return True  # ху, fu, ц; and ck, дц (no vowel)
    return _BAD_START.match(core) is not None


def may_split(chunk: str) -> bool:
    """Whether a lower-case whitespace-free piece of a message may be half of a split word
    (or a hyphenated one): such pieces are never remembered as clean on their own."""
    if len(chunk) > 5 and "-" not in chunk and chunk[0] not in _MAY_START \
            and chunk.replace("ё", "е") not in _FORM_PIECES:
        return False  # the common case, without a regex: a whole word of its own
    core = _CORE.fullmatch(chunk)
    return core is not None and (_joinable(core.group(1))
                                 or core.group(1).replace("ё", "е") in _FORM_PIECES)


def _joinable(core: str) -> bool:
    if "-" in core:
        if _HYPHENATED.fullmatch(core) is None:
            return False
        first, second = core.split("-")
        return (first in _HYPHEN_HEADS or first not in _PARTICLES) and second not in _PARTICLES
    return _is_fragment(core)


def candidates(text: str, lowered: str, pieces: int) -> Iterator[Joined]:
    """The joins worth matching among the first ``pieces`` pieces of a message (``lowered`` is
    ``text.lower()``, same length), lazily: the caller stops after a budget too."""
    previous: Piece | None = None
    current: Piece | None = None
    for found in itertools.islice(_PIECE.finditer(lowered), pieces):
        core = _CORE.fullmatch(found.group())
        if core is None:
            piece = ("", found.start(), found.end())
        else:
            piece = (core.group(1), found.start() + core.start(1), found.start() + core.end(1))
        if current is not None:
            yield from _joins(text, previous, current, piece)
        previous, current = current, piece
    if current is not None:
        yield from _joins(text, previous, current, None)


def _joins(text: str, before: Piece | None, piece: Piece, after: Piece | None) -> Iterator[Joined]:
    """The joins around one piece: itself if hyphenated, else with a neighbour."""
    core, start, end = piece
    if not core:
        return
    if not _joinable(core):
        # a longer half: joined only into a listed form, with the piece after it
        if after is not None and (core.replace("ё", "е"), after[0].replace("ё", "е")) \
                in _FORM_HALVES and not text[end:after[1]].strip() \
                and not _name_pair(text[start:end], text[after[1]:after[2]]):
            yield Joined(text[start:end] + text[after[1]:after[2]], start, after[2],
                         (text[start:end], text[after[1]:after[2]]))
        return
    if "-" in core:
        yield Joined(text[start:end].replace("-", ""), start, end)
        return
    for left, right in ((before, piece), (piece, after)):
        if left is None or right is None:
            continue
        (a, a_start, a_end), (b, b_start, b_end) = left, right
        if not a or not b or "-" in a or "-" in b or a in SHORT_WORDS or b in SHORT_WORDS:
            continue
        if text[a_end:b_start].strip():
            continue  # punctuation between them ends a word: "here, LF" is two
        if _name_pair(text[a_start:a_end], text[b_start:b_end]):
            continue  # a person's name and surname (Hu Jintao), not one word split in two
        if left is piece and before is not None and _name_pair(text[before[1]:before[2]],
                                                               text[start:end] + "__"):
            continue  # a title and a short name (Доктор Ху, Mr Fu): the name ends there
        if len(a) + len(b) >= 4:
            yield Joined(text[a_start:a_end] + text[b_start:b_end], a_start, b_end,
                         (text[a_start:a_end], text[b_start:b_end]))


def _name_pair(first: str, second: str) -> bool:
    """Two capitalised words (Hu Jintao, Hui Lin, Ху Яобан): a name, as a word split in two is
    rarely capitalised in both halves (a surname has three letters or more: Fu Ck is no name)."""
    return len(second) >= 3 and first.istitle() and second.istitle()
