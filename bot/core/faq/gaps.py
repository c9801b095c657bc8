"""Group similar unanswered questions so moderators see which FAQ entries are missing.

Owners want "12 people asked about the sauna", not 12 separate lines. Grouping reuses the
matcher's analysis (stems + synonym concepts), so "сауна есть?" and "есть ли в клубе сауна"
land together, and weighs words by how rare they are among the texts themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from .analysis import doc_positions

# Weighted overlap needed to join a group (see _overlap).
JOIN_AT = 0.3
# Members compared when joining (single link); bounds the cost for huge groups.
LINK_LIMIT = 20
# Words weighing less than this (frequent everyday words) do not propose candidate groups.
KEY_TRUST = 0.5

Terms = dict[str, float]


def _terms(text: str) -> Terms:
    """Term → trust (frequent words weigh less), over stems and synonym concepts."""
    found: Terms = {}
    for position in doc_positions(text):
        for term in position.terms:
            found[term] = max(found.get(term, 0.0), position.trust)
    return found


def _overlap(a: Terms, b: Terms, idf: dict[str, float]) -> float:
    """Shared weight over the geometric mean of both sides' weights (cosine-like, in [0, 1]).

    Symmetric on purpose: relative to the smaller side, one long rambling message would
    swallow every short question that shares a word with it.
    """
    if not a or not b:
        return 1.0 if a == b else 0.0
    shared = sum(idf[t] * min(a[t], b[t]) for t in a.keys() & b.keys())
    own_a = sum(idf[t] * w for t, w in a.items())
    own_b = sum(idf[t] * w for t, w in b.items())
    return shared / math.sqrt(own_a * own_b)


def _centrality(i: int, members: list[int], term_sets: list[Terms], idf: dict[str, float]) -> float:
    return sum(_overlap(term_sets[i], term_sets[j], idf) for j in members)


def group_similar(texts: Sequence[str]) -> list[tuple[str, int, list[str]]]:
    """``(representative, count, members)`` groups, most frequent first (ties: first seen).

    Greedy single pass in input order: each text joins the group holding its most similar
    member (overlap at least ``JOIN_AT``), else starts a new group. Only groups sharing a
    meaningful term are compared, so thousands of texts stay fast. The representative is the
    member most similar to the rest of its group.
    """
    term_sets = [_terms(t) for t in texts]
    df: dict[str, int] = {}
    for terms in term_sets:
        for term in terms:
            df[term] = df.get(term, 0) + 1
    # Smoothed: in a handful of texts every word is "rare", which says nothing about it.
    idf = {t: math.log(1.0 + (len(texts) + 5) / (d + 1)) for t, d in df.items()}
    groups: list[list[int]] = []
    by_term: dict[str, set[int]] = {}
    by_text: dict[tuple[str, ...], int] = {}
    for i, terms in enumerate(term_sets):
        key = tuple(sorted(terms))
        best, best_sim = by_text.get(key, -1), JOIN_AT
        if best < 0:
            keys = [t for t, w in terms.items() if w >= KEY_TRUST] or list(terms)
            near = set().union(*(by_term.get(t, set()) for t in keys)) if keys else set()
            for g in sorted(near):
                members = groups[g][:LINK_LIMIT]
                sim = max(_overlap(terms, term_sets[j], idf) for j in members)
                if sim >= best_sim:
                    best, best_sim = g, sim
        if best < 0:
            best = len(groups)
            groups.append([])
        groups[best].append(i)
        by_text.setdefault(key, best)
        for term in terms:
            by_term.setdefault(term, set()).add(best)
    result: list[tuple[str, int, list[str]]] = []
    for members in groups:
        sample = members[:LINK_LIMIT]
        rep = max(sample, key=lambda i: _centrality(i, sample, term_sets, idf))
        result.append((texts[rep], len(members), [texts[i] for i in members]))
    result.sort(key=lambda group: -group[1])
    return result
