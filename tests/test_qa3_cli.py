"""QA round 3 for the command line: `check-config --online`, log levels, `modbot queue`.

Everything goes through `bot.cli.main`, the `modbot` entry point; problems are one line
each, without a traceback and without a token.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from vk_emulator.server import VkEmulator

from bot.cli import main

TG_TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def telegram_config(api_base: str) -> str:
    return f"""
[telegram]
token = "{TG_TOKEN}"
api_base = "{api_base}"

[[community]]
name = "one"
chats = ["telegram:-1001"]
"""


def vk_config(api_base: str, token: str = "vk-test-token", group_id: int = 42) -> str:
    return f"""
[vk]
token = "{token}"
group_id = {group_id}
api_base = "{api_base}"

[[community]]
name = "one"
chats = ["vk:2000000001"]
"""


@pytest.fixture
async def vk_emulator() -> AsyncIterator[VkEmulator]:
    emulator = await VkEmulator().start()
    yield emulator
    await emulator.close()


async def run_main(argv: list[str]) -> int:
    """`main` runs its own event loop, so it goes to a thread while the emulator serves."""
    return await asyncio.to_thread(main, argv)


def test_an_unreachable_bot_api_is_one_line_and_exit_1(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    api_base = f"http://127.0.0.1:{_closed_port()}"
    path = write_config(telegram_config(api_base))
    assert main(["check-config", str(path), "--online"]) == 1
    captured = capsys.readouterr()
    online = captured.out.splitlines()[-1]
    assert online.startswith(f"telegram: {api_base}: cannot reach the Bot API: ")
    assert "every configured" not in captured.out
    for stream in (captured.out, captured.err):
        assert "Traceback" not in stream and TG_TOKEN not in stream
        assert "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw" not in stream


def test_an_unreachable_vk_api_is_one_line_and_exit_1(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    api_base = f"http://127.0.0.1:{_closed_port()}/method/"
    path = write_config(vk_config(api_base, token="vk1.a.secret-community-token-value"))
    assert main(["check-config", str(path), "--online"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == f"vk: {api_base}: cannot reach VK (ConnectionError)"
    assert "rights the bot needs" not in captured.out
    assert "secret-community-token" not in captured.out + captured.err
    assert "Traceback" not in captured.err


async def test_a_vk_only_config_is_checked_online_and_says_what_is_not(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        vk_emulator: VkEmulator) -> None:
    path = write_config(vk_config(vk_emulator.api_base))
    assert await run_main(["check-config", str(path), "--online"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == ("online: VK accepts the community token and group_id; "
                                    "rights inside VK chats are not checked online")
    assert "every configured" not in out
    assert [c.method for c in vk_emulator.calls] == ["groups.getLongPollServer"]


async def test_a_rejected_vk_token_is_reported_without_the_token(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        vk_emulator: VkEmulator) -> None:
    path = write_config(vk_config(vk_emulator.api_base, token="wrong-token-value"))
    assert await run_main(["check-config", str(path), "--online"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1] == (
        f"vk: {vk_emulator.api_base}: the community token was rejected (revoked or mistyped; "
        "see vk.token)")
    assert "wrong-token-value" not in captured.out + captured.err


async def test_a_vk_group_id_the_token_does_not_manage_is_reported(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        vk_emulator: VkEmulator) -> None:
    path = write_config(vk_config(vk_emulator.api_base, group_id=7))
    assert await run_main(["check-config", str(path), "--online"]) == 1
    assert capsys.readouterr().out.splitlines()[-1].startswith(
        f"vk: {vk_emulator.api_base}: group 7 does not answer to this token")


@pytest.mark.parametrize("flag", [True, False])
def test_an_unknown_log_level_is_one_line_and_exit_2(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch, flag: bool) -> None:
    path = write_config(telegram_config("https://api.telegram.org"))
    if flag:
        monkeypatch.delenv("MODBOT_LOG_LEVEL", raising=False)
        argv = ["--log-level", "bogus", "check-config", str(path)]
        source = "--log-level"
    else:
        monkeypatch.setenv("MODBOT_LOG_LEVEL", "bogus")
        argv = ["check-config", str(path)]
        source = "MODBOT_LOG_LEVEL"
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"modbot: unknown log level 'bogus' ({source}); "
                            "use one of DEBUG, INFO, WARNING, ERROR\n")


def test_a_lower_case_log_level_is_accepted(
        write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MODBOT_LOG_LEVEL", raising=False)
    path = write_config(telegram_config("https://api.telegram.org"))
    assert main(["--log-level", "warning", "check-config", str(path)]) == 0


def test_queue_needs_no_community_when_there_is_one(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config('[database]\nurl = "sqlite+aiosqlite:///modbot.db"\n'
                        + telegram_config("https://api.telegram.org"))
    assert main(["queue", "--config", str(path)]) == 0
    assert capsys.readouterr().out == "0 ticket(s)\n"


def test_queue_asks_for_a_community_when_there_are_several(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    text = telegram_config("https://api.telegram.org") + \
        '\n[[community]]\nname = "two"\nchats = ["telegram:-1002"]\n'
    path = write_config(text)
    assert main(["queue", "--config", str(path)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"{path}: several communities (one, two); choose one with --community NAME")
