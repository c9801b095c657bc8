"""QA round 14: what README.md, docs/DESIGN.md and config.example.toml promise, checked against
the real program (`python -m bot …` as a subprocess, or the same code in-process).

A failing test is a finding (see /tmp/qa14.md); a passing one stays as a regression test.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
import tomllib
import typing
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pydantic
import pytest

from bot.config import AppConfig, load_config

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
DESIGN = (ROOT / "docs" / "DESIGN.md").read_text(encoding="utf-8")
EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")
DEMO_FAQ = ROOT / "bot" / "demo" / "faq.toml"
TIMEOUT = 120


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("MODBOT_TELEGRAM_TOKEN", "MODBOT_VK_TOKEN", "MODBOT_LOG_LEVEL")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def modbot(*args: str, stdin: str | bytes = b"", env: dict[str, str] | None = None,
           ) -> subprocess.CompletedProcess[bytes]:
    data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
    return subprocess.run([sys.executable, "-m", "bot", *args], input=data, capture_output=True,
                          cwd=ROOT, env=env or _env(), timeout=TIMEOUT)


def out_lines(result: subprocess.CompletedProcess[bytes]) -> list[str]:
    return result.stdout.decode("utf-8").splitlines()


def err_text(result: subprocess.CompletedProcess[bytes]) -> str:
    return result.stderr.decode("utf-8", errors="replace")


class LinePipe:
    """A line tool driven like a co-process: write one line, read its answer, write the next.

    If the tool buffered its output (or read ahead on stdin) the answer would never come and
    `ask` would time out — that is the "flush each line" promise.
    """

    def __init__(self, *args: str) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "bot", *args], cwd=ROOT, env=_env(),
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in iter(self.proc.stdout.readline, b""):
            self.lines.put(line)
        self.lines.put(b"")

    def send(self, raw: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(raw.encode("utf-8"))
        self.proc.stdin.flush()

    def ask(self, raw: str, timeout: float = 60) -> dict[str, Any]:
        self.send(raw)
        try:
            line = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer within {timeout}s to {raw!r}: output not flushed "
                                 "line by line (or input read ahead)") from None
        assert line, f"the tool ended instead of answering {raw!r}"
        return typing.cast(dict[str, Any], json.loads(line))

    def close(self) -> int:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        return self.proc.wait(timeout=TIMEOUT)


@pytest.fixture
def pipe() -> Iterator[Callable[..., LinePipe]]:
    made: list[LinePipe] = []

    def start(*args: str) -> LinePipe:
        made.append(LinePipe(*args))
        return made[-1]

    yield start
    for item in made:
        if item.proc.poll() is None:
            item.proc.kill()
            item.proc.wait()


def record(id_: Any, text: str) -> str:
    return json.dumps({"id": id_, "text": text}, ensure_ascii=False) + "\n"


# --- the line protocols (DESIGN.md "Command line") -------------------------------------------

def test_check_text_answers_each_line_before_the_next_is_written(
        pipe: Callable[..., LinePipe]) -> None:
    tool = pipe("check-text")
    first = tool.ask(record(1, "привет, как дела?"))
    assert first == {"id": 1, "obscene": False, "matches": []}
    second = tool.ask(record("b", "ну ты х*й 🤬"))
    assert set(second) >= {"id", "obscene", "matches"}
    assert second["id"] == "b" and second["obscene"] is True
    match = second["matches"][0]
    assert {"word", "start", "end"} <= set(match)
    assert isinstance(match["start"], int) and isinstance(match["end"], int)
    bad = tool.ask("{not json\n")
    assert bad["id"] is None and "error" in bad
    third = tool.ask(record(3, "f.u.c.k"))
    assert third["id"] == 3 and third["obscene"] is True
    assert tool.close() == 0


def test_faq_match_answers_each_line_before_the_next_is_written(
        pipe: Callable[..., LinePipe]) -> None:
    tool = pipe("faq-match", "--faq", str(DEMO_FAQ))
    answered = tool.ask(record(1, "When are you open?"), timeout=TIMEOUT)
    assert set(answered) >= {"id", "faq_id", "score"}
    assert answered["id"] == 1 and answered["faq_id"] == "opening-hours"
    assert isinstance(answered["score"], int | float)
    silent = tool.ask(record(2, "what a night!"))
    assert silent["id"] == 2 and silent["faq_id"] is None
    ru = tool.ask(record(3, "Как оплатить заказ?"))
    assert ru["id"] == 3 and ru["faq_id"] == "ru-pay"
    assert tool.close() == 0


@pytest.mark.parametrize("tool", [("check-text",), ("faq-match", "--faq", str(DEMO_FAQ))],
                         ids=["check-text", "faq-match"])
def test_blank_input_lines_are_skipped_and_the_rest_stay_in_order(tool: tuple[str, ...]) -> None:
    """README: a blank line is no input (JSON-lines readers skip them too); every other line
    gets exactly one answer, in order, so pairing by id never drifts."""
    lines = [record(1, "hello?"), "\n", record(3, "fuck"), "   \n", record(5, "ok")]
    result = modbot(*tool, stdin="".join(lines))
    assert result.returncode == 0, err_text(result)
    assert [json.loads(line)["id"] for line in out_lines(result)] == [1, 3, 5]


@pytest.mark.parametrize("tool", [("check-text",), ("faq-match", "--faq", str(DEMO_FAQ))],
                         ids=["check-text", "faq-match"])
def test_ids_of_any_json_type_come_back_unchanged_and_in_order(tool: tuple[str, ...]) -> None:
    ids: list[Any] = [0, "a", None, {"x": [1, "й"]}, 1.5, True, [1, 2], "🦄"]
    result = modbot(*tool, stdin="".join(record(i, "When are you open?") for i in ids))
    assert result.returncode == 0, err_text(result)
    assert [json.loads(line)["id"] for line in out_lines(result)] == ids


@pytest.mark.parametrize("text", [
    "🎉🎉🎉 ну и хуйня", "e\u0301\u0301 fuck", "a\u200bb fúck off", "𝐟𝐮𝐜𝐤 you",
    "line one\r\nfuck", "日本語のテキスト сука",
])
def test_match_offsets_index_the_original_text(text: str) -> None:
    result = modbot("check-text", stdin=record(1, text))
    verdict = json.loads(out_lines(result)[0])
    assert verdict["obscene"] is True
    for match in verdict["matches"]:
        assert 0 <= match["start"] < match["end"] <= len(text)
        assert text[match["start"]:match["end"]].strip() != ""
        if "fragment" in match:
            assert text[match["start"]:match["end"]] == match["fragment"]


@pytest.mark.parametrize("tool", [("check-text",), ("faq-match", "--faq", str(DEMO_FAQ))],
                         ids=["check-text", "faq-match"])
def test_a_very_long_line_and_the_next_are_both_answered(tool: tuple[str, ...]) -> None:
    huge = "word " * 400_000 + "fuck"  # 2 MB on one line
    result = modbot(*tool, stdin=record("big", huge) + record("next", "When are you open?"))
    assert result.returncode == 0, err_text(result)
    out = [json.loads(line) for line in out_lines(result)]
    assert [o["id"] for o in out] == ["big", "next"]
    assert "error" not in out[0]


@pytest.mark.parametrize("tool", [("check-text",), ("faq-match", "--faq", str(DEMO_FAQ))],
                         ids=["check-text", "faq-match"])
def test_bytes_that_are_not_utf8_are_an_error_line_not_a_crash(tool: tuple[str, ...]) -> None:
    data = record(1, "ok").encode() + b'{"id": 2, "text": "\xff\xfe"}\n' + record(3, "ok").encode()
    result = modbot(*tool, stdin=data)
    assert result.returncode == 0, err_text(result)
    out = [json.loads(line) for line in out_lines(result)]
    assert [o.get("id") for o in out][::2] == [1, 3] and len(out) == 3
    assert "Traceback" not in err_text(result)


TWO_COMMUNITIES = """
[telegram]
token = "123456:TEST"

