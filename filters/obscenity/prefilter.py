"""The pre-check: regexes that decide, for a piece of text, that nothing in it can match.

Most messages are clean, so the cost that matters is the cost of saying "clean".  Everything
here runs on lower-cased text as a handful of compiled regexes, with no Python loop per
character; the filter runs them once per distinct whitespace-separated piece and remembers the
clean pieces (see ``engine.py``).

* Two *stem* regexes (Latin, Cyrillic) are top-level alternations whose branches all start with
  a literal letter.  CPython's regex engine then scans for the set of those first letters in C
  and only tries the pattern where one occurs.  A stem is keyed on its first letter (a Cyrillic
  one on its second when the first is very common); a look-behind checks what must come before
  (a word start for ``^`` stems), a trie of literal-first alternatives what comes after, and
  every letter may repeat (хууууй, fuuuck) through possessive repeats, so no input can make
  them backtrack.
* ``SYMBOLS`` finds digits and symbols inside words (х*й, sh1t, п@здец, $hit), ``SPACED`` single
  letters spaced out (х у й, f.u.c.k), ``SUSPECT`` everything non-ASCII text needs the full
  tokenizer for (invisible characters, combining marks, foreign look-alikes).

The pre-check only has to be a superset of what the word matcher can find: whatever it lets
through goes to the matcher, which decides.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Iterable

from .normalize import ACCENTED_LATIN_CLASS, INVISIBLE_REGEX_POINTS, QUERY_MARKS, char_class
from .tokens import EMOJI_CLASS, LOOK_ALIKE_SYMBOLS, SEPARATORS

_LETTER_VARIANTS = {"е": "её", "ё": "её"}
_WORD_CHAR = r"[^\W\d_]"
_SEP_CLASS = f"[{SEPARATORS}]"

# Approximate letter frequencies (% of letters) in Russian and English text: they order the
# top-level alternatives and decide when a Cyrillic stem is keyed on its second letter.
_FREQUENCY = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81,
         2.62, 2.01, 1.90, 1.74, 1.70, 1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48,
         0.36, 0.32, 0.26, 0.04, 0.04),
        strict=True,
    )
) | dict(
    zip(
        "etaoinshrdlcumwfgypbvkjxqz",
        (12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0,
         2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07),
        strict=True,
    )
)


def _parse_stem(stem: str) -> tuple[str | None, str]:
    """Split ``^stem`` / ``[abc]stem`` / ``stem`` into (allowed previous letters, stem)."""
    if stem.startswith("^"):
        return "", stem[1:]
    if stem.startswith("["):
        close = stem.index("]")
        return stem[1:close], stem[close + 1:]
    return None, stem


def _char(char: str) -> str:
    """One letter as a regex atom (е also matches ё)."""
    variants = _LETTER_VARIANTS.get(char)
    return f"[{variants}]" if variants else re.escape(char)


def _repeat(char: str) -> str:
    """"More of the same letter" (хууууй, fuuuck).  Possessive: a repeated letter is never
    given back, so a run of 10 000 equal characters costs linear time, not quadratic."""
    return _char(char) + "*+"


Run = tuple[str, int]


def _runs(text: str) -> list[Run]:
    """``"ass"`` → ``[("a", 1), ("s", 2)]``."""
    return [(char, len(list(group))) for char, group in itertools.groupby(text)]


def _behind(body: str, key: int, before: str | None) -> str:
    """Look-behinds (placed right after the key letter) checking up to three letters before it.

    Besides the exact spelling, variants with the previous letter or the one before it doubled
    are accepted, so stretched words (пииииздец, ммразь) still trigger.
    """
    here = _char(body[key])
    head = [_char(ch) for ch in body[max(0, key - 3):key]]
    checks = []
    if head:
        variants = {"".join(head) + here, head[-1] + head[-1] + here}
        if len(head) >= 2:
            variants.add(head[-2] + head[-2] + head[-1] + here)
        checks.append("(?:" + "|".join(f"(?<={v})" for v in sorted(variants)) + ")")
    if before is not None and key <= 3:
        # the letter before the stem must not be a word letter (unless explicitly allowed, or
        # the stem's own first letter repeated)
        allowed = re.escape(before + body[0])
        checks.append(f"(?<![^\\W_{allowed}]{''.join(head)}{here})")
    return "".join(checks)


class _Trie:
    """Stems (as letter runs) rendered as nested alternations that start with a literal.

    sre skips an alternative whose first op is a non-matching literal with one comparison, so
    a trie costs a few comparisons however many stems it holds.  A run of n equal letters is
    n literals plus a possessive repeat of the letter.
    """

    def __init__(self) -> None:
        self.children: dict[Run, _Trie] = {}
        self.terminal = False

    def add(self, runs: list[Run]) -> None:
        node = self
        for run in runs:
            if node.terminal:
                return
            node = node.children.setdefault(run, _Trie())
        node.terminal = True
        node.children.clear()

    def regex(self) -> str:
        """Regex for the rest below this node ("" once some stem is complete)."""
        if self.terminal or not self.children:
            return ""
        alternatives: list[str] = []
        for (char, count), child in self.children.items():
            rest = _char(char) * (count - 1) + _repeat(char) + child.regex() if count else ""
            if count:
                alternatives.extend(re.escape(v) + rest for v in _LETTER_VARIANTS.get(char, char))
            else:
                alternatives.append(_repeat(char) + child.regex())
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _minimal_stems(stems: Iterable[str]) -> list[str]:
    """Drop stems another stem already covers: one containing a shorter unanchored stem, or
    one extending a shorter stem with the same anchoring (^fag covers ^faggot)."""
    unique = sorted({s.lower() for s in stems if s}, key=len)
    kept: list[str] = []
    for stem in unique:
        before, body = _parse_stem(stem)
        if not body:
            continue
        covered = False
        for other in kept:
            other_before, other_body = _parse_stem(other)
            if (other_before is None and other_body in body) or (
                other_before == before and body.startswith(other_body)
            ):
                covered = True
                break
        if not covered:
            kept.append(stem)
    return kept


def _compile(groups: dict[str, dict[str, _Trie]]) -> re.Pattern[str] | None:
    parts = []
    for first, tries in sorted(groups.items(), key=lambda item: -_FREQUENCY.get(item[0], 0)):
        rests = [behind + trie.regex() for behind, trie in tries.items()]
        body = rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"
        parts.append(re.escape(first) + body)
    return re.compile("|".join(parts)) if parts else None


def _key_for(body: str) -> int:
    """Key a Cyrillic stem on its first letter, or on the second when the first is one of the
    most frequent letters (Latin stems always on the first).  Measured on chat text, this beats
    keying on the rarest letter: every extra look-behind costs more than the candidate
    positions it saves."""
    if len(body) > 1 and _FREQUENCY.get(body[0], 0.0) > 7.0 and body[1] != body[0]:
        return 1
    return 0


def build_triggers(
    stems: Iterable[str],
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Compile the stem regexes, one for Latin stems and one for Cyrillic ones: a text without
    Latin letters never runs the first, and each has fewer alternatives to step through."""
    latin: dict[str, dict[str, _Trie]] = defaultdict(lambda: defaultdict(_Trie))
    cyrillic: dict[str, dict[str, _Trie]] = defaultdict(lambda: defaultdict(_Trie))
    for stem in _minimal_stems(stems):
        before, body = _parse_stem(stem)
        key = 0 if body.isascii() else _key_for(body)
        target = latin if body.isascii() else cyrillic
        runs = _runs(body[key:])
        # the key letter itself is the top-level literal; its run continues in the trie
        runs[0] = (runs[0][0], runs[0][1] - 1)
        # only the first letter of a run of equal letters is a candidate: otherwise a run of
        # 10 000 a's would be rescanned from each of its letters (quadratic time)
        first_of_run = f"(?<!{_char(body[key])}{_char(body[key])})"
        behind = _behind(body, key, before) + first_of_run
        for first in _LETTER_VARIANTS.get(body[key], body[key]):
            target[first][behind].add(runs)
    return _compile(latin), _compile(cyrillic)


