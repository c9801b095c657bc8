"""The core's ChatAdmins port on Telegram: who administers a chat, per getChatAdministrators."""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNotFound,
)

from bot.core.chats import ChatRef
from handlers.telegram.raw import GetRawChat, GetRawChatAdministrators, member_user_id

log = logging.getLogger(__name__)


class TelegramChatAdmins:
    """Asked by the core's AdminCache, which keeps the answer for `admins_ttl` seconds.

    A discussion group's linked channel counts among its admins (see _linked_channel).

    Outages (network, 5xx, 429) propagate on purpose: the cache then keeps the previous list
    instead of treating every admin as a plain member while Telegram is unreachable.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
        if chat.platform != "telegram" or chat.is_private:
            return frozenset()
        try:
            members = await self._bot(GetRawChatAdministrators(chat_id=int(chat.chat_id)))
        except TelegramMigrateToChat as exc:
            # the group became a supergroup and the config still has its old id: its admins
            # are the new chat's (the bot follows the group there, README)
            return await self.admin_ids(ChatRef("telegram", str(exc.migrate_to_chat_id)))
        except (TelegramBadRequest, TelegramForbiddenError, TelegramNotFound) as exc:
            # Not an outage but a fact (chat gone, bot removed): nobody there is an admin
            # we can see, and failing here would fail every message that asks.
            log.warning("event=telegram.admins_unavailable chat=%s error=%s", chat, exc.message)
            return frozenset()
        admins = {uid for member in members if (uid := member_user_id(member)) is not None}
        linked = await self._linked_channel(int(chat.chat_id))
        if linked is not None:
            admins.add(linked)
        return frozenset(admins)

    async def _linked_channel(self, chat_id: int) -> str | None:
        """The channel whose discussion group this is: its posts and comments are the
        owners' words (Rose treats it as an admin), never a member's to punish or ban."""
        try:
            info = await self._bot(GetRawChat(chat_id=chat_id))
        except Exception as exc:  # the admin list stands without it
            log.warning("event=telegram.linked_chat_unavailable chat=%s error=%s",
                        chat_id, type(exc).__name__)
            return None
        linked = info.get("linked_chat_id")
        return str(linked) if isinstance(linked, int) and linked else None


class ByPlatformAdmins:
    """Sends each chat to its own network's source.

    The core's AdminCache takes a single source; when VK and Telegram both run in one
    process, the one attached second must not hide the other's admins.
    """

    def __init__(self, sources: dict[str, object]) -> None:
        self.sources = sources

    async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
        source = self.sources.get(chat.platform) or self.sources.get("*")
        if source is None:
            return frozenset()
        return await source.admin_ids(chat)  # type: ignore[attr-defined, no-any-return]
