"""QA round 26: the owner's operations day — the person who installs and runs modbot.

A config written by hand with the usual mistakes, `check-config` and `modbot run` on it,
stopping and restarting `modbot run` against the Bot API emulator, two instances on one
SQLite file, databases the program did not expect, and the maintenance tools on a fresh
database. Everything goes through the real command line (`python -m bot`, the `modbot`
entry point) or its `main` function.

A failing test is a finding (see /tmp/s6/qa26_findings.md); a passing one stays as a
regression test.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import forked_modbot
import pytest
from tg_emulator import TelegramEmulator
from tg_emulator.harness import ADMIN, GROUP, QUEUE

from bot.cli import main

ROOT = Path(__file__).parent.parent
TIMEOUT = 120
SECRET = "987654:QA26-owner-secret-token-ZZZZZZZZZZ"
SECRET_TAIL = SECRET.split(":", 1)[1]
MEMBER = 4242


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MODBOT_TELEGRAM_TOKEN", "MODBOT_VK_TOKEN", "MODBOT_LOG_LEVEL")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), str(ROOT / "tests"),
                                         env.get("PYTHONPATH", "")])
    env.update(extra)
    return env


def modbot(*args: str, env: dict[str, str] | None = None,
           cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=cwd, env=env or _env(), timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    code = main(["check-config", str(path)])
    captured = capsys.readouterr()
    return code, captured.err.splitlines(), captured.out + captured.err


GOOD_HEAD = """
[database]
url = "sqlite+aiosqlite:///modbot.db"