_LETTER = r"[^\W\d_]"
_QUERY = re.escape(QUERY_MARKS)
#: symbols drawn like a letter (fu©k, х¥йня): see tokens.py
_SHAPES = re.escape(LOOK_ALIKE_SYMBOLS)
#: a digit or symbol inside a word: sh1t, 6лядь, n1gg3r, 3.14здец, х*й, f**k, п@здец, a$$,
#: $hit, @sshole, sh!t, bi+ch (a "!" or "+" only between letters: not the end of a sentence,
#: not C++), х&йня, п^здец, f?ck, п`здец, х~йня, sh|t (only between letters: "what?", "^_^",
#: x^2 stay clean), п...ц, п…ц,
#: х%йня, х___й, and a star before a word's first letter: *баный
SYMBOLS = re.compile(
    rf"[\d*#@$!.…%_+€¢×{_QUERY}{_SHAPES}](?:(?<={_LETTER}[\d*#@$…%€¢×])|(?<={_LETTER}[!+])(?={_LETTER}|\+{_LETTER})"
    rf"|(?<={_LETTER}[{_QUERY}{_SHAPES}])(?={_LETTER})|(?<=[€©])(?=[а-яё])"
    rf"|(?<={_LETTER}_)(?=_|{_LETTER})|(?<=[\d@$])(?={_LETTER})|(?<={_LETTER}\.)\.+{_LETTER}"
    rf"|(?<=^\*)(?=\**{_LETTER})|(?<=[^\w*]\*)(?=\**{_LETTER}))"
)
#: three or more pieces of one to three letters joined by hyphens: за-е-ба-ли
HYPHEN_CHAIN = re.compile(r"(?<![^\W_])[^\W_]{1,3}(?:-[^\W_]{1,3}){2,}(?![^\W_])")
#: three letters in a row standing alone: х у й, f.u.c.k, п-и-з-д-е-ц.  Search it in
#: ``" " + text`` so that a run at the very start is seen.
SPACED = re.compile(
    rf"\s[^\W_](?:{_SEP_CLASS}{{1,3}}[^\W_](?![^\W_])){{2}}"
)
_PLAIN = "[a-zа-яё0-9]"
#: the same for text whose only whitespace is the plain space (str.isprintable()): a literal
#: first character lets sre jump from space to space, about twice as fast
SPACED_PRINTABLE = re.compile(
    rf" {_PLAIN}(?:{_SEP_CLASS}{{1,3}}{_PLAIN}(?!{_PLAIN})){{2}}"
)