[[community]]
name = "first"
chats = ["telegram:-1001"]

[community.filter]
languages = ["ru"]

[[community]]
name = "second"
chats = ["telegram:-1002"]

[community.filter]
extra_words = ["дурак"]
allowed_words = ["сука"]
"""


def test_check_text_uses_the_chosen_communitys_filter_settings(
        write_config: Callable[[str], Path]) -> None:
    path = str(write_config(TWO_COMMUNITIES))
    lines = record("en", "fuck this") + record("mild", "ты дурак") + record("allowed", "сука")
    first = [json.loads(x) for x in out_lines(modbot("check-text", "--config", path,
                                                     stdin=lines))]
    second = [json.loads(x) for x in out_lines(modbot("check-text", "--config", path,
                                                      "--community", "second", stdin=lines))]
    # no --community: the first community (ru only): English is not its language
    assert [v["obscene"] for v in first] == [False, False, True]
    assert [v["obscene"] for v in second] == [True, True, False]


def test_check_text_with_an_unknown_community_names_the_known_ones(
        write_config: Callable[[str], Path]) -> None:
    path = str(write_config(TWO_COMMUNITIES))
    result = modbot("check-text", "--config", path, "--community", "third", stdin=record(1, "x"))
    assert result.returncode == 1
    assert "third" in err_text(result) and "first, second" in err_text(result)
    assert "Traceback" not in err_text(result)


def test_faq_match_takes_config_and_community_like_check_text(
        write_config: Callable[[str], Path]) -> None:
    """README: faq_id "is set only when the bot would answer" — but the bot answers with the
    community's own answer_threshold and its chat edits, which only the config can say. The
    sibling tool check-text takes --config/--community for exactly this reason."""
    path = write_config(f"""
        [telegram]
        token = "123456:TEST"

        [[community]]
        name = "shop"
        faq = "{DEMO_FAQ}"
        chats = ["telegram:-1001"]

        [community.answers]
        answer_threshold = 0.99
        suggest_threshold = 0.4
    """)
    result = modbot("faq-match", "--config", str(path), "--community", "shop",
                    stdin=record(1, "When are you open?"))
    assert result.returncode == 0, err_text(result)


def test_faq_match_refuses_a_missing_or_broken_faq_in_one_line_each(tmp_path: Path) -> None:
    assert modbot("faq-match").returncode == 2
    missing = modbot("faq-match", "--faq", str(tmp_path / "nope.toml"))
    assert missing.returncode == 1 and str(tmp_path / "nope.toml") in err_text(missing)
    assert len(err_text(missing).splitlines()) == 1
    broken = tmp_path / "broken.toml"
    broken.write_text('[[faq]]\nid = "a"\nlang = "de"\nquestions = ["x"]\nanswer = "y"\n',
                      encoding="utf-8")
    result = modbot("faq-match", "--faq", str(broken))
    assert result.returncode == 1
    assert err_text(result).startswith(f"{broken}: faq[0].lang")


# --- check-config ---------------------------------------------------------------------------

def test_the_example_config_passes_check_config_with_its_variables_set() -> None:
    result = modbot("check-config", "config.example.toml",
                    env=_env(MODBOT_TELEGRAM_TOKEN="1:abc", MODBOT_VK_TOKEN="vk-abc"))
    assert result.returncode == 0, err_text(result)
    out = out_lines(result)
    assert out[0].endswith("config.example.toml: OK")
    assert any(line.startswith("community byte-school (ru, Europe/Moscow)") for line in out)


def test_the_example_config_without_its_variables_names_each_key() -> None:
    result = modbot("check-config", "config.example.toml")
    assert result.returncode == 1 and result.stdout == b""
    assert err_text(result).splitlines() == [
        "config.example.toml: telegram.token: environment variable MODBOT_TELEGRAM_TOKEN "
        "is not set",
        "config.example.toml: vk.token: environment variable MODBOT_VK_TOKEN is not set",
    ]


BROKEN = """
[database]
url = "sqlite+aiosqlite:///x.db"
pool = 5

