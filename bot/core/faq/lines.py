"""The ``modbot faq-match`` line tool: JSON lines in, one verdict line out per input line.

Scripts and evaluations drive the matcher through this contract, so it never stops on a bad
line (it reports it in place and goes on) and flushes every line so a pipe sees it at once.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from ..jsonlines import read_line
from .matcher import FaqMatcher


def _verdict(record: Any, lineno: int, matcher: FaqMatcher) -> dict[str, Any]:
    if not isinstance(record, dict):
        return _error(None, f"line {lineno}: expected a JSON object")
    text = record.get("text")
    if not isinstance(text, str):
        return _error(record.get("id"), f'line {lineno}: "text" must be a string')
    result = matcher.match(text)
    return {
        "id": record.get("id"),
        "faq_id": result.faq_id if result.band == "answer" else None,
        "score": result.score,
        "band": result.band,
        "candidates": [faq_id for faq_id, _ in result.candidates] if result.band != "none" else [],
    }


def _error(line_id: Any, message: str) -> dict[str, Any]:
    """A bad line's answer: the contract's keys (nothing matched) and what was wrong, so a
    reader that indexes "faq_id" never trips over it."""
    return {"id": line_id, "faq_id": None, "score": 0.0, "error": message}


def run_faq_match(stdin: TextIO, stdout: TextIO, matcher: FaqMatcher) -> int:
    """Answer each ``{"id", "text"}`` line of ``stdin`` on ``stdout``, in order; returns 0.

    ``faq_id`` is set only in the "answer" band ("suggest" is for interactive buttons, not an
    answer). Blank lines are skipped; any other bad line yields ``{"id": …, "error": …}`` with
    its id when it has one (else null).
    """
    for lineno, line in enumerate(stdin, 1):
        if not line.strip():
            continue
        try:
            record = read_line(line)
        except ValueError as exc:
            out: dict[str, Any] = _error(None, f"line {lineno}: invalid JSON: {exc}")
        else:
            out = _verdict(record, lineno, matcher)
        stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
        stdout.flush()
    return 0
