"""The console demo runs non-interactively, so scripts (and this test) can drive it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def demo(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", "demo"], input=script, text=True,
                          capture_output=True, cwd=ROOT, timeout=120)


def test_demo_greets_and_exits_zero() -> None:
    result = demo("hello\n")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("modbot here.")
    assert "Alice: hello" in result.stdout


def test_demo_roles_switch_and_help_differs() -> None:
    result = demo("/help\n/as mod\n/help\n/quit\nnever read\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Commands: /faq" in out
    assert "Moderator commands:" in out
    assert "never read" not in out
