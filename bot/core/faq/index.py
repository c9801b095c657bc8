"""The FAQ search index and its on-disk cache.

Building the index for a big FAQ takes about a second; a bot restart should not pay it again.
The index is pickled under a key hashed from the entries, ``CODE_VERSION`` and the sentence
encoder's name, so any change to the FAQ, the analysis code or the encoder yields a fresh build
instead of a stale index. The cache holds the sentence vectors too: embedding a 5,000-entry FAQ
takes tens of seconds, loading the vectors a fraction of one.
"""

from __future__ import annotations

import hashlib
import math
import os
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from .analysis import LEXICON, STOPWORDS, Position, Vocabulary, content_words, doc_positions
from .aspects import offered
from .encoder import Encoder, Vectors
from .entries import FaqEntry
from .text import DATA_DIR, words

# Bump when the analysis code or the index layout changes: with the entries and the data files it
# keys the on-disk cache.
CODE_VERSION = "faq-index-12"

# An answer-only term counts this much of a question term: answers mention side topics.
ANSWER_WEIGHT = 0.6
# Idf of a query word the FAQ never uses, as a share of the rarest FAQ word's idf: an unknown
# word may be the real topic ("заморозить ягоды"), so it must weigh against the match.
OOV_FACTOR = 0.6

# Per question: its positions as (alternative terms, importance), and their total importance.
QuestionTerms = tuple[list[tuple[tuple[str, ...], float]], float]


@dataclass(slots=True)
class FaqIndex:
    """Everything matching needs, in plain picklable containers.

    ``postings[term]`` lists ``(entry, weight)``: 1.0 where the term is in a question,
    ``ANSWER_WEIGHT`` where it is only in the answer. ``questions[entry]`` serves the
    "how much of the entry's own question does the message cover" measure.
    """

    ids: list[str]
    postings: dict[str, list[tuple[int, float]]]
    idf: dict[str, float]
    questions: list[list[QuestionTerms]]
    vocab: Vocabulary
    translit: bool
    oov_idf: float
    exact: dict[str, int]
    semantic: SemanticIndex | None = None
    langs: list[str] = field(default_factory=list)
    # Per entry, the kinds of information it offers (aspects.KINDS bit mask).
    offers: list[int] = field(default_factory=list)


@dataclass(slots=True)
class SemanticIndex:
    """Sentence vectors of every question and answer, made by the encoder named ``encoder``.

    An entry's questions are consecutive rows of ``questions`` starting at ``starts[entry]``,
    so the best question per entry is one ``np.maximum.reduceat`` over a message's cosines.

    ``words`` holds a vector per distinct content word of the FAQ (float16: a big FAQ has tens
    of thousands, and only one entry's few dozen are read per message); entry ``i``'s words
    are rows ``word_ids[word_bounds[i]:word_bounds[i + 1]]``. They let the matcher ask whether
    every topic word of a message has a counterpart in the entry (see FaqMatcher.evidence).
    """

    encoder: str
    questions: Vectors
    starts: np.ndarray
    answers: Vectors
    words: npt.NDArray[np.float16]
    word_ids: npt.NDArray[np.intp]
    word_bounds: npt.NDArray[np.intp]
    # Per entry, per question: the rows of entry_words(entry) that are that question's words.
    question_words: list[list[list[int]]] = field(default_factory=list)

    def entry_words(self, entry: int) -> Vectors:
        """The vectors of entry ``entry``'s content words (questions and answer)."""
        rows = self.word_ids[self.word_bounds[entry] : self.word_bounds[entry + 1]]
        return self.words[rows].astype(np.float32)


def embed_entries(entries: Sequence[FaqEntry], encoder: Encoder) -> SemanticIndex:
    """Encode all questions (an entry without any stands in with its answer), answers and
    the distinct content words of both."""
    texts: list[str] = []
    starts: list[int] = []
    for entry in entries:
        starts.append(len(texts))
        texts.extend(entry.questions or (entry.answer,))
    per_entry = [content_words(" ".join((*e.questions, e.answer))) for e in entries]
    vocabulary = sorted({w for ws in per_entry for w in ws})
    row = {w: i for i, w in enumerate(vocabulary)}
    bounds = np.cumsum([0, *(len(ws) for ws in per_entry)]).astype(np.intp)
    question_words = []
    for e, ws in zip(entries, per_entry, strict=True):
        at = {w: i for i, w in enumerate(ws)}
        question_words.append([[at[w] for w in content_words(q)] for q in e.questions])
    return SemanticIndex(
        encoder=encoder.name,
        questions=encoder.encode(texts),
        starts=np.asarray(starts, dtype=np.intp),
        answers=encoder.encode([e.answer for e in entries]),
        words=encoder.encode(vocabulary).astype(np.float16),
        word_ids=np.asarray([row[w] for ws in per_entry for w in ws], dtype=np.intp),
        word_bounds=bounds,
        question_words=question_words,
    )


