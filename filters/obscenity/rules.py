"""Lexicon rules compiled for matching: one alternation per rule file."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .data import Rule


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon entry that matched a word."""

    name: str
    lexicon: str
    normalized: str


class RuleSet:
    """Whole-word regex rules compiled into one alternation (one regex call per spelling)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = list(rules)
        body = "|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(self._rules))
        self._regex = re.compile(body) if body else None
        # for searching inside a long string (a long spaced-out run, a 10 000-letter "word"):
        # the rules without their leading prefix chain or \w*, in one group-free alternation so
        # sre can scan for the first letters in C; the rule is identified only after a hit
        cores = [rule.core for rule in self._rules]
        self._inner = re.compile("|".join(cores)) if cores else None
        self._cores = [re.compile(core) for core in cores]

    def match(self, word: str) -> Rule | None:
        """Return the first rule whose pattern matches the whole word."""
        if self._regex is None:
            return None
        found = self._regex.fullmatch(word)
        if found is None or found.lastgroup is None:
            return None
        return self._rules[int(found.lastgroup[1:])]

    def search(self, text: str) -> tuple[Rule, str] | None:
        """Return the first rule matching somewhere inside ``text``, and what it matched."""
        if self._inner is None:
            return None
        found = self._inner.search(text)
        if found is None:
            return None
        for rule, core in zip(self._rules, self._cores, strict=True):
            if core.match(text, found.start()):
                return rule, found.group()
        return None

    @property
    def rules(self) -> list[Rule]:
        """The rules, in file order."""
        return self._rules

    @property
    def stems(self) -> list[str]:
        """The pre-check stems of all rules."""
        return [stem for rule in self._rules for stem in rule.stems]
