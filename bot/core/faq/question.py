"""Is a chat message question-like? The cheap gate that runs before any matching.

Most chat traffic is greetings, thanks and banter; answering it from the FAQ is the worst kind of
mistake and matching it costs time. So only messages that ask something (a "?", an asking word)
or report a problem ("the code never arrives") go on to the matcher.
"""

from __future__ import annotations

import re

from .text import DATA_DIR, normalise

_CLAUSE_RE = re.compile(r"[.!?…;:,()\n—–]+|\s-\s")
_WORD_RE = re.compile(r"[^\W_]+")


def _load_cues() -> tuple[frozenset[str], frozenset[str]]:
    sections: dict[str, set[str]] = {"anywhere": set(), "start": set()}
    current = "anywhere"
    for line in (DATA_DIR / "question_cues.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            continue
        sections[current].update(normalise(line).split())
    return frozenset(sections["anywhere"]), frozenset(sections["start"])


_ANYWHERE, _START = _load_cues()
# Openers skipped before looking for a clause-initial cue ("anyway, does it run on…").
_FILLER = frozenset(
    (
        "а",
        "и",
        "но",
        "так",
        "ну",
        "кстати",
        "короче",
        "слушайте",
        "and",
        "but",
        "so",
        "anyway",
        "also",
        "ok",
        "okay",
        "btw",
        "hey",
        "oh",
        "well",
    )
)


def is_question_like(text: str) -> bool:
    """True if ``text`` asks something or reports a problem; cheap enough for every message."""
    if "?" in text:
        return True
    flat = normalise(text).replace("'", "")
    for clause in _CLAUSE_RE.split(flat):
        tokens = _WORD_RE.findall(clause)
        if not tokens:
            continue
        first = next((t for t in tokens if t not in _FILLER), "")
        if first in _START:
            return True
        if not _ANYWHERE.isdisjoint(tokens):
            return True
    return False
