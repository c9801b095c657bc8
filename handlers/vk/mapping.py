"""Bots Long Poll updates → neutral core events, once, at the edge.

Chat messages are addressed by `conversation_message_id` (what messages.delete/edit take with
`peer_id`), wall comments by comment id under `thread_id` = post id. The bot's own output
(anything from `-group_id`) is never input.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from bot.core.chats import VK_CHAT_PEER_BASE, ChatRef, UserRef
from bot.core.events import (
    Author,
    CallbackPressed,
    Event,
    IncomingMessage,
    MemberChanged,
    ReplyTarget,
    SenderKind,
)
from handlers.edits import edit_digest

WALL = ChatRef("vk", "wall")
_MENTION = re.compile(r"\[(id|club|public)(\d+)\|([^\]]*)\]")


def _date(raw: Any) -> datetime:
    try:
        return datetime.fromtimestamp(int(raw), UTC)
    except (TypeError, ValueError, OverflowError):
        return datetime.fromtimestamp(0, UTC)


def author_of(from_id: int, group_id: int, *, on_wall: bool = False) -> Author:
    """Positive ids are people; negative ids are communities, never moderators.

    In a chat a community is a chat bot, left alone like Telegram's bots. On the wall it is a
    person writing "on behalf of" a page they run: judged like Telegram's member posting as a
    channel (deleted, warned, the page banned), or the filter could be dodged that way.
    Our own community is always ours.
    """
    if from_id < 0:
        kind = SenderKind.CHANNEL if on_wall and from_id != -group_id else SenderKind.BOT
        return Author(UserRef("vk", str(from_id)), f"club{-from_id}", kind=kind)
    return Author(UserRef("vk", str(from_id)), f"id{from_id}")


def photo_of(attachments: Any) -> str | None:
    """The first photo as a VK attachment string ("photo<owner>_<id>[_<key>]")."""
    for item in attachments or ():
        if isinstance(item, dict) and item.get("type") == "photo":
            photo = item.get("photo") or {}
            name = f"photo{photo.get('owner_id')}_{photo.get('id')}"
            key = photo.get("access_key")
            return f"{name}_{key}" if key else name
    return None


def mention_labels(text: str) -> tuple[tuple[str, UserRef], ...]:
    """The labels of person mentions that are not a handle ("[id7|Мария]", "[id7|any words]"):
    what readers see as the link's text (see IncomingMessage.labels)."""
    return tuple((shown, UserRef("vk", number)) for kind, number, shown in _MENTION.findall(text)
                 if kind == "id" and shown.strip() and not shown.startswith("@"))


def forwarded_text(forwards: Any, depth: int = 0) -> str:
    """The text of every forwarded message, nested forwards included (bounded)."""
    if not isinstance(forwards, list) or depth > 5:
        return ""
    parts: list[str] = []
    for item in forwards:
        if isinstance(item, dict):
            parts.append(str(item.get("text", "")))
            parts.append(forwarded_text(item.get("fwd_messages"), depth + 1))
    return "\n".join(part for part in parts if part)


def attached_text(attachments: Any) -> str:
    """The words members read inside attachments: a poll's question and answers, a shared
    wall post's text (and the post it shares). A message with only a poll or a repost has no
    text of its own, and мат there must not slip past the filter."""
    if not isinstance(attachments, list):
        return ""
    parts: list[str] = []
    for item in attachments:
        if not isinstance(item, dict):
            continue
        poll, post = item.get("poll"), item.get("wall")
        if item.get("type") == "poll" and isinstance(poll, dict):
            parts.append(str(poll.get("question", "")))
            parts.extend(str(a.get("text", "")) for a in poll.get("answers") or []
                         if isinstance(a, dict))
        elif item.get("type") == "wall" and isinstance(post, dict):
            parts.append(str(post.get("text", "")))
            parts.extend(str(c.get("text", "")) for c in post.get("copy_history") or []
                         if isinstance(c, dict))
    return "\n".join(part for part in parts if part)


def normalize_text(text: str, group_id: int) -> tuple[str, tuple[tuple[str, UserRef], ...]]:
    """Strip a leading mention of this community; turn "[id1|@durov]" into "@durov".

    A member addressing the bot in a chat writes "[club42|@modbot] /help": the command is
    what follows. Person mentions become "@name" (or "@id123" when VK shows a plain name)
    with the resolved user, so "!ban [id5|@spammer]" works like "/ban @spammer".
    """
    own = re.match(rf"^\s*\[(?:club|public){group_id}\|[^\]]*\][\s,:]*", text)
    if own:
        text = text[own.end():]
    mentions: list[tuple[str, UserRef]] = []

    def replace(match: re.Match[str]) -> str:
        kind, number, shown = match.group(1), match.group(2), match.group(3)
        if kind != "id":
            return shown
        handle = shown if shown.startswith("@") else f"@id{number}"
        mentions.append((handle, UserRef("vk", number)))
        return handle

    return _MENTION.sub(replace, text).strip(), tuple(mentions)


