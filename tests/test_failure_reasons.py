"""A platform's refusal is said as a kind of reason, in words that fit where it is read.

The chat that lost a right reads "here"; the queue, which hears about several chats, is told
which chat and reads "there"; a closed forum topic is not "the platform refused".
"""

from __future__ import annotations

import pytest

from bot.core.reasons import classify, reason_text
from bot.texts import TextCatalog


@pytest.mark.parametrize(("error", "kind"), [
    ("Bad Request: not enough rights to restrict/demote chat member", "rights"),
    ("messages.delete failed [925]: the community is not an admin of this chat", "rights"),
    ("Bad Request: TOPIC_CLOSED", "topic_closed"),
    ("Bad Request: message thread not found", "topic_closed"),
    ("Forbidden: bot was kicked from the supergroup chat", "not_in_chat"),
    ("Bad Request: PARTICIPANT_ID_INVALID", "member_gone"),
    ("Bad Request: message to delete not found", "message_gone"),
    ("Bad Gateway", "outage"),
    ("Bad Request: STICKERSET_INVALID", "other"),
])
def test_errors_are_sorted_into_reasons(error: str, kind: str) -> None:
    assert classify(error) == kind


def test_the_chat_reads_here_and_the_queue_reads_there() -> None:
    catalog = TextCatalog()
    error = "Bad Request: not enough rights to delete a message"
    in_chat = catalog.render(reason_text(error, owner=False), "en")
    in_queue = catalog.render(reason_text(error), "en")
    assert in_chat.endswith("here") and in_queue.endswith("there")


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_closed_topic_is_named_as_such(lang: str) -> None:
    catalog = TextCatalog()
    said = catalog.render(reason_text("Bad Request: TOPIC_CLOSED"), lang)
    assert catalog.has("common.reason.topic_closed", lang)
    assert said != catalog.render(reason_text("Bad Request: STICKERSET_INVALID"), lang)
