"""Bot API reads returned as plain JSON, for the objects whose schema keeps growing.

aiogram validates every result against the newest Bot API it knows, where each release adds
required rights to ChatMemberAdministrator (can_post_stories, can_manage_direct_messages,
can_send_welcome_messages…) and fields to ChatFullInfo. A server one release behind (a
self-hosted telegram-bot-api build, a test double) then fails the whole call, and with it the
admin list: every admin would become a plain member, refused their commands and punished by
the filter. The bot only needs a few keys of these objects, so it reads them as dicts.
"""

from __future__ import annotations

from typing import Any

from aiogram.methods import TelegramMethod

Json = dict[str, Any]


class GetRawChatAdministrators(TelegramMethod[list[Json]]):
    __returning__ = list[Json]
    __api_method__ = "getChatAdministrators"

    chat_id: int | str


class GetRawChatMember(TelegramMethod[Json]):
    __returning__ = Json
    __api_method__ = "getChatMember"

    chat_id: int | str
    user_id: int


class GetRawChat(TelegramMethod[Json]):
    __returning__ = Json
    __api_method__ = "getChat"

    chat_id: int | str


def member_user_id(member: Json) -> str | None:
    """The member's user id, or None for an entry without one (never expected, not fatal)."""
    user = member.get("user")
    if isinstance(user, dict) and isinstance(user.get("id"), int):
        return str(user["id"])
    return None
