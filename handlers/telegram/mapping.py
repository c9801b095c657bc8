"""Telegram update → core event, once, at the edge.

Everything Telegram-specific about *who* wrote a message (anonymous admins, channels posting
in a group, forwards, bots) is decided here, so the core only ever sees a `SenderKind`.
Updates the core has no use for (service messages, channel posts, polls …) map to None.
"""

from __future__ import annotations

from datetime import UTC, datetime

from aiogram.types import (
    CallbackQuery,
    ChatMemberUpdated,
    Message,
    Update,
    User,
)
from aiogram.types import (
    Chat as TgChat,
)

from bot.core.chats import ChatRef, UserRef
from bot.core.events import (
    Author,
    CallbackPressed,
    ChatMigrated,
    Event,
    IncomingMessage,
    MemberChanged,
    ReplyTarget,
    SenderKind,
)
from handlers.edits import edit_digest

PLATFORM = "telegram"
TELEGRAM_SERVICE_USER = 777000  # the sender of a linked channel's automatic forwards

# Service messages carry one of these; none of them is something a member "said".
_SERVICE_FIELDS = (
    "new_chat_members", "left_chat_member", "new_chat_title", "new_chat_photo",
    "delete_chat_photo", "group_chat_created", "supergroup_chat_created",
    "channel_chat_created", "migrate_to_chat_id", "migrate_from_chat_id", "pinned_message",
    "message_auto_delete_timer_changed", "forum_topic_created", "forum_topic_edited",
    "forum_topic_closed", "forum_topic_reopened", "general_forum_topic_hidden",
    "general_forum_topic_unhidden", "video_chat_started", "video_chat_ended",
    "video_chat_scheduled", "video_chat_participants_invited", "boost_added",
    "chat_background_set", "users_shared", "chat_shared", "write_access_allowed",
    "proximity_alert_triggered",
)
_PRESENT = ("member", "administrator", "creator")


def chat_ref(chat_id: int) -> ChatRef:
    return ChatRef(PLATFORM, str(chat_id))


def _as_utc(moment: datetime | int) -> datetime:
    """aiogram gives `date` as a datetime but `edit_date` as Unix seconds."""
    if isinstance(moment, int):
        return datetime.fromtimestamp(moment, UTC)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def user_author(user: User) -> Author:
    kind = SenderKind.BOT if user.is_bot else SenderKind.MEMBER
    return Author(UserRef(PLATFORM, str(user.id)), user.full_name, user.username, kind)


def _chat_title(chat: TgChat) -> str:
    return chat.title or chat.full_name or str(chat.id)


def _is_forward(message: Message) -> bool:
    return bool(message.forward_origin or message.forward_date or message.forward_from
                or message.forward_from_chat or message.forward_sender_name)


def message_author(message: Message) -> Author | None:
    """Who is behind a message, in the terms the core's permission rules use."""
    sender_chat = message.sender_chat
    if sender_chat is not None and sender_chat.id == message.chat.id:
        return Author(UserRef(PLATFORM, str(message.chat.id)), _chat_title(message.chat),
                      message.chat.username, SenderKind.ANONYMOUS_ADMIN)
    if sender_chat is not None and message.is_automatic_forward:
        # A linked channel's post copied into its discussion group: the channel's words.
        return Author(UserRef(PLATFORM, str(sender_chat.id)), _chat_title(sender_chat),
                      sender_chat.username, SenderKind.FORWARDED)
    if sender_chat is not None:
        return Author(UserRef(PLATFORM, str(sender_chat.id)), _chat_title(sender_chat),
                      sender_chat.username, SenderKind.CHANNEL)
    user = message.from_user
    if user is None:
        return None
    author = user_author(user)
    if _is_forward(message):
        return Author(author.ref, author.name, author.username, SenderKind.FORWARDED)
    return author


def largest_photo(message: Message) -> str | None:
    if not message.photo:
        return None
    return max(message.photo, key=lambda size: (size.width * size.height, size.file_size or 0)
               ).file_id


