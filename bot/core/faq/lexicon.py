"""Synonym and slang groups as data: maps stemmed words and phrases to shared concept terms.

A FAQ says "приостановить абонемент", a member writes "заморозить абик": no string overlap, same
intent. Tagging both sides with the same concept term (``~заморозить``) lets plain term matching
see it. The groups live in ``data/synonyms.txt`` so they can be read and extended without code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .text import DATA_DIR, load_word_list, normalise, stem, words

CONCEPT_PREFIX = "~"
# The groups: the first file grew with the sample FAQs' topics; the second holds general
# service-chat groups (money, accounts, delivery, bookings, support, devices, health, schools,
# travel, food, housing, software…) written from general knowledge.
LEXICON_FILES = ("synonyms.txt", "synonyms_general.txt")


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Stem sequences (length 1..``longest``) → concept terms; ``forms``: the words as written."""

    phrases: dict[tuple[str, ...], frozenset[str]]
    longest: int

    forms: frozenset[str]
    # (stems, concept) of members written with stopwords only ("how much", "когда"): only these
    # may tag a run of stopwords. A content word whose stem happens to equal a stopword's
    # ("почём" / "почему", "меню" / "меня") must not tag every message with that stopword.
    spoken: frozenset[tuple[tuple[str, ...], str]] = frozenset()

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


def parse_lexicon(text: str, stopwords: frozenset[str] = frozenset()) -> Lexicon:
    """Parse ``concept: member, member`` lines; ``#`` starts a comment."""
    phrases: dict[tuple[str, ...], set[str]] = {}
    forms: set[str] = set()
    spoken: set[tuple[tuple[str, ...], str]] = set()
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
                if all(w in stopwords for w in member_words):
                    spoken.add((key, concept))
    frozen = {key: frozenset(value) for key, value in phrases.items()}
    longest = max((len(k) for k in frozen), default=1)
    return Lexicon(frozen, longest, frozenset(forms), frozenset(spoken))


def load_lexicon() -> Lexicon:
    """The packaged general-purpose lexicon: every file of ``LEXICON_FILES``."""
    text = "\n".join((DATA_DIR / name).read_text(encoding="utf-8") for name in LEXICON_FILES)
    return parse_lexicon(text, load_word_list("stopwords.txt"))
