"""Command parsing and the registry features add their commands to."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
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


# "@admin" ends a sentence as often as not ("please look @admin."); "@admin.ru" is an address
_ADMIN_CALL = re.compile(r"(?<![\w@])@admins?(?![\w@]|\.\w)", re.IGNORECASE)


def admin_call(text: str) -> ParsedCommand | None:
    """Rose's "@admin": a member calling the admins in a message is a /report, the rest of
    the message its reason (members who never learnt /report type this)."""
    match = _ADMIN_CALL.search(text)
    if match is None:
        return None
    reason = " ".join((text[:match.start()] + " " + text[match.end():]).split())
    return ParsedCommand(name="report", args=reason, prefix="@")


def typo_distance(a: str, b: str) -> int:
    """Edits between two command names, a swap of neighbours counting as one (/wran)."""
    rows = [list(range(len(b) + 1))]
    for i, ca in enumerate(a, start=1):
        row = [i]
        for j, cb in enumerate(b, start=1):
            best = min(rows[-1][j] + 1, row[j - 1] + 1, rows[-1][j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                best = min(best, rows[-2][j - 2] + 1)
            row.append(best)
        rows.append(row)
    return rows[-1][-1]


def near_miss(name: str, known: Iterable[str]) -> str | None:
    """The one known command ``name`` is a slip of the finger for, if any: one edit away
    (two for names of six letters or more); names under three letters (/me) are nobody's."""
    if len(name) < 3:
        return None
    allowed = 2 if len(name) >= 6 else 1
    close = sorted((typo_distance(name, k), k) for k in known if len(k) >= 3)
    close = [c for c in close if c[0] <= allowed]
    if not close or (len(close) > 1 and close[1][0] == close[0][0]):
        return None  # nothing close, or a tie: a guess would be a coin toss
    return close[0][1]


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
