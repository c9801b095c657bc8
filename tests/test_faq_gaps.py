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


def test_long_message_does_not_swallow_short_questions() -> None:
    rambling = (
        "Всем привет! Вчера была в зале, потом в сауне, потом пила протеин и смотрела расписание, "
        "а ещё думала про парковку и про полотенца, в общем день насыщенный"
    )
    groups = group_similar([rambling, "есть ли сауна?", "где парковка?", "протеин продаёте?"])
    assert len(groups) >= 3


def test_thousands_of_texts_are_fast() -> None:
    import time

    texts = [f"Вопрос про тему номер {i % 50} и слово{i % 7}?" for i in range(2000)]
    start = time.thread_time()  # CPU time: parallel test workers must not make it "slow"
    group_similar(texts)
    assert time.thread_time() - start < 10.0
