"""Turn FAQ text and chat messages into weighted terms: stems plus synonym concepts.

FAQ text is analysed exactly (it is written carefully); chat messages get repairs first — typo
correction against the FAQ's own vocabulary, transliteration of Latin-typed Russian — and the
sentences that actually ask something weigh more than the chatter around them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .lexicon import CONCEPT_PREFIX, Lexicon, load_lexicon
from .question import is_question_like
from .text import (
    edit_distance,
    load_word_list,
    script,
    sound_key,
    stem,
    translit_to_cyrillic,
    trigrams,
    words,
)

# Concepts of asking words in data/synonyms.txt ("ask-when: когда, when…").
ASK_PREFIX = CONCEPT_PREFIX + "ask-"
STOPWORDS = load_word_list("stopwords.txt")
COMMON = load_word_list("common.txt")
LEXICON = load_lexicon()

# Longer "words" (links, keyboard mashing) are not worth repairing.
MAX_REPAIR = 30
# Weight of a word repaired by typo correction (per edit) and by transliteration.
TYPO_PENALTY = 0.2
TRANSLIT_WEIGHT = 0.9
# Weight of frequent everyday words and numbers: matchable, but rarely the topic.
COMMON_WEIGHT = 0.35
# Weight of asking words ("когда", "how much"): they tell the kind of answer, not the topic.
ASK_WEIGHT = 0.5
# "A instead of B": what follows the contrast word is what the asker does not want.
CONTRAST = frozenset({"instead", "вместо", "rather"})
CONTRAST_WEIGHT = 0.3
# Weight of the sentences around the question in a long message ("buried" questions).
CONTEXT_WEIGHT = 0.3

# Sentence ends: punctuation, line breaks, and emoji (chat uses them as full stops).
_SENTENCE_RE = re.compile(r"(?<=[.!?…])\s+|\n+|\s*[\U0001F300-\U0001FAFF\u2600-\u27BF]+\s*")


def sentences(text: str) -> list[str]:
    """The message's sentences (non-empty), for finding the one that asks."""
    return [p for p in _SENTENCE_RE.split(text) if p.strip()]


@dataclass(frozen=True, slots=True)
class Position:
    """One meaningful word (or a phrase of stopwords like "how much") and what it can match.

    ``terms`` are the alternatives — the stem and the synonym concepts it expresses; a match on
    any of them explains this word once. ``trust`` is below 1 for repaired words and context.
    """

    stem: str
    concepts: tuple[str, ...]
    trust: float

    @property
    def terms(self) -> tuple[str, ...]:
        return (self.stem, *self.concepts) if self.stem else self.concepts


def _positions(
    tokens: list[str],
    stems: list[str],
    trust: list[float],
    lexicon: Lexicon,
) -> list[Position]:
    """Group stems and the concepts found over them into positions."""
    attached: list[set[str]] = [set() for _ in tokens]
    extra: list[Position] = []
    for start, end, concept in lexicon.concepts(stems):
        content = [i for i in range(start, end) if tokens[i] not in STOPWORDS]
        if content:
            # A phrase is one meaning: it rides on its last content word only.
            attached[content[-1]].add(concept)
        elif (tuple(stems[start:end]), concept) in lexicon.spoken:
            extra.append(Position("", (concept,), min(trust[start:end]) * _ask_weight(concept)))
    found = [
        Position(
            stems[i] if len(stems[i]) > 1 else "",
            tuple(sorted(attached[i])),
            trust[i] * _word_weight(token, attached[i]),
        )
        for i, token in enumerate(tokens)
        if token not in STOPWORDS and (len(stems[i]) > 1 or attached[i])
    ]
    return found + extra


def _ask_weight(concept: str) -> float:
    return ASK_WEIGHT if concept.startswith(ASK_PREFIX) else 1.0


def _word_weight(token: str, concepts: set[str]) -> float:
    """Frequent words and numbers weigh little; so does a word that only asks ("сколько")."""
    if not concepts:
        return COMMON_WEIGHT if token in COMMON or token.isdigit() else 1.0
    if all(c.startswith(ASK_PREFIX) for c in concepts):
        return min(_ask_weight(c) for c in concepts)
    return 1.0


def content_words(text: str) -> list[str]:
    """The topic-bearing words of ``text`` as written, each once, in order of appearance.

    Leaves out stopwords, frequent everyday words, numbers and words under three letters: the
    words that could be the topic the FAQ does not cover. Used for the encoder's word-level
    evidence (index.embed_words, FaqMatcher.evidence).
    """
    return list(
        dict.fromkeys(
            w
            for w in words(text)
            if len(w) >= 3 and w not in STOPWORDS and w not in COMMON and not w.isdigit()
        )
    )


def doc_positions(text: str, lexicon: Lexicon = LEXICON) -> list[Position]:
    """Positions of one FAQ question or answer (analysed exactly, full trust)."""
    tokens = words(text)
    stems = [stem(t) for t in tokens]
    return _positions(tokens, stems, [1.0] * len(tokens), lexicon)


