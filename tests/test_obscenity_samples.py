"""F1 of the filter on the labelled samples, overall and per language (the acceptance bar)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from filters.obscenity import ObscenityFilter

SAMPLES = Path(__file__).parent / "data" / "profanity" / "samples.jsonl"


def _f1(pairs: list[tuple[int, int]]) -> float:
    tp = sum(1 for y, p in pairs if y and p)
    fp = sum(1 for y, p in pairs if p and not y)
    fn = sum(1 for y, p in pairs if y and not p)
    if tp == 0:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


@pytest.fixture(scope="module")
def scores() -> dict[str, float]:
    flt = ObscenityFilter()
    rows = [json.loads(line) for line in SAMPLES.read_text(encoding="utf-8").splitlines()]
    by_lang: dict[str, list[tuple[int, int]]] = {"all": []}
    for row in rows:
        pair = (int(row["label"]), int(flt.check(row["text"]).obscene))
        by_lang["all"].append(pair)
        by_lang.setdefault(row["lang"], []).append(pair)
    return {lang: _f1(pairs) for lang, pairs in by_lang.items()}


def test_overall_f1(scores: dict[str, float]) -> None:
    print(f"F1: {scores}")
    assert scores["all"] >= 0.97


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_f1_per_language(scores: dict[str, float], lang: str) -> None:
    assert scores[lang] >= 0.95


def test_mixed_f1_reported(scores: dict[str, float]) -> None:
    assert scores["mixed"] >= 0.9
