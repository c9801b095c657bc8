"""QA round 3: config values are taken as written, never coerced or guessed at.

Each case goes through `load_config` and checks the one line the owner would read.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

BASE = f"""
[telegram]
token = "{TOKEN}"
{{telegram}}
[vk]
token = "vk-community-token"
group_id = 42
{{vk}}
[[community]]
name = "one"
chats = ["telegram:-1001", "vk:2000000001", "vk:wall"]
{{community}}
"""


def config(telegram: str = "", vk: str = "", community: str = "") -> str:
    return BASE.format(telegram=telegram, vk=vk, community=community)


def tails(write_config: Callable[[str], Path], text: str) -> list[str]:
    """The problems without the file name (each must start with it)."""
    path = write_config(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert all(p.startswith(f"{path}: ") for p in caught.value.problems)
    return [p.removeprefix(f"{path}: ") for p in caught.value.problems]


def test_the_base_config_is_valid(write_config: Callable[[str], Path]) -> None:
    load_config(write_config(config()))


@pytest.mark.parametrize(("section", "line", "expected"), [
    ("vk", "group_id = true", "vk.group_id: expected a whole number (got true)"),
    ("vk", "group_id = 123456.0", "vk.group_id: expected a whole number (got 123456.0)"),
    ("telegram", "poll_timeout = 25.0",
     "telegram.poll_timeout: expected a whole number (got 25.0)"),
    ("telegram", "leave_unknown_chats = 0",
     "telegram.leave_unknown_chats: expected true or false (got 0)"),
    ("community", 'audit = "no"', "community[0].audit: expected true or false (got 'no')"),
    ("community", '[community.filter]\nenabled = "yes"',
     "community[0].filter.enabled: expected true or false (got 'yes')"),
    ("community", "[community.filter]\nenabled = 1",
     "community[0].filter.enabled: expected true or false (got 1)"),
    ("community", "[community.complaints]\nrate_limit = true",
     "community[0].complaints.rate_limit: expected a whole number (got true)"),
    ("community", "[community.answers]\nanswer_threshold = true",
     "community[0].answers.answer_threshold: expected a number (got true)"),
])
def test_a_value_of_the_wrong_type_is_not_coerced(
        write_config: Callable[[str], Path], section: str, line: str, expected: str) -> None:
    text = config(**{section: line})
    if line.startswith("group_id"):
        text = text.replace("group_id = 42\n", "")
    assert tails(write_config, text) == [expected]


def test_a_whole_number_is_still_a_valid_threshold(write_config: Callable[[str], Path]) -> None:
    loaded = load_config(write_config(config(
        community="[community.answers]\nanswer_threshold = 1\nsuggest_threshold = 0")))
    assert loaded.app.community[0].answers.answer_threshold == 1.0


@pytest.mark.parametrize("value", ["30", "30.5", "0", "-5"])
def test_a_bare_number_is_not_a_duration(
        write_config: Callable[[str], Path], value: str) -> None:
    text = config(community=f"[community.moderation]\nwarn_expiry = {value}")
    assert tails(write_config, text) == [
        f'community[0].moderation.warn_expiry: write a duration such as "30d", "12h" or "10m"; '
        f"a bare number has no unit (got {value})"]


def test_a_duration_inside_the_ladder_needs_a_unit_too(
        write_config: Callable[[str], Path]) -> None:
    text = config(community='[community.moderation]\nladder = [{action = "mute", duration = 60}]')
    assert tails(write_config, text)[0].startswith(
        "community[0].moderation.ladder[0].duration: write a duration such as")


def test_the_queue_cannot_be_one_of_the_communitys_own_chats(
        write_config: Callable[[str], Path]) -> None:
    assert tails(write_config, config(community='queue = "telegram:-1001"')) == [
        "community[0].queue: telegram:-1001 is one of this community's chats; complaint cards "
        "show who reported whom, so the queue must be a separate moderators' chat"]


def test_the_queue_cannot_be_the_vk_wall(write_config: Callable[[str], Path]) -> None:
    problems = tails(write_config, config(community='queue = "vk:wall"'))
    assert len(problems) == 1
    assert problems[0].startswith("community[0].queue: vk:wall cannot be the complaint queue")


@pytest.mark.parametrize(("section", "line", "key"), [
    ("telegram", "", "telegram.token"),
    ("vk", "", "vk.token"),
    ("vk", 'user_token = "  "', "vk.user_token"),
    ("telegram", 'webhook_secret = ""', "telegram.webhook_secret"),
])
def test_an_empty_token_is_an_error(write_config: Callable[[str], Path], section: str,
                                    line: str, key: str) -> None:
    text = config(**{section: line})
    if not line:  # empty the section's own token
        old = f'token = "{TOKEN}"' if section == "telegram" else 'token = "vk-community-token"'
        text = text.replace(old, 'token = ""')
    assert tails(write_config, text) == [
        f"{key}: must not be empty; write the token as ${{VARIABLE}} and set that "
        "environment variable"]


def test_an_unclosed_environment_reference_is_an_error_and_echoes_nothing(
        write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODBOT_TELEGRAM_TOKEN", TOKEN)
    text = config().replace(f'token = "{TOKEN}"', 'token = "${MODBOT_TELEGRAM_TOKEN"')
    problems = tails(write_config, text)
    assert problems == ["telegram.token: malformed environment reference; write ${NAME} "
                        "(letters, digits and _, closed with })"]


def test_an_unset_variable_is_reported_once_not_again_as_empty(
        write_config: Callable[[str], Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QA3_UNSET_TOKEN", raising=False)
    text = config().replace(f'token = "{TOKEN}"', 'token = "${QA3_UNSET_TOKEN}"')
    assert tails(write_config, text) == [
        "telegram.token: environment variable QA3_UNSET_TOKEN is not set"]


def test_a_token_written_in_the_file_is_never_echoed_in_an_error(write_config: Callable[[str], Path]) -> None:
    text = config().replace(f'token = "{TOKEN}"', f'token = "{TOKEN}"\nmode = "{TOKEN}"')
    problems = tails(write_config, text)
    assert len(problems) == 1 and problems[0].startswith("telegram.mode: ")
    assert TOKEN not in problems[0]


@pytest.mark.parametrize(("section", "line", "expected"), [
    ("telegram", 'api_base = "ftp://x"',
     "telegram.api_base: must be an http:// or https:// URL with a host"),
    ("telegram", 'api_base = "api.telegram.org"',
     "telegram.api_base: must be an http:// or https:// URL with a host"),
    ("vk", 'api_base = "https://"', "vk.api_base: must be an http:// or https:// URL with a host"),
    ("telegram", 'webhook_listen = "nonsense"',
     'telegram.webhook_listen: must be host:port, like "0.0.0.0:8080"'),
    ("telegram", 'webhook_listen = "0.0.0.0:99999"',
     'telegram.webhook_listen: must be host:port, like "0.0.0.0:8080"'),
    ("telegram", 'mode = "webhook"\nwebhook_url = "bot.example.org/tg"',
     "telegram.webhook_url: must be an http:// or https:// URL with a host"),
])
def test_urls_and_listen_addresses_are_checked(write_config: Callable[[str], Path],
                                               section: str, line: str, expected: str) -> None:
    assert tails(write_config, config(**{section: line})) == [expected]


def test_good_urls_and_listen_addresses_pass(write_config: Callable[[str], Path]) -> None:
    load_config(write_config(config(
        telegram='mode = "webhook"\nwebhook_url = "https://bot.example.org/tg"\n'
                 'webhook_listen = "[::]:8443"\napi_base = "http://127.0.0.1:8081"')))


@pytest.mark.parametrize("level", ["debug", "Warning", "ERROR"])
def test_the_log_level_is_case_insensitive(write_config: Callable[[str], Path],
                                           level: str) -> None:
    loaded = load_config(write_config(f'[logging]\nlevel = "{level}"\n' + config()))
    assert loaded.app.logging.level == level.upper()


def test_an_answer_threshold_below_the_default_suggest_threshold_is_reported(
        write_config: Callable[[str], Path]) -> None:
    text = config(community="[community.answers]\nanswer_threshold = 0.3")
    assert tails(write_config, text) == [
        'community[0].answers: answer_threshold (0.3) is below the default suggest_threshold '
        '(0.4), which would remove the "did you mean" band; also set suggest_threshold to at '
        "most 0.3"]


def test_a_suggest_threshold_above_the_default_answer_threshold_is_reported(
        write_config: Callable[[str], Path]) -> None:
    problems = tails(write_config, config(community="[community.answers]\nsuggest_threshold = 0.9"))
    assert problems == [
        'community[0].answers: suggest_threshold (0.9) is above the default answer_threshold '
        '(0.85), which would remove the "did you mean" band; set it to at most 0.85']


def test_a_low_answer_threshold_with_a_lower_suggest_threshold_is_fine(
        write_config: Callable[[str], Path]) -> None:
    load_config(write_config(config(
        community="[community.answers]\nanswer_threshold = 0.3\nsuggest_threshold = 0.2")))