class Vocabulary:
    """Known word forms (with their stems) and a trigram index, to repair misspelt words.

    Repair works on whole word forms, not stems: a stem is too short to tell a typo
    ("продлитт") from a different word that merely shares a prefix ("продаёте").
    """

    def __init__(self, forms: Iterable[str]) -> None:
        # Sorted: repair breaks ties by this order, and a set's order changes with the hash
        # seed, so unsorted forms made matching differ from one process to the next.
        self.form_stem = {form: stem(form) for form in sorted(forms)}
        self.stems = frozenset(self.form_stem.values())
        russian = [form for form in self.form_stem if script(form) == "ru"]
        self.sound_forms = {sound_key(form): form for form in russian}
        self.sounds = {key: self.form_stem[form] for key, form in self.sound_forms.items()}
        grams: dict[str, list[str]] = {}
        for form in self.form_stem:
            if len(form) >= 4:
                for gram in trigrams(form):
                    grams.setdefault(gram, []).append(form)
        self.grams = grams

    def nearest(self, word: str) -> tuple[str, int] | None:
        """Stem of the closest known form within 1 edit (2 for long words), or None."""
        found = self.nearest_form(word)
        return None if found is None else (self.form_stem[found[0]], found[1])

    def nearest_form(self, word: str) -> tuple[str, int] | None:
        """The closest known form within 1 edit (2 for long words) and its distance, or None."""
        if not 4 <= len(word) <= MAX_REPAIR:
            return None
        limit = 1 if len(word) < 8 else 2
        shared: dict[str, int] = {}
        for gram in trigrams(word):
            for known in self.grams.get(gram, ()):
                shared[known] = shared.get(known, 0) + 1
        best: tuple[str, int] | None = None
        for known, _ in sorted(shared.items(), key=lambda kv: -kv[1])[:16]:
            if known[0] != word[0]:
                continue
            dist = edit_distance(word, known, limit)
            if dist <= limit and (best is None or dist < best[1]):
                best = (known, dist)
        return best


def _repair(token: str, vocab: Vocabulary, translit: bool) -> tuple[str, float]:
    """The stem to match for ``token`` and how much we trust the repair."""
    own = stem(token)
    if own in vocab.stems:
        return own, 1.0
    if translit and script(token) == "en":
        cyr = translit_to_cyrillic(token)
        if stem(cyr) in vocab.stems:
            return stem(cyr), TRANSLIT_WEIGHT
        near = vocab.nearest(cyr)
        if near is not None:
            return near[0], TRANSLIT_WEIGHT * (1.0 - TYPO_PENALTY * near[1])
    if script(token) == "ru" and 4 <= len(token) <= MAX_REPAIR:
        sounded = vocab.sounds.get(sound_key(token))
        if sounded is not None:
            return sounded, 1.0 - TYPO_PENALTY
    near = vocab.nearest(token)
    if near is not None:
        return near[0], 1.0 - TYPO_PENALTY * near[1]
    return own, 1.0


def repaired_text(text: str, vocab: Vocabulary) -> str | None:
    """``text`` with its misspelt words replaced by the FAQ's own spelling; None if none is.

    The sentence encoder reads words, not stems: "замарозить абик" is far from "заморозить
    абонемент" for it, while the lexical score repairs it. Reading the repaired text as well
    lets the encoder agree with a correctly repaired typo (typo queries on unseen communities:
    0.453 → 0.533 answered).
    """
    changed = False
    fixed: list[str] = []
    for token in words(text):
        form = token
        if token not in STOPWORDS and stem(token) not in vocab.stems:
            sounded = vocab.sound_forms.get(sound_key(token)) if script(token) == "ru" else None
            near = vocab.nearest_form(token) if sounded is None else (sounded, 1)
            if near is not None:
                form, changed = near[0], True
        fixed.append(form)
    return " ".join(fixed) if changed else None


def _sentence_weights(text: str) -> list[tuple[str, float]]:
    """Split a message into sentences; only question-like ones keep full weight."""
    parts = sentences(text)
    if len(parts) < 2:
        return [(text, 1.0)]
    asking = [is_question_like(p) for p in parts]
    if not any(asking):
        return [(p, 1.0) for p in parts]
    return [(p, 1.0 if a else CONTEXT_WEIGHT) for p, a in zip(parts, asking, strict=True)]


def query_positions(
    text: str, vocab: Vocabulary, translit: bool, lexicon: Lexicon = LEXICON
) -> list[Position]:
    """Positions of a chat message: repaired words; context sentences and the rest of a
    sentence after "instead of" weigh less."""
    found: list[Position] = []
    for sentence, base in _sentence_weights(text):
        tokens = words(sentence)
        stems: list[str] = []
        trust: list[float] = []
        for token in tokens:
            if token in CONTRAST:
                base *= CONTRAST_WEIGHT
            if token in STOPWORDS:
                stems.append(stem(token))
                trust.append(base)
                continue
            repaired, weight = _repair(token, vocab, translit)
            stems.append(repaired)
            trust.append(base * weight)
        found.extend(_positions(tokens, stems, trust, lexicon))
    return found
