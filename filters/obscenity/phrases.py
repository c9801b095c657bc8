"""Innocent phrases around words that are otherwise flagged (a cock-up, a fag break).

A flagged message is read again with its innocent phrases blanked (each replaced by as many
spaces, so the spans of whatever else it holds still index the member's own text). Each
pattern is tried only when its trigger substring occurs in the lower-cased message.
"""

from __future__ import annotations

import re

from .data import load_words


def _load(name: str) -> tuple[tuple[str, re.Pattern[str]], ...]:
    """``trigger | pattern`` lines: the pattern may hold further bars, the trigger none."""
    rules = []
    for line in load_words(name):
        trigger, _, pattern = (part.strip() for part in line.partition("|"))
        rules.append((trigger, re.compile(pattern, re.IGNORECASE)))
    return tuple(rules)


_RULES = _load("allow_phrases.txt")


def blank_innocent_phrases(text: str, lowered: str) -> str:
    """``text`` with the innocent phrases it holds replaced by spaces (the same length)."""
    for trigger, pattern in _RULES:
        if trigger in lowered:
            text = pattern.sub(lambda found: " " * len(found.group()), text)
    return text