[logging]
level = "LOUD"

[telegarm]
token = "x"

[vk]
token = "vk-abc"
group_id = "42"

[[community]]
name = "a b"
language = "de"
timezone = "Mars/Olympus"
chats = ["telegram:-1001", "tg:5"]
moderators = ["vk:abc"]
queue = "vk:wall"

[community.answers]
answer_threshold = 1.5
repeat_window = 30

[community.moderation]
notice_ttl = "2 minutes later"
vk_mute_fallback = "mute"
ladder = [{ action = "jail" }]

[community.complaints]
rate_limit = 0
sla = "0m"

[[community.schedule]]
at = "2026-13-01 10:00"
text = "x"
"""


def test_every_check_config_error_names_the_file_the_key_and_the_problem(
        write_config: Callable[[str], Path]) -> None:
    path = write_config(BROKEN)
    result = modbot("check-config", str(path))
    assert result.returncode == 1 and result.stdout == b""
    lines = err_text(result).splitlines()
    shape = re.compile(rf"^{re.escape(str(path))}: "
                       r"(database|logging|telegarm|telegram|vk|community)[\w\[\].]*: \S.+$")
    assert [line for line in lines if not shape.match(line)] == []
    keys = {line.split(": ")[1] for line in lines}
    for key in ("database.pool", "logging.level", "telegarm", "vk.group_id",
                "community[0].name", "community[0].language", "community[0].timezone",
                "community[0].queue", "community[0].answers.answer_threshold",
                "community[0].answers.repeat_window", "community[0].moderation.notice_ttl",
                "community[0].moderation.vk_mute_fallback", "community[0].complaints.rate_limit",
                "community[0].complaints.sla"):
        assert key in keys, (key, lines)
    assert any(k.startswith("community[0].chats") for k in keys)
    assert any(k.startswith("community[0].moderation.ladder") for k in keys)
    assert "Traceback" not in err_text(result)


def test_check_config_on_a_folder_or_a_missing_file_is_one_line_exit_1(tmp_path: Path) -> None:
    for target in (tmp_path, tmp_path / "missing.toml"):
        result = modbot("check-config", str(target))
        assert result.returncode == 1
        assert len(err_text(result).splitlines()) == 1
        assert err_text(result).startswith(f"{target}: ")
    assert modbot("check-config").returncode == 2


# --- configuration reference: defaults ------------------------------------------------------

MINIMAL = """
[telegram]
token = "123456:TEST"

