"""`modbot` command line: run, demo, check-config, check-text, faq-match, db, and feature tools.

Features add their own subcommands through `add_cli(subparsers)` in `bot/features/*.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import inspect
import logging
import os
import pkgutil
import socket
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import ConfigError, LoadedConfig, load_config
from bot.logs import LogLevelError, Redactor, setup_logging

ONLINE_TIMEOUT = 20.0
"""Seconds one network gets to answer `check-config --online`: a black-holed api_base
must not hang the command."""


def _load(path: str) -> LoadedConfig:
    return load_config(path)


def summary(config: LoadedConfig, now: datetime | None = None) -> str:
    """What the owner configured, at a glance: communities, chats per network, FAQ size.

    A one-off post already past its grace is valid but will never go out, so it gets a note.
    """
    from bot.core.faq.entries import load_faq_file
    from bot.core.scheduler.when import parse_absolute

    now = now or datetime.now(UTC)
    lines = [f"{config.path}: OK"]
    for index, community in enumerate(config.app.community):
        per_network: dict[str, int] = {}
        for chat in community.chats:
            per_network[chat.platform] = per_network.get(chat.platform, 0) + 1
        faq_path = config.faq_path(community)
        faq_count = len(load_faq_file(faq_path)) if faq_path else 0
        networks = ", ".join(f"{n} {net}" for net, n in sorted(per_network.items()))
        lines.append(
            f"community {community.name} ({community.language}, {community.timezone}): "
            f"chats: {networks}; queue: {community.queue or 'none'}; "
            f"FAQ entries: {faq_count}; scheduled posts: {len(community.schedule)}"
        )
        for entry_index, entry in enumerate(community.schedule):
            if entry.at is not None and \
                    parse_absolute(entry.at, community.tz) < now - community.schedule_grace:
                lines.append(f"note: community[{index}].schedule[{entry_index}].at: {entry.at} "
                             "is in the past, so this post will not be published")
    if config.app.vk is not None and config.app.vk.user_token is None:
        lines.append("note: vk.user_token is not set: VK community bans (groups.ban) will fail "
                     "and the ladder's VK bans fall back to what the community token can do")
        if any(chat.is_vk_wall for c in config.app.community for chat in c.chats):
            lines.append("note: vk.user_token is not set: VK refuses wall.post to community "
                         "tokens, so scheduled posts to vk:wall will fail (the queue is told)")
    for key in config.inline_secrets:
        variable = "MODBOT_" + key.upper().replace(".", "_")
        lines.append(f"note: {key} is written in the file: anyone who can read (or is sent) "
                     f"config.toml can act as your bot; write {key.split('.')[-1]} = "
                     f"\"${{{variable}}}\" and set {variable} in the environment")
    total = sum(len(c.chats) for c in config.app.community)
    lines.append(f"{len(config.app.community)} communities, {total} chats")
    return "\n".join(lines)


async def _check_config(args: argparse.Namespace) -> int:
    try:
        config = _load(args.file)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    print(summary(config))
    if args.online:
        return await _check_online(config)
    return 0


async def _check_online(config: LoadedConfig) -> int:
    """Ask each network about the configured chats; one line per problem, never a token.

    A network without problems says so, including what `--online` cannot see on it.
    """
    scrub = _online_redactor(config)
    failed = False
    checks = ((config.app.telegram, _telegram_online,
               "online: every configured Telegram chat grants the rights the bot needs"),
              (config.app.vk, _vk_online,
               "online: VK accepts the community token and group_id; "
               "rights inside VK chats are not checked online"))
    for section, check, fine in checks:
        if section is None:
            continue
        problems = await check(config)
        for problem in problems:
            print(scrub(problem))
        if not problems:
            print(fine)
        failed = failed or bool(problems)
    return 1 if failed else 0


def _online_redactor(config: LoadedConfig) -> Redactor:
    """Every token the config holds, literal or from the environment, is scrubbed."""
    scrub = Redactor(config.secrets)
    for section in (config.app.telegram, config.app.vk):
        for key in ("token", "user_token", "webhook_secret"):
            value = getattr(section, key, None)
            scrub.add(value.get_secret_value() if value is not None else None)
    return scrub


async def _telegram_online(config: LoadedConfig) -> list[str]:
    """The rights check; an unreachable Bot API or a rejected token is one line, not a trace."""
    from aiogram.exceptions import (
        TelegramAPIError,
        TelegramNetworkError,
        TelegramUnauthorizedError,
    )

    from handlers.telegram.rights import check_config_online

    assert config.app.telegram is not None
    where = f"telegram: {config.app.telegram.api_base}"
    try:
        return await asyncio.wait_for(check_config_online(config), ONLINE_TIMEOUT)
    except TelegramUnauthorizedError:
        return [f"{where}: the token was rejected (revoked or mistyped; see telegram.token)"]
    except TelegramNetworkError as exc:
        return [f"{where}: cannot reach the Bot API: {_first_line(exc.message)}"]
    except TelegramAPIError as exc:  # server errors, flood waits
        return [f"{where}: the Bot API did not answer the rights check: "
                f"{_first_line(exc.message)}"]
    except TimeoutError:
        return [f"{where}: no answer within {ONLINE_TIMEOUT:.0f}s"]
    except OSError as exc:
        return [f"{where}: cannot reach the Bot API ({type(exc).__name__})"]
    except Exception as exc:  # a proxy's HTML page instead of JSON, a proxy refusing to connect
        return [f"{where}: the Bot API did not answer the rights check as the Bot API does "
                f"({type(exc).__name__})"]


async def _vk_online(config: LoadedConfig) -> list[str]:
    """Is the community token valid for `group_id`? Asked with the adapter's own vk_api
    session, for the Long Poll server the bot needs at start."""
    from requests import RequestException
    from vk_api.exceptions import VkApiError

    vk = config.app.vk
    assert vk is not None
    where = f"vk: {vk.api_base}"
    try:
        await asyncio.wait_for(asyncio.to_thread(_vk_long_poll_server, config), ONLINE_TIMEOUT)
    except TimeoutError:
        return [f"{where}: no answer within {ONLINE_TIMEOUT:.0f}s"]
    except (VkApiError, RequestException, ValueError) as exc:  # ValueError: not JSON
        return [f"{where}: {_vk_problem(exc, vk.group_id)}"]
    return []


def _vk_long_poll_server(config: LoadedConfig) -> None:
    from handlers.vk.api import VkApiAt

    vk = config.app.vk
    assert vk is not None
    session = VkApiAt(vk.token.get_secret_value(), vk.api_base, vk.api_version,
                      timeout=ONLINE_TIMEOUT / 2)
    session.method("groups.getLongPollServer", {"group_id": vk.group_id})


def _vk_problem(exc: Exception, group_id: int) -> str:
    """What a vk_api failure means for the owner, in one line."""
    from vk_api.exceptions import ApiError

    if not isinstance(exc, ApiError):
        return f"cannot reach VK ({type(exc).__name__})"
    code, text = int(exc.code), _first_line(str(exc.error.get("error_msg", "")))
    if code == 5:
        return "the community token was rejected (revoked or mistyped; see vk.token)"
    if code == 100:
        return (f"group {group_id} does not answer to this token: check vk.group_id, and "
                "that Bots Long Poll API is enabled in the community's settings")
    if code in (15, 27):
        return f"the community token lacks the rights the bot needs ([{code}] {text})"
    return f"VK refused groups.getLongPollServer: [{code}] {text}"


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or ["no details"])[0]


async def _check_text(args: argparse.Namespace) -> int:
    from filters.obscenity import ObscenityFilter
    from filters.obscenity.lines import run_check_text

    if args.community and not args.config:  # silently using the defaults would mislead
        print("--community needs --config FILE: the community's filter settings are read "
              "from it", file=sys.stderr)
        return 2
    if args.config:
        config = _load(args.config)
        community = (config.community(args.community) if args.community
                     else config.app.community[0])
        settings = community.filter
        flt = ObscenityFilter(languages=settings.languages, extra_words=settings.extra_words,
                              allowed_words=settings.allowed_words)
    else:
        flt = ObscenityFilter()
    return run_check_text(sys.stdin, sys.stdout, flt)


async def _faq_match(args: argparse.Namespace) -> int:
    """With --config (and --community), the community's FAQ file (unless --faq names another)
    and its answer thresholds: faq_id is then what that community's bot would answer."""
    from bot.core.faq.entries import FaqFileError, load_faq_file
    from bot.core.faq.library import thresholds_for
    from bot.core.faq.lines import run_faq_match
    from bot.core.faq.matcher import FaqMatcher, Thresholds

    if args.community and not args.config:
        print("--community needs --config FILE: the community's FAQ and thresholds are read "
              "from it", file=sys.stderr)
        return 2
    faq_path = Path(args.faq) if args.faq else None
    thresholds = Thresholds()
    if args.config:
        config = _load(args.config)
        community = (config.community(args.community) if args.community
                     else config.app.community[0])
        thresholds = thresholds_for(community.answers)
        if faq_path is None:
            faq_path = config.faq_path(community)
    if faq_path is None:
        print("give --faq FILE, or --config FILE [--community NAME] for a community with an "
              "FAQ file", file=sys.stderr)
        return 2
    try:
        entries = load_faq_file(faq_path)
    except FaqFileError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except FileNotFoundError:
        print(f"{faq_path}: file not found", file=sys.stderr)
        return 1
    return run_faq_match(sys.stdin, sys.stdout,
                         FaqMatcher.build(entries, thresholds=thresholds))


