"""Synonym and slang groups as data: maps stemmed words and phrases to shared concept terms.

A FAQ says "приостановить абонемент", a member writes "заморозить абик": no string overlap, same
intent. Tagging both sides with the same concept term (``~заморозить``) lets plain term matching
see it. The groups live in ``data/synonyms.txt`` so they can be read and extended without code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .text import DATA_DIR, normalise, stem, words

CONCEPT_PREFIX = "~"


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Stem sequences (length 1..``longest``) → concept terms; ``forms``: the words as written."""

    phrases: dict[tuple[str, ...], frozenset[str]]
    longest: int

    forms: frozenset[str]

    def concepts(self, stems: Sequence[str]) -> list[tuple[int, int, str]]:
        """``(start, end, concept)`` for every group phrase found in ``stems``."""
        found: list[tuple[int, int, str]] = []
        for start in range(len(stems)):
            for size in range(1, self.longest + 1):
                key = tuple(stems[start : start + size])
                if len(key) < size:
                    break
                for concept in self.phrases.get(key, ()):
                    found.append((start, start + size, concept))
        return found


def parse_lexicon(text: str) -> Lexicon:
    """Parse ``concept: member, member`` lines; ``#`` starts a comment."""
    phrases: dict[tuple[str, ...], set[str]] = {}
    forms: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or ":" not in line:
            continue
        label, members = line.split(":", 1)
        concept = CONCEPT_PREFIX + normalise(label.strip())
        for member in members.split(","):
            member_words = words(member)
            forms.update(member_words)
            key = tuple(stem(w) for w in member_words)
            if key:
                phrases.setdefault(key, set()).add(concept)
    frozen = {key: frozenset(value) for key, value in phrases.items()}
    return Lexicon(frozen, max((len(k) for k in frozen), default=1), frozenset(forms))


def load_lexicon() -> Lexicon:
    """The packaged general-purpose lexicon."""
    return parse_lexicon((DATA_DIR / "synonyms.txt").read_text(encoding="utf-8"))