[vk]
token = "vk-abc"
group_id = 1

[[community]]
name = "c"
chats = ["telegram:-1001"]
"""


def test_every_default_in_the_readme_table_is_the_real_default(
        write_config: Callable[[str], Path]) -> None:
    app = load_config(write_config(MINIMAL)).app
    tg, vk, c = app.telegram, app.vk, app.community[0]
    assert tg is not None and vk is not None
    from bot.core.faq.matcher import Thresholds

    actual = {
        "database.url": app.database.url, "logging.level": app.logging.level,
        "telegram.api_base": tg.api_base, "telegram.proxy": tg.proxy, "telegram.mode": tg.mode,
        "telegram.leave_unknown_chats": tg.leave_unknown_chats,
        "vk.leave_unknown_chats": vk.leave_unknown_chats,
        "telegram.poll_timeout": tg.poll_timeout, "telegram.admins_ttl": tg.admins_ttl,
        "vk.user_token": vk.user_token, "vk.api_base": vk.api_base,
        "vk.api_version": vk.api_version, "vk.wall_postponed": vk.wall_postponed,
        "community.language": c.language, "community.timezone": c.timezone,
        "community.faq": c.faq, "community.moderators": c.moderators,
        "community.queue": c.queue, "community.audit": c.audit,
        "community.schedule_grace": c.schedule_grace,
        "filter.enabled": c.filter.enabled, "filter.mode": c.filter.mode,
        "filter.languages": set(c.filter.languages),
        "answers.answer_threshold": Thresholds().answer if c.answers.answer_threshold is None
        else c.answers.answer_threshold,
        "answers.suggest_threshold": Thresholds().suggest if c.answers.suggest_threshold is None
        else c.answers.suggest_threshold,
        "answers.repeat_window": c.answers.repeat_window,
        "moderation.ladder": [(s.action, s.duration) for s in c.moderation.ladder],
        "moderation.warn_expiry": c.moderation.warn_expiry,
        "moderation.vk_mute_fallback": c.moderation.vk_mute_fallback,
        "moderation.notice_ttl": c.moderation.notice_ttl,
        "moderation.refusal_cooldown": c.moderation.refusal_cooldown,
        "moderation.default_mute": c.moderation.default_mute,
        "antiflood": (c.antiflood.enabled, c.antiflood.messages, c.antiflood.window,
                      c.antiflood.mute, c.antiflood.repeats, c.antiflood.repeat_window),
        "complaints": (c.complaints.sla, c.complaints.rate_limit, c.complaints.rate_window),
        "complaints.ack_ttl (config.example.toml)": c.complaints.ack_ttl,
    }
    m, h, d = timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
    documented = {
        "database.url": "sqlite+aiosqlite:///modbot.db", "logging.level": "INFO",
        "telegram.api_base": "https://api.telegram.org", "telegram.proxy": None,
        "telegram.mode": "polling", "telegram.leave_unknown_chats": True,
        "vk.leave_unknown_chats": True, "telegram.poll_timeout": 25, "telegram.admins_ttl": 300,
        "vk.user_token": None, "vk.api_base": "https://api.vk.com/method/",
        "vk.api_version": "5.199", "vk.wall_postponed": False, "community.language": "ru",
        "community.timezone": "UTC", "community.faq": None, "community.moderators": (),
        "community.queue": None, "community.audit": False, "community.schedule_grace": h,
        "filter.enabled": True, "filter.mode": "enforce", "filter.languages": {"ru", "en"},
        "answers.answer_threshold": 0.85, "answers.suggest_threshold": 0.4,
        "answers.repeat_window": 30 * m,
        "moderation.ladder": [("warn", None), ("mute", h), ("mute", d), ("ban", None)],
        "moderation.warn_expiry": 30 * d, "moderation.vk_mute_fallback": "kick",
        "moderation.notice_ttl": 2 * m, "moderation.refusal_cooldown": 10 * m,
        "moderation.default_mute": h,
        "antiflood": (True, 8, timedelta(seconds=10), 10 * m, 3, 2 * m),
        "complaints": (30 * m, 5, h),
        "complaints.ack_ttl (config.example.toml)": m,
    }
    assert actual == documented


def _schema_keys(model: type[pydantic.BaseModel], prefix: str = "") -> Iterator[str]:
    for name, field in model.model_fields.items():
        yield prefix + name
        stack: list[Any] = [field.annotation]
        while stack:
            item = stack.pop()
            if isinstance(item, type) and issubclass(item, pydantic.BaseModel):
                yield from _schema_keys(item, f"{prefix}{name}.")
            else:
                stack.extend(typing.get_args(item))


LEAF_KEYS = sorted({k for k in _schema_keys(AppConfig)
                    if k not in ("database", "logging", "telegram", "vk", "community")
                    and k.count(".") >= 1 and not k.endswith((".filter", ".answers",
                                                              ".moderation", ".antiflood",
                                                              ".complaints", ".schedule"))})


def test_config_example_documents_every_key() -> None:
    """README: "config.example.toml documents every key in comments"."""
    undocumented = [key for key in LEAF_KEYS
                    if not re.search(rf"(^|[\s{{,#])\s*{re.escape(key.split('.')[-1])}\s*=",
                                     EXAMPLE, re.M)]
    assert not undocumented, f"keys config.example.toml never shows: {undocumented}"


def test_the_readme_configuration_table_names_every_key() -> None:
    """The README's "Configuration reference" table is where owners look a key up."""
    table = README.split("## Configuration reference", 1)[1].split("## What it does", 1)[0]
    missing = [key for key in LEAF_KEYS
               if not re.search(rf"[`.]{re.escape(key.split('.')[-1])}[`\s,]", table)]
    assert not missing, f"keys the README table never names: {missing}"


