"""Wiring for scheduled posts: the /schedule feature, the publishing service, and
`modbot schedule list|export --community NAME`.

The service needs the router, the pipeline and the instance id, which exist only once the App
is built, so `service_for(app)` builds it (once per App) after `create_app`.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, TextIO

from bot.config import LoadedConfig
from bot.core.clock import Clock
from bot.core.feature import Feature
from bot.core.scheduler.feature import SchedulerFeature, local_time, upcoming
from bot.core.scheduler.plan import entry_to_post
from bot.core.scheduler.ports import NewPost, OccurrenceRecord, PostRecord
from bot.core.scheduler.service import RunReport, SchedulerService
from bot.runtime.executor import TransientError

if TYPE_CHECKING:
    from bot.app import App

SERVICE_KEY = "scheduler"


class SchedulerHandle:
    """`services["scheduler"]`: the publishing service, built on first use.

    `build()` runs before the App has its router, pipeline and instance id, so the service
    is made later, from `services` (filled in by `create_app`) or from the App itself.
    """

    def __init__(self, config: LoadedConfig, clock: Clock, services: dict[str, Any]) -> None:
        self._config = config
        self._clock = clock
        self._services = services
        self._started_at = clock.now()  # new recurring config entries count from here
        self._service: SchedulerService | None = None

    def service(self, app: App | None = None) -> SchedulerService:
        if self._service is None:
            source: dict[str, Any] = self._services if app is None else {
                "router": app.router, "pipeline": app.pipeline, "instance_id": app.instance_id,
                "uow_factory": app.uow_factory}
            vk = self._config.app.vk
            self._service = SchedulerService(
                uow_factory=source["uow_factory"], communities=self._config.app.community,
                clock=self._clock, instance_id=source["instance_id"],
                publisher=source["router"], drain=source["pipeline"].drain,
                config_posts=config_posts(self._config), transient=(TransientError,),
                postponed_wall=bool(vk and vk.wall_postponed), started_at=self._started_at)
        return self._service

    async def run_due(self, now: datetime) -> RunReport:
        return await self.service().run_due(now)


def build(config: LoadedConfig, clock: Clock, services: dict[str, Any]) -> Feature:
    services[SERVICE_KEY] = SchedulerHandle(config, clock, services)
    return SchedulerFeature()


def config_posts(config: LoadedConfig) -> list[NewPost]:
    """Every `[[community.schedule]]` entry as a post, photo paths made absolute."""
    return [
        entry_to_post(community, entry, lambda photo: str(config.resolve(photo)))
        for community in config.app.community
        for entry in community.schedule
    ]


def service_for(app: App) -> SchedulerService:
    """The App's scheduler service (one per App, shared with `services["scheduler"]`)."""
    handle = app.services.get(SERVICE_KEY)
    if not isinstance(handle, SchedulerHandle):
        handle = SchedulerHandle(app.config, app.clock, app.services)
        app.services[SERVICE_KEY] = handle
    return handle.service(app)


# -- CLI -------------------------------------------------------------------------------------

# "last" (appended, so existing columns keep their places): how the latest due time ended,
# e.g. "sent", "failed", "skipped"; a one-off that failed and one that went out both have no
# next run, and the owner must tell them apart.
PLAN_COLUMNS = ("id", "source", "when", "next_run", "chats", "text", "last")


def plan_rows(posts: Sequence[PostRecord], config: LoadedConfig, community: str,
              app_now: datetime, last: Mapping[int, str] | None = None) -> list[dict[str, str]]:
    """The content plan, one row per active post, soonest next run first (then the rest);
    ``last``: how each post's latest due time ended, by post id."""
    tz = config.community(community).tz
    coming = upcoming(posts, app_now, tz)
    with_next = {post.id for _, post in coming}
    ordered = [(local_time(moment, tz), post) for moment, post in coming]
    ordered += [("", post) for post in posts if post.id not in with_next]
    return [{
        "id": str(post.id),
        "source": post.source,
        "when": post.cron if post.cron is not None
        else (local_time(post.at, tz) if post.at else ""),
        "next_run": next_run,
        "chats": " ".join(post.chats),
        "text": post.text,
        "last": (last or {}).get(post.id, ""),
    } for next_run, post in ordered]


async def _load_plan(args: argparse.Namespace) -> tuple[list[dict[str, str]], str, str] | int:
    """The plan's rows, the community's name and its timezone (or an exit code)."""
    from bot.app import create_app
    from bot.config import ConfigError, load_config

    try:
        config = load_config(args.config)
        community = config.chosen_community(args.community)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    app = await create_app(config)
    try:
        service = service_for(app)
        now = app.clock.now()
        await service.sync_config(now)
        async with app.uow_factory() as uow:
            posts = await uow.schedule.posts(community.name)
            last = {post.id: _last_outcome(await uow.schedule.occurrences(post_id=post.id), now)
                    for post in posts}
        rows = plan_rows(posts, config, community.name, now, last)
        return rows, community.name, community.timezone
    finally:
        await app.close()


def _last_outcome(occurrences: Sequence[OccurrenceRecord], now: datetime) -> str:
    """"failed: why", "sent", "skipped"… for the latest time that has come (several chats:
    the worst of them, so a failure in one chat is not hidden by the others)."""
    past = [o for o in occurrences if o.due_at <= now or o.state != "pending"]
    if not past:
        return ""
    latest = max(o.due_at for o in past)
    states = [o for o in past if o.due_at == latest]
    worst = next((o for o in states if o.state == "failed"), None) \
        or next((o for o in states if o.state != "sent"), states[0])
    return f"failed: {worst.error}" if worst.state == "failed" and worst.error else worst.state


async def _list(args: argparse.Namespace) -> int:
    loaded = await _load_plan(args)
    if isinstance(loaded, int):
        return loaded
    rows, community_name, timezone = loaded
    print(f"# content plan of {community_name} (times in {timezone})")
    if not rows:
        print("# nothing scheduled: no [[community.schedule]] entries and no /schedule posts")
    for row in rows:
        text = " ".join(row["text"].split())  # one line, one column: tabs, \r, U+2028 too
        last = f"\tlast: {' '.join(row['last'].split())}" if row["last"] else ""
        print(f"#{row['id']}\t{row['source']}\t{row['when']}\tnext: {row['next_run'] or '-'}"
              f"\t{row['chats']}\t{text}{last}")
    return 0


def write_csv(rows: Sequence[dict[str, str]], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=PLAN_COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


async def _export(args: argparse.Namespace) -> int:
    loaded = await _load_plan(args)
    if isinstance(loaded, int):
        return loaded
    write_csv(loaded[0], sys.stdout)
    return 0


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("schedule", help="show the content plan of a community")
    actions = parser.add_subparsers(dest="schedule_command", required=True,
                                    metavar="{list,export}")
    for name, handler, help_text in (
        ("list", _list, "print the content plan with next runs"),
        ("export", _export, "write the content plan as CSV to stdout"),
    ):
        sub = actions.add_parser(name, help=help_text)
        sub.add_argument("--community", default=None,
                         help="the community's name (may be left out when there is one)")
        sub.add_argument("--config", default="config.toml", help="path to config.toml")
        sub.set_defaults(func=handler)