[telegram]
token = "123456:LITERAL-token-abcdef"
"""


# --- a config written by hand -------------------------------------------------------------

def test_a_toml_syntax_error_mid_file_names_the_line(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(GOOD_HEAD + '\n[[community]]\nname = byte-school\n'
                        'chats = ["telegram:-1001"]\n')
    code, err, _ = check(path, capsys)
    assert code == 1
    assert len(err) == 1 and err[0].startswith(str(path)) and "line 9" in err[0], err


def test_an_unclosed_chat_list_names_the_line_it_was_opened_on(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    """The most common slip: a `]` forgotten at the end of `chats = [...`. The owner needs
    to know where to look; "at end of document" points at nothing."""
    path = write_config(GOOD_HEAD + '\n[[community]]\nname = "a"\n'
                        'chats = ["telegram:-1001", "vk:2000000001"\n')
    code, err, _ = check(path, capsys)
    assert code == 1 and len(err) == 1
    assert "line 10" in err[0], f"no line number an owner can go to: {err[0]}"


@pytest.mark.parametrize("key,value", [("chats", "[-1001234567890]"),
                                       ("queue", "-1009876543210"),
                                       ("moderators", "[111]")])
def test_a_chat_id_typed_as_a_number_is_one_line_naming_the_key(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        key: str, value: str) -> None:
    path = write_config(GOOD_HEAD + '\n[[community]]\nname = "a"\n'
                        + ('chats = ["telegram:-1001"]\n' if key != "chats" else "")
                        + f"{key} = {value}\n")
    code, err, _ = check(path, capsys)
    assert code == 1
    assert len(err) == 1, err
    assert err[0].startswith(f"{path}: community[0].{key}"), err
    assert "telegram:" in err[0] or "string" in err[0], err


@pytest.mark.parametrize("typo,meant", [("moderatros", "moderators"),
                                        ("timzone", "timezone"),
                                        ("chat", "chats")])
def test_an_unknown_key_that_is_a_typo_suggests_the_real_one(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        typo: str, meant: str) -> None:
    body = {"moderatros": 'moderatros = ["telegram:1"]\nchats = ["telegram:-1001"]\n',
            "timzone": 'timzone = "UTC"\nchats = ["telegram:-1001"]\n',
            "chat": 'chats = ["telegram:-1001"]\nchat = "telegram:-1002"\n'}[typo]
    path = write_config(GOOD_HEAD + '\n[[community]]\nname = "a"\n' + body)
    code, err, _ = check(path, capsys)
    assert code == 1
    line = next(line for line in err if f"community[0].{typo}" in line)
    assert meant in line.split(f"community[0].{typo}", 1)[1], \
        f"unknown key without the nearest real key suggested: {line!r}"


def test_a_misspelt_section_header_suggests_the_real_one(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(GOOD_HEAD + '\n[[comunity]]\nname = "a"\nchats = ["telegram:-1001"]\n')
    code, err, _ = check(path, capsys)
    assert code == 1
    line = next(line for line in err if "comunity" in line)
    assert "community" in line.replace("comunity", ""), line


def test_a_timezone_typo_is_named_with_the_key(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    path = write_config(GOOD_HEAD + '\n[[community]]\nname = "a"\ntimezone = "Europe/Moscou"\n'
                        'chats = ["telegram:-1001"]\n')
    code, err, _ = check(path, capsys)
    assert code == 1
    assert err == [f"{path}: community[0].timezone: unknown timezone 'Europe/Moscou'; "
                   "use an IANA name like Europe/Moscow"]


def test_a_faq_file_that_is_missing_or_not_toml_is_named(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('[[faq]]\nid = "x\n', encoding="utf-8")
    path = write_config(GOOD_HEAD + textwrap.dedent("""
        [[community]]
        name = "a"
        faq = "missing.toml"
        chats = ["telegram:-1001"]

        [[community]]
        name = "b"
        faq = "broken.toml"
        chats = ["telegram:-1002"]
        """))
    code, err, _ = check(path, capsys)
    assert code == 1
    assert len(err) == 2, err
    assert err[0].startswith(f"{path}: community[0].faq: ") and "missing.toml" in err[0]
    assert err[1].startswith(f"{path}: community[1].faq: ") and "broken.toml" in err[1]
    assert "line 2" in err[1], err[1]


def test_check_config_lists_every_problem_at_once_including_cross_community_ones(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One run, every mistake: an unset ${VAR}, a timezone typo, a bare-number duration,
    a typo'd key, the same chat in two communities, a queue that is another community's
    chat. An owner fixing one line at a time and re-running to discover the next is the
    thing `check-config` exists to avoid."""
    monkeypatch.delenv("MODBOT_TELEGRAM_TOKEN", raising=False)
    path = write_config("""
        [telegram]
        token = "${MODBOT_TELEGRAM_TOKEN}"

        [[community]]
        name = "a"
        timezone = "Europe/Moscou"
        schedule_grace = "10"
        moderatros = []
        chats = ["telegram:-1001"]
        queue = "telegram:-1003"

        [[community]]
        name = "b"
        chats = ["telegram:-1001", "telegram:-1003"]
        """)
    code, err, _ = check(path, capsys)
    assert code == 1
    keys = {line.split(": ")[1] for line in err}
    expected = {"telegram.token", "community[0].timezone", "community[0].schedule_grace",
                "community[0].moderatros", "community[1].chats[0]", "community[0].queue"}
    missing = expected - keys
    assert not missing, f"problems not reported until others are fixed: {sorted(missing)}; " \
        f"got: {err}"


