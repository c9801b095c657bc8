"""FAQ wiring: one library of per-community matchers, and the `modbot faq …` owner commands.

`modbot faq import|export` move FAQ entries between a TOML file and the chat edits stored in the
database; `modbot faq gaps` lists what members asked that the FAQ could not answer, grouped by
similarity so the owner sees "12 people asked about X" rather than 12 lines.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bot.config import ConfigError, LoadedConfig, load_config
from bot.core.clock import Clock
from bot.core.durations import DurationError, parse_duration
from bot.core.faq.entries import FaqFileError, dump_faq_file, load_faq_file
from bot.core.faq.gaps import group_similar
from bot.core.faq.library import FaqLibrary, real_matcher_factory
from bot.core.faq.service import FaqFeature
from bot.core.faq.store import SOURCE_IMPORT
from bot.core.records import AuditRecord
from bot.core.settings import CommunitySettings

CACHE_DIR = ".modbot-cache/faq"
IMPORT_ACTOR = "cli:faq-import"


def cache_dir(config: LoadedConfig) -> Path:
    """Where matcher indexes are cached (keyed by content, so stale files are harmless).

    Next to a SQLite database (the bot's own data folder), else the user's cache folder, never
    the config's folder: that may be inside the package (the demo) or read-only.
    """
    prefix, sep, rest = config.database_url.partition(":///")
    if sep and prefix.startswith("sqlite") and rest and rest != ":memory:":
        return Path(rest).parent / CACHE_DIR
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "modbot" / "faq"


def build(config: LoadedConfig, clock: Clock, services: dict[str, Any]) -> FaqFeature:
    files = {c.name: config.faq_path(c) for c in config.app.community}
    library = FaqLibrary(files, real_matcher_factory(cache_dir(config)))
    feature = FaqFeature(library, services["directory"])
    services["faq"] = feature
    return feature


# --- command line ---------------------------------------------------------------------------

Handler = Callable[[argparse.Namespace], Awaitable[int]]


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    faq = subparsers.add_parser("faq", help="import, export and review a community's FAQ")
    commands = faq.add_subparsers(dest="faq_command", metavar="{import,export,gaps}")
    commands.required = True

    def leaf(name: str, help_text: str, func: Handler) -> argparse.ArgumentParser:
        parser = commands.add_parser(name, help=help_text)
        parser.add_argument("--config", default="config.toml",
                            help="config file (default: config.toml)")
        parser.add_argument("--community", help="community name (optional if there is one)")
        parser.set_defaults(func=func)
        return parser

    imp = leaf("import", "store a FAQ TOML file's entries as chat edits (they override the "
               "FAQ file's entries with the same id)", _import)
    imp.add_argument("file", help="a FAQ TOML file")
    exp = leaf("export", "write the effective FAQ (file + chat edits) as FAQ TOML", _export)
    exp.add_argument("file", help="where to write; - for standard output")
    gaps = leaf("gaps", "the most frequent questions the FAQ did not answer", _gaps)
    gaps.add_argument("--since", default="30d", help="how far back, e.g. 7d, 12h (default 30d)")
    gaps.add_argument("--top", type=int, default=20, help="how many groups to show (default 20)")


def _load(args: argparse.Namespace) -> tuple[LoadedConfig, CommunitySettings]:
    config = load_config(args.config)
    return config, config.chosen_community(args.community)


async def _run(args: argparse.Namespace,
               body: Callable[[Any, LoadedConfig, CommunitySettings], Awaitable[int]]) -> int:
    """Load config, open the app (migrating the DB), run `body`, always close."""
    from bot.app import create_app

    try:
        config, community = _load(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return 1
    app = await create_app(config)
    try:
        return await body(app, config, community)
    finally:
        await app.close()


async def _import(args: argparse.Namespace) -> int:
    try:
        entries = load_faq_file(Path(args.file))
    except FaqFileError as exc:
        print(exc, file=sys.stderr)
        return 1

    async def body(app: Any, config: LoadedConfig, community: CommunitySettings) -> int:
        feature: FaqFeature = app.services["faq"]
        now = app.clock.now()
        async with app.uow_factory() as uow:
            current = {e.id.casefold(): e for e in (await feature.book(community, uow)).entries}
            added = replaced = unchanged = 0
            for entry in entries:
                old = current.get(entry.id.casefold())
                if old is not None:  # "PAY" replaces "pay": ids are case-insensitive
                    entry = dataclasses.replace(entry, id=old.id)
                if old == entry:
                    unchanged += 1
                    continue
                await uow.faq.put(community.name, entry, by=IMPORT_ACTOR, at=now,
                                  source=SOURCE_IMPORT)
                added, replaced = (added + 1, replaced) if old is None else (added, replaced + 1)
            await uow.audit.add(AuditRecord(
                community=community.name, at=now, actor=IMPORT_ACTOR, action="faq.import",
                target=str(args.file), details={"added": added, "replaced": replaced,
                                                "unchanged": unchanged}))
            await uow.commit()
        print(f"imported {len(entries)} entries into {community.name}: {added} new, "
              f"{replaced} replaced, {unchanged} unchanged")
        return 0

    return await _run(args, body)


async def _export(args: argparse.Namespace) -> int:
    async def body(app: Any, config: LoadedConfig, community: CommunitySettings) -> int:
        feature: FaqFeature = app.services["faq"]
        async with app.uow_factory() as uow:
            entries = (await feature.book(community, uow)).entries
        text = dump_faq_file(entries)
        if args.file == "-":
            sys.stdout.write(text)
            return 0
        try:
            Path(args.file).write_text(text, encoding="utf-8")
        except OSError as exc:
            print(f"{args.file}: cannot write: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"exported {len(entries)} entries of {community.name} to {args.file}")
        return 0

    return await _run(args, body)


async def _gaps(args: argparse.Namespace) -> int:
    try:
        window = parse_duration(args.since)
    except DurationError as exc:
        print(f"--since: {exc}", file=sys.stderr)
        return 2
    if args.top < 1:
        print("--top: must be at least 1", file=sys.stderr)
        return 1

    async def body(app: Any, config: LoadedConfig, community: CommunitySettings) -> int:
        since = app.clock.now() - window
        async with app.uow_factory() as uow:
            records = await uow.faq.gaps(community.name, since)
        print(format_gaps(records, community.name, args.since, args.top))
        return 0

    return await _run(args, body)


def format_gaps(records: list[Any], community: str, since: str, top: int) -> str:
    """One line per group: how many asked, a representative wording, the nearest FAQ entry."""
    if not records:
        return f"no unanswered questions in {community} in the last {since}"
    texts = [r.text for r in records]
    nearest: dict[str, Counter[str]] = {}
    for record in records:
        if record.best_faq_id:
            nearest.setdefault(record.text, Counter())[record.best_faq_id] += 1
    groups = group_similar(texts)
    lines = [f"{len(records)} unanswered questions in {community} in the last {since}, "
             f"{len(groups)} groups (top {min(top, len(groups))}):"]
    for representative, count, members in groups[:top]:
        votes: Counter[str] = Counter()
        for member in members:
            votes.update(nearest.get(member, Counter()))
        hint = f"  (nearest FAQ: {votes.most_common(1)[0][0]})" if votes else ""
        lines.append(f"{count:>5}  {_one_line(representative)}{hint}")
        others = [m for m in dict.fromkeys(members) if m != representative][:2]
        lines.extend(f"       · {_one_line(m)}" for m in others)
    return "\n".join(lines)


def _one_line(text: str, limit: int = 120) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit - 1] + "…"
