"""The question-likeness gate: asks and problem reports pass, chatter does not, and it is cheap."""

from __future__ import annotations

import time

import pytest

from bot.core.faq.question import is_question_like


@pytest.mark.parametrize(
    "text",
    [
        "Как заморозить абонемент?",
        "как продлить абонемент",
        "вернут ли деньги если я не хожу",
        "смс с кодом не приходит",
        "посеял карту чо делать",
        "how 2 refund",
        "keeps crashing on launch pls help",
        "is there a linux version",
        "so, does it run on the deck",
        "achievements not unlocking",
        # chat spellings of asking words, problem reports and requests
        "wats the deadline 4 projects",
        "r cats allowed",
        "hw much is a day pas",
        "дипозит када вернут",
        "попал в дтп што делать",
        "zastryal v lifte chto delat",
        "App just shows a blank screen since the update",
        "need invoce for my company",
        "Запишите меня к терапевту на пятницу",
        "обезбол платный или нет",
        "citytax included in price or no",
        # an asking word next to an emoji or after a greeting still asks
        "как записаться на сайкл 🙏",
        "привет! как заморозить абонемент",
        "what a pity, what time do you close",
        # "до скольки" is how opening hours are asked; asking words with a typo still ask
        "до скольки работаете по будням",
        "hwo do i sumbit a bug",
        "whens the next update",
        # other cases of «какой» ask too; «гд» is где with a letter lost
        "сертификат до какого числа действует",
        "в каком филиале есть парковка",
        "гд у вас ближайший пункт выдачи",
    ],
)
def test_question_like(text: str) -> None:
    assert is_question_like(text)


@pytest.mark.parametrize(
    "text",
    [
        "Всем привет! Я новенькая в чате 👋",
        "Спасибо большое, всё получилось!",
        "ок, понял, спасибо",
        "+1, у меня то же самое было",
        "gg everyone, that last run was insane",
        "thanks, that fixed it!",
        "the new relic art looks sick",
        # exclamations that open with an asking word
        "just got back from the pub crawl, what a night 😂",
        "Ого, какая красота в новой коллекции 😍",
        "какая погода сегодня!",
        "",
    ],
)
def test_not_question_like(text: str) -> None:
    assert not is_question_like(text)


def test_cheap() -> None:
    texts = ["Тренер Марина просто огонь, всем советую её пилатес", "rip my 2 hour run 💀"] * 500
    start = time.thread_time()  # CPU time: parallel test workers must not make it "slow"
    for text in texts:
        is_question_like(text)
    per_call_ms = (time.thread_time() - start) * 1000 / len(texts)
    assert per_call_ms < 0.2
