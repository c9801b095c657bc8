"""The verdict types returned by the filter: what matched, where, and in which form."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Match:
    """One obscene word found in a message.

    ``start``/``end`` index the ORIGINAL text (Python ``str`` indices, end exclusive), so a
    moderator sees the member's own characters in ``fragment``; ``normalized`` is the form the
    lexicon entry ``word`` matched after undoing disguises.
    """

    word: str
    start: int
    end: int
    fragment: str
    normalized: str
    lexicon: str

    def explain(self) -> str:
        """One audit line, e.g. ``хуй ← "x*йня" [3:9] → хуйня (ru.mat)``."""
        form = "" if self.normalized == self.fragment.lower() else f" → {self.normalized}"
        return f'{self.word} ← "{self.fragment}" [{self.start}:{self.end}]{form} ({self.lexicon})'


@dataclass(frozen=True, slots=True)
class Verdict:
    """The filter's answer for one message."""

    obscene: bool
    matches: tuple[Match, ...]

    def explain(self) -> str:
        """Short human/audit text: every match on its own line, or ``clean``."""
        if not self.matches:
            return "clean"
        return "\n".join(match.explain() for match in self.matches)


CLEAN = Verdict(False, ())
