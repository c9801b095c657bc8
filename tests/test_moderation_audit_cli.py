"""`modbot audit --community NAME --since 7d`: one line per record, oldest first, in the
community's timezone; the handler is called directly with a config written to tmp_path."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest

from bot.app import create_app
from bot.config import load_config
from bot.core.clock import FakeClock
from bot.features.moderation import add_cli, audit_command
from tests.conftest import BASIC_CONFIG
from tests.helpers_moderation import (
    ADMIN,
    OTHER,
    TG_CHAT,
    FakeAdmins,
    message,
    moderation_core,
    run,
)


async def _fill(path, clock: FakeClock) -> None:
    """A filter action, then two days later a moderator's mute, on the config's database."""
    app = await create_app(load_config(path), clock=clock, instance_id="t")
    try:
        app.admin_cache.set_source(FakeAdmins({TG_CHAT: {"777"}}))
        await run(app, message("badword", author=OTHER), moderation_core(app))
        clock.advance(timedelta(days=2))
        await run(app, message("/mute 2h flood", author=ADMIN, reply_to=OTHER))
    finally:
        await app.close()


def _args(path, since: str, community: str | None = "demo") -> argparse.Namespace:
    return argparse.Namespace(config=str(path), community=community, since=since)


async def test_audit_prints_records_oldest_first_in_local_time(write_config, clock, capsys) -> None:
    path = write_config(BASIC_CONFIG)
    await _fill(path, clock)
    assert await audit_command(_args(path, "7d"), clock=clock) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[3] for line in lines] == ["filter.delete", "warn", "mute"]
    # 09:00 UTC is 12:00 in Europe/Moscow, the community's timezone
    assert lines[0].startswith("2026-03-02 12:00:00 MSK  filter.delete  by=auto:filter  "
                               "target=telegram:502  chat=telegram:-1001")
    assert "reason=\"'badword' at 0-7 (test)\"" in lines[0]
    assert lines[2].startswith("2026-03-04 12:00:00 MSK  mute  by=telegram:777  "
                               "target=telegram:502  chat=telegram:-1001  reason=\"flood\"")
    assert '"until": "2026-03-04 14:00:00 MSK"' in lines[2]  # the mute's end on the same clock


async def test_since_limits_the_window(write_config, clock, capsys) -> None:
    path = write_config(BASIC_CONFIG)
    await _fill(path, clock)
    assert await audit_command(_args(path, "1d"), clock=clock) == 0
    assert [line.split()[3] for line in capsys.readouterr().out.splitlines()] == ["mute"]
    assert await audit_command(_args(path, "2026-03-03", community=None), clock=clock) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1


async def test_bad_since_is_an_error(write_config, clock, capsys) -> None:
    path = write_config(BASIC_CONFIG)
    assert await audit_command(_args(path, "lately"), clock=clock) == 2
    assert "--since" in capsys.readouterr().err


def test_add_cli_registers_the_subcommand() -> None:
    parser = argparse.ArgumentParser()
    add_cli(parser.add_subparsers())
    args = parser.parse_args(["audit", "--community", "demo", "--since", "3d"])
    assert (args.community, args.since, args.config, args.func) == ("demo", "3d", "config.toml",
                                                                   audit_command)


def test_modbot_main_knows_audit(write_config, capsys) -> None:
    cli = pytest.importorskip("bot.cli")
    path = write_config(BASIC_CONFIG)
    assert cli.main(["audit", "--config", str(path), "--since", "7d"]) == 0
    assert capsys.readouterr().out == ""
