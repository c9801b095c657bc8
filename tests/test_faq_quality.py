"""Matching quality on the sample FAQs, with floors just under the measured figures.

Figures (``pytest tests/test_faq_quality.py -s`` prints them): accuracy = right answers / all
answerable queries, precision = right answers / all answers, false = answered negatives / all
negatives. An answer is the "answer" band only; "suggest" is a button, not an answer.

The thresholds are not fitted per query: ``test_thresholds_transfer`` checks that a threshold
chosen on one community's queries keeps its precision on the other's.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import pytest

from bot.core.faq.entries import load_faq_file
from bot.core.faq.matcher import FaqMatch, FaqMatcher

DATA = Path(__file__).parent / "data" / "faq"
FAQS = ("fitness", "indie-game")

# Measured figures minus a small margin; raise them when the matcher improves.
FLOORS = {
    "accuracy": 0.37,
    "precision": 0.95,
    "false_negatives_max": 0.03,
}

Row = tuple[dict[str, str | None], FaqMatch]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    matchers = {name: FaqMatcher.build(load_faq_file(DATA / f"{name}.toml")) for name in FAQS}
    with (DATA / "queries.jsonl").open(encoding="utf-8") as fh:
        queries = [json.loads(line) for line in fh if line.strip()]
    return [(q, matchers[str(q["faq"])].match(str(q["text"]))) for q in queries]


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


def report(rows: list[Row]) -> str:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        query = row[0]
        groups["all"].append(row)
        groups[f"lang={query['lang']}"].append(row)
        groups[f"kind={query['kind']}"].append(row)
    lines = [f"{'group':18} {'n':>4} {'accuracy':>9} {'precision':>9} {'false':>6}"]
    for name, members in groups.items():
        f = figures(members)
        lines.append(
            f"{name:18} {int(f['n']):4d} {f['accuracy']:9.3f} {f['precision']:9.3f} {f['false']:6.3f}"
        )
    return "\n".join(lines)


def test_quality_floors(rows: list[Row]) -> None:
    print("\n" + report(rows))
    f = figures(rows)
    assert f["accuracy"] >= FLOORS["accuracy"]
    assert f["precision"] >= FLOORS["precision"]
    assert f["false"] <= FLOORS["false_negatives_max"]


def _precise_threshold(rows: list[Row], target: float = 0.95) -> float:
    """Lowest score threshold whose precision on ``rows`` is still at least ``target``."""
    best = 1.01
    for score in sorted({r.score for _, r in rows}, reverse=True):
        if figures(rows, score)["precision"] >= target:
            best = score
    return best


@pytest.mark.parametrize(("fit_on", "test_on"), [(FAQS[0], FAQS[1]), (FAQS[1], FAQS[0])])
def test_thresholds_transfer(rows: list[Row], fit_on: str, test_on: str) -> None:
    """A threshold tuned on one community must not collapse precision on another."""
    chosen = _precise_threshold([r for r in rows if r[0]["faq"] == fit_on])
    held_out = figures([r for r in rows if r[0]["faq"] == test_on], chosen)
    print(f"\nthreshold {chosen:.3f} from {fit_on} -> {test_on}: {held_out}")
    assert held_out["precision"] >= 0.8
