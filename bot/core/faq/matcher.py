"""FAQ matching: scoring a message against the index, and the answer / suggest / none bands.

Two signals, one verdict. The lexical score (stems, synonym concepts and typo repair, weighted
by idf) ranks well and knows when a message has words the entry does not explain. The sentence
encoder (encoder.py) recognises paraphrases that share no words with the FAQ. The candidate is
the entry best on both together, and the confidence is a logistic model's probability that it
is right (calibration.py), from: the lexical similarity and its lead over the runner-up, the
encoder's cosine to the entry's questions and its lead, the cosine to the entry's answer,
whether the two signals pick the same entry, how much of the message is words the FAQ never
uses (a near miss brings a topic of its own), and how close the message's least explained topic
word comes to any word of the entry (the encoder's view of the same thing: "streamer" has no
counterpart in an entry about streaming the game, "остановить" has one in "приостановить"), and
two signs of a question the FAQ is not meant to answer: a proper name it never uses ("my Notion
subscription") and a question put to the other members ("кто-нибудь знает…"). Together the two
signals pick the right entry for about four answerable messages in five on communities they
were not tuned on; the confidence decides which of those to answer. Without the encoder a
lexical-only model gives the same kind of probability, so the thresholds keep their meaning.

Lexical similarity itself needs all of:

* query cover — how much of the message the entry explains (an unexplained "ягоды" in
  "как заморозить ягоды" means the message is about something else);
* entry cover — how much of the entry's own question the message covers;
* margin — how far ahead of the runner-up the entry is (a tie is no answer).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import numpy.typing as npt

from .analysis import (
    ASK_PREFIX,
    COMMON,
    STOPWORDS,
    Position,
    Vocabulary,
    content_words,
    query_positions,
    repaired_text,
    sentences,
)
from .aspects import asked as asked_kinds
from .aspects import missing
from .calibration import ANSWER_THRESHOLD, Calibration, load_calibrations
from .encoder import Encoder, Vectors, default_encoder, one_blas_thread
from .entries import FaqEntry
from .index import FaqIndex, SemanticIndex, exact_key, importance, load_or_build
from .question import is_question_like
from .text import (
    DATA_DIR,
    load_word_list,
    message_language,
    normalise,
    script,
    stem,
    translit_to_cyrillic,
    words,
    written_out,
)

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
# Candidate ranking = LEXICAL_WEIGHT × lexical similarity + ENCODER_WEIGHT × (question cosine +
# ANSWER_SHARE × answer cosine): an answer mentions side topics, so it counts less than the
# questions. Chosen on six communities' queries, four of them written blind to the matcher:
# the top pick is right for 0.856 of answerable queries on average against 0.833 with the
# lexical score at full weight and a 0.15 answer share, which had been chosen on the two sample
# communities alone and favoured their wording.
LEXICAL_WEIGHT = 0.5
ENCODER_WEIGHT = 1.0
ANSWER_SHARE = 0.5
# Characters of a message (its end, where the question usually is) the encoder reads, and how
# many of its asking sentences it also reads alone: the encoder's tokenizer is pure Python, so
# a wall of text must not cost tens of milliseconds.
MAX_CHARS = 400
ENCODED_SENTENCES = 3
# Characters of a message's end that are scored at all: a 4,000-character wall of text would
# otherwise cost ~50 ms of typo repair at 5,000 entries, and its question is near the end.
SCORED_CHARS = 1500
# The least a runner-up counts for in the encoder's and the combined leads (see _lead): the 5th
# percentile of the runner-up's question cosine and combined ranking on the labelled
# communities, so they bind only where an FAQ is too small to offer a real runner-up.
RUNNER_UP_COSINE = 0.30
RUNNER_UP_RANKING = 0.38
# A small FAQ has no real runner-up for most messages, so a loosely related question leads by
# far ("when is the yoga class?" against a two-entry FAQ). Below FULL_FAQ entries the floors rise
# towards a typical runner-up (the median on the labelled communities, 21–27 entries each),
# reached at two entries: the lead is then measured against the entries a fuller FAQ would have.
FULL_FAQ = 20
TYPICAL_RUNNER_UP_COSINE = 0.47
TYPICAL_RUNNER_UP_RANKING = 0.60
# Topic words of a message (its last ones) compared one by one with the candidate entry's words.
WORD_LIMIT = 12
# Meaningful words counted as evidence ("npos"): a message that matches over more words is
# surer, but a wall of text must not become certain by length alone.
WORDS_CAP = 10

# How far under the answer threshold a candidate that lacks the kind of information asked for
# (aspects.py) is capped.
MISSING_KIND_GAP = 0.01

CALIBRATIONS = load_calibrations()

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

    Both compare with the match's confidence, a calibrated probability that the top entry is
    right. Chosen for answer precision ≥ 0.95 and ≤ 3 % answered chatter on communities the
    confidence model has not seen (leave-one-community-out over thirty labelled communities:
    bench/faq_fit.py, tests/test_faq_quality.py).
    """

    answer: float = ANSWER_THRESHOLD
    suggest: float = 0.4


