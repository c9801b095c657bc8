"""Tokens never reach logs: known secrets and token-shaped strings are scrubbed."""

from __future__ import annotations

import io
import json
import logging
import re

from bot.logs import setup_logging

TG_TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw_x"


def test_known_secrets_and_token_shapes_are_redacted() -> None:
    stream = io.StringIO()
    setup_logging("INFO", secrets=["my-vk-secret-token"], stream=stream)
    log = logging.getLogger("modbot.test")
    log.info("event=test url=https://api.telegram.org/bot%s/getMe", TG_TOKEN)
    log.warning("event=test vk=%s", "my-vk-secret-token")
    log.error("event=test q=https://api.vk.com/method/x?access_token=abcdef&v=5")
    try:
        raise RuntimeError(f"failed calling with {TG_TOKEN}")
    except RuntimeError:
        log.exception("event=test.crash")
    output = stream.getvalue()
    assert TG_TOKEN not in output
    assert "my-vk-secret-token" not in output
    assert "access_token=abcdef" not in output
    assert output.count("***") >= 4
    assert "event=test" in output and "level=info" in output


def test_level_from_environment(monkeypatch: object) -> None:
    import pytest

    assert isinstance(monkeypatch, pytest.MonkeyPatch)
    monkeypatch.setenv("MODBOT_LOG_LEVEL", "WARNING")
    setup_logging(None, stream=io.StringIO())
    assert logging.getLogger().level == logging.WARNING
    setup_logging("INFO", stream=io.StringIO())


def test_a_bot_api_path_is_redacted_whatever_the_token_looks_like() -> None:
    from bot.logs import Redactor

    page = "<p>The requested URL /botshort:tok/sendMessage was not found</p>"
    assert Redactor()(page) == "<p>The requested URL /bot***/sendMessage was not found</p>"
    assert Redactor()("see /bots/list and /bottom/") == "see /bots/list and /bottom/"


async def test_error_texts_leaving_the_router_are_scrubbed() -> None:
    """They go on into queue notices, stored failures and audit records, not only logs."""
    import pytest

    from bot.core.actions import ActionResult, SendMessage
    from bot.core.chats import ChatRef
    from bot.core.texts import Text
    from bot.logs import redactor
    from bot.runtime.executor import ActionRouter, TransientError

    redactor().add("s3cr3t-token-value")

    class Leaky:
        platform = "telegram"

        def __init__(self, outcome: object) -> None:
            self.outcome = outcome

        async def execute(self, action: object) -> ActionResult:
            if isinstance(self.outcome, Exception):
                raise self.outcome
            assert isinstance(self.outcome, ActionResult)
            return self.outcome

    action = SendMessage(ChatRef("telegram", "-1"), Text("x"), "en")
    refused = ActionResult(ok=False, error="401 for s3cr3t-token-value", permanent=True)
    result = await ActionRouter({"telegram": Leaky(refused)}).execute(action)
    assert result.error == "401 for ***"
    with pytest.raises(TransientError, match=r"^502 at /bot\*\*\*/sendMessage$"):
        await ActionRouter({"telegram": Leaky(TransientError("502 at /bot12:xy/sendMessage"))}
                           ).execute(action)
    crashed = await ActionRouter({"telegram": Leaky(ValueError("s3cr3t-token-value"))}
                                 ).execute(action)
    assert (crashed.ok, crashed.permanent, crashed.error) == (False, True, "ValueError: ***")


def test_debug_level_keeps_members_words_from_the_database_driver_out() -> None:
    """At DEBUG aiosqlite would log each statement's parameters (a member's message)."""
    stream = io.StringIO()
    setup_logging("DEBUG", stream=stream)
    logging.getLogger("aiosqlite").debug("executing %s with %s", "INSERT", "secret words")
    logging.getLogger("bot.core").debug("event=own.step")
    out = stream.getvalue()
    assert "secret words" not in out
    assert "event=own.step" in out


_PAIR = re.compile(r'([A-Za-z_][\w.]*)=("(?:[^"\\]|\\.)*"|\S*)')


def _logfmt(line: str) -> dict[str, str]:
    """A log line read the way Loki's or Vector's logfmt parser reads it."""
    return {key: json.loads(value) if value.startswith('"') else value
            for key, value in _PAIR.findall(line)}


def test_event_values_with_blanks_or_quotes_are_quoted_so_a_logfmt_parser_reads_them_whole() -> None:
    stream = io.StringIO()
    setup_logging("INFO", secrets=["my-vk-secret-token"], stream=stream)
    log = logging.getLogger("modbot.test")
    log.error("event=outbox.delivery_error item=%s error=%s attempt=%d in=%.1fs", 17,
              'the database is unreachable: "db" refused my-vk-secret-token', 3, 2.5)
    log.warning("event=faq.file_invalid community=%s problems=%s", "byte", "")
    log.info("a message without an event, \"quoted\"")
    first, second, third = stream.getvalue().splitlines()
    assert _logfmt(first)["error"] == 'the database is unreachable: "db" refused ***'
    assert _logfmt(first)["item"] == "17" and _logfmt(first)["attempt"] == "3"
    assert _logfmt(first)["in"] == "2.5s" and _logfmt(first)["event"] == "outbox.delivery_error"
    assert "database" not in _logfmt(first), first
    assert _logfmt(second)["problems"] == "" and _logfmt(second)["community"] == "byte"
    assert _logfmt(third)["msg"] == 'a message without an event, "quoted"'