def message_link(message: Message) -> str | None:
    """t.me links exist for supergroups and channels only; a forum topic's message links
    through its topic (t.me/c/<chat>/<topic>/<message>, as "Copy link" gives), or some apps
    open the chat without finding the message."""
    chat = message.chat
    if chat.type not in ("supergroup", "channel"):
        return None
    topic = f"{message.message_thread_id}/" \
        if message.is_topic_message and message.message_thread_id else ""
    if chat.username:
        return f"https://t.me/{chat.username}/{topic}{message.message_id}"
    internal = str(chat.id).removeprefix("-100")
    return f"https://t.me/c/{internal}/{topic}{message.message_id}"


def _is_service(message: Message) -> bool:
    return any(getattr(message, name, None) for name in _SERVICE_FIELDS)


def _reply_target(message: Message) -> ReplyTarget | None:
    replied = message.reply_to_message
    if replied is None or replied.forum_topic_created is not None:
        return None  # in forums every topic message "replies" to the topic's opening
    return ReplyTarget(message_id=str(replied.message_id), author=_replied_author(replied),
                       text=_with_link_targets(replied), photo=largest_photo(replied),
                       link=message_link(replied), media=media_kind(replied))


def _with_link_targets(message: Message) -> str:
    """The text with each hidden link's address after its words ("Register here
    (https://…)"): a post scheduled from the message keeps where its link pointed, and a
    reported message shows moderators where it leads. Offsets count UTF-16 code units."""
    text = message.text or message.caption or ""
    entities = message.entities if message.text else message.caption_entities
    links = sorted((e for e in entities or () if e.type == "text_link" and e.url),
                   key=lambda e: e.offset + e.length)
    if not links:
        return text
    units = text.encode("utf-16-le")
    parts: list[str] = []
    done = 0
    for link in links:
        end = 2 * (link.offset + link.length)
        if end < done:
            continue
        parts.append(units[done:end].decode("utf-16-le", errors="replace"))
        shown = units[2 * link.offset:end].decode("utf-16-le", errors="replace")
        if link.url and link.url not in shown:
            parts.append(f" ({link.url})")
        done = end
    parts.append(units[done:].decode("utf-16-le", errors="replace"))
    return "".join(parts)


def _replied_author(replied: Message) -> Author | None:
    """Who a reply points at. "Carol added Spammy" is about the newcomer, not about Carol who
    added them; with several newcomers it names nobody (the moderator must say whom)."""
    newcomers = replied.new_chat_members or []
    if newcomers:
        return user_author(newcomers[0]) if len(newcomers) == 1 else None
    return message_author(replied)


def media_kind(message: Message) -> str | None:
    """What a message without text shows, for a moderator reading a ticket card."""
    if message.sticker is not None:
        return f"sticker {message.sticker.emoji or ''}".strip()
    if message.animation is not None:
        return "GIF"
    kinds = (("video", message.video), ("voice message", message.voice),
             ("video message", message.video_note), ("audio", message.audio),
             ("location", message.location), ("contact", message.contact))
    for name, present in kinds:
        if present is not None:
            return name
    if message.document is not None:
        return f"file {message.document.file_name or ''}".strip()
    if message.poll is not None:
        return f"poll: {message.poll.question}"
    return None


def _mentions(message: Message) -> tuple[tuple[str, UserRef], ...]:
    """Text mentions carry the user; plain @mentions are resolved by the core."""
    text = message.text or message.caption or ""
    entities = message.entities or message.caption_entities or []
    out: list[tuple[str, UserRef]] = []
    for entity in entities:
        if entity.type == "text_mention" and entity.user is not None:
            out.append((entity.extract_from(text), UserRef(PLATFORM, str(entity.user.id))))
    return tuple(out)


def map_migration(message: Message) -> ChatMigrated | None:
    """The service message of a group turned supergroup: the old chat gets one naming the new
    id, the new chat one naming the old; either tells the core (it acts once)."""
    if message.migrate_to_chat_id:
        new, old = message.migrate_to_chat_id, message.chat.id
    elif message.migrate_from_chat_id:
        new, old = message.chat.id, message.migrate_from_chat_id
    else:
        return None
    return ChatMigrated(event_id=f"{PLATFORM}:migrated:{old}:{new}:{message.chat.id}",
                        chat=chat_ref(new), previous=chat_ref(old),
                        date=_as_utc(message.date))