def test_the_example_answer_threshold_is_the_documented_default() -> None:
    """README: the default answer_threshold is 0.85 and lowering it "buys answers with
    mistakes"; the example shows 0.6 next to "(default: the matcher's)", so an owner who
    uncomments it to make the default explicit silently lowers precision."""
    from bot.core.faq.matcher import Thresholds

    shown = re.search(r"#\s*answer_threshold\s*=\s*([0-9.]+)", EXAMPLE)
    assert shown is not None
    assert float(shown.group(1)) == Thresholds().answer == 0.85


@pytest.mark.parametrize("written, expected", [
    ("30s", timedelta(seconds=30)), ("10m", timedelta(minutes=10)), ("2h", timedelta(hours=2)),
    ("3d", timedelta(days=3)), ("1w", timedelta(weeks=1)), ("1h30m", timedelta(minutes=90)),
    ("10min", timedelta(minutes=10)), ("2hours", timedelta(hours=2)),
    ("10мин", timedelta(minutes=10)), ("2часа", timedelta(hours=2)), ("3дня", timedelta(days=3)),
])
def test_every_documented_duration_spelling_is_accepted_in_config(
        write_config: Callable[[str], Path], written: str, expected: timedelta) -> None:
    config = load_config(write_config(MINIMAL + f'\n[community.moderation]\nnotice_ttl = '
                                                f'"{written}"\n'))
    assert config.app.community[0].moderation.notice_ttl == expected


