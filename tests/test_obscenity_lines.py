"""The ``modbot check-text`` line contract."""

from __future__ import annotations

import io
import json

from filters.obscenity import ObscenityFilter
from filters.obscenity.lines import run_check_text


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def _run(lines: list[str]) -> tuple[int, list[dict[str, object]], _CountingStream]:
    out = _CountingStream()
    code = run_check_text(io.StringIO("".join(lines)), out, ObscenityFilter())
    return code, [json.loads(line) for line in out.getvalue().splitlines()], out


def test_one_output_line_per_input_in_order() -> None:
    lines = [
        json.dumps({"id": 1, "text": "привет"}, ensure_ascii=False) + "\n",
        json.dumps({"id": "b", "text": "ну и х*йня"}, ensure_ascii=False) + "\n",
        json.dumps({"id": 3, "text": "fuck"}) + "\n",
    ]
    code, out, stream = _run(lines)
    assert code == 0
    assert [o["id"] for o in out] == [1, "b", 3]
    assert [o["obscene"] for o in out] == [False, True, True]
    assert out[0]["matches"] == []
    match = out[1]["matches"][0]
    assert (match["word"], match["start"], match["end"]) == ("хуй", 5, 10)
    assert match["fragment"] == "х*йня"
    assert stream.flushes >= 3


def test_each_word_is_listed_once_in_text_order() -> None:
    """A phrase (na huy, пошёл нах) and its own word used to be listed twice, the phrase last."""
    texts = ["idi na huy", "пошёл нах, сука", "poshel na hui, nahuy"]
    _, out, _ = _run([json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                      for i, t in enumerate(texts)])
    for line in out:
        spans = [(m["start"], m["end"], m["word"]) for m in line["matches"]]
        assert line["obscene"] and spans, line
        assert spans == sorted(set(spans)), line
    assert [(m["start"], m["word"]) for m in out[1]["matches"]] == [(0, "хуй"), (11, "сука")]


def test_output_is_not_ascii_escaped() -> None:
    _, _, stream = _run([json.dumps({"id": 1, "text": "блядь"}) + "\n"])
    assert "бля" in stream.getvalue()
    assert "\\u" not in stream.getvalue()


def test_invalid_lines_yield_errors_and_processing_continues() -> None:
    lines = [
        "not json\n",
        json.dumps({"id": 7}) + "\n",
        json.dumps([1, 2]) + "\n",
        json.dumps({"id": 8, "text": "сука"}, ensure_ascii=False) + "\n",
    ]
    code, out, _ = _run(lines)
    assert code == 0
    assert len(out) == 4
    for index, item in enumerate(out[:3], start=1):
        assert item["id"] == (7 if index == 2 else None)  # the id is echoed when there is one
        assert str(item["error"]).startswith(f"line {index}:")
    assert out[3] == {**out[3], "id": 8, "obscene": True}


def test_stream_of_any_length() -> None:
    lines = [json.dumps({"id": i, "text": f"сообщение {i}"}, ensure_ascii=False) + "\n"
             for i in range(5000)]
    code, out, _ = _run(lines)
    assert code == 0
    assert len(out) == 5000
    assert out[-1]["id"] == 4999


def test_last_line_without_newline() -> None:
    _, out, _ = _run([json.dumps({"id": 1, "text": "ok"})])
    assert out == [{"id": 1, "obscene": False, "matches": []}]


def test_byte_order_mark_and_crlf_are_read_past() -> None:
    """A file saved as "UTF-8 with BOM" and Windows line ends still gives every line."""
    _, out, _ = _run(["\ufeff" + json.dumps({"id": 1, "text": "сука"}, ensure_ascii=False) + "\r\n",
                      json.dumps({"id": 2, "text": "ok"}) + "\r\n"])
    assert [(o["id"], o["obscene"], "error" in o) for o in out] == [(1, True, False),
                                                                    (2, False, False)]


def test_numbers_json_cannot_write_back_are_refused_not_echoed() -> None:
    """1e400 reads as infinity and NaN as a number in Python; echoed, either would make the
    answer line no JSON at all. A huge integer is fine JSON and is echoed as it is."""
    _, out, stream = _run(['{"id": 1e400, "text": "x"}\n', '{"id": NaN, "text": "x"}\n',
                           '{"id": 123456789012345678901234567890, "text": "ok"}\n'])
    assert [o.get("error", "")[:28] for o in out] == ["line 1: invalid JSON: number",
                                                      "line 2: invalid JSON: NaN is", ""]
    assert out[2]["id"] == 123456789012345678901234567890
    assert "Infinity" not in stream.getvalue() and "NaN," not in stream.getvalue()
