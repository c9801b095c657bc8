"""The faq-match line contract: one output line per input line, errors reported in place."""

from __future__ import annotations

import io
import json
from pathlib import Path

from bot.core.faq.entries import load_faq_file
from bot.core.faq.lines import run_faq_match
from bot.core.faq.matcher import FaqMatcher

DATA = Path(__file__).parent / "data" / "faq"


def test_lines_in_order_with_errors() -> None:
    matcher = FaqMatcher.build(load_faq_file(DATA / "fitness.toml"))
    stdin = io.StringIO(
        json.dumps({"id": 1, "text": "Как заморозить абонемент?"}, ensure_ascii=False)
        + "\n"
        + "{not json\n"
        + "\n"
        + json.dumps({"id": "b", "text": "Всем привет!"}, ensure_ascii=False)
        + "\n"
        + json.dumps({"id": "c"})
        + "\n"
        + json.dumps([1, 2])
        + "\n"
        + json.dumps({"id": None, "text": "Сколько стоит абонемент?"}, ensure_ascii=False)
    )
    stdout = io.StringIO()
    assert run_faq_match(stdin, stdout, matcher) == 0
    raw = stdout.getvalue().splitlines()
    out = [json.loads(line) for line in raw]
    assert out[0]["id"] == 1 and out[0]["faq_id"] == "fit-freeze" and out[0]["band"] == "answer"
    assert out[1] == {"id": None, "faq_id": None, "score": 0.0, "error": out[1]["error"]}
    assert out[1]["error"].startswith("line 2: invalid JSON")
    assert out[2]["id"] == "b" and out[2]["faq_id"] is None and out[2]["score"] == 0.0
    assert out[3] == {"id": "c", "faq_id": None, "score": 0.0,
                      "error": 'line 5: "text" must be a string'}
    assert out[4] == {"id": None, "faq_id": None, "score": 0.0,
                      "error": "line 6: expected a JSON object"}
    assert out[5]["faq_id"] == "fit-prices"
    assert len(out) == 6
    assert "Как" not in stdout.getvalue() and "\\u" not in raw[0]


def test_suggest_band_is_not_an_answer() -> None:
    from bot.core.faq.matcher import Thresholds

    matcher = FaqMatcher.build(
        load_faq_file(DATA / "fitness.toml"), thresholds=Thresholds(answer=1.01, suggest=0.01)
    )
    stdout = io.StringIO()
    run_faq_match(io.StringIO('{"id": 7, "text": "Как заморозить абонемент?"}\n'), stdout, matcher)
    out = json.loads(stdout.getvalue())
    assert out["band"] == "suggest" and out["faq_id"] is None
    assert out["candidates"][0] == "fit-freeze"


class _Spy(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_each_line_is_flushed() -> None:
    matcher = FaqMatcher.build(load_faq_file(DATA / "fitness.toml"))
    stdin = io.StringIO("".join(json.dumps({"id": i, "text": "hi?"}) + "\n" for i in range(5)))
    spy = _Spy()
    run_faq_match(stdin, spy, matcher)
    assert spy.flushes >= 5


def test_byte_order_mark_and_crlf_are_read_past() -> None:
    """A file saved as "UTF-8 with BOM" and Windows line ends still gives every line."""
    matcher = FaqMatcher.build(load_faq_file(DATA / "fitness.toml"))
    stdin = io.StringIO("\ufeff" + json.dumps({"id": 1, "text": "Как заморозить абонемент?"},
                                              ensure_ascii=False) + "\r\n")
    stdout = io.StringIO()
    run_faq_match(stdin, stdout, matcher)
    assert json.loads(stdout.getvalue()) == {**json.loads(stdout.getvalue()), "id": 1,
                                             "faq_id": "fit-freeze"}


def test_an_id_json_cannot_write_back_is_an_error_line() -> None:
    matcher = FaqMatcher.build(load_faq_file(DATA / "indie-game.toml"))
    stdout = io.StringIO()
    run_faq_match(io.StringIO('{"id": 1e400, "text": "When are you open?"}\n'), stdout, matcher)
    assert json.loads(stdout.getvalue())["error"] == \
        "line 1: invalid JSON: number out of range: 1e400"
    assert "Infinity" not in stdout.getvalue()
