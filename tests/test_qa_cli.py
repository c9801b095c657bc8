"""QA regressions for the owner's command-line tools."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.core.clock import FakeClock
from bot.features.moderation import audit_command

CONFIG = """
[telegram]
token = "abc"

[[community]]
name = "one"
timezone = "Europe/Moscow"
chats = ["telegram:-1001"]
"""


async def test_audit_with_no_records_says_so_on_stderr_only(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    args = argparse.Namespace(config=str(write_config(CONFIG)), community="one", since="7d")
    clock = FakeClock(datetime(2026, 3, 9, 9, 0, tzinfo=UTC))
    assert await audit_command(args, clock=clock) == 0
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == "no audit records in one since 2026-03-02 12:00 MSK\n"
