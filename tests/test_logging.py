"""Tokens never reach logs: known secrets and token-shaped strings are scrubbed."""

from __future__ import annotations

import io
import logging

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