async def _db_upgrade(args: argparse.Namespace) -> int:
    from bot.db.engine import make_engine
    from bot.db.migrate import current_revision, upgrade

    config = _load(args.config)
    engine = make_engine(config.database_url)
    try:
        await upgrade(engine)
        print(f"database at revision {await current_revision(engine)}")
    finally:
        await engine.dispose()
    return 0


async def _run(args: argparse.Namespace) -> int:
    from bot.runtime.run import run_bot

    config = _load(args.config)
    return await run_bot(config, log_level=args.log_level)


async def _demo(args: argparse.Namespace) -> int:
    from handlers.console.demo import run_demo

    return await run_demo(sys.stdin, sys.stdout, db_path=args.db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="modbot", description=__doc__.splitlines()[0])
    parser.add_argument("--log-level", default=None, help="DEBUG, INFO, WARNING or ERROR")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the bot on every configured network")
    run.add_argument("--config", default="config.toml")
    run.set_defaults(func=_run)

    demo = sub.add_parser("demo", help="a local console chat with a sample community, no tokens")
    demo.add_argument("--db", default=None, help="SQLite file (default: a temporary one)")
    demo.set_defaults(func=_demo)

    check = sub.add_parser("check-config", help="validate a config file")
    check.add_argument("file")
    check.add_argument("--online", action="store_true",
                       help="also ask the networks about the bot's rights in each chat")
    check.set_defaults(func=_check_config)

    text = sub.add_parser("check-text", help="obscenity verdicts for JSON lines on stdin")
    text.add_argument("--config", default=None)
    text.add_argument("--community", default=None)
    text.set_defaults(func=_check_text)

    match = sub.add_parser("faq-match", help="FAQ matches for JSON lines on stdin")
    match.add_argument("--faq", default=None, help="the FAQ file (default: the community's)")
    match.add_argument("--config", default=None, help="read the community's FAQ and thresholds")
    match.add_argument("--community", default=None)
    match.set_defaults(func=_faq_match)

    db = sub.add_parser("db", help="database maintenance")
    db_sub = db.add_subparsers(dest="db_command", required=True, metavar="{upgrade}")
    upgrade = db_sub.add_parser("upgrade", help="apply migrations up to the latest")
    upgrade.add_argument("--config", default="config.toml")
    upgrade.set_defaults(func=_db_upgrade)

    _feature_cli(sub)
    return parser