@dataclass(frozen=True, slots=True)
class Scored:
    """One candidate entry's features for one message."""

    entry: int
    query_cover: float
    entry_cover: float
    sim: float


@dataclass(frozen=True, slots=True)
class Evidence:
    """What the confidence is computed from: the ranked candidates and the top one's features."""

    ranking: tuple[tuple[int, float], ...]
    features: dict[str, float]
    semantic: bool


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


def _tail(text: str, limit: int) -> str:
    """The last ``limit`` characters of ``text``, not starting inside a word."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return cut[space + 1 :] if 0 <= space < limit // 4 else cut


def _latin_only(text: str) -> bool:
    """True when the message has Latin words and no Cyrillic ones."""
    scripts = {script(w) for w in words(text)}
    return "en" in scripts and "ru" not in scripts


def _load_phrases(name: str) -> tuple[tuple[str, ...], ...]:
    lines = (DATA_DIR / name).read_text(encoding="utf-8").splitlines()
    return tuple(
        tuple(words(line)) for line in (raw.split("#", 1)[0] for raw in lines) if words(line)
    )


PEER_CUES = _load_phrases("peer_cues.txt")


def _asks_peers(text: str) -> bool:
    """True if the message asks other members for an opinion ("кто-нибудь знает…")."""
    tokens = words(text)
    for phrase in PEER_CUES:
        size = len(phrase)
        if any(tuple(tokens[i : i + size]) == phrase for i in range(len(tokens) - size + 1)):
            return True
    return False


_NAME_RE = re.compile(r"[^\W\d_][\w'’-]*")
_CALENDAR = load_word_list("calendar_words.txt")


def _names(text: str, known: frozenset[str]) -> list[str]:
    """Proper names in the asking sentence that the FAQ never uses (past each sentence start).

    A near miss is often about someone else's product or place ("cancel my Notion
    subscription", "трек с AliExpress"): the intent and words fit an entry, the object does not.
    """
    asking = [p for p in sentences(text) if is_question_like(p)] or [text]
    found = []
    for tokens in (_NAME_RE.findall(p) for p in asking[-1:]):
        for token in tokens[1:]:
            word = normalise(token)
            if (
                len(token) > 1
                and token[0].isupper()
                and word not in STOPWORDS
                and word not in COMMON
                and word not in _CALENDAR
                and not any(mark in token for mark in "'’")
                and stem(word) not in known
            ):
                found.append(token)
    return found


def _asking_sentence(text: str) -> str:
    """The message's last asking sentence (the whole message if none asks)."""
    asking = [p for p in sentences(text) if is_question_like(p)]
    return asking[-1] if asking else text


def _floors(entries: int) -> tuple[float, float]:
    """The runner-up floors (question cosine, combined ranking) for an FAQ of ``entries``."""
    share = max(0.0, min(1.0, (FULL_FAQ - entries) / (FULL_FAQ - 2)))
    return (
        RUNNER_UP_COSINE + share * (TYPICAL_RUNNER_UP_COSINE - RUNNER_UP_COSINE),
        RUNNER_UP_RANKING + share * (TYPICAL_RUNNER_UP_RANKING - RUNNER_UP_RANKING),
    )


def _lead(values: npt.NDArray[np.float64], i: int, floor: float = 0.0) -> float:
    """How far entry ``i`` is ahead of the best other entry, or of ``floor`` if that is higher.

    The floor stands in for the unrelated entries a small FAQ lacks: in a 25-entry FAQ some
    other entry is nearly always at least that close (95 % of runner-ups on the labelled
    communities), while in a two-entry FAQ, or for the one Russian entry of a bilingual FAQ, a
    lead measured against nothing would make any loosely related question look certain.
    """
    rest = np.delete(values, i)
    runner_up = float(rest.max()) if len(rest) else floor
    return float(values[i]) - max(runner_up, floor)


def _weakest_word(query: npt.NDArray[np.float32], entry: npt.NDArray[np.float32]) -> float:
    """The lowest, over the message's topic words, of the best cosine to an entry word.

    A paraphrase's words all have a near counterpart in the entry; a near miss has one that
    has none ("a free key as a streamer?" against the streaming entry). 1.0 when the message
    has no topic words (nothing is left unexplained), 0.0 when the entry has none.
    """
    if len(query) == 0:
        return 1.0
    if len(entry) == 0:
        return 0.0
    return float((query @ entry.T).max(axis=1).min())


