"""Group similar unanswered questions so moderators see which FAQ entries are missing.

Owners want "12 people asked about the sauna", not 12 separate lines. Grouping reuses the
matcher's analysis (stems + synonym concepts), so "сауна есть?" and "есть ли в клубе сауна"
land together, and weighs words by how rare they are among the texts themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .analysis import doc_positions

# Weighted overlap (of the smaller text) needed to join a group.
JOIN_AT = 0.4
# Members compared when joining (single link); bounds the cost for huge groups.
LINK_LIMIT = 20


def _terms(text: str) -> frozenset[str]:
    return frozenset(t for p in doc_positions(text) for t in p.terms)


def _overlap(a: frozenset[str], b: frozenset[str], idf: dict[str, float]) -> float:
    """Shared weight over the smaller side's weight: a short question inside a long one joins."""
    if not a or not b:
        return 1.0 if a == b else 0.0
    shared = sum(idf[t] for t in a & b)
    return shared / min(sum(idf[t] for t in a), sum(idf[t] for t in b))


def group_similar(texts: Sequence[str]) -> list[tuple[str, int, list[str]]]:
    """``(representative, count, members)`` groups, most frequent first (ties: first seen).

    Greedy single pass in input order: each text joins the group with the member it overlaps
    most (at least ``JOIN_AT``), else starts a new group. The representative is the
    member most similar to the rest of its group.
    """
    term_sets = [_terms(t) for t in texts]
    df: dict[str, int] = {}
    for terms in term_sets:
        for term in terms:
            df[term] = df.get(term, 0) + 1
    n = len(texts)
    # Smoothed: in a handful of texts every word is "rare", which says nothing about it.
    idf = {t: math.log(1.0 + (n + 5) / (d + 1)) for t, d in df.items()}
    groups: list[list[int]] = []
    for i, terms in enumerate(term_sets):
        best, best_sim = -1, JOIN_AT
        for g, members in enumerate(groups):
            sim = max(_overlap(terms, term_sets[j], idf) for j in members[:LINK_LIMIT])
            if sim >= best_sim:
                best, best_sim = g, sim
        if best < 0:
            groups.append([i])
        else:
            groups[best].append(i)
    result: list[tuple[str, int, list[str]]] = []
    for members in groups:
        rep = max(
            members,
            key=lambda i: sum(_overlap(term_sets[i], term_sets[j], idf) for j in members),
        )
        result.append((texts[rep], len(members), [texts[i] for i in members]))
    result.sort(key=lambda group: -group[1])
    return result