def _feature_cli(sub: Any) -> None:
    import bot.features

    for info in sorted(pkgutil.iter_modules(bot.features.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"bot.features.{info.name}")
        add_cli = getattr(module, "add_cli", None)
        if add_cli is not None:
            add_cli(sub)


def _unknown_revision(exc: BaseException) -> bool:
    """Alembic's CommandError ("Can't locate revision …"): a database migrated by a newer
    modbot. Matched by type name, so the line tools need not import Alembic (0.14 s)."""
    kind = type(exc)
    return kind.__name__ == "CommandError" and kind.__module__.startswith("alembic")


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # the demo's transcript is the chat: only errors may interrupt it
    quiet = {"demo": "ERROR", "check-text": "WARNING", "faq-match": "WARNING"}
    quiet_default = quiet.get(args.command)
    try:
        setup_logging(args.log_level or quiet_default)
    except LogLevelError as exc:
        print(f"modbot: {exc}", file=sys.stderr)
        return 2
    try:
        result = args.func(args)
        if inspect.iscoroutine(result):
            result = asyncio.run(result)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    except BrokenPipeError:  # `modbot check-text | head`: the reader left; nothing to report
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (SQLAlchemyError, ConnectionRefusedError, socket.gaierror) as exc:  # database down
        detail = (str(exc).splitlines() or [type(exc).__name__])[0]
        config = getattr(args, "config", None) or "the config"
        print(f"cannot use the database (database.url in {config}): {detail}", file=sys.stderr)
        return 1
    except Exception as exc:
        if not _unknown_revision(exc):
            # the last resort: a traceback printed by Python would bypass the log's scrubbing
            # of tokens (a proxy's error page quotes the Bot API URL, token and all)
            logging.getLogger(__name__).critical("event=crashed error=%s", type(exc).__name__,
                                                 exc_info=exc)
            return 1
        config = getattr(args, "config", None) or "the config"
        print(f"cannot use the database (database.url in {config}): {exc}; it was migrated "
              f"by a modbot this one does not know (a newer version?): run that version, or "
              f"restore a backup", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    return int(result or 0)


if __name__ == "__main__":
    raise SystemExit(main())