def map_message(message: Message, *, edited: bool = False) -> IncomingMessage | None:
    if _is_service(message):
        return None
    author = message_author(message)
    if author is None:
        return None
    event_id = f"{PLATFORM}:{message.chat.id}:{message.message_id}"
    date = _as_utc(message.date)
    if edited:
        edit_date = message.edit_date or message.date
        edit_unix = int(_as_utc(edit_date).timestamp())
        # edit_date counts seconds: the text tells two edits within one apart
        event_id = f"{event_id}:edit:{edit_unix}:{edit_digest(message.text or message.caption)}"
        date = _as_utc(edit_date)
    thread = message.message_thread_id if message.is_topic_message else None
    return IncomingMessage(
        event_id=event_id,
        chat=chat_ref(message.chat.id),
        message_id=str(message.message_id),
        author=author,
        text=message.text or message.caption or _poll_text(message),
        date=date,
        reply_to=_reply_target(message),
        thread_id=str(thread) if thread is not None else None,
        photo=largest_photo(message),
        edited=edited,
        link=message_link(message),
        mentions=_mentions(message),
        album=message.media_group_id,
        poll=message.poll is not None,
        chat_title=message.chat.title or "",
    )


def _poll_text(message: Message) -> str:
    """A poll's question and options: the member's words as much as a message's."""
    poll = message.poll
    if poll is None:
        return ""
    return "\n".join([poll.question, *(option.text for option in poll.options)])


def map_callback(query: CallbackQuery, now: datetime) -> CallbackPressed | None:
    """Presses on inline messages (no chat) or game buttons (no data) are not ours."""
    if query.message is None or query.data is None:
        return None
    return CallbackPressed(
        event_id=f"{PLATFORM}:cb:{query.id}",
        chat=chat_ref(query.message.chat.id),
        message_id=str(query.message.message_id),
        author=user_author(query.from_user),
        data=query.data,
        callback_id=query.id,
        date=now,
    )


def _present(status: str, member: object) -> bool:
    if status == "restricted":
        return bool(getattr(member, "is_member", False))
    return status in _PRESENT


def map_member(update: ChatMemberUpdated, bot_id: int, update_id: int) -> MemberChanged | None:
    """Arrivals and departures, and the bot's own promotion or demotion; other members'
    promotions and restrictions are not membership news.

    Membership changes have no message id, so the update id (stable across redelivery) makes
    the event id unique: the same person may leave and come back within one second.
    """
    old, new = update.old_chat_member, update.new_chat_member
    was, now_in = _present(old.status, old), _present(new.status, new)
    user = new.user
    admin: bool | None = None
    if was and now_in and user.id == bot_id and admins_changed(update):
        # the bot's own promotion or demotion: the core tells the moderators what it means
        admin = new.status in ("administrator", "creator")
    elif was == now_in:
        return None
    date = _as_utc(update.date)
    return MemberChanged(
        event_id=f"{PLATFORM}:member:{update.chat.id}:{user.id}:{update_id}",
        chat=chat_ref(update.chat.id),
        user=user_author(user),
        joined=now_in,
        is_bot_itself=user.id == bot_id,
        date=date,
        chat_title=_chat_title(update.chat),
        broadcast=update.chat.type == "channel",
        admin=admin,
    )


def admins_changed(update: ChatMemberUpdated) -> bool:
    """A promotion or demotion: the cached admin list of that chat is stale."""
    admin = ("administrator", "creator")
    return (update.old_chat_member.status in admin) != (update.new_chat_member.status in admin)


def map_update(update: Update, bot_id: int, now: datetime) -> Event | None:
    """The one place a Telegram update becomes a core event (or nothing)."""
    if update.message is not None:
        return map_migration(update.message) or map_message(update.message)
    if update.edited_message is not None:
        return map_message(update.edited_message, edited=True)
    if update.callback_query is not None:
        return map_callback(update.callback_query, now)
    if update.my_chat_member is not None:
        return map_member(update.my_chat_member, bot_id, update.update_id)
    if update.chat_member is not None:
        return map_member(update.chat_member, bot_id, update.update_id)
    return None


ALLOWED_UPDATES = ["message", "edited_message", "callback_query", "my_chat_member",
                   "chat_member"]
