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

One apostrophe or hyphen inside a word may hide a letter or split it (пи'здец, бл-дь, f'ck):
``marks_as_hidden_letters`` reads it so, see there.

A word may also be spelt out in uneven groups (пи зд ец, fu c k, х у йня, F    U    C    K,
f,u,c,k, х, у, й, н, я): ``spread_candidates`` joins three pieces or more, see there.
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
#: a piece of three letters or more without one of these is no word (tch, здц)
_VOWELS = frozenset("aeiouyаеиоуыэюя")


def _form_halves() -> frozenset[tuple[str, str]]:
    """The listed мат forms (mask_forms.txt) cut in two at every place where both halves have
    ``_LONG_HALF`` letters or more and neither is a real word: пиз|дец, еба|нутый, fuc|ker;
    and where one half is a real two-letter word and the other has no vowel, so it cannot be
    a word of its own (bi|tch: "bi" alone is a word)."""
    halves: set[tuple[str, str]] = set()
    for forms in load_sections("mask_forms.txt").values():
        for form in forms:
            form = form.replace("ё", "е")
            for cut in range(_LONG_HALF, len(form) - _LONG_HALF + 1):
                first, second = form[:cut], form[cut:]
                if first not in _REAL_HALVES and second not in _REAL_HALVES:
                    halves.add((first, second))
            for cut in (2, len(form) - 2):  # bi|tch: a short word and letters with no vowel
                first, second = form[:cut], form[cut:]
                short, rest = (first, second) if cut == 2 else (second, first)
                if short in SHORT_WORDS and len(rest) >= _LONG_HALF and not set(rest) & _VOWELS:
                    halves.add((first, second))
    return frozenset(halves)


_FORM_HALVES = _form_halves()
#: words a hard insult follows («этот гон дон», «ты ублю док», «вот пидо рас»)
_INSULT_CUES = frozenset((
    "этот", "эта", "этого", "этому", "ты", "вы", "такой", "такая", "какой", "какая", "вот",
    "он", "она", "тот", "твой", "какая-то", "эти",
))


def _cued_halves() -> frozenset[tuple[str, str]]:
    """The listed hard insults (ru.insult in mask_forms.txt) cut in two where a half is a real
    word (гон|дон, ублю|док, пидо|рас, суч|ара): two words side by side are mostly two words,
    so such a pair is joined only after a word an insult follows («этот гон дон», «ты гон
    дон»), never alone («гон» and «Дон» are words).  A half may also be a real word of two
    letters (пи|дор, шлю|ха: «число пи», «ха-ха»), on the same condition."""
    halves: set[tuple[str, str]] = set()
    for form in load_sections("mask_forms.txt").get("ru.insult", []):
        form = form.replace("ё", "е")
        for cut in range(2, len(form) - 1):
            first, second = form[:cut], form[cut:]
            short = [half for half in (first, second) if len(half) < _LONG_HALF]
            if short and not (len(short) == 1 and short[0] in SHORT_WORDS):
                continue  # a fragment of one or two letters is the general rule's
            if first in _REAL_HALVES or second in _REAL_HALVES or short:
                halves.add((first, second))
    return frozenset(halves)


_CUED_HALVES = _cued_halves()
#: every piece that may be one of those halves (such a piece is never remembered as clean)
_FORM_PIECES = frozenset(piece for pair in _FORM_HALVES | _CUED_HALVES for piece in pair)
#: real short words that also begin мат: «число пи», but «пи-дор» is one word
_HYPHEN_HEADS = frozenset({"пи"})
_LETTERS = "a-zа-яё"
_BAD_START = re.compile("[ьъы]|й[бвгджзклмнпрстфхцчшщ]")
#: what a piece longer than a fragment (up to two letters and punctuation) may start with
_MAY_START = frozenset("ьъый«\"'(")
_PIECE = re.compile(r"\S+")
_CORE = re.compile(rf"[«\"'(]*([{_LETTERS}]+(?:-[{_LETTERS}]+)?)[.,!?…:;)»\"']*")
#: marks that may spell a word out with no blank (f,u,c,k, f*u*c*k, fu.ck.ing, х/у/йня, пи|зд|ец)
SPREAD_MARKS = ",*./|•·~+"
#: a piece of text holding a word spelt out with one of those marks and no blank: three pieces
#: or more, those after the first of one or two letters
SPREAD_CHUNK = re.compile(
    rf"(?<![^\W\d_{re.escape(SPREAD_MARKS)}])[^\W\d_]{{1,3}}([{re.escape(SPREAD_MARKS)}])"
    r"[^\W\d_]{1,2}\1[^\W\d_]")