# --- the command line the README lists --------------------------------------------------------

@pytest.mark.parametrize("command", [
    "run", "demo", "check-config", "check-text", "faq-match", "db upgrade", "faq import",
    "faq export", "faq gaps", "schedule list", "schedule export", "audit", "queue",
])
def test_every_documented_command_exists_with_help(command: str) -> None:
    result = modbot(*command.split(), "--help")
    assert result.returncode == 0, err_text(result)
    assert out_lines(result)[0].startswith(f"usage: modbot {command}")


@pytest.fixture
def single(write_config: Callable[[str], Path]) -> Path:
    return write_config(f"""
        [telegram]
        token = "123456:TEST"

        [[community]]
        name = "solo"
        timezone = "Europe/Moscow"
        faq = "{DEMO_FAQ}"
        chats = ["telegram:-1001"]

        [[community.schedule]]
        cron = "0 10 * * MON"
        text = "Weekly, with a comma, and \\"quotes\\""
    """)


def test_schedule_export_is_csv_with_a_header_and_one_row_per_post(single: Path) -> None:
    result = modbot("schedule", "export", "--community", "solo", "--config", str(single))
    assert result.returncode == 0, err_text(result)
    rows = list(csv.DictReader(io.StringIO(result.stdout.decode("utf-8"))))
    assert len(rows) == 1
    assert rows[0]["text"] == 'Weekly, with a comma, and "quotes"'
    assert rows[0]["when"] == "0 10 * * MON"


