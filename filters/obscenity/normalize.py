"""Normalisation of one word (token) before it is matched.

Matching works word by word, so the normaliser never has to keep a character-level offset map:
the tokenizer records where each word sits in the original text, and a match reports that span.
Per word: NFKC → drop invisible characters and combining marks → lower case → decide whether the
word is Cyrillic or Latin → fold look-alikes, digits and symbols for that script → mark wildcard
masks.  Collapsing repeated letters is left to the matchers, which try both spellings.
"""

from __future__ import annotations

import itertools
import re
import sys
import unicodedata
from dataclasses import dataclass
from enum import Enum

from .data import load_confusables


def _invisible_code_points() -> list[int]:
    """Code points of combining marks, format characters and variation selectors.

    Computed from the running Python's Unicode database instead of a hand-kept list, so zalgo
    marks, zero-width spaces/joiners, soft hyphens, bidi controls and tag characters all go.
    """
    points: list[int] = []
    planes = (range(0x80, 0x30000), range(0xE0000, 0xE01F0))
    for plane in planes:
        for cp in plane:
            if unicodedata.category(chr(cp)) in ("Mn", "Me", "Cf") or cp in _BLANK_LETTERS:
                points.append(cp)
    return points


#: characters drawn blank that Unicode calls letters or symbols, not format characters: the
#: Hangul fillers (ㅤ, its halfwidth form, the choseong and jungseong fillers) and the blank
#: Braille pattern (⠀), pasted inside a word as an invisible break (хㅤуйня, пиз⠀дец)
_BLANK_LETTERS = frozenset({0x115F, 0x1160, 0x2800, 0x3164, 0xFFA0})


def char_class(points: list[int]) -> str:
    """Render sorted code points as the body of a regex character class."""
    parts: list[str] = []
    start = prev = -2
    for cp in [*points, sys.maxunicode + 2]:
        if cp == prev + 1:
            prev = cp
            continue
        if start >= 0:
            tail = "-" + re.escape(chr(prev)) if prev > start else ""
            parts.append(re.escape(chr(start)) + tail)
        start = prev = cp
    return "".join(parts)


INVISIBLE_POINTS = _invisible_code_points()
#: code points of the regex class below: the invisible characters of the Basic Multilingual
#: Plane plus two coarse astral ranges (musical combining marks; tags and variation selector
#: supplement).  Listing every astral mark would turn the class into a long run of range tests
#: per character; sre keeps a BMP class as one bitmap lookup.
INVISIBLE_REGEX_POINTS = [cp for cp in INVISIBLE_POINTS if cp <= 0xFFFF]
#: character-class body matching invisible/combining code points (see above)
INVISIBLE_CLASS = char_class(INVISIBLE_REGEX_POINTS) + "\U0001d165-\U0001d1ad\U000e0000-\U000e01ef"
_STRIP: dict[int, None] = dict.fromkeys(INVISIBLE_POINTS)


def _latin_bases() -> dict[int, str]:
    """Accented Latin letters (ú, ï, ñ …) → their plain letter: fúcking reads as fucking.

    NFKC keeps precomposed letters whole, so stripping combining marks alone misses them.
    Only the Latin blocks (with Latin Extended Additional: ẉ, ị, ṣ): Cyrillic й and ё are
    letters of their own.  Greek letters with a tonos or a breathing (ύ, ό, ἀ), which look like
    Latin ones with an accent (fύck), fold to their plain Greek letter, which the look-alike
    tables then read.
    """
    table: dict[int, str] = {}
    for cp in itertools.chain(range(0xC0, 0x250), range(0x1E00, 0x1F00)):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and base.isascii() and base.isalpha():
            table[cp] = base
    for cp in itertools.chain(range(0x370, 0x400), range(0x1F00, 0x2000)):
        base = unicodedata.normalize("NFD", chr(cp))[0]
        if base != chr(cp) and "\u03b1" <= base.lower() <= "\u03c9":
            table[cp] = base
    return table


_LATIN_BASE = _latin_bases()
#: the accented Latin letters folded by :func:`clean` (for the pre-check's "needs a look" class)
ACCENTED_LATIN_CLASS = char_class(sorted(_LATIN_BASE))

_TABLES = load_confusables()
_TO_CYR = str.maketrans(_TABLES["cyr"])
_TO_LAT = str.maketrans(_TABLES["lat"])
_TO_LAT_ONE_AS_L = str.maketrans({**_TABLES["lat"], "1": "l"})

