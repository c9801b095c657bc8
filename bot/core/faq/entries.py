"""FAQ file loading and export.

The FAQ file is owner-written TOML, so every problem is reported with the file, the key path and
what is wrong, and all problems are collected before raising: an owner fixes them in one pass.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGS = ("ru", "en")
# Longest answer: one Telegram or VK message holds 4,096 characters, and the reply needs room.
MAX_ANSWER = 3500
_KEYS = ("id", "lang", "questions", "answer")


@dataclass(frozen=True, slots=True)
class FaqEntry:
    """One FAQ item; ``questions[0]`` is the canonical wording."""

    id: str
    lang: str
    questions: tuple[str, ...]
    answer: str


class FaqFileError(Exception):
    """Invalid FAQ file; ``str(e)`` is one line per problem: ``FILE: key.path: problem``."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = tuple(problems)


def _check_entry(raw: Any, where: str, seen: set[str], errors: list[str]) -> FaqEntry | None:
    """Validate one ``[[faq]]`` table, appending problems to ``errors``."""
    if not isinstance(raw, dict):
        errors.append(f"{where}: must be a table")
        return None
    start = len(errors)
    for key in raw:
        if key not in _KEYS:
            errors.append(f"{where}.{key}: unknown key")
    for key in _KEYS:
        if key not in raw:
            errors.append(f"{where}.{key}: missing")
    entry_id = raw.get("id")
    if "id" in raw:
        if not isinstance(entry_id, str) or not entry_id.strip():
            errors.append(f"{where}.id: must be a non-empty string")
        elif entry_id.casefold() in seen:  # ids are case-insensitive, as /faq ID is
            errors.append(f"{where}.id: duplicate id {entry_id!r}")
        else:
            seen.add(entry_id.casefold())
    lang = raw.get("lang")
    if "lang" in raw and lang not in LANGS:
        errors.append(f"{where}.lang: must be one of {', '.join(LANGS)}, got {lang!r}")
    questions = raw.get("questions")
    if "questions" in raw:
        if not isinstance(questions, list) or not questions:
            errors.append(f"{where}.questions: must be a non-empty list of strings")
        else:
            for i, question in enumerate(questions):
                if not isinstance(question, str) or not question.strip():
                    errors.append(f"{where}.questions[{i}]: must be a non-empty string")
    answer = raw.get("answer")
    if "answer" in raw and (not isinstance(answer, str) or not answer.strip()):
        errors.append(f"{where}.answer: must be a non-empty string")
    elif isinstance(answer, str) and len(answer) > MAX_ANSWER:
        errors.append(
            f"{where}.answer: {len(answer)} characters; an answer is sent as one message, at "
            f"most {MAX_ANSWER} characters (room for the reply around it)")
    if len(errors) > start:
        return None
    assert isinstance(entry_id, str) and isinstance(lang, str) and isinstance(answer, str)
    assert isinstance(questions, list)
    return FaqEntry(id=entry_id, lang=lang, questions=tuple(questions), answer=answer)


def parse_faq_text(text: str, name: str) -> list[FaqEntry]:
    """Parse FAQ TOML ``text``; ``name`` prefixes every problem line."""
    try:
        # a byte-order mark opens files saved as "UTF-8 with BOM" (Windows Notepad)
        data = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as exc:
        raise FaqFileError([f"{name}: invalid TOML: {exc}"]) from exc
    errors: list[str] = []
    for key in data:
        if key != "faq":
            errors.append(f"{name}: {key}: unknown key")
    tables = data.get("faq")
    entries: list[FaqEntry] = []
    if tables is None:
        errors.append(f"{name}: faq: missing (expected [[faq]] tables)")
    elif not isinstance(tables, list):
        errors.append(f"{name}: faq: must be an array of tables ([[faq]])")
    else:
        seen: set[str] = set()
        for i, raw in enumerate(tables):
            entry = _check_entry(raw, f"{name}: faq[{i}]", seen, errors)
            if entry is not None:
                entries.append(entry)
    if errors:
        raise FaqFileError(errors)
    return entries


def load_faq_file(path: Path) -> list[FaqEntry]:
    """Load and validate a FAQ TOML file, raising :class:`FaqFileError` listing all problems."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FaqFileError([f"{path}: cannot read: {exc.strerror or exc}"]) from exc
    except UnicodeDecodeError as exc:
        raise FaqFileError([f"{path}: not UTF-8 text: {exc}"]) from exc
    return parse_faq_text(text, str(path))


def _toml_string(value: str) -> str:
    """A TOML basic string; JSON escapes are valid TOML, DEL is the one JSON leaves raw."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def dump_faq_file(entries: Sequence[FaqEntry]) -> str:
    """Render ``entries`` as FAQ TOML that :func:`load_faq_file` reads back unchanged (an
    empty FAQ as ``faq = []``, so a backup of a new community restores too)."""
    if not entries:
        return "faq = []\n"
    blocks: list[str] = []
    for entry in entries:
        questions = "".join(f"  {_toml_string(q)},\n" for q in entry.questions)
        blocks.append(
            "[[faq]]\n"
            f"id = {_toml_string(entry.id)}\n"
            f"lang = {_toml_string(entry.lang)}\n"
            f"questions = [\n{questions}]\n"
            f"answer = {_toml_string(entry.answer)}\n"
        )
    return "\n".join(blocks)