def test_the_same_chat_in_two_communities_is_reported_even_with_an_unset_variable(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The usual first check-config: written on a laptop where the token is not exported."""
    monkeypatch.delenv("MODBOT_TELEGRAM_TOKEN", raising=False)
    path = write_config("""
        [telegram]
        token = "${MODBOT_TELEGRAM_TOKEN}"

        [[community]]
        name = "a"
        chats = ["telegram:-1001"]

        [[community]]
        name = "b"
        chats = ["telegram:-1001"]
        """)
    code, err, _ = check(path, capsys)
    assert code == 1
    assert f"{path}: telegram.token: environment variable MODBOT_TELEGRAM_TOKEN is not set" in err
    assert any("community[1].chats[0]" in line and "community[0]" in line for line in err), err


@pytest.mark.parametrize("token_line", [
    'token = 123456789',
    'token = ["987654:QA26-owner-secret-token-ZZZZZZZZZZ"]',
    'token = "987654:QA26-owner-secret-token-ZZZZZZZZZZ"\n'
    'tokne = "987654:QA26-owner-secret-token-ZZZZZZZZZZ"',
    'token = "987654:QA26-owner-secret-token-ZZZZZZZZZZ"\nmode = "webhok"',
])
def test_a_mistake_near_the_token_never_prints_it(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str],
        token_line: str) -> None:
    path = write_config(f'[telegram]\n{token_line}\n\n[[community]]\nname = "a"\n'
                        'chats = ["telegram:-1001"]\n')
    code, err, text = check(path, capsys)
    assert code == 1 and err
    assert SECRET_TAIL not in text and "123456789" not in text, text
    assert all(line.startswith(f"{path}: telegram.") for line in err), err


def test_a_type_error_is_worded_for_the_owner_not_in_pydantic_speak(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    """README: errors "name the file, the key and what is wrong". `Input should be a valid
    string` is the validation library talking: the owner wrote a number where quotes are
    needed."""
    path = write_config('[telegram]\ntoken = 123456789\n\n[[community]]\nname = "a"\n'
                        'chats = ["telegram:-1001"]\n')
    _, err, _ = check(path, capsys)
    assert "Input should be" not in err[0], err[0]


# --- modbot run on a bad config -------------------------------------------------------------

def test_modbot_run_refuses_a_bad_config_with_the_check_config_lines(tmp_path: Path) -> None:
    (tmp_path / "faq.toml").write_text("not toml at all [\n", encoding="utf-8")
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [telegram]
        token = "{SECRET}"
        poll_timeout = "25"

        [[community]]
        name = "a"
        faq = "faq.toml"
        timezone = "Europe/Moscou"
        chats = ["telegram:-1001"]
        queue = "telegram:-1001"
        """), encoding="utf-8")
    checked = modbot("check-config", str(config))
    ran = modbot("run", "--config", str(config))
    assert checked.returncode == 1 and ran.returncode == 1
    assert ran.stderr == checked.stderr, (ran.stderr, checked.stderr)
    assert len(ran.stderr.splitlines()) >= 3
    assert "Traceback" not in ran.stderr
    assert SECRET_TAIL not in ran.stdout + ran.stderr
    assert not (tmp_path / "modbot.db").exists(), "a refused start still created the database"


# --- the command line itself ------------------------------------------------------------------

def test_modbot_without_arguments_and_an_unknown_subcommand_are_usage_errors() -> None:
    bare = modbot()
    bogus = modbot("strat", "--config", "x.toml")
    assert bare.returncode == 2 and bogus.returncode == 2
    assert bogus.stderr.startswith("usage: modbot")
    assert "invalid choice: 'strat'" in bogus.stderr
    assert "Traceback" not in bare.stderr + bogus.stderr


@pytest.mark.parametrize("group", ["db", "schedule", "faq"])
def test_a_command_group_without_its_subcommand_lists_the_choices(group: str) -> None:
    """`modbot db` alone: the owner should learn that `upgrade` exists, not an internal
    argument name such as `db_command`."""
    result = modbot(group)
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert "_command" not in last, last
    assert "{" in last or "upgrade" in last or "list" in last or "import" in last, last


@pytest.mark.parametrize("args", [("--help",), ("db", "--help"), ("schedule", "--help"),
                                  ("faq", "--help"), ("check-config", "-h")])
