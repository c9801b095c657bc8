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

from .normalize import INVISIBLE_REGEX_POINTS, char_class

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
    """Position of the letter a stem is keyed on: its rarest letter.

    A doubled letter right before the key would make the repeat-tolerant look-behind as weak
    as the spelling itself (book would pass for fook), so such positions cost extra.
    """
    def cost(index: int) -> float:
        weak = index >= 2 and body[index - 1] == body[index - 2]
        return _FREQUENCY.get(body[index], 0.5) + (10.0 if weak else 0.0)

    return min(range(len(body)), key=cost)


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
        rests = []
        for behind, trie in tries.items():
            ending = "" if "\0" in trie.children else trie.regex()
            rests.append(behind + _repeat(first) + ending)
        body = rests[0] if len(rests) == 1 else "(?:" + "|".join(rests) + ")"
        parts.append(re.escape(first) + body)
    return re.compile("|".join(parts)) if parts else None


def build_triggers(
    stems: Iterable[str],
) -> tuple[re.Pattern[str] | None, re.Pattern[str] | None]:
    """Compile the stem regexes, one for stems keyed on a Latin letter and one for the rest
    (Cyrillic): a text without Latin letters never has to run the first, and each regex has
    fewer top-level alternatives to step through per candidate position."""
    latin: dict[str, dict[str, _Trie]] = defaultdict(lambda: defaultdict(_Trie))
    cyrillic: dict[str, dict[str, _Trie]] = defaultdict(lambda: defaultdict(_Trie))
    for stem in _minimal_stems(stems):
        before, body = _parse_stem(stem)
        key = _key_index(body)
        behind = _behind(body, key, before)
        target = latin if body[key].isascii() else cyrillic
        for first in _LETTER_VARIANTS.get(body[key], body[key]):
            target[first][behind].add(body[key + 1:] or "\0")
    return _compile(latin), _compile(cyrillic)


_LETTER = r"[^\W\d_]"
#: a digit or symbol inside a word: sh1t, 6лядь, n1gg3r, 3.14здец, х*й, f**k, п@здец, a$$,
#: $hit, @sshole, sh!t (a "!" only between letters: not the end of a sentence), п...ц, п…ц
SYMBOLS = re.compile(
    rf"[\d*#@$!.…](?:(?<={_LETTER}[\d*#@$…])|(?<={_LETTER}!)(?={_LETTER})"
    rf"|(?<=[\d@$])(?={_LETTER})|(?<={_LETTER}\.)\.+{_LETTER})"
)
#: three letters in a row standing alone: х у й, f.u.c.k, п-и-з-д-е-ц.  Search it in
#: ``" " + text`` so that a run at the very start is seen.
SPACED = re.compile(
    rf"\s[^\W_](?:{_SEP_CLASS}{{1,3}}[^\W_](?![^\W_])){{2}}"
)


_WEIRD_CLASS = (
    char_class([cp for cp in INVISIBLE_REGEX_POINTS if cp != 0xFE0F])
    + "\U0001d165-\U0001d1ad\U000e0000-\U000e01ef"
    + "\u0370-\u03ff\u1f00-\u1fff\u0450\u0452-\u045f\u0460-\u052f\u2026"
)
#: invisible characters, combining marks, Greek and non-Russian Cyrillic look-alikes, or a
#: digit/symbol inside a word: everything non-ASCII text needs the full tokenizer for.  U+FE0F
#: (emoji presentation selector) is left out: it follows most emoji and is checked separately.
#: One character class first, so sre scans for it in C.
SUSPECT = re.compile(
    f"[{_WEIRD_CLASS}\\d*#@$!.](?:(?<=[{_WEIRD_CLASS}])|(?<={_LETTER}[\\d*#@$])"
    rf"|(?<={_LETTER}!)(?={_LETTER})|(?<=[\d@$])(?={_LETTER})|(?<={_LETTER}\.)\.+{_LETTER})"
)
#: a variation selector glued to a letter (a disguise, unlike the one after an emoji)
VS_AFTER_LETTER = re.compile(f"(?<={_WORD_CHAR})\ufe0f")
ANY_CYRILLIC = re.compile("[а-яё]")
ANY_LATIN = re.compile("[a-z]")
#: a Latin letter touching a Cyrillic one: xуйня, пиздeц, fuсk
MIXED_SCRIPT = re.compile("[a-z](?:(?<=[а-яё][a-z])|(?=[а-яё]))")