# letters with no look-alike in the other alphabet: one of them decides a word's script
_STRONG_CYR = re.compile("[бгджзийлпфцчшщъыьэюяєїґ]")
_STRONG_LAT = re.compile("[dfgjlqsvwz]")
_ANY_CYR = re.compile("[\u0400-\u04ff]")
_ANY_LAT = re.compile("[a-z]")
_PI = re.compile(r"3[.,]14|π")
_CARON_SOUND = {"š": "sh", "Š": "Sh", "č": "ch", "Č": "Ch", "ž": "zh", "Ž": "Zh"}
_SLAVIC_CARON = re.compile("[šŠčČžŽ]")
_THREE_AFTER_LETTER = re.compile(r"[^\W\d_]3")
_CODE = re.compile(r"[a-z]{1,3}\d{2,}")
_WILDCARD = re.compile(r"[*#]+|\.{2,}|…")
_SYMBOLS = re.compile(r"[@$!©¥®¡]")
#: marks typed for a hidden letter as ``*`` is (х&йня, п^здец, f?ck, п`здец, х~йня, sh|t), with
#: innocent uses between letters too (a question mark typed without its space, AT&T, x^y):
#: the tokenizer keeps them inside a word only where they hide a letter (tokens.py), and a
#: word is read with them as the ``*`` wildcard
QUERY_MARKS = "?&^`~|"
QUERY_MASK = re.compile(f"[{re.escape(QUERY_MARKS)}]+")
_PLAIN_RUSSIAN = re.compile("[а-яё]+")
_LETTER = re.compile(r"[^\W\d_]")


#: letters no Russian word has, which English words can be faked with: non-Russian Cyrillic
#: (ѕ, і, һ…) and Greek. A word holding one is a disguise, read in both alphabets (ѕнιт).
FOREIGN_LOOK_ALIKE = re.compile("[ѕіјӏԁһԛԝ\u0370-\u03ff]")


class Script(Enum):
    """The alphabet a word is read in."""

    CYR = "cyr"
    LAT = "lat"


@dataclass(frozen=True, slots=True)
class Word:
    """A normalised word: its script and its readings, most likely first.

    A reading is ``(text, masked)``; ``masked`` means it holds wildcards (``*``, ``#``, ``..``).
    Symbols have more than one reading: ``п@здец`` is п-а-здец or a mask п*здец, ``a$$ho1e``
    reads its 1 as i or as l.
    """

    script: Script
    readings: tuple[tuple[str, bool], ...]
    titlecase: bool
    letters: int  # real letters in the word, digits and symbols not counted

    @property
    def text(self) -> str:
        """The first reading."""
        return self.readings[0][0]


def clean(raw: str) -> str:
    """Apply NFKC, drop invisible characters and combining marks, fold accented Latin letters
    and lower-case."""
    if not raw.isascii():
        raw = unicodedata.normalize("NFKC", raw).translate(_STRIP).translate(_LATIN_BASE)
    return raw.lower()


def detect_script(word: str, default: Script) -> Script:
    """Decide whether a lower-case word is Cyrillic or Latin.

    A letter that exists in only one alphabet (б, д, я … / d, f, s …) decides; when both kinds
    or neither occur, the alphabet most letters are written in wins, then the message's.
    """
    strong_cyr = _STRONG_CYR.search(word) is not None
    strong_lat = _STRONG_LAT.search(word) is not None
    if strong_cyr != strong_lat:
        return Script.CYR if strong_cyr else Script.LAT
    if strong_cyr:
        cyr, lat = len(_STRONG_CYR.findall(word)), len(_STRONG_LAT.findall(word))
    else:
        cyr, lat = len(_ANY_CYR.findall(word)), len(_ANY_LAT.findall(word))
    if cyr != lat:
        return Script.CYR if cyr > lat else Script.LAT
    return default


