"""Moderation wiring: one content filter per community from its `[community.filter]`, and
the `modbot audit` owner command.

The core sees filters only through the `ContentFilter` port; building them here keeps
`filters.obscenity` (and its word lists) out of the core.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import LoadedConfig, load_config
from bot.core.clock import Clock, SystemClock
from bot.core.durations import DurationError, parse_duration
from bot.core.moderation.feature import ModerationFeature
from bot.core.ports import ContentFilter
from bot.core.records import AuditRecord
from bot.core.settings import CommunitySettings, FilterSettings

log = logging.getLogger(__name__)


def make_filter(settings: FilterSettings) -> ContentFilter | None:
    """The obscenity filter as configured, or None when disabled or not installed."""
    if not settings.enabled:
        return None
    try:
        from filters.obscenity import ObscenityFilter
    except ImportError:
        log.warning("event=moderation.no_filter reason=\"filters.obscenity is not importable\"")
        return None
    built: ContentFilter = ObscenityFilter(languages=settings.languages,
                                           extra_words=settings.extra_words,
                                           allowed_words=settings.allowed_words)
    return built


def build(config: LoadedConfig, clock: Clock, services: dict[str, Any]) -> ModerationFeature:
    filters: dict[str, ContentFilter] = {}
    for community in config.app.community:
        built = make_filter(community.filter)
        if built is not None:
            filters[community.name] = built
    feature = ModerationFeature(filters)
    services["moderation"] = feature
    return feature


# --- command line ---------------------------------------------------------------------------


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = subparsers.add_parser(
        "audit", help="print a community's moderation audit log, oldest first")
    audit.add_argument("--config", default="config.toml", help="config file")
    audit.add_argument("--community", default=None,
                       help="community name (optional if there is only one)")
    audit.add_argument("--since", default="7d",
                       help="how far back: a duration (7d, 12h) or a date (2026-03-01)")
    audit.set_defaults(func=audit_command)


def parse_since(text: str, now: datetime, tz: ZoneInfo) -> datetime:
    """`7d` counts back from now; `2026-03-01` (or with a time) is in the community's zone."""
    try:
        return now - parse_duration(text)
    except DurationError:
        pass
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"--since: {text!r} is neither a duration (7d) nor a date "
                         f"(2026-03-01)") from None
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment


def _local(value: object, tz: ZoneInfo) -> object:
    """A stored UTC moment on the line's own clock: "until 00:30+00:00" beside "23:30 CET"
    reads as a one-hour mute when it was two."""
    if not isinstance(value, str):
        return value
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return value
    if moment.tzinfo is None:
        return value
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")


#: details that are moments, shown on the community's clock like the line's own time
_MOMENTS = frozenset({"until", "due"})


def format_record(record: AuditRecord, tz: ZoneInfo) -> str:
    """One line per record: when (community time), what, who, whom, where, why, details."""
    when = record.at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S %Z")
    details = {k: _local(v, tz) if k in _MOMENTS else v
               for k, v in record.details.items() if v is not None}
    line = (f"{when}  {record.action}  by={record.actor}  target={record.target or '-'}  "
            f"chat={record.chat or '-'}  reason={json.dumps(record.reason, ensure_ascii=False)}")
    if details:
        line += f"  details={json.dumps(details, ensure_ascii=False, sort_keys=True)}"
    return line


async def audit_lines(config: LoadedConfig, community: CommunitySettings, since: datetime,
                      ) -> list[str]:
    """Only the database is needed, so no features (FAQ indexes, filters) are built."""
    from bot.db.engine import make_engine, make_sessionmaker
    from bot.db.migrate import upgrade
    from bot.db.uow import SqlUnitOfWorkFactory

    engine = make_engine(config.database_url)
    try:
        await upgrade(engine)
        async with SqlUnitOfWorkFactory(make_sessionmaker(engine))() as uow:
            records = await uow.audit.since(community.name, since)
    finally:
        await engine.dispose()
    return [format_record(r, community.tz) for r in records]


async def audit_command(args: argparse.Namespace, clock: Clock | None = None) -> int:
    """`modbot audit --community NAME --since 7d`."""
    config = load_config(getattr(args, "config", "config.toml"))
    community = config.chosen_community(args.community)
    now = (clock or SystemClock()).now()
    try:
        since = parse_since(args.since, now, community.tz)
    except ValueError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    lines = await audit_lines(config, community, since)
    for line in lines:
        print(line, flush=True)
    if not lines:  # on stderr, so a script reading stdout still gets only records
        local = since.astimezone(community.tz).strftime("%Y-%m-%d %H:%M %Z")
        print(f"no audit records in {community.name} since {local}", file=sys.stderr)
    return 0
