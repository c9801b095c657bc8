"""check-config: every problem named by file, key path and what is wrong, all at once."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

ROOT = Path(__file__).parent.parent

GOOD = """
[telegram]
token = "${TG_TOKEN}"

[[community]]
name = "one"
language = "en"
timezone = "Europe/Berlin"
chats = ["telegram:-1001"]
queue = "telegram:-1002"
"""


def problems_of(write_config: Callable[[str], Path], text: str) -> list[str]:
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return caught.value.problems


@pytest.fixture(autouse=True)
def _token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TG_TOKEN", "123:secret-token-value")


def test_good_config_loads(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(GOOD))
    assert config.app.community[0].name == "one"
    assert config.app.telegram is not None
    assert config.app.telegram.token.get_secret_value() == "123:secret-token-value"


def test_unknown_key_is_named(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD + 'colour = "blue"\n')
    assert any("community[0].colour: unknown key" in p for p in problems), problems


def test_bad_chat_reference(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD.replace('"telegram:-1001"', '"tg:-1001"'))
    assert len(problems) == 1
    assert "community[0].chats[0]" in problems[0] and "unknown network 'tg'" in problems[0]


def test_missing_faq_file(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD + 'faq = "nope.toml"\n')
    assert any("community[0].faq: file not found" in p and "nope.toml" in p for p in problems)


def test_unset_environment_variable(write_config: Callable[[str], Path],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TG_TOKEN")
    problems = problems_of(write_config, GOOD)
    assert problems == [f"{write_config('x', 'unused.toml').parent / 'config.toml'}: "
                        "telegram.token: environment variable TG_TOKEN is not set"]


def test_wrong_type(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD + "audit = \"often\"\n")
    assert any(p.split(": ")[1] == "community[0].audit" for p in problems), problems


def test_duplicate_community_name(write_config: Callable[[str], Path]) -> None:
    second = GOOD.split("[[community]]")[1].replace("-1001", "-1003")
    problems = problems_of(write_config, GOOD + "[[community]]" + second)
    assert any("community[1].name: duplicate community name 'one'" in p for p in problems)


def test_queue_outside_known_networks(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD.replace('queue = "telegram:-1002"',
                                                      'queue = "vk:2000000005"'))
    assert any("community[0].queue" in p and "no [vk] section" in p for p in problems)


def test_invalid_timezone(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD.replace("Europe/Berlin", "Mars/Olympus"))
    assert any("community[0].timezone" in p and "unknown timezone 'Mars/Olympus'" in p
               for p in problems)


def test_bad_schedule_entry(write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD + '\n[[community.schedule]]\ncron = "every day"\n'
                                                'text = "hi"\n')
    assert any("community[0].schedule[0]" in p and "cron" in p for p in problems), problems


def test_all_errors_at_once(write_config: Callable[[str], Path]) -> None:
    text = GOOD.replace("Europe/Berlin", "Nowhere/City").replace('"telegram:-1001"', '"x"')
    problems = problems_of(write_config, text + "bogus = 1\n")
    assert len(problems) == 3, problems
    assert all(p.startswith(str(write_config("x", "unused.toml").parent)) for p in problems)


def test_token_never_in_error(write_config: Callable[[str], Path],
                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GROUP", "vk1.a.supersecretvalue")
    text = GOOD + '\n[vk]\ntoken = "${TG_TOKEN}"\ngroup_id = "${GROUP}"\n'
    problems = problems_of(write_config, text)
    joined = "\n".join(problems)
    assert "vk.group_id" in joined
    assert "supersecretvalue" not in joined and "secret-token-value" not in joined


def test_relative_paths_follow_config_file(write_config: Callable[[str], Path]) -> None:
    path = write_config(GOOD)
    (path.parent / "faq.toml").write_text(
        '[[faq]]\nid = "a"\nlang = "en"\nquestions = ["Q?"]\nanswer = "A"\n', encoding="utf-8")
    config = load_config(write_config(GOOD + 'faq = "faq.toml"\n'))
    assert config.faq_path(config.app.community[0]) == path.parent.resolve() / "faq.toml"
    assert config.database_url.endswith(str(path.parent.resolve() / "modbot.db"))


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, **(env or {})}, timeout=60)


def test_check_config_cli_exit_codes(write_config: Callable[[str], Path]) -> None:
    good = run_cli("check-config", str(write_config(GOOD)))
    assert good.returncode == 0, good.stderr
    assert "1 communities" in good.stdout and "chats: 1 telegram" in good.stdout
    bad = run_cli("check-config", str(write_config(GOOD + "oops = 1\n", "bad.toml")))
    assert bad.returncode == 1
    assert "bad.toml: community[0].oops: unknown key" in bad.stderr


def test_example_config_passes() -> None:
    result = run_cli("check-config", "config.example.toml",
                     env={"MODBOT_TELEGRAM_TOKEN": "1:placeholder", "MODBOT_VK_TOKEN": "vk"})
    assert result.returncode == 0, result.stderr
    assert "FAQ entries:" in result.stdout


def test_summary_notes_a_missing_vk_user_token(write_config: Callable[[str], Path]) -> None:
    text = GOOD + '\n[vk]\ntoken = "${TG_TOKEN}"\ngroup_id = 5\n'
    result = run_cli("check-config", str(write_config(text)), env={"TG_TOKEN": "123:abc-token"})
    assert result.returncode == 0, result.stderr
    assert "note: vk.user_token is not set" in result.stdout


@pytest.mark.parametrize(("target", "says"), [
    ('"vk:2000000001/4"', "only a Telegram forum topic may follow the chat"),
    ('"telegram:-1001/general"', "only a Telegram forum topic may follow the chat"),
    ('"telegram:-1009/4"', "telegram:-1009 is not one of the community's chats"),
])
def test_a_schedule_target_with_a_bad_topic_is_named(write_config: Callable[[str], Path],
                                                     target: str, says: str) -> None:
    problems = problems_of(write_config, GOOD + '\n[[community.schedule]]\ncron = "0 10 * * *"\n'
                                                f'text = "hi"\nchats = [{target}]\n')
    assert any("community[0].schedule[0].chats" in p and says in p for p in problems), problems


def test_a_schedule_target_may_be_a_forum_topic(write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(GOOD + '\n[[community.schedule]]\ncron = "0 10 * * *"\n'
                                             'text = "hi"\nchats = ["telegram:-1001/45"]\n'))
    [entry] = config.app.community[0].schedule
    assert [str(t) for t in entry.chats or ()] == ["telegram:-1001/45"]


def test_url_passwords_are_secrets_and_never_echoed(write_config: Callable[[str], Path]) -> None:
    """A proxy's password is kept from logs like a token, and a typo in the URL's scheme is
    reported without repeating it (check-config output gets pasted into support chats)."""
    good = GOOD.replace('token = "${TG_TOKEN}"',
                        'token = "${TG_TOKEN}"\nproxy = "socks5://bob:Pr0xyPa55@127.0.0.1:1080"')
    config = load_config(write_config(good))
    assert "Pr0xyPa55" in config.secrets and config.inline_secrets == ()
    [problem] = problems_of(write_config, good.replace("socks5://", "sock5://"))
    assert "telegram.proxy" in problem and "Pr0xyPa55" not in problem, problem
    assert "bob:***@127.0.0.1" in problem, problem


def test_a_token_written_in_the_file_is_named_for_the_note(
        write_config: Callable[[str], Path]) -> None:
    config = load_config(write_config(GOOD.replace("${TG_TOKEN}", "123:inline-token-value")))
    assert config.inline_secrets == ("telegram.token",)
    assert "123:inline-token-value" in config.secrets


def test_a_value_out_of_range_is_said_in_plain_words(write_config: Callable[[str], Path]) -> None:
    """Not the validation library's "Input should be less than or equal to 90"."""
    text = GOOD.replace('token = "${TG_TOKEN}"', 'token = "${TG_TOKEN}"\nadmins_ttl = -5')
    problems = problems_of(write_config, text)
    assert len(problems) == 1 and "telegram.admins_ttl: must be " in problems[0], problems
    assert "(got -5)" in problems[0] and "Input should" not in problems[0], problems


def test_a_private_chat_id_in_chats_is_refused_with_the_group_id_it_should_be(
        write_config: Callable[[str], Path]) -> None:
    problems = problems_of(write_config, GOOD.replace('"telegram:-1001"', '"telegram:1234567890"'))
    assert len(problems) == 1 and "community[0].chats[0]" in problems[0], problems
    assert "telegram:-1001234567890" in problems[0], problems
