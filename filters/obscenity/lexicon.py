"""The compiled lexicons of one filter configuration and the word-level matcher.

A :class:`Lexicon` answers one question: does this normalised word match an entry, and which?
It combines the Russian rules, the English rules and whole words, transliteration, owner extras
and allow-lists, and wildcard masks.  Building one is costly (regex compilation), so the filter
caches lexicons per configuration.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .data import (
    Rule,
    load_better_profanity_words,
    load_rules,
    load_sections,
    load_tagged_words,
    load_translit,
    load_words,
)
from .normalize import Script, Word, clean, collapse_all, normalize_phrase, spellings

_LATIN_WORD = re.compile("[a-z]+")
#: words longer than this are searched inside rather than matched whole (no real word is)
LONG_WORD = 40
_TRANSLIT_SPAN = 256
_SHAPE_LETTERS = frozenset("abcehkmoptxyuinr")
_VOWELS = frozenset("аеиоуыэюяё")


@dataclass(frozen=True, slots=True)
class Hit:
    """A lexicon entry that matched a word."""

    name: str
    lexicon: str
    normalized: str


class RuleSet:
    """Whole-word regex rules compiled into one alternation (one regex call per spelling)."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        self._rules = list(rules)
        body = "|".join(f"(?P<r{i}>{rule.pattern})" for i, rule in enumerate(self._rules))
        self._regex = re.compile(body) if body else None
        # for searching inside a long string (a long spaced-out run, a 10 000-letter "word"):
        # the rules without their leading prefix chain or \w*, in one group-free alternation so
        # sre can scan for the first letters in C; the rule is identified only after a hit
        cores = [rule.core for rule in self._rules]
        self._inner = re.compile("|".join(cores)) if cores else None
        self._cores = [re.compile(core) for core in cores]

    def match(self, word: str) -> Rule | None:
        """Return the first rule whose pattern matches the whole word."""
        if self._regex is None:
            return None
        found = self._regex.fullmatch(word)
        if found is None or found.lastgroup is None:
            return None
        return self._rules[int(found.lastgroup[1:])]

    def search(self, text: str) -> tuple[Rule, str] | None:
        """Return the first rule matching somewhere inside ``text``, and what it matched."""
        if self._inner is None:
            return None
        found = self._inner.search(text)
        if found is None:
            return None
        for rule, core in zip(self._rules, self._cores, strict=True):
            if core.match(text, found.start()):
                return rule, found.group()
        return None

    @property
    def stems(self) -> list[str]:
        """The pre-check stems of all rules."""
        return [stem for rule in self._rules for stem in rule.stems]


class Transliterator:
    """Latin → Cyrillic reading of Russian written in Latin letters (blyat → блят)."""

    def __init__(self) -> None:
        pairs, self.stems = load_translit()
        self._map = dict(pairs)
        # "y" is not in the pairs: it reads as й after a vowel and as ы elsewhere
        self._regex = re.compile("|".join([re.escape(latin) for latin, _ in pairs] + ["y"]))

    def __call__(self, word: str) -> str:
        out: list[str] = []
        for piece in self._regex.findall(word):
            if piece == "y":
                out.append("й" if out and out[-1] in _VOWELS else "ы")
            else:
                out.append(self._map[piece])
        return "".join(out)


def _latin_fold(word: str) -> str:
    """Fold a word to the Latin reading used for English lookups (lower case, ё→e)."""
    return clean(word).replace("ё", "е")


