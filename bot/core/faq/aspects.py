"""What kind of information a question asks for — a time, a place, an amount, a person — and
whether an FAQ entry offers it.

In a small FAQ the one entry about a topic has no runner-up: "When is the yoga class?" repeats
every topic word of "How do I pay for the yoga class?" and nothing else competes, so the words
and the encoder both call it certain. What the entry cannot do is say when: neither its question
asks a time nor its answer holds one. An entry offers a kind when its questions ask for it
("What are your opening hours?") or its question or answer shows it: a weekday, a clock time or
a duration for a time; an address, a room, a website or app for a place; a number, a currency
or "free" for an amount; a role ("the organiser", "our coaches") or a name for a person.
The word lists (data/aspects.txt) are general knowledge, not any community's vocabulary.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .analysis import STOPWORDS
from .question import FILLER
from .text import DATA_DIR, stem, words

KINDS = ("time", "place", "amount", "person")
BIT = {kind: 1 << i for i, kind in enumerate(KINDS)}

# Signs found in the text as written.
_SIGNS = {
    "time": re.compile(
        r"\b\d{1,2}[:.]\d{2}\b|\b\d{1,2}\s?(?:am|pm|a\.m\.|p\.m\.)|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b"
        r"|\b(?:19|20)\d{2}\b|24/7",
        re.IGNORECASE,
    ),
    "place": re.compile(r"https?://|www\.|\b[\w-]+\.(?:ru|com|org|net|io|рф|app|me)\b|@\w"),
    "amount": re.compile(r"\d|[₽$€£%]"),
    "person": re.compile(r"@\w|\+?\d[\d ()-]{6,}\d|[\w.-]+@[\w-]+\.\w"),
}
# A capitalised word inside a sentence is a name: of a person (or of a place or a service).
_NAME_RE = re.compile(r"(?<=[\w,;:] )[A-ZА-ЯЁ][a-zа-яё]+")
# "at Central Park", "на Пушкинской": a preposition of place before a name.
_PLACE_NAME_RE = re.compile(r"\b(?:at|in|on|near|на|в|во|у)\s+[«\"]?[A-ZА-ЯЁ]")


# English interrogatives that are also conjunctions ("slow when I connect", "the person who…"):
# they ask only at the start of a clause or before an auxiliary ("so when does it start").
_CONJUNCTIONS = frozenset(
    ["when", "wen", "whn", "where", "wher", "whr", "wheres", "who", "whom", "whose", "whos", "who's"]
)
_AUXILIARIES = frozenset(
    [
        "is", "are", "was", "were", "do", "does", "did", "will", "would", "can", "could",
        "should", "shall", "may", "might", "has", "have", "isn't", "aren't", "don't",
        "doesn't", "didn't", "won't", "can't",
    ]
)
# Russian "когда" before a subject is "when I…", not "when is…?".
_SUBJECTS = frozenset(["я", "ты", "он", "она", "оно", "мы", "вы", "они", "все"])
# A word that points ahead to a relative clause: after "всех," / "там," / "тогда," the next
# clause's кто / где / когда says who or where, it does not ask ("пускают всех, кто пришёл").
_CORRELATIVES = frozenset(
    ["все", "всех", "всем", "всеми", "те", "тех", "тем", "теми", "тот", "та", "то", "того",
     "тому", "там", "туда", "оттуда", "тогда", "так", "такой", "такие", "таких", "каждый",
     "каждому", "любой", "любому", "никто", "никого", "многие", "многих", "everyone", "anyone",
     "those", "everybody", "anybody"]
)
# A question short enough for a weekday or "free" in it to be what it asks about.
CONTEXT_WORDS = 8
_CLAUSE_RE = re.compile(r"[.,;:!?…()\n—–]+")


@dataclass(frozen=True, slots=True)
class _Phrases:
    ask: dict[tuple[str, ...], str]
    context: dict[tuple[str, ...], str]
    sign: dict[tuple[str, ...], str]
    longest: int


def _keys(tokens: Sequence[str]) -> tuple[str, ...]:
    """Match keys: stems, but function words as written (snowball makes "почему" and "почём"
    one stem, "меня" and "меню" another)."""
    return tuple(w if w in STOPWORDS else stem(w) for w in tokens)


def _load(name: str = "aspects.txt") -> _Phrases:
    tables: dict[str, dict[tuple[str, ...], str]] = {"ask": {}, "context": {}, "sign": {}}
    section: dict[tuple[str, ...], str] | None = None
    kind = ""
    for raw in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            kind, part = line[1:-1].split()
            section = tables[part]
            continue
        if section is None:
            continue
        for phrase in line.split(","):
            key = _keys(words(phrase))
            if key:
                section.setdefault(key, kind)
    # A weekday in an entry shows a time as much as a sign word does ("paid" shows no amount).
    for key, kind in tables["context"].items():
        if kind == "time":
            tables["sign"].setdefault(key, kind)
    longest = max(len(k) for table in tables.values() for k in table)
    return _Phrases(tables["ask"], tables["context"], tables["sign"], longest)


_PHRASES = _load()


def _found(
    tokens: Sequence[str], table: dict[tuple[str, ...], str], asking: bool = False
) -> int:
    """Kinds of the phrases of ``table`` in ``tokens``, longest match first, no word used twice.

    ``asking``: a conjunction-like interrogative counts only where it asks (see _CONJUNCTIONS).
    """
    stems = _keys(tokens)
    mask = 0
    i = 0
    while i < len(stems):
        for size in range(min(_PHRASES.longest, len(stems) - i), 0, -1):
            kind = table.get(tuple(stems[i : i + size]))
            if kind is not None and not (asking and size == 1 and not _asks_here(tokens, i)):
                mask |= BIT[kind]
                i += size
                break
        else:
            i += 1
    return mask


def _asks_here(tokens: Sequence[str], i: int) -> bool:
    word = tokens[i]
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if word in _CONJUNCTIONS:
        return i == 0 or after in _AUXILIARIES or not after
    if word == "когда":
        return after not in _SUBJECTS
    return True


def _clauses(text: str) -> list[list[str]]:
    """The clauses of ``text`` as word lists, opening filler ("so", "and", "а") dropped."""
    found = []
    for part in _CLAUSE_RE.split(text):
        tokens = words(part)
        while tokens and tokens[0] in FILLER:
            tokens = tokens[1:]
        if tokens:
            found.append(tokens)
    return found


def asked(text: str) -> int:
    """The kinds (bit mask over KINDS) the question ``text`` asks for."""
    mask = 0
    clauses = _clauses(text)
    short = "?" in text and sum(len(c) for c in clauses) <= CONTEXT_WORDS
    before = ""
    for tokens in clauses:
        if before not in _CORRELATIVES:
            mask |= _found(tokens, _PHRASES.ask, asking=True)
        before = tokens[-1]
        if short:
            mask |= _found(tokens, _PHRASES.context)
    return mask


def shown(text: str) -> int:
    """The kinds ``text`` shows signs of (it states a time, a place…)."""
    mask = _found(words(text), _PHRASES.sign)
    for kind, pattern in _SIGNS.items():
        if pattern.search(text):
            mask |= BIT[kind]
    if _NAME_RE.search(text):
        mask |= BIT["person"]
    if _PLACE_NAME_RE.search(text):
        mask |= BIT["place"]
    return mask


def offered(questions: Sequence[str], answer: str) -> int:
    """The kinds an entry offers: asked by its questions or shown by them or its answer.

    A place and a person answer the same need in a service chat ("куда писать?" — "в
    поддержку", "who do I ask?" — "at the front desk"), so either offers both.
    """
    mask = shown(answer)
    for question in questions:
        mask |= asked(question) | shown(question)
    if mask & (BIT["place"] | BIT["person"]):
        mask |= BIT["place"] | BIT["person"]
    return mask


def missing(asked_mask: int, offered_mask: int) -> int:
    """How many kinds the message asks for that the entry does not offer."""
    return bin(asked_mask & ~offered_mask).count("1")
