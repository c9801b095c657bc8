"""Obscenity filter for chat messages (Russian мат, hard insults, slurs, English profanity).

Usage::

    flt = ObscenityFilter(languages=("ru", "en"), extra_words=["дурак"], allowed_words=[])
    verdict = flt.check("ну и х*йня")
    verdict.obscene, verdict.explain()

Lexicons are commented text files in ``data/`` (package data glob ``data/*.txt``); the English
list is better-profanity's word list, read as data and curated by ``data/en_exclude.txt``.
"""

from .engine import ObscenityFilter
from .model import Match, Verdict

__all__ = ["Match", "ObscenityFilter", "Verdict"]
