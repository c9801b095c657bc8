"""Tiny FAQs (two to four entries): a question about an aspect no entry covers stays unanswered.

In a small FAQ the one entry on a topic has no runner-up, and a question that repeats the
entry's topic words ("when is the yoga class?" against "how do I pay for the yoga class?") used
to look certain: every topic word is in the entry and nothing else competes. What the question
asks for — a time, a place, a price, a person — is what the entry must offer, in its questions'
asking words or in its answer (a weekday, a clock time, an address, a sum of money, a name).

The FAQs and questions here are general-knowledge examples written before the matcher was run
on them; none comes from the labelled communities the confidence model is fitted on.
"""

from __future__ import annotations

from functools import cache

import pytest

from bot.core.faq.aspects import BIT, asked
from bot.core.faq.entries import FaqEntry
from bot.core.faq.matcher import FaqMatcher

FAQS: dict[str, tuple[FaqEntry, ...]] = {
    "yoga": (
        FaqEntry("mat", "en", ("Do I need to bring my own yoga mat?",), "Mats are provided."),
        FaqEntry("pay", "en", ("How do I pay for the yoga class?",),
                 "Yoga classes are paid in cash at the studio."),
    ),
    "bookclub": (
        FaqEntry("join", "en", ("How do I join the book club?",),
                 "Send a message to the organiser and you will be added to the group chat."),
        FaqEntry("book", "en", ("Which book are we reading this month?",),
                 "The current book is pinned in the group chat."),
        FaqEntry("fee", "en", ("Is there a membership fee for the book club?",),
                 "No, the book club is free for everyone."),
    ),
    "bikeshop": (
        FaqEntry("hours", "en", ("What are your opening hours?",),
                 "We are open Monday to Friday from 9:00 to 18:00."),
        FaqEntry("ebike", "en", ("Do you repair electric bikes?",),
                 "Yes, we repair e-bikes and electric scooters."),
    ),
    "garden": (
        FaqEntry("plot", "en", ("How do I get a plot in the community garden?",),
                 "Fill in the application form on our website; plots are assigned every March."),
        FaqEntry("dog", "en", ("Can I bring my dog to the garden?",),
                 "Dogs are welcome on a leash."),
        FaqEntry("water", "en", ("Where can I get water for my plot?",),
                 "There are taps next to the tool shed."),
    ),
    "cleaning": (
        FaqEntry("supplies", "en", ("Do you bring your own cleaning supplies?",),
                 "Yes, our cleaners bring all supplies and equipment."),
        FaqEntry("book", "en", ("How do I book a cleaning?",),
                 "Book online on our website or call us."),
    ),
    "english": (
        FaqEntry("signup", "ru", ("Как записаться на курс английского?",),
                 "Заполните форму на сайте, менеджер вам перезвонит."),
        FaqEntry("price", "ru", ("Сколько стоит курс английского?",),
                 "Курс стоит 12 000 ₽ в месяц."),
    ),
    "pool": (
        FaqEntry("cap", "ru", ("Нужна ли шапочка для бассейна?",),
                 "Да, без шапочки в бассейн не пускают."),
        FaqEntry("pay", "ru", ("Как оплатить абонемент в бассейн?",),
                 "Оплата картой или наличными на ресепшене."),
        FaqEntry("kids", "ru", ("Можно ли прийти в бассейн с ребёнком?",),
                 "Дети от 7 лет допускаются вместе со взрослым."),
    ),
    "robotics": (
        FaqEntry("age", "ru", ("С какого возраста можно заниматься робототехникой?",),
                 "Принимаем детей от 8 до 14 лет."),
        FaqEntry("kit", "ru", ("Нужно ли покупать свой конструктор?",),
                 "Нет, конструкторы выдаём на занятиях."),
    ),
}