_SPREAD_FREE = frozenset(SPREAD_MARKS)
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
    if not _SPREAD_FREE.isdisjoint(chunk) and SPREAD_CHUNK.match(chunk) is not None:
        return True  # f,u,c,k: letters spelt out with a mark and no blank (spread_candidates)
    if ("'" in chunk or "’" in chunk or "-" in chunk) and marks_as_hidden_letters(chunk) != chunk:
        return True  # пи'здец, бл-дь: a mark inside a word (marks_as_hidden_letters)
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
        pair = (core.replace("ё", "е"), after[0].replace("ё", "е")) if after else ("", "")
        cued = pair in _CUED_HALVES and before is not None and before[0] in _INSULT_CUES \
            and not text[before[2]:start].strip()
        if after is not None and (pair in _FORM_HALVES or cued) \
                and not text[end:after[1]].strip() \
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


#: a piece of a word spelt out in groups: letters only
_LETTER_RUN = re.compile(r"[^\W\d_]+")
#: what may stand between those pieces: blanks (as many as a member types, up to a tab's worth),
#: or one mark with a blank or two around it (f,u,c,k; х, у, й; f*u*c*k; fu.c.k)
_SPREAD_GAP = re.compile(r"\s{1,8}|\s{0,2}([,.*/|~•·+\-])\s{0,2}")
#: the cheap test for a spelt-out word: a piece of up to three letters, one of up to two, and a
#: third, with those separators between them
_SPREAD_HINT = re.compile(r"(?<![^\W\d_])[^\W\d_]{1,3}(?:\s{1,8}|\s{0,2}[,.*/|~•·+\-]\s{0,2})"
                          r"[^\W\d_]{1,2}(?:\s{1,8}|\s{0,2}[,.*/|~•·+\-]\s{0,2})[^\W\d_]")
#: the longest first piece (пиз д ец) and last piece (п и здец, f u cking) of a spelt-out word;
#: every piece between them has one or two letters
_SPREAD_HEAD = 3
_SPREAD_TAIL = 6
#: the most letters a spelt-out word is read in
_SPREAD_LETTERS = 20


def spread_candidates(lowered: str, pieces: int) -> Iterator[tuple[int, int]]:
    """Spans of a word spelt out in uneven groups of letters (пи зд ец, fu c k, х у йня, п и
    здец, F    U    C    K, f,u,c,k, х, у, й, н, я, f*u*c*k), lazily: three pieces or more,
    each between the first and the last of one or two letters.

    The spaced-letters reader (tokens.py) joins single letters one to three blanks apart; members
    also type pairs of letters, a longer first or last piece, more blanks, or commas.  Joining any
    three neighbours would glue innocent words together, so a span is only offered when

    * the same separator stands between all its pieces (only blanks, or only commas…): a
      member spelling a word out keeps one, while words of a sentence change them («на ху. Я»);
    * one of its short pieces is no word of its own (зд, ец, fu, х, c — not на, по, и, a):
      «это пи здесь», «и на ху я бы» are words; abbreviations (т.е., и т.д., U.S.A.) and lists
      (a, b, c) are pieces too, but join into nothing;
    * it does not cut a word out of letters spaced out one by one (С А Б Л Я, к-о-м-а-н-д-а,
      C O C K T A I L S: those are read whole by the spaced-letters reader);

    and the caller then takes the joined letters only when they are one of the commonest мат
    forms as a whole (mask_forms.txt), allow-list included: any word the lexicon matches would
    take «Ху из ху в…» for хуизху….  At most ``pieces`` pieces are looked at and each span holds at
    most ``_SPREAD_LETTERS`` letters, so the work is linear in the message."""
    if _SPREAD_HINT.search(lowered) is None:
        return  # the common case: no three short pieces in a row, found in C
    found = [(m.start(), m.end()) for m in itertools.islice(_LETTER_RUN.finditer(lowered), pieces)]
    kinds: list[str | None] = []
    for (_, end), (start, _) in itertools.pairwise(found):
        gap = _SPREAD_GAP.fullmatch(lowered, end, start)
        kinds.append(None if gap is None else gap.group(1) or "")
    single = [end - start == 1 for start, end in found]
    for first in range(len(found) - 2):
        start, end = found[first]
        kind = kinds[first]
        if end - start > _SPREAD_HEAD or kind is None:
            continue
        if single[first] and first and single[first - 1] and kinds[first - 1] == kind:
            continue  # never a word cut out of spaced letters (С А Б Л Я is no Б Л Я)
        letters = end - start
        fragment = letters <= 2 and _is_fragment(lowered[start:end])
        ends: list[int] = []
        for last in range(first + 1, len(found)):
            if kinds[last - 1] != kind:
                break
            piece_start, piece_end = found[last]
            size = piece_end - piece_start
            letters += size
            if letters > _SPREAD_LETTERS or size > _SPREAD_TAIL:
                break
            fragment = fragment or (size <= 2 and _is_fragment(lowered[piece_start:piece_end]))
            cut = (size == 1 and last + 1 < len(found) and single[last + 1]
                   and kinds[last] == kind)  # (C O C K T A I L S is no C O C K)
            if last - first >= 2 and fragment and not cut:
                ends.append(piece_end)
            if size > 2:
                break
        # the longest first: the whole word (х, у, й, н, я is хуйня, not хуй)
        for piece_end in reversed(ends):
            yield start, piece_end


