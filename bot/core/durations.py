"""Durations as moderators type them: 30s, 10m, 2h, 3d, 1w (also combined: 1h30m), and with the
unit spelt out (10min, 2hours, 10мин, 2часа)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Unit words as moderators type them, in English and Russian ("10min", "2часа", "1day").
_UNIT_WORDS = {
    "s": "s sec secs second seconds с сек секунда секунды секунд секунду",
    "m": "m min mins minute minutes м мин минута минуты минут минуту",
    "h": "h hr hrs hour hours ч час часа часов",
    "d": "d day days д дн день дня дней сут сутки суток",
    "w": "w wk wks week weeks н нед неделя недели недель неделю",
}
_UNITS = {word: unit for unit, names in _UNIT_WORDS.items() for word in names.split()}
_PART = re.compile(r"(\d{1,6})\s*([^\W\d_]+)")
_WHOLE = re.compile(r"^(?:\d{1,6}\s*[^\W\d_]+\s*)+$")
MAX_SECONDS = 100 * 365 * 86400


class DurationError(ValueError):
    """The text is not a duration like 10m, 2h or 3d; ``problem`` says what is wrong
    ("format", "not_positive" or "too_long") so a reply can say it in the reader's language."""

    def __init__(self, message: str, problem: str = "format") -> None:
        super().__init__(message)
        self.problem = problem


#: one-letter units that are also words (с, в, м…): never joined to a number written apart
_LONE_LETTERS_KEPT = frozenset({"ч", "h", "m", "d", "w"})
_NUMBER = re.compile(r"^\d{1,6}$")


def _unit_word(word: str) -> bool:
    bare = word.lower().replace("ё", "е").rstrip(".")
    return bare in _UNITS and (len(bare) > 1 or bare in _LONE_LETTERS_KEPT)


def join_spaced(words: list[str]) -> list[str]:
    """Join a number and its unit written apart ("1 час", "15 min.", "2 часа 30 минут") into
    one duration word ("1час", "2часа30минут"): on a Russian keyboard the space is habit, and
    a command reads its duration from one word."""
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if (_NUMBER.match(word) and index + 1 < len(words) and _unit_word(words[index + 1])):
            joined = word + words[index + 1].rstrip(".")
            if out and _WHOLE.match(out[-1].lower()) and out[-1] != joined and \
                    _joined_before(out[-1]):
                out[-1] += joined
            else:
                out.append(joined)
            index += 2
            continue
        out.append(word)
        index += 1
    return out


def _joined_before(word: str) -> bool:
    """Whether a word is a duration that ``join_spaced`` itself made (its unit spelt out)."""
    return any(len(unit) > 1 for _, unit in _PART.findall(word.lower()))


def parse_duration(text: str) -> timedelta:
    """Parse "10m", "2h", "3d", "1w", "1h30m", and the unit as a word: "10min", "2hours", "10мин",
    "2часа", "3дня"."""
    cleaned = text.strip().lower().replace("ё", "е")
    parts = _PART.findall(cleaned) if _WHOLE.match(cleaned) else []
    if not parts or any(unit not in _UNITS for _, unit in parts):
        raise DurationError(f"not a duration: {text!r} (use e.g. 30s, 10m, 2h, 3d, 1w)")
    seconds = sum(int(n) * _UNIT_SECONDS[_UNITS[unit]] for n, unit in parts)
    if seconds <= 0:
        raise DurationError(f"duration must be positive: {text!r}", "not_positive")
    if seconds > MAX_SECONDS:  # "/mute 999999w" would overflow the date it is added to
        raise DurationError(f"duration too long: {text!r} (at most 100 years)", "too_long")
    return timedelta(seconds=seconds)


_UNIT_NAMES = {
    "en": (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)),
    "ru": ((" нед", 604800), (" дн", 86400), (" ч", 3600), (" мин", 60), (" с", 1)),
}
#: Russian weeks and days as words (accusative, as in "на 1 неделю"): their abbreviations take
#: a full stop, and a notice's sentence ending after one read "на 1 дн..".
_RU_WORDS = {" нед": ("неделю", "недели", "недель"), " дн": ("день", "дня", "дней")}


def _ru_count(count: int, unit: str) -> str:
    forms = _RU_WORDS.get(unit)
    if forms is None:
        return f"{count}{unit}"
    n100, n10 = count % 100, count % 10
    form = forms[2] if 11 <= n100 <= 14 else forms[0] if n10 == 1 else \
        forms[1] if 2 <= n10 <= 4 else forms[2]
    return f"{count} {form}"


def format_duration(delta: timedelta, lang: str = "en") -> str:
    """Compact, in the reader's language: 90 minutes -> "1h30m" / "1 ч 30 мин"."""
    seconds = int(delta.total_seconds())
    units = _UNIT_NAMES.get(lang, _UNIT_NAMES["en"])
    if seconds <= 0:
        return f"0{units[-1][0]}"
    parts: list[str] = []
    for unit, size in units:
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(_ru_count(count, unit) if lang == "ru" else f"{count}{unit}")
    return ("" if lang == "en" else " ").join(parts)