def _entry_cover(query: npt.NDArray[np.float32], entry: npt.NDArray[np.float32],
                 questions: list[list[int]]) -> float:
    """How much of the entry's own question the message's words restate: per question, the
    mean over its topic words of the best cosine to a message word; the best question.

    The reverse of _weakest_word: that asks whether every message word has a counterpart in the
    entry, this whether the entry's question is said back. A paraphrase restates what the entry
    is about in its own words; a near miss on the same topic leaves the entry's distinctive
    word unsaid. 0.0 when either side has no topic words.
    """
    if len(query) == 0 or len(entry) == 0:
        return 0.0
    best = (entry @ query.T).max(axis=1)
    return max((float(best[rows].mean()) for rows in questions if rows), default=0.0)


class FaqMatcher:
    """Matches chat messages against one community's FAQ; read-only after build()."""

    def __init__(
        self, index: FaqIndex, thresholds: Thresholds, encoder: Encoder | None = None
    ) -> None:
        self._index = index
        self.thresholds = thresholds
        semantic = index.semantic
        usable = encoder is not None and semantic is not None and semantic.encoder == encoder.name
        self._encoder = encoder if usable else None
        self._calibration: Calibration = CALIBRATIONS["semantic" if usable else "lexical"]

    @classmethod
    def build(
        cls,
        entries: Sequence[FaqEntry],
        *,
        thresholds: Thresholds = Thresholds(),
        cache_dir: Path | None = None,
        encoder: Encoder | Literal["default"] | None = "default",
    ) -> FaqMatcher:
        """Index ``entries`` (or load the index cached in ``cache_dir``).

        ``encoder`` "default" is the bundled sentence encoder when it imports (else lexical
        matching alone); None forces lexical matching.
        """
        chosen = default_encoder() if encoder == "default" else encoder
        return cls(load_or_build(entries, cache_dir, chosen), thresholds, chosen)

    @property
    def semantic(self) -> bool:
        """True when the sentence encoder takes part in matching."""
        return self._encoder is not None

    def score(self, text: str) -> list[Scored]:
        """Candidate entries for ``text``, most similar first."""
        positions = query_positions(text, self._index.vocab, self._index.translit)
        return self._score(positions, self._same_language(text))

    def _same_language(self, text: str) -> frozenset[int] | None:
        """The entries written in the message's language, in an FAQ with several languages.

        A bilingual FAQ often holds each answer twice ("fit-freeze" in Russian and in English):
        the encoder finds both equally close, and two near-equal candidates leave no margin, so
        without this a bilingual community would never get an answer. None (every entry)
        when the FAQ has one language or the message's cannot be told.
        """
        langs = self._index.langs
        if len(set(langs)) < 2:
            return None
        lang = message_language(text)
        if lang is None or lang not in langs:
            return None
        return frozenset(i for i, entry_lang in enumerate(langs) if entry_lang == lang)

    def _caps(self, positions: list[Position]) -> list[float]:
        """Each position's weight: how much of the message it is."""
        index = self._index
        return [p.trust * importance(p, index.idf, index.oov_idf) for p in positions]

    def _unknown_weight(self, positions: list[Position]) -> tuple[float, float]:
        """Share of the message's weight in words no entry uses (nor repairs to), in all and
        in the weightiest such word.

        The answerability signal that carries across communities: a near miss brings its
        own topic ("photo mode", "резюме") that the FAQ never mentions, while a paraphrase's
        unexplained words are mostly ones the FAQ does use elsewhere. Measured on the reading
        kept, so a buried question is not blamed for the chatter around it.
        """
        caps = self._caps(positions)
        mass = sum(caps)
        if mass <= 0.0:
            return 0.0, 0.0
        idf = self._index.idf
        unknown = [
            cap
            for p, cap in zip(positions, caps, strict=True)
            if not any(t in idf for t in p.terms)
        ]
        return sum(unknown) / mass, max(unknown, default=0.0) / mass

    def _score(
        self, positions: list[Position], allowed: frozenset[int] | None = None
    ) -> list[Scored]:
        index = self._index
        caps = self._caps(positions)
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
        if allowed is not None:
            raw = {entry: value for entry, value in raw.items() if entry in allowed}
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

    def _best_reading(
        self, text: str, whole_positions: list[Position], allowed: frozenset[int] | None
    ) -> tuple[float, list[Scored], list[Position]]:
        """Score the whole message and each asking sentence of a long one; keep the surest.

        In a long message the question is one sentence among chatter: judged as a whole its
        words are mostly unexplained, judged alone it is as clear as a short question. A
        sentence reading counts only if it has ``SENTENCE_WORDS`` meaningful words of its own
        and agrees with the whole message's best entry, so a bare fragment ("где это
        отменить?", "any idea why?") cannot pick an entry by itself. Returns the confidence,
        the candidates and the positions of the reading kept.
        """
        whole = self._score(whole_positions, allowed)
        if not whole:
            return 0.0, [], whole_positions
        best = (_confidence_of(whole), whole, whole_positions)
        parts = sentences(text)
        if len(parts) < 2:
            return best
        asking = list(dict.fromkeys(p for p in parts if is_question_like(p)))
        # Questions sit near the end; a bound keeps a 4,000-character wall of text cheap.
        for part in asking[-MAX_SENTENCES:]:
            positions = query_positions(part, self._index.vocab, self._index.translit)
            if sum(p.trust >= 0.9 and not _asking_only(p) for p in positions) < SENTENCE_WORDS:
                continue
            scored = self._score(positions, allowed)
            if scored and scored[0].entry == whole[0].entry:
                conf = _confidence_of(scored)
                if conf > best[0]:
                    best = (conf, scored, positions)
        return best

    def evidence(self, text: str) -> Evidence | None:
        """Ranked candidates and the features of the top one; None without lexical support.

        A message sharing no meaningful word with the FAQ is never answered, however close
        the encoder puts it: topic-level closeness alone is how near misses get answered.
        """
        positions = query_positions(text, self._index.vocab, self._index.translit)
        allowed = self._same_language(text)
        conf, scored, read = self._best_reading(text, positions, allowed)
        if not scored:
            return None
        unknown, largest_unknown = self._unknown_weight(read)
        # Evidence about the message alone, the same whichever entry is the candidate.
        shared = {
            "uoov": unknown,
            "umax": largest_unknown,
            "npos": float(min(len(read), WORDS_CAP)),
            "names": float(len(_names(text, self._index.vocab.stems))),
            "peer": 1.0 if _asks_peers(text) else 0.0,
        }
        wants = asked_kinds(_asking_sentence(text))
        offers = self._index.offers
        semantic = self._index.semantic
        if self._encoder is None or semantic is None:
            top = scored[0]
            second = scored[1].sim if len(scored) > 1 else 0.0
            features = {
                "lsim": top.sim,
                "lmarg": top.sim - second,
                "conf": conf,
                "amiss": float(missing(wants, offers[top.entry])),
                **shared,
            }
            return Evidence(tuple((s.entry, s.sim) for s in scored), features, False)
        lexical = np.zeros(len(self._index.ids))
        for s in scored:
            lexical[s.entry] = s.sim
        questions, answers, topic, asked = self._cosines(
            text, semantic, self._encoder, self._index.translit, self._index.vocab
        )
        if allowed is not None:
            other = np.array([i not in allowed for i in range(len(questions))])
            questions[other] = -1.0
            answers[other] = -1.0
        ranking = LEXICAL_WEIGHT * lexical + ENCODER_WEIGHT * (questions + ANSWER_SHARE * answers)
        top3 = np.argpartition(-ranking, 2)[:3] if len(ranking) > 3 else np.arange(len(ranking))
        order = top3[np.argsort(-ranking[top3], kind="stable")]
        best = int(order[0])
        lexical_top = scored[0].entry
        agree = best == lexical_top and best == int(questions.argmax())
        cosine_floor, ranking_floor = _floors(
            len(allowed) if allowed is not None else len(self._index.ids)
        )
        entry_words = semantic.entry_words(best)
        asking_words = asked if len(asked) else topic
        features = {
            "lsim": float(lexical[best]),
            "lmarg": _lead(lexical, best),
            "conf": conf if best == lexical_top else 0.0,
            "cos": float(questions[best]),
            "cmarg": _lead(questions, best, cosine_floor),
            "agree": 1.0 if agree else 0.0,
            "lagree": float(lexical[best]) if agree else 0.0,
            "acos": float(answers[best]),
            "wmin": _weakest_word(topic, entry_words),
            "wask": _weakest_word(asking_words, entry_words),
            "rmarg": _lead(ranking, best, ranking_floor),
            "amiss": float(missing(wants, offers[best])),
            "ecov": _entry_cover(asking_words, entry_words, semantic.question_words[best]),
            **shared,
        }
        ranked = tuple((int(i), float(ranking[i])) for i in order)
        return Evidence(ranked, features, True)

    @staticmethod
    def _cosines(
        text: str, semantic: SemanticIndex, encoder: Encoder, translit: bool, vocab: Vocabulary
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], Vectors, Vectors]:
        """Per entry, the best cosine of the message or one of its sentences to the entry's
        questions, and to its answer (a buried question is clearest on its own); and the
        vectors of the message's topic words and of its asking sentences' topic words (one
        encoder call for all; the second is empty for a message of one sentence).

        Russian typed in Latin letters ("kak zamorozit abonement") means nothing to the
        encoder, so with a Russian FAQ a message without Cyrillic is also read transliterated;
        the better reading wins, so an English message loses nothing. Likewise a message with
        misspelt words is also read with the FAQ's spelling of them (analysis.repaired_text).
        """
        parts = sentences(text)
        read = _tail(text, MAX_CHARS)
        texts = [read]
        asking: list[str] = []
        if len(parts) > 1:
            asking = [_tail(p, MAX_CHARS) for p in parts if is_question_like(p)]
            texts += asking[-ENCODED_SENTENCES:]
        topic = content_words(written_out(text) or text)[-WORD_LIMIT:]
        joined = " ".join(asking)
        asked = content_words(written_out(joined) or joined)[-WORD_LIMIT:]
        if translit and _latin_only(text):
            read = " ".join(translit_to_cyrillic(w) for w in words(read))
            texts.append(read)
        standard = written_out(read)
        if standard is not None:
            read = standard
            texts.append(read)
        repaired = repaired_text(read, vocab)
        if repaired is not None:
            texts.append(repaired)
        with one_blas_thread():
            distinct = list(dict.fromkeys([*topic, *asked]))
            encoded = encoder.encode([*texts, *distinct])
            vectors = np.ascontiguousarray(encoded[: len(texts)].T)
            per_question = semantic.questions @ vectors
            answers = (semantic.answers @ vectors).max(axis=1)
        questions = np.maximum.reduceat(per_question, semantic.starts, axis=0).max(axis=1)
        row = {word: len(texts) + i for i, word in enumerate(distinct)}
        return (
            questions.astype(np.float64),
            answers.astype(np.float64),
            encoded[[row[w] for w in topic]],
            encoded[[row[w] for w in asked]],
        )

    def match(self, text: str) -> FaqMatch:
        """Answer, suggest or stay silent; non-questions are rejected before any scoring.

        A message that is word for word one of the FAQ's questions is answered outright.
        """
        return self.explain(text)[0]

    def explain(self, text: str) -> tuple[FaqMatch, Evidence | None]:
        """The match and the evidence it was decided on, so an evaluation that needs both
        pays for the scoring once; the evidence is None when none was weighed (not a
        question, an exact hit, no word shared with the FAQ)."""
        if not is_question_like(text):
            return FaqMatch(None, 0.0, "none", False, ()), None
        ids = self._index.ids
        candidates: tuple[tuple[str, float], ...]
        exact = self._index.exact.get(exact_key(text))
        evidence: Evidence | None = None
        if exact is None:
            # one of the FAQ's own questions with a typo ("How do I get a refnd?"): the
            # repair only touches words the FAQ does not know, so every other word must match
            repaired = repaired_text(_tail(text, SCORED_CHARS), self._index.vocab)
            exact = self._index.exact.get(exact_key(repaired)) if repaired else None
        if exact is not None:
            conf, candidates = 1.0, ((ids[exact], 1.0),)
        else:
            evidence = self.evidence(_tail(text, SCORED_CHARS))
            if evidence is None:
                return FaqMatch(None, 0.0, "none", True, ()), None
            conf = self._calibration.probability(evidence.features)
            if evidence.features["amiss"] > 0.0:
                # The message asks for a time, a place, an amount or a person and the entry
                # offers none of it: never the answer, at most a "did you mean".
                conf = min(conf, self.thresholds.answer - MISSING_KIND_GAP)
            top_entry, top_rank = evidence.ranking[0]
            # Runners-up scaled like the winner: "did you mean" options ordered and comparable.
            scale = conf / top_rank if top_rank > 0.0 else 0.0
            candidates = (
                (ids[top_entry], round(conf, 4)),
                *((ids[e], round(r * scale, 4)) for e, r in evidence.ranking[1:3] if r > 0.0),
            )
        band: Band = "none"
        if conf >= self.thresholds.answer:
            band = "answer"
        elif conf >= self.thresholds.suggest:
            band = "suggest"
        faq_id = candidates[0][0] if band != "none" else None
        return FaqMatch(faq_id, round(conf, 4), band, True, candidates), evidence
