"""FAQ file loading: the sample files load, and every kind of mistake is reported at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.faq.entries import FaqEntry, FaqFileError, dump_faq_file, load_faq_file

DATA = Path(__file__).parent / "data" / "faq"


def test_sample_files_load() -> None:
    fitness = load_faq_file(DATA / "fitness.toml")
    game = load_faq_file(DATA / "indie-game.toml")
    assert len(fitness) == 27 and len(game) == 21
    assert fitness[0] == FaqEntry(
        id="fit-freeze",
        lang="ru",
        questions=fitness[0].questions,
        answer=fitness[0].answer,
    )
    assert fitness[0].questions[0] == "Как заморозить абонемент?"
    assert {e.lang for e in game} == {"en"}


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "faq.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_all_problems_are_reported_with_file_and_key(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        """
[[faq]]
id = "a"
lang = "de"
questions = []
answer = "x"
colour = "red"

[[faq]]
id = "a"
lang = "ru"
questions = ["ok", 3]

[[faq]]
id = "b"
lang = "en"
questions = ["fine"]
answer = "fine"
""",
    )
    with pytest.raises(FaqFileError) as info:
        load_faq_file(path)
    lines = str(info.value).splitlines()
    assert f"{path}: faq[0].colour: unknown key" in lines
    assert any(line.startswith(f"{path}: faq[0].lang: must be one of") for line in lines)
    assert f"{path}: faq[0].questions: must be a non-empty list of strings" in lines
    assert f"{path}: faq[1].id: duplicate id 'a'" in lines
    assert f"{path}: faq[1].questions[1]: must be a non-empty string" in lines
    assert f"{path}: faq[1].answer: missing" in lines
    assert len(lines) == 6


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FaqFileError, match=r"faq\.toml: invalid TOML"):
        load_faq_file(_write(tmp_path, "[[faq]\nid = "))
    with pytest.raises(FaqFileError, match="cannot read"):
        load_faq_file(tmp_path / "absent.toml")


def test_unknown_top_level_key_and_missing_faq(tmp_path: Path) -> None:
    with pytest.raises(FaqFileError) as info:
        load_faq_file(_write(tmp_path, 'title = "x"\n'))
    lines = str(info.value).splitlines()
    assert lines == [
        f"{tmp_path / 'faq.toml'}: title: unknown key",
        f"{tmp_path / 'faq.toml'}: faq: missing (expected [[faq]] tables)",
    ]


def test_dump_round_trips(tmp_path: Path) -> None:
    odd = FaqEntry("odd", "ru", ('Кавычки " и \\ слэш', "tab\tand\nnewline"), "del \x7f ok — ё")
    entries = [*load_faq_file(DATA / "indie-game.toml"), odd]
    path = _write(tmp_path, dump_faq_file(entries))
    assert load_faq_file(path) == entries


def test_an_answer_too_long_for_one_message_is_named(tmp_path: Path) -> None:
    """A reply is one message: an answer that would be cut is refused when the file loads."""
    path = _write(
        tmp_path,
        f'[[faq]]\nid = "a"\nlang = "en"\nquestions = ["q?"]\nanswer = "{"x" * 3501}"\n'
        f'[[faq]]\nid = "b"\nlang = "en"\nquestions = ["p?"]\nanswer = "{"x" * 3500}"\n',
    )
    with pytest.raises(FaqFileError) as info:
        load_faq_file(path)
    assert str(info.value).splitlines() == [
        f"{path}: faq[0].answer: 3501 characters; an answer is sent as one message, at most "
        "3500 characters (room for the reply around it)"
    ]


def test_a_file_saved_with_a_byte_order_mark_and_windows_line_ends_loads(tmp_path: Path) -> None:
    """Windows Notepad's "UTF-8 with BOM" and CRLF: the same FAQ, not an invalid file."""
    path = tmp_path / "faq.toml"
    path.write_bytes("\ufeff[[faq]]\r\nid = \"a\"\r\nlang = \"ru\"\r\nquestions = [\"Вопрос?\"]\r\n"
                     "answer = \"Ответ\"\r\n".encode())
    [entry] = load_faq_file(path)
    assert (entry.id, entry.questions, entry.answer) == ("a", ("Вопрос?",), "Ответ")
