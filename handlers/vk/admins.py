"""Who administers a VK chat, for the core's AdminCache (which does the caching)."""

from __future__ import annotations

import logging
from typing import Any

from bot.core.chats import ChatRef
from handlers.vk.api import NO_CHAT_ACCESS, NOT_CHAT_ADMIN, VkCallError, VkClient

log = logging.getLogger(__name__)


class VkChatAdmins:
    """messages.getConversationMembers → the members marked is_admin or is_owner.

    Only people count: a community that is a chat admin (other bots) is not a moderator. Our
    own community is listed too, everywhere: it is never a moderator (the core never takes a
    bot for one), but it is protected, so "!ban" in reply to the bot's own message is refused
    instead of the community banning itself and leaving its chat.
    """

    def __init__(self, client: VkClient, group_id: int | None = None) -> None:
        self._client = client
        self._own = frozenset({f"-{group_id}"}) if group_id else frozenset()

    async def admin_ids(self, chat: ChatRef) -> frozenset[str]:
        if chat.platform != "vk" or chat.is_vk_wall or chat.is_private:
            return self._own
        try:
            response = await self._client.call("messages.getConversationMembers",
                                               {"peer_id": int(chat.chat_id)})
        except VkCallError as exc:
            if exc.code not in (NO_CHAT_ACCESS, NOT_CHAT_ADMIN):
                raise
            # A fact, not an outage: without chat-admin rights the community can remove
            # nobody either, so no admin is at risk and the filter goes on deleting.
            log.warning("event=vk.admins_unavailable chat=%s code=%s", chat, exc.code)
            return self._own
        return self._admins(response)

    def _admins(self, response: Any) -> frozenset[str]:
        return self._own | frozenset(
            str(item["member_id"]) for item in response.get("items", ())
            if int(item.get("member_id", 0)) > 0
            and (item.get("is_admin") or item.get("is_owner"))
        )
