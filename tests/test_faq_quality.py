"""Matching quality on labelled communities, with floors just under the measured figures.

Figures (``pytest tests/test_faq_quality.py -s`` prints them): accuracy = right answers / all
answerable queries, precision = right answers / all answers, false = answered negatives / all
negatives. An answer is the "answer" band only; "suggest" is a button, not an answer.

Thirty communities: the two sample FAQs (tests/data/faq), sixteen written blind to the
matcher (tests/data/faq_extra, Russian and English: an online school, a residents' chat, a
clothing shop, a carsharing service, a bank, a clinic, an internet provider, a car service, a
task app, a coworking space, a meal-kit service, a bootcamp, a hostel, an open-source tool, a
vet clinic, a language school) and twelve written as second samples of the sample FAQs' style
(a dental chain, an online cinema, a grocery delivery, a bike share, a board-game café, a VPN
app; in session 12 a barbershop, a driving school, a ski resort, a coffee subscription, a music
festival, a city library). The shipped confidence model
(bot/core/faq/calibration.py) is fitted on all of them, so the figures of
``test_quality_floors_and_thresholds_held_out`` are in-sample. The ones to trust are
``test_unseen_community_floors``: each community scored by a model fitted on the other
twenty-nine, which is what a new community gets. bench/faq_fit.py prints the full table.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from bot.core.faq.entries import load_faq_file
from bot.core.faq.evaluation import (
    Community,
    Figures,
    Sample,
    collect,
    figures,
    leave_one_community_out,
    load_communities,
)
from bot.core.faq.matcher import FaqMatch, FaqMatcher, Thresholds

DATA = Path(__file__).parent / "data"
ANSWER = Thresholds().answer

# (min accuracy, min precision, max false-answer rate): the measured figures, accuracy −0.03,
# precision and false capped by the targets (0.95 / 3 %).
# Measured in-sample with the sentence encoder (the printed table): all 0.417 / 0.961 / 0.022,
# the two sample communities 0.581 / 0.992 / 0, ru 0.403 / 0.963 / 0.027, en 0.436 / 0.959 /
# 0.017.
FLOORS = {
    "all": (0.38, 0.95, 0.03),
    "sample": (0.55, 0.95, 0.03),
    "lang=ru": (0.37, 0.95, 0.03),
    "lang=en": (0.40, 0.95, 0.03),
}
# Leave-one-community-out, pooled: measured 0.414 / 0.959 / 0.024.
UNSEEN_FLOOR = (0.38, 0.95, 0.03)
# Without the encoder (package missing), leave-one-community-out: measured 0.218 / 0.968 / 0.009.
LEXICAL_UNSEEN_FLOOR = (0.19, 0.95, 0.03)

Row = tuple[str, dict[str, str | None], FaqMatch]


@pytest.fixture(scope="module")
def communities() -> list[Community]:
    found = load_communities(DATA / "faq", DATA / "faq_extra")
    assert len(found) >= 14 and all(c.queries for c in found)
    return found


@pytest.fixture(scope="module")
def rows(communities: list[Community]) -> list[Row]:
    """Every query through the public match() of its community's matcher."""
    result: list[Row] = []
    for community in communities:
        matcher = FaqMatcher.build(load_faq_file(community.faq))
        assert matcher.semantic, "the sentence encoder did not load"
        for q in community.queries:
            query = {"lang": q.lang, "kind": q.kind, "expected": q.expected}
            result.append((community.name, query, matcher.match(q.text)))
    return result


def _figures(rows: Iterable[Row], pick: Callable[[FaqMatch], str | None]) -> Figures:
    """Accuracy, precision and false answers when ``pick`` says which entry is given."""
    answerable = right = answered = negatives = false = 0
    for _, query, result in rows:
        given = pick(result)
        expected = query["expected"]
        negatives += expected is None
        answerable += expected is not None
        false += expected is None and given is not None
        right += expected is not None and given == expected
        answered += given is not None
    return Figures(
        accuracy=right / answerable if answerable else 1.0,
        precision=right / answered if answered else 1.0,
        false=false / negatives if negatives else 0.0,
    )