def normalize_word(raw: str, default: Script, *, script: Script | None = None) -> Word | None:
    """Normalise one token; ``None`` if it has no letter at all (numbers, lone symbols).
    ``script`` forces the alphabet the word is read in."""
    text = clean(raw)
    if not text.isalnum() and QUERY_MASK.search(text) is not None:
        text = QUERY_MASK.sub("*", text)
    if _CODE.fullmatch(text):
        # a road, a model or a flight (SH17, A320, B52): its digits are a number, not letters
        return Word(Script.LAT, ((text, False),), False, sum(c.isalpha() for c in text))
    if (script is None and text.isalpha() and (text.isascii() or _PLAIN_RUSSIAN.fullmatch(text))
            and (raw.isascii() or _SLAVIC_CARON.search(raw) is None)):
        # the common case: nothing to fold but ё (and Latin look-alikes need no folding)
        script = Script.LAT if text.isascii() else Script.CYR
        plain = text.replace("ё", "е") if script is Script.CYR else text
        titlecase = raw[:1].isupper() and raw[1:].islower()
        return Word(script, ((plain, False),), titlecase, len(text))
    if _LETTER.search(text) is None:
        return None
    script = script or detect_script(text, default)
    if script is Script.CYR:
        pi = _PI.search(text) is not None
        unpi = text
        text = _PI.sub("пи", text)
        candidates = [text.translate(_TO_CYR)]
        if pi:
            # writers also let 3.14 stand for «пиз» (3.14дюли, 3.14дец)
            candidates.append(_PI.sub("пиз", unpi).translate(_TO_CYR))
        if "3" in text and _THREE_AFTER_LETTER.search(text):
            # ... and 3 for е as in English leet, where it usually stands for з (нах3р; not
            # at a word's start: a school class is 3Б)
            candidates.append(text.replace("3", "е").translate(_TO_CYR))
        if "g" in text:
            # a handwritten д looks like a Latin g (пuзgец)
            candidates.append(text.replace("g", "д").translate(_TO_CYR))
        if "r" in text:
            # a Latin r reads as г by shape, but writers mean р by sound (пидоr)
            candidates.append(text.replace("r", "р").translate(_TO_CYR))
        if _ANY_LAT.search(text):
            # ... and a Latin run may be written by sound (pizдец): the matcher reads it so
            candidates.append(text)
    else:
        text = _PI.sub("pi", text)
        candidates = [text.translate(_TO_LAT)]
        if _SLAVIC_CARON.search(raw):
            # Czech, Slovak and Croatian spell ш, ч, ж as š, č, ž, and Czech х as ch (šljucha):
            # read by sound too
            czech = raw.replace("ch", "kh").replace("Ch", "Kh")
            spoken = clean(_SLAVIC_CARON.sub(lambda found: _CARON_SOUND[found.group()], czech))
            candidates.append(_PI.sub("pi", spoken).translate(_TO_LAT))
        if "1" in text:
            candidates.append(text.translate(_TO_LAT_ONE_AS_L))
        if "η" in text:
            # a capital eta is an H (ΒΙΤCΗ), lower-cased it looks like n
            candidates.append(text.replace("η", "h").translate(_TO_LAT))
        if "4" in text:
            # Russian in Latin letters writes ч as 4 (muda4ok, su4ka)
            candidates.append(text.replace("4", "ch").translate(_TO_LAT))
        if "6" in text:
            # ... б as 6, by shape (6lya, 6lyad'), where English leet reads 6 as g
            candidates.append(text.replace("6", "b").translate(_TO_LAT))
        if "3" in text:
            # ... and з as 3, by shape (pi3dec, 3aebal), where English leet reads 3 as e
            candidates.append(text.replace("3", "z").translate(_TO_LAT))
            if "6" in text:  # both at once (3ae6al)
                candidates.append(text.replace("3", "z").replace("6", "b").translate(_TO_LAT))
        if "9" in text:
            # ... and я as 9 (bl9t), where English leet reads 9 as g
            candidates.append(text.replace("9", "ya").translate(_TO_LAT))
    if _SYMBOLS.search(text):
        masked_text = _SYMBOLS.sub("*", text)
        candidates.append(masked_text.translate(_TO_CYR if script is Script.CYR else _TO_LAT))
    readings = tuple(
        (reading, _WILDCARD.search(reading) is not None) for reading in dict.fromkeys(candidates)
    )
    stripped = raw.strip("*#.…")
    titlecase = stripped[:1].isupper() and stripped[1:].islower()
    letters = len(_LETTER.findall(text, 0, 64))  # only ever compared with small numbers
    return Word(script, readings, titlecase, letters)


def digits_as_letters(text: str) -> str:
    """A lower-case word with its digits and symbols read as the Latin letters they stand for
    (sh17 → shit), where :func:`normalize_word` takes a code's digits for a number."""
    return text.translate(_TO_LAT)


def normalize_phrase(word: str) -> str:
    """Normalise an owner-supplied word (extra or allowed) the way text words are normalised."""
    cleaned = clean(word.strip())
    script = detect_script(cleaned, Script.CYR)
    table = _TO_CYR if script is Script.CYR else _TO_LAT
    return collapse_all(cleaned.translate(table))


_RUN3 = re.compile(r"(.)\1{2,}")
_RUN2 = re.compile(r"(.)\1+")


def collapse_all(word: str) -> str:
    """Collapse every run of equal characters (хууйня → хуйня, asssshole → ashole)."""
    return _RUN2.sub(r"\1", word)


def spellings(word: str) -> tuple[tuple[str, bool], ...]:
    """The spellings a matcher should try for a word, most literal first.

    Runs of three or more equal letters are stretching (fuuuck, хууууйня) and read as one or
    two letters; the last spelling collapses every run.  The flag says "every run collapsed":
    a whole-word list must not be searched with it, or woop would read as wop.
    """
    if _RUN2.search(word) is None:
        return ((word, False),)
    one = _RUN3.sub(r"\1", word)
    two = _RUN3.sub(r"\1\1", word)
    everything = _RUN2.sub(r"\1", one)
    out = [(one, False)]
    if two != one:
        out.append((two, False))
    if everything not in (one, two):
        out.append((everything, True))
    return tuple(out)