class Lexicon:
    """Every list one filter configuration matches against, compiled."""

    def __init__(
        self,
        languages: Sequence[str],
        extra_words: Sequence[str],
        allowed_words: Sequence[str],
    ) -> None:
        self.ru = "ru" in languages
        self.en = "en" in languages
        self._ru_rules = RuleSet(load_rules("ru_roots.txt") if self.ru else [])
        self._en_rules = RuleSet(load_rules("en_roots.txt") if self.en else [])
        self._translit = Transliterator()
        self._en_words = self._load_en_words() if self.en else {}
        self._names = frozenset(load_words("en_names.txt"))
        allow = [w.replace("ё", "е") for w in load_words("allow.txt")]
        self._allow_exact = frozenset(allow)
        self._allow_collapsed = frozenset(collapse_all(w) for w in allow)
        self._owner_allow = frozenset(normalize_phrase(w) for w in allowed_words if w.strip())
        self._extras: dict[str, str] = {
            normalize_phrase(w): w.strip() for w in extra_words if w.strip()
        }
        self._extra_regex = (
            re.compile("(?:" + "|".join(map(re.escape, self._extras)) + r")\w{0,3}")
            if self._extras
            else None
        )
        self._extra_search = (
            re.compile("|".join(map(re.escape, sorted(self._extras, key=len, reverse=True))))
            if self._extras
            else None
        )
        self._mask_forms = self._load_mask_forms()
        self._translit_allow = frozenset(load_words("translit_allow.txt") if self.ru else ())

    # --- construction -------------------------------------------------------------------------
    def _load_en_words(self) -> dict[str, str]:
        excluded = frozenset(load_words("en_exclude.txt"))
        words: dict[str, str] = {}
        for entry in load_better_profanity_words():
            if entry in excluded or " " in entry or "*" in entry:
                continue
            words[_latin_fold(entry)] = "en.profanity"
        for lexicon, entry in load_tagged_words("en_extra.txt", "en.profanity"):
            words[_latin_fold(entry)] = lexicon
        return {self._fold_symbols(w): lex for w, lex in words.items()}

    @staticmethod
    def _fold_symbols(word: str) -> str:
        table = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                               "@": "a", "$": "s", "!": "i", "+": "t"})
        return re.sub(r"[-_.]", "", word.translate(table))

    def _load_mask_forms(self) -> tuple[str, dict[str, str]]:
        lexicon_of: dict[str, str] = {}
        for section, words in load_sections("mask_forms.txt").items():
            if section.startswith("ru.") and not self.ru:
                continue
            if section.startswith("en.") and not self.en:
                continue
            for word in words:
                is_cyrillic = not _LATIN_WORD.fullmatch(word)
                if section == "slur" and ((is_cyrillic and not self.ru) or
                                          (not is_cyrillic and not self.en)):
                    continue
                lexicon_of[word.replace("ё", "е")] = section
        for norm in self._extras:
            lexicon_of[norm] = "extra"
        return "\n".join(lexicon_of), lexicon_of

    @property
    def stems(self) -> list[str]:
        """Pre-check stems for this configuration."""
        stems = self._ru_rules.stems + self._en_rules.stems
        if self.ru:
            stems += self._translit.stems
        if self.en:
            stems += ["^" + w for w in self._en_words if w.isalpha()]
        stems += [e for e in self._extras if e.isalpha()]
        return stems

    # --- matching -----------------------------------------------------------------------------
    def match(self, word: Word, *, masks: bool = True) -> Hit | None:
        """Return the entry a normalised word matches, if any (first matching reading).

        ``masks=False`` skips wildcard readings (the caller's per-message budget is spent).
        """
        for text, masked in word.readings:
            if len(text) > LONG_WORD:
                hit = self.search_inside(text, word.script)
            elif masked:
                hit = self._match_mask(text) if masks else None
            else:
                hit = self._match_text(text, word)
            if hit is not None:
                return hit
        return None

    def search_inside(self, text: str, script: Script) -> Hit | None:
        r"""Find an entry anywhere inside a long string of letters (no allow-list: such a
        string is no real word).  Linear time: the rules are searched without \w* heads."""
        collapsed = collapse_all(text)
        if self._extra_search is not None:
            extra = self._extra_search.search(collapsed)
            if extra is not None:
                return Hit(self._extras[extra.group()], "extra", extra.group())
        rules = self._ru_rules if script is Script.CYR else self._en_rules
        found = rules.search(collapsed)
        if found is None and script is Script.LAT and self.ru:
            # transliteration is a Python loop: only the head of a monster word gets it
            found = self._ru_rules.search(self._translit(collapsed[:_TRANSLIT_SPAN]))
        if found is None:
            return None
        rule, fragment = found
        return Hit(rule.name, rule.lexicon, fragment[:LONG_WORD])

    def _match_text(self, text: str, word: Word) -> Hit | None:
        owner = self._match_owner_lists(text)
        if owner is not None:
            return owner if isinstance(owner, Hit) else None
        if word.script is Script.CYR:
            return self._match_russian(text)
        return self._match_latin(text, word)

    def _match_owner_lists(self, text: str) -> Hit | bool | None:
        """The owner's lists: a Hit for an extra word, False for an allowed one, else None."""
        if not self._owner_allow and self._extra_regex is None:
            return None
        for spelling, _ in spellings(text):
            collapsed = collapse_all(spelling)
            if spelling in self._owner_allow or collapsed in self._owner_allow:
                return False
            if self._extra_regex is not None and self._extra_regex.fullmatch(collapsed):
                return Hit(self._extra_name(collapsed), "extra", spelling)
        return None

    def _extra_name(self, spelling: str) -> str:
        best = max((e for e in self._extras if spelling.startswith(e)), key=len)
        return self._extras[best]

    def _allowed(self, spelling: str, collapsed: bool) -> bool:
        return spelling in (self._allow_collapsed if collapsed else self._allow_exact)

    def _match_russian(self, text: str, shown: str | None = None) -> Hit | None:
        if not self.ru:
            return None
        if shown is not None:
            # a Latin word read as Russian: the owner's lists apply to that reading too
            owner = self._match_owner_lists(text)
            if owner is not None:
                return owner if isinstance(owner, Hit) else None
        for spelling, collapsed in spellings(text):
            if self._allowed(spelling, collapsed):
                return None
            rule = self._ru_rules.match(spelling)
            if rule is not None:
                return Hit(rule.name, rule.lexicon, shown or spelling)
        return None

    def _match_latin(self, text: str, word: Word) -> Hit | None:
        if word.titlecase and text in self._names:
            return None
        for spelling, collapsed in spellings(text):
            if self._allowed(spelling, collapsed):
                return None
            if self.en:
                rule = self._en_rules.match(spelling)
                if rule is not None:
                    return Hit(rule.name, rule.lexicon, spelling)
                lexicon = None if collapsed else self._en_words.get(spelling)
                if lexicon is not None:
                    return Hit(spelling, lexicon, spelling)
        # transliteration needs a real word: "3b" must not read as еб
        if self.ru and text.isalpha() and word.letters >= 3:
            return self._match_transliterated(text)
        return None

    def _match_transliterated(self, text: str) -> Hit | None:
        if text in self._translit_allow:
            return None
        spelling = spellings(text)[-1][0]
        if set(spelling) <= _SHAPE_LETTERS:
            hit = self._match_russian(spelling.translate(_SHAPE_TO_CYR), text)
            if hit is not None:
                return hit
        return self._match_russian(self._translit(spelling), text)

    def _match_mask(self, text: str) -> Hit | None:
        pattern = _mask_regex(text)
        if pattern is None:
            return None
        forms, lexicon_of = self._mask_forms
        found = pattern.search(forms)
        if found is None:
            return None
        form = found.group()
        entry = self._entry_of(form)
        if entry is not None:
            return Hit(entry.name, entry.lexicon, text)
        return Hit(form, lexicon_of[form], text)

    def _entry_of(self, form: str) -> Rule | None:
        """The rule a mask form belongs to (хуйня → the хуй root), if any."""
        if _LATIN_WORD.fullmatch(form):
            return self._en_rules.match(form)
        return self._ru_rules.match(form)


_SHAPE_TO_CYR = str.maketrans(
    {"a": "а", "b": "в", "c": "с", "e": "е", "h": "н", "k": "к", "m": "м", "o": "о", "p": "р",
     "t": "т", "x": "х", "y": "у", "u": "и", "i": "и", "n": "п", "r": "г"}
)
_MASK_PART = re.compile(r"([*#]+)|(\.{2,}|…)|(\w)|(.)", re.S)


@functools.lru_cache(maxsize=2048)
def _mask_regex(text: str) -> re.Pattern[str] | None:
    """Turn a masked word (х*й, п...ц, f**k) into a regex over the mask-forms text."""
    parts: list[str] = []
    letters = 0
    for stars, dots, letter, other in _MASK_PART.findall(text):
        if stars:
            parts.append(rf"\w{{1,{len(stars) + 1}}}")
        elif dots:
            parts.append(r"\w{1,6}")
        elif letter:
            parts.append(re.escape(letter))
            letters += 1
        elif other:
            return None
    if letters == 0:
        return None
    return re.compile("^" + "".join(parts) + "$", re.M)

