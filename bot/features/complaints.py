"""Wiring for the complaint queue: the core feature, and `modbot queue` for the command line."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from bot.config import LoadedConfig
from bot.core.clock import Clock
from bot.core.complaints.feature import ComplaintsFeature
from bot.core.complaints.lifecycle import ALL_STATES, OPEN_STATES
from bot.core.complaints.ports import TicketRecord
from bot.core.durations import format_duration
from bot.core.feature import Feature

STATE_CHOICES = ("open", "all", *ALL_STATES)


def build(config: LoadedConfig, clock: Clock, services: dict[str, Any]) -> Feature:
    return ComplaintsFeature(services["directory"], services["permissions"])


def add_cli(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("queue", help="list a community's complaint tickets")
    parser.add_argument("--community", default=None,
                        help="community name (optional if there is only one)")
    parser.add_argument("--state", default="open", choices=STATE_CHOICES,
                        help="open (new + claimed, the default), all, or one state")
    parser.add_argument("--config", default="config.toml", help="path to config.toml")
    parser.set_defaults(func=run_queue)


def _states(choice: str) -> tuple[str, ...]:
    if choice == "open":
        return OPEN_STATES
    if choice == "all":
        return ALL_STATES
    return (choice,)


def format_row(ticket: TicketRecord, now: datetime) -> str:
    """One tab-separated line per ticket, oldest first, for people and for `cut`/`awk`.

    The reporter and their reason come last, after the reported text: columns added later
    go at the end, so an owner's `cut -f7` keeps meaning the reported member."""
    text = " ".join(ticket.message_text.split())[:80]
    reason = " ".join(ticket.reason.split())[:80]
    return "\t".join((
        f"#{ticket.number}", ticket.state, format_duration(now - ticket.created_at),
        ticket.claimed_by or "-", f"reports={ticket.reporters_count}",
        ticket.chat or "private", ticket.reported_user or "-", text,
        f"reporter={ticket.reporter}", f"reason={reason or '-'}",
    ))


async def run_queue(args: argparse.Namespace) -> int:
    from bot.app import create_app
    from bot.config import ConfigError, load_config

    try:
        config = load_config(args.config)
        name = config.chosen_community(args.community).name
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    app = await create_app(config)
    try:
        async with app.uow_factory() as uow:
            tickets = await uow.tickets.in_states(name, _states(args.state), 100_000)
        now = app.clock.now()
        for ticket in tickets:
            print(format_row(ticket, now))
        print(f"{len(tickets)} ticket(s)")
    finally:
        await app.close()
    return 0
