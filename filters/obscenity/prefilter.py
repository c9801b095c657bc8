"""The fast pre-check: decides, for most chat messages, that nothing in them can match.

Most messages are clean, so the cost that matters is the cost of saying "clean".  The pre-check
runs on ``text.lower()`` with one compiled regex (plus, for non-ASCII text, a character-class
search and an NFKC check) and no Python loop per character.

The *trigger* regex is a top-level alternation whose branches all start with a literal
character.  CPython's regex engine then scans for the set of those first characters in C and
only tries the pattern where one occurs, so the clean path costs about one comparison per
character plus a little per *candidate* position.  To keep candidates rare, each lexicon stem is
keyed on its rarest letter (``пизд`` on з, ``fuck`` on k) and checks the letters before it with
short look-behinds (which tolerate a repeated letter: пиииздец) and the letters after it with a
repetition-tolerant trie.  Other branches catch symbols or digits inside a word (х*й, sh1t,
п@здец) and letters spaced out one by one (х у й).

The pre-check only has to be a superset of what the word matcher can find: anything it lets
through goes to the full matcher, which decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from .normalize import INVISIBLE_POINTS, char_class

_LETTER_VARIANTS = {"е": "её", "ё": "её"}
_WORD_CHAR = r"[^\W\d_]"
_SEP_CLASS = r"[\s._\-]"

# Approximate letter frequencies (% of letters) in Russian and English text: a stem is keyed on
# the letter that occurs least, so the regex engine stops at as few positions as possible.
_FREQUENCY = dict(
    zip(
        "оеаинтсрвлкмдпуяыьгзбчйхжшюцщэфъё",
        (10.97, 8.45, 8.01, 7.35, 6.70, 6.26, 5.47, 4.73, 4.54, 4.40, 3.49, 3.21, 2.98, 2.81,
         2.62, 2.01, 1.90, 1.74, 1.70, 1.65, 1.59, 1.44, 1.21, 0.97, 0.94, 0.73, 0.64, 0.48,
         0.36, 0.32, 0.26, 0.04, 0.04),
    )
) | dict(
    zip(
        "etaoinshrdlcumwfgypbvkjxqz",
        (12.7, 9.1, 8.2, 7.5, 7.0, 6.7, 6.3, 6.1, 6.0, 4.3, 4.0, 2.8, 2.8, 2.4, 2.4, 2.2, 2.0,
         2.0, 1.9, 1.5, 1.0, 0.8, 0.15, 0.15, 0.1, 0.07),
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
    """"More of the same letter" after a literal (хууууй, fuuuck)."""
    return _char(char) + "*"


def _key_index(body: str) -> int:
    """Position of the letter a stem is keyed on: the rarest, preferring one with a letter
    before it (the look-behind then filters candidates further)."""
    def cost(index: int) -> float:
        return _FREQUENCY.get(body[index], 0.5) + (0.0 if index else 1.0)

    return min(range(len(body)), key=cost)


def _behind(body: str, key: int, before: str | None) -> str:
    """Look-behinds (placed right after the key letter) checking the letters before it."""
    checks = []
    here = _char(body[key])
    if key >= 2:
        prev, prev2 = _char(body[key - 1]), _char(body[key - 2])
        checks.append(f"(?:(?<={prev2}{prev}{here})|(?<={prev}{prev}{here}))")
    elif key == 1:
        checks.append(f"(?<={_char(body[0])}{here})")
    if before is not None:
        head = "".join(_char(ch) for ch in body[:key])
        # the letter before the stem must not be a word letter (unless explicitly allowed);
        # checked only for the stem spelled without repeats, which keeps it a superset
        checks.append(f"(?<![^\\W_{re.escape(before)}]{head}{here})")
    return "".join(checks)


class _Trie:
    """Stem endings as nested alternations that all start with a literal.

    sre skips an alternative whose first op is a non-matching literal with one comparison, so
    a trie costs a few comparisons however many endings it holds.
    """

    def __init__(self) -> None:
        self.children: dict[str, _Trie] = {}
        self.terminal = False

    def add(self, word: str) -> None:
        node = self
        for char in word:
            if node.terminal:
                return
            node = node.children.setdefault(char, _Trie())
        node.terminal = True
        node.children.clear()

    def regex(self) -> str:
        """Regex for the rest below this node ("" once some stem is complete)."""
        if self.terminal or not self.children:
            return ""
        alternatives = []
        for char, child in self.children.items():
            for variant in _LETTER_VARIANTS.get(char, char):
                alternatives.append(re.escape(variant) + _repeat(char) + child.regex())
        return alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"


def _minimal_stems(stems: Iterable[str]) -> list[str]:
    """Drop stems that contain a shorter unanchored stem: the shorter one already triggers."""
    unique = sorted({s.lower() for s in stems if s}, key=len)
    plain = [s for s in unique if not s.startswith(("^", "["))]
    kept: list[str] = []
    for stem in unique:
        _, body = _parse_stem(stem)
        if body and not any(p != stem and p in body for p in plain):
            kept.append(stem)
    return kept


def _symbol_branches() -> list[tuple[str, str]]:
    """Masks, digits and spaced-out letters: (literal first character, regex for the rest)."""
    out: list[tuple[str, str]] = []
    for char in "*#@$":
        # a mask or symbol right after a letter: х*й, f**k, п@здец, a$$
        out.append((char, f"(?<={_WORD_CHAR}{re.escape(char)})"))
    # "!" only between letters (sh!t), not at the end of a sentence
    out.append(("!", f"(?<={_WORD_CHAR}!)(?={_WORD_CHAR})"))
    out.append((".", rf"(?<={_WORD_CHAR}\.)\.+{_WORD_CHAR}"))
    out.append(("…", rf"(?<={_WORD_CHAR}…)"))
    for digit in "0123456789":
        # a digit touching a letter: sh1t, 6лядь, n1gg3r, 3.14здец
        out.append((digit, f"(?:(?<={_WORD_CHAR}{digit})|(?={_WORD_CHAR}))"))
    single = r"[^\W_](?![^\W_])"
    for sep in " \n\t":
        # three letters in a row standing alone: х у й, f.u.c.k, п-и-з-д-е-ц
        out.append((sep, rf"[^\W_](?:{_SEP_CLASS}{{1,3}}{single}){{2}}"))
    return out


def build_trigger(stems: Iterable[str]) -> re.Pattern[str]:
    """Compile the trigger regex from lexicon stems plus the symbol/digit/spacing branches.

    The text searched must be ``" " + text.lower()`` (the space lets a spaced-out word at the
    very start be seen).
    """
    groups: dict[str, dict[str, _Trie]] = defaultdict(lambda: defaultdict(_Trie))
    for stem in _minimal_stems(stems):
        before, body = _parse_stem(stem)
        key = _key_index(body)
        behind = _behind(body, key, before)
        for first in _LETTER_VARIANTS.get(body[key], body[key]):
            groups[first][behind].add(body[key + 1:] or "\0")
    by_first: dict[str, list[str]] = defaultdict(list)
    for first, tries in groups.items():
        for behind, trie in tries.items():
            ending = "" if "\0" in trie.children else trie.regex()
            by_first[first].append(behind + _repeat(first) + ending)
    for first, rest in _symbol_branches():
        by_first[first].append(rest)
    parts = []
    for first, rests in by_first.items():
        unique = list(dict.fromkeys(rests))
        body = unique[0] if len(unique) == 1 else "(?:" + "|".join(unique) + ")"
        parts.append(re.escape(first) + body)
    return re.compile("|".join(parts))


#: invisible characters, combining marks, Greek and non-Russian Cyrillic look-alikes.  U+FE0F
#: (emoji presentation selector) is left out: it follows most emoji and is checked separately.
WEIRD = re.compile(
    "["
    + char_class([cp for cp in INVISIBLE_POINTS if cp != 0xFE0F])
    + "\u0370-\u03ff\u1f00-\u1fff\u0450\u0452-\u045f\u0460-\u052f\u2026"
    + "]"
)
#: a variation selector glued to a letter (a disguise, unlike the one after an emoji)
VS_AFTER_LETTER = re.compile(f"(?<={_WORD_CHAR})\ufe0f")
ANY_CYRILLIC = re.compile("[а-яё]")
#: a Latin letter touching a Cyrillic one: xуйня, пиздeц, fuсk
MIXED_SCRIPT = re.compile("[a-z](?:(?<=[а-яё][a-z])|(?=[а-яё]))")
