"""QA regressions for the owner's command-line tools."""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from helpers_faq import write_faq_config

from bot.cli import main, summary
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.moderation import audit_command

ROOT = Path(__file__).parent.parent
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


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_an_unreachable_database_is_one_line_not_a_traceback(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("asyncpg")
    url = f"postgresql+asyncpg://owner@127.0.0.1:{_closed_port()}/modbot"
    path = write_config(f'[database]\nurl = "{url}"\n' + CONFIG)
    assert main(["queue", "--community", "one", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"cannot use the database (database.url in {path}): ")
    assert len(err.splitlines()) == 1 and "Traceback" not in err


def test_faq_export_to_an_unwritable_path_is_one_line_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_faq_config(tmp_path)
    target = tmp_path / "no" / "such" / "dir" / "faq.toml"
    assert main(["faq", "export", str(target), "--config", str(config)]) == 1
    assert capsys.readouterr().err.splitlines()[-1] == \
        f"{target}: cannot write: No such file or directory"


def test_check_text_into_a_closed_pipe_ends_quietly() -> None:
    """`modbot check-text < big.jsonl | head -1`: no traceback when the reader leaves."""
    lines = "".join(json.dumps({"id": i, "text": "hello there"}) + "\n" for i in range(50_000))
    proc = subprocess.Popen([sys.executable, "-m", "bot", "check-text"], cwd=ROOT,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
    writer = threading.Thread(target=_feed, args=(proc.stdin, lines))
    writer.start()
    assert json.loads(proc.stdout.readline())["id"] == 0
    proc.stdout.close()
    writer.join(timeout=60)
    assert proc.wait(timeout=60) == 1
    assert proc.stderr.read() == ""


def _feed(stdin: Any, text: str) -> None:
    try:
        stdin.write(text)
        stdin.close()
    except BrokenPipeError:
        pass


def test_check_text_with_a_community_but_no_config_is_refused(
        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check-text", "--community", "demo"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ("--community needs --config FILE: the community's filter settings "
                            "are read from it\n")


def test_check_config_notes_a_one_off_post_that_is_already_past(
        write_config: Callable[[str], Path]) -> None:
    path = write_config(CONFIG + """
[[community.schedule]]
at = "2026-03-01 10:00"
text = "gone"

[[community.schedule]]
at = "2026-03-09 11:30"
text = "within the grace hour, still goes out"

[[community.schedule]]
cron = "0 10 * * MON"
text = "weekly"
""")
    now = datetime(2026, 3, 9, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    lines = summary(load_config(path), now=now).splitlines()
    notes = [line for line in lines if line.startswith("note:") and ".schedule" in line]
    assert notes == ["note: community[0].schedule[0].at: 2026-03-01 10:00 is in the past, "
                     "so this post will not be published"]
    assert lines[0] == f"{path.resolve()}: OK"
