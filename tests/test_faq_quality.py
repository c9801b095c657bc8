"""Matching quality on the sample FAQs, with floors just under the measured figures.

Figures (``pytest tests/test_faq_quality.py -s`` prints them): accuracy = right answers / all
answerable queries, precision = right answers / all answers, false = answered negatives / all
negatives. An answer is the "answer" band only; "suggest" is a button, not an answer.

The confidence is a logistic model's probability (bot/core/faq/calibration.py) fitted on these
very queries, so the floors are in-sample figures. The held-out checks keep them honest:
``test_calibration_transfers`` refits the model on one community and measures it on the other,
``test_thresholds_transfer`` and the random halves check the thresholds the same way.
bench/faq_fit.py prints the full leave-one-community-out and k-fold figures.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.core.faq.calibration import FIT_SETTINGS, SEMANTIC_FEATURES, fit
from bot.core.faq.entries import load_faq_file
from bot.core.faq.matcher import FaqMatch, FaqMatcher, Thresholds
from bot.core.faq.question import is_question_like

DATA = Path(__file__).parent / "data" / "faq"
FAQS = ("fitness", "indie-game")

# (min accuracy, min precision, max false-answer rate) per group: the measured figures with a
# small margin (accuracy −0.03, precision and false capped by the targets 0.95 / 3 %; en has
# 33 negatives, so its cap allows the one near miss it answers).
# Measured with the sentence encoder: all 0.685 / 0.986 / 0.014, ru 0.639 / 1.000 / 0.000,
# en 0.750 / 0.969 / 0.030.
FLOORS = {
    "all": (0.655, 0.95, 0.03),
    "lang=ru": (0.61, 0.95, 0.03),
    "lang=en": (0.72, 0.95, 0.035),
}
# Without the encoder (package missing): measured 0.389 / 0.975 / 0.014.
LEXICAL_FLOOR = (0.36, 0.95, 0.03)

Row = tuple[dict[str, str | None], FaqMatch]


def _queries() -> list[dict[str, str | None]]:
    with (DATA / "queries.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def _matchers(semantic: bool) -> dict[str, FaqMatcher]:
    encoder = "default" if semantic else None
    return {
        name: FaqMatcher.build(load_faq_file(DATA / f"{name}.toml"), encoder=encoder)
        for name in FAQS
    }


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    matchers = _matchers(semantic=True)
    assert all(m.semantic for m in matchers.values()), "the sentence encoder did not load"
    return [(q, matchers[str(q["faq"])].match(str(q["text"]))) for q in _queries()]


def figures(rows: Iterable[Row], threshold: float | None = None) -> dict[str, float]:
    """accuracy / precision / false-answer rate; ``threshold`` overrides the answer band."""
    answerable = right = answered = negatives = false = 0
    for query, result in rows:
        if threshold is None:
            given = result.faq_id if result.band == "answer" else None
        else:
            top = result.candidates[0][0] if result.candidates else None
            given = top if result.is_question and result.score >= threshold else None
        expected = query["expected"]
        if expected is None:
            negatives += 1
            false += given is not None
        else:
            answerable += 1
            right += given == expected
        answered += given is not None
    return {
        "accuracy": right / answerable if answerable else 1.0,
        "precision": right / answered if answered else 1.0,
        "false": false / negatives if negatives else 0.0,
        "n": float(answerable + negatives),
    }


def grouped(rows: list[Row]) -> dict[str, list[Row]]:
    """Rows overall ("all"), per language ("lang=ru") and per kind ("kind=typo")."""
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        query = row[0]
        for name in ("all", f"lang={query['lang']}", f"kind={query['kind']}"):
            groups[name].append(row)
    return groups


def report(rows: list[Row]) -> str:
    """Table of the figures overall, per language and per kind ("-" where not applicable)."""
    groups = grouped(rows)
    lines = [f"{'group':18} {'n':>4} {'accuracy':>9} {'precision':>9} {'false':>6}"]
    for name, members in groups.items():
        f = figures(members)
        has_answerable = any(q["expected"] is not None for q, _ in members)
        has_negative = any(q["expected"] is None for q, _ in members)
        answered = any(r.band == "answer" for _, r in members)
        acc = f"{f['accuracy']:9.3f}" if has_answerable else f"{'-':>9}"
        prec = f"{f['precision']:9.3f}" if answered and has_answerable else f"{'-':>9}"
        false = f"{f['false']:6.3f}" if has_negative else f"{'-':>6}"
        lines.append(f"{name:18} {int(f['n']):4d} {acc} {prec} {false}")
    return "\n".join(lines)


def test_quality_floors(rows: list[Row]) -> None:
    print("\n" + report(rows))
    groups = grouped(rows)
    for name, (accuracy, precision, false) in FLOORS.items():
        f = figures(groups[name])
        assert f["accuracy"] >= accuracy, (name, f)
        assert f["precision"] >= precision, (name, f)
        assert f["false"] <= false, (name, f)


def test_lexical_fallback_floor() -> None:
    """If the encoder package is missing, matching is weaker but still precise."""
    matchers = _matchers(semantic=False)
    lexical = [(q, matchers[str(q["faq"])].match(str(q["text"]))) for q in _queries()]
    f = figures(lexical)
    print(f"\nlexical only: {f}")
    accuracy, precision, false = LEXICAL_FLOOR
    assert f["accuracy"] >= accuracy and f["precision"] >= precision and f["false"] <= false


@pytest.mark.parametrize(("fit_on", "test_on"), [(FAQS[0], FAQS[1]), (FAQS[1], FAQS[0])])
def test_calibration_transfers(fit_on: str, test_on: str) -> None:
    """The confidence model refitted on one community keeps answers mostly right on the other.

    The weak spot it measures: near misses of a new community ("a free key for streamers?"
    against the streaming entry) look like answers to a model that never saw that community.
    Measured: fitness -> indie-game answers 1 of 33 negatives, indie-game -> fitness none of
    40; the cap allows two (the word-level "wmin" evidence cut it from three).
    """
    matchers = _matchers(semantic=True)
    samples: dict[str, list[tuple[dict[str, float], bool, bool]]] = {name: [] for name in FAQS}
    ids = {name: [e.id for e in load_faq_file(DATA / f"{name}.toml")] for name in FAQS}
    for q in _queries():
        name, text = str(q["faq"]), str(q["text"])
        evidence = matchers[name].evidence(text) if is_question_like(text) else None
        if evidence is not None:
            right = ids[name][evidence.ranking[0][0]] == q["expected"]
            samples[name].append((evidence.features, right, q["expected"] is None))
    l2, negative_weight = FIT_SETTINGS["semantic"]
    model = fit(samples[fit_on], SEMANTIC_FEATURES, l2=l2, negative_weight=negative_weight)
    answered = [s for s in samples[test_on] if model.probability(s[0]) >= Thresholds().answer]
    precision = sum(s[1] for s in answered) / max(1, len(answered))
    answerable = sum(not s[2] for s in samples[test_on])
    negatives = [q for q in _queries() if q["faq"] == test_on and q["expected"] is None]
    false = sum(s[2] for s in answered) / len(negatives)
    print(f"\n{fit_on} -> {test_on}: precision {precision:.3f}, answered {len(answered)}")
    assert precision >= 0.9
    assert false <= 0.065
    assert len(answered) >= 0.4 * answerable


def _precise_threshold(rows: list[Row], target: float = 0.95) -> float:
    """Lowest score threshold whose precision on ``rows`` is still at least ``target``."""
    best = 1.01
    for score in sorted({r.score for _, r in rows}, reverse=True):
        if figures(rows, score)["precision"] >= target:
            best = score
    return best


def test_thresholds_hold_on_held_out_halves(rows: list[Row]) -> None:
    """Pick a threshold on a random half of the queries; the other half keeps its precision."""
    rng = random.Random(0)
    held_out = []
    for _ in range(10):
        shuffled = rows[:]
        rng.shuffle(shuffled)
        half = len(shuffled) // 2
        chosen = _precise_threshold(shuffled[:half])
        held_out.append(figures(shuffled[half:], chosen))
    precision = sum(f["precision"] for f in held_out) / len(held_out)
    accuracy = sum(f["accuracy"] for f in held_out) / len(held_out)
    print(f"\nheld-out halves: precision {precision:.3f}, accuracy {accuracy:.3f}")
    assert precision >= 0.9


@pytest.mark.parametrize(("fit_on", "test_on"), [(FAQS[0], FAQS[1]), (FAQS[1], FAQS[0])])
def test_thresholds_transfer(rows: list[Row], fit_on: str, test_on: str) -> None:
    """A threshold tuned on one community must not collapse precision on another."""
    chosen = _precise_threshold([r for r in rows if r[0]["faq"] == fit_on])
    held_out = figures([r for r in rows if r[0]["faq"] == test_on], chosen)
    print(f"\nthreshold {chosen:.3f} from {fit_on} -> {test_on}: {held_out}")
    assert held_out["precision"] >= 0.8