def row_figures(rows: Iterable[Row]) -> Figures:
    """Figures of the bot's own verdicts: an answer is the "answer" band."""
    return _figures(rows, lambda r: r.faq_id if r.band == "answer" else None)


def grouped(rows: list[Row]) -> dict[str, list[Row]]:
    groups: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        name, query, _ = row
        keys = ["all", f"faq={name}", f"lang={query['lang']}", f"kind={query['kind']}"]
        if name in ("fitness", "indie-game"):
            keys.append("sample")
        for key in keys:
            groups[key].append(row)
    return groups


def test_quality_floors_and_thresholds_held_out(rows: list[Row]) -> None:
    """The floors per language, kind and community, and a threshold picked on half the
    queries keeping its precision on the other half (one test: the rows take a minute and
    a half to compute, once per worker that needs them)."""
    groups = grouped(rows)
    print()
    for name, members in sorted(groups.items()):
        print(f"{name:18} n={len(members):4d} {row_figures(members)}")
    for name, (accuracy, precision, false) in FLOORS.items():
        f = row_figures(groups[name])
        assert f.accuracy >= accuracy, (name, f)
        assert f.precision >= precision, (name, f)
        assert f.false <= false, (name, f)
    _assert_thresholds_hold_on_held_out_halves(rows)


def _unseen(communities: list[Community], semantic: bool) -> list[tuple[Sample, float]]:
    mode = "semantic" if semantic else "lexical"
    return leave_one_community_out(collect(communities, semantic=semantic), mode)


def test_unseen_community_floors(communities: list[Community]) -> None:
    """A community the confidence model never saw keeps answers right and chatter unanswered."""
    scored = _unseen(communities, semantic=True)
    pooled = figures(scored, ANSWER)
    print(f"\nleave-one-community-out: {pooled}")
    for name in sorted({s.community for s, _ in scored}):
        print(f"  {name:12} {figures([r for r in scored if r[0].community == name], ANSWER)}")
    accuracy, precision, false = UNSEEN_FLOOR
    assert pooled.accuracy >= accuracy and pooled.precision >= precision and pooled.false <= false
    # No single community may be flooded with wrong answers.
    for name in {s.community for s, _ in scored}:
        one = figures([r for r in scored if r[0].community == name], ANSWER)
        assert one.precision >= 0.85 and one.false <= 0.1, (name, one)


def test_lexical_fallback_floor(communities: list[Community]) -> None:
    """If the encoder package is missing, matching is weaker but still precise."""
    pooled = figures(_unseen(communities, semantic=False), ANSWER)
    print(f"\nlexical only, leave-one-community-out: {pooled}")
    accuracy, precision, false = LEXICAL_UNSEEN_FLOOR
    assert pooled.accuracy >= accuracy and pooled.precision >= precision and pooled.false <= false


def _precise_threshold(rows: list[Row], target: float = 0.95) -> float:
    """Lowest score threshold whose precision on ``rows`` is still at least ``target``."""
    best = 1.01
    for score in sorted({r.score for _, _, r in rows}, reverse=True):
        if _at(rows, score).precision >= target:
            best = score
    return best


def _at(rows: Iterable[Row], threshold: float) -> Figures:
    """Figures when the top candidate is answered at ``threshold`` instead of the band."""

    def pick(result: FaqMatch) -> str | None:
        top = result.candidates[0][0] if result.candidates else None
        return top if result.is_question and result.score >= threshold else None

    return _figures(rows, pick)


def _assert_thresholds_hold_on_held_out_halves(rows: list[Row]) -> None:
    """Pick a threshold on a random half of the queries; the other half keeps its precision."""
    rng = random.Random(0)
    held_out = []
    for _ in range(10):
        shuffled = rows[:]
        rng.shuffle(shuffled)
        half = len(shuffled) // 2
        held_out.append(_at(shuffled[half:], _precise_threshold(shuffled[:half])))
    precision = sum(f.precision for f in held_out) / len(held_out)
    print(f"\nheld-out halves: precision {precision:.3f}")
    assert precision >= 0.9
