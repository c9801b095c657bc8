"""Readers for the lexicon data files in ``data/``.

The lexicons are kept as commented text so that a moderator can read and review them; this
module only parses them.  Files are located with :mod:`importlib.resources`, so they work from
an installed wheel as well as from the source tree (package data glob: ``data/*.txt``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

_DEFINE = re.compile(r"@define\s+(\w+)\s*=\s*(.+)")
_CAPTURING = re.compile(r"(?<!\\)\((?!\?)")
# a leading prefix macro, \w* or \w+ (only meaningful for whole-word matching)
_LEADING = re.compile(r"^(?:\{\w+\}|\\w[*+])")


@dataclass(frozen=True, slots=True)
class Rule:
    """One lexicon entry: a whole-word regex plus the literal stems the pre-check looks for."""

    name: str
    lexicon: str
    stems: tuple[str, ...]
    pattern: str
    core: str  # the pattern without its leading prefix chain / \w*, for searching inside text


def read_text(name: str) -> str:
    """Return the text of ``data/<name>``."""
    return resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")


def _lines(name: str) -> Iterator[str]:
    """Yield the meaningful lines of a data file: stripped, without blank lines and comments."""
    for raw in read_text(name).splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            yield line


def load_rules(name: str) -> list[Rule]:
    """Parse a rules file (``name | lexicon | stems | pattern`` lines with ``@define`` macros)."""
    macros: dict[str, str] = {}
    rules: list[Rule] = []
    for line in _lines(name):
        defined = _DEFINE.fullmatch(line)
        if defined:
            macros[defined.group(1)] = _expand(defined.group(2).strip(), macros)
            continue
        parts = [part.strip() for part in line.split(" | ", 3)]
        if len(parts) != 4:
            raise ValueError(f"{name}: bad rule line: {line!r}")
        rule_name, lexicon, stems, raw = parts
        pattern = _expand(raw, macros)
        core = _expand(_search_core(raw), macros)
        if _CAPTURING.search(pattern):
            raise ValueError(f"{name}: use (?:...) groups only: {line!r}")
        re.compile(pattern)
        re.compile(core)
        rules.append(Rule(rule_name, lexicon, tuple(stems.split()), pattern, core))
    return rules


def _search_core(raw: str) -> str:
    r"""The pattern for searching inside a long string: each top-level alternative without its
    leading prefix macro, ``\w*`` or ``\w+``.  Searched for, ``\w+нахуй`` would try every
    length of its head at every letter of a 10,000-letter "word" (quadratic time: seconds);
    the rest of the alternative finds the same places."""
    alternatives: list[str] = []
    depth, start, index = 0, 0, 0
    in_class = False
    while index < len(raw):
        char = raw[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            alternatives.append(raw[start:index])
            start = index + 1
        index += 1
    alternatives.append(raw[start:])
    return "|".join(_LEADING.sub("", alternative) for alternative in alternatives)


def _expand(pattern: str, macros: dict[str, str]) -> str:
    for key, value in macros.items():
        pattern = pattern.replace("{" + key + "}", value)
    return pattern


def load_words(name: str) -> list[str]:
    """Return the entries of a one-word-per-line file."""
    return list(_lines(name))


def load_tagged_words(name: str, default: str) -> list[tuple[str, str]]:
    """Return ``(lexicon, word)`` pairs from lines like ``word`` or ``slur: word``."""
    out: list[tuple[str, str]] = []
    for line in _lines(name):
        tag, sep, word = line.partition(":")
        if sep and tag.strip() and " " not in tag.strip():
            out.append((tag.strip(), word.strip()))
        else:
            out.append((default, line))
    return out


def load_sections(name: str) -> dict[str, list[str]]:
    """Return ``{section: words}`` from a file of ``[section]`` headers and word lines."""
    sections: dict[str, list[str]] = {}
    current = ""
    for line in _lines(name):
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1]
            sections.setdefault(current, [])
        else:
            sections.setdefault(current, []).extend(line.split())
    return sections


def load_confusables() -> dict[str, dict[str, str]]:
    """Return ``{"cyr": {...}, "lat": {...}}`` look-alike folding tables."""
    tables: dict[str, dict[str, str]] = {"cyr": {}, "lat": {}}
    for line in _lines("confusables.txt"):
        context, source, target = line.split()
        source = source.encode("ascii", "backslashreplace").decode("unicode_escape")
        for key in (("cyr", "lat") if context == "any" else (context,)):
            tables[key][source] = target
    return tables


def load_translit() -> tuple[list[tuple[str, str]], list[str]]:
    """Return the transliteration pairs (longest first) and the pre-check stems."""
    pairs: list[tuple[str, str]] = []
    stems: list[str] = []
    for line in _lines("ru_translit.txt"):
        kind, _, rest = line.partition(" ")
        if kind == "pair":
            latin, cyrillic = rest.split()
            pairs.append((latin, cyrillic))
        elif kind == "stem":
            stems.extend(rest.split())
        else:
            raise ValueError(f"ru_translit.txt: bad line {line!r}")
    pairs.sort(key=lambda pair: -len(pair[0]))
    return pairs, stems


def load_better_profanity_words() -> list[str]:
    """Return better-profanity's English word list, used as data (empty if not installed)."""
    try:
        source = resources.files("better_profanity").joinpath("profanity_wordlist.txt")
        text = source.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return []
    return [line.strip() for line in text.splitlines() if line.strip()]
