"""FAQ index, scoring and answer bands.

Scoring is lexical (stems + synonym concepts, BM25-style idf) because it is fast, explainable and
measured to beat an encoder on our samples. The hard part is not ranking but knowing when to stay
silent: the confidence combines how much of the message the entry explains, how much of the
entry's own question the message covers, and the margin over the runner-up.
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from .analysis import (
    LEXICON,
    STOPWORDS,
    Position,
    Vocabulary,
    doc_positions,
    query_positions,
    sentences,
)
from .entries import FaqEntry
from .question import is_question_like
from .text import words

# Bump when analysis or index layout changes: it keys the on-disk cache.
CODE_VERSION = "faq-index-1"

# An answer-only term counts this much of a question term: answers mention many side topics.
ANSWER_WEIGHT = 0.6
# Idf of a query word the FAQ never uses, as a share of the rarest FAQ word's idf: an unknown
# word may be the real topic ("заморозить ягоды"), so it must weigh against the match.
OOV_FACTOR = 0.6
# Similarity = query_cover^share × entry_cover^(1-share): explaining the message matters more.
SIM_QUERY_SHARE = 0.8
# Margin (in similarity) at which ambiguity costs 63% of the confidence... see confidence().
MARGIN_SCALE = 0.15
# How many top entries get the full (coverage) scoring.
RERANK = 8


@dataclass(frozen=True, slots=True)
class FaqMatch:
    """The matcher's verdict on one message."""

    faq_id: str | None
    score: float
    band: Literal["answer", "suggest", "none"]
    is_question: bool
    candidates: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Confidence cut-offs: ``answer`` to reply, ``suggest`` to offer "did you mean"."""

    answer: float = 0.55
    suggest: float = 0.3


@dataclass(slots=True)
class _Index:
    """Everything match() needs, in plain picklable containers.

    ``questions[e]`` holds, per question of entry ``e``, its positions as (terms, importance)
    and the total importance, for measuring how much of the entry's own question a message covers.
    """

    ids: list[str]
    postings: dict[str, list[tuple[int, float]]]
    idf: dict[str, float]
    questions: list[list[tuple[list[tuple[tuple[str, ...], float]], float]]]
    vocab: Vocabulary
    translit: bool
    oov_idf: float


def importance(position: Position, idf: dict[str, float], oov_idf: float) -> float:
    """How informative a word is: its concept's idf if it has one, else its stem's."""
    concept = [idf[c] for c in position.concepts if c in idf]
    if concept:
        return max(concept)
    return idf.get(position.stem, oov_idf)


def _build_index(entries: Sequence[FaqEntry]) -> _Index:
    n = len(entries)
    per_entry: list[dict[str, float]] = []
    question_positions: list[list[list[Position]]] = []
    for entry in entries:
        qpos = [doc_positions(q) for q in entry.questions]
        weights = {t: ANSWER_WEIGHT for p in doc_positions(entry.answer) for t in p.terms}
        for positions in qpos:
            weights.update({t: 1.0 for p in positions for t in p.terms})
        per_entry.append(weights)
        question_positions.append(qpos)
    df: dict[str, int] = {}
    for weights in per_entry:
        for term in weights:
            df[term] = df.get(term, 0) + 1
    idf = {t: math.log(1.0 + (n - d + 0.5) / (d + 0.5)) for t, d in df.items()}
    oov_idf = math.log(1.0 + (n + 0.5) / 1.5) * OOV_FACTOR
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, weights in enumerate(per_entry):
        for term, w in weights.items():
            postings.setdefault(term, []).append((i, w))
    questions = []
    for qpos in question_positions:
        per_question = []
        for positions in qpos:
            weighted = [(p.terms, p.trust * importance(p, idf, oov_idf)) for p in positions]
            per_question.append((weighted, sum(w for _, w in weighted)))
        questions.append(per_question)
    forms = {w for e in entries for text in (*e.questions, e.answer) for w in words(text)}
    return _Index(
        ids=[e.id for e in entries],
        postings=postings,
        idf=idf,
        questions=questions,
        vocab=Vocabulary((forms - STOPWORDS) | LEXICON.forms),
        translit=any(e.lang == "ru" for e in entries),
        oov_idf=oov_idf,
    )


def _cache_key(entries: Sequence[FaqEntry]) -> str:
    digest = hashlib.sha256(CODE_VERSION.encode())
    for entry in entries:
        for part in (entry.id, entry.lang, *entry.questions, entry.answer):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        digest.update(b"\x01")
    return digest.hexdigest()[:32]


def _load_or_build(entries: Sequence[FaqEntry], cache_dir: Path | None) -> _Index:
    """Build the index, or load it from ``cache_dir`` if the entries and code are unchanged."""
    if cache_dir is None:
        return _build_index(entries)
    path = cache_dir / f"faq-{_cache_key(entries)}.pickle"
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)
        if isinstance(cached, _Index):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass
    index = _build_index(entries)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with tmp.open("wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass
    return index


@dataclass(frozen=True, slots=True)
class Scored:
    """Features of one candidate entry for one message (exposed for evaluation)."""

    entry: int
    raw: float
    query_cover: float
    entry_cover: float
    question_share: float
    sim: float
    elsewhere: float = 0.0
    unknown: float = 0.0


class FaqMatcher:
    """Matches chat messages against one community's FAQ."""

    def __init__(self, index: _Index, thresholds: Thresholds) -> None:
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
        """Index ``entries`` (or load the cached index) once; match() is then read-only."""
        return cls(_load_or_build(entries, cache_dir), thresholds)

    def score(self, text: str) -> list[Scored]:
        """Candidates for ``text``, best first, with their features."""
        index = self._index
        positions = query_positions(text, index.vocab, index.translit)
        weights = [p.trust * importance(p, index.idf, index.oov_idf) for p in positions]
        mass = sum(weights)
        if mass <= 0.0:
            return []
        acc: dict[int, float] = {}
        from_questions: dict[int, float] = {}
        query_trust: dict[str, float] = {}
        per_position: list[dict[int, float]] = []
        for position, cap in zip(positions, weights):
            best: dict[int, float] = {}
            for term in position.terms:
                if position.trust > query_trust.get(term, 0.0):
                    query_trust[term] = position.trust
                idf = index.idf.get(term)
                if idf is None:
                    continue
                for entry, ew in index.postings[term]:
                    value = position.trust * idf * ew
                    if value > best.get(entry, 0.0):
                        best[entry] = value
            per_position.append(best)
            for entry, value in best.items():
                acc[entry] = acc.get(entry, 0.0) + min(value, cap)
        unknown = sum(w for w, best in zip(weights, per_position) if not best) / mass
        top = sorted(acc.items(), key=lambda kv: -kv[1])[:RERANK]
        scored: list[Scored] = []
        for entry, raw in top:
            entry_cover = 0.0
            for qpositions, qmass in index.questions[entry]:
                if qmass <= 0.0:
                    continue
                got = 0.0
                for terms, weight in qpositions:
                    trust = max((query_trust.get(t, 0.0) for t in terms), default=0.0)
                    got += weight * min(1.0, trust)
                entry_cover = max(entry_cover, got / qmass)
            elsewhere = sum(
                w for w, best in zip(weights, per_position) if best and entry not in best
            ) / mass
            query_cover = min(1.0, raw / mass)
            sim = query_cover**SIM_QUERY_SHARE * entry_cover ** (1.0 - SIM_QUERY_SHARE)
            scored.append(
                Scored(entry, raw, query_cover, entry_cover, 1.0, sim, elsewhere, unknown)
            )
        scored.sort(key=lambda s: -s.sim)
        return scored

    def _best_reading(self, text: str) -> tuple[float, list[Scored]]:
        """Score the whole message and each asking sentence of a long one; keep the surest.

        In a long message the question is one sentence among chatter; judged as a whole its
        words are mostly unexplained, judged alone it is as clear as a short question. A
        sentence reading counts only if it agrees with the whole message's best entry, so a
        bare fragment ("где это отменить?") cannot pick an entry on its own.
        """
        whole = self.score(text)
        if not whole:
            return 0.0, []
        best = (_confidence_of(whole), whole)
        parts = sentences(text)
        if len(parts) < 2:
            return best
        for part in parts:
            if not is_question_like(part):
                continue
            scored = self.score(part)
            if scored and scored[0].entry == whole[0].entry:
                conf = _confidence_of(scored)
                if conf > best[0]:
                    best = (conf, scored)
        return best

    def match(self, text: str) -> FaqMatch:
        """Decide: answer, suggest or stay silent."""
        if not is_question_like(text):
            return FaqMatch(None, 0.0, "none", False, ())
        conf, scored = self._best_reading(text)
        if not scored:
            return FaqMatch(None, 0.0, "none", True, ())
        best = scored[0]
        # Runners-up scaled like the winner, so the "did you mean" list is ordered and comparable.
        scale = conf / best.sim if best.sim > 0.0 else 0.0
        candidates = ((self._index.ids[best.entry], round(conf, 4)),) + tuple(
            (self._index.ids[s.entry], round(s.sim * scale, 4)) for s in scored[1:3]
        )
        band: Literal["answer", "suggest", "none"]
        if conf >= self.thresholds.answer:
            band = "answer"
        elif conf >= self.thresholds.suggest:
            band = "suggest"
        else:
            band = "none"
        faq_id = self._index.ids[best.entry] if band != "none" else None
        return FaqMatch(faq_id, round(conf, 4), band, True, candidates)


def _confidence_of(scored: list[Scored]) -> float:
    second = scored[1].sim if len(scored) > 1 else 0.0
    return confidence(scored[0].sim, scored[0].sim - second)


def confidence(sim: float, margin: float) -> float:
    """Confidence in [0, 1]: similarity, discounted when the runner-up is nearly as good.

    A message that fits two entries equally well is ambiguous however well it fits, so the
    margin multiplies (a tie gives 0) instead of adding.
    """
    return max(0.0, min(1.0, sim * (1.0 - math.exp(-max(0.0, margin) / MARGIN_SCALE))))