def test_help_of_the_program_and_every_command_group_exits_0(args: tuple[str, ...]) -> None:
    result = modbot(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: modbot")
    assert result.stderr == ""


# --- a fresh database ------------------------------------------------------------------------

@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(textwrap.dedent("""
        [database]
        url = "sqlite+aiosqlite:///fresh.db"

        [telegram]
        token = "123456:LITERAL-token-abcdef"

        [[community]]
        name = "club"
        chats = ["telegram:-1001"]
        """), encoding="utf-8")
    return config


@pytest.mark.parametrize("command", [("audit",), ("faq", "gaps"), ("queue",),
                                     ("schedule", "list"), ("schedule", "export"),
                                     ("faq", "export", "-")])
def test_every_tool_on_a_database_that_does_not_exist_yet_works(
        fresh: Path, command: tuple[str, ...]) -> None:
    result = modbot(*command, "--config", str(fresh))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr


def test_schedule_list_on_an_empty_plan_says_it_is_empty(fresh: Path) -> None:
    """`queue` says "0 ticket(s)", `faq gaps` says "no unanswered questions", `audit` says
    "no audit records"; `schedule list` prints a header with nothing under it."""
    result = modbot("schedule", "list", "--config", str(fresh))
    assert result.returncode == 0
    text = (result.stdout + result.stderr).lower()
    assert "no " in text or "0 " in text or "empty" in text, result.stdout


def _stamp(db: Path, revision: str) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = ?", (revision,))


@pytest.mark.parametrize("command", [("db", "upgrade"), ("audit",), ("run",)])
def test_a_database_from_a_newer_modbot_is_one_clear_line_not_a_traceback(
        fresh: Path, command: tuple[str, ...]) -> None:
    """The owner rolled modbot back a version after an upgrade had migrated the database:
    the revision in the file is one this modbot does not know."""
    assert modbot("db", "upgrade", "--config", str(fresh)).returncode == 0
    _stamp(fresh.parent / "fresh.db", "ffff9999")
    result = modbot(*command, "--config", str(fresh))
    assert result.returncode == 1, result.stderr[-500:]
    assert "Traceback" not in result.stderr, result.stderr[-600:]
    assert "ffff9999" in result.stderr


def test_db_upgrade_on_an_up_to_date_database_changes_nothing(fresh: Path) -> None:
    assert modbot("db", "upgrade", "--config", str(fresh)).returncode == 0
    db = fresh.parent / "fresh.db"
    with sqlite3.connect(db) as conn:
        before = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    again = modbot("db", "upgrade", "--config", str(fresh))
    assert again.returncode == 0, again.stderr
    with sqlite3.connect(db) as conn:
        after = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
    assert before == after


# --- modbot run against the Bot API emulator ---------------------------------------------------

def _run_config(folder: Path, api_base: str, *, level: str = "INFO") -> Path:
    config = folder / "config.toml"
    config.write_text(textwrap.dedent(f"""
        [database]
        url = "sqlite+aiosqlite:///modbot.db"

        [logging]
        level = "{level}"

        [telegram]
        token = "${{MODBOT_TELEGRAM_TOKEN}}"
        api_base = "{api_base}"
        poll_timeout = 1

        [[community]]
        name = "demo"
        language = "en"
        timezone = "UTC"
        chats = ["telegram:{GROUP}"]
        queue = "telegram:{QUEUE}"
        """), encoding="utf-8")
    return config


class Run:
    """One `modbot run` process, logging to a file (a pipe nobody reads would block it)."""

    def __init__(self, config: Path, name: str, *args: str) -> None:
        self.log_path = config.parent / f"{name}.log"
        self.config = config
        self.args = args
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> Run:
        self._log = self.log_path.open("wb")
        self.proc = await forked_modbot.spawn(
            *self.args, "run", "--config", str(self.config),
            env=_env(MODBOT_TELEGRAM_TOKEN=SECRET), stdout=self._log, stderr=self._log,
            cwd=str(self.config.parent))
        return self

    async def stop(self, sig: int = signal.SIGTERM) -> tuple[int, float]:
        assert self.proc is not None
        started = time.monotonic()
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
        try:
            code = await asyncio.wait_for(self.proc.wait(), 60)
        finally:
            if self.proc.returncode is None:
                self.proc.kill()
                await self.proc.wait()
            self._log.close()
        return code, time.monotonic() - started

    def kill(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.kill()

    @property
    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


async def _up(emu: TelegramEmulator, bot: Run, polls: int = 1) -> None:
    """The process is polling: it asked for updates (after start-up, rights check, warm-up)."""
    before = emu.request_counts.get("getUpdates", 0)
    await emu.wait_for(lambda: emu.request_counts.get("getUpdates", 0) >= before + polls
                       or (bot.proc is not None and bot.proc.returncode is not None),
                       timeout=90, what="getUpdates from modbot run")
    assert bot.proc is not None and bot.proc.returncode is None, bot.log[-2000:]


def _replies(emu: TelegramEmulator, message_id: int) -> list[dict[str, Any]]:
    return [m for m in emu.sent_messages(GROUP)
            if (m.get("reply_to_message") or {}).get("message_id") == message_id]


@pytest.fixture
async def tg() -> Any:
    async with TelegramEmulator(SECRET) as emulator:
        emulator.group(GROUP, title="Club", admins=(ADMIN,))
        emulator.group(QUEUE, title="Mods", admins=(ADMIN,))
        yield emulator


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_modbot_run_cleanly_within_seconds_with_exit_0(
        tg: TelegramEmulator, tmp_path: Path, sig: int) -> None:
    bot = await Run(_run_config(tmp_path, tg.api_base), "run").start()
    try:
        await _up(tg, bot)
        asked = tg.user_message(GROUP, MEMBER, "/help")
        await tg.wait_for(lambda: _replies(tg, asked["message_id"]), timeout=30,
                          what="the /help answer")
    finally:
        code, took = await bot.stop(sig)
    log = bot.log
    assert code == 0, log[-1500:]
    assert took < 10, f"took {took:.1f}s to stop"
    assert "event=bot.stop" in log.splitlines()[-1] or "event=bot.stop" in log, log[-1500:]
    assert "Traceback" not in log, log[-2500:]


async def test_a_reply_that_could_not_be_sent_before_sigterm_goes_out_after_restart(
        tg: TelegramEmulator, tmp_path: Path) -> None:
    """Telegram answered 500 to every send while the owner restarted the bot (a deploy):
    the member's answer must still arrive, once."""
    config = _run_config(tmp_path, tg.api_base)
    tg.fail_next("sendMessage", times=100000, status=500, description="Internal Server Error")
    first = await Run(config, "first").start()
    try:
        await _up(tg, first)
        asked = tg.user_message(GROUP, MEMBER, "/help")
        await tg.wait_for(lambda: tg.calls_of("sendMessage", ok=False), timeout=30,
                          what="a failed send")
    finally:
        code, took = await first.stop()
    assert code == 0 and took < 10, (code, took, first.log[-1500:])
    assert not _replies(tg, asked["message_id"])
    tg.faults.clear()
    second = await Run(config, "second").start()
    try:
        await _up(tg, second)
        await tg.wait_for(lambda: _replies(tg, asked["message_id"]), timeout=45,
                          what="the answer held over from before the restart")
        later = tg.user_message(GROUP, MEMBER + 1, "/help")
        await tg.wait_for(lambda: _replies(tg, later["message_id"]), timeout=30)
    finally:
        await second.stop()
    assert len(_replies(tg, asked["message_id"])) == 1


async def test_two_modbot_runs_on_one_sqlite_file_coexist_and_answer_once(
        tg: TelegramEmulator, tmp_path: Path) -> None:
    """The owner starts a second `modbot run` by mistake (a forgotten tmux pane, a systemd
    unit plus a manual run). README: both run, one polls, the other waits."""
    config = _run_config(tmp_path, tg.api_base)
    first = await Run(config, "first").start()
    second = Run(config, "second")
    try:
        await _up(tg, first)
        await second.start()
        # The second is up once it has found the polling lease taken; it must not have died.
        deadline = time.monotonic() + 90
        while "event=telegram.lease_busy" not in second.log:
            assert second.proc is not None and second.proc.returncode is None, second.log[-2000:]
            assert time.monotonic() < deadline, second.log[-2000:]
            await asyncio.sleep(0.2)  # polling a log file: no emulator event to wait on
        asked = [tg.user_message(GROUP, MEMBER + i, "/help") for i in range(3)]
        await tg.wait_for(lambda: all(_replies(tg, a["message_id"]) for a in asked),
                          timeout=30, what="answers while two instances run")
        last = tg.user_message(GROUP, MEMBER + 9, "/help")
        await tg.wait_for(lambda: _replies(tg, last["message_id"]), timeout=30)
        assert second.proc is not None and second.proc.returncode is None, second.log[-2000:]
        assert first.proc is not None and first.proc.returncode is None, first.log[-2000:]
    finally:
        code_first, _ = await first.stop()
        code_second, _ = await second.stop() if second.proc is not None else (0, 0.0)
    assert [len(_replies(tg, a["message_id"])) for a in asked] == [1, 1, 1]
    assert (code_first, code_second) == (0, 0), (first.log[-1500:], second.log[-1500:])
    assert "event=telegram.lease_busy" in second.log, "the second instance did not wait"


async def test_debug_run_never_logs_a_member_message_text_at_info_or_the_token(
        tg: TelegramEmulator, tmp_path: Path) -> None:
    """`--log-level debug` is how an owner looks closer; the INFO lines are what ends up in
    journald for months. A member's words (here: a phone number) belong in neither the INFO
    lines nor anywhere near the token."""
    private = "can someone call me at 89161234567 about my order please?"
    bot = await Run(_run_config(tmp_path, tg.api_base), "debug", "--log-level", "debug").start()
    try:
        await _up(tg, bot)
        asked = tg.user_message(GROUP, MEMBER, private)
        ping = tg.user_message(GROUP, MEMBER, "/help")
        await tg.wait_for(lambda: _replies(tg, ping["message_id"]), timeout=30)
        assert asked
    finally:
        await bot.stop()
    log = bot.log
    assert "level=debug" in log, "--log-level debug did not switch DEBUG on"
    assert SECRET_TAIL not in log
    info = [line for line in log.splitlines()
            if "level=info" in line or "level=warning" in line]
    leaking = [line for line in info if "89161234567" in line]
    assert not leaking, "a member's message text at INFO:\n" + "\n".join(leaking[:3])


async def test_run_upgrades_a_database_left_at_no_revision_and_then_serves(
        tg: TelegramEmulator, tmp_path: Path) -> None:
    """A database file that exists but is empty (created by `touch`, or by a tool that
    opened the path first) is migrated on start, not refused."""
    config = _run_config(tmp_path, tg.api_base)
    sqlite3.connect(tmp_path / "modbot.db").close()
    bot = await Run(config, "run").start()
    try:
        await _up(tg, bot)
        asked = tg.user_message(GROUP, MEMBER, "/help")
        await tg.wait_for(lambda: _replies(tg, asked["message_id"]), timeout=30)
    finally:
        code, _ = await bot.stop()
    assert code == 0
    with sqlite3.connect(tmp_path / "modbot.db") as conn:
        (revision,) = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    assert revision


def test_check_config_flags_a_database_folder_that_does_not_exist(
        write_config: Callable[[str], Path], capsys: pytest.CaptureFixture[str]) -> None:
    """`check-config` says OK, then `modbot run` says "unable to open database file": the
    folder of a relative SQLite URL is a path like the FAQ's and can be checked."""
    path = write_config('[database]\nurl = "sqlite+aiosqlite:///data/modbot.db"\n'
                        '[[community]]\nname = "a"\nchats = ["console:chat"]\n')
    code, err, text = check(path, capsys)
    assert code == 1, text
    assert any("database.url" in line for line in err), err


async def test_sigterm_while_telegram_asks_to_wait_a_minute_still_stops_within_seconds(
        tg: TelegramEmulator, tmp_path: Path) -> None:
    """systemd gives a unit 90 s before SIGKILL, a deploy script often 10 s. A 429 with
    retry_after=60 on a reply must not hold the process for that minute: the reply is in
    the outbox and goes out after the restart."""
    config = _run_config(tmp_path, tg.api_base)
    tg.fail_next("sendMessage", times=100000, status=429, retry_after=60)
    bot = await Run(config, "run").start()
    try:
        await _up(tg, bot)
        asked = tg.user_message(GROUP, MEMBER, "/help")
        await tg.wait_for(lambda: tg.calls_of("sendMessage", ok=False), timeout=30,
                          what="a rate-limited send")
    finally:
        code, took = await bot.stop()
    assert code == 0, bot.log[-1500:]
    assert took < 10, f"SIGTERM took {took:.1f}s to stop the bot (retry_after=60)"
    assert not _replies(tg, asked["message_id"])


async def test_sigterm_while_the_bot_api_is_unreachable_stops_within_seconds(
        tmp_path: Path) -> None:
    """The network is down (api_base refuses connections) and the owner stops the bot."""
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot = await Run(_run_config(tmp_path, f"http://127.0.0.1:{port}"), "run").start()
    try:
        deadline = time.monotonic() + 90
        while "event=bot.start" not in bot.log:
            assert bot.proc is not None and bot.proc.returncode is None, bot.log[-2000:]
            assert time.monotonic() < deadline, bot.log[-2000:]
            await asyncio.sleep(0.2)  # polling a log file: no emulator event to wait on
    finally:
        code, took = await bot.stop()
    assert (code, took < 10) == (0, True), (code, took, bot.log[-1500:])
    assert "Traceback" not in bot.log, bot.log[-2500:]
    assert SECRET_TAIL not in bot.log


# --- a config saved by a Windows editor, a token pasted with its line ending ------------------

def test_a_config_saved_in_a_legacy_encoding_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    """Notepad on a Russian Windows saves cp1251: the FAQ file gets a clean "not UTF-8 text"
    line for this; the config file itself should too."""
    config = tmp_path / "config.toml"
    config.write_bytes('[telegram]\ntoken = "123456:LITERAL-token"\n\n[[community]]\n'
                       'name = "Школа"\nchats = ["telegram:-1001"]\n'.encode("cp1251"))
    result = modbot("check-config", str(config))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr, result.stderr[-400:]
    assert result.stderr.startswith(str(config)) and "UTF-8" in result.stderr, result.stderr


def test_a_config_saved_with_a_byte_order_mark_is_read_or_the_mark_is_named(
        tmp_path: Path) -> None:
    """Notepad's "UTF-8" adds an invisible BOM. "Invalid statement (at line 1, column 1)"
    on a line that looks perfect sends the owner hunting; accept it or say what it is."""
    config = tmp_path / "config.toml"
    config.write_bytes(b"\xef\xbb\xbf" + b'[telegram]\ntoken = "123456:LITERAL-token"\n\n'
                       b'[[community]]\nname = "a"\nchats = ["telegram:-1001"]\n')
    result = modbot("check-config", str(config))
    if result.returncode != 0:
        assert "BOM" in result.stderr or "byte order mark" in result.stderr.lower(), \
            result.stderr


@pytest.mark.parametrize("ending", ["\r", "\n", " "])
def test_a_token_pasted_with_a_line_ending_is_trimmed_or_named(
        write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch,
        ending: str) -> None:
    """An env file written on Windows (CRLF) or `echo token > file` leaves a line ending in
    ${MODBOT_TELEGRAM_TOKEN}; the bot then fails at run time with an Unauthorized / bad URL
    far from the cause. check-config should catch it (naming telegram.token, never the
    token) or the loader should trim it."""
    from bot.config import ConfigError, load_config

    monkeypatch.setenv("MODBOT_TELEGRAM_TOKEN", SECRET + ending)
    path = write_config('[telegram]\ntoken = "${MODBOT_TELEGRAM_TOKEN}"\n\n[[community]]\n'
                        'name = "a"\nchats = ["telegram:-1001"]\n')
    try:
        loaded = load_config(path)
    except ConfigError as exc:
        text = "\n".join(exc.problems)
        assert "telegram.token" in text and SECRET_TAIL not in text, text
        return
    assert loaded.app.telegram is not None
    assert loaded.app.telegram.token.get_secret_value() == SECRET, \
        "the token is used with its trailing whitespace"


async def test_an_faq_file_broken_while_running_keeps_the_last_good_faq(
        tg: TelegramEmulator, tmp_path: Path) -> None:
    """The owner edits the FAQ file on the server and leaves a quote open: the bot must
    go on answering from the last good file, and say in the log which file is broken."""
    faq = tmp_path / "faq.toml"
    faq.write_text((ROOT / "bot" / "demo" / "faq.toml").read_text(encoding="utf-8"),
                   encoding="utf-8")
    config = _run_config(tmp_path, tg.api_base)
    config.write_text(config.read_text(encoding="utf-8").replace(
        'name = "demo"', 'name = "demo"\nfaq = "faq.toml"'), encoding="utf-8")
    bot = await Run(config, "run").start()
    try:
        await _up(tg, bot)
        first = tg.user_message(GROUP, MEMBER, "When are you open?")
        await tg.wait_for(lambda: _replies(tg, first["message_id"]), timeout=30,
                          what="an FAQ answer")
        faq.write_text('[[faq]]\nid = "hours\nanswer = "oops"\n', encoding="utf-8")
        deadline = time.monotonic() + 30
        while "event=faq.file_invalid" not in bot.log:
            assert time.monotonic() < deadline, bot.log[-1500:]
            assert bot.proc is not None and bot.proc.returncode is None, bot.log[-2000:]
            await asyncio.sleep(0.2)  # polling a log file: no emulator event to wait on
        second = tg.user_message(GROUP, MEMBER + 1, "How can I pay?")
        await tg.wait_for(lambda: _replies(tg, second["message_id"]), timeout=30,
                          what="an FAQ answer after the file broke")
    finally:
        code, _ = await bot.stop()
    assert code == 0
    line = next(x for x in bot.log.splitlines() if "event=faq.file_invalid" in x)
    assert "faq.toml" in line and "line" in line, line