def _event_id(update: dict[str, Any], fallback: str) -> str:
    raw = update.get("event_id")
    return f"vk:{raw}" if raw else f"vk:{fallback}"


def _reply_target(reply: Any, group_id: int, same_chat: int | None = None, *,
                  private: bool = False) -> ReplyTarget | None:
    """The message replied to, or (``same_chat`` set) a forwarded one: its id is usable only
    if it was forwarded from this very chat, so nothing else gets deleted by mistake. In a
    private dialog a forward from a chat keeps its id with that chat (ReplyTarget.chat)."""
    if not isinstance(reply, dict):
        return None
    text, _ = normalize_text(str(reply.get("text", "")), group_id)
    message_id = reply.get("conversation_message_id", reply.get("id"))
    origin = None
    if same_chat is not None and reply.get("peer_id") != same_chat:
        origin_peer = int(reply.get("peer_id") or 0)
        if private and origin_peer >= VK_CHAT_PEER_BASE and message_id:
            origin = ChatRef("vk", str(origin_peer))
        else:
            message_id = ""
    return ReplyTarget(message_id=str(message_id or ""),
                       author=author_of(int(reply.get("from_id", 0)), group_id),
                       text=text, photo=photo_of(reply.get("attachments")),
                       media=media_of(reply.get("attachments")), chat=origin)


_VK_MEDIA = {"video": "video", "audio_message": "voice message", "audio": "audio",
             "doc": "file", "graffiti": "graffiti", "wall": "repost", "poll": "poll",
             "link": "link", "market": "product", "gift": "gift"}


def media_of(attachments: Any) -> str | None:
    """What a message without text shows (a sticker, a voice message…), for a ticket card."""
    for item in attachments or ():
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "sticker":
            return "sticker"
        if kind in _VK_MEDIA:
            return _VK_MEDIA[str(kind)]
    return None


def _map_message(update: dict[str, Any], group_id: int) -> Event | None:
    obj = update.get("object") or {}
    message = obj.get("message", obj)  # API >= 5.103 wraps the message
    peer_id = int(message["peer_id"])
    from_id = int(message.get("from_id", peer_id))
    cmid = message.get("conversation_message_id", message.get("id"))
    chat = ChatRef("vk", str(peer_id))
    edited = update.get("type") == "message_edit"
    fallback = f"{peer_id}:{cmid}" + (
        f":edit:{message.get('update_time')}:{edit_digest(str(message.get('text', '')))}"
        if edited else "")
    event_id = _event_id(update, fallback)
    date = _date(message.get("date"))
    action = message.get("action")
    if isinstance(action, dict) and action.get("type") in (
            "chat_invite_user", "chat_invite_user_by_link", "chat_kick_user"):
        member = int(action.get("member_id", from_id))
        return MemberChanged(
            event_id=event_id, chat=chat, user=author_of(member, group_id),
            joined=action["type"] != "chat_kick_user", is_bot_itself=member == -group_id,
            date=date, chat_title=str(action.get("text", "")))
    if from_id == -group_id:
        return None
    raw_text = str(message.get("text", ""))
    if peer_id < VK_CHAT_PEER_BASE and _is_start_button(message.get("payload")):
        raw_text = "/start"  # VK's own "Start" button of a new dialogue, worded in any language
    text, mentions = normalize_text(raw_text, group_id)
    labels = mention_labels(raw_text)
    author = author_of(from_id, group_id)
    forwards = message.get("fwd_messages") or []
    shown = "\n".join(part for part in (forwarded_text(forwards),
                                         attached_text(message.get("attachments"))) if part)
    reply_to = _reply_target(message.get("reply_message"), group_id)
    if not text and forwards and author.kind is SenderKind.MEMBER:
        forwarded = forwards[0]
        text, mentions = normalize_text(str(forwarded.get("text", "")), group_id)
        labels = mention_labels(str(forwarded.get("text", "")))
        author = Author(author.ref, author.name, kind=SenderKind.FORWARDED)
    elif reply_to is None and forwards and isinstance(forwards[0], dict):
        # "!ban" sent with a forwarded message: on VK that is how one points at a message
        reply_to = _reply_target(forwards[0], group_id, same_chat=peer_id,
                                 private=peer_id < VK_CHAT_PEER_BASE)
    if peer_id < VK_CHAT_PEER_BASE:
        chat = ChatRef("vk", str(from_id))
    return IncomingMessage(
        event_id=event_id, chat=chat, message_id=str(cmid), author=author, text=text,
        date=date, reply_to=reply_to, photo=photo_of(message.get("attachments")),
        mentions=mentions, edited=edited, shown=shown, labels=labels)


