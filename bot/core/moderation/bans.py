"""VK bans the bot keeps enforcing itself.

`groups.ban` keeps a member out of the community, but any chat member may invite them back
into a community chat. Telegram refuses a banned member by itself (an admin re-adding one
lifts the ban, which is the admin's call), so only VK bans are remembered: a banned member
invited back is removed again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.core.actions import AnyAction, Ban, Unban
from bot.core.chats import UserRef
from bot.core.ports import UnitOfWork

PREFIX = "vk-banned:"
FOREVER = "forever"


async def note_bans(actions: Sequence[AnyAction], uow: UnitOfWork, now: datetime) -> None:
    """Remember the VK bans (and lifted bans) among ``actions``."""
    for action in actions:
        if isinstance(action, Ban) and action.user.platform == "vk":
            until = action.until.isoformat() if action.until is not None else FOREVER
            await uow.state.put(PREFIX + str(action.user), until, now)
        elif isinstance(action, Unban) and action.user.platform == "vk":
            await uow.state.put(PREFIX + str(action.user), "", now)


async def is_banned(uow: UnitOfWork, user: UserRef, now: datetime) -> bool:
    """True while a ban the bot gave on VK runs."""
    value = await uow.state.get(PREFIX + str(user))
    if not value:
        return False
    return value == FOREVER or datetime.fromisoformat(value) > now
