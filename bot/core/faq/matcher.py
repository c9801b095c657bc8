"""FAQ matching: scoring a message against the index, and the answer / suggest / none bands.

Scoring is lexical — stems, synonym concepts and typo repair, weighted by idf — because it
takes about a millisecond and, at the precision a chat needs, did better on the sample FAQs than
a sentence encoder (e5: 0.56 accuracy at 0.88 precision; this matcher: 0.58 at 0.95 with a
lower threshold, 0.40 at 1.0 with the default one). The hard part is knowing when to stay
silent, since a wrong answer is worse than none. Confidence therefore needs all of:

* query cover — how much of the message the entry explains (an unexplained "ягоды" in
  "как заморозить ягоды" means the message is about something else);
* entry cover — how much of the entry's own question the message covers;
* margin — how far ahead of the runner-up the entry is (a tie is no answer).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .analysis import ASK_PREFIX, Position, query_positions, sentences
from .entries import FaqEntry
from .index import FaqIndex, exact_key, importance, load_or_build
from .question import is_question_like

# Similarity = query_cover^share × entry_cover^(1-share): explaining the message matters more.
SIM_QUERY_SHARE = 0.8
# Margin (in similarity) that removes 63% of the ambiguity discount; see confidence().
MARGIN_SCALE = 0.15
# Meaningful words (not frequent, not asking words) a sentence needs to be judged alone.
SENTENCE_WORDS = 2
# Asking sentences of one long message judged alone, at most (the last ones are kept).
MAX_SENTENCES = 6
# How many best raw-scoring entries get the full coverage scoring.
RERANK = 8

Band = Literal["answer", "suggest", "none"]


@dataclass(frozen=True, slots=True)
class FaqMatch:
    """The verdict on one message; ``faq_id`` is set in the "answer" and "suggest" bands."""

    faq_id: str | None
    score: float
    band: Band
    is_question: bool
    candidates: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Confidence cut-offs: ``answer`` to reply, ``suggest`` to offer "did you mean".

    Chosen on the sample FAQs for answer precision ≥ 0.95 and ≤ 3 % answered chatter, and
    checked to transfer between the two communities (tests/test_faq_quality.py).
    """

    answer: float = 0.56
    suggest: float = 0.3


@dataclass(frozen=True, slots=True)
class Scored:
    """One candidate entry's features for one message."""

    entry: int
    query_cover: float
    entry_cover: float
    sim: float


def confidence(sim: float, margin: float) -> float:
    """Confidence in [0, 1]: similarity, discounted when the runner-up is nearly as good.

    The margin multiplies rather than adds: a message that fits two entries equally well is
    ambiguous however well it fits.
    """
    return max(0.0, min(1.0, sim * (1.0 - math.exp(-max(0.0, margin) / MARGIN_SCALE))))


def _asking_only(position: Position) -> bool:
    """A position that only says what kind of answer is wanted ("when", "why")."""
    return not position.stem and all(c.startswith(ASK_PREFIX) for c in position.concepts)


def _confidence_of(scored: list[Scored]) -> float:
    second = scored[1].sim if len(scored) > 1 else 0.0
    return confidence(scored[0].sim, scored[0].sim - second)


