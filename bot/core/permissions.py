"""Who is a moderator: the chat's admins (cached with an expiry) plus the configured list.

Anonymous admins count; forwarded messages, channel senders and bots never do, because a
forwarded "/ban" is someone else's words and a channel can be run by anyone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

from bot.core.chats import ChatRef
from bot.core.clock import Clock
from bot.core.events import Author, SenderKind
from bot.core.ports import ChatAdmins
from bot.core.settings import CommunitySettings

log = logging.getLogger(__name__)


RETRY_FAILED = timedelta(minutes=1)


class AdminsUnavailable(Exception):
    """The platform did not tell us who administers the chat (asked again after a minute)."""


class AdminCache:
    """Admins per chat, refreshed after `ttl` (per network where `ttls` names one: the owners
    set `admins_ttl` in each network's section); a failed fetch keeps the old list."""

    def __init__(self, source: ChatAdmins | None, clock: Clock, ttl: timedelta,
                 ttls: Mapping[str, timedelta] | None = None) -> None:
        self._source = source
        self._clock = clock
        self._ttl = ttl
        self._ttls = dict(ttls or {})
        self._cache: dict[ChatRef, tuple[datetime, frozenset[str]]] = {}
        self._failed: dict[ChatRef, datetime] = {}

    def set_source(self, source: ChatAdmins) -> None:
        self._source = source

    async def admins(self, chat: ChatRef) -> frozenset[str]:
        now = self._clock.now()
        cached = self._cache.get(chat)
        if cached and now - cached[0] < self._ttls.get(chat.platform, self._ttl):
            return cached[1]
        if self._source is None or chat.is_private or chat.is_vk_wall:
            return cached[1] if cached else frozenset()
        failed = self._failed.get(chat)
        if failed is not None and now - failed < RETRY_FAILED and not cached:
            raise AdminsUnavailable(f"admins of {chat} could not be read recently")
        try:
            fresh = await self._source.admin_ids(chat)
        except Exception:  # the platform being down must not make everyone a member forever
            self._failed[chat] = now  # and a busy chat must not ask again for every message
            if cached:
                return cached[1]
            raise
        self._failed.pop(chat, None)
        self._cache[chat] = (now, fresh)
        return fresh

    def invalidate(self, chat: ChatRef) -> None:
        self._cache.pop(chat, None)


class Permissions:
    def __init__(self, admins: AdminCache) -> None:
        self._admins = admins

    async def is_moderator(self, community: CommunitySettings, chat: ChatRef,
                           author: Author) -> bool:
        """Whether ``author`` may use moderator commands and buttons in ``chat``.

        As in Rose, an admin's powers in a group are that group's own: the admin of an
        off-topic side group may not ban in the main group. The queue chat's admins are the
        community's moderators (they work every chat's tickets), and so are the listed
        ``moderators``. The queue chat itself, private chats and the VK wall (which has no
        admin list) serve the whole community, so there any of its chats' admins counts: a
        group's admin who is a plain member of the queue chat still works its cards."""
        community_wide = chat.is_private or chat.is_vk_wall or chat == community.queue
        return await self._judge(community, chat, author,
                                 community_wide=community_wide) is True

    async def _judge(self, community: CommunitySettings, chat: ChatRef, author: Author, *,
                     community_wide: bool) -> bool | None:
        """True or False; None when this chat's admin list could not be fetched and nothing
        else decided. Another chat whose admins cannot be read (the bot was removed from it)
        counts as having none, so it neither breaks nor disarms moderation everywhere else."""
        if author.kind in (SenderKind.FORWARDED, SenderKind.CHANNEL, SenderKind.BOT):
            return False
        if author.kind is SenderKind.ANONYMOUS_ADMIN:
            return chat in community.chats or chat == community.queue
        if community.is_moderator_listed(author.ref):
            return True
        scope = (*community.chats, community.queue) if community_wide else (community.queue,)
        chats = [c for c in scope if c is not None and c.platform == author.ref.platform]
        if chat.platform == author.ref.platform and chat not in chats:
            chats.insert(0, chat)
        unknown = False
        for candidate in chats:
            try:
                admins = await self._admins.admins(candidate)
            except Exception:
                log.warning("event=permissions.admins_unavailable chat=%s", candidate,
                            exc_info=True)
                unknown = unknown or candidate == chat
                continue
            if author.ref.user_id in admins:
                return True
        return None if unknown else False

    async def is_protected(self, community: CommunitySettings, chat: ChatRef,
                           author: Author) -> bool:
        """Admins and listed moderators are never punished automatically.

        The person behind the message is judged like a moderator of the whole community: an
        admin of one of its chats is protected in the others too (and on the VK wall, which
        has no admin list of its own), matching who may use moderator commands.
        """
        if author.kind is SenderKind.ANONYMOUS_ADMIN:
            return True
        if author.kind is not SenderKind.MEMBER:
            author = Author(author.ref, author.name, author.username, SenderKind.MEMBER)
        # When this chat's admin list cannot be read the filter still acts on Telegram: the
        # platform itself refuses to restrict an admin, and a chat left unmoderated whenever
        # getChatAdministrators fails (or a Bot API server lacks it) is the worse failure.
        # VK lets a community remove a chat's own admins, so there an unknown sender is
        # spared until the list can be read again (asked again after a minute).
        verdict = await self._judge(community, chat, author, community_wide=True)
        if verdict is None and chat.platform == "vk":
            log.warning("event=permissions.spared_unknown chat=%s user=%s", chat, author.ref)
            return True
        return verdict is True
