"""A bilingual FAQ: each answer in Russian and in English, the question answered in its language.

Twin entries are equally close to the sentence encoder, so without keeping to the message's
language the two would tie and the bot would never be sure enough to answer.
"""

from __future__ import annotations

import pytest

from bot.core.faq.entries import FaqEntry
from bot.core.faq.matcher import FaqMatcher
from bot.core.faq.text import message_language

TWINS = [
    ("freeze", "Как заморозить абонемент?", "Заморозка до 30 дней в приложении.",
     "How do I freeze my membership?", "Freeze it for up to 30 days in the app."),
    ("refund", "Можно ли вернуть деньги за абонемент?", "Возврат за неиспользованные дни.",
     "Can I get a refund for my membership?", "We refund the unused days."),
    ("hours", "Во сколько открывается клуб?", "Клубы открыты с 7 до 23.",
     "What time does the club open?", "Clubs are open from 7 to 23."),
]


@pytest.fixture(scope="module")
def matcher() -> FaqMatcher:
    entries = []
    for key, ru_q, ru_a, en_q, en_a in TWINS:
        entries.append(FaqEntry(id=f"{key}-ru", lang="ru", questions=(ru_q,), answer=ru_a))
        entries.append(FaqEntry(id=f"{key}-en", lang="en", questions=(en_q,), answer=en_a))
    return FaqMatcher.build(entries)


@pytest.mark.parametrize(("text", "expected"), [
    ("как заморозить абонемент на месяц?", "freeze-ru"),
    ("how can I freeze my membership for a month?", "freeze-en"),
    ("можно вернуть деньги за абонемент?", "refund-ru"),
    ("can I get my money back for the membership?", "refund-en"),
])
def test_a_question_gets_the_entry_in_its_language(
        matcher: FaqMatcher, text: str, expected: str) -> None:
    result = matcher.match(text)
    assert result.faq_id == expected and result.band == "answer", result
    assert all(not faq_id.endswith("-ru" if expected.endswith("-en") else "-en")
               for faq_id, _ in result.candidates)


@pytest.mark.parametrize(("text", "lang"), [
    ("Как заморозить?", "ru"),
    ("how do I freeze it?", "en"),
    ("kak zamorozit abonement", None),  # Russian in Latin letters: not told apart, not restricted
    ("zamorozka?", None),
])
def test_message_language(text: str, lang: str | None) -> None:
    assert message_language(text) == lang


def test_translit_is_not_restricted_to_english(matcher: FaqMatcher) -> None:
    result = matcher.match("kak zamorozit abonement?")
    assert result.candidates and result.candidates[0][0] == "freeze-ru"
