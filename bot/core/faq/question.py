"""Is a chat message question-like? The cheap gate that runs before any matching.

Most chat traffic is greetings, thanks and banter; answering it from the FAQ is the worst kind of
mistake and matching it costs time. So only messages that ask something (a "?", an asking word)
or report a problem ("the code never arrives") go on to the matcher.
"""

from __future__ import annotations

import re

from .text import DATA_DIR, normalise

_DASH_RE = re.compile(r"\s-\s")
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
FILLER = frozenset(
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


# A clause that ends offering the other answer is a yes/no question ("платный или нет").
_ALTERNATIVE = frozenset((("или", "нет"), ("или", "как"), ("or", "not"), ("or", "no")))
# Asking words that also open exclamations: "what a night", "какая красота 😍". Without a "?",
# "what a/an" always exclaims, and "какой/какая/какое/какие" does in a clause that ends with "!"
# or holds an emoji; "как" and "how" ask too often with an emoji ("как записаться 🙏") to tell.
_EXCLAIMING = frozenset(("какой", "какая", "какое", "какие"))
_EMOJI_RE = re.compile(r"[\U0001F300-\U0001FAFF\u2600-\u27BF]")
_CLAUSE_END_RE = re.compile(r"([^.!?…;:,()\n—–]*)([.!?…;:,()\n—–]*)")


def is_question_like(text: str) -> bool:
    """True if ``text`` asks something or reports a problem; cheap enough for every message."""
    if "?" in text:
        return True
    flat = _DASH_RE.sub(",", normalise(text).replace("'", ""))
    for match in _CLAUSE_END_RE.finditer(flat):
        tokens = _WORD_RE.findall(match.group(1))
        if not tokens:
            continue
        first = next((t for t in tokens if t not in FILLER), "")
        if first in _START or tuple(tokens[-2:]) in _ALTERNATIVE:
            return True
        exclaims = "!" in match.group(2) or _EMOJI_RE.search(match.group(1)) is not None
        if any(t in _ANYWHERE and not _exclaiming(tokens, i, exclaims) for i, t in enumerate(tokens)):
            return True
    return False


def _exclaiming(tokens: list[str], i: int, exclaims: bool) -> bool:
    """True if the cue at ``tokens[i]`` opens an exclamation rather than a question."""
    if tokens[i] == "what":
        return i + 1 < len(tokens) and tokens[i + 1] in ("a", "an")
    return exclaims and tokens[i] in _EXCLAIMING
