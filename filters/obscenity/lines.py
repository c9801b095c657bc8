"""The line contract of ``modbot check-text``: JSON lines in, one verdict line out per input."""

from __future__ import annotations

import json
from typing import Any, TextIO

from bot.core.jsonlines import read_line

from .engine import ObscenityFilter


def _verdict_line(message_id: Any, text: str, flt: ObscenityFilter) -> dict[str, Any]:
    verdict = flt.check(text)
    return {
        "id": message_id,
        "obscene": verdict.obscene,
        "matches": [
            {
                "word": m.word,
                "start": m.start,
                "end": m.end,
                "fragment": m.fragment,
                "normalized": m.normalized,
                "lexicon": m.lexicon,
            }
            for m in verdict.matches
        ],
    }


class LineError(ValueError):
    """An input line that cannot be checked; ``line_id`` is its "id" when it had one."""

    def __init__(self, message: str, line_id: Any = None) -> None:
        super().__init__(message)
        self.line_id = line_id


def _parse(line: str, number: int) -> tuple[Any, str]:
    """Return (id, text) of one input line or raise LineError with a message for the output."""
    try:
        item = read_line(line)
    except ValueError as exc:
        raise LineError(f"line {number}: invalid JSON: {exc}") from exc
    if not isinstance(item, dict):
        raise LineError(f"line {number}: expected a JSON object")
    text = item.get("text")
    if not isinstance(text, str):
        raise LineError(f"line {number}: \"text\" must be a string", item.get("id"))
    return item.get("id"), text


def run_check_text(stdin: TextIO, stdout: TextIO, flt: ObscenityFilter) -> int:
    """Read ``{"id", "text"}`` lines, write ``{"id", "obscene", "matches"}`` lines, in order.

    A line that cannot be read yields ``{"id": …, "error": "line N: …"}`` (its id when it has
    one, else null) and processing goes on; blank lines are skipped.  Every output line is
    flushed at once so a pipe sees verdicts as they are made.  Always returns 0.
    """
    for number, line in enumerate(stdin, start=1):
        if not line.strip():
            continue
        try:
            message_id, text = _parse(line, number)
            out: dict[str, Any] = _verdict_line(message_id, text, flt)
        except LineError as exc:
            # the contract's keys too, so a reader that indexes "obscene" never trips over it
            out = {"id": exc.line_id, "obscene": False, "matches": [], "error": str(exc)}
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
