"""Fit the FAQ confidence models (bot/core/faq/data/calibration.toml) and validate them honestly.

Run: ``python bench/faq_fit.py`` to print the validation, ``--write`` to also store the
coefficients fitted on all sample queries. Validation, at the default answer threshold:

* in-sample — fitted and measured on all queries (optimistic);
* leave-one-community-out — fitted on one sample FAQ's queries, measured on the other's: the
  closest thing here to a new community;
* k-fold — 5 folds × 4 shuffles over all queries.

Figures are accuracy (right answers / answerable queries), precision (right / answered) and
false (answered negatives / negatives), as in tests/test_faq_quality.py.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.core.faq.calibration import (  # noqa: E402
    FIT_SETTINGS,
    LEXICAL_FEATURES,
    SEMANTIC_FEATURES,
    Calibration,
    dump_calibrations,
    fit,
)
from bot.core.faq.entries import load_faq_file  # noqa: E402
from bot.core.faq.matcher import FaqMatcher, Thresholds  # noqa: E402
from bot.core.faq.question import is_question_like  # noqa: E402
from bot.core.faq.text import DATA_DIR  # noqa: E402

DATA = ROOT / "tests" / "data" / "faq"
FAQS = ("fitness", "indie-game")


@dataclass(frozen=True)
class Sample:
    faq: str
    kind: str
    negative: bool
    features: Mapping[str, float] | None  # None: not a question, or no lexical support
    right: bool


def collect(semantic: bool) -> list[Sample]:
    samples = []
    queries = [json.loads(line) for line in (DATA / "queries.jsonl").open(encoding="utf-8")]
    for faq in FAQS:
        entries = load_faq_file(DATA / f"{faq}.toml")
        matcher = FaqMatcher.build(entries, encoder="default" if semantic else None)
        assert matcher.semantic == semantic, "sentence encoder not available"
        for q in (q for q in queries if q["faq"] == faq):
            evidence = matcher.evidence(q["text"]) if is_question_like(q["text"]) else None
            right = evidence is not None and entries[evidence.ranking[0][0]].id == q["expected"]
            samples.append(
                Sample(
                    faq,
                    q["kind"],
                    q["expected"] is None,
                    evidence.features if evidence else None,
                    right,
                )
            )
    return samples


def train(samples: Sequence[Sample], features: Sequence[str], mode: str) -> Calibration:
    usable = [(s.features, s.right, s.negative) for s in samples if s.features is not None]
    l2, negative_weight = FIT_SETTINGS[mode]
    return fit(usable, features, l2=l2, negative_weight=negative_weight)


def measure(model: Calibration, samples: Sequence[Sample], threshold: float) -> tuple[float, ...]:
    answerable = [s for s in samples if not s.negative]
    negatives = [s for s in samples if s.negative]
    answered = [s for s in samples if s.features and model.probability(s.features) >= threshold]
    right = sum(s.right for s in answered)
    false = sum(s.negative for s in answered)
    return (
        right / max(1, len(answerable)),
        right / len(answered) if answered else 1.0,
        false / max(1, len(negatives)),
    )


def fmt(figures: Sequence[float]) -> str:
    return "acc {:.3f} prec {:.3f} false {:.3f}".format(*figures)


def validate(
    samples: list[Sample], features: Sequence[str], threshold: float, mode: str
) -> Calibration:
    model = train(samples, features, mode)
    print(f"  in-sample            {fmt(measure(model, samples, threshold))}")
    for kind in ("paraphrase", "typo", "inflection", "buried", "negative"):
        group = [s for s in samples if s.kind == kind]
        print(f"    kind={kind:12} {fmt(measure(model, group, threshold))}")
    for fit_on, test_on in ((FAQS[0], FAQS[1]), (FAQS[1], FAQS[0])):
        held = train([s for s in samples if s.faq == fit_on], features, mode)
        figures = measure(held, [s for s in samples if s.faq == test_on], threshold)
        print(f"  {fit_on:>10} -> {test_on:10} {fmt(figures)}")
    rng = random.Random(0)
    folds: list[tuple[float, ...]] = []
    for _ in range(4):
        order = samples[:]
        rng.shuffle(order)
        for k in range(5):
            test = order[k::5]
            chosen = set(map(id, test))
            held = train([s for s in order if id(s) not in chosen], features, mode)
            folds.append(measure(held, test, threshold))
    mean = tuple(sum(f[i] for f in folds) / len(folds) for i in range(3))
    print(f"  5-fold x4            {fmt(mean)}")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="store the fitted coefficients")
    parser.add_argument("--threshold", type=float, default=Thresholds().answer,
                        help="answer threshold to validate at (default: the shipped one)")
    args = parser.parse_args()
    threshold = args.threshold
    models = {}
    for mode, semantic, features in (
        ("semantic", True, SEMANTIC_FEATURES),
        ("lexical", False, LEXICAL_FEATURES),
    ):
        print(f"{mode} model, answer threshold {threshold}:")
        models[mode] = validate(collect(semantic), features, threshold, mode)
    text = dump_calibrations(models)
    print(text)
    if args.write:
        header = "# Written by bench/faq_fit.py --write: confidence models, see calibration.py.\n"
        (DATA_DIR / "calibration.toml").write_text(header + text, encoding="utf-8")


if __name__ == "__main__":
    main()
