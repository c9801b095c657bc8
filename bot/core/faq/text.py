"""Text normalisation for matching: words, stems, transliteration and typo-tolerant keys.

Chat text is noisy (case, ё/е, emoji, Latin-typed Russian), so everything that compares words
goes through the same functions here and the index and the queries agree by construction.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import snowballstemmer

DATA_DIR = Path(__file__).parent / "data"

_WORD_RE = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+(?:[-'’][^\W_]+)*")
_CYR_RE = re.compile(r"[а-я]")
_LAT_RE = re.compile(r"[a-z]")

_STEMMERS = {
    "ru": snowballstemmer.stemmer("russian"),
    "en": snowballstemmer.stemmer("english"),
}

# Latin-typed Russian ("zamorozit abonement"): longest sequences first.
_TRANSLIT = (
    ("shch", "щ"),
    ("sch", "щ"),
    ("zh", "ж"),
    ("kh", "х"),
    ("ch", "ч"),
    ("sh", "ш"),
    ("ts", "ц"),
    ("tz", "ц"),
    ("yu", "ю"),
    ("ju", "ю"),
    ("ya", "я"),
    ("ja", "я"),
    ("yo", "е"),
    ("jo", "е"),
    ("ye", "е"),
    ("iy", "ий"),
    ("yy", "ый"),
    ("y", "ы"),
    ("a", "а"),
    ("b", "б"),
    ("v", "в"),
    ("w", "в"),
    ("g", "г"),
    ("d", "д"),
    ("e", "е"),
    ("z", "з"),
    ("i", "и"),
    ("j", "й"),
    ("k", "к"),
    ("l", "л"),
    ("m", "м"),
    ("n", "н"),
    ("o", "о"),
    ("p", "п"),
    ("r", "р"),
    ("s", "с"),
    ("t", "т"),
    ("u", "у"),
    ("f", "ф"),
    ("h", "х"),
    ("c", "к"),
    ("x", "кс"),
    ("q", "к"),
    ("'", "ь"),
)
_TRANSLIT_RE = re.compile("|".join(re.escape(src) for src, _ in _TRANSLIT))
_TRANSLIT_MAP = dict(_TRANSLIT)


def normalise(text: str) -> str:
    """Lower-case, fold ё to е and unify apostrophes; the base of every comparison."""
    return text.lower().replace("ё", "е").replace("’", "'")


def words(text: str) -> list[str]:
    """Normalised word tokens (letters and digits; inner hyphens/apostrophes kept)."""
    return _WORD_RE.findall(normalise(text))


def script(word: str) -> str:
    """``"ru"`` for Cyrillic words, ``"en"`` for Latin ones, ``""`` for digits and the rest."""
    if _CYR_RE.search(word):
        return "ru"
    if _LAT_RE.search(word):
        return "en"
    return ""


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """Snowball stem in the word's own script; hyphens and apostrophes dropped first."""
    lang = script(word)
    flat = word.replace("-", "").replace("'", "")
    if not lang:
        return flat
    result: str = _STEMMERS[lang].stemWord(flat)
    return result


def translit_to_cyrillic(word: str) -> str:
    """Best-effort Latin→Cyrillic for Russian typed on a Latin keyboard."""
    return _TRANSLIT_RE.sub(lambda m: _TRANSLIT_MAP[m.group(0)], word)


# -тся and -ться sound as «ца» and are written so in chat ("учица", "открываеца")
_TSA_RE = re.compile(r"ть?ся$")
_SOUND = str.maketrans({"о": "а", "е": "и", "э": "и", "я": "и", "ы": "и", "ь": None, "ъ": None})


def sound_key(word: str) -> str:
    """Spelling-blind key for Russian: unstressed vowels merged, doubles and soft signs dropped.

    The commonest Russian misspellings are how a word sounds ("дагавор", "расрочка"), so two
    words with the same key are very likely the same word.
    """
    flat = _TSA_RE.sub("ца", word).translate(_SOUND)
    return "".join(c for i, c in enumerate(flat) if i == 0 or c != flat[i - 1])


def trigrams(word: str) -> set[str]:
    """Padded character trigrams, the blocking key for typo lookup."""
    padded = f"^{word}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau (optimal string alignment) distance, returning ``limit + 1`` once it is exceeded."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        best = i
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            value = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                value = min(value, prev2[j - 2] + 1)
            cur[j] = value
            best = min(best, value)
        if best > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]


def load_word_list(name: str) -> frozenset[str]:
    """A data file of words, one per line or space-separated; ``#`` starts a comment."""
    found: set[str] = set()
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        found.update(normalise(line.split("#", 1)[0]).split())
    return frozenset(found)


_ENGLISH = load_word_list("english_words.txt")


def message_language(text: str) -> str | None:
    """"ru" for a message with Cyrillic letters, "en" for Latin letters with an English
    function word, None otherwise (Russian typed in Latin letters looks like that too)."""
    tokens = words(text)
    scripts = {script(token) for token in tokens}
    if "ru" in scripts:
        return "ru"
    if "en" in scripts and not _ENGLISH.isdisjoint(tokens):
        return "en"
    return None


def _load_spellings(name: str) -> dict[str, str]:
    """``short short: full`` lines of a data file as a map from each short form to the full."""
    found: dict[str, str] = {}
    for line in (DATA_DIR / name).read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0]
        if ":" in line:
            shorts, full = line.split(":", 1)
            for short in normalise(shorts).split():
                found[short] = normalise(full).strip()
    return found


_SPELLINGS = _load_spellings("chat_spellings.txt")


def written_out(text: str) -> str | None:
    """``text``'s words with chat spellings written in full ("скока" → "сколько", "hw" →
    "how"); None when it has none. The sentence encoder learnt from edited text and reads a
    clipped word as noise."""
    tokens = words(text)
    full = [_SPELLINGS.get(token, token) for token in tokens]
    return " ".join(full) if full != tokens else None
