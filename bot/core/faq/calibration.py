"""Turning match evidence into one calibrated confidence: P(the top entry is the right answer).

No single signal separates right answers from near misses: the lexical score misses
paraphrases, the encoder cosine likes anything on the same topic ("a free key for streamers?"
is close to the streaming entry but not answered by it). A small logistic model over a handful
of features weighs them against each other, and its output is a probability, so one threshold
means the same thing with or without the encoder.

The coefficients are data (``data/calibration.toml``), fitted by ``bench/faq_fit.py`` on the
sample FAQs' labelled queries with negatives weighted up (a wrong answer costs more than a
missed one) and checked there leave-one-community-out and by k-fold.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .text import DATA_DIR

# The evidence, all computed for the chosen candidate entry (see FaqMatcher.evidence):
# lsim   lexical similarity;  lmarg  its lead over the best other entry;
# conf   the lexical confidence (similarity discounted by a small lead);
# cos    best cosine of the message (or one of its sentences) to the entry's questions;
# cmarg  its lead over the best other entry;  acos  cosine to the entry's answer;
# agree  1 if the lexical and the encoder winners are both this candidate;
# uoov   share of the message's weight (in the reading kept: a buried question's sentence) in
#        words the FAQ never uses, the same for every entry: a near miss brings a topic of its
#        own, a paraphrase mostly reuses the FAQ's words. Unexplained weight measured against
#        the candidate entry instead (in total, its largest word, or only FAQ words) did worse.
# wmin   the encoder's word-level view of the same: over the message's topic words, the lowest
#        best cosine to any word of the candidate entry (questions and answer). One word with no
#        counterpart ("streamer", "photo mode") marks a near miss even when the sentences are
#        close. Gained in 5-fold and in both one-community transfers (fewer false answers and
#        more right ones); the second-lowest, the mean of the two lowest, the mean, the share
#        under 0.5 and words against the whole FAQ did worse or only in some of those.
# The semantic model leaves out the raw cosine and the lexical confidence: given the leads they
# add nothing (in cross-validation) and only took weights of the wrong sign, which would not
# carry over to other communities.
# Also tried and left out, as none gained on both 5-fold and leave-one-community-out (gains
# were one or two queries, within noise): z-scores of the top cosine / answer cosine / ranking
# against the FAQ's other entries for that query, the ranking's lead, a 3-signal vote count,
# query and entry cover separately, the entry's nearest-neighbour similarity and the cosine
# lead relative to it, character-trigram overlap, cosines to "questions + answer" documents,
# to single answer sentences and to the mean question, products of lexical and encoder
# evidence, and encoding a typo-repaired / transliterated copy of the message. Heavier L2 or
# a higher threshold cut the one-community transfer's false answers only at ~5 points of
# accuracy: the near misses it answers ("a free key as a streamer?") score 0.90-0.97. Leaving
# out lmarg trades one of those near misses for ~1 point of accuracy everywhere: not kept.
SEMANTIC_FEATURES = ("lsim", "lmarg", "cmarg", "agree", "acos", "uoov", "wmin")
LEXICAL_FEATURES = ("lsim", "lmarg", "conf", "uoov")
# (l2 penalty, weight of a query without an answer) per mode, chosen by bench/faq_fit.py's
# 5-fold figures at the default threshold: the best accuracy whose precision and false-answer
# rate keep to 0.95 / 3 %. The lexical fallback needs heavier negatives: without the encoder,
# near misses look like answers.
FIT_SETTINGS = {"semantic": (3.0, 1.5), "lexical": (3.0, 5.0)}


@dataclass(frozen=True, slots=True)
class Calibration:
    """A logistic model over named features (weights apply to raw feature values)."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.bias + sum(w * values[f] for f, w in zip(self.features, self.weights, strict=True))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def load_calibrations(path: Path = DATA_DIR / "calibration.toml") -> dict[str, Calibration]:
    """The models by mode ("semantic", "lexical") from the TOML data file."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return {
        mode: Calibration(
            features=tuple(str(f) for f in table["features"]),
            weights=tuple(float(w) for w in table["weights"]),
            bias=float(table["bias"]),
        )
        for mode, table in data.items()
    }


def fit(
    samples: Sequence[tuple[Mapping[str, float], bool, bool]],
    features: Sequence[str],
    *,
    l2: float = 1.0,
    negative_weight: float = 3.0,
) -> Calibration:
    """Fit on ``(features, top entry right, query has no answer)`` samples by Newton's method.

    Features are standardised for the fit (so ``l2`` treats them alike) and the weights are
    folded back to raw values. Queries without an answer weigh ``negative_weight``.
    """
    x = np.array([[s[0][f] for f in features] for s in samples], dtype=np.float64)
    y = np.array([1.0 if s[1] else 0.0 for s in samples])
    sample_weight = np.array([negative_weight if s[2] else 1.0 for s in samples])
    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    penalty = l2 * np.diag(np.r_[np.ones(len(features)), 0.0])
    w = np.zeros(z.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(z @ w)))
        grad = z.T @ (sample_weight * (p - y)) + penalty @ w
        hess = (z * (sample_weight * p * (1.0 - p))[:, None]).T @ z + penalty
        step = np.linalg.solve(hess, grad)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    raw = w[:-1] / scale
    return Calibration(
        features=tuple(features),
        weights=tuple(float(v) for v in raw),
        bias=float(w[-1] - (raw * mean).sum()),
    )


def dump_calibrations(models: Mapping[str, Calibration]) -> str:
    """TOML text that :func:`load_calibrations` reads back."""
    blocks = []
    for mode, model in models.items():
        features = ", ".join(f'"{f}"' for f in model.features)
        weights = ", ".join(f"{w:.6f}" for w in model.weights)
        blocks.append(
            f"[{mode}]\nfeatures = [{features}]\nweights = [{weights}]\nbias = {model.bias:.6f}\n"
        )
    return "\n".join(blocks)
