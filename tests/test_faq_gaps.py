"""Grouping unanswered questions: same question in other words lands in one group."""

from __future__ import annotations

from bot.core.faq.gaps import group_similar


def test_groups_similar_questions_most_frequent_first() -> None:
    texts = [
        "Есть ли в клубе сауна?",
        "Где купить протеин?",
        "сауна есть?",
        "А сауна у вас работает?",
        "протеин продаёте?",
        "Is there a photo mode?",
    ]
    groups = group_similar(texts)
    assert groups[0][1] == 3
    assert set(groups[0][2]) == {"Есть ли в клубе сауна?", "сауна есть?", "А сауна у вас работает?"}
    assert groups[0][0] in groups[0][2]
    assert sum(count for _, count, _ in groups) == len(texts)
    assert ["Is there a photo mode?"] in [members for _, _, members in groups]
    counts = [count for _, count, _ in groups]
    assert counts == sorted(counts, reverse=True)


def test_empty_and_duplicates() -> None:
    assert group_similar([]) == []
    assert group_similar(["Как?", "Как?"]) == [("Как?", 2, ["Как?", "Как?"])]
