"""Command parsing and the registry features add their commands to."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import Flag, auto
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.core.actions import AnyAction
    from bot.core.context import MessageContext

_COMMAND = re.compile(r"^([/!])([A-Za-z_]{1,32})(?:@[\w_]+)?(?:\s+(.*))?$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class ParsedCommand:
    name: str  # lower-case, without prefix or @botname
    args: str  # the rest, stripped
    prefix: str

    @property
    def words(self) -> list[str]:
        return self.args.split()


def parse_command(text: str, platform: str) -> ParsedCommand | None:
    """`/ban 1d spam`, `/ban@modbot`, and on VK also `!ban`."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    prefix, name, args = match.group(1), match.group(2).lower(), (match.group(3) or "").strip()
    if prefix == "!" and platform not in ("vk", "console"):
        return None
    return ParsedCommand(name=name, args=args, prefix=prefix)


_ADMIN_CALL = re.compile(r"(?<![\w@])@admins?(?![\w@.])", re.IGNORECASE)


def admin_call(text: str) -> ParsedCommand | None:
    """Rose's "@admin": a member calling the admins in a message is a /report, the rest of
    the message its reason (members who never learnt /report type this)."""
    match = _ADMIN_CALL.search(text)
    if match is None:
        return None
    reason = " ".join((text[:match.start()] + " " + text[match.end():]).split())
    return ParsedCommand(name="report", args=reason, prefix="@")


class Where(Flag):
    """Where a command may be used."""

    CHAT = auto()  # a community chat (or the VK wall)
    QUEUE = auto()  # the community's queue chat
    PRIVATE = auto()  # a private chat with the bot
    ANY = CHAT | QUEUE | PRIVATE


Handler = Callable[["MessageContext", ParsedCommand], Awaitable[list["AnyAction"]]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    handler: Handler
    moderator_only: bool = True
    where: Where = Where.CHAT | Where.QUEUE
    aliases: tuple[str, ...] = ()
    # Runs even when the filter removed the command's message: a report about someone else
    # stands however the reporter worded it (their words are still removed and judged).
    runs_when_removed: bool = False
    # Counted against a member's command budget (bot/core/budget.py); /report has its own
    # rate limit (community.complaints) and says "too many" once per cooldown.
    budgeted: bool = True