def exact_key(text: str) -> str:
    """A question's words in order: a message with the same key asks exactly that question."""
    return " ".join(words(text))


def importance(position: Position, idf: dict[str, float], oov_idf: float) -> float:
    """How informative a word is: its concept's idf if it has one, else its stem's."""
    concept = [idf[c] for c in position.concepts if c in idf]
    if concept:
        return max(concept)
    return idf.get(position.stem, oov_idf)


def build_index(entries: Sequence[FaqEntry], encoder: Encoder | None = None) -> FaqIndex:
    """Analyse every question and answer, compute idf over entries, embed if ``encoder``."""
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
    questions: list[list[QuestionTerms]] = []
    for qpos in question_positions:
        per_question: list[QuestionTerms] = []
        for positions in qpos:
            weighted = [(p.terms, p.trust * importance(p, idf, oov_idf)) for p in positions]
            per_question.append((weighted, sum(w for _, w in weighted)))
        questions.append(per_question)
    forms = {w for e in entries for text in (*e.questions, e.answer) for w in words(text)}
    return FaqIndex(
        ids=[e.id for e in entries],
        postings=postings,
        idf=idf,
        questions=questions,
        vocab=Vocabulary((forms - STOPWORDS) | LEXICON.forms),
        translit=any(e.lang == "ru" for e in entries),
        oov_idf=oov_idf,
        exact=_exact_questions(entries),
        semantic=embed_entries(entries, encoder) if encoder is not None and entries else None,
        langs=[e.lang for e in entries],
        offers=[offered(e.questions, e.answer) for e in entries],
    )


def _exact_questions(entries: Sequence[FaqEntry]) -> dict[str, int]:
    """Question key → entry, leaving out keys that two entries share (they decide nothing)."""
    owners: dict[str, set[int]] = {}
    for i, entry in enumerate(entries):
        for question in entry.questions:
            owners.setdefault(exact_key(question), set()).add(i)
    return {key: next(iter(s)) for key, s in owners.items() if len(s) == 1 and key}


def _data_digest() -> bytes:
    """Hash of the word lists: editing synonyms.txt must not reuse an index built without it."""
    digest = hashlib.sha256()
    for path in sorted(DATA_DIR.glob("*.txt")):
        digest.update(path.name.encode() + b"\x00" + path.read_bytes())
    return digest.digest()


_DATA_DIGEST = _data_digest()


def cache_key(entries: Sequence[FaqEntry], encoder: Encoder | None = None) -> str:
    """Hash of the entries, the code version, the data files and the encoder's name."""
    name = encoder.name if encoder is not None else "lexical"
    digest = hashlib.sha256(f"{CODE_VERSION}\x00{name}\x00".encode() + _DATA_DIGEST)
    for entry in entries:
        for part in (entry.id, entry.lang, *entry.questions, entry.answer):
            digest.update(part.encode("utf-8", "surrogatepass") + b"\x00")
        digest.update(b"\x01")
    return digest.hexdigest()[:32]


def load_or_build(
    entries: Sequence[FaqEntry], cache_dir: Path | None, encoder: Encoder | None = None
) -> FaqIndex:
    """The index from ``cache_dir`` if entries and code are unchanged, else a fresh build.

    A missing, unreadable or corrupt cache file is never an error: it is rebuilt and rewritten
    (atomically, so a concurrent reader never sees half a file).
    """
    if cache_dir is None:
        return build_index(entries, encoder)
    path = cache_dir / f"faq-{cache_key(entries, encoder)}.pickle"
    try:
        with path.open("rb") as fh:
            cached = pickle.load(fh)
        if isinstance(cached, FaqIndex):
            return cached
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, ValueError):
        pass
    index = build_index(entries, encoder)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(index, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError:
        pass
    return index