def test_schedule_list_needs_no_community_when_there_is_one(single: Path) -> None:
    """`queue`, `audit` and `faq …` take --community as optional when the config has one
    community ("optional if there is only one"); `schedule` alone insists."""
    assert modbot("queue", "--config", str(single)).returncode == 0
    assert modbot("audit", "--config", str(single)).returncode == 0
    result = modbot("schedule", "list", "--config", str(single))
    assert result.returncode == 0, err_text(result)


def test_faq_export_to_stdout_is_only_the_faq_file(single: Path) -> None:
    result = modbot("faq", "export", "-", "--config", str(single))
    assert result.returncode == 0, err_text(result)
    exported = tomllib.loads(result.stdout.decode("utf-8"))
    assert [e["id"] for e in exported["faq"]] == \
        [e["id"] for e in tomllib.loads(DEMO_FAQ.read_text(encoding="utf-8"))["faq"]]


@pytest.mark.parametrize("source", ["MODBOT_LOG_LEVEL", "--log-level"])
async def test_modbot_run_honours_the_log_level_it_was_given(
        write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch,
        source: str) -> None:
    """README: logging.level defaults to INFO, "also MODBOT_LOG_LEVEL"; `modbot --log-level
    DEBUG run` is the usual way to look closer. main() sets the level first, then run_bot()
    sets it again from the config, whose level is always filled (INFO by default)."""
    from bot.logs import setup_logging
    from bot.runtime.run import run_bot

    config = load_config(write_config('[[community]]\nname = "c"\nchats = ["console:chat"]\n'))
    root = logging.getLogger()
    before = root.level
    try:
        flag = None
        if source == "MODBOT_LOG_LEVEL":
            monkeypatch.setenv("MODBOT_LOG_LEVEL", "DEBUG")
            setup_logging(None)  # what main() does without --log-level
        else:
            monkeypatch.delenv("MODBOT_LOG_LEVEL", raising=False)
            setup_logging("DEBUG")  # what main() does with --log-level DEBUG
            flag = "DEBUG"  # ... and hands on to run_bot
        stop = asyncio.Event()
        stop.set()
        await asyncio.wait_for(run_bot(config, stop, log_level=flag), 60)
        assert logging.getLevelName(root.level) == "DEBUG"
    finally:
        monkeypatch.delenv("MODBOT_LOG_LEVEL", raising=False)
        setup_logging("WARNING")
        root.setLevel(before)


# --- the demo (README "Try it") ---------------------------------------------------------------

def demo(script: str) -> list[str]:
    result = modbot("demo", stdin=script)
    assert result.returncode == 0, err_text(result)
    return out_lines(result)


def test_the_readme_demo_walkthrough() -> None:
    """Question → answer in reply; rude word → removed + ladder notice that deletes itself after
    notice_ttl (2m); /report in reply to message #N → ticket #1 in the queue and one ack;
    /wait 30m → the unclaimed ticket is re-announced once (sla 30m)."""
    out = demo("When are you open?\n"
               ">2 /report spam\n"
               "you are a fucking idiot\n"
               "/wait 3m\n"
               "/wait 30m\n"
               "/wait 30m\n")
    text = "\n".join(out)
    assert "[chat #2] bot ↪ #1: We are open every day" in text
    assert "[queue #4] bot: Ticket #1 · demo · new" in text
    assert sum("Your report #1 has been sent" in line for line in out) == 1
    assert "  * deleted message #6 in chat" in out
    assert any("Warning 1 of 4; next: mute 1h." in line for line in out)
    notice = next(line for line in out if "Warning 1 of 4" in line)
    number = notice.split("#", 1)[1].split("]", 1)[0]
    assert f"  * deleted message #{number} in chat" in out
    assert sum("Ticket #1 has waited" in line for line in out) == 1


