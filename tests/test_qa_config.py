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


@pytest.mark.parametrize("value", ["-5", "0"])
def test_a_duration_given_as_a_number_of_seconds_must_be_positive(
        write_config: Callable[[str], Path], value: str) -> None:
    problems = problems_of(write_config, BASE + f"[community.moderation]\nwarn_expiry = {value}\n")
    assert len(problems) == 1
    assert problems[0].endswith(
        f"community[0].moderation.warn_expiry: duration must be positive (got {value})")


def test_a_positive_number_of_seconds_is_still_a_duration(
        write_config: Callable[[str], Path]) -> None:
    loaded = load_config(write_config(BASE + "[community.complaints]\nsla = 90\n"))
    assert loaded.app.community[0].complaints.sla.total_seconds() == 90


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
