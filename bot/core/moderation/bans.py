"""The bans and mutes the bot gave, remembered per member.

* VK: `groups.ban` keeps a member out of the community, but any chat member may invite them
  back into a community chat; a banned member invited back is removed again. (Telegram
  refuses a banned member by itself; an admin re-adding one lifts the ban, the admin's call.)
* `/unban` clears a member's warnings only when the bot's own ban is being lifted, so a slip
  of the finger does not reset a repeat offender's ladder; `/unmute` of a banned member does
  not restore them (on Telegram a restriction with every right would lift the ban).

A ban or mute given by hand in the platform's own interface is not on record: the commands
still act, and say they had none on record.

Bans are also remembered per chat, because on Telegram a restriction replaces a ban: a mute
(the ladder's, anti-flood's or a second moderator's) of a member banned a moment earlier would
let them back in. A member banned in a chat is therefore never muted there, and their messages
that arrive after the ban (a raid's backlog) are only deleted, with no further step or notice.
A member who joins the chat again was unbanned by hand: the chat's record is forgotten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.core.actions import AnyAction, Ban, Mute, Unban, Unmute
from bot.core.chats import ChatRef, UserRef
from bot.core.ports import UnitOfWork

BANNED = "banned:"
BANNED_IN = "banned-in:"
#: the chat of a ban recorded before bans were kept per chat
ANY_CHAT = "*"
BANNED_BY = "banned-by:"
#: the end of a ban without one, for comparing ends
NO_END = datetime.max.replace(tzinfo=UTC)
MUTED = "muted:"
#: the chats a running mute was given in: "<its end>|chat,chat"
MUTED_IN = "muted-in:"
FOREVER = "forever"


async def note_bans(actions: Sequence[AnyAction], uow: UnitOfWork, now: datetime) -> None:
    """Remember the bans and mutes among ``actions`` (and forget lifted ones)."""
    for action in actions:
        if isinstance(action, Ban | Mute):
            prefix = BANNED if isinstance(action, Ban) else MUTED
            until = action.until.isoformat() if action.until is not None else FOREVER
            await uow.state.put(prefix + str(action.user), until, now)
            if isinstance(action, Ban):
                await uow.state.put(_in_chat(action.chat, action.user), until, now)
                await _ban_ends_mute_in(uow, action.chat, action.user, now)
            else:
                await _note_muted_in(uow, action.chat, action.user, until, now)
        elif isinstance(action, Unban | Unmute):
            prefix = BANNED if isinstance(action, Unban) else MUTED
            await uow.state.put(prefix + str(action.user), "", now)
            if isinstance(action, Unban):
                await forget_ban_in(uow, action.chat, action.user, now)


def _muted_chats(value: str | None, until: str) -> list[str]:
    """The chats of the running mute ``until`` from its record "<until>|chat,chat"."""
    stamp, _, chats = (value or "").partition("|")
    return [c for c in chats.split(",") if c] if stamp == until else []


async def _note_muted_in(uow: UnitOfWork, chat: ChatRef, user: UserRef, until: str,
                         now: datetime) -> None:
    """Add ``chat`` to the chats the running mute was given in (a new end starts a new list:
    a mute given again replaces the old one wherever it acts)."""
    key = MUTED_IN + str(user)
    chats = _muted_chats(await uow.state.get(key), until)
    if str(chat) not in chats:
        chats.append(str(chat))
    await uow.state.put(key, f"{until}|{','.join(chats)}", now)


async def _ban_ends_mute_in(uow: UnitOfWork, chat: ChatRef, user: UserRef,
                            now: datetime) -> None:
    """A ban in ``chat`` ends the member's mute there: on Telegram a ban replaces the
    restriction, so once the ban ends or is lifted the member writes freely, and /warns must
    not go on saying "Muted until …". When no chat of the mute is left, the mute is over.
    A mute recorded before its chats were kept is left as it was."""
    until = await uow.state.get(MUTED + str(user))
    if not until:
        return
    key = MUTED_IN + str(user)
    chats = _muted_chats(await uow.state.get(key), until)
    if str(chat) not in chats:
        return
    chats.remove(str(chat))
    await uow.state.put(key, f"{until}|{','.join(chats)}", now)
    if not chats:
        await uow.state.put(MUTED + str(user), "", now)


async def forget_refused(uow: UnitOfWork, action: Ban | Mute, now: datetime, *,
                         only_chat: bool) -> None:
    """The platform refused this ban or mute for good (the bot lost the right): it was never
    given in that chat. The member's record (what /warns shows, what the ladder counts on) is
    forgotten only when that chat was the only one it was given in (``only_chat``): a queue's
    /ban that went through in the community's other group still stands. A later sanction
    recorded since (another end) is left alone, and so is a ban kept from an older release."""
    prefix = BANNED if isinstance(action, Ban) else MUTED
    until = action.until.isoformat() if action.until is not None else FOREVER
    if only_chat and await uow.state.get(prefix + str(action.user)) == until:
        await uow.state.put(prefix + str(action.user), "", now)
    if isinstance(action, Ban):
        await forget_ban_in(uow, action.chat, action.user, now, legacy=False)


async def forget_ban_in(uow: UnitOfWork, chat: ChatRef, user: UserRef, now: datetime, *,
                        legacy: bool = True) -> None:
    """The ban in ``chat`` no longer holds (lifted, or the member is back in the chat); a
    ban kept from an older release, for no chat in particular, is lifted with it (``legacy``)."""
    keys = (_in_chat(chat, user), _in_any_chat(user)) if legacy else (_in_chat(chat, user),)
    for key in keys:
        if await uow.state.get(key):
            await uow.state.put(key, "", now)


async def is_banned_in(uow: UnitOfWork, chat: ChatRef, user: UserRef, now: datetime) -> bool:
    """True while a ban the bot gave in ``chat`` runs."""
    return await ban_end_in(uow, chat, user, now) is not None


def _in_chat(chat: ChatRef, user: UserRef) -> str:
    return f"{BANNED_IN}{chat}|{user}"


def _in_any_chat(user: UserRef) -> str:
    """A ban an older release recorded per member only (migration 0005 carries it over):
    it holds in every chat until lifted in one."""
    return f"{BANNED_IN}{ANY_CHAT}|{user}"


async def ban_end_in(uow: UnitOfWork, chat: ChatRef, user: UserRef,
                     now: datetime) -> datetime | None:
    """When the ban the bot gave in ``chat`` ends (``NO_END`` for a permanent one), or None
    when none runs: a second moderator's shorter /ban must not replace a longer one."""
    value = await uow.state.get(_in_chat(chat, user))
    if value is None:  # never banned in this chat by this release: one from before, maybe
        value = await uow.state.get(_in_any_chat(user))
    if not value:
        return None
    end = NO_END if value == FOREVER else datetime.fromisoformat(value)
    return end if end > now else None