def test_demo_reply_to_a_message_that_does_not_exist_is_refused() -> None:
    """README: `>3 /report spam` replies to message #3. Typed before there is a #3, the line
    becomes a reply to itself and files a ticket about nobody and nothing."""
    out = demo("hello\n>3 /report spam\n/as mod\n/in queue\n/queue\n")
    self_replies = [line for line in out
                    if (m := re.match(r"\[chat #(\d+)\] Alice ↪ #(\d+):", line))
                    and m.group(1) == m.group(2)]
    assert not self_replies, f"a message replying to itself: {self_replies}"
    tickets = [line for line in out if "Ticket #1" in line or "Message: —" in line]
    assert not tickets, f"a ticket filed about no message: {tickets}"


def test_demo_without_a_terminal_ends_at_end_of_input() -> None:
    """README: `printf 'hello\\n' | make demo` runs the demo non-interactively."""
    out = demo("hello\n")
    assert out[-1] == "[chat #1] Alice: hello"
    assert not any(line.endswith("> ") for line in out)  # no prompt without a terminal


# --- more config and CLI promises -----------------------------------------------------------

def test_schedule_at_may_be_a_toml_datetime_read_in_the_communitys_timezone(
        write_config: Callable[[str], Path]) -> None:
    """DESIGN.md: at is "YYYY-MM-DD HH:MM[:SS]" in the community's timezone, "or a TOML
    datetime"; one with an offset means that instant."""
    path = write_config("""
        [[community]]
        name = "a"
        timezone = "Europe/Moscow"
        chats = ["console:chat"]

        [[community.schedule]]
        at = 2027-12-01T10:00:00
        text = "local"

        [[community.schedule]]
        at = 2027-12-01T10:00:00Z
        text = "utc"

        [[community.schedule]]
        at = "2027-12-01 10:00"
        text = "string"
    """)
    result = modbot("schedule", "export", "--community", "a", "--config", str(path))
    assert result.returncode == 0, err_text(result)
    rows = {r["text"]: r["next_run"]
            for r in csv.DictReader(io.StringIO(result.stdout.decode("utf-8")))}
    assert rows == {"local": "2027-12-01 10:00", "string": "2027-12-01 10:00",
                    "utc": "2027-12-01 13:00"}


def test_run_and_db_upgrade_with_a_missing_config_say_so_in_one_line(tmp_path: Path) -> None:
    for command in (("run",), ("db", "upgrade")):
        result = modbot(*command, "--config", str(tmp_path / "nope.toml"))
        assert result.returncode == 1
        assert err_text(result) == f"{tmp_path / 'nope.toml'}: file not found\n"


def test_db_upgrade_is_repeatable_and_names_the_revision(single: Path) -> None:
    first = modbot("db", "upgrade", "--config", str(single))
    second = modbot("db", "upgrade", "--config", str(single))
    assert first.returncode == second.returncode == 0, err_text(second)
    assert out_lines(first) == out_lines(second)
    assert out_lines(first)[0].startswith("database at revision ")
    assert (single.parent / "modbot.db").exists()  # relative to the config file's folder


def test_a_bad_since_is_a_usage_error_in_every_tool(single: Path) -> None:
    """`audit --since soon` exits 2 (a usage error, like argparse's); `faq gaps --since soon`
    exits 1, the code the tools use for "config or data problem". Scripts cannot tell a typo
    from a broken config."""
    audit = modbot("audit", "--config", str(single), "--since", "soon")
    gaps = modbot("faq", "gaps", "--config", str(single), "--since", "soon")
    assert "soon" in err_text(audit) and "soon" in err_text(gaps)
    assert (audit.returncode, gaps.returncode) == (2, 2)


def test_the_entry_point_and_python_m_bot_are_the_same_program() -> None:
    """README: "`python -m bot` works wherever `modbot` does"."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["modbot"] == "bot.cli:main"
    assert "from bot.cli import main" in (ROOT / "bot" / "__main__.py").read_text() or \
        "bot.cli" in (ROOT / "bot" / "__main__.py").read_text()
