"""The compiled lexicons of one filter configuration and the word-level matcher.

A :class:`Lexicon` answers one question: does this normalised word match an entry, and which?
It combines the Russian rules, the English rules and whole words, transliteration, owner extras
and allow-lists, and wildcard masks.  Building one is costly (regex compilation), so the filter
caches lexicons per configuration.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

from .data import (
    Rule,
    load_better_profanity_words,
    load_rules,
    load_tagged_words,
    load_words,
)
from .glued import EN_HEADS, TRIGGER_HEADS, ambiguous_head, glued_pairs, number_pi_glued
from .masks import MaskForms
from .normalize import Script, Word, collapse_all, normalize_phrase, spellings
from .rules import Hit, RuleSet
from .translit import SHAPE_LETTERS, SHAPE_TO_CYR, Transliterator

_LATIN_WORD = re.compile("[a-z]+")
# A masked Cyrillic word that may be filled (see Lexicon._fill_mask), and the letters tried in
# a mask, the likeliest first (п*здец, х*й, за*бал): the vowels and the consonants of the мат roots.
_FILLABLE = re.compile(r"[а-я*]+")
_MASK_FILL = "иуеаояюыьзбдлхй"
# The same for English compounds no listed form covers (f*ckwit, clusterf*ck, sh*tshow): the
# vowels, the s of a**hole and the c of f**k.
_LATIN_FILLABLE = re.compile(r"[a-z*]+")
_LATIN_MASK_FILL = "uiaoesc"
#: visible letters a masked Latin word needs before it is also read as masked Russian (a short
#: one, da*n, would fill into Russian words it never meant)
_TRANSLIT_MASK_LETTERS = 4
#: words longer than this are searched inside rather than matched whole (no real word is)
LONG_WORD = 40
_TRANSLIT_SPAN = 256
#: Latin words the allow-lists keep for an innocent sense, read as Russian in a Russian message
READ_AS_RUSSIAN = frozenset({"hui", "huy", "suki", "huevo", "huevos", "huesos"})


def _stem(word: str) -> str:
    """An owner's word without its ending, so its other forms match: a final vowel, й or ь
    of a word of five letters or more (Хуяндай → хуянда)."""
    return word[:-1] if len(word) >= 5 and word[-1] in "аяоеёиыуюйьaeiouy" else word


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
        self._surnames = frozenset(load_words("surnames.txt"))
        allow = [w.replace("ё", "е") for w in load_words("allow.txt")]
        self._allow_exact = frozenset(allow)
        self._allow_collapsed = frozenset(collapse_all(w) for w in allow)
        self._owner_allow = frozenset(normalize_phrase(w) for w in allowed_words if w.strip())
        # ... in its word forms too (Хуяндай, в Хуяндае, у Хуяндая), as extra_words are
        stems = sorted({_stem(w) for w in self._owner_allow}, key=len, reverse=True)
        self._owner_allow_regex = (
            re.compile("(?:" + "|".join(map(re.escape, stems)) + r")\w{0,3}") if stems else None
        )
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
        self._masks = MaskForms(self.ru, self.en, self._extras)
        self._translit_allow = frozenset(load_words("translit_allow.txt") if self.ru else ())

    # --- construction -------------------------------------------------------------------------
    def _load_en_words(self) -> dict[str, str]:
        excluded = frozenset(load_words("en_exclude.txt"))
        words: dict[str, str] = {}
        for entry in load_better_profanity_words():
            if entry in excluded or " " in entry or "*" in entry:
                continue
            words[entry.lower()] = "en.profanity"
        for lexicon, entry in load_tagged_words("en_extra.txt", "en.profanity"):
            words[entry.lower()] = lexicon
        # a spelling that folds into an excluded word is that word (4r5e is arse)
        folded = {self._fold_symbols(w): lex for w, lex in words.items()}
        return {w: lex for w, lex in folded.items() if w not in excluded}

    @staticmethod
    def _fold_symbols(word: str) -> str:
        table = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t",
                               "@": "a", "$": "s", "!": "i", "+": "t"})
        return re.sub(r"[-_.]", "", word.translate(table))

    @property
    def stems(self) -> list[str]:
        """Pre-check stems for this configuration."""
        stems = self._ru_rules.stems + self._en_rules.stems
        if self.ru:
            stems += self._translit.stems
            # a word's start after the commonest words typed before it without the space
            # (нусука, нубля, вотпидор: glued.py); мат and insults only, whose stems hold the
            # word's start (the other stems find the word anywhere already)
            stems += ["^" + head + stem[1:] for head in TRIGGER_HEADS
                      for rule in self._ru_rules.rules if rule.lexicon in ("ru.mat", "ru.insult")
                      for stem in rule.stems if stem.startswith("^")]
        if self.en:
            stems += ["^" + w for w in self._en_words if w.isalpha()]
            # an insult glued to the word in front of it (youtwat: glued.py), for the forms no
            # stem finds inside a word already (twat, wanker, prick; not fuck, shit, asshole)
            inside = [stem for stem in stems if stem.isascii() and stem[:1] not in "^["]
            stems += ["^" + head + form for form in self._masks.latin_forms()
                      if not any(stem in form for stem in inside) for head in EN_HEADS]
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

    def read_as_russian(self, word: Word) -> Hit | None:
        """In a Russian message, a Latin word allowed for its other sense (the name Hui, the
        Japanese suki) is read as the transliteration it is there («иди на hui»)."""
        if not self.ru or word.titlecase or word.text not in READ_AS_RUSSIAN:
            return None
        return self._match_russian(self._translit(word.text), word.text)

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

    def sound_out(self, text: str) -> str:
        """Lower-case Latin runs of a word read by sound (Pi3дец → пи3дец), not by shape."""
        return _LATIN_WORD.sub(lambda run: self._translit(run.group()), text)

    def _match_text(self, text: str, word: Word) -> Hit | None:
        owner = self._match_owner_lists(text)
        if owner is not None:
            return owner if isinstance(owner, Hit) else None
        if word.script is Script.CYR:
            hit = self._match_russian(text)
            if hit is None and _LATIN_WORD.search(text):
                # Latin letters with no Cyrillic look-alike read by sound (pizдец → пиздец)
                hit = self._match_russian(self.sound_out(text), text)
            return hit
        return self._match_latin(text, word)

    def _match_owner_lists(self, text: str) -> Hit | bool | None:
        """The owner's lists: a Hit for an extra word, False for an allowed one, else None."""
        if self._owner_allow_regex is None and self._extra_regex is None:
            return None
        allow = self._owner_allow_regex
        for spelling, _ in spellings(text):
            collapsed = collapse_all(spelling)
            if allow is not None and (allow.fullmatch(spelling) or allow.fullmatch(collapsed)):
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
            if rule is not None and number_pi_glued(spelling):
                return None  # «число пиздесь»: пи здесь without the space (glued.py)
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
        # transliteration needs a real word: "3b" must not read as еб (an apostrophe is the
        # soft sign: bl'at)
        if self.ru and text.replace("'", "").isalpha() and word.letters >= 3:
            return self._match_transliterated(text)
        return None

    def _match_transliterated(self, text: str) -> Hit | None:
        if text in self._translit_allow:
            return None
        hit = self._match_transliterated_as_written(text)
        if hit is None and "oo" in text:
            # у spelt "oo" the English way (sooka, nahooy, moodak, zaloopa): read as "u", unless
            # that spelling is an allowed word (sooki → suki, the Japanese word) or an English
            # word reads as мат so (moodily, hooey: in translit_allow.txt)
            sounded = text.replace("oo", "u")
            if not self._allowed(sounded, False) and sounded not in self._translit_allow:
                hit = self._match_transliterated_as_written(sounded)
        return hit

    def _match_transliterated_as_written(self, text: str) -> Hit | None:
        # most collapsed first; a stretched vowel may collapse to one or two letters (blyaaaat)
        for spelling, _ in reversed(spellings(text)):
            if set(spelling) <= SHAPE_LETTERS:
                hit = self._match_russian(spelling.translate(SHAPE_TO_CYR), text)
                if hit is not None:
                    return hit
            reading = self._translit(spelling)
            hit = self._match_russian(reading, text)
            if hit is not None:
                return hit
            separated = self._translit(spelling, hard_sign=True)
            if separated != reading:
                hit = self._match_russian(separated, text)
                if hit is not None:
                    return hit
            if "q" in spelling and "qu" not in spelling:
                # q for я, by shape (blqd'); English writes q only before u
                hit = self._match_russian(self._translit(spelling.replace("q", "ya")), text)
                if hit is not None:
                    return hit
        return None

    def is_allowed(self, text: str) -> bool:
        """Whether a normalised word is on the allow-list (as written or with repeats read
        as one or two letters)."""
        return any(self._allowed(spelling, collapsed) for spelling, collapsed in spellings(text)) \
            or self._match_owner_lists(text) is False

    def is_name_or_allowed(self, word: Word) -> bool:
        """Whether a normalised word is a capitalised name or an allowed word of four letters or
        more (a piece of a nickname: @Hui_Lin_88, @scunthorpe_fc, @ebay_store; a shorter allowed
        word such as the pinyin hui is also мат in Latin letters), or a Latin word known not to
        be Russian (@ebisu_jp)."""
        if word.titlecase and self.is_listed_name(word):
            return True
        return len(word.text) >= 4 and (self.is_allowed(word.text)
                                        or word.text in self._translit_allow)

    def is_listed_english(self, text: str) -> bool:
        """Whether a lower-case word is one of the English list's own words (asshole)."""
        return text in self._en_words

    def is_surname(self, piece: str) -> bool:
        """Whether a piece of a nickname is a surname that reads as no word (nguyen, zhang)."""
        return piece.lower() in self._surnames

    def is_listed_name(self, word: Word) -> bool:
        """Whether a normalised word is on the names list whatever its case (huy, dick)."""
        return word.text in self._names

    def listed_mask(self, text: str) -> Hit | None:
        """The listed word form a masked word stands for, without filling the mask with any
        letters (a hashtag's # over a first letter: #уйня, but not #ебург)."""
        found = self._masks.match(text)
        if found is None:
            return None
        form, lexicon = found
        entry = self._entry_of(form)
        if entry is not None:
            return Hit(entry.name, entry.lexicon, form)
        return Hit(self._extras.get(form, form), lexicon, form)

    def listed_form(self, word: Word, *, stretched: bool = True) -> Hit | None:
        """The listed word form (mask_forms.txt) a normalised word is, as written or (with
        ``stretched``) with its repeated letters read as one or two (fuuuck), allow-list first: a
        word put together from pieces is only trusted when it is one of the commonest мат forms
        (splits.py)."""
        for text, masked in word.readings:
            if masked:
                continue
            for spelling, collapsed in spellings(text) if stretched else ((text, False),):
                if self._allowed(spelling, collapsed):
                    return None
                lexicon = self._masks.lexicon_of(spelling)
                if lexicon is None:
                    continue
                entry = self._entry_of(spelling)
                if entry is not None:
                    return Hit(entry.name, entry.lexicon, spelling)
                return Hit(self._extras.get(spelling, spelling), lexicon, spelling)
        return None

    def match_glued(self, text: str) -> Hit | None:
        """A normalised Cyrillic word that is two words run together, one of them matched
        (вообщехуево, чтоебанутый, сукаблять, ебтвою: see glued.py)."""
        if not self.ru or self.is_allowed(text):
            return None
        for first, second, head in glued_pairs(text):
            if head and ambiguous_head(first, second):
                hit = self.listed_mask(second)
            else:
                hit = self._match_russian(second if head else first)
            if hit is not None:
                return Hit(hit.name, hit.lexicon, first + " " + second)
        return None

    def match_glued_english(self, text: str) -> Hit | None:
        """A plain Latin word that is an insult glued to the word in front of it (youtwat,
        absolutewanker, uasshole: see glued.py): the rest must be a listed English form."""
        if not self.en:
            return None
        for head in EN_HEADS:
            if text.startswith(head) and len(text) > len(head) + 2:
                rest = text[len(head):]
                if self._masks.lexicon_of(rest) is not None and _LATIN_WORD.fullmatch(rest):
                    hit = self._match_english_rules(rest) or self.listed_mask(rest)
                    if hit is not None:
                        return Hit(hit.name, hit.lexicon, head + " " + rest)
        return None

    def match_listed_masks(self, word: Word) -> Hit | None:
        """The listed word form a masked reading of ``word`` stands for, never filling a mask
        letter by letter (a mask typed with ``?``, ``&`` or ``^``: see the engine)."""
        for text, masked in word.readings:
            hit = self._match_mask(text, fill=False) if masked else None
            if hit is not None:
                return hit
        return None

    def _match_mask(self, text: str, *, fill: bool = True) -> Hit | None:
        hit = self.listed_mask(text)
        if hit is None:
            # a stretched word under a mask (хуууу*ня) is the word with one letter
            one = spellings(text)[0][0]
            hit = self.listed_mask(one) if one != text else None
        return hit if hit is not None or not fill else self._fill_mask(text)

    def _fill_mask(self, text: str) -> Hit | None:
        """A masked word no listed form fits (вып*здили, за*башил, ох*евший, f*ckwit): fill each
        mask with the letters a mask usually hides and read the result as a word.

        Only a word of three visible letters or more, with at most two hidden letters, is
        filled, each star by exactly one letter: a guess any wider would find мат in innocent
        words.  The allow-list still applies to every filling.
        """
        visible = len(text) - text.count("*")
        if text.count("*") > 2 or visible < 3:
            return None
        if _FILLABLE.fullmatch(text):
            return _fill(text, _MASK_FILL, self._match_russian)
        if not _LATIN_FILLABLE.fullmatch(text):
            return None
        hit = _fill(text, _LATIN_MASK_FILL, self._match_english_rules) if self.en else None
        if hit is None and self.ru and visible >= _TRANSLIT_MASK_LETTERS:
            # Russian in Latin letters under a mask (za*bashili): each piece read in Cyrillic
            pieces = text.split("*")
            readings = ["*".join(self._translit(piece) for piece in pieces)]
            if any(piece.startswith("y") for piece in pieces[1:]):
                # a mask mostly hides a vowel, so a y just after it is the й of «уй» (nax*y)
                readings.append("*".join([self._translit(pieces[0])] + [
                    "й" + self._translit(piece[1:]) if piece.startswith("y") else
                    self._translit(piece) for piece in pieces[1:]]))
            for russian in readings:
                if hit is None and _FILLABLE.fullmatch(russian):
                    hit = _fill(russian, _MASK_FILL, self._match_russian)
        return hit

    def _match_english_rules(self, text: str, shown: str | None = None) -> Hit | None:
        """An English word by the root rules only (a filled mask: the plain word list would
        take any short filling for a word)."""
        for spelling, collapsed in spellings(text):
            if self._allowed(spelling, collapsed):
                return None
            rule = self._en_rules.match(spelling)
            if rule is not None:
                return Hit(rule.name, rule.lexicon, shown or spelling)
        return None

    def _entry_of(self, form: str) -> Rule | None:
        """The rule a mask form belongs to (хуйня → the хуй root), if any."""
        if _LATIN_WORD.fullmatch(form):
            return self._en_rules.match(form)
        return self._ru_rules.match(form)


def _fill(text: str, letters: str, match: Callable[[str], Hit | None]) -> Hit | None:
    """The first reading of a masked word, each star filled by one of ``letters``, that
    ``match`` finds."""
    pieces = text.split("*")
    for hidden in itertools.product(letters, repeat=len(pieces) - 1):
        filled = pieces[0] + "".join(a + b for a, b in zip(hidden, pieces[1:], strict=True))
        hit = match(filled)
        if hit is not None:
            return hit
    return None
