"""QA regressions for check-config: numeric durations, one run listing every problem."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config

BASE = """
[telegram]
token = "abc"

[[community]]
name = "one"
chats = ["telegram:-1001"]
"""


def problems_of(write_config: Callable[[str], Path], text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(text))
    return caught.value.problems


@pytest.mark.parametrize("value", ["-5", "0", "90"])
def test_a_bare_number_is_not_a_duration(write_config: Callable[[str], Path], value: str) -> None:
    """A number has no unit: 30 meant as days must not silently become 30 seconds."""
    problems = problems_of(write_config, BASE + f"[community.moderation]\nwarn_expiry = {value}\n")
    assert len(problems) == 1
    assert "write a duration such as" in problems[0] and "warn_expiry" in problems[0]


def test_file_and_schedule_problems_are_listed_along_with_schema_errors(
        write_config: Callable[[str], Path], tmp_path: Path) -> None:
    problems = problems_of(write_config, BASE + """
faq = "missing.toml"
queue = "vk:2000000005"

[community.moderation]
ladder = [{action = "ban", duration = "10x"}]

[[community.schedule]]
cron = "99 * * * *"
text = "bad cron"
photo = "nope.jpg"

[[community.schedule]]
text = ""
at = "2030-01-01 10:00"

[[community.schedule]]
at = "tomorrow"
text = "bad at"
chats = ["telegram:-1009"]
""")
    assert all(line.startswith(f"{tmp_path / 'config.toml'}: ") for line in problems)
    tails = [line.split(": ", 1)[1] for line in problems]
    assert tails == [
        "community[0].moderation.ladder[0].duration: "
        "not a duration: '10x' (use e.g. 30s, 10m, 2h, 3d, 1w)",
        "community[0].schedule[1].text: must not be empty (got '')",
        "community[0].queue: vk:2000000005 is on vk, but there is no [vk] section",
        f"community[0].faq: file not found: {tmp_path / 'missing.toml'}",
        "community[0].schedule[0].cron: '99 * * * *' is not a valid cron expression",
        f"community[0].schedule[0].photo: file not found: {tmp_path / 'nope.jpg'}",
        "community[0].schedule[2].at: 'tomorrow' is not a date and time like 2026-12-01 10:00",
        "community[0].schedule[2].chats[0]: telegram:-1009 is not one of the community's chats",
    ]


def test_a_bad_section_elsewhere_does_not_hide_a_communitys_missing_files(
        write_config: Callable[[str], Path], tmp_path: Path) -> None:
    problems = problems_of(write_config, BASE.replace('token = "abc"', 'token = "abc"\ncolour = 1')
                           + 'faq = "missing.toml"\n')
    assert [p.split(": ", 1)[1] for p in problems] == [
        "telegram.colour: unknown key",
        f"community[0].faq: file not found: {tmp_path / 'missing.toml'}",
    ]



@pytest.mark.parametrize(("text", "expected"), [
    ('[telegram]\ntoken = "abc"\n[community]\nname = "x"\nchats = ["telegram:-1"]\n',
     "community: expected a list; write [[community]] for each entry, not [community]"),
    (BASE + 'moderators = "telegram:1"\n',
     "community[0].moderators: expected a list, like [\"a\", \"b\"] (got 'telegram:1')"),
    (BASE + "[community.schedule]\ncron = \"0 10 * * MON\"\ntext = \"x\"\n",
     "community[0].schedule: expected a list; write [[community.schedule]] for each entry, "
     "not [community.schedule]"),
    (BASE.replace('chats = ["telegram:-1001"]', "chats = []"),
     "community[0].chats: must not be empty"),
    (BASE.replace('name = "one"', 'name = "my club"'),
     "community[0].name: use only letters, digits, '.', '_' and '-' (got 'my club')"),
])
def test_type_errors_are_worded_for_a_toml_file(
        write_config: Callable[[str], Path], text: str, expected: str) -> None:
    assert [p.split(": ", 1)[1] for p in problems_of(write_config, text)] == [expected]


def test_suggest_threshold_above_answer_threshold_is_an_error(
        write_config: Callable[[str], Path]) -> None:
    text = BASE + "[community.answers]\nanswer_threshold = 0.3\nsuggest_threshold = 0.8\n"
    assert [p.split(": ", 1)[1] for p in problems_of(write_config, text)] == [
        "community[0].answers: suggest_threshold (0.8) must not be above answer_threshold (0.3)"]
    ok = BASE + "[community.answers]\nanswer_threshold = 0.8\nsuggest_threshold = 0.3\n"
    assert load_config(write_config(ok)).app.community[0].answers.suggest_threshold == 0.3


def test_webhook_mode_without_a_url_is_a_config_error(
        write_config: Callable[[str], Path]) -> None:
    text = BASE.replace('token = "abc"', 'token = "abc"\nmode = "webhook"')
    assert [p.split(": ", 1)[1] for p in problems_of(write_config, text)] == [
        'telegram: mode = "webhook" needs webhook_url (the public https:// address)']


@pytest.mark.parametrize(("url", "expected"), [
    ("bogus", "database.url: not a database URL; use an async URL like "
              "sqlite+aiosqlite:///modbot.db or postgresql+asyncpg://…"),
    ("postgresql://owner:hunter22@db/modbot", "database.url: postgresql:// has no async driver; "
     "use an async URL like sqlite+aiosqlite:///modbot.db or postgresql+asyncpg://…"),
])
def test_a_database_url_that_cannot_work_is_a_config_error_without_the_password(
        write_config: Callable[[str], Path], url: str, expected: str) -> None:
    problems = problems_of(write_config, f'[database]\nurl = "{url}"\n' + BASE)
    assert [p.split(": ", 1)[1] for p in problems] == [expected]
    assert "hunter22" not in "\n".join(problems)


def test_a_chat_or_queue_claimed_by_two_communities_is_an_error(
        write_config: Callable[[str], Path]) -> None:
    text = BASE + 'queue = "telegram:-2001"\n' + """
