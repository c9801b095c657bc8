"""QA regressions: a command used in the wrong kind of chat is explained, not ignored."""

from __future__ import annotations

import pytest
from helpers_complaints import MODERATOR, QUEUE, message, private, recorders

from bot.app import App
from bot.core.actions import SendMessage
from bot.core.texts import Text


def replies(actions: list) -> list[tuple[str, dict]]:
    return [(a.text.key, dict(a.text.params)) for a in actions if isinstance(a, SendMessage)]


@pytest.mark.parametrize(("text", "key"), [
    ("/mute @someone 10m", "common.wrong_place.chat_queue"),
    ("/take 1", "common.wrong_place.chat_queue"),
    ("/schedule in 2h Hello", "common.wrong_place.chat_queue"),
])
async def test_a_moderator_in_a_private_chat_is_told_where_the_command_works(
        app: App, text: str, key: str) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(private(text, user=MODERATOR))
    command = text.split()[0]
    assert replies(telegram.actions) == [(key, {"command": command})]
    assert telegram.of(SendMessage)[0].delete_after is None  # a private chat is not cleaned up
    rendered = app.catalog.render(telegram.of(SendMessage)[0].text, "en")
    assert rendered.startswith(f"{command} works only in the community's chats")


async def test_del_in_the_queue_chat_is_explained(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("/del", user=MODERATOR, chat=QUEUE, reply_to="5"))
    assert replies(telegram.actions) == [("common.wrong_place.chat", {"command": "/del"})]


async def test_a_member_in_a_private_chat_gets_the_refusal_not_the_place(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(private("/ban @someone", user="5"))
    await app.pipeline.process(private("/queue", user="5"))
    assert replies(telegram.actions) == [("common.not_moderator", {"command": "/ban"})]


async def test_report_in_the_queue_chat_is_explained(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("/report spam", user=MODERATOR, chat=QUEUE, reply_to="5"))
    assert replies(telegram.actions) == [("common.wrong_place.chat_private", {"command": "/report"})]


@pytest.mark.parametrize(("text", "expected"), [
    ("/ban", "user66 is banned until a moderator lifts it. Reason: breaking the chat rules. "
             "To lift it: /unban."),
    ("/ban 1d spam", "user66 is banned for 1d. Reason: spam. To lift it: /unban."),
])
async def test_the_ban_confirmation_does_not_run_span_and_reason_together(
        app: App, text: str, expected: str) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message(text, user=MODERATOR, reply_to="5", reply_author="66"))
    sent = telegram.of(SendMessage)
    assert [app.catalog.render(s.text, "en") for s in sent] == [expected]


async def test_an_absurdly_long_mute_is_refused_as_too_long_not_a_crash(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("/mute 999999w", user=MODERATOR, reply_to="5",
                                       reply_author="66"))
    assert [(k, p["value"]) for k, p in replies(telegram.actions)] == [
        ("moderation.duration_too_long", "999999w")]


@pytest.mark.parametrize(("lang", "fragment"), [
    ("en", "/del (in reply only)"), ("ru", "/del (только ответом на сообщение)")])
def test_moderator_help_does_not_promise_del_with_a_username(
        app: App, lang: str, fragment: str) -> None:
    text = app.catalog.render(Text("common.help_moderator"), lang)
    assert fragment in text