# (FAQ, message, entry that answers it)
ANSWERED = [
    ("yoga", "How do I pay for yoga?", "pay"),
    ("yoga", "Can I pay by card for the yoga class?", "pay"),
    ("yoga", "Do I have to bring a mat?", "mat"),
    ("bookclub", "How can I join the book club?", "join"),
    ("bookclub", "Is the book club free?", "fee"),
    ("bikeshop", "When are you open?", "hours"),
    ("bikeshop", "Can you fix my electric bike?", "ebike"),
    ("garden", "How can I get a garden plot?", "plot"),
    ("garden", "Are dogs allowed in the garden?", "dog"),
    ("cleaning", "How can I book a cleaning?", "book"),
    ("cleaning", "Do I need to provide cleaning supplies?", "supplies"),
    ("english", "Как записаться на английский?", "signup"),
    ("english", "Какая цена курса английского?", "price"),
    ("pool", "Можно оплатить абонемент в бассейн картой?", "pay"),
    ("pool", "Обязательно нужна шапочка в бассейн?", "cap"),
    ("robotics", "Надо покупать конструктор?", "kit"),
]

# (FAQ, message, entry that must not answer it): the message asks what the entry does not say.
NOT_ANSWERED_BY = [
    ("yoga", "When is the yoga class?", "pay"),
    ("yoga", "Where is the yoga class?", "pay"),
    ("yoga", "Who teaches the yoga class?", "pay"),
    ("yoga", "Is the yoga class on Sunday?", "pay"),
    ("bookclub", "When does the book club meet?", "join"),
    ("bookclub", "Where does the book club meet?", "join"),
    ("bookclub", "Who runs the book club?", "join"),
    ("bikeshop", "How much does it cost to repair an electric bike?", "ebike"),
    ("bikeshop", "Where do you repair electric bikes?", "ebike"),
    ("garden", "How much does a plot in the community garden cost?", "plot"),
    ("garden", "Who is in charge of the community garden?", "plot"),
    ("cleaning", "How much does a cleaning cost?", "book"),
    ("cleaning", "When can you come for a cleaning?", "book"),
    ("english", "Когда начинается курс английского?", "signup"),
    ("english", "Где проходят занятия курса английского?", "signup"),
    ("english", "Кто ведёт курс английского?", "signup"),
    ("pool", "Во сколько открывается бассейн?", "pay"),
    ("pool", "Где находится бассейн?", "pay"),
    ("pool", "Сколько стоит абонемент в бассейн?", "pay"),
    ("robotics", "Сколько стоят занятия робототехникой?", "age"),
    ("robotics", "Когда проходят занятия по робототехнике?", "age"),
    ("robotics", "Где проходят занятия по робототехнике?", "kit"),
]


@cache
def matcher(name: str) -> FaqMatcher:
    return FaqMatcher.build(FAQS[name])


@pytest.mark.parametrize(("faq", "text", "expected"), ANSWERED)
def test_a_question_the_entry_covers_is_answered(faq: str, text: str, expected: str) -> None:
    match = matcher(faq).match(text)
    assert (match.band, match.faq_id) == ("answer", expected), match


@pytest.mark.parametrize(("faq", "text", "wrong"), NOT_ANSWERED_BY)
def test_a_question_about_another_aspect_is_not_answered(faq: str, text: str, wrong: str) -> None:
    match = matcher(faq).match(text)
    assert not (match.band == "answer" and match.faq_id == wrong), match


@pytest.mark.parametrize(("text", "kind", "asks"), [
    ("Кто ведёт курс английского?", "person", True),
    ("Подскажите, где находится бассейн?", "place", True),
    ("Подскажите, когда открывается бассейн?", "time", True),
    # a relative clause after всех / там / тогда says who or where; it does not ask
    ("Зумба у вас по записи или пускают всех, кто пришёл?", "person", False),
    ("Можно заниматься там, где удобнее?", "place", False),
    ("Оплатить можно тогда, когда придёте?", "time", False),
])
def test_what_a_question_asks_for(text: str, kind: str, asks: bool) -> None:
    assert bool(asked(text) & BIT[kind]) is asks, asked(text)