async def note_banned_by(uow: UnitOfWork, chat: ChatRef, user: UserRef, who: str,
                         now: datetime) -> None:
    """Who gave the ban in ``chat``, so a second moderator is told who got there first."""
    await uow.state.put(f"{BANNED_BY}{chat}|{user}", who, now)


async def banned_by(uow: UnitOfWork, chat: ChatRef, user: UserRef) -> str:
    return await uow.state.get(f"{BANNED_BY}{chat}|{user}") or ""


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


#: why a moderator gave the running ban or mute: "<its end>|<reason>", so a reason is only
#: shown while the sanction it was given with runs (a later ladder mute has none of its own)
WHY = "why:"


@dataclass(frozen=True, slots=True)
class Restriction:
    """A ban or mute the bot gave that still runs, for a moderator's lookup (/warns)."""

    kind: str  # "ban" or "mute"
    until: datetime | None  # None: until a moderator lifts it
    reason: str


async def note_why(uow: UnitOfWork, actions: Sequence[AnyAction], reason: str,
                   now: datetime) -> None:
    """Remember the moderator's reason for the bans and mutes among ``actions``."""
    for action in actions:
        if isinstance(action, Ban | Mute):
            kind = "ban" if isinstance(action, Ban) else "mute"
            until = action.until.isoformat() if action.until is not None else FOREVER
            await uow.state.put(f"{WHY}{kind}:{action.user}", f"{until}|{reason}", now)


async def restriction(uow: UnitOfWork, user: UserRef, now: datetime) -> Restriction | None:
    """The ban (first) or mute the bot gave ``user`` that still runs, with its reason."""
    for kind, prefix in (("ban", BANNED), ("mute", MUTED)):
        value = await uow.state.get(prefix + str(user))
        if not value or (value != FOREVER and datetime.fromisoformat(value) <= now):
            continue
        stamp, _, reason = (await uow.state.get(f"{WHY}{kind}:{user}") or "").partition("|")
        until = None if value == FOREVER else datetime.fromisoformat(value)
        return Restriction(kind, until, reason if stamp == value else "")
    return None
