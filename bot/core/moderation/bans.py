"""The bans and mutes the bot gave, remembered per member.

* VK: `groups.ban` keeps a member out of the community, but any chat member may invite them
  back into a community chat; a banned member invited back is removed again. (Telegram
  refuses a banned member by itself; an admin re-adding one lifts the ban, the admin's call.)
* `/unban` clears a member's warnings only when the bot's own ban is being lifted, so a slip
  of the finger does not reset a repeat offender's ladder; `/unmute` of a banned member does
  not restore them (on Telegram a restriction with every right would lift the ban).

A ban or mute given by hand in the platform's own interface is not on record: the commands
still act, and say they had none on record.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.actions import AnyAction, Ban, Mute, Unban, Unmute
from bot.core.chats import UserRef
from bot.core.ports import UnitOfWork

BANNED = "banned:"
MUTED = "muted:"
FOREVER = "forever"


async def note_bans(actions: Sequence[AnyAction], uow: UnitOfWork, now: datetime) -> None:
    """Remember the bans and mutes among ``actions`` (and forget lifted ones)."""
    for action in actions:
        if isinstance(action, Ban | Mute):
            prefix = BANNED if isinstance(action, Ban) else MUTED
            until = action.until.isoformat() if action.until is not None else FOREVER
            await uow.state.put(prefix + str(action.user), until, now)
        elif isinstance(action, Unban | Unmute):
            prefix = BANNED if isinstance(action, Unban) else MUTED
            await uow.state.put(prefix + str(action.user), "", now)


async def is_banned(uow: UnitOfWork, user: UserRef, now: datetime) -> bool:
    """True while a ban the bot gave runs."""
    return await _runs(uow, BANNED + str(user), now)


async def is_muted(uow: UnitOfWork, user: UserRef, now: datetime) -> bool:
    """True while a mute the bot gave runs."""
    return await _runs(uow, MUTED + str(user), now)


async def _runs(uow: UnitOfWork, key: str, now: datetime) -> bool:
    value = await uow.state.get(key)
    if not value:
        return False
    return value == FOREVER or datetime.fromisoformat(value) > now