def _is_start_button(payload: object) -> bool:
    """VK's "Start" («Начать») button sends the payload {"command": "start"} (as a string)."""
    if not isinstance(payload, str | dict):
        return False
    try:
        data = json.loads(payload) if isinstance(payload, str) else payload
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("command") == "start"


# Recent wall comments by (group, comment id): VK's event for a reply names the comment it
# answers and its author, not its text, so a report from a wall comment would show moderators
# an empty card. Bounded; lost on restart (the card then has the link only).
_RECENT_COMMENTS: OrderedDict[tuple[int, int], tuple[str, int]] = OrderedDict()
_RECENT_LIMIT = 5000


def _remember_comment(group_id: int, comment_id: int, text: str, from_id: int) -> None:
    _RECENT_COMMENTS[(group_id, comment_id)] = (text, from_id)
    _RECENT_COMMENTS.move_to_end((group_id, comment_id))
    while len(_RECENT_COMMENTS) > _RECENT_LIMIT:
        _RECENT_COMMENTS.popitem(last=False)


def _map_wall_reply(update: dict[str, Any], group_id: int) -> Event | None:
    obj = update.get("object") or {}
    from_id = int(obj.get("from_id", 0))
    comment_id, post_id = obj["id"], obj["post_id"]
    _remember_comment(group_id, int(comment_id), str(obj.get("text", "")), from_id)
    if from_id == -group_id:
        return None
    edited = update["type"] == "wall_reply_edit"
    fallback = f"wall:{post_id}:{comment_id}" + (
        f":edit:{obj.get('date')}:{edit_digest(str(obj.get('text', '')))}" if edited else "")
    text, mentions = normalize_text(str(obj.get("text", "")), group_id)
    reply_to = None
    if obj.get("reply_to_comment"):
        # VK names the author of the comment replied to (reply_to_user), not its text: the
        # text comes from the comment as the bot read it
        seen_text, _ = _RECENT_COMMENTS.get((group_id, int(obj["reply_to_comment"])), ("", 0))
        replied = obj.get("reply_to_user")
        author = author_of(int(replied), group_id, on_wall=True) if replied else None
        reply_to = ReplyTarget(
            message_id=str(obj["reply_to_comment"]), author=author,
            text=normalize_text(seen_text, group_id)[0],
            link=f"https://vk.com/wall-{group_id}_{post_id}?reply={obj['reply_to_comment']}")
    return IncomingMessage(
        event_id=_event_id(update, fallback), chat=WALL, message_id=str(comment_id),
        author=author_of(from_id, group_id, on_wall=True), text=text,
        date=_date(obj.get("date")), reply_to=reply_to, thread_id=str(post_id),
        photo=photo_of(obj.get("attachments")),
        edited=edited, link=f"https://vk.com/wall-{group_id}_{post_id}?reply={comment_id}",
        mentions=mentions)


def _map_callback(update: dict[str, Any], group_id: int, now: datetime) -> Event | None:
    obj = update.get("object") or {}
    payload = obj.get("payload")
    data = payload.get("d", "") if isinstance(payload, dict) else str(payload or "")
    user_id, peer_id = int(obj["user_id"]), int(obj["peer_id"])
    chat = ChatRef("vk", str(peer_id if peer_id >= VK_CHAT_PEER_BASE else user_id))
    # The answer needs user_id and peer_id besides VK's event_id; the core treats the
    # callback id as opaque, so they travel inside it.
    callback_id = f"{obj['event_id']}:{user_id}:{peer_id}"
    return CallbackPressed(
        event_id=_event_id(update, f"cb:{obj['event_id']}"), chat=chat,
        message_id=str(obj.get("conversation_message_id", "")),
        author=author_of(user_id, group_id), data=str(data), callback_id=callback_id, date=now)


def _map_membership(update: dict[str, Any], group_id: int, now: datetime) -> Event | None:
    obj = update.get("object") or {}
    user_id = int(obj["user_id"])
    joined = update["type"] == "group_join"
    return MemberChanged(
        event_id=_event_id(update, f"{update['type']}:{user_id}:{now.timestamp():.0f}"),
        chat=WALL, user=author_of(user_id, group_id), joined=joined, is_bot_itself=False,
        date=now)


def map_update(update: dict[str, Any], group_id: int, now: datetime) -> Event | None:
    """One long-poll update → one core event, or None for what the core does not need.

    An update that names another community is dropped: the bot acts for its own group only.
    """
    other = update.get("group_id")
    if other is not None and str(other) != str(group_id):
        return None
    kind = update.get("type")
    if kind in ("message_new", "message_edit"):
        return _map_message(update, group_id)
    if kind in ("wall_reply_new", "wall_reply_edit"):
        return _map_wall_reply(update, group_id)
    if kind == "message_event":
        return _map_callback(update, group_id, now)
    if kind in ("group_join", "group_leave"):
        return _map_membership(update, group_id, now)
    return None
