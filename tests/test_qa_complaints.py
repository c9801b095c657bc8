"""QA regressions for moderators' complaint commands in the queue chat."""

from __future__ import annotations

import pytest
from helpers_complaints import MODERATOR, QUEUE, message, press, recorders, report

from bot.app import App
from bot.core.actions import AnswerCallback, SendMessage


@pytest.mark.parametrize("command", ["/abuse 99", "/abuse #99", "/unabuse 99"])
async def test_abuse_with_an_unknown_ticket_number_says_not_found(app: App, command: str) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(report(user="5", target="80"))
    await app.pipeline.process(message(command, user=MODERATOR, chat=QUEUE))
    replies = [a.text for a in telegram.of(SendMessage) if a.chat == QUEUE]
    assert [(t.key, t.params.get("number")) for t in replies] == [
        ("complaints.not_found", command.split()[1])]


async def test_abuse_without_a_target_still_gets_the_usage(app: App) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(message("/abuse someone", user=MODERATOR, chat=QUEUE))
    replies = [a.text.key for a in telegram.of(SendMessage) if a.chat == QUEUE]
    assert replies == ["complaints.abuse_usage"]


@pytest.mark.parametrize("data", ["t:claim:99999999999999999999", "t:claim:²"])
async def test_a_forged_button_with_an_impossible_ticket_id_is_answered_not_crashed(
        app: App, data: str) -> None:
    telegram, _vk = recorders(app)
    await app.pipeline.process(press(data))
    answers = telegram.of(AnswerCallback)
    assert [a.text.key for a in answers] == ["complaints.button_unknown"]