def spread_pieces(text: str, start: int, end: int) -> str:
    """The letters of a spelt-out word (see ``spread_candidates``), as written."""
    return "".join(_LETTER_RUN.findall(text, start, end))


def _name_pair(first: str, second: str) -> bool:
    """Two capitalised words (Hu Jintao, Hui Lin, Ху Яобан): a name, as a word split in two is
    rarely capitalised in both halves (a surname has three letters or more: Fu Ck is no name)."""
    return len(second) >= 3 and first.istitle() and second.istitle()


#: a word with one apostrophe or hyphen between its letters (see ``_mark_as_hidden_letter``),
#: but not an English contraction or possessive (don't, it's, Dick's, we'll, they're, I'd)
#: (a hyphen only beside a piece of one or two letters, and not before a particle: какой-то)
_MARK_INSIDE = re.compile(
    r"(?<![\w'’`\-])(?:[^\W\d_]+['’](?!(?:s|t|d|ll|re|ve|m)(?![\w'’\-]))[^\W\d_]+"
    r"|[^\W\d_]{1,2}-[^\W\d_]+|[^\W\d_]{3,}-(?!(?:то|ка|де|с)(?![\w'’\-]))[^\W\d_]{1,2})"
    r"(?![\w'’`\-])", re.IGNORECASE)


def marks_as_hidden_letters(text: str) -> str:
    """``text`` with its words' inner apostrophes and hyphens read as masks (see
    ``_mark_as_hidden_letter``); the same length, so spans still index the message."""
    return _MARK_INSIDE.sub(_mark_as_hidden_letter, text)


def _mark_as_hidden_letter(found: re.Match[str]) -> str:
    """A word with one apostrophe or hyphen inside, read as a word with a mask typed in it
    (пи'здец, бл'ядь, f'ck, бл-дь, х-й).

    An apostrophe becomes a backtick, which the tokenizer reads both ways: a hidden letter
    compared with the listed forms only (f'ck), or nothing (пи'здец, sh'it); an English
    contraction or possessive (don't, it's, Dick's, we'll) was never a word's inside, and
    O'Brien, д'Артаньян, п'ять read as obrien, дартаньян, пять — no word.  A hyphen becomes a
    question mark, a hidden letter compared with the listed forms only (бл-дь → блядь), and only
    beside a piece of one or two letters that is no word of its own (бл, х): «из-за», «по-русски»,
    «кое-что», Хуа-Хин are words joined by a hyphen, which the split reader judges."""
    word = found.group()
    for mark in "'’":
        if mark in word:
            at = word.index(mark)
            if word[at + 1:at + 2].lower() in _IOTATED:
                # Ukrainian and Belarusian write an apostrophe before я ю є ї (Х'ю, п'ять,
                # м'ясо): a hidden letter there would read Х'ю as хую; read as nothing, бл'ядь
                # is still блядь
                return word.replace(mark, _NOTHING)
            return word.replace(mark, "`")
    head, _, tail = word.partition("-")
    if len(head) <= 2 and len(tail) <= 2 and \
            (head.lower() in SHORT_WORDS or tail.lower() in SHORT_WORDS):
        return word  # an abbreviation of two short pieces, one a word (ж-д, с-х): no мат
    if not (_hyphen_fragment(head) or _hyphen_fragment(tail)):
        return word
    return head + "?" + tail


#: letters an apostrophe stands before in Ukrainian and Belarusian spelling
_IOTATED = frozenset("яюєї")
#: a character the normaliser removes (a soft hyphen): the mark read as nothing, same length
_NOTHING = "\u00ad"


def _hyphen_fragment(piece: str) -> bool:
    """A piece of one or two letters beside a hyphen that is no word of its own (бл, х)."""
    return len(piece) <= 2 and piece.lower() not in SHORT_WORDS