class FaqMatcher:
    """Matches chat messages against one community's FAQ; read-only after build()."""

    def __init__(self, index: FaqIndex, thresholds: Thresholds) -> None:
        self._index = index
        self.thresholds = thresholds

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        *,
        thresholds: Thresholds = Thresholds(),
        cache_dir: Path | None = None,
    ) -> FaqMatcher:
        """Index ``entries`` (or load the index cached in ``cache_dir``)."""
        return cls(load_or_build(entries, cache_dir), thresholds)

    def score(self, text: str) -> list[Scored]:
        """Candidate entries for ``text``, most similar first."""
        return self._score(query_positions(text, self._index.vocab, self._index.translit))

    def _score(self, positions: list[Position]) -> list[Scored]:
        index = self._index
        caps = [p.trust * importance(p, index.idf, index.oov_idf) for p in positions]
        mass = sum(caps)
        if mass <= 0.0:
            return []
        # Each message word explains an entry once, through its best alternative term.
        raw: dict[int, float] = {}
        query_trust: dict[str, float] = {}
        for position, cap in zip(positions, caps, strict=True):
            best: dict[int, float] = {}
            for term in position.terms:
                query_trust[term] = max(query_trust.get(term, 0.0), position.trust)
                idf = index.idf.get(term)
                if idf is None:
                    continue
                for entry, weight in index.postings[term]:
                    value = position.trust * idf * weight
                    if value > best.get(entry, 0.0):
                        best[entry] = value
            for entry, value in best.items():
                raw[entry] = raw.get(entry, 0.0) + min(value, cap)
        top = sorted(raw.items(), key=lambda kv: -kv[1])[:RERANK]
        scored = [self._features(entry, value / mass, query_trust) for entry, value in top]
        scored.sort(key=lambda s: -s.sim)
        return scored

    def _features(self, entry: int, query_cover: float, query_trust: dict[str, float]) -> Scored:
        entry_cover = 0.0
        for positions, total in self._index.questions[entry]:
            if total <= 0.0:
                continue
            got = sum(
                weight * min(1.0, max((query_trust.get(t, 0.0) for t in terms), default=0.0))
                for terms, weight in positions
            )
            entry_cover = max(entry_cover, got / total)
        query_cover = min(1.0, query_cover)
        sim = query_cover**SIM_QUERY_SHARE * entry_cover ** (1.0 - SIM_QUERY_SHARE)
        return Scored(entry, query_cover, entry_cover, sim)

    def _best_reading(self, text: str) -> tuple[float, list[Scored]]:
        """Score the whole message and each asking sentence of a long one; keep the surest.

        In a long message the question is one sentence among chatter: judged as a whole its
        words are mostly unexplained, judged alone it is as clear as a short question. A
        sentence reading counts only if it has ``SENTENCE_WORDS`` meaningful words of its own
        and agrees with the whole message's best entry, so a bare fragment ("где это
        отменить?", "any idea why?") cannot pick an entry by itself.
        """
        whole = self.score(text)
        if not whole:
            return 0.0, []
        best = (_confidence_of(whole), whole)
        parts = sentences(text)
        if len(parts) < 2:
            return best
        asking = list(dict.fromkeys(p for p in parts if is_question_like(p)))
        # Questions sit near the end; a bound keeps a 4,000-character wall of text cheap.
        for part in asking[-MAX_SENTENCES:]:
            positions = query_positions(part, self._index.vocab, self._index.translit)
            if sum(p.trust >= 0.9 and not _asking_only(p) for p in positions) < SENTENCE_WORDS:
                continue
            scored = self._score(positions)
            if scored and scored[0].entry == whole[0].entry:
                conf = _confidence_of(scored)
                if conf > best[0]:
                    best = (conf, scored)
        return best

    def match(self, text: str) -> FaqMatch:
        """Answer, suggest or stay silent; non-questions are rejected before any scoring.

        A message that is word for word one of the FAQ's questions is answered outright.
        """
        if not is_question_like(text):
            return FaqMatch(None, 0.0, "none", False, ())
        ids = self._index.ids
        candidates: tuple[tuple[str, float], ...]
        exact = self._index.exact.get(exact_key(text))
        if exact is not None:
            conf, candidates = 1.0, ((ids[exact], 1.0),)
        else:
            conf, scored = self._best_reading(text)
            if not scored:
                return FaqMatch(None, 0.0, "none", True, ())
            top = scored[0]
            # Runners-up scaled like the winner: "did you mean" options ordered and comparable.
            scale = conf / top.sim if top.sim > 0.0 else 0.0
            candidates = (
                (ids[top.entry], round(conf, 4)),
                *((ids[s.entry], round(s.sim * scale, 4)) for s in scored[1:3]),
            )
        band: Band = "none"
        if conf >= self.thresholds.answer:
            band = "answer"
        elif conf >= self.thresholds.suggest:
            band = "suggest"
        faq_id = candidates[0][0] if band != "none" else None
        return FaqMatch(faq_id, round(conf, 4), band, True, candidates)
