"""Start-up check: does the bot hold the rights its configured chats need?

A bot that cannot delete or restrict fails quietly at the worst moment (a spam wave), so the
owner gets one clear line per missing right at start, and `check_rights` lets a
`check-config --online` command print the same lines.
"""

from __future__ import annotations

import logging

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)

from bot.config import LoadedConfig
from bot.core.chats import ChatRef
from handlers.telegram.raw import GetRawChatMember

log = logging.getLogger(__name__)

# right -> what breaks without it (shown to the owner)
_GROUP_RIGHTS = {
    "can_delete_messages": "delete obscene messages and spam",
    "can_restrict_members": "mute and ban members",
}
_CHANNEL_RIGHTS = {
    "can_post_messages": "publish scheduled posts",
    "can_delete_messages": "delete messages",
}


def _telegram_chats(config: LoadedConfig) -> tuple[list[ChatRef], list[ChatRef]]:
    """(community chats, queue chats that are not also community chats), configured order."""
    chats: list[ChatRef] = []
    queues: list[ChatRef] = []
    for community in config.app.community:
        for chat in community.chats:
            if chat.platform == "telegram" and chat not in chats:
                chats.append(chat)
        queue = community.queue
        if queue is not None and queue.platform == "telegram" and queue not in queues:
            queues.append(queue)
    return chats, [q for q in queues if q not in chats]


def _problem(chat: ChatRef, right: str, why: str) -> str:
    log.warning("event=telegram.missing_right chat=%s right=%s", chat, right)
    return f"{chat}: the bot lacks {right} (needed to {why})"


async def check_rights(bot: Bot, config: LoadedConfig) -> list[str]:
    """One line per missing right in every configured Telegram chat; [] when all is well."""
    chats, queues = _telegram_chats(config)
    problems: list[str] = []
    for chat, is_queue in [(c, False) for c in chats] + [(q, True) for q in queues]:
        if chat.is_private:
            continue
        try:
            member = await bot(GetRawChatMember(chat_id=int(chat.chat_id), user_id=bot.id))
        except TelegramMigrateToChat as exc:
            # the bot follows an upgraded group to its new id, but the owner should know
            new = ChatRef("telegram", str(exc.migrate_to_chat_id))
            log.warning("event=telegram.chat_migrated chat=%s new_chat=%s", chat, new)
            problems.append(f"{chat}: the group became a supergroup; put {new} in the config "
                            f"in place of {chat}")
            continue
        except (TelegramNetworkError, TelegramServerError, TelegramRetryAfter,
                TelegramUnauthorizedError):
            raise  # Telegram unreachable or the token wrong: not a fact about this chat
        except TelegramAPIError as exc:
            problems.append(_problem(chat, "member", f"work there at all: {exc.message}"))
            continue
        status = member.get("status")
        if status in ("left", "kicked"):
            problems.append(_problem(chat, "member", "work there at all"))
            continue
        if is_queue or status == "creator":
            continue  # the queue only needs the bot to post; an owner has every right
        if status != "administrator":
            problems.append(_problem(chat, "administrator", "moderate"))
            continue
        is_channel = "can_post_messages" in member
        for right, why in (_CHANNEL_RIGHTS if is_channel else _GROUP_RIGHTS).items():
            if member.get(right) is not True:
                problems.append(_problem(chat, right, why))
    return problems


async def check_config_online(config: LoadedConfig) -> list[str]:
    """`check_rights` with a Bot built from the config's `[telegram]` (for check-config)."""
    from handlers.telegram.client import build_bot

    if config.app.telegram is None:
        return []
    bot = build_bot(config.app.telegram)
    try:
        return await check_rights(bot, config)
    finally:
        await bot.session.close()