def spaced_out(lowered: str) -> bool:
    """Whether a lower-cased text has three single letters in a row (``х у й``)."""
    pattern = SPACED_PRINTABLE if lowered.isprintable() else SPACED
    return pattern.search(" " + lowered) is not None


_WEIRD_CLASS = (
    char_class([cp for cp in INVISIBLE_REGEX_POINTS if cp != 0xFE0F])
    + "\U0001d165-\U0001d1ad\U000e0000-\U000e01ef"
    + "\u0370-\u03ff\u1f00-\u1fff\u0450\u0452-\u045f\u0460-\u052f\u2026"
    + ACCENTED_LATIN_CLASS
    # ß drawn for b (ßitch) or б (ßля): a letter, so no symbol class finds it
    + "ß"
)
#: invisible characters, combining marks, Greek and non-Russian Cyrillic look-alikes, accented
#: Latin letters (fúck), or a digit/symbol inside a word: everything non-ASCII text needs the
#: full tokenizer for.  U+FE0F
#: (emoji presentation selector) is left out: it follows most emoji and is checked separately.
#: One character class first, so sre scans for it in C.
SUSPECT = re.compile(
    f"[{_WEIRD_CLASS}\\d*#@$!.%_☆★€¢×+{_QUERY}{_SHAPES}](?:(?<=[{_WEIRD_CLASS}])|(?<={_LETTER}[\\d*#@$%☆★€¢×])"
    rf"|(?<={_LETTER}[{_QUERY}{_SHAPES}])(?={_LETTER})|(?<=[€©])(?=[а-яё])"
    f"|(?<={_LETTER}_)(?=_|{_LETTER})"
    rf"|(?<={_LETTER}[!+])(?={_LETTER}|\+{_LETTER})|(?<=[\d@$])(?={_LETTER})"
    rf"|(?<={_LETTER}\.)\.+{_LETTER}"
    rf"|(?<=^\*)(?=\**{_LETTER})|(?<=[^\w*]\*)(?=\**{_LETTER})"
    r"|(?<=^#)(?=[а-яё])|(?<=[^\w#&]#)(?=[а-яё]))"
)
#: an emoji between two letters: пиз🤬дец, fu🤬ck
EMOJI_IN_WORD = re.compile(rf"(?<={_WORD_CHAR})[{EMOJI_CLASS}]+(?={_WORD_CHAR})")
#: a variation selector glued to a letter (a disguise, unlike the one after an emoji)
VS_AFTER_LETTER = re.compile(f"(?<={_WORD_CHAR})\ufe0f")
ANY_CYRILLIC = re.compile("[а-яё]")
ANY_LATIN = re.compile("[a-z]")
#: a Latin letter touching a Cyrillic one: xуйня, пиздeц, fuсk
MIXED_SCRIPT = re.compile("[a-z](?:(?<=[а-яё][a-z])|(?=[а-яё]))")