[[community]]
name = "two"
chats = ["telegram:-1001", "telegram:-1002"]
queue = "telegram:-2002"

[[community]]
name = "three"
chats = ["telegram:-1003"]
queue = "telegram:-2002"

[[community]]
name = "four"
chats = ["telegram:-1004"]
queue = "telegram:-1003"
"""
    assert [p.split(": ", 1)[1] for p in problems_of(write_config, text)] == [
        "community[1].chats[0]: telegram:-1001 is already a chat of community[0]; "
        "a chat belongs to one community",
        "community[2].queue: telegram:-2002 is already the queue of community[1]; "
        "each community needs its own queue chat",
        "community[3].queue: telegram:-1003 is a chat of community[2], not a queue",
    ]


@pytest.mark.parametrize(("value", "message"), [
    ('"999999w"', "duration too long: '999999w' (at most 100 years)"),
])
def test_a_duration_beyond_the_calendar_is_a_config_error(
        write_config: Callable[[str], Path], value: str, message: str) -> None:
    problems = problems_of(write_config, BASE + f"[community.moderation]\nwarn_expiry = {value}\n")
    assert [p.split(": ", 1)[1] for p in problems] == [
        f"community[0].moderation.warn_expiry: {message}"]


def test_a_post_longer_than_one_message_is_refused_with_its_length(
        write_config: Callable[[str], Path]) -> None:
    """Telegram and VK take 4,096 characters per message: a longer post would be cut when it
    goes out, so the owner hears it at start-up instead."""
    long_text = "а" * 4097
    problems = problems_of(write_config, BASE + f"""
[[community.schedule]]
cron = "0 10 * * MON"
text = "{long_text}"

[[community.schedule]]
cron = "0 11 * * MON"
text = "{long_text[:4096]}"
""")
    assert [p.split(": ", 1)[1] for p in problems] == [
        "community[0].schedule[0].text: 4097 characters; a post is one message, and Telegram "
        "and VK take at most 4096: shorten it or split it into two entries"]
